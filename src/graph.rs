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
    /// The first state of each name.
    by_name: NameIndex,
    /// Where executions start: the `initial_state`, else the first trigger widget.
    pub root: Option<NodeIndex>,
}

impl FlowGraph {
    pub fn build(flow: &Flow) -> FlowGraph {
        let transitions: usize = flow.states.iter().map(|s| s.transitions.len()).sum();
        let mut graph = DiGraph::with_capacity(flow.states.len(), transitions);
        let by_name = NameIndex::new(flow);
        for i in 0..flow.states.len() {
            graph.add_node(StateId::new(i));
        }
        for (i, state) in flow.states.iter().enumerate() {
            for (t, transition) in state.transitions.iter().enumerate() {
                let target = transition.next.as_deref().and_then(|n| by_name.get(n));
                if let Some(target) = target {
                    let source = StateId::new(i).node();
                    graph.add_edge(source, target, EdgeData { transition: t });
                }
            }
        }
        let root = flow
            .initial_state
            .as_ref()
            .and_then(|name| by_name.get(name))
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
        self.by_name.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.by_name.get(name).is_some()
    }

    pub fn edge(&self, edge: EdgeIndex) -> EdgeData {
        self.graph[edge]
    }

    /// Every state name, once, for suggestions.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.names()
    }
}

/// The first state of each name, found by hashing. The names are copied once into one
/// string: a map with `String` keys cost a heap block and 32 bytes of table a state.
#[derive(Debug)]
struct NameIndex {
    /// Every distinct name, one after the other.
    text: String,
    /// For each distinct name, in file order: where it ends in `text`, and its first state.
    entries: Vec<(u32, NodeIndex)>,
    /// Open addressing with linear probing, at most half full: an index into `entries`
    /// plus one, 0 for a free slot.
    slots: Vec<u32>,
    /// foldhash: every rule looks names up here, and SipHash was 4 % of a run. Its seed is
    /// random per process, so crafted names cannot force collisions.
    hasher: foldhash::fast::RandomState,
}

impl NameIndex {
    /// With duplicate names the first state wins, as the rules report the others; an
    /// anonymous state (no readable name) is nobody's target.
    fn new(flow: &Flow) -> NameIndex {
        let bytes = flow.states.iter().map(|s| s.name.len()).sum();
        let mut index = NameIndex {
            text: String::with_capacity(bytes),
            entries: Vec::with_capacity(flow.states.len()),
            slots: vec![0; (2 * flow.states.len()).next_power_of_two().max(2)],
            hasher: foldhash::fast::RandomState::default(),
        };
        for (i, state) in flow.states.iter().enumerate() {
            if !state.name.is_empty() {
                index.insert(&state.name, StateId::new(i).node());
            }
        }
        index
    }

    fn insert(&mut self, name: &str, node: NodeIndex) {
        let slot = match self.find(name) {
            Ok(_) => return,
            Err(free) => free,
        };
        self.text.push_str(name);
        self.entries.push((self.text.len() as u32, node));
        self.slots[slot] = self.entries.len() as u32;
    }

    fn get(&self, name: &str) -> Option<NodeIndex> {
        let entry = self.find(name).ok()?;
        Some(self.entries[entry].1)
    }

    /// The entry of `name`, or the free slot where it would go.
    fn find(&self, name: &str) -> Result<usize, usize> {
        use std::hash::BuildHasher;
        let mask = self.slots.len() - 1;
        let mut slot = self.hasher.hash_one(name) as usize & mask;
        loop {
            match self.slots[slot] {
                0 => return Err(slot),
                entry if self.name(entry as usize - 1) == name => return Ok(entry as usize - 1),
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    fn name(&self, entry: usize) -> &str {
        let start = entry.checked_sub(1).map_or(0, |e| self.entries[e].0);
        &self.text[start as usize..self.entries[entry].0 as usize]
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        (0..self.entries.len()).map(|entry| self.name(entry))
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
