//! `flowcheck analyze`: configuration, analysis, suppressions, baselines, and the report.

use std::path::Path;

use crate::analyze::FileReport;
use crate::baseline::Baseline;
use crate::cli::{
    AnalyzeArgs, EXIT_CLEAN, EXIT_FINDINGS, EXIT_TROUBLE, FailOn, OutputFormat, emit, usage_error,
    wants_color, writes_over_input,
};
use crate::config::{Config, SuppressionUse};
use crate::flow::Input;
use crate::report;
use crate::rule::Severity;
use crate::session::{Processed, Session};

pub fn run(args: &AnalyzeArgs) -> u8 {
    let session = match Session::new(&args.rules, args.baseline.as_deref()) {
        Ok(session) => session,
        Err(message) => return usage_error(&message),
    };
    let inputs = session.inputs(&args.paths);
    for output in [&args.output, &args.write_baseline].into_iter().flatten() {
        if writes_over_input(output, &inputs) {
            return usage_error(&format!(
                "refusing to write over the input file {}",
                output.display()
            ));
        }
    }
    let styled = args.output.is_none() && wants_color(args.color);
    let text = (args.format == OutputFormat::Text && !args.statistics).then_some(styled);
    let processed = match run_parallel(&inputs, args.jobs, |input| {
        process(&session, input, &args.paths, text)
    }) {
        Ok(processed) => processed,
        Err(message) => return usage_error(&message),
    };
    let mut usage = vec![
        SuppressionUse::default();
        session.config.as_ref().map_or(0, |c| c.suppressions.len())
    ];
    let mut reports = Vec::with_capacity(processed.len());
    let mut rendered = String::new();
    for (file, file_text) in processed.into_iter().flatten() {
        for (total, seen) in usage.iter_mut().zip(&file.usage) {
            *total = total.merge(*seen);
        }
        rendered.push_str(&file_text);
        reports.push(file.report);
    }
    if reports.is_empty()
        && let Some(message) = nothing_found(&args.paths)
    {
        return usage_error(&message);
    }
    if let Some(report) = session.unused_suppressions(&usage) {
        if let Some(styled) = text {
            rendered.push_str(&report::text::render_file(&report, styled));
        }
        reports.push(report);
    }
    if let Some(path) = &args.write_baseline {
        return write_baseline(&reports, path);
    }
    let text = match render(args, &reports, rendered) {
        Ok(text) => text,
        Err(message) => return usage_error(&message),
    };
    if let Err(message) = emit(&text, args.output.as_deref()) {
        return usage_error(&message);
    }
    exit_status(&reports, fail_on(args, session.config.as_ref()))
}

/// A directory that held no flow is most likely a wrong path: in CI it would pass green.
/// Files named one by one (a pre-commit hook passing every JSON file) may all be other JSON.
pub(crate) fn nothing_found(paths: &[std::path::PathBuf]) -> Option<String> {
    let directories: Vec<String> = paths
        .iter()
        .filter(|p| p.is_dir())
        .map(|p| p.display().to_string())
        .collect();
    (!directories.is_empty()).then(|| {
        format!(
            "no Studio flow found in {}: check the path (flows are *.json files with `states`)",
            directories.join(", ")
        )
    })
}

pub(crate) fn fail_on(args: &AnalyzeArgs, config: Option<&Config>) -> FailOn {
    args.fail_on
        .or_else(|| config.and_then(|c| c.fail_on))
        .unwrap_or(FailOn::Warning)
}

/// Takes one input through the session and renders its text report (`Some(styled)`) in the
/// worker. The file's text and model are dropped before returning, so memory follows the
/// largest file rather than the number of files.
fn process(
    session: &Session,
    input: &Input,
    explicit: &[std::path::PathBuf],
    text: Option<bool>,
) -> Vec<(Processed, String)> {
    session
        .process(input, explicit)
        .into_iter()
        .map(|mut file| {
            let rendered = text
                .map(|styled| report::text::render_file(&file.report, styled))
                .unwrap_or_default();
            file.report.source = crate::flow::SourceText::new(String::new());
            file.report.flow = None;
            (file, rendered)
        })
        .collect()
}

/// Maps `work` over the inputs on `jobs` threads, keeping the inputs' order.
fn run_parallel<T: Send>(
    inputs: &[Input],
    jobs: Option<u16>,
    work: impl Fn(&Input) -> T + Sync + Send,
) -> Result<Vec<T>, String> {
    use rayon::prelude::*;
    // More workers than files or CPUs only costs threads (`-j 65535` used to start them all).
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = jobs
        .map_or(cpus, usize::from)
        .min(cpus)
        .min(inputs.len())
        .max(1);
    // Nesting is capped at 256 levels, but a debug build's frames are large: give workers
    // the main thread's stack size rather than rayon's 2 MiB.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(8 * 1024 * 1024)
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    Ok(pool.install(|| inputs.par_iter().map(work).collect()))
}

pub(crate) fn render(
    args: &AnalyzeArgs,
    reports: &[FileReport],
    rendered: String,
) -> Result<String, String> {
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
        OutputFormat::Concise => report::concise::render(reports),
        OutputFormat::Markdown => report::markdown::render(reports),
        OutputFormat::Text => {
            let mut text = rendered;
            if !args.quiet {
                text.push_str(&report::text::summary_line(&report::Summary::of(reports)));
                text.push('\n');
            }
            text
        }
    })
}

pub(crate) fn write_baseline(reports: &[FileReport], path: &Path) -> u8 {
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

pub(crate) fn exit_status(reports: &[FileReport], fail_on: FailOn) -> u8 {
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
