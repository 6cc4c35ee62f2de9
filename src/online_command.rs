//! `flowcheck analyze --account` and `--validate-online`: the analysis of `analyze`, on the
//! flows of a Twilio account (named as `flowcheck pull` would write them) or on files, with
//! the errors of Twilio's Flow Validate API added as `studio-validation` findings.
//!
//! The session (configuration, rules, baseline), rendering and exit status are `analyze`'s;
//! only the pipeline between them is this module's: inputs from the account or from files,
//! Twilio's validator a few requests at a time, then the analysis file by file.

use crate::analyze::{self, Finding};
use crate::analyze_command;
use crate::cli::{AnalyzeArgs, usage_error, wants_color};
use crate::config::SuppressionUse;
use crate::flow::{self, LoadedFile};
use crate::report;
use crate::session::Session;
use crate::twilio::{self, Client, Revision, STUDIO_VALIDATION, account, files, validation};

pub fn run(args: &AnalyzeArgs) -> u8 {
    let chosen = &args.online.flows;
    if !args.account && (!chosen.flows.is_empty() || chosen.revision.is_some()) {
        return usage_error("--flow and --revision choose flows of the account: add --account");
    }
    if !args.account && !args.validate_online {
        return usage_error("--api-base and --timeout need --account or --validate-online");
    }
    let client = match twilio::connect(&args.online.api) {
        Ok(client) => client,
        Err(message) => return usage_error(&message),
    };
    let session = match Session::new(&args.rules, args.baseline.as_deref()) {
        Ok(session) => session,
        Err(message) => return usage_error(&message),
    };
    let loaded = if args.account {
        match account_files(&client, chosen) {
            Ok(loaded) => loaded,
            Err(message) => return usage_error(&message),
        }
    } else {
        let inputs = session.inputs(&args.paths);
        if let Err(message) = crate::analyze_command::outputs_spare_inputs(args, &inputs) {
            return usage_error(&message);
        }
        inputs
            .iter()
            .flat_map(|input| session.load(input, &args.paths))
            .collect()
    };
    let validations = if args.validate_online && session.selection.is_selected(STUDIO_VALIDATION.id)
    {
        match validate_all(&client, &loaded) {
            Ok(found) => found,
            Err(message) => return usage_error(&message),
        }
    } else {
        loaded.iter().map(|_| Vec::new()).collect()
    };
    let mut usage = vec![
        SuppressionUse::default();
        session.config.as_ref().map_or(0, |c| c.suppressions.len())
    ];
    let mut reports = Vec::with_capacity(loaded.len());
    for (file, extra) in loaded.into_iter().zip(validations) {
        let mut report = analyze::analyze_loaded(file, &session.rules);
        if !extra.is_empty() {
            report.findings.extend(extra);
            report.findings.sort_by(|a, b| {
                (a.span.start, a.diagnostic.rule, &a.diagnostic.message).cmp(&(
                    b.span.start,
                    b.diagnostic.rule,
                    &b.diagnostic.message,
                ))
            });
        }
        for (total, seen) in usage.iter_mut().zip(session.apply(&mut report)) {
            *total = total.merge(seen);
        }
        reports.push(report);
    }
    if reports.is_empty()
        && !args.account
        && let Some(message) = analyze_command::nothing_found(&args.paths)
    {
        return usage_error(&message);
    }
    if let Some(report) = session.unused_suppressions(&usage) {
        reports.push(report);
    }
    if let Some(path) = &args.write_baseline {
        return analyze_command::write_baseline(&reports, path);
    }
    let styled = args.output.is_none() && wants_color(args.color);
    let rendered = report::text::render(&reports, styled, false);
    if let Err(message) = analyze_command::write_report(args, &reports, rendered) {
        return usage_error(&message);
    }
    analyze_command::exit_status(
        &reports,
        analyze_command::fail_on(args, session.config.as_ref()),
    )
}

/// The selected flows of the account, loaded from the text `pull` would write, under the
/// file name it would give them; flows without the revision asked for are noted on stderr.
fn account_files(client: &Client, chosen: &twilio::FlowArgs) -> Result<Vec<LoadedFile>, String> {
    let revision = chosen.revision.unwrap_or(Revision::Published);
    let fetched = fetch_account(client, &chosen.flows, revision)?;
    for skipped in &fetched.skipped {
        eprintln!(
            "note: not analysed: {} ({}): {}",
            skipped.summary.friendly_name, skipped.summary.sid, skipped.reason
        );
    }
    Ok(fetched
        .flows
        .into_iter()
        .map(|f| flow::load_text(f.file_name, files::resource_text(&f.resource)))
        .collect())
}

/// Lists the account, applies `--flow`, and fetches the definitions.
pub fn fetch_account(
    client: &Client,
    selectors: &[String],
    revision: Revision,
) -> Result<account::Account, String> {
    let listed = account::list(client).map_err(|e| e.to_string())?;
    let selected = account::select(listed, selectors)?;
    account::fetch(client, selected, revision).map_err(|e| e.to_string())
}

/// Twilio's verdict on every loaded flow, a few requests at a time.
fn validate_all(client: &Client, loaded: &[LoadedFile]) -> Result<Vec<Vec<Finding>>, String> {
    let progress = account::Progress::new("validating flows", loaded.len());
    let result = account::parallel(loaded, account::WORKERS, |file| {
        let found = validate(client, file);
        progress.tick();
        found
    });
    progress.finish();
    result.map_err(|e| e.to_string())
}

fn validate(client: &Client, file: &LoadedFile) -> Result<Vec<Finding>, twilio::ApiError> {
    let Ok(flow) = &file.flow else {
        return Ok(Vec::new());
    };
    let Some(definition) = validation::definition_text(flow, &file.source) else {
        return Ok(Vec::new());
    };
    let name = validation::friendly_name(flow, &file.name);
    let errors = client.validate(&name, validation::STATUS, definition)?;
    Ok(validation::findings(flow, &file.source, &errors))
}
