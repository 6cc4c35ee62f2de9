//! `unreachable-state`: a state no path of connected transitions reaches from the trigger.

use crate::flow::{Location, StateId};
use crate::rule::{Context, Diagnostic, Edit, Fix, Rule, Subject};

declare_rule!(
    UnreachableState,
    "unreachable-state",
    Warning,
    "a state not reachable from the trigger through connected transitions"
);

impl Rule for UnreachableState {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        // Without a start there is no reachability to speak of: invalid-initial-state says so.
        if ctx.graph.root.is_none() {
            return;
        }
        let reachable = ctx.reachable();
        for node in ctx.graph.graph.node_indices() {
            if reachable[node.index()] {
                continue;
            }
            let state = ctx.state(node);
            // Only the first of several same-named states is a graph target; the others are
            // duplicate-state-name's finding.
            // Anonymous states are malformed-flow's.
            if state.name.is_empty() || ctx.graph.node(&state.name) != Some(node) {
                continue;
            }
            let mut predecessors: Vec<&str> = ctx
                .graph
                .graph
                .neighbors_directed(node, petgraph::Direction::Incoming)
                .filter(|&p| p != node)
                .map(|p| ctx.state(p).name.as_str())
                .collect();
            predecessors.sort_unstable();
            predecessors.dedup();
            let message = match predecessors.as_slice() {
                [] => format!("no transition leads to `{}`: it never runs", state.name),
                [only] => format!(
                    "`{}` is reachable only from `{only}`, which is itself unreachable",
                    state.name
                ),
                many => format!(
                    "`{}` is reachable only from other unreachable states ({})",
                    state.name,
                    many.iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            out.push(
                Diagnostic::new(&META, state.member("name"), message)
                    .subject(Subject::Unreachable {
                        state: StateId::from(node),
                    })
                    .help("connect a transition to it, or delete it if it is no longer used")
                    .fix(deletion(ctx, &state.location(), &state.name)),
            );
        }
    }
}

/// Deleting a widget nobody reaches changes nothing at run time, but it may be a widget the
/// author meant to connect: a choice, so the fix is unsafe.
fn deletion(ctx: &Context, location: &Location, name: &str) -> Option<Fix> {
    let span = ctx.removal_of_element(location)?;
    let edits = vec![Edit {
        span,
        replacement: String::new(),
    }];
    Some(Fix::unsafe_(format!("delete `{name}`"), edits))
}
