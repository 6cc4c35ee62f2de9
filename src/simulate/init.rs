//! `flowcheck test --init FLOW`: a starter scenario for each trigger event the flow handles.
//!
//! Each starter is recorded, not guessed blind: the flow runs with no answers; whenever it
//! stops at a widget the scenario does not describe, a plausible answer is added (a value a
//! split downstream tests for, a 200 from a function, the widget's first connected outcome)
//! and the run starts again. What the last run did becomes the expectations, so the starter
//! passes as written and shows, in the file, every answer and text to review.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use super::engine::{self, End};
use super::scenario::{Expect, Mock, Mocks, Scalar, Scenario, TRIGGER_EVENTS, Trigger};
use crate::catalog::{self, EventKind};
use crate::flow::json::Json;
use crate::flow::{Flow, State};

/// The text of a starter scenario file for `flow`, which lives at `flow_file` (a name
/// relative to the scenario file). `None` when the flow handles no trigger event.
pub fn starter(flow: &Flow, flow_file: &str) -> Option<String> {
    let trigger = flow
        .initial_state
        .as_deref()
        .and_then(|n| flow.states.iter().find(|s| s.name == n))
        .or_else(|| flow.states.iter().find(|s| s.kind == "trigger"))?;
    let events: Vec<&str> = TRIGGER_EVENTS
        .iter()
        .copied()
        .filter(|e| {
            trigger
                .transitions
                .iter()
                .any(|t| t.event == *e && t.next.is_some())
        })
        .collect();
    if events.is_empty() {
        return None;
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Starter scenarios written by `flowcheck test --init`: one per trigger event the flow\n\
         # handles. Each was recorded by running the flow with the answers below; review the\n\
         # answers (widgets.*) and the expectations, then run `flowcheck test`."
    );
    let _ = writeln!(out, "flow = {}", toml_string(flow_file));
    for event in events {
        let scenario = record(flow, event);
        write_scenario(&mut out, &scenario, flow);
    }
    Some(out)
}

/// Runs the flow, adding an answer for each widget it stops at, until it runs through.
fn record(flow: &Flow, event: &str) -> (Scenario, engine::Execution) {
    let mut scenario = Scenario {
        name: format!("{event} (starter)"),
        now: None,
        trigger: Trigger {
            event: event.to_string(),
            body: matches!(event, "incomingMessage" | "incomingConversationMessage")
                .then(|| "hello".to_string()),
            ..Trigger::default()
        },
        widgets: BTreeMap::new(),
        expect: Expect::default(),
    };
    let subflows = BTreeMap::new();
    // Bounded: each pass describes one more widget, and there are finitely many.
    for _ in 0..=flow.states.len() {
        let run = engine::run(flow, &scenario, &subflows);
        let End::Undescribed { widget, .. } = &run.end else {
            return (scenario, run);
        };
        let Some(state) = flow.states.iter().find(|s| &s.name == widget) else {
            return (scenario, run);
        };
        if scenario.widgets.contains_key(widget) {
            return (scenario, run);
        }
        scenario.widgets.insert(
            widget.clone(),
            Mocks {
                runs: vec![answer(flow, state)],
                repeat: true,
            },
        );
    }
    let run = engine::run(flow, &scenario, &subflows);
    (scenario, run)
}

/// A plausible answer for a widget the run stopped at.
fn answer(flow: &Flow, state: &State) -> Mock {
    let connected = |event: &str| {
        state
            .transitions
            .iter()
            .any(|t| t.event == event && t.next.is_some())
    };
    match state.kind.as_str() {
        "gather-input-on-call" => {
            if connected("keypress") || !connected("speech") {
                let digits = tested_value(flow, &state.name, "Digits").unwrap_or("1".into());
                Mock {
                    digits: Some(Scalar::Text(digits)),
                    ..Mock::default()
                }
            } else {
                let speech =
                    tested_value(flow, &state.name, "SpeechResult").unwrap_or("yes".into());
                Mock {
                    speech: Some(speech),
                    ..Mock::default()
                }
            }
        }
        "send-and-wait-for-reply" => Mock {
            reply: Some(tested_value(flow, &state.name, "inbound.Body").unwrap_or("yes".into())),
            ..Mock::default()
        },
        "run-function" | "run-function-v2" | "make-http-request" => {
            // A response a split downstream tests for: the whole body, or one parsed field.
            if let Some(body) = tested_value(flow, &state.name, "body") {
                return Mock {
                    status: Some(200),
                    body: Some(body),
                    ..Mock::default()
                };
            }
            let mut json = Value::Object(Default::default());
            if let Some((field, value)) = tested_field(flow, &state.name) {
                json[field.as_str()] = Value::String(value);
            }
            Mock {
                status: Some(200),
                json: Some(json),
                ..Mock::default()
            }
        }
        _ => {
            let spec = catalog::widget(&state.kind);
            let normal = |name: &str| {
                spec.and_then(|s| s.event(name))
                    .is_none_or(|e| e.kind == EventKind::Normal)
            };
            let event = state
                .transitions
                .iter()
                .find(|t| t.next.is_some() && normal(&t.event))
                .or_else(|| state.transitions.iter().find(|t| t.next.is_some()))
                .or_else(|| state.transitions.first())
                .map(|t| t.event.clone())
                .or_else(|| {
                    spec.and_then(|s| s.events)
                        .and_then(|e| e.first())
                        .map(|e| e.name.to_string())
                });
            Mock {
                event,
                ..Mock::default()
            }
        }
    }
}

/// A top-level field of `parsed` a split tests (`widgets.<widget>.parsed.<field>`), and the
/// value it compares it with.
fn tested_field(flow: &Flow, widget: &str) -> Option<(String, String)> {
    let prefix = format!("widgets.{widget}.parsed.");
    let text = flow
        .states
        .iter()
        .filter(|s| s.kind == "split-based-on")
        .find_map(|s| {
            let input = flow.properties(s)?.get("input")?.as_str()?;
            let start = input.find(&prefix)? + prefix.len();
            let field: String = input[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!field.is_empty()).then_some(field)
        })?;
    let value = tested_value(flow, widget, &format!("parsed.{text}"))?;
    Some((text, value))
}

/// The first value a split compares `widgets.<widget>.<output>` with, if any.
fn tested_value(flow: &Flow, widget: &str, output: &str) -> Option<String> {
    let needle = format!("widgets.{widget}.{output}");
    for state in flow.states.iter().filter(|s| s.kind == "split-based-on") {
        let input = flow
            .properties(state)
            .and_then(|p| p.get("input"))
            .and_then(Json::as_str)
            .unwrap_or("");
        for transition in state.transitions.iter().filter(|t| t.event == "match") {
            for condition in flow.conditions(transition) {
                let subject = condition
                    .get("arguments")
                    .and_then(Json::as_array)
                    .and_then(|a| a.first())
                    .and_then(Json::as_str)
                    .unwrap_or(input);
                if !subject.contains(&needle) {
                    continue;
                }
                let op = condition.get("type").and_then(Json::as_str).unwrap_or("");
                let value = condition.get("value").and_then(Json::as_str).unwrap_or("");
                let first = value.split(',').next().unwrap_or("").trim();
                let usable = matches!(
                    op,
                    "equal_to" | "matches_any_of" | "contains" | "starts_with"
                ) && !first.is_empty()
                    && !first.contains("{{");
                if usable {
                    return Some(first.to_string());
                }
            }
        }
    }
    None
}

fn write_scenario(out: &mut String, (scenario, run): &(Scenario, engine::Execution), _flow: &Flow) {
    let _ = writeln!(out, "\n[[scenario]]");
    let _ = writeln!(out, "name = {}", toml_string(&scenario.name));
    let mut trigger = format!("event = {}", toml_string(&scenario.trigger.event));
    if let Some(body) = &scenario.trigger.body {
        let _ = write!(trigger, ", body = {}", toml_string(body));
    }
    if scenario.trigger.event == "incomingRequest" || scenario.trigger.event == "incomingParent" {
        trigger.push_str(", data = {}");
    }
    let _ = writeln!(out, "trigger = {{ {trigger} }}");
    for (name, mocks) in &scenario.widgets {
        let Some(mock) = mocks.runs.first() else {
            continue;
        };
        let _ = writeln!(
            out,
            "widgets.{} = {{ {} }}",
            engine::quote_key(name),
            mock_fields(mock)
        );
    }
    let _ = writeln!(out, "[scenario.expect]");
    let path: Vec<String> = run.path().iter().map(|p| toml_string(p)).collect();
    let _ = writeln!(out, "path = [{}]", path.join(", "));
    let _ = writeln!(out, "end = {}", toml_string(run.end.kind()));
    if let End::Ended { event, .. } = &run.end {
        let _ = writeln!(out, "end_event = {}", toml_string(event));
    }
    if !run.messages.is_empty() {
        let list: Vec<String> = run.messages.iter().map(|m| toml_string(m)).collect();
        let _ = writeln!(out, "messages = [{}]", list.join(", "));
    }
    if !run.said.is_empty() {
        let list: Vec<String> = run.said.iter().map(|m| toml_string(m)).collect();
        let _ = writeln!(out, "said = [{}]", list.join(", "));
    }
    if !run.end.is_normal() {
        let _ = writeln!(out, "# note: {}", run.end.describe().replace('\n', " "));
    }
}

fn mock_fields(mock: &Mock) -> String {
    let mut fields = Vec::new();
    if let Some(d) = &mock.digits {
        fields.push(format!("digits = {}", toml_string(&d.text())));
    }
    if let Some(s) = &mock.speech {
        fields.push(format!("speech = {}", toml_string(s)));
    }
    if let Some(r) = &mock.reply {
        fields.push(format!("reply = {}", toml_string(r)));
    }
    if let Some(s) = mock.status {
        fields.push(format!("status = {s}"));
    }
    if let Some(body) = &mock.body {
        fields.push(format!("body = {}", toml_string(body)));
    }
    if let Some(json) = &mock.json {
        fields.push(format!("json = {}", toml_inline(json)));
    }
    if let Some(e) = &mock.event {
        fields.push(format!("event = {}", toml_string(e)));
    }
    fields.join(", ")
}

/// A TOML basic string.
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON value as a TOML inline value (null, which TOML lacks, as an empty string).
fn toml_inline(value: &Value) -> String {
    match value {
        Value::Null => "\"\"".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => toml_string(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(toml_inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) if map.is_empty() => "{}".to_string(),
        Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{} = {}", engine::quote_key(k), toml_inline(v)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
    }
}
