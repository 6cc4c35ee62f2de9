//! The flow as a petgraph directed graph: one node per state, one edge per connected
//! transition, so rules can use standard graph algorithms instead of walking JSON.

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};

use crate::catalog::{self, Role};
use crate::flow::{Flow, StateId};

/// An edge: the transition at `transition` of the source state, labelled by its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeData {
    pub transition: usize,
}

#[derive(Debug)]
pub struct FlowGraph {
    /// Node `i` is state `i`: its weight is its [`StateId`], and `StateId::from(node)` and
    /// `id.node()` convert between them.
    pub graph: DiGraph<StateId, EdgeData>,
    /// Keyed with foldhash: every rule looks names up here, and SipHash was 4 % of a run.
    /// Its seed is random per process, so crafted names cannot force collisions.
    by_name: foldhash::HashMap<String, NodeIndex>,
    /// Where executions start: the `initial_state`, else the first trigger widget.
    pub root: Option<NodeIndex>,
}

impl FlowGraph {
    pub fn build(flow: &Flow) -> FlowGraph {
        let transitions: usize = flow.states.iter().map(|s| s.transitions.len()).sum();
        let mut graph = DiGraph::with_capacity(flow.states.len(), transitions);
        let mut by_name = foldhash::HashMap::with_capacity_and_hasher(
            flow.states.len(),
            foldhash::fast::RandomState::default(),
        );
        for (i, state) in flow.states.iter().enumerate() {
            let node = graph.add_node(StateId::new(i));
            // With duplicate names the first state wins, as the rules report the others; an
            // anonymous state (no readable name) is nobody's target.
            if !state.name.is_empty() {
                by_name.entry(state.name.clone()).or_insert(node);
            }
        }
        for (i, state) in flow.states.iter().enumerate() {
            for (t, transition) in state.transitions.iter().enumerate() {
                let target = transition.next.as_ref().and_then(|n| by_name.get(n));
                if let Some(&target) = target {
                    let source = StateId::new(i).node();
                    graph.add_edge(source, target, EdgeData { transition: t });
                }
            }
        }
        let root = flow
            .initial_state
            .as_ref()
            .and_then(|name| by_name.get(name).copied())
            .or_else(|| {
                flow.states
                    .iter()
                    .position(|s| catalog::role(&s.kind) == Role::Trigger)
                    .map(|i| StateId::new(i).node())
            });
        FlowGraph {
            graph,
            by_name,
            root,
        }
    }

    /// The node of the state called `name` (the first, if several share it).
    pub fn node(&self, name: &str) -> Option<NodeIndex> {
        self.by_name.get(name).copied()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    pub fn edge(&self, edge: EdgeIndex) -> EdgeData {
        self.graph[edge]
    }

    /// Every state name, for suggestions.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }
}

impl FlowGraph {
    /// Marks every node reachable from `starts` along connected transitions.
    pub fn reachable_from(&self, starts: impl IntoIterator<Item = NodeIndex>) -> Vec<bool> {
        let mut seen = vec![false; self.graph.node_count()];
        let mut stack: Vec<NodeIndex> = starts.into_iter().collect();
        while let Some(node) = stack.pop() {
            if std::mem::replace(&mut seen[node.index()], true) {
                continue;
            }
            stack.extend(self.graph.neighbors(node).filter(|n| !seen[n.index()]));
        }
        seen
    }

    /// Nodes reachable from the root; all `false` when the flow has no root.
    pub fn reachable(&self) -> Vec<bool> {
        self.reachable_from(self.root)
    }

    /// Kosaraju's algorithm, because petgraph's Tarjan recurses once per state on a chain and
    /// overflows the stack on long flows.
    ///
    /// The strongly connected sets of states that contain a cycle (several states, or one
    /// state with a transition to itself), each sorted by position in the file.
    pub fn cycles(&self) -> Vec<Vec<NodeIndex>> {
        petgraph::algo::kosaraju_scc(&self.graph)
            .into_iter()
            .filter(|scc| scc.len() > 1 || self.graph.contains_edge(scc[0], scc[0]))
            .map(|mut scc| {
                scc.sort_unstable();
                scc
            })
            .collect()
    }
}
