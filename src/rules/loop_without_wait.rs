//! `loop-without-wait`: a cycle in which no widget waits on a person or on time, so it spins
//! until Studio stops the execution. A loop bounded by a counter is left alone, but the bound
//! is proven per cycle: every cycle must run the counter's increment and the split that
//! tests it, and nothing on the loop may reset the counter.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::NodeFiltered;

use crate::catalog::{self, EventKind, NO_MATCH, Role};
use crate::dataflow;
use crate::flow::{Location, MemberPath};
use crate::liquid::Root;
use crate::rule::{Context, Diagnostic, Rule};
use crate::rules::infinite_loop::loop_subject;

declare_rule!(
    LoopWithoutWait,
    "loop-without-wait",
    Warning,
    "a cycle with no waiting widget in it, which spins to Studio's step limit"
);

/// Studio stops an execution after this many steps (errors 81000 / 84000).
const STEP_LIMIT: usize = 1000;
/// ... or when one widget runs this many times in a row (error 81001).
const REPEAT_LIMIT: usize = 10;
/// Counters considered per loop: each doubles the (linear) work, and real loops have one.
const MAX_COUNTERS: usize = 4;

impl Rule for LoopWithoutWait {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let loops = ctx.spinning_cycles();
        if loops.is_empty() {
            return;
        }
        let counters = Counters::of(ctx);
        for scc in loops {
            for family in unbounded_families(ctx, scc, &counters) {
                out.push(finding(ctx, &family));
            }
        }
    }
}

fn finding(ctx: &Context, family: &[NodeIndex]) -> Diagnostic {
    let first = ctx.state(family[0]);
    let help = "bound the loop with a counter (a set-variables that increments it and a split \
                that leaves the loop when it is reached), or put a widget that waits for the \
                caller in it";
    if let [only] = family
        && let Some(event) = failure_to_itself(ctx, *only)
    {
        let message = format!(
            "`{event}` of `{}` runs it again at once: after {REPEAT_LIMIT} failures in a \
             row Studio stops the execution (error 81001), so the failure is never handled",
            first.name
        );
        // The finding stands at the state; the event it names is the failure that loops.
        return Diagnostic::new(&META, first.member("name"), message)
            .subject(loop_subject(family))
            .event(event)
            .help(
                "send the failure to a widget that handles it, or count the retries with a \
                 set-variables and a split that gives up",
            );
    }
    let message = if family.len() == 1 {
        format!(
            "`{}` leads back to itself without waiting: it runs {REPEAT_LIMIT} times in a row, \
             then Studio stops the execution",
            first.name
        )
    } else {
        format!(
            "the loop through {} waits on nothing: it can run about {} times before Studio's \
             1,000-step limit stops the execution",
            ctx.describe(family, 6),
            STEP_LIMIT / family.len()
        )
    };
    Diagnostic::new(&META, first.member("name"), message)
        .subject(loop_subject(family))
        .help(help)
}

/// The failure event of `node` whose transition leads back to `node` itself.
fn failure_to_itself<'c>(ctx: &'c Context, node: NodeIndex) -> Option<&'c str> {
    let state = ctx.state(node);
    let spec = catalog::widget(&state.kind)?;
    state
        .connected()
        .filter(|(_, next)| *next == state.name)
        .map(|(t, _)| t.event.as_str())
        .find(|event| {
            spec.event(event)
                .is_some_and(|e| e.kind == EventKind::Failure)
        })
}

/// How each flow variable is written and tested: the facts a counter bound needs.
struct Counters<'c> {
    /// Variable → set-variables states that set it from its own value (`x | plus: 1`).
    increments: HashMap<&'c str, Vec<NodeIndex>>,
    /// Variable → set-variables states that set it from anything else (a reset).
    resets: HashMap<&'c str, Vec<NodeIndex>>,
    /// Split state → the variables its input or conditions read.
    tested: HashMap<NodeIndex, Vec<&'c str>>,
}

impl<'c> Counters<'c> {
    fn of(ctx: &'c Context) -> Counters<'c> {
        let mut counters = Counters {
            increments: HashMap::new(),
            resets: HashMap::new(),
            tested: HashMap::new(),
        };
        let reads = ctx
            .references()
            .iter()
            .filter(|r| r.root() == Root::FlowVariable);
        let mut read_by_value: HashSet<(&Location, &str)> = HashSet::new();
        for r in reads {
            let state = ctx.state(r.state());
            let node = r.state().node();
            if catalog::role(&state.kind) == Role::Split {
                counters.tested.entry(node).or_default().push(r.name());
            }
            read_by_value.insert((r.location(), r.name()));
        }
        for state in &ctx.flow.states {
            for (position, key) in dataflow::keys_set_by(ctx.flow, state) {
                let variables = MemberPath::from("properties").key("variables");
                let value = state.member(variables.index(position).key("value"));
                let own = read_by_value.contains(&(&value, key));
                let map = if own {
                    &mut counters.increments
                } else {
                    &mut counters.resets
                };
                map.entry(key).or_default().push(state.id.node());
            }
        }
        counters
    }
}

/// A counter that can bound cycles of the loop: tested by splits that can leave the loop,
/// incremented inside it, and never reset inside it (a reset on the loop starts it over on
/// every pass).
struct Bound {
    splits: Vec<NodeIndex>,
    increments: Vec<NodeIndex>,
}

fn bounds(ctx: &Context, scc: &[NodeIndex], counters: &Counters) -> Vec<Bound> {
    let inside: HashSet<NodeIndex> = scc.iter().copied().collect();
    let within = |nodes: Option<&Vec<NodeIndex>>| -> Vec<NodeIndex> {
        nodes
            .into_iter()
            .flatten()
            .copied()
            .filter(|n| inside.contains(n))
            .collect()
    };
    let mut variables: Vec<&str> = scc
        .iter()
        .filter_map(|n| counters.tested.get(n))
        .flatten()
        .copied()
        .collect();
    variables.sort_unstable();
    variables.dedup();
    variables
        .into_iter()
        .filter(|x| within(counters.resets.get(x)).is_empty())
        .filter_map(|x| {
            let increments = within(counters.increments.get(x));
            let splits: Vec<NodeIndex> = scc
                .iter()
                .copied()
                .filter(|n| counters.tested.get(n).is_some_and(|v| v.contains(&x)))
                .filter(|&n| leaves(ctx, n, &inside))
                .collect();
            (!increments.is_empty() && !splits.is_empty()).then_some(Bound { splits, increments })
        })
        .take(MAX_COUNTERS)
        .collect()
}

/// The groups of widgets in `scc` that lie on a cycle no counter bounds. A cycle is bounded
/// by a counter when it runs one of its increments and one of its splits; so a cycle is
/// unbounded when, for every counter, it avoids all its increments or all its splits. Each
/// choice of what to avoid is one search of the loop with those widgets removed: linear
/// work, 2^counters times.
fn unbounded_families(
    ctx: &Context,
    scc: &[NodeIndex],
    counters: &Counters,
) -> Vec<Vec<NodeIndex>> {
    let bounds = bounds(ctx, scc, counters);
    let inside = LoopGraph::of(ctx, scc);
    let mut families: Vec<Vec<NodeIndex>> = Vec::new();
    for choice in 0..(1usize << bounds.len()) {
        let removed: HashSet<NodeIndex> = bounds
            .iter()
            .enumerate()
            .flat_map(|(i, b)| {
                if choice >> i & 1 == 1 {
                    &b.splits
                } else {
                    &b.increments
                }
            })
            .copied()
            .collect();
        families.extend(inside.cycles_without(&removed));
    }
    merge_overlapping(families)
}

/// A loop as a graph of its own: searching it costs the loop's size, not the flow's (a
/// flow of 20,000 retry loops made each search walk all 20,000).
struct LoopGraph {
    /// Node weights are the flow's nodes.
    graph: DiGraph<NodeIndex, ()>,
}

impl LoopGraph {
    fn of(ctx: &Context, scc: &[NodeIndex]) -> LoopGraph {
        let mut graph = DiGraph::with_capacity(scc.len(), scc.len());
        let local: HashMap<NodeIndex, NodeIndex> =
            scc.iter().map(|&n| (n, graph.add_node(n))).collect();
        // In the loop's order: a hash map's order would vary the search from run to run.
        for node in scc {
            let from = local[node];
            for next in ctx.graph.graph.neighbors(*node) {
                if let Some(&to) = local.get(&next) {
                    graph.update_edge(from, to, ());
                }
            }
        }
        LoopGraph { graph }
    }

    /// The cycles that remain with `removed` taken out, each as sorted flow nodes.
    fn cycles_without(&self, removed: &HashSet<NodeIndex>) -> Vec<Vec<NodeIndex>> {
        let graph = &self.graph;
        let kept = NodeFiltered::from_fn(graph, |n| !removed.contains(&graph[n]));
        petgraph::algo::kosaraju_scc(&kept)
            .into_iter()
            .filter(|c| c.len() > 1 || graph.contains_edge(c[0], c[0]))
            .map(|c| {
                let mut cycle: Vec<NodeIndex> = c.iter().map(|&n| graph[n]).collect();
                cycle.sort_unstable();
                cycle
            })
            .collect()
    }
}

/// Families that share a widget are one finding, reported with all their widgets.
fn merge_overlapping(mut families: Vec<Vec<NodeIndex>>) -> Vec<Vec<NodeIndex>> {
    families.sort_by_key(|f| std::cmp::Reverse(f.len()));
    let mut merged: Vec<Vec<NodeIndex>> = Vec::new();
    for family in families {
        match merged
            .iter_mut()
            .find(|m| family.iter().any(|n| m.contains(n)))
        {
            Some(existing) => {
                existing.extend(family);
                existing.sort_unstable();
                existing.dedup();
            }
            None => merged.push(family),
        }
    }
    merged.sort();
    merged
}

/// Whether some event of the split ends the execution or goes outside the loop.
fn leaves(ctx: &Context, split: NodeIndex, inside: &HashSet<NodeIndex>) -> bool {
    let split = ctx.state(split);
    let has_no_match = split.transitions.iter().any(|t| t.event == NO_MATCH);
    !has_no_match
        || split.transitions.iter().any(|t| {
            t.next
                .as_deref()
                .and_then(|n| ctx.graph.node(n))
                .is_none_or(|n| !inside.contains(&n))
        })
}
