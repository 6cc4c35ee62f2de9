//! `flowcheck analyze`: configuration, analysis, suppressions, baselines, and the report.

use std::path::Path;

use crate::analyze::FileReport;
use crate::baseline::Baseline;
use crate::cli::{
    AnalyzeArgs, EXIT_CLEAN, EXIT_FINDINGS, EXIT_TROUBLE, FailOn, OutputFormat, emit, emit_with,
    usage_error, wants_color, writes_over_input,
};
use crate::config::{Config, SuppressionUse};
use crate::fix::{self, FixMode};
use crate::flow::{Input, SourceText};
use crate::project::FlowSummary;
use crate::report;
use crate::report::paths::ProjectRoot;
use crate::rule::Severity;
use crate::session::{Processed, Session};

pub fn run(args: &AnalyzeArgs) -> u8 {
    let session = match Session::new(&args.rules, args.baseline.as_deref()) {
        Ok(session) => session,
        Err(message) => return usage_error(&message),
    };
    let inputs = session.inputs(&args.paths);
    if let Err(message) = outputs_spare_inputs(args, &inputs) {
        return usage_error(&message);
    }
    let styled = args.output.is_none() && wants_color(args.color);
    let text = (args.format == OutputFormat::Text && !args.statistics).then_some(styled);
    let fixing = (args.fix || args.unsafe_fixes || args.diff).then_some(Fixing {
        mode: FixMode {
            unsafe_fixes: args.unsafe_fixes,
        },
        diff_only: args.diff,
    });
    let processed = match run_parallel(&inputs, args.jobs, |input| {
        process(&session, input, &args.paths, text, fixing)
    }) {
        Ok(processed) => processed,
        Err(message) => return usage_error(&message),
    };
    let mut usage = vec![
        SuppressionUse::default();
        session.config.as_ref().map_or(0, |c| c.suppressions.len())
    ];
    let mut reports = Vec::with_capacity(processed.len());
    let mut parts = Vec::with_capacity(processed.len());
    let mut project = ProjectRun::default();
    let mut fixes = FixSummary::default();
    for (file, file_text, fixed, summary) in processed.into_iter().flatten() {
        merge_usage(&mut usage, &file.usage);
        parts.push(file_text);
        fixes.add(&file.report, fixed, args);
        if let Some(summary) = summary {
            project.summaries.push(summary);
            project.owners.push(reports.len());
        }
        reports.push(file.report);
    }
    project.run(&session, &mut reports, &mut parts, &mut usage, text);
    let mut rendered: String = parts.concat();
    let fix_trouble = fixes.print(args);
    if args.diff {
        // Only the diff goes to stdout, as `git diff` and ruff print it.
        return match (fix_trouble, fixes.diffs.is_empty()) {
            (true, _) => EXIT_TROUBLE,
            (false, true) => EXIT_CLEAN,
            (false, false) => EXIT_FINDINGS,
        };
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
    if let Err(message) = write_report(args, &reports, rendered) {
        return usage_error(&message);
    }
    if fix_trouble {
        return EXIT_TROUBLE;
    }
    exit_status(&reports, fail_on(args, session.config.as_ref()))
}

/// The report (`-o`) and the baseline written must not replace a file being analysed.
pub(crate) fn outputs_spare_inputs(args: &AnalyzeArgs, inputs: &[Input]) -> Result<(), String> {
    for output in [&args.output, &args.write_baseline].into_iter().flatten() {
        if writes_over_input(output, inputs) {
            return Err(format!(
                "refusing to write over the input file {}",
                output.display()
            ));
        }
    }
    Ok(())
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

fn merge_usage(usage: &mut [SuppressionUse], seen: &[SuppressionUse]) {
    for (total, seen) in usage.iter_mut().zip(seen) {
        *total = total.merge(*seen);
    }
}

/// The flows of the run taken together, after each has been analysed on its own.
#[derive(Default)]
struct ProjectRun {
    summaries: Vec<FlowSummary>,
    /// For each summary, the index of its report.
    owners: Vec<usize>,
}

impl ProjectRun {
    /// Adds the project's findings to the reports they land on, through the configuration
    /// and baseline like every other finding, and renders them after the file's own text.
    fn run(
        mut self,
        session: &Session,
        reports: &mut [FileReport],
        parts: &mut [String],
        usage: &mut [SuppressionUse],
        text: Option<bool>,
    ) {
        let findings = session.project_findings(&mut self.summaries);
        for ((summary, owner), list) in self.summaries.into_iter().zip(self.owners).zip(findings) {
            let Some(report) = reports.get_mut(owner).filter(|_| !list.is_empty()) else {
                continue;
            };
            let source = summary
                .source
                .unwrap_or_else(|| SourceText::new(String::new()));
            let mut extra = FileReport {
                name: report.name.clone(),
                source,
                states: 0,
                error: None,
                findings: list,
                flow: None,
                references: None,
                is_configuration: false,
            };
            merge_usage(usage, &session.apply(&mut extra));
            if let (Some(styled), Some(part)) = (text, parts.get_mut(owner))
                && !extra.source.text.is_empty()
            {
                part.push_str(&report::text::render_file(&extra, styled));
            }
            report.findings.append(&mut extra.findings);
            report.findings.sort_by_key(|f| f.span.start);
        }
    }
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
    fixing: Option<Fixing>,
) -> Vec<(Processed, String, FileFix, Option<FlowSummary>)> {
    let files = session.process(input, explicit);
    // A file of several flows, or a definition inside a string, is not fixed in place.
    let fixable = files.len() == 1
        && files[0]
            .report
            .flow
            .as_ref()
            .is_some_and(|f| f.embedded.is_none())
        && matches!(input, Input::File(_));
    files
        .into_iter()
        .map(|mut file| {
            let fixed = match (fixing, input) {
                (Some(fixing), Input::File(path)) if fixable => {
                    fix_file(session, &mut file, path, fixing)
                }
                _ => FileFix::default(),
            };
            let rendered = text
                .map(|styled| report::text::render_file(&file.report, styled))
                .unwrap_or_default();
            let summary = summarize(&mut file.report, text.is_some());
            file.report.source = SourceText::new(String::new());
            file.report.flow = None;
            (file, rendered, fixed, summary)
        })
        .collect()
}

/// What project analysis keeps of a flow; for a text report, the file's text too when the
/// flow runs subflows, as project findings land on those and the report quotes the lines.
/// Their positions are computed here, so other formats need no text (566 of the 10,000
/// benchmark flows run subflows: 25 MB of text).
fn summarize(report: &mut FileReport, quoted: bool) -> Option<FlowSummary> {
    let flow = report.flow.as_ref()?;
    let references = report.references.take();
    let mut summary = crate::project::summarize(&report.name, flow, &report.source, references);
    if quoted && !summary.calls.is_empty() {
        summary.source = Some(std::mem::replace(
            &mut report.source,
            SourceText::new(String::new()),
        ));
    }
    Some(summary)
}

/// What the run's fixing did, for the messages after the report.
#[derive(Debug, Default)]
struct FixSummary {
    applied: usize,
    listed: Vec<String>,
    diffs: String,
    trouble: Vec<String>,
}

impl FixSummary {
    fn add(&mut self, report: &FileReport, fixed: FileFix, args: &AnalyzeArgs) {
        self.applied += fixed.applied.len();
        if args.show_fixes {
            let titles: Vec<String> = if args.fix || args.unsafe_fixes || args.diff {
                fixed.applied
            } else {
                available(report, args.unsafe_fixes)
            };
            self.listed
                .extend(titles.into_iter().map(|t| format!("{}: {t}", report.name)));
        }
        self.diffs.push_str(fixed.diff.as_deref().unwrap_or(""));
        self.trouble.extend(fixed.trouble);
    }

    /// Prints the diffs (stdout) and the notes (stderr); whether a fix could not be applied.
    fn print(&self, args: &AnalyzeArgs) -> bool {
        if args.diff {
            print!("{}", self.diffs);
        }
        for line in &self.listed {
            eprintln!("fix: {line}");
        }
        for line in &self.trouble {
            eprintln!("error: {line}");
        }
        if args.fix && !args.diff && self.applied > 0 {
            eprintln!("Fixed {} finding(s).", self.applied);
        }
        !self.trouble.is_empty()
    }
}

/// The titles of the fixes a report offers.
fn available(report: &FileReport, unsafe_fixes: bool) -> Vec<String> {
    let mode = FixMode { unsafe_fixes };
    report
        .findings
        .iter()
        .filter_map(|f| f.diagnostic.fix.as_ref())
        .filter(|fix| mode.allows(fix))
        .map(|fix| fix.title.clone())
        .collect()
}

/// How this run fixes: which fixes, and whether it only prints them as a diff.
#[derive(Debug, Clone, Copy)]
struct Fixing {
    mode: FixMode,
    diff_only: bool,
}

/// What fixing one file did.
#[derive(Debug, Default)]
struct FileFix {
    /// The fixes applied (or, with `--diff`, that would be), by title.
    applied: Vec<String>,
    /// The unified diff, with `--diff`.
    diff: Option<String>,
    /// Why the fixes were not applied: a new finding, a file changed on disk.
    trouble: Option<String>,
}

/// Applies the allowed fixes to one file, checks that the result brings no new finding, and
/// writes it (or keeps the diff). On success the report becomes the fixed file's.
fn fix_file(
    session: &Session,
    file: &mut Processed,
    path: &std::path::Path,
    fixing: Fixing,
) -> FileFix {
    let Some(fixed) = fix::apply(&file.report, fixing.mode) else {
        return FileFix::default();
    };
    let name = file.report.name.clone();
    let after = session.process_loaded(crate::flow::load_text(name.clone(), fixed.text.clone()));
    let titles: Vec<String> = fixed.applied.iter().map(|(_, t)| t.clone()).collect();
    if let Err(reason) = fix::introduces_nothing(&file.report, &after.report, &fixed.applied) {
        return FileFix {
            trouble: Some(format!("{name}: fixes rolled back: {reason}")),
            ..FileFix::default()
        };
    }
    let original = file.report.source.text.clone();
    if fixing.diff_only {
        return FileFix {
            applied: titles,
            diff: Some(fix::unified_diff(&name, &original, &fixed.text)),
            trouble: None,
        };
    }
    if let Err(reason) = fix::write_atomically(path, &original, &fixed.text) {
        return FileFix {
            trouble: Some(reason),
            ..FileFix::default()
        };
    }
    *file = after;
    FileFix {
        applied: titles,
        diff: None,
        trouble: None,
    }
}

/// Maps `work` over the inputs on `jobs` threads, keeping the inputs' order.
fn run_parallel<T: Send>(
    inputs: &[Input],
    jobs: Option<u16>,
    work: impl Fn(&Input) -> T + Sync + Send,
) -> Result<Vec<T>, String> {
    use rayon::prelude::*;
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = worker_count(jobs, inputs.len(), cpus);
    // Fewer files than allowed threads leave a core idle: it compiles the schemas meanwhile
    // (a 1,000-state flow's run is ~0.8 ms shorter). Not joined: it ends with the process.
    // A thread that cannot start costs nothing: the first flow compiles what it needs.
    if worker_count(jobs, usize::MAX, cpus) > threads && !inputs.is_empty() {
        let _ = std::thread::Builder::new().spawn(crate::analyze::warm_up);
    }
    // Nesting is capped at 256 levels, but a debug build's frames are large: give workers
    // the main thread's stack size rather than rayon's 2 MiB.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(8 * 1024 * 1024)
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    Ok(pool.install(|| inputs.par_iter().map(work).collect()))
}

/// A report ready to be written: its text, or the JSON report, which is written as it is
/// serialised (a large flow's is several times the file).
enum Rendered<'r> {
    Text(String),
    Json(&'r [FileReport]),
}

impl Rendered<'_> {
    fn write_to(self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        match self {
            Rendered::Text(text) => out.write_all(text.as_bytes()),
            Rendered::Json(reports) => report::json::write(reports, out),
        }
    }
}

/// Renders the report in the format asked for and writes it to `--output` or stdout.
pub(crate) fn write_report(
    args: &AnalyzeArgs,
    reports: &[FileReport],
    rendered: String,
) -> Result<(), String> {
    let report = render(args, reports, rendered)?;
    emit_with(args.output.as_deref(), |out| report.write_to(out))
}

fn render<'r>(
    args: &AnalyzeArgs,
    reports: &'r [FileReport],
    rendered: String,
) -> Result<Rendered<'r>, String> {
    if args.statistics {
        return match args.format {
            OutputFormat::Text => Ok(Rendered::Text(report::statistics::text(reports))),
            OutputFormat::Json => Ok(Rendered::Text(report::statistics::json(reports))),
            _ => Err("--statistics prints text or json".to_string()),
        };
    }
    let root = || ProjectRoot::find(args.project_root.as_deref());
    Ok(match args.format {
        OutputFormat::Json => Rendered::Json(reports),
        OutputFormat::Sarif => Rendered::Text(report::sarif::render(reports, &root())),
        OutputFormat::Github => Rendered::Text(report::github::render(reports, &root())),
        OutputFormat::Concise => Rendered::Text(report::concise::render(reports)),
        OutputFormat::Markdown => Rendered::Text(report::markdown::render(reports)),
        OutputFormat::Text => {
            let mut text = rendered;
            if !args.quiet {
                text.push_str(&report::text::summary_line(&report::Summary::of(reports)));
                text.push('\n');
            }
            Rendered::Text(text)
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

/// More workers than files or CPUs only costs threads (`-j 65535` used to start them all).
fn worker_count(jobs: Option<u16>, files: usize, cpus: usize) -> usize {
    jobs.map_or(cpus, usize::from).min(cpus).min(files).max(1)
}

#[cfg(test)]
mod tests {
    use super::worker_count;

    #[test]
    fn workers_are_capped_at_files_and_cpus() {
        assert_eq!(worker_count(Some(65535), 4, 2), 2);
        assert_eq!(worker_count(Some(65535), 1, 8), 1);
        assert_eq!(worker_count(None, 100, 8), 8);
        assert_eq!(worker_count(Some(3), 100, 8), 3);
        assert_eq!(worker_count(None, 0, 8), 1);
    }
}
