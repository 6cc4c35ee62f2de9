//! `schema-violation` in long arrays: the validator reads the parsed flow in place (issue
//! #15), and a bad value deep in a split's transitions or in one transition's conditions is
//! reported at its own pointer and position, once.

use flowcheck::flow::{self, Position};
use flowcheck::session::Session;
use serde_json::{Value, json};

fn condition(value: Value) -> Value {
    json!({
        "arguments": ["{{trigger.call.From}}"],
        "friendly_name": "x",
        "type": "equal_to",
        "value": value,
    })
}

/// A trigger into a split with these transitions, one member a line (so that a finding's
/// line tells which item it is on).
fn flow_text(transitions: Vec<Value>) -> String {
    let flow = json!({
        "description": "long arrays",
        "flags": {"allow_concurrent_calls": true},
        "initial_state": "Trigger",
        "states": [
            {
                "name": "Trigger",
                "type": "trigger",
                "properties": {},
                "transitions": [{"event": "incomingCall", "next": "split"}],
            },
            {
                "name": "split",
                "type": "split-based-on",
                "properties": {"input": "{{trigger.call.From}}"},
                "transitions": transitions,
            },
        ],
    });
    serde_json::to_string_pretty(&flow).unwrap()
}

/// The one finding's pointer and start, and where `needle` is in the text.
fn finding_and_expected(text: String, needle: &str) -> ((String, Position), Position) {
    let loaded = flow::load_text("long.json".to_string(), text);
    let rule = flowcheck::rules::find("schema-violation").unwrap();
    let report = Session::with_rules(&[rule]).process_loaded(loaded).report;
    let [finding] = report.findings.as_slice() else {
        panic!("expected one finding, got {:?}", report.findings);
    };
    assert!(finding.diagnostic.message.contains("found"));
    let at = report.source.text.find(needle).expect("needle in text");
    let expected = report.source.position(at);
    ((finding.pointer.clone(), finding.start), expected)
}

#[test]
fn a_bad_condition_among_many_transitions() {
    let mut transitions = vec![json!({"event": "noMatch"})];
    transitions.extend((0..3000).map(|i| {
        json!({"event": "match", "next": "Trigger", "conditions": [condition(json!(i.to_string()))]})
    }));
    transitions[2718]["conditions"][0]["type"] = json!("not-a-condition-type");
    let ((pointer, start), expected) =
        finding_and_expected(flow_text(transitions), "\"not-a-condition-type\"");
    assert_eq!(pointer, "/states/1/transitions/2718/conditions/0/type");
    assert_eq!(start, expected);
}

#[test]
fn a_bad_condition_among_many_conditions() {
    let mut conditions: Vec<Value> = (0..3000).map(|i| condition(json!(i.to_string()))).collect();
    conditions[1729]["value"] = json!(1729);
    let transitions = vec![
        json!({"event": "noMatch"}),
        json!({"event": "match", "next": "Trigger", "conditions": conditions}),
    ];
    let ((pointer, start), expected) = finding_and_expected(flow_text(transitions), " 1729\n");
    assert_eq!(pointer, "/states/1/transitions/1/conditions/1729/value");
    // The needle starts at the space before the number.
    let expected = Position {
        column: expected.column + 1,
        ..expected
    };
    assert_eq!(start, expected);
}
