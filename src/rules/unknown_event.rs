//! `unknown-event`: a transition on an event the widget type never emits, or the same event
//! twice (only a split's `match` may repeat: one per condition).

use std::collections::HashSet;

use crate::catalog;
use crate::flow::State;
use crate::rule::{Context, Diagnostic, Rule};
use crate::suggest;

declare_rule!(
    UnknownEvent,
    "unknown-event",
    Error,
    "an event the widget type never emits, or the same event twice"
);

/// The one event that may appear many times: each split condition is its own `match`.
const REPEATABLE: &str = catalog::MATCH;

impl Rule for UnknownEvent {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for state in &ctx.flow.states {
            // Unknown types are `unknown-widget-type`'s finding; their events are unknown too.
            let Some(spec) = catalog::widget(&state.kind) else {
                continue;
            };
            check_state(state, spec, out);
        }
    }
}

fn check_state(state: &State, spec: &catalog::WidgetSpec, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    // A transition without a readable event is malformed-flow's finding.
    for transition in state.transitions.iter().filter(|t| !t.event.is_empty()) {
        let event = transition.event.as_str();
        if !spec.emits(event) {
            out.push(never_emitted(
                state,
                spec,
                event,
                &transition.event_pointer(),
            ));
        } else if !seen.insert(event) && event != REPEATABLE {
            let first = state
                .transitions
                .iter()
                .find(|t| t.event == event)
                .map(|t| t.event_pointer())
                .unwrap_or_default();
            out.push(
                Diagnostic::new(
                    &META,
                    transition.event_pointer(),
                    format!("`{}` has a second `{event}` transition", state.name),
                )
                .state(&state.name)
                .event(event)
                .help("Studio follows only one of them; delete the other")
                .related(first, "first defined here"),
            );
        }
    }
}

fn never_emitted(
    state: &State,
    spec: &catalog::WidgetSpec,
    event: &str,
    pointer: &str,
) -> Diagnostic {
    let names = spec.events.unwrap_or_default().iter().map(|e| e.name);
    let help = match suggest::closest(event, names.clone()) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!(
            "a `{}` emits {}",
            spec.kind,
            names
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Diagnostic::new(
        &META,
        pointer,
        format!(
            "a `{}` widget never emits `{event}`, so this transition of `{}` never fires",
            spec.kind, state.name
        ),
    )
    .state(&state.name)
    .event(event)
    .help(help)
}
