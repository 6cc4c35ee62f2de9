//! `invalid-initial-state`: the flow must start at its trigger widget.

use crate::catalog::{self, Role};
use crate::flow::{Location, MemberPath};
use crate::rule::{Anchor, Context, Diagnostic, Rule};
use crate::suggest;

declare_rule!(
    InvalidInitialState,
    "invalid-initial-state",
    Error,
    "`initial_state` is missing, names no state, or names a state that is not the trigger"
);

impl Rule for InvalidInitialState {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let flow = ctx.flow;
        let location = Location::definition("initial_state");
        let Some(name) = flow.initial_state.as_deref() else {
            out.push(missing(ctx, location));
            return;
        };
        match ctx.graph.node(name) {
            None => {
                let mut diagnostic = Diagnostic::new(
                    &META,
                    location,
                    format!("`initial_state` names `{name}`, but no state has that name"),
                );
                diagnostic = match suggest::closest(name, ctx.graph.names()) {
                    Some(close) => diagnostic.help(format!("did you mean `{close}`?")),
                    None => diagnostic.help(trigger_help(ctx)),
                };
                out.push(diagnostic);
            }
            Some(node) => {
                let state = ctx.state(node);
                if catalog::role(&state.kind) != Role::Trigger {
                    out.push(
                        Diagnostic::new(
                            &META,
                            location,
                            format!(
                                "`initial_state` names `{name}`, a `{}` widget, not the trigger",
                                state.kind
                            ),
                        )
                        .help(trigger_help(ctx))
                        .related(state.member("type"), "this is not a trigger"),
                    );
                }
            }
        }
    }
}

fn missing(ctx: &Context, location: Location) -> Diagnostic {
    match ctx.flow.value(&location) {
        // Present but not a usable name (empty, or not a string).
        Some(_) => Diagnostic::new(
            &META,
            location,
            "`initial_state` must name the trigger state",
        ),
        None => Diagnostic::new(
            &META,
            Location::definition(MemberPath::root()),
            "the flow has no `initial_state`",
        )
        .anchor(Anchor::Start),
    }
    .help(trigger_help(ctx))
}

fn trigger_help(ctx: &Context) -> String {
    match ctx
        .flow
        .states
        .iter()
        .find(|s| catalog::role(&s.kind) == Role::Trigger)
    {
        Some(trigger) => format!(
            "set `initial_state` to `{}`, the trigger widget",
            trigger.name
        ),
        None => "add a `trigger` widget and name it in `initial_state`".to_string(),
    }
}
