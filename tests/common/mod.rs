//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use flowcheck::analyze::FileReport;
use flowcheck::flow::{self, Location};
use flowcheck::rule::Rule;
use flowcheck::session::Session;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Insta settings that store snapshots in the top-level `snapshots/` folder under the
/// explicit names the tests give them.
pub fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repo_root().join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

/// Analyses one file, named in reports by its path relative to the repository.
pub fn analyze_path(path: &Path, rules: &[&'static dyn Rule]) -> FileReport {
    let name = path
        .strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string();
    let text = std::fs::read_to_string(path).expect("fixture is readable UTF-8");
    Session::with_rules(rules)
        .process_loaded(flow::load_text(name, text))
        .report
}

/// Every finding's location (and related locations) names a place in its file: none falls
/// back to line 1, column 1 unnoticed. Returns the findings that do not.
pub fn unresolved_locations(report: &FileReport) -> Vec<String> {
    let Some(flow) = &report.flow else {
        return Vec::new();
    };
    let resolves = |location: &Location| flow.locate(&report.source.text, location).is_some();
    report
        .findings
        .iter()
        .filter(|f| {
            let d = &f.diagnostic;
            !resolves(&d.location) || d.related.iter().any(|r| !resolves(&r.location))
        })
        .map(|f| {
            let d = &f.diagnostic;
            format!(
                "{}: {} at {:?} ({})",
                report.name, d.rule, d.location, f.pointer
            )
        })
        .collect()
}

/// The corpus of real flows: `FLOWCHECK_CORPUS`, else `../shared/corpus/flows`.
/// Fails when the variable is set and the folder is missing; `None` (skip) when neither.
pub fn corpus_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("FLOWCHECK_CORPUS") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "FLOWCHECK_CORPUS is set to {} but that folder does not exist",
            dir.display()
        );
        return Some(dir);
    }
    let default = repo_root().join("../shared/corpus/flows");
    if default.is_dir() {
        Some(default)
    } else {
        eprintln!(
            "skipped: no corpus (set FLOWCHECK_CORPUS or put ../shared/corpus/flows beside the repository)"
        );
        None
    }
}

/// The `*.json` files of a folder, sorted.
pub fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("folder is readable")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// A process's standard output as text (lossy: a test reads it, it does not decode it).
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A process's standard error as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
