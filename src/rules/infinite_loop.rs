//! `infinite-loop`: a set of states that no event ever leaves.

use crate::loops;
use crate::rule::{Context, Diagnostic, Rule, RuleMeta, Severity};

pub struct InfiniteLoop;

pub static META: RuleMeta = RuleMeta {
    id: "infinite-loop",
    severity: Severity::Error,
    summary: "a cycle of states that no event ever leaves",
    doc: include_str!("../../rules/infinite-loop.md"),
};

impl Rule for InfiniteLoop {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for scc in ctx.closed_cycles() {
            let first = ctx.state(ctx.graph.state_index(scc[0]));
            let message = if scc.len() == 1 {
                format!(
                    "every event of `{}` leads back to itself: the execution can never leave it",
                    first.name
                )
            } else {
                format!(
                    "no event leaves the loop through {}: the execution can never get out",
                    loops::describe(ctx, scc, 6)
                )
            };
            out.push(
                Diagnostic::new(&META, first.member_pointer("name"), message)
                    .state(&first.name)
                    .help(
                        "give the loop a way out: connect a failure, timeout or `noMatch` \
                         event to a state outside it, or leave one unconnected to end there",
                    ),
            );
        }
    }
}
