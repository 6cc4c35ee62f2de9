//! The fixture harness: `tests/fixtures/<rule-id>/valid_*.json` must give no finding of that
//! rule; each `invalid_*.json` must give at least one, and its text report is snapshotted as
//! `snapshots/<rule-id>__<case>.snap`. Adding a rule's fixtures needs no test code.

mod common;

use flowcheck::rules::{self, RULES};
use flowcheck::{fix, report};

#[test]
fn every_fixture_behaves_and_matches_its_snapshot() {
    let root = common::repo_root().join("tests/fixtures");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/fixtures exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut failures = Vec::new();
    for dir in &dirs {
        let id = dir.file_name().unwrap().to_string_lossy().into_owned();
        let Some(rule) = rules::find(&id) else {
            failures.push(format!("tests/fixtures/{id}: no rule has this id"));
            continue;
        };
        for path in common::json_files(dir) {
            let case = path.file_stem().unwrap().to_string_lossy().into_owned();
            let report = common::analyze_path(&path, &[rule]);
            if let Some(error) = &report.error {
                failures.push(format!("{id}/{case}: does not load: {}", error.message));
                continue;
            }
            failures.extend(common::unresolved_locations(&report));
            let own = report
                .findings
                .iter()
                .filter(|f| f.diagnostic.rule == id)
                .count();
            if case.starts_with("valid_") {
                if own > 0 {
                    failures.push(format!(
                        "{id}/{case}: expected no finding, got:\n{}",
                        report::text::render(std::slice::from_ref(&report), false, true)
                    ));
                }
            } else if case.starts_with("invalid_") {
                if own == 0 {
                    failures.push(format!("{id}/{case}: expected a finding, got none"));
                }
                let text = report::text::render(std::slice::from_ref(&report), false, true);
                common::snapshot_settings()
                    .bind(|| insta::assert_snapshot!(format!("{id}__{case}"), text));
                // A fixable finding shows its repair: the diff of every fix the rule offers.
                let mode = fix::FixMode { unsafe_fixes: true };
                if let Some(fixed) = fix::apply(&report, mode) {
                    let diff = fix::unified_diff(&case, &report.source.text, &fixed.text);
                    common::snapshot_settings()
                        .bind(|| insta::assert_snapshot!(format!("{id}__{case}__fix"), diff));
                }
            } else {
                failures.push(format!(
                    "{id}/{case}: name must start with valid_ or invalid_"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_valid_and_invalid_fixtures() {
    let root = common::repo_root().join("tests/fixtures");
    for rule in RULES {
        let id = rule.meta().id;
        let dir = root.join(id);
        let names: Vec<String> = if dir.is_dir() {
            common::json_files(&dir)
                .iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        } else {
            Vec::new()
        };
        assert!(
            names.iter().any(|n| n.starts_with("valid_")),
            "{id} has no valid_*.json fixture"
        );
        assert!(
            names.iter().any(|n| n.starts_with("invalid_")),
            "{id} has no invalid_*.json fixture"
        );
    }
}

#[test]
fn every_rule_is_documented_with_the_four_sections() {
    for rule in RULES {
        let meta = rule.meta();
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## How to fix",
        ] {
            assert!(
                meta.doc.contains(section),
                "rules/{}.md lacks `{section}`",
                meta.id
            );
        }
        assert!(
            meta.doc.starts_with(&format!("# {}\n", meta.id)),
            "rules/{}.md title",
            meta.id
        );
    }
}
