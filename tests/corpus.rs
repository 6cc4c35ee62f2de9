//! Every real flow in the corpus loads and is analysed without panic; the findings on each
//! are snapshotted, so any change in behaviour on real flows shows up in review.

mod common;

use std::fmt::Write;

use flowcheck::rules::RULES;

#[test]
fn corpus_flows_load_and_their_findings_are_snapshotted() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let files = common::json_files(&dir);
    assert!(!files.is_empty(), "no flows in {}", dir.display());
    let mut listing = String::new();
    for path in &files {
        let report = common::analyze_path(path, RULES);
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(
            report.error.is_none(),
            "{name} does not load: {:?}",
            report.error
        );
        writeln!(listing, "{name} ({} states)", report.states).unwrap();
        for f in &report.findings {
            let d = &f.diagnostic;
            writeln!(
                listing,
                "  {}:{} {} {} [{}] {}",
                f.start.line,
                f.start.column,
                d.severity,
                d.rule,
                d.state.as_deref().unwrap_or("-"),
                d.message
            )
            .unwrap();
        }
    }
    common::snapshot_settings().bind(|| insta::assert_snapshot!("corpus__findings", listing));
}
