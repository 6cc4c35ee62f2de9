//! `duplicate-state-name`: widget names identify states; two states cannot share one.

use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    DuplicateStateName,
    "duplicate-state-name",
    Error,
    "two states share one name"
);

impl Rule for DuplicateStateName {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        // The graph maps each name to its first state. Anonymous states (no readable name)
        // are malformed-flow's finding.
        let named = ctx
            .flow
            .states
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.name.is_empty());
        for (index, state) in named {
            let first = ctx
                .graph
                .node(&state.name)
                .map_or(index, |node| node.index());
            if first == index {
                continue;
            }
            let original = &ctx.flow.states[first];
            out.push(
                Diagnostic::new(
                    &META,
                    state.member("name"),
                    format!("a state named `{}` is already defined", state.name),
                )
                .help(
                    "rename one of them; transitions to this name go to the first state, \
                     and Studio rejects the flow",
                )
                .related(original.member("name"), "first defined here"),
            );
        }
    }
}
