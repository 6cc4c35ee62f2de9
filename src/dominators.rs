//! Dominator trees in near-linear time: the Semi-NCA algorithm (Georgiadis, Tarjan and
//! Werneck), iterative throughout so that a 100,000-state chain cannot overflow the stack.
//! petgraph's `simple_fast` (Cooper, Harvey and Kennedy) is quadratic on some graphs, such as
//! ladders, and took a third of the run on a generated 100,000-state IVR.
//!
//! Cost: one depth-first search, then O(m log n) for the semidominators with path
//! compression, then the nearest-common-ancestor pass, linear in practice.

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

/// What the computation reads of a graph: its nodes, numbered densely, and both edge lists.
pub trait Digraph {
    fn node_count(&self) -> usize;
    fn successors(&self, node: u32) -> impl Iterator<Item = u32>;
    fn predecessors(&self, node: u32) -> impl Iterator<Item = u32>;
}

impl<N, E> Digraph for DiGraph<N, E> {
    fn node_count(&self) -> usize {
        DiGraph::node_count(self)
    }

    fn successors(&self, node: u32) -> impl Iterator<Item = u32> {
        self.neighbors(NodeIndex::new(node as usize))
            .map(|n| n.index() as u32)
    }

    fn predecessors(&self, node: u32) -> impl Iterator<Item = u32> {
        self.neighbors_directed(NodeIndex::new(node as usize), Direction::Incoming)
            .map(|n| n.index() as u32)
    }
}

/// A graph built only to be dominated: both edge lists packed, 8 bytes a node and 8 an
/// edge, where a petgraph graph takes 8 and 16 and links its lists through every edge.
pub struct Adjacency {
    successor_start: Vec<u32>,
    successors: Vec<u32>,
    predecessor_start: Vec<u32>,
    predecessors: Vec<u32>,
}

impl Adjacency {
    /// The graph of `nodes` nodes with the edges `(from, to)`; each list keeps the edges'
    /// order.
    pub fn new(nodes: usize, edges: &[(u32, u32)]) -> Adjacency {
        let (successor_start, successors) = grouped(nodes, edges.iter().copied());
        let reversed = edges.iter().map(|&(from, to)| (to, from));
        let (predecessor_start, predecessors) = grouped(nodes, reversed);
        Adjacency {
            successor_start,
            successors,
            predecessor_start,
            predecessors,
        }
    }
}

/// Edges grouped by their first node with a counting sort: where each group starts, then
/// the second nodes, in the edges' order. The first node `i`'s group is
/// `targets[start[i]..start[i + 1]]`.
pub(crate) fn grouped(
    nodes: usize,
    edges: impl Iterator<Item = (u32, u32)> + Clone,
) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; nodes + 1];
    for (from, _) in edges.clone() {
        start[from as usize + 1] += 1;
    }
    for i in 0..nodes {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut targets = vec![0u32; start[nodes] as usize];
    for (from, to) in edges {
        targets[next[from as usize] as usize] = to;
        next[from as usize] += 1;
    }
    (start, targets)
}

impl Digraph for Adjacency {
    fn node_count(&self) -> usize {
        self.successor_start.len() - 1
    }

    fn successors(&self, node: u32) -> impl Iterator<Item = u32> {
        let range = self.successor_start[node as usize]..self.successor_start[node as usize + 1];
        self.successors[range.start as usize..range.end as usize]
            .iter()
            .copied()
    }

    fn predecessors(&self, node: u32) -> impl Iterator<Item = u32> {
        let range =
            self.predecessor_start[node as usize]..self.predecessor_start[node as usize + 1];
        self.predecessors[range.start as usize..range.end as usize]
            .iter()
            .copied()
    }
}

/// Immediate dominators of the nodes reachable from a root.
#[derive(Debug)]
pub struct Dominators {
    root: NodeIndex,
    /// By node: its immediate dominator, or `NONE` for the root and unreached nodes.
    idom: Vec<u32>,
}

impl Dominators {
    /// The node that every path from the root to `node` passes last before it; `None` for
    /// the root and for nodes the root does not reach.
    pub fn immediate_dominator(&self, node: NodeIndex) -> Option<NodeIndex> {
        if node == self.root {
            return None;
        }
        let idom = *self.idom.get(node.index())?;
        (idom != NONE).then(|| NodeIndex::new(idom as usize))
    }
}

const NONE: u32 = u32::MAX;

/// The dominators of `graph` from `root`. Node numbers are `u32`, as petgraph's are: 28
/// bytes of working memory a node.
pub fn compute(graph: &impl Digraph, root: NodeIndex) -> Dominators {
    let order = preorder(graph, root.index() as u32);
    let n = order.vertex.len();
    let mut semi: Vec<u32> = (0..n as u32).collect();
    let mut forest = Forest::new(n);
    for w in (1..n).rev() {
        for pred in graph.predecessors(order.vertex[w]) {
            let v = order.number[pred as usize];
            if v == NONE {
                continue;
            }
            let candidate = if v as usize <= w {
                v
            } else {
                semi[forest.eval(v, &semi) as usize]
            };
            semi[w] = semi[w].min(candidate);
        }
        forest.ancestor[w] = order.parent[w];
    }
    drop(forest);
    // Nearest common ancestor pass: walk up from the DFS parent until above the semidominator.
    let mut idom = order.parent;
    for w in 1..n {
        while idom[w] > semi[w] {
            idom[w] = idom[idom[w] as usize];
        }
    }
    drop(semi);
    let mut by_node = order.number;
    by_node.fill(NONE);
    for w in 1..n {
        by_node[order.vertex[w] as usize] = order.vertex[idom[w] as usize];
    }
    Dominators {
        root,
        idom: by_node,
    }
}

/// A depth-first numbering from the root: `vertex[i]` is the node numbered `i`, `number` the
/// reverse map (`NONE` when unreached), `parent[i]` the number of its tree parent.
struct Preorder {
    vertex: Vec<u32>,
    number: Vec<u32>,
    parent: Vec<u32>,
}

fn preorder(graph: &impl Digraph, root: u32) -> Preorder {
    let mut order = Preorder {
        vertex: Vec::new(),
        number: vec![NONE; graph.node_count()],
        parent: Vec::new(),
    };
    if root as usize >= graph.node_count() {
        return order;
    }
    // (node, parent number): a node is numbered when popped, as a recursive search would.
    let mut stack = vec![(root, 0)];
    let mut children = Vec::new();
    while let Some((node, parent)) = stack.pop() {
        if order.number[node as usize] != NONE {
            continue;
        }
        let number = order.vertex.len() as u32;
        order.number[node as usize] = number;
        order.vertex.push(node);
        order.parent.push(parent);
        children.extend(graph.successors(node));
        // Reversed, so that the first neighbour is searched first.
        for child in children.drain(..).rev() {
            if order.number[child as usize] == NONE {
                stack.push((child, number));
            }
        }
    }
    order
}

/// The ancestor forest of the semidominator pass, by DFS number, with a scratch path kept
/// between calls.
struct Forest {
    ancestor: Vec<u32>,
    label: Vec<u32>,
    path: Vec<usize>,
}

impl Forest {
    /// `n` vertices, each its own tree.
    fn new(n: usize) -> Forest {
        Forest {
            ancestor: vec![NONE; n],
            label: (0..n as u32).collect(),
            path: Vec::new(),
        }
    }

    /// The vertex with the smallest semidominator on the path from `v` up the forest,
    /// compressing the path as it goes (without recursion).
    fn eval(&mut self, v: u32, semi: &[u32]) -> u32 {
        let (ancestor, label) = (&mut self.ancestor, &mut self.label);
        let v = v as usize;
        if ancestor[v] == NONE {
            return label[v];
        }
        self.path.clear();
        let mut x = v;
        while ancestor[x] != NONE && ancestor[ancestor[x] as usize] != NONE {
            self.path.push(x);
            x = ancestor[x] as usize;
        }
        for &x in self.path.iter().rev() {
            let a = ancestor[x] as usize;
            if semi[label[a] as usize] < semi[label[x] as usize] {
                label[x] = label[a];
            }
            ancestor[x] = ancestor[a];
        }
        label[v]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use petgraph::algo::dominators::simple_fast;

    /// A small deterministic generator, so the test needs no crate and repeats exactly.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n.max(1)
        }
    }

    fn agree(graph: &DiGraph<(), ()>, root: NodeIndex) {
        let ours = compute(graph, root);
        let edges: Vec<(u32, u32)> = graph
            .raw_edges()
            .iter()
            .map(|e| (e.source().index() as u32, e.target().index() as u32))
            .collect();
        let packed = compute(&Adjacency::new(graph.node_count(), &edges), root);
        let reference = simple_fast(graph, root);
        for node in graph.node_indices() {
            let expected = reference.immediate_dominator(node);
            let context = format!("node {} of {:?}", node.index(), graph);
            assert_eq!(ours.immediate_dominator(node), expected, "{context}");
            assert_eq!(
                packed.immediate_dominator(node),
                expected,
                "packed: {context}"
            );
        }
    }

    #[test]
    fn agrees_with_petgraph_on_random_graphs() {
        let mut random = Lcg(7);
        for case in 0..2000 {
            let nodes = 1 + random.below(12);
            let mut graph = DiGraph::<(), ()>::new();
            for _ in 0..nodes {
                graph.add_node(());
            }
            for _ in 0..random.below(nodes * 3) {
                let (a, b) = (random.below(nodes), random.below(nodes));
                graph.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
            }
            agree(&graph, NodeIndex::new(case % nodes));
        }
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let mut graph = DiGraph::<(), ()>::new();
        let nodes: Vec<NodeIndex> = (0..200_000).map(|_| graph.add_node(())).collect();
        for pair in nodes.windows(2) {
            graph.add_edge(pair[0], pair[1], ());
        }
        let doms = compute(&graph, nodes[0]);
        assert_eq!(
            doms.immediate_dominator(nodes[199_999]),
            Some(nodes[199_998])
        );
    }
}
