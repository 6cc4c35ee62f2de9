//! Loop analysis shared by `infinite-loop`, `loop-without-wait` and the diagrams. Linear in
//! states plus transitions: strongly connected sets by Kosaraju's algorithm, then one pass
//! over each set.

use foldhash::HashSet;

use petgraph::graph::NodeIndex;
use petgraph::visit::NodeFiltered;

use crate::catalog::{self, EventKind};
use crate::flow::Flow;
use crate::graph::FlowGraph;

/// Whether `scc` is closed: every event each of its widgets can emit (a hangup aside, which
/// is the caller giving up, not the flow leaving) goes to a state inside the set.
/// Widgets whose events are not known are assumed to have a way out.
pub fn is_closed(flow: &Flow, graph: &FlowGraph, scc: &[NodeIndex]) -> bool {
    // A set, not a vector of every state: a flow can have many small loops.
    let inside: HashSet<NodeIndex> = scc.iter().copied().collect();
    let stays_inside = |next: Option<&str>| {
        next.and_then(|n| graph.node(n))
            .is_some_and(|n| inside.contains(&n))
    };
    scc.iter().all(|&node| {
        let state = flow.state(node);
        let Some(spec) = catalog::widget(&state.kind).filter(|w| w.events.is_some()) else {
            return false;
        };
        // An unreadable transition may be the way out: assume it is.
        if state.incomplete {
            return false;
        }
        let listed_events_stay = state
            .transitions
            .iter()
            .filter(|t| !is_hangup(&state.kind, &t.event))
            .all(|t| stays_inside(t.next.as_deref()));
        // An event with no transition at all ends the execution when it fires.
        listed_events_stay && spec.unlisted_exits(state).next().is_none()
    })
}

fn is_hangup(kind: &str, event: &str) -> bool {
    catalog::widget(kind)
        .and_then(|w| w.event(event))
        .is_some_and(|e| e.kind == EventKind::Hangup)
}

/// The `cycles` of the flow (see [`FlowGraph::cycles`]) that no event leaves, among the
/// `reachable` states.
pub fn find_closed_cycles(
    flow: &Flow,
    graph: &FlowGraph,
    cycles: &[Vec<NodeIndex>],
    reachable: &[bool],
) -> Vec<Vec<NodeIndex>> {
    cycles
        .iter()
        .filter(|scc| reachable[scc[0].index()] && is_closed(flow, graph, scc))
        .cloned()
        .collect()
}

/// The cycles made only of widgets that wait on nothing, among the `reachable` states, that
/// are not `closed` cycles (those are infinite loops, a stronger finding). Each is sorted.
pub fn spinning_cycles(
    flow: &Flow,
    graph: &FlowGraph,
    reachable: &[bool],
    closed: &[Vec<NodeIndex>],
) -> Vec<Vec<NodeIndex>> {
    let mut in_closed = vec![false; graph.graph.node_count()];
    for &node in closed.iter().flatten() {
        in_closed[node.index()] = true;
    }
    let spinning = NodeFiltered::from_fn(&graph.graph, |node| !waits(flow, node));
    // Kosaraju, not Tarjan: petgraph's Tarjan recurses once per state on a chain.
    petgraph::algo::kosaraju_scc(&spinning)
        .into_iter()
        .filter(|scc| scc.len() > 1 || graph.graph.contains_edge(scc[0], scc[0]))
        .filter(|scc| reachable[scc[0].index()] && !scc.iter().all(|n| in_closed[n.index()]))
        .map(|mut scc| {
            scc.sort_unstable();
            scc
        })
        .collect()
}

/// Widgets of unknown type are assumed to wait: flowcheck cannot tell.
fn waits(flow: &Flow, node: NodeIndex) -> bool {
    let state = flow.state(node);
    catalog::widget(&state.kind).is_none_or(|w| w.waits)
}

/// "`a`, `b`, `c`", at most `limit` names, in file order.
pub fn describe(flow: &Flow, scc: &[NodeIndex], limit: usize) -> String {
    let names: Vec<String> = scc
        .iter()
        .take(limit)
        .map(|&n| format!("`{}`", flow.state(n).name))
        .collect();
    let more = scc.len().saturating_sub(limit);
    if more > 0 {
        format!("{} and {more} more", names.join(", "))
    } else {
        names.join(", ")
    }
}
