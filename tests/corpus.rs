//! Every real flow in the corpus loads and is analysed without panic; the findings on each
//! are snapshotted, so any change in behaviour on real flows shows up in review.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write;

#[test]
fn corpus_flows_load_and_their_findings_are_snapshotted() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let files = common::json_files(&dir);
    assert!(!files.is_empty(), "no flows in {}", dir.display());
    let mut listing = String::new();
    for path in &files {
        let report = common::analyze_path(path, &flowcheck::rules::default_rules());
        let unresolved = common::unresolved_locations(&report);
        assert!(unresolved.is_empty(), "{}", unresolved.join("\n"));
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

/// A ledger line's key: file, rule, state, event, pointer (`-` for none).
type Key = [String; 5];

/// Every finding on the corpus has been read: `tests/corpus_review.tsv` holds one verdict per
/// finding key. A new finding without a line, or a line whose finding is gone, fails the
/// test, which also prints the precision per rule and holds each rule to at least 95 %.
#[test]
fn every_corpus_finding_has_a_verdict_in_the_review_ledger() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let ledger = read_ledger();
    let mut found: BTreeMap<Key, usize> = BTreeMap::new();
    for path in common::json_files(&dir) {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let report = common::analyze_path(&path, &flowcheck::rules::default_rules());
        for f in &report.findings {
            let d = &f.diagnostic;
            let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
            let key = [
                file.clone(),
                d.rule.to_string(),
                or_dash(&d.state),
                or_dash(&d.event),
                f.pointer.clone(),
            ];
            *found.entry(key).or_default() += 1;
        }
    }
    let unread: Vec<String> = found
        .keys()
        .filter(|k| !ledger.contains_key(*k))
        .map(|k| k.join("\t"))
        .collect();
    let stale: Vec<String> = ledger
        .keys()
        .filter(|k| !found.contains_key(*k))
        .map(|k| k.join("\t"))
        .collect();
    assert!(
        unread.is_empty() && stale.is_empty(),
        "tests/corpus_review.tsv is out of date.\nfindings nobody has read (add a verdict):\n{}\n\
         lines whose finding is gone (remove them):\n{}",
        unread.join("\n"),
        stale.join("\n")
    );
    let mut per_rule: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (key, count) in &found {
        let entry = per_rule.entry(key[1].as_str()).or_default();
        if ledger[key] {
            entry.0 += count;
        } else {
            entry.1 += count;
        }
    }
    println!("precision on the corpus (findings right / all):");
    let mut below = Vec::new();
    for (rule, (right, wrong)) in &per_rule {
        let precision = 100.0 * *right as f64 / (right + wrong) as f64;
        println!(
            "  {rule:28} {right:4} / {:4}  {precision:5.1} %",
            right + wrong
        );
        if precision < 95.0 {
            below.push(format!("{rule}: {precision:.1} %"));
        }
    }
    assert!(
        below.is_empty(),
        "precision below 95 %: {}",
        below.join(", ")
    );
}

/// `tests/corpus_review.tsv`: key → whether the finding is right.
fn read_ledger() -> BTreeMap<Key, bool> {
    let path = common::repo_root().join("tests/corpus_review.tsv");
    let text = std::fs::read_to_string(&path).expect("tests/corpus_review.tsv is readable");
    let mut ledger = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.starts_with("file\t") || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        assert!(
            fields.len() == 7 && matches!(fields[5], "true" | "false") && !fields[6].is_empty(),
            "tests/corpus_review.tsv:{}: expected file, rule, state, event, pointer, true|false, reason",
            number + 1
        );
        let key: Key = std::array::from_fn(|i| fields[i].to_string());
        let duplicate = ledger.insert(key, fields[5] == "true").is_some();
        assert!(
            !duplicate,
            "tests/corpus_review.tsv:{}: a second line for one key",
            number + 1
        );
    }
    ledger
}
