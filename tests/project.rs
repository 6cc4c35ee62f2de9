//! Project analysis: the flows of one run taken together. `tests/data/project/basic` is a
//! parent and two subflows in which each project rule fires once.

mod common;

use std::process::Command;

fn flowcheck(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_flowcheck"))
        .current_dir(common::repo_root())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("flowcheck runs");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

const CONFIG: &str = "tests/data/project/basic/flowcheck.toml";
const DIR: &str = "tests/data/project/basic";

#[test]
fn each_project_rule_fires_once_at_the_callers_widget() {
    let text = flowcheck(&["analyze", "--config", CONFIG, DIR, "--format", "concise"]);
    for id in [
        "subflow-parameter-missing",
        "unused-subflow-parameter",
        "subflow-output-unset",
        "nested-subflow",
        "subflow-revision-mismatch",
        "unknown-subflow",
    ] {
        let count = text.matches(&format!("[{id}]")).count();
        assert_eq!(count, 1, "{id} fired {count} times:\n{text}");
    }
    common::snapshot_settings().bind(|| insta::assert_snapshot!("project__basic", text));
}

#[test]
fn the_text_report_shows_project_findings_in_the_callers_file() {
    let text = flowcheck(&["analyze", "--config", CONFIG, DIR, "--format", "text"]);
    common::snapshot_settings().bind(|| insta::assert_snapshot!("project__basic_text", text));
}

#[test]
fn unknown_subflow_is_silent_unless_the_project_is_complete() {
    let text = flowcheck(&["analyze", "--no-config", DIR, "--format", "concise"]);
    assert!(!text.contains("[unknown-subflow]"), "{text}");
    // Without [flows], sub_b has no SID: its call is not matched, so no nested-subflow.
    assert!(!text.contains("[nested-subflow]"), "{text}");
    assert!(text.contains("[subflow-parameter-missing]"), "{text}");
}

#[test]
fn sarif_carries_the_subflow_as_a_related_location() {
    let text = flowcheck(&["analyze", "--config", CONFIG, DIR, "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&text).expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let missing = results
        .iter()
        .find(|r| r["ruleId"] == "subflow-parameter-missing")
        .expect("a subflow-parameter-missing result");
    let related = &missing["relatedLocations"][0]["physicalLocation"];
    assert!(
        related["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("sub_a.json")),
        "{missing}"
    );
    assert!(
        related["region"]["startLine"].as_u64().is_some(),
        "{missing}"
    );
}

#[test]
fn project_findings_follow_the_configuration() {
    let text = flowcheck(&[
        "analyze",
        "--config",
        CONFIG,
        DIR,
        "--format",
        "concise",
        "--ignore",
        "nested-subflow",
    ]);
    assert!(!text.contains("[nested-subflow]"), "{text}");
    assert!(text.contains("[unknown-subflow]"), "{text}");
}

#[test]
fn widget_budget_counts_the_flow_and_its_distinct_subflows() {
    use flowcheck::flow::Position;
    use flowcheck::project::{Call, FlowSummary, Named, Place, Project, analyze};
    let place = |line| Place {
        pointer: "/states/1/name".to_string(),
        span: 0..1,
        start: Position { line, column: 1 },
        end: Position { line, column: 2 },
    };
    let sid = |s: &str| Named {
        name: s.to_string(),
        place: place(3),
        guarded: false,
    };
    let call = |name: &str| Call {
        widget: name.to_string(),
        at: place(2),
        flow_sid: Some(sid("FWsub")),
        revision: None,
        parameters_at: None,
        parameters: Vec::new(),
        reads: Vec::new(),
    };
    let parent = |widgets| FlowSummary {
        name: "parent.json".to_string(),
        calls: vec![call("first"), call("second")],
        widgets,
        ..FlowSummary::default()
    };
    let sub = FlowSummary {
        name: "sub.json".to_string(),
        sid: Some("FWsub".to_string()),
        widgets: 600,
        ..FlowSummary::default()
    };
    let all = |_: &str| true;
    let over = analyze(&[parent(1401), sub], &Project::default(), &all);
    let rules: Vec<&str> = over[0].iter().map(|f| f.diagnostic.rule).collect();
    assert_eq!(
        rules,
        ["widget-budget"],
        "one finding, the subflow counted once"
    );
    assert_eq!(over[0][0].diagnostic.state.as_deref(), Some("first"));
    let sub = FlowSummary {
        name: "sub.json".to_string(),
        sid: Some("FWsub".to_string()),
        widgets: 600,
        ..FlowSummary::default()
    };
    let at_limit = analyze(&[parent(1400), sub], &Project::default(), &all);
    assert!(at_limit[0].is_empty(), "2,000 widgets are allowed");
}

#[test]
fn values_lists_the_account_values_of_a_corpus_flow() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let path = corpus.join("005-level-up-with-twilio-studio-daily-sit-down.json");
    let text = flowcheck(&["values", path.to_str().expect("UTF-8 path")]);
    let text = text.replace(&corpus.display().to_string(), "<corpus>");
    common::snapshot_settings().bind(|| insta::assert_snapshot!("values__corpus_005", text));
}

#[test]
fn account_specific_value_is_off_until_selected() {
    let flow = "tests/fixtures/account-specific-value/invalid_hardcoded.json";
    let default = flowcheck(&["analyze", "--no-config", flow, "--format", "concise"]);
    assert!(!default.contains("[account-specific-value]"), "{default}");
    let extended = flowcheck(&[
        "analyze",
        "--no-config",
        flow,
        "--format",
        "concise",
        "--extend-select",
        "account-specific-value",
    ]);
    assert_eq!(
        extended.matches("[account-specific-value]").count(),
        5,
        "{extended}"
    );
}
