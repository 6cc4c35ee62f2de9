//! `empty-match`: a split's `match` branch that leads nowhere while the split's `noMatch` goes
//! on: an answer the author singled out — often a menu option the prompt advertises — ends the
//! execution, though any unexpected answer would not.

use crate::flow::json::{Items, Json};

use crate::catalog::{self, MATCH, NO_MATCH, Role};
use crate::flow::{State, Transition};
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    EmptyMatch,
    "empty-match",
    Warning,
    "a split's condition leads nowhere while its noMatch goes on"
);

/// Answers after which ending is what the author means: opting out, quitting.
const ENDING_WORDS: &[&str] = &[
    "stop",
    "cancel",
    "quit",
    "exit",
    "end",
    "bye",
    "goodbye",
    "unsubscribe",
    "hangup",
    "hang up",
    "optout",
    "opt out",
    "stopall",
];

impl Rule for EmptyMatch {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let reachable = ctx.reachable();
        let channels = ctx.channels();
        for (index, state) in ctx.flow.states.iter().enumerate() {
            // In a flow run only as a subflow, an empty branch returns to the parent flow.
            let skip = !reachable[index] || channels.subflow_only(index) || state.incomplete;
            if skip || catalog::role(&state.kind) != Role::Split {
                continue;
            }
            // Only when answers that match no condition go on does this one end differently:
            // with `noMatch` unconnected too, the split ends on everything it does not route.
            if !state.connected().any(|(t, _)| t.event == NO_MATCH) {
                continue;
            }
            for transition in state.transitions.iter().filter(|t| t.event == MATCH) {
                let conditions = ctx.flow.conditions(transition);
                if transition.is_connected() || conditions.is_empty() || ends_on_purpose(conditions)
                {
                    continue;
                }
                let on_call = channels.call[index];
                out.push(diagnostic(ctx, state, transition, conditions, on_call));
            }
        }
    }
}

/// Whether the branch tests for an answer that asks to stop.
fn ends_on_purpose(conditions: Items) -> bool {
    conditions.iter().any(|c| {
        let value = c.get("value").and_then(Json::as_str).unwrap_or("");
        value
            .split(',')
            .any(|v| ENDING_WORDS.contains(&v.trim().to_lowercase().as_str()))
    })
}

fn diagnostic(
    ctx: &Context,
    state: &State,
    transition: &Transition,
    conditions: Items,
    on_call: bool,
) -> Diagnostic {
    let location = match ctx.flow.value(&transition.member("next")) {
        Some(_) => transition.member("next"),
        None => transition.member("event"),
    };
    let ends = if on_call {
        "ends the flow and drops the caller"
    } else {
        "ends the flow"
    };
    let message = format!(
        "the branch of `{}` for {} leads nowhere: an answer that matches it {ends}, while \
         answers that match no condition go on",
        state.name,
        describe(conditions)
    );
    Diagnostic::new(&META, location, message).help(
        "connect the branch to the widget that handles this answer, or delete the condition \
             so that `noMatch` handles it",
    )
}

/// "`equal_to 0`", or the branch's label when a condition has no value.
fn describe(conditions: Items) -> String {
    let parts: Vec<String> = conditions
        .iter()
        .map(|c| {
            let kind = c.get("type").and_then(Json::as_str).unwrap_or("?");
            match c.get("value").and_then(Json::as_str) {
                Some(value) if !value.is_empty() => format!("`{kind} {value}`"),
                _ => format!("`{kind}`"),
            }
        })
        .collect();
    parts.join(" and ")
}
