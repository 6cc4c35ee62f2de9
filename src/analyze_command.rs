//! `flowcheck analyze`: configuration, analysis, suppressions, baselines, and the report.

use std::path::{Path, PathBuf};

use crate::analyze::{self, FileReport, RuleSelection};
use crate::baseline::Baseline;
use crate::cli::{
    AnalyzeArgs, EXIT_CLEAN, EXIT_FINDINGS, EXIT_TROUBLE, FailOn, OutputFormat, emit, usage_error,
    wants_color, writes_over_input,
};
use crate::config::{self, Config, SuppressionUse};
use crate::flow::{self, Input};
use crate::report;
use crate::rule::Severity;

pub fn run(args: &AnalyzeArgs) -> u8 {
    let config = match load_config(args) {
        Ok(config) => config,
        Err(message) => return usage_error(&message),
    };
    let selection = selection(args, config.as_ref());
    let rules = match selection.rules() {
        Ok(rules) => rules,
        Err(message) => return usage_error(&message),
    };
    let baseline = match args.baseline.as_deref().map(Baseline::load).transpose() {
        Ok(baseline) => baseline,
        Err(message) => return usage_error(&message),
    };
    let inputs = flow::expand_inputs(&args.paths);
    for output in [&args.output, &args.write_baseline].into_iter().flatten() {
        if writes_over_input(output, &inputs) {
            return usage_error(&format!(
                "refusing to write over the input file {}",
                output.display()
            ));
        }
    }
    let mut reports: Vec<FileReport> = inputs
        .iter()
        .filter_map(|input| {
            let file = flow::load(input);
            (is_explicit(input, &args.paths) || flow::looks_like_flow(&file))
                .then(|| analyze::analyze_loaded(file, &rules))
        })
        .collect();
    if let Some(config) = &config {
        let mut usage = vec![SuppressionUse::default(); config.suppressions.len()];
        for report in &mut reports {
            config.apply(report, &mut usage);
        }
        if selection.is_selected(config::UNUSED_SUPPRESSION.id) {
            let ids: Vec<&str> = rules.iter().map(|r| r.meta().id).collect();
            reports.extend(config.unused_report(&usage, &ids));
        }
    }
    if let Some(path) = &args.write_baseline {
        return write_baseline(&reports, path);
    }
    if let Some(baseline) = &baseline {
        baseline.filter(&mut reports);
    }
    let text = match render(args, &reports) {
        Ok(text) => text,
        Err(message) => return usage_error(&message),
    };
    if let Err(message) = emit(&text, args.output.as_deref()) {
        return usage_error(&message);
    }
    exit_status(&reports, fail_on(args, config.as_ref()))
}

fn load_config(args: &AnalyzeArgs) -> Result<Option<Config>, String> {
    if args.no_config {
        return Ok(None);
    }
    let path = match &args.config {
        Some(path) => Some(path.clone()),
        None => std::env::current_dir().ok().and_then(|cwd| {
            // Shown relative to the working directory, as the flow files are.
            config::discover(&cwd).map(|p| p.strip_prefix(&cwd).map(Path::to_path_buf).unwrap_or(p))
        }),
    };
    path.map(|p| Config::load(&p).map_err(|e| e.to_string()))
        .transpose()
}

/// Command-line `--select` replaces the configuration's; `--ignore` adds to it.
fn selection(args: &AnalyzeArgs, config: Option<&Config>) -> RuleSelection {
    let from_config = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let select = args
        .select
        .clone()
        .or_else(|| config.and_then(|c| c.select.as_deref()).map(from_config));
    let mut ignore = config.map(|c| from_config(&c.ignore)).unwrap_or_default();
    ignore.extend(args.ignore.iter().cloned());
    RuleSelection { select, ignore }
}

fn fail_on(args: &AnalyzeArgs, config: Option<&Config>) -> FailOn {
    args.fail_on
        .or_else(|| {
            config
                .and_then(|c| c.fail_on.as_deref())
                .and_then(FailOn::parse)
        })
        .unwrap_or(FailOn::Warning)
}

fn render(args: &AnalyzeArgs, reports: &[FileReport]) -> Result<String, String> {
    if args.statistics {
        return match args.format {
            OutputFormat::Text => Ok(report::statistics::text(reports)),
            OutputFormat::Json => Ok(report::statistics::json(reports)),
            _ => Err("--statistics prints text or json".to_string()),
        };
    }
    Ok(match args.format {
        OutputFormat::Json => report::json::render(reports),
        OutputFormat::Sarif => report::sarif::render(reports),
        OutputFormat::Github => report::github::render(reports),
        OutputFormat::Text => {
            let styled = args.output.is_none() && wants_color(args.color);
            report::text::render(reports, styled, !args.quiet)
        }
    })
}

fn write_baseline(reports: &[FileReport], path: &Path) -> u8 {
    let baseline = Baseline::record(reports);
    if let Err(message) = emit(&baseline.to_json(), Some(path)) {
        return usage_error(&message);
    }
    let count: usize = baseline.findings.iter().map(|e| e.count).sum();
    eprintln!(
        "Recorded {count} finding(s) in {}; run with --baseline {} to see only new ones.",
        path.display(),
        path.display()
    );
    if reports.iter().any(|r| r.error.is_some()) {
        EXIT_TROUBLE
    } else {
        EXIT_CLEAN
    }
}

/// Paths named on the command line are always reported, even when they are not flows;
/// files found while searching a directory are reported only when they look like flows.
fn is_explicit(input: &Input, paths: &[PathBuf]) -> bool {
    match input {
        Input::File(path) => paths.iter().any(|p| p == path),
        Input::Stdin | Input::Broken { .. } => true,
    }
}

fn exit_status(reports: &[FileReport], fail_on: FailOn) -> u8 {
    if reports.iter().any(|r| r.error.is_some()) {
        return EXIT_TROUBLE;
    }
    let Some(threshold): Option<Severity> = fail_on.threshold() else {
        return EXIT_CLEAN;
    };
    let failing = reports
        .iter()
        .flat_map(|r| &r.findings)
        .any(|f| f.diagnostic.severity >= threshold);
    if failing { EXIT_FINDINGS } else { EXIT_CLEAN }
}
