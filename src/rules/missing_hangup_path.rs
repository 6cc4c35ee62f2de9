//! `missing-hangup-path`: a voice widget whose `hangup` is unconnected, while post-call work
//! lies on every normal path out of it, so a caller who hangs up skips that work.
//!
//! "Every normal path" is post-dominance in the graph of connected non-hangup transitions,
//! where each unconnected non-hangup event leads to a virtual exit. Post-call work is a
//! side-effect widget after which no caller-facing widget can run.

use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use crate::catalog::{self, EventKind};
use crate::dominators::Adjacency;
use crate::flow::StateId;
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    MissingHangupPath,
    "missing-hangup-path",
    Warning,
    "a caller hangup at a voice widget skips the post-call work"
);

impl Rule for MissingHangupPath {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let reachable = ctx.reachable();
        let candidates: Vec<NodeIndex> = ctx
            .graph
            .graph
            .node_indices()
            .filter(|&n| reachable[n.index()] && hangup_unconnected(ctx, n))
            .collect();
        if candidates.is_empty() {
            return;
        }
        let work = post_call_work(ctx);
        let after = nearest_post_dominating_work(ctx, &work);
        for node in candidates {
            let Some(w) = after[node.index()] else {
                continue;
            };
            out.push(finding(ctx, node, w));
        }
    }
}

fn finding(ctx: &Context, node: NodeIndex, work: NodeIndex) -> Diagnostic {
    let state = ctx.state(node);
    let work = ctx.state(work);
    let transition = state.transitions.iter().find(|t| t.event == "hangup");
    let location = match transition {
        Some(t) if ctx.flow.value(&t.member("next")).is_some() => t.member("next"),
        Some(t) => t.member("event"),
        None => state.member("name"),
    };
    // Without a transition the location cannot name the event: the finding does.
    Diagnostic::new(
        &META,
        location,
        format!(
            "if the caller hangs up during `{}`, the flow ends and skips `{}`, which every \
             other path out of it runs",
            state.name, work.name
        ),
    )
    .event("hangup")
    .help(help(state, &work.name))
}

/// Connect the hangup where the canvas offers it; else the work has to come earlier.
fn help(state: &crate::flow::State, work: &str) -> String {
    let on_canvas = catalog::widget(&state.kind)
        .and_then(|w| w.event("hangup"))
        .is_some_and(|e| e.on_canvas);
    if on_canvas {
        format!(
            "connect `hangup` of `{}` to `{work}` (or to the widgets that lead to it)",
            state.name
        )
    } else {
        format!(
            "a `{}` offers no hangup transition: run `{work}` before `{}`, or record the \
             call's outcome where the call ends (a status callback)",
            state.kind, state.name
        )
    }
}

/// A voice widget that can report a hangup and leaves that event unconnected.
fn hangup_unconnected(ctx: &Context, node: NodeIndex) -> bool {
    let state = ctx.state(node);
    let emits_hangup = catalog::widget(&state.kind)
        .and_then(|w| w.event("hangup"))
        .is_some_and(|e| e.kind == EventKind::Hangup);
    emits_hangup && !state.connected().any(|(t, _)| t.event == "hangup")
}

/// Side-effect widgets after which no caller-facing widget is reachable.
fn post_call_work(ctx: &Context) -> Vec<bool> {
    let graph = &ctx.graph.graph;
    let spec = |n: NodeIndex| catalog::widget(&ctx.state(n).kind);
    // Nodes from which a caller-facing widget can still run: a backward search from them.
    let mut leads_to_caller = vec![false; graph.node_count()];
    let mut stack: Vec<NodeIndex> = graph
        .node_indices()
        .filter(|&n| spec(n).is_some_and(|w| w.caller_facing))
        .collect();
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut leads_to_caller[n.index()], true) {
            continue;
        }
        stack.extend(graph.neighbors_directed(n, Direction::Incoming));
    }
    graph
        .node_indices()
        .map(|n| spec(n).is_some_and(|w| w.side_effect) && !leads_to_caller[n.index()])
        .collect()
}

/// For each state, the closest post-dominator that is post-call work, in the graph of
/// normal (non-hangup) outcomes. Linear after the dominator computation: each answer is
/// memoised from the immediate post-dominator's.
fn nearest_post_dominating_work(ctx: &Context, work: &[bool]) -> Vec<Option<NodeIndex>> {
    let (reversed, exit) = reversed_normal_graph(ctx);
    let post = crate::dominators::compute(&reversed, exit);
    let count = ctx.graph.graph.node_count();
    let mut nearest: Vec<Option<Option<NodeIndex>>> = vec![None; count];
    for start in 0..count {
        // Walk up the post-dominator tree until an answer is known, then fill in the path.
        let mut path = Vec::new();
        let mut node = StateId::new(start).node();
        let answer = loop {
            if let Some(known) = nearest[node.index()] {
                break known;
            }
            path.push(node);
            match post.immediate_dominator(node) {
                Some(up) if up == exit => break None,
                Some(up) if work[up.index()] => break Some(up),
                Some(up) => node = up,
                // Unreachable from the exit (a closed loop): nothing post-dominates it.
                None => break None,
            }
        };
        for n in path {
            nearest[n.index()] = Some(answer);
        }
    }
    nearest.into_iter().map(Option::flatten).collect()
}

/// The reversed graph of normal outcomes, with an extra exit node that every unconnected
/// non-hangup event leads to. State `i` keeps index `i`; the exit comes last.
fn reversed_normal_graph(ctx: &Context) -> (Adjacency, NodeIndex) {
    let count = ctx.graph.graph.node_count();
    let exit = count as u32;
    let mut reversed: Vec<(u32, u32)> = Vec::with_capacity(ctx.graph.graph.edge_count() + count);
    for node in ctx.graph.graph.node_indices() {
        let state = ctx.state(node);
        let spec = catalog::widget(&state.kind);
        let is_hangup = |event: &str| {
            spec.and_then(|w| w.event(event))
                .is_some_and(|e| e.kind == EventKind::Hangup)
        };
        let at = node.index() as u32;
        // The graph's edges are the transitions whose `next` names a state; a normal
        // outcome without one ends the execution.
        let mut connected = 0;
        for edge in ctx.graph.graph.edges(node) {
            if !is_hangup(&state.transitions[edge.weight().transition].event) {
                reversed.push((edge.target().index() as u32, at));
                connected += 1;
            }
        }
        let normal = state.transitions.iter().filter(|t| !is_hangup(&t.event));
        let ends = normal.count() > connected;
        // Events the widget emits but the flow does not list end the execution too.
        let unlisted = spec.is_some_and(|w| w.unlisted_exits(state).next().is_some());
        if ends || unlisted || state.transitions.is_empty() {
            reversed.push((exit, at));
        }
    }
    (
        Adjacency::new(count + 1, &reversed),
        NodeIndex::new(exit as usize),
    )
}
