//! `duplicate-event`: a widget lists the same event twice. Only a split's `match` may repeat,
//! once per condition.

use foldhash::{HashSet, HashSetExt};

use crate::catalog;
use crate::flow::State;
use crate::rule::{Context, Diagnostic, Edit, Fix, Rule};

declare_rule!(
    DuplicateEvent,
    "duplicate-event",
    Error,
    "a widget lists the same event twice"
);

/// The one event that may appear many times: each split condition is its own `match`.
const REPEATABLE: &str = catalog::MATCH;

impl Rule for DuplicateEvent {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for state in &ctx.flow.states {
            check_state(ctx, state, out);
        }
    }
}

fn check_state(ctx: &Context, state: &State, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    let named = state.transitions.iter().filter(|t| !t.event.is_empty());
    for transition in named {
        let event = transition.event.as_str();
        if seen.insert(event) || event == REPEATABLE {
            continue;
        }
        let Some(original) = state.transitions.iter().find(|t| t.event == event) else {
            continue;
        };
        let first = original.member("event");
        // The same target twice: deleting the copy changes nothing. Different targets: which
        // one the author meant is a choice.
        let fix = ctx.removal_of_element(&transition.location()).map(|span| {
            let edits = vec![Edit {
                span,
                replacement: String::new(),
            }];
            if original.next == transition.next {
                Fix::safe("delete the repeated transition", edits)
            } else {
                Fix::unsafe_("delete the second transition", edits)
            }
        });
        out.push(
            Diagnostic::new(
                &META,
                transition.member("event"),
                format!("`{}` has a second `{event}` transition", state.name),
            )
            .help("Studio follows only one of them; delete the other")
            .related(first, "first defined here")
            .fix(fix),
        );
    }
}
