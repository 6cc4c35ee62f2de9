//! `unhandled-event`: a required event of a widget left unconnected, so the execution
//! silently ends on that path while the author continues the others.
//!
//! Which events are required is catalog data (`EventSpec::required`, `WidgetSpec::one_of`);
//! the one judgement made here is whether a split's conditions can match any input.

use crate::catalog::{self, Category, EventKind, WidgetSpec};
use crate::flow::State;
use crate::rule::{Anchor, Context, Diagnostic, Rule, RuleMeta, Severity};

pub struct UnhandledEvent;

pub static META: RuleMeta = RuleMeta {
    id: "unhandled-event",
    severity: Severity::Error,
    summary: "a required event of a widget is left unconnected",
    doc: include_str!("../../rules/unhandled-event.md"),
};

impl Rule for UnhandledEvent {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let reachable = ctx.reachable();
        let by_call = ctx.graph.reachable_by_call(ctx.flow);
        for node in ctx.graph.graph.node_indices() {
            let index = ctx.graph.state_index(node);
            let state = ctx.state(index);
            let Some(spec) = catalog::widget(&state.kind) else {
                continue;
            };
            let is_trigger = Some(node) == ctx.graph.root;
            // Unreachable widgets are unreachable-state's finding; a dropped caller is the
            // worst outcome, so widgets a call reaches get an error, the rest a warning.
            if !is_trigger && !reachable[node.index()] {
                continue;
            }
            let severity = if is_trigger || by_call[node.index()] {
                Severity::Error
            } else {
                Severity::Warning
            };
            let mut found = Vec::new();
            check_one_of(state, spec, is_trigger, &mut found);
            check_required(ctx, state, spec, &mut found);
            out.extend(found.into_iter().map(|d| d.severity(severity)));
        }
    }
}

/// The trigger, or a gather, with none of the events that carry the flow on connected.
fn check_one_of(state: &State, spec: &WidgetSpec, is_trigger: bool, out: &mut Vec<Diagnostic>) {
    if spec.one_of.is_empty() || connected_any(state, spec.one_of) {
        return;
    }
    let (message, help) = if is_trigger || spec.category == Category::Trigger {
        (
            format!(
                "the trigger `{}` has no connected event: the flow does nothing",
                state.name
            ),
            "connect the trigger event this flow answers (`incomingCall`, `incomingMessage`, \
             `incomingRequest`, …) to the first widget"
                .to_string(),
        )
    } else {
        let neither = quoted_list(spec.one_of, "nor");
        let either = quoted_list(spec.one_of, "or");
        (
            format!(
                "`{}` connects neither {neither}: whatever the caller enters, the call ends",
                state.name
            ),
            format!("connect {either} to the widget that handles the answer"),
        )
    };
    out.push(
        Diagnostic::new(&META, state.member_pointer("transitions"), message)
            .anchor(Anchor::Key)
            .state(&state.name)
            .help(help),
    );
}

/// A required event left unconnected while another outcome of the widget goes on.
fn check_required(ctx: &Context, state: &State, spec: &WidgetSpec, out: &mut Vec<Diagnostic>) {
    let Some(events) = spec.events else {
        return;
    };
    for event in events.iter().filter(|e| e.required) {
        if is_connected(state, event.name) || !others_connected(state, spec, event.name) {
            continue;
        }
        if event.name == "noMatch" && split_matches_anything(ctx, state) {
            continue;
        }
        let transition = state.transitions.iter().find(|t| t.event == event.name);
        let (pointer, anchor) = match transition {
            Some(t) => (t.next_pointer(), Anchor::Value),
            None => (state.member_pointer("transitions"), Anchor::Key),
        };
        // A transition with no `next` at all has nothing to underline but its event.
        let pointer = match (transition, ctx.flow.node(&pointer)) {
            (Some(t), None) => t.event_pointer(),
            _ => pointer,
        };
        out.push(
            Diagnostic::new(&META, pointer, message(state, event.name, event.kind))
                .anchor(anchor)
                .state(&state.name)
                .event(event.name)
                .help(format!(
                    "connect `{}` to a widget that tells the caller what happened, retries, \
                     or hands over to a person",
                    event.name
                )),
        );
    }
}

fn message(state: &State, event: &str, kind: EventKind) -> String {
    let what = match kind {
        EventKind::Timeout => "times out",
        EventKind::Failure => "fails",
        _ => "takes this path",
    };
    if event == "noMatch" {
        return format!(
            "`noMatch` of `{}` is not connected: input that matches no condition ends the flow",
            state.name
        );
    }
    format!(
        "`{event}` of `{}` is not connected: when it {what}, the flow silently ends",
        state.name
    )
}

fn is_connected(state: &State, event: &str) -> bool {
    state.connected().any(|(t, _)| t.event == event)
}

fn connected_any(state: &State, events: &[&str]) -> bool {
    events.iter().any(|e| is_connected(state, e))
}

/// Whether an outcome other than `event` (and other than a hangup) is connected.
fn others_connected(state: &State, spec: &WidgetSpec, event: &str) -> bool {
    state.connected().any(|(t, _)| {
        t.event != event
            && spec
                .event(&t.event)
                .is_some_and(|e| e.kind != EventKind::Hangup)
    })
}

/// Whether the conditions of a split's connected transitions accept every input: a
/// catch-all regex, or a condition and its complement on the same value (`equal_to x` and
/// `not_equal_to x`, `is_blank` and `is_not_blank`, …).
fn split_matches_anything(ctx: &Context, state: &State) -> bool {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for transition in state.transitions.iter().filter(|t| t.is_connected()) {
        for condition in ctx.flow.conditions(transition) {
            let kind = condition.get("type").and_then(|v| v.as_str()).unwrap_or("");
            let value = condition
                .get("value")
                .and_then(|v| v.as_str())
                .unwrap_or("");
            if kind == "regex" && CATCH_ALL_PATTERNS.contains(&value.trim()) {
                return true;
            }
            let value = if kind.starts_with("is_") { "" } else { value };
            seen.push((kind, value));
        }
    }
    seen.iter()
        .any(|&(kind, value)| complement(kind).is_some_and(|other| seen.contains(&(other, value))))
}

/// The condition type that matches exactly the inputs `kind` does not.
fn complement(kind: &str) -> Option<&'static str> {
    COMPLEMENTS.iter().find_map(|&(a, b)| {
        if kind == a {
            Some(b)
        } else if kind == b {
            Some(a)
        } else {
            None
        }
    })
}

const COMPLEMENTS: &[(&str, &str)] = &[
    ("equal_to", "not_equal_to"),
    ("is_blank", "is_not_blank"),
    ("contains", "does_not_contain"),
    ("starts_with", "does_not_start_with"),
    ("matches_any_of", "does_not_match_any_of"),
];

/// Regular expressions that match any string, as authors write them.
const CATCH_ALL_PATTERNS: &[&str] = &[".*", "^.*", ".*$", "^.*$", "[\\s\\S]*", "(.*)", "^(.*)$"];

fn quoted_list(names: &[&str], conjunction: &str) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {conjunction} {last}", rest.join(", ")),
    }
}
