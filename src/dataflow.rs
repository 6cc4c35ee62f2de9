//! Data-flow facts over the flow graph, shared by the Liquid reference rules: which widgets
//! run on every path (dominators), a path that skips one, and which flow variables are
//! certainly set when a widget runs (a must-be-set analysis).

use std::collections::{HashMap, VecDeque};

use fixedbitset::FixedBitSet;
use petgraph::Direction;
use petgraph::algo::dominators::{self, Dominators};
use petgraph::graph::NodeIndex;

use crate::flow::{Flow, State};
use crate::rule::Context;

/// The dominator tree from the flow's start, numbered so that "does A run on every path
/// to B" is answered in constant time.
pub struct DominatorTree {
    /// Entry and exit times of a depth-first walk of the tree; `None` when unreachable.
    interval: Vec<Option<(usize, usize)>>,
}

impl DominatorTree {
    /// `None` when the flow has no start.
    pub fn compute(ctx: &Context) -> Option<DominatorTree> {
        let root = ctx.graph.root?;
        let dominators: Dominators<NodeIndex> = dominators::simple_fast(&ctx.graph.graph, root);
        let count = ctx.graph.graph.node_count();
        let mut children: Vec<Vec<NodeIndex>> = vec![Vec::new(); count];
        for node in ctx.graph.graph.node_indices() {
            if let Some(parent) = dominators.immediate_dominator(node) {
                children[parent.index()].push(node);
            }
        }
        let mut interval = vec![None; count];
        let mut clock = 0;
        // Iterative walk: (node, entered) pairs, so deep trees cannot overflow the stack.
        let mut stack = vec![(root, false)];
        let mut entry = vec![0; count];
        while let Some((node, done)) = stack.pop() {
            if done {
                interval[node.index()] = Some((entry[node.index()], clock));
                clock += 1;
                continue;
            }
            entry[node.index()] = clock;
            clock += 1;
            stack.push((node, true));
            stack.extend(children[node.index()].iter().map(|&c| (c, false)));
        }
        Some(DominatorTree { interval })
    }

    /// Whether `a` runs on every path from the start to `b` (every node dominates itself).
    pub fn dominates(&self, a: NodeIndex, b: NodeIndex) -> bool {
        match (self.interval[a.index()], self.interval[b.index()]) {
            (Some((a_in, a_out)), Some((b_in, b_out))) => a_in <= b_in && b_out <= a_out,
            _ => false,
        }
    }
}

/// Shortest paths from the start that never run `avoid`: a breadth-first tree as parent
/// links, so one search serves every reader of the same widget.
pub struct PathsAvoiding {
    parent: Vec<Option<NodeIndex>>,
    reached: FixedBitSet,
}

impl PathsAvoiding {
    pub fn new(ctx: &Context, avoid: NodeIndex) -> PathsAvoiding {
        let count = ctx.graph.graph.node_count();
        let mut parent = vec![None; count];
        let mut reached = FixedBitSet::with_capacity(count);
        if let Some(root) = ctx.graph.root.filter(|&r| r != avoid) {
            let mut seen = FixedBitSet::with_capacity(count);
            seen.insert(root.index());
            seen.insert(avoid.index());
            let mut queue = VecDeque::from([root]);
            while let Some(node) = queue.pop_front() {
                reached.insert(node.index());
                for next in ctx.graph.graph.neighbors(node) {
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

/// The keys a set-variables widget sets.
pub fn variables_set_by(flow: &Flow, state: &State) -> Vec<String> {
    if state.kind != "set-variables" {
        return Vec::new();
    }
    flow.properties(state)
        .and_then(|p| p.get("variables"))
        .and_then(|v| v.as_array())
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.get("key").and_then(|k| k.as_str()))
        .map(str::to_string)
        .collect()
}

/// For each state, the flow variables certainly set before it runs: set on every path from
/// the start. A forward "must" analysis (intersection over predecessors) run to a fixed
/// point with a worklist; each state's set only shrinks, so it terminates quickly.
pub struct VariablesSet {
    index: HashMap<String, usize>,
    before: Vec<FixedBitSet>,
}

impl VariablesSet {
    pub fn compute(ctx: &Context) -> VariablesSet {
        let states = &ctx.flow.states;
        let mut index = HashMap::new();
        let sets: Vec<Vec<usize>> = states
            .iter()
            .map(|s| {
                variables_set_by(ctx.flow, s)
                    .into_iter()
                    .map(|k| {
                        let next = index.len();
                        *index.entry(k).or_insert(next)
                    })
                    .collect()
            })
            .collect();
        let width = index.len();
        let mut full = FixedBitSet::with_capacity(width);
        full.insert_range(..);
        let mut before = vec![full; states.len()];
        let Some(root) = ctx.graph.root else {
            return VariablesSet { index, before };
        };
        before[root.index()] = FixedBitSet::with_capacity(width);
        let after = |before: &[FixedBitSet], n: NodeIndex| {
            let mut out = before[n.index()].clone();
            for &v in &sets[ctx.graph.state_index(n)] {
                out.insert(v);
            }
            out
        };
        let reachable = ctx.reachable();
        let mut queue: VecDeque<NodeIndex> = ctx.graph.graph.neighbors(root).collect();
        while let Some(node) = queue.pop_front() {
            if node == root {
                continue;
            }
            let mut meet = FixedBitSet::with_capacity(width);
            meet.insert_range(..);
            for pred in ctx
                .graph
                .graph
                .neighbors_directed(node, Direction::Incoming)
            {
                if reachable[pred.index()] {
                    meet.intersect_with(&after(&before, pred));
                }
            }
            if meet != before[node.index()] {
                before[node.index()] = meet;
                queue.extend(ctx.graph.graph.neighbors(node));
            }
        }
        VariablesSet { index, before }
    }

    /// Whether `name` is set anywhere in the flow.
    pub fn is_ever_set(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// Whether `name` is certainly set when `state` starts.
    pub fn is_set_before(&self, state: usize, name: &str) -> bool {
        self.index
            .get(name)
            .is_some_and(|&v| self.before[state].contains(v))
    }
}
