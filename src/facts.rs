//! The facts about one flow that rules and diagrams share: reachability, Liquid references,
//! loops, dominators, channels. Each is computed on first use and kept for the others.

use std::cell::OnceCell;

use petgraph::graph::NodeIndex;

use crate::channels::Channels;
use crate::dataflow::DominatorTree;
use crate::flow::{Flow, SourceText, State, StateId};
use crate::graph::FlowGraph;
use crate::liquid::Reference;
use crate::loops;

/// A flow under analysis with the facts several rules and the diagrams need, each computed
/// once, on first use.
pub struct Facts<'a> {
    pub flow: &'a Flow,
    pub graph: &'a FlowGraph,
    /// The file's text, for rules that look inside string values (Liquid).
    pub source: &'a SourceText,
    reachable: OnceCell<Vec<bool>>,
    references: OnceCell<Vec<Reference>>,
    closed_cycles: OnceCell<Vec<Vec<NodeIndex>>>,
    dominators: OnceCell<Option<DominatorTree>>,
    channels: OnceCell<Channels>,
    cycle_of: OnceCell<Vec<Option<usize>>>,
    spinning_cycles: OnceCell<Vec<Vec<NodeIndex>>>,
}

impl<'a> Facts<'a> {
    pub fn new(flow: &'a Flow, graph: &'a FlowGraph, source: &'a SourceText) -> Self {
        Facts {
            flow,
            graph,
            source,
            reachable: OnceCell::new(),
            references: OnceCell::new(),
            closed_cycles: OnceCell::new(),
            dominators: OnceCell::new(),
            channels: OnceCell::new(),
            cycle_of: OnceCell::new(),
            spinning_cycles: OnceCell::new(),
        }
    }

    /// The state with this id (a node of the graph converts too).
    pub fn state(&self, id: impl Into<StateId>) -> &State {
        self.flow.state(id)
    }

    /// Which states the start reaches (see [`FlowGraph::reachable`]).
    pub fn reachable(&self) -> &[bool] {
        self.reachable.get_or_init(|| self.graph.reachable())
    }

    /// Every Liquid reference in the flow (see [`crate::liquid::references`]).
    pub fn references(&self) -> &[Reference] {
        self.references
            .get_or_init(|| crate::liquid::references(self.flow, &self.source.text))
    }

    /// The reachable cycles no event leaves (see [`loops::find_closed_cycles`]).
    pub fn closed_cycles(&self) -> &[Vec<NodeIndex>] {
        self.closed_cycles
            .get_or_init(|| loops::find_closed_cycles(self.flow, self.graph, self.reachable()))
    }

    /// The dominator tree from the start, `None` without a start; the Liquid rules share it.
    pub fn dominators(&self) -> Option<&DominatorTree> {
        self.dominators
            .get_or_init(|| DominatorTree::compute(self.graph))
            .as_ref()
    }

    /// Which kinds of execution reach each state (see [`Channels`]).
    pub fn channels(&self) -> &Channels {
        self.channels
            .get_or_init(|| Channels::compute(self.flow, self.graph))
    }

    /// Whether `a` and `b` lie on a common cycle (one strongly connected set of states).
    pub fn same_cycle(&self, a: impl Into<StateId>, b: impl Into<StateId>) -> bool {
        let (a, b) = (a.into(), b.into());
        self.cycle_of(a).is_some() && self.cycle_of(a) == self.cycle_of(b)
    }

    /// Which cycle (strongly connected set of states with a cycle) a state lies on, if any.
    pub fn cycle_of(&self, state: impl Into<StateId>) -> Option<usize> {
        let cycle_of = self.cycle_of.get_or_init(|| {
            let mut cycle_of = vec![None; self.graph.graph.node_count()];
            for (i, scc) in self.graph.cycles().iter().enumerate() {
                for node in scc {
                    cycle_of[node.index()] = Some(i);
                }
            }
            cycle_of
        });
        cycle_of[state.into().index()]
    }

    /// The reachable cycles of widgets that wait on nothing and that some event leaves (see
    /// [`loops::spinning_cycles`]).
    pub fn spinning_cycles(&self) -> &[Vec<NodeIndex>] {
        self.spinning_cycles.get_or_init(|| {
            loops::spinning_cycles(
                self.flow,
                self.graph,
                self.reachable(),
                self.closed_cycles(),
            )
        })
    }

    /// "`a`, `b`, `c`", at most `limit` names of states, in file order.
    pub fn describe(&self, states: &[NodeIndex], limit: usize) -> String {
        loops::describe(self.flow, states, limit)
    }
}
