//! `flowcheck diff --format json`: the version 1 contract, documented in the README.
//!
//! ```json
//! {"version": 1,
//!  "old": {"path": "origin/main:flows/ivr.json", "states": 7},
//!  "new": {"path": "flows/ivr.json", "states": 8},
//!  "behavioural": true,
//!  "summary": {"added": 1, "removed": 0, "renamed": 1, "retyped": 0, "modified": 2,
//!              "transitions": 2, "properties": 1, "flow": 0, "moved": 3,
//!              "findings_introduced": 1, "findings_resolved": 0,
//!              "became_unreachable": 0, "became_reachable": 0},
//!  "widgets": [{"name": "ask_zip", "status": "changed", "old_name": "ask_postcode",
//!               "type": "gather-input-on-call", "old_type": null,
//!               "transitions": [{"event": "timeout", "label": "timeout",
//!                                "old": {"next": "bye"}, "new": {"next": null}}],
//!               "properties": [{"path": "say", "old": "…", "new": "…", "note": null}],
//!               "layout": [], "connections": [], "reachable": null}],
//!  "flow": [{"path": "flags.allow_concurrent_calls", "old": true, "new": false, "note": null}],
//!  "findings": {"introduced": [diagnostic…], "resolved": [diagnostic…]},
//!  "reachability": {"became_unreachable": ["x"], "became_reachable": []}}
//! ```

use serde::Serialize;
use serde_json::Value;

use super::values::ValueChange;
use super::{Diff, FindingChange, TransitionChange, WidgetChange};

pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    old: SideOutput<'a>,
    new: SideOutput<'a>,
    behavioural: bool,
    summary: SummaryOutput,
    widgets: Vec<WidgetOutput<'a>>,
    flow: Vec<ValueOutput<'a>>,
    findings: FindingsOutput<'a>,
    reachability: ReachabilityOutput<'a>,
}

#[derive(Serialize)]
struct SideOutput<'a> {
    path: &'a str,
    states: usize,
}

#[derive(Serialize)]
struct SummaryOutput {
    added: usize,
    removed: usize,
    renamed: usize,
    retyped: usize,
    modified: usize,
    transitions: usize,
    properties: usize,
    flow: usize,
    moved: usize,
    findings_introduced: usize,
    findings_resolved: usize,
    became_unreachable: usize,
    became_reachable: usize,
}

#[derive(Serialize)]
struct WidgetOutput<'a> {
    name: &'a str,
    status: &'static str,
    old_name: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
    old_type: Option<&'a str>,
    transitions: Vec<TransitionOutput<'a>>,
    properties: Vec<ValueOutput<'a>>,
    layout: Vec<ValueOutput<'a>>,
    connections: Vec<ConnectionOutput<'a>>,
    reachable: Option<bool>,
}

/// `old`/`new`: `null` when the transition is not there, else `{"next": name or null}` (null:
/// it ends the flow).
#[derive(Serialize)]
struct TransitionOutput<'a> {
    event: &'a str,
    label: &'a str,
    old: Option<Target<'a>>,
    new: Option<Target<'a>>,
}

#[derive(Serialize)]
struct Target<'a> {
    next: Option<&'a str>,
}

#[derive(Serialize)]
struct ConnectionOutput<'a> {
    label: &'a str,
    next: Option<&'a str>,
}

/// `old`/`new` are absent from the object when the value is absent on that side.
#[derive(Serialize)]
struct ValueOutput<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    old: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<&'a Value>,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct FindingsOutput<'a> {
    introduced: Vec<DiagnosticOutput<'a>>,
    resolved: Vec<DiagnosticOutput<'a>>,
}

/// The fields of `analyze --format json`'s diagnostics, with the version's path.
#[derive(Serialize)]
struct DiagnosticOutput<'a> {
    path: &'a str,
    #[serde(flatten)]
    diagnostic: crate::report::json::DiagnosticOutput<'a>,
}

#[derive(Serialize)]
struct ReachabilityOutput<'a> {
    became_unreachable: &'a [String],
    became_reachable: &'a [String],
}

pub fn render(diff: &Diff) -> String {
    let counts = diff.counts();
    let output = Output {
        version: VERSION,
        old: SideOutput {
            path: &diff.old_label,
            states: diff.old_states,
        },
        new: SideOutput {
            path: &diff.new_label,
            states: diff.new_states,
        },
        behavioural: diff.is_behavioural(),
        summary: SummaryOutput {
            added: counts.added,
            removed: counts.removed,
            renamed: counts.renamed,
            retyped: counts.retyped,
            modified: counts.modified,
            transitions: counts.transitions,
            properties: counts.properties,
            flow: counts.flow,
            moved: diff.moved,
            findings_introduced: diff.introduced.len(),
            findings_resolved: diff.resolved.len(),
            became_unreachable: diff.became_unreachable.len(),
            became_reachable: diff.became_reachable.len(),
        },
        widgets: diff.widgets.iter().map(widget).collect(),
        flow: diff.flow.iter().map(value).collect(),
        findings: FindingsOutput {
            introduced: diff.introduced.iter().map(diagnostic).collect(),
            resolved: diff.resolved.iter().map(diagnostic).collect(),
        },
        reachability: ReachabilityOutput {
            became_unreachable: &diff.became_unreachable,
            became_reachable: &diff.became_reachable,
        },
    };
    let mut text = serde_json::to_string_pretty(&output).unwrap_or_default();
    text.push('\n');
    text
}

fn widget(w: &WidgetChange) -> WidgetOutput<'_> {
    WidgetOutput {
        name: &w.name,
        status: w.status.as_str(),
        old_name: w.old_name.as_deref(),
        kind: &w.kind,
        old_type: w.old_kind.as_deref(),
        transitions: w.transitions.iter().map(transition).collect(),
        properties: w.properties.iter().map(value).collect(),
        layout: w.layout.iter().map(value).collect(),
        connections: w
            .connections
            .iter()
            .map(|(label, next)| ConnectionOutput {
                label,
                next: next.as_deref(),
            })
            .collect(),
        reachable: w.reachable,
    }
}

fn transition(t: &TransitionChange) -> TransitionOutput<'_> {
    fn target(side: &Option<Option<String>>) -> Option<Target<'_>> {
        side.as_ref().map(|next| Target {
            next: next.as_deref(),
        })
    }
    TransitionOutput {
        event: &t.event,
        label: &t.label,
        old: target(&t.old),
        new: target(&t.new),
    }
}

fn value(v: &ValueChange) -> ValueOutput<'_> {
    ValueOutput {
        path: &v.path,
        old: v.old.as_ref(),
        new: v.new.as_ref(),
        note: v.note.as_deref(),
    }
}

fn diagnostic(change: &FindingChange) -> DiagnosticOutput<'_> {
    DiagnosticOutput {
        path: &change.file,
        diagnostic: crate::report::json::diagnostic_output(&change.finding),
    }
}
