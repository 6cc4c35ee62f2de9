//! Data-flow facts over the flow graph, shared by the Liquid reference rules: which widgets
//! run on every path (dominators), a path that skips one, and which flow variables are
//! certainly set when a widget runs (a must-be-set analysis).

use std::collections::VecDeque;

use fixedbitset::FixedBitSet;
use petgraph::graph::NodeIndex;

use crate::catalog::{self, Role};
use crate::flow::{Flow, State, StateId};
use crate::graph::FlowGraph;

/// The dominator tree from the flow's start, numbered so that "does A run on every path
/// to B" is answered in constant time.
///
/// Kept in flat tables of 32-bit numbers, 12 bytes a state: a list of children per state and
/// pairs of `usize` cost 64.
pub struct DominatorTree {
    /// Entry and exit times of a depth-first walk of the tree; [`UNREACHED`] when the start
    /// does not reach the node.
    interval: Vec<(u32, u32)>,
    /// The children of node `i` are `children[child_start[i]..child_start[i + 1]]`, in node
    /// order.
    child_start: Vec<u32>,
    children: Vec<u32>,
    root: NodeIndex,
}

const UNREACHED: (u32, u32) = (u32::MAX, 0);

impl DominatorTree {
    /// `None` when the flow has no start.
    pub fn compute(graph: &FlowGraph) -> Option<DominatorTree> {
        let root = graph.root?;
        let dominators = crate::dominators::compute(&graph.graph, root);
        let count = graph.graph.node_count();
        // The tree's edges, parent to child, grouped by parent.
        let edges = graph.graph.node_indices().filter_map(|node| {
            let parent = dominators.immediate_dominator(node)?;
            Some((parent.index() as u32, node.index() as u32))
        });
        let (child_start, children) = crate::dominators::grouped(count, edges);
        let mut tree = DominatorTree {
            interval: vec![UNREACHED; count],
            child_start,
            children,
            root,
        };
        tree.number();
        Some(tree)
    }

    /// Sets the entry and exit times of every node the start reaches.
    fn number(&mut self) {
        let mut clock = 0;
        // Iterative walk: (node, entered) pairs, so deep trees cannot overflow the stack.
        let mut stack = vec![(self.root, false)];
        while let Some((node, done)) = stack.pop() {
            if done {
                self.interval[node.index()].1 = clock;
                clock += 1;
                continue;
            }
            self.interval[node.index()].0 = clock;
            clock += 1;
            stack.push((node, true));
            stack.extend(self.children(node).map(|c| (c, false)));
        }
    }

    /// Whether the tree holds `node`: whether the start reaches it.
    pub fn contains(&self, node: NodeIndex) -> bool {
        self.interval[node.index()] != UNREACHED
    }

    /// The start of the flow, the root of the tree.
    pub fn root(&self) -> NodeIndex {
        self.root
    }

    /// The nodes `node` immediately dominates: its children in the tree.
    pub fn children(&self, node: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        let (from, to) = (
            self.child_start[node.index()],
            self.child_start[node.index() + 1],
        );
        self.children[from as usize..to as usize]
            .iter()
            .map(|&c| NodeIndex::new(c as usize))
    }

    /// Whether `a` runs on every path from the start to `b` (every node dominates itself).
    pub fn dominates(&self, a: NodeIndex, b: NodeIndex) -> bool {
        if !self.contains(a) || !self.contains(b) {
            return false;
        }
        let ((a_in, a_out), (b_in, b_out)) = (self.interval[a.index()], self.interval[b.index()]);
        a_in <= b_in && b_out <= a_out
    }
}

/// Shortest paths from the start that never run `avoid`: a breadth-first tree as parent
/// links, so one search serves every reader of the same widget.
pub struct PathsAvoiding {
    parent: Vec<Option<NodeIndex>>,
    reached: FixedBitSet,
}

impl PathsAvoiding {
    pub fn new(graph: &FlowGraph, avoid: NodeIndex) -> PathsAvoiding {
        let count = graph.graph.node_count();
        let mut parent = vec![None; count];
        let mut reached = FixedBitSet::with_capacity(count);
        if let Some(root) = graph.root.filter(|&r| r != avoid) {
            let mut seen = FixedBitSet::with_capacity(count);
            seen.insert(root.index());
            seen.insert(avoid.index());
            let mut queue = VecDeque::from([root]);
            while let Some(node) = queue.pop_front() {
                reached.insert(node.index());
                for next in graph.graph.neighbors(node) {
                    if !seen.put(next.index()) {
                        parent[next.index()] = Some(node);
                        queue.push_back(next);
                    }
                }
            }
        }
        PathsAvoiding { parent, reached }
    }

    /// The path from the start to `target`, if one avoids the widget.
    pub fn path_to(&self, target: NodeIndex) -> Option<Vec<NodeIndex>> {
        if !self.reached.contains(target.index()) {
            return None;
        }
        let mut path = vec![target];
        while let Some(p) = self.parent[path[path.len() - 1].index()] {
            path.push(p);
        }
        path.reverse();
        Some(path)
    }
}

/// The keys a set-variables widget sets, with their positions in its `variables`.
pub fn keys_set_by<'f>(flow: &'f Flow, state: &State) -> impl Iterator<Item = (usize, &'f str)> {
    let items = (catalog::role(&state.kind) == Role::SetVariables)
        .then(|| flow.properties(state))
        .flatten()
        .and_then(|p| p.get("variables"))
        .and_then(|v| v.as_array());
    items
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, item)| item.get("key").and_then(|k| k.as_str()).map(|k| (i, k)))
}

/// Flow variable → the set-variables widgets that set it, in file order.
pub type Setters<'f> = foldhash::HashMap<&'f str, Vec<NodeIndex>>;

/// Every flow variable's setters, in one pass over the flow. A widget is listed once per
/// entry of its `variables` that sets the key: one that sets a key twice counts as several
/// setters for [`VariablesSet`].
pub fn setters_by_variable(flow: &Flow) -> Setters<'_> {
    let mut setters = Setters::default();
    for state in &flow.states {
        let node = state.id.node();
        for (_, key) in keys_set_by(flow, state) {
            setters.entry(key).or_default().push(node);
        }
    }
    setters
}

/// Which flow variables are certainly set when a state runs: set on every path from the
/// start. `x` is set before `R` exactly when `R` cannot be reached from the start without
/// passing a set-variables widget that sets `x`. With one setter that is dominance (constant
/// time on the dominator tree); with several, one search that avoids them all, per variable.
/// Cost: linear in the flow per multiply-set variable that is read, instead of a bit per
/// variable and state, for at most [`MAX_UNSET_REGIONS`] such variables; past that a
/// variable with several setters counts as set, so a huge flow costs no more than 64 passes
/// and loses findings rather than reporting wrong ones.
pub struct VariablesSet<'c> {
    setters: &'c Setters<'c>,
    dominators: Option<&'c DominatorTree>,
    /// For variables with several setters: the states reachable without passing one.
    unset_regions: Names<FixedBitSet>,
}

/// Maps keyed by variable name, hashed with foldhash (randomly seeded) rather than SipHash:
/// on a 100,000-state flow SipHash was 2.5 % of the run.
type Names<T> = foldhash::HashMap<String, T>;

/// Variables with several setters whose unset region is worked out, per flow.
pub const MAX_UNSET_REGIONS: usize = 64;

impl<'c> VariablesSet<'c> {
    /// `setters` are the flow's (see [`setters_by_variable`]); `read` names the variables
    /// whose reads will be asked about.
    pub fn compute<'r>(
        graph: &FlowGraph,
        setters: &'c Setters<'c>,
        dominators: Option<&'c DominatorTree>,
        read: impl IntoIterator<Item = &'r str>,
    ) -> VariablesSet<'c> {
        let mut unset_regions = Names::default();
        for name in read {
            match setters.get(name) {
                Some(nodes)
                    if nodes.len() > 1
                        && unset_regions.len() < MAX_UNSET_REGIONS
                        && !unset_regions.contains_key(name) =>
                {
                    unset_regions.insert(name.to_string(), reachable_avoiding(graph, nodes));
                }
                _ => {}
            }
        }
        VariablesSet {
            setters,
            dominators,
            unset_regions,
        }
    }

    /// Whether `name` is set anywhere in the flow.
    pub fn is_ever_set(&self, name: &str) -> bool {
        self.setters.contains_key(name)
    }

    /// Whether `name` is certainly set when `state` starts.
    pub fn is_set_before(&self, state: StateId, name: &str) -> bool {
        let Some(nodes) = self.setters.get(name) else {
            return false;
        };
        let reader = state.node();
        match (nodes.as_slice(), self.unset_regions.get(name)) {
            ([only], _) => {
                *only != reader
                    && self
                        .dominators
                        .as_ref()
                        .is_some_and(|d| d.dominates(*only, reader))
            }
            (_, Some(region)) => !region.contains(state.index()),
            // Past the budget: not worked out, so nothing is claimed.
            _ => true,
        }
    }
}

/// The states reachable from the start along paths that never run one of `avoid`.
fn reachable_avoiding(graph: &FlowGraph, avoid: &[NodeIndex]) -> FixedBitSet {
    let count = graph.graph.node_count();
    let mut seen = FixedBitSet::with_capacity(count);
    for node in avoid {
        seen.insert(node.index());
    }
    let mut reached = FixedBitSet::with_capacity(count);
    let mut stack: Vec<NodeIndex> = graph
        .root
        .into_iter()
        .filter(|r| !seen.put(r.index()))
        .collect();
    while let Some(node) = stack.pop() {
        reached.insert(node.index());
        for next in graph.graph.neighbors(node) {
            if !seen.put(next.index()) {
                stack.push(next);
            }
        }
    }
    reached
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A start that branches: one branch sets every variable twice, the other sets nothing,
    /// and both meet at `reader`.
    fn branching_flow(variables: usize) -> Flow {
        let keys: Vec<_> = (0..variables)
            .map(|i| serde_json::json!({"key": format!("v{i}"), "value": "x"}))
            .collect();
        let setter = |name: &str, next: &str| {
            serde_json::json!({"name": name, "type": "set-variables",
                "properties": {"variables": keys}, "transitions": [{"event": "next", "next": next}]})
        };
        let definition = serde_json::json!({"initial_state": "Trigger", "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingMessage", "next": "first"}, {"event": "incomingCall", "next": "reader"}]},
            setter("first", "second"),
            setter("second", "reader"),
            {"name": "reader", "type": "say-play", "properties": {"say": "hi"}, "transitions": []}
        ]});
        crate::flow::load_text("t.json".into(), definition.to_string())
            .flow
            .expect("the test flow loads")
    }

    #[test]
    fn unset_regions_are_bounded_and_claim_nothing_past_the_bound() {
        let flow = branching_flow(MAX_UNSET_REGIONS + 1);
        let graph = FlowGraph::build(&flow);
        let dominators = DominatorTree::compute(&graph);
        let names: Vec<String> = (0..=MAX_UNSET_REGIONS).map(|i| format!("v{i}")).collect();
        let setters = setters_by_variable(&flow);
        let set = VariablesSet::compute(
            &graph,
            &setters,
            dominators.as_ref(),
            names.iter().map(String::as_str),
        );
        let reader = StateId::new(3);
        assert!(
            !set.is_set_before(reader, "v0"),
            "worked out: a path skips both setters"
        );
        let last = format!("v{MAX_UNSET_REGIONS}");
        assert!(
            set.is_set_before(reader, &last),
            "past the bound nothing is claimed"
        );
    }
}
