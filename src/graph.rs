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
    /// States whose name an earlier state has, with that first state; in file order.
    shadowed: Vec<(NodeIndex, NodeIndex)>,
    /// Connected transitions whose `next` names no state: the state and the transition's
    /// index in its list; in file order.
    dangling: Vec<(NodeIndex, usize)>,
    /// Where executions start: the `initial_state`, else the first trigger widget.
    pub root: Option<NodeIndex>,
}

impl FlowGraph {
    pub fn build(flow: &Flow) -> FlowGraph {
        let transitions: usize = flow.states.iter().map(|s| s.transitions.len()).sum();
        let mut graph = DiGraph::with_capacity(flow.states.len(), transitions);
        let (by_name, shadowed) = NameIndex::new(flow);
        for i in 0..flow.states.len() {
            graph.add_node(StateId::new(i));
        }
        let mut dangling = Vec::new();
        for (i, state) in flow.states.iter().enumerate() {
            let source = StateId::new(i).node();
            for (t, transition) in state.transitions.iter().enumerate() {
                let Some(next) = transition.next.as_deref() else {
                    continue;
                };
                match by_name.get(next) {
                    Some(target) => {
                        graph.add_edge(source, target, EdgeData { transition: t });
                    }
                    None => dangling.push((source, t)),
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
            shadowed,
            dangling,
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

    /// States named like an earlier state, each with that first state, in file order: found
    /// while the names are indexed, so no rule looks every name up again.
    pub fn shadowed(&self) -> &[(NodeIndex, NodeIndex)] {
        &self.shadowed
    }

    /// Connected transitions whose `next` names no state, as (state, index in its
    /// transitions), in file order.
    pub fn dangling(&self) -> &[(NodeIndex, usize)] {
        &self.dangling
    }
}

/// The first state of each name, found by hashing. The names are copied once into one
/// string, and the table holds 4-byte entry numbers: a map with `String` keys cost a heap
/// block and 32 bytes of table a state.
#[derive(Debug)]
struct NameIndex {
    /// Every distinct name, one after the other.
    text: String,
    /// For each distinct name, in file order: where it ends in `text`, and its first state.
    entries: Vec<(u32, NodeIndex)>,
    /// Entry numbers, hashed by their names.
    table: hashbrown::HashTable<u32>,
    /// foldhash: every rule looks names up here, and SipHash was 4 % of a run. Its seed is
    /// random per process, so crafted names cannot force collisions.
    hasher: foldhash::fast::RandomState,
}

impl NameIndex {
    /// The index, and the states whose name was already taken, each with the state that
    /// has it. With duplicate names the first state wins, as the rules report the others; an
    /// anonymous state (no readable name) is nobody's target.
    fn new(flow: &Flow) -> (NameIndex, Vec<(NodeIndex, NodeIndex)>) {
        let bytes = flow.states.iter().map(|s| s.name.len()).sum();
        let mut index = NameIndex {
            text: String::with_capacity(bytes),
            entries: Vec::with_capacity(flow.states.len()),
            table: hashbrown::HashTable::with_capacity(flow.states.len()),
            hasher: foldhash::fast::RandomState::default(),
        };
        let mut shadowed = Vec::new();
        for (i, state) in flow.states.iter().enumerate() {
            let node = StateId::new(i).node();
            if let Some(first) = index.insert(&state.name, node) {
                shadowed.push((node, first));
            }
        }
        (index, shadowed)
    }

    /// Adds a name; when an earlier state has it, returns that state instead. Anonymous
    /// states are skipped.
    fn insert(&mut self, name: &str, node: NodeIndex) -> Option<NodeIndex> {
        use std::hash::BuildHasher;
        if name.is_empty() {
            return None;
        }
        let hash = self.hasher.hash_one(name);
        if let Some(entry) = self.find(hash, name) {
            return Some(self.entries[entry].1);
        }
        self.text.push_str(name);
        self.entries.push((self.text.len() as u32, node));
        let NameIndex {
            text,
            entries,
            table,
            hasher,
        } = self;
        let rehash = |&entry: &u32| hasher.hash_one(name_of(text, entries, entry as usize));
        table.insert_unique(hash, entries.len() as u32 - 1, rehash);
        None
    }

    fn get(&self, name: &str) -> Option<NodeIndex> {
        use std::hash::BuildHasher;
        let entry = self.find(self.hasher.hash_one(name), name)?;
        Some(self.entries[entry].1)
    }

    fn find(&self, hash: u64, name: &str) -> Option<usize> {
        let same = |&entry: &u32| self.name(entry as usize) == name;
        self.table.find(hash, same).map(|&entry| entry as usize)
    }

    fn name(&self, entry: usize) -> &str {
        name_of(&self.text, &self.entries, entry)
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        (0..self.entries.len()).map(|entry| self.name(entry))
    }
}

/// The name of entry `entry`: it runs from where the one before ends to where it ends.
fn name_of<'t>(text: &'t str, entries: &[(u32, NodeIndex)], entry: usize) -> &'t str {
    let start = entry.checked_sub(1).map_or(0, |e| entries[e].0);
    &text[start as usize..entries[entry].0 as usize]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::load_text;

    #[test]
    fn repeated_names_and_missing_targets_are_listed_as_the_graph_is_built() {
        let text = r#"{"initial_state": "a", "states": [
            {"name": "a", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingCall", "next": "b"},
                             {"event": "incomingMessage", "next": "nowhere"},
                             {"event": "incomingRequest"}]},
            {"name": "b", "type": "say-play", "properties": {},
             "transitions": [{"event": "audioComplete", "next": "a"}]},
            {"name": "a", "type": "say-play", "properties": {},
             "transitions": [{"event": "audioComplete", "next": "gone"}]},
            {"name": "", "type": "say-play", "properties": {}, "transitions": []},
            {"name": "b", "type": "say-play", "properties": {}, "transitions": []}
        ]}"#;
        let file = load_text("f.json".to_string(), text.to_string());
        let graph = FlowGraph::build(file.flow.as_ref().unwrap());
        let node = |i: usize| StateId::new(i).node();
        assert_eq!(graph.shadowed(), &[(node(2), node(0)), (node(4), node(1))]);
        assert_eq!(graph.dangling(), &[(node(0), 1), (node(2), 0)]);
        assert_eq!(graph.node("a"), Some(node(0)));
        assert_eq!(graph.names().collect::<Vec<_>>(), ["a", "b"]);
    }
}
