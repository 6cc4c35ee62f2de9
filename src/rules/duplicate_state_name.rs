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
        // The graph lists each state named like an earlier one. Anonymous states (no
        // readable name) are malformed-flow's finding.
        for &(node, first) in ctx.graph.shadowed() {
            let (state, original) = (ctx.state(node), ctx.state(first));
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
