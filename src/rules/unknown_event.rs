//! `unknown-event`: a transition on an event the widget type never emits.

use crate::catalog;
use crate::flow::{Location, State};
use crate::rule::{Context, Diagnostic, Fix, Rule};
use crate::suggest;

declare_rule!(
    UnknownEvent,
    "unknown-event",
    Error,
    "an event the widget type never emits"
);

impl Rule for UnknownEvent {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for state in &ctx.flow.states {
            // Unknown types are `unknown-widget-type`'s finding; their events are unknown too.
            let Some(spec) = catalog::widget(&state.kind) else {
                continue;
            };
            check_state(ctx, state, spec, out);
        }
    }
}

fn check_state(
    ctx: &Context,
    state: &State,
    spec: &catalog::WidgetSpec,
    out: &mut Vec<Diagnostic>,
) {
    // A transition without a readable event is malformed-flow's finding.
    for transition in state.transitions.iter().filter(|t| !t.event.is_empty()) {
        let event = transition.event.as_str();
        if spec.emits(event) {
            continue;
        }
        let location = transition.member("event");
        let fix = rename_fix(ctx, state, spec, event, &location);
        out.push(never_emitted(state, spec, event, location).fix(fix));
    }
}

/// The event the author meant, when only one is close and the widget does not list it yet
/// (else the fix would make a duplicate).
fn rename_fix(
    ctx: &Context,
    state: &State,
    spec: &catalog::WidgetSpec,
    event: &str,
    location: &Location,
) -> Option<Fix> {
    let names = spec.events.unwrap_or_default().iter().map(|e| e.name);
    let close = suggest::unique_closest(event, names)?;
    if state.transitions.iter().any(|t| t.event == close) {
        return None;
    }
    ctx.replace_with_string(format!("rename the event to `{close}`"), location, close)
}

fn never_emitted(
    state: &State,
    spec: &catalog::WidgetSpec,
    event: &str,
    location: Location,
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
        location,
        format!(
            "a `{}` widget never emits `{event}`, so this transition of `{}` never fires",
            spec.kind, state.name
        ),
    )
    .help(help)
}
