//! `infinite-loop`: a set of states that no event ever leaves.

use crate::flow::StateId;
use crate::rule::{Context, Diagnostic, Rule, Subject};
use petgraph::graph::NodeIndex;

declare_rule!(
    InfiniteLoop,
    "infinite-loop",
    Error,
    "a cycle of states that no event ever leaves"
);

impl Rule for InfiniteLoop {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for scc in ctx.closed_cycles() {
            let first = ctx.state(scc[0]);
            let message = if scc.len() == 1 {
                format!(
                    "every event of `{}` leads back to itself: the execution can never leave it",
                    first.name
                )
            } else {
                format!(
                    "no event leaves the loop through {}: the execution can never get out",
                    ctx.describe(scc, 6)
                )
            };
            out.push(
                Diagnostic::new(&META, first.member("name"), message)
                    .subject(loop_subject(scc))
                    .help(
                        "give the loop a way out: connect a failure, timeout or `noMatch` \
                         event to a state outside it, or leave one unconnected to end there",
                    ),
            );
        }
    }
}

/// The loop's states, for the diagrams; shared with `loop-without-wait`.
pub(crate) fn loop_subject(states: &[NodeIndex]) -> Subject {
    let mut states: Vec<StateId> = states.iter().map(|&n| StateId::from(n)).collect();
    states.sort_unstable();
    Subject::Loop { states }
}
