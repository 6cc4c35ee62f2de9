//! `flowcheck analyze`: configuration, analysis, suppressions, baselines, and the report.

use std::path::Path;

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
    let styled = args.output.is_none() && wants_color(args.color);
    let allowances = baseline.as_ref().map(Baseline::allowances);
    let job = Job {
        args,
        rules: &rules,
        config: config.as_ref(),
        allowances: allowances.as_ref(),
        text: (args.format == OutputFormat::Text && !args.statistics).then_some(styled),
    };
    let processed = match run_parallel(&inputs, args.jobs, |input| job.process(input)) {
        Ok(processed) => processed,
        Err(message) => return usage_error(&message),
    };
    let mut usage =
        vec![SuppressionUse::default(); config.as_ref().map_or(0, |c| c.suppressions.len())];
    let mut reports = Vec::with_capacity(processed.len());
    let mut rendered = String::new();
    for file in processed.into_iter().flatten() {
        for (total, seen) in usage.iter_mut().zip(&file.usage) {
            *total = total.merge(*seen);
        }
        rendered.push_str(&file.rendered);
        reports.push(file.report);
    }
    let report_unused = selection.is_selected(config::UNUSED_SUPPRESSION.id);
    if let Some(config) = config.as_ref().filter(|_| report_unused) {
        let ids: Vec<&str> = rules.iter().map(|r| r.meta().id).collect();
        if let Some(report) = config.unused_report(&usage, &ids) {
            if let Some(styled) = job.text {
                rendered.push_str(&report::text::render_file(&report, styled));
            }
            reports.push(report);
        }
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
        .or_else(|| config.and_then(|c| c.fail_on))
        .unwrap_or(FailOn::Warning)
}

/// What one worker needs to take a file from its path to its part of the report.
struct Job<'a> {
    args: &'a AnalyzeArgs,
    rules: &'a [&'static dyn crate::rule::Rule],
    config: Option<&'a Config>,
    allowances: Option<&'a std::collections::BTreeMap<crate::baseline::Key, usize>>,
    /// `Some(styled)` when the text report is rendered per file.
    text: Option<bool>,
}

/// One analysed file: its findings (without its source), its rendered text, and which
/// suppressions it used.
struct Processed {
    report: FileReport,
    rendered: String,
    usage: Vec<SuppressionUse>,
}

impl Job<'_> {
    /// Loads, analyses, filters and renders one input. The file's text is dropped before
    /// returning, so memory follows the largest file rather than the number of files.
    fn process(&self, input: &Input) -> Option<Processed> {
        let file = flow::load(input);
        if !flow::is_explicit(input, &self.args.paths) && !flow::looks_like_flow(&file) {
            return None;
        }
        let mut report = analyze::analyze_loaded(file, self.rules);
        let usage = self
            .config
            .map(|c| c.apply(&mut report))
            .unwrap_or_default();
        if let Some(allowances) = self.allowances {
            crate::baseline::filter(allowances, &mut report);
        }
        let rendered = self
            .text
            .map(|styled| report::text::render_file(&report, styled))
            .unwrap_or_default();
        report.source = crate::flow::SourceText::new(String::new());
        Some(Processed {
            report,
            rendered,
            usage,
        })
    }
}

/// Maps `work` over the inputs on `jobs` threads, keeping the inputs' order.
fn run_parallel<T: Send>(
    inputs: &[Input],
    jobs: Option<u16>,
    work: impl Fn(&Input) -> T + Sync + Send,
) -> Result<Vec<T>, String> {
    use rayon::prelude::*;
    let threads = jobs.map_or(0, usize::from);
    // Nesting is capped at 256 levels, but a debug build's frames are large: give workers
    // the main thread's stack size rather than rayon's 2 MiB.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(8 * 1024 * 1024)
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    Ok(pool.install(|| inputs.par_iter().map(work).collect()))
}

fn render(args: &AnalyzeArgs, reports: &[FileReport], rendered: String) -> Result<String, String> {
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
            let mut text = rendered;
            if !args.quiet {
                text.push_str(&report::text::summary_line(&report::Summary::of(reports)));
                text.push('\n');
            }
            text
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
