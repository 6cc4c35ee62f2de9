//! A malformed part of a flow is a finding, not a refusal of the whole file: a flow with one
//! transition lacking `event` reports that defect at its place, and every finding the same
//! flow has once repaired, except the ones about the widget whose transitions are unknown.

mod common;

use flowcheck::analyze::FileReport;
use flowcheck::flow;
use flowcheck::session::Session;

fn analyze(name: &str, text: String) -> FileReport {
    Session::all_rules()
        .process_loaded(flow::load_text(name.to_string(), text))
        .report
}

/// (rule, widget, event, line) of every finding: lines agree because the broken flow differs
/// from the repaired one only inside one line.
fn findings(report: &FileReport) -> Vec<(String, String, String, usize)> {
    report
        .findings
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            (
                d.rule.to_string(),
                d.state.clone().unwrap_or_default(),
                d.event.clone().unwrap_or_default(),
                f.start.line,
            )
        })
        .collect()
}

#[test]
fn a_transition_without_event_is_reported_and_the_rest_is_analysed() {
    let path = common::repo_root().join("examples/ivr-with-defects.json");
    let repaired = std::fs::read_to_string(&path).unwrap();
    // The first transition of `say_balance`: `"event": "audioComplete"` on its own line.
    let needle = "\"event\": \"audioComplete\",";
    let at = repaired.find("\"name\": \"say_balance\"").unwrap();
    let offset = at + repaired[at..].find(needle).unwrap();
    let broken = format!(
        "{}\"evnt\": \"audioComplete\",{}",
        &repaired[..offset],
        &repaired[offset + needle.len()..]
    );
    let good = analyze("repaired.json", repaired.clone());
    let bad = analyze("broken.json", broken);
    assert!(good.error.is_none() && bad.error.is_none());

    let malformed: Vec<_> = bad
        .findings
        .iter()
        .filter(|f| f.diagnostic.rule == "malformed-flow")
        .collect();
    assert_eq!(malformed.len(), 1, "{:#?}", findings(&bad));
    let line = repaired[..offset].lines().count();
    assert_eq!(
        malformed[0].diagnostic.state.as_deref(),
        Some("say_balance")
    );
    assert!(
        malformed[0].start.line == line - 1 || malformed[0].start.line == line,
        "reported at the transition (line {}), not at line {}",
        line,
        malformed[0].start.line
    );

    let about_other_widgets = |report: &FileReport| {
        let mut list: Vec<_> = findings(report)
            .into_iter()
            .filter(|(rule, state, ..)| rule != "malformed-flow" && state != "say_balance")
            .collect();
        list.sort();
        list
    };
    assert_eq!(about_other_widgets(&bad), about_other_widgets(&good));
    assert!(
        findings(&good).len() > 3,
        "the example has findings to compare"
    );
}
