//! `flowcheck test`: finds scenario files, runs them, and reports like a test runner.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::{EXIT_CLEAN, EXIT_FINDINGS, EXIT_TROUBLE, TestArgs, usage_error};
use crate::simulate::{self, FileRun, coverage::Coverage, engine::Execution};

pub fn run(args: &TestArgs) -> u8 {
    if let Some(flow) = &args.init {
        return init(flow, args.force);
    }
    let (files, mut trouble) = discover(&args.paths);
    if files.is_empty() && trouble.is_empty() {
        return usage_error(&format!(
            "no scenario files found in {} (write <flow>.scenarios.toml beside a flow, or run \
             `flowcheck test --init FLOW`)",
            display_paths(&args.paths)
        ));
    }
    let runs: Vec<FileRun> = files
        .iter()
        .map(|f| simulate::run_file(f, args.filter.as_deref()))
        .collect();

    let mut out = String::new();
    let (mut passed, mut failed) = (0usize, 0usize);
    for run in &runs {
        match &run.results {
            Err(message) => trouble.push(message.clone()),
            Ok(results) if results.is_empty() => {}
            Ok(results) => {
                let _ = writeln!(
                    out,
                    "{} (flow {})",
                    run.path.display(),
                    run.flow_path.display()
                );
                for result in results {
                    let steps = result.execution.steps.len();
                    if result.verdict.passed() {
                        passed += 1;
                        let _ = writeln!(out, "  PASS  {}  ({steps} steps)", result.name);
                        if args.verbose {
                            let _ = writeln!(out, "        path: {}", path_line(&result.execution));
                        }
                    } else {
                        failed += 1;
                        let _ = writeln!(out, "  FAIL  {}  ({steps} steps)", result.name);
                        for failure in &result.verdict.failures {
                            let _ = writeln!(out, "        {}", indent(failure));
                        }
                        let _ = writeln!(out, "        path: {}", path_line(&result.execution));
                        let end = result.execution.end.describe();
                        if !result.verdict.failures.iter().any(|f| f.starts_with(&end)) {
                            let _ = writeln!(out, "        end: {end}");
                        }
                    }
                    for warning in &result.verdict.warnings {
                        let _ = writeln!(out, "        warning: {warning}");
                    }
                }
            }
        }
    }
    if let Some(filter) = &args.filter
        && passed + failed == 0
    {
        trouble.push(format!("no scenario name contains {filter:?}"));
    }
    for message in &trouble {
        let _ = writeln!(out, "error: {message}");
    }
    let coverage = coverage_by_flow(&runs);
    if args.coverage {
        for (first, cov) in coverage.values() {
            let run = &runs[*first];
            if let Some(flow) = &run.flow {
                out.push_str(&cov.report(&run.flow_path.display().to_string(), flow));
            }
        }
    }
    if let Some(dir) = &args.coverage_graph {
        match write_coverage_graphs(dir, &runs, &coverage) {
            Ok(written) => {
                for path in written {
                    let _ = writeln!(out, "coverage drawn in {}", path.display());
                }
            }
            Err(message) => trouble.push(message),
        }
    }
    let _ = writeln!(
        out,
        "result: {passed} passed, {failed} failed{}",
        if trouble.is_empty() {
            String::new()
        } else {
            format!(", {} file{} not run", trouble.len(), plural(trouble.len()))
        }
    );
    let _ = crate::cli::emit(&out, None);

    if let Some(junit) = &args.junit {
        let xml = junit_xml(&runs, &trouble);
        if let Err(e) = std::fs::write(junit, xml) {
            return usage_error(&format!("cannot write {}: {e}", junit.display()));
        }
    }
    if !trouble.is_empty() {
        EXIT_TROUBLE
    } else if failed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Scenario files named or found under the paths; a flow file stands for its scenario file
/// or folder. Paths that lead nowhere are reported.
fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut trouble = Vec::new();
    for path in paths {
        if path.is_dir() {
            let walker = ignore::WalkBuilder::new(path)
                .require_git(false)
                .sort_by_file_name(|a, b| a.cmp(b))
                .build();
            for entry in walker.flatten() {
                if entry.file_type().is_some_and(|t| t.is_file())
                    && simulate::is_scenario_file(entry.path())
                {
                    files.push(entry.into_path());
                }
            }
        } else if path.extension().is_some_and(|e| e == "json") {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let file = path.with_file_name(format!("{stem}.scenarios.toml"));
            let folder = path.with_file_name(format!("{stem}.scenarios"));
            let before = files.len();
            if file.is_file() {
                files.push(file.clone());
            }
            if folder.is_dir() {
                let (inner, problems) = discover(&[folder]);
                files.extend(inner);
                trouble.extend(problems);
            }
            if files.len() == before {
                trouble.push(format!(
                    "{}: no scenarios for this flow (looked for {} and {}/)",
                    path.display(),
                    file.display(),
                    path.with_file_name(format!("{stem}.scenarios")).display()
                ));
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            trouble.push(format!("{}: no such file or directory", path.display()));
        }
    }
    files.dedup();
    (files, trouble)
}

fn init(flow_path: &Path, force: bool) -> u8 {
    let flow = match simulate::load_flow(flow_path) {
        Ok(flow) => flow,
        Err(e) => return usage_error(&e),
    };
    let stem = flow_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("flow");
    let target = flow_path.with_file_name(format!("{stem}.scenarios.toml"));
    if target.exists() && !force {
        return usage_error(&format!(
            "{} already exists (use --force to overwrite it)",
            target.display()
        ));
    }
    let name = flow_path
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("flow.json");
    let Some(text) = simulate::init::starter(&flow, name) else {
        return usage_error(&format!(
            "{}: the trigger has no connected event, so there is nothing to run",
            flow_path.display()
        ));
    };
    if let Err(e) = std::fs::write(&target, &text) {
        return usage_error(&format!("cannot write {}: {e}", target.display()));
    }
    let count = text.matches("[[scenario]]").count();
    println!(
        "wrote {} ({count} starter scenario{}); review it, then run `flowcheck test {}`",
        target.display(),
        plural(count),
        target.display()
    );
    EXIT_CLEAN
}

/// `Trigger(incomingCall) → menu(keypress) → split(match) → …`, long paths shortened.
pub fn path_line(run: &Execution) -> String {
    let parts: Vec<String> = run
        .steps
        .iter()
        .map(|s| match &s.event {
            Some(e) => format!("{}({e})", s.widget),
            None => s.widget.clone(),
        })
        .collect();
    const HEAD: usize = 12;
    const TAIL: usize = 4;
    if parts.len() <= HEAD + TAIL + 1 {
        return parts.join(" → ");
    }
    format!(
        "{} → … {} more … → {}",
        parts[..HEAD].join(" → "),
        parts.len() - HEAD - TAIL,
        parts[parts.len() - TAIL..].join(" → ")
    )
}

/// Coverage per flow (keyed by its canonical path), over every scenario file that runs it,
/// with the index of the first run of that flow.
fn coverage_by_flow(runs: &[FileRun]) -> BTreeMap<PathBuf, (usize, Coverage)> {
    let mut by_flow: BTreeMap<PathBuf, (usize, Coverage)> = BTreeMap::new();
    for (i, run) in runs.iter().enumerate() {
        let (Some(_), Ok(results)) = (&run.flow, &run.results) else {
            continue;
        };
        let key = run
            .flow_path
            .canonicalize()
            .unwrap_or_else(|_| run.flow_path.clone());
        let entry = by_flow.entry(key).or_insert((i, Coverage::default()));
        for result in results {
            entry.1.add(&result.execution);
        }
    }
    by_flow
}

/// Writes `<flow>.coverage.mmd` for each flow into `dir` (created if needed).
fn write_coverage_graphs(
    dir: &Path,
    runs: &[FileRun],
    coverage: &BTreeMap<PathBuf, (usize, Coverage)>,
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for (first, cov) in coverage.values() {
        let run = &runs[*first];
        let Some(flow) = &run.flow else {
            continue;
        };
        let stem = run
            .flow_path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("flow");
        let mut target = dir.join(format!("{stem}.coverage.mmd"));
        let mut n = 2;
        while written.contains(&target) {
            target = dir.join(format!("{stem}-{n}.coverage.mmd"));
            n += 1;
        }
        std::fs::write(&target, cov.mermaid(flow))
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        written.push(target);
    }
    Ok(written)
}

fn junit_xml(runs: &[FileRun], trouble: &[String]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut suites = String::new();
    let (mut total, mut failures) = (0usize, 0usize);
    for run in runs {
        let Ok(results) = &run.results else {
            continue;
        };
        let failed = results.iter().filter(|r| !r.verdict.passed()).count();
        total += results.len();
        failures += failed;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\">",
            xml(&run.path.display().to_string()),
            results.len()
        );
        let class = xml(&run.flow_path.display().to_string());
        for result in results {
            let _ = write!(
                suites,
                "    <testcase name=\"{}\" classname=\"{class}\"",
                xml(&result.name)
            );
            if result.verdict.passed() {
                suites.push_str("/>\n");
                continue;
            }
            let first = result.verdict.failures.first().cloned().unwrap_or_default();
            let mut body = result.verdict.failures.join("\n");
            let _ = write!(
                body,
                "\npath: {}\nend: {}",
                path_line(&result.execution),
                result.execution.end.describe()
            );
            let _ = writeln!(
                suites,
                ">\n      <failure message=\"{}\" type=\"scenario\">{}</failure>\n    </testcase>",
                xml(&first),
                xml(&body)
            );
        }
        suites.push_str("  </testsuite>\n");
    }
    if !trouble.is_empty() {
        let _ = writeln!(
            suites,
            "  <testsuite name=\"scenario files\" tests=\"{0}\" failures=\"0\" errors=\"{0}\">",
            trouble.len()
        );
        for (i, message) in trouble.iter().enumerate() {
            let _ = writeln!(
                suites,
                "    <testcase name=\"file {}\" classname=\"flowcheck\">\n      <error message=\"{}\" type=\"input\"/>\n    </testcase>",
                i + 1,
                xml(message)
            );
        }
        suites.push_str("  </testsuite>\n");
    }
    let _ = writeln!(
        out,
        "<testsuites name=\"flowcheck test\" tests=\"{}\" failures=\"{failures}\" errors=\"{}\">",
        total + trouble.len(),
        trouble.len()
    );
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}

/// Text in JUnit XML, line breaks kept.
fn xml(text: &str) -> String {
    crate::markup::escape_xml(text, crate::markup::Breaks::Keep)
}

fn indent(text: &str) -> String {
    text.replace('\n', "\n        ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
