//! `loop-without-wait`: a cycle in which no widget waits on a person or on time, so it spins
//! until Studio stops the execution. A retry loop bounded by a counter is left alone.

use std::collections::{HashMap, HashSet};

use petgraph::graph::NodeIndex;

use crate::dataflow;
use crate::liquid::Root;
use crate::loops;
use crate::rule::{Context, Diagnostic, Rule, RuleMeta, Severity};

pub struct LoopWithoutWait;

pub static META: RuleMeta = RuleMeta {
    id: "loop-without-wait",
    severity: Severity::Warning,
    summary: "a cycle with no waiting widget in it, which spins to Studio's step limit",
    doc: include_str!("../../rules/loop-without-wait.md"),
};

/// Studio stops an execution after this many steps (errors 81000 / 84000).
const STEP_LIMIT: usize = 1000;
/// ... or when one widget runs this many times in a row (error 81001).
const REPEAT_LIMIT: usize = 10;

impl Rule for LoopWithoutWait {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let cycles = loops::spinning_cycles(ctx);
        if cycles.is_empty() {
            return;
        }
        let reads = flow_variables_read(ctx);
        for scc in cycles {
            if !bounded_by_counter(ctx, &scc, &reads) {
                out.push(finding(ctx, &scc));
            }
        }
    }
}

fn finding(ctx: &Context, scc: &[NodeIndex]) -> Diagnostic {
    let first = ctx.state(ctx.graph.state_index(scc[0]));
    let message = if scc.len() == 1 {
        format!(
            "`{}` leads back to itself without waiting: it runs {REPEAT_LIMIT} times in a row, \
             then Studio stops the execution",
            first.name
        )
    } else {
        format!(
            "the loop through {} waits on nothing: it can run about {} times before Studio's \
             1,000-step limit stops the execution",
            loops::describe(ctx, scc, 6),
            STEP_LIMIT / scc.len()
        )
    };
    Diagnostic::new(&META, first.member_pointer("name"), message)
        .state(&first.name)
        .help(
            "bound the loop with a counter (a set-variables that increments it and a split \
             that leaves the loop when it is reached), or put a widget that waits for the \
             caller in it",
        )
}

/// A split in the loop tests a flow variable that a set-variables in the loop changes, and
/// the split has a way out of the loop: the retry count bounds it. Costs O(size of the loop).
fn bounded_by_counter(ctx: &Context, scc: &[NodeIndex], reads: &HashMap<usize, Vec<&str>>) -> bool {
    let inside: HashSet<NodeIndex> = scc.iter().copied().collect();
    let state = |n: &NodeIndex| ctx.state(ctx.graph.state_index(*n));
    let counters: HashSet<String> = scc
        .iter()
        .flat_map(|n| dataflow::variables_set_by(ctx.flow, state(n)))
        .collect();
    scc.iter()
        .filter(|n| state(n).kind == "split-based-on")
        .any(|split| {
            let tested = reads
                .get(&ctx.graph.state_index(*split))
                .into_iter()
                .flatten();
            tested.into_iter().any(|v| counters.contains(*v)) && leaves(ctx, state(split), &inside)
        })
}

/// For each state, the names `x` of the `flow.variables.x` it reads (input and conditions).
fn flow_variables_read<'c>(ctx: &'c Context) -> HashMap<usize, Vec<&'c str>> {
    let mut reads: HashMap<usize, Vec<&str>> = HashMap::new();
    for r in ctx
        .references()
        .iter()
        .filter(|r| r.root == Root::FlowVariable)
    {
        reads.entry(r.state).or_default().push(r.name.as_str());
    }
    reads
}

/// Whether some event of the split ends the execution or goes outside the loop.
fn leaves(ctx: &Context, split: &crate::flow::State, inside: &HashSet<NodeIndex>) -> bool {
    let has_no_match = split.transitions.iter().any(|t| t.event == "noMatch");
    !has_no_match
        || split.transitions.iter().any(|t| {
            t.next
                .as_deref()
                .and_then(|n| ctx.graph.node(n))
                .is_none_or(|n| !inside.contains(&n))
        })
}
