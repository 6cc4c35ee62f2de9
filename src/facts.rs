//! The facts about one flow that rules and diagrams share: reachability, Liquid references,
//! loops, dominators, channels. Each is computed on first use and kept for the others.

use std::cell::{Cell, OnceCell};

use petgraph::graph::NodeIndex;

use crate::catalog::{self, Role};
use crate::channels::Channels;
use crate::conditions::{self, Split};
use crate::dataflow::{self, DominatorTree};
use crate::flow::{Flow, SourceText, State, StateId};
use crate::graph::FlowGraph;
use crate::liquid::{LiquidText, References};
use crate::loops;
use crate::suggest::{self, Nearest};

/// Name comparisons a flow may spend on "did you mean" suggestions (see [`Facts::nearest`]).
const SUGGESTION_BUDGET: usize = 250_000;

/// Whether a flow has anything to say to a project: it runs subflows (run-subflow widgets)
/// or is one (its trigger's `incomingParent` is connected). Only such flows' Liquid is read
/// again for the project summary.
pub fn takes_part_in_project(flow: &Flow) -> bool {
    flow.states.iter().any(|s| {
        catalog::role(&s.kind) == Role::Subflow
            || s.connected()
                .any(|(t, _)| t.event == catalog::trigger_event::PARENT)
    })
}

/// A flow under analysis with the facts several rules and the diagrams need, each computed
/// once, on first use.
pub struct Facts<'a> {
    pub flow: &'a Flow,
    pub graph: &'a FlowGraph,
    /// The file's text, for rules that look inside string values (Liquid).
    pub source: &'a SourceText,
    reachable: OnceCell<Vec<bool>>,
    splits: OnceCell<Vec<Split<'a>>>,
    liquid_texts: OnceCell<Vec<LiquidText>>,
    references: OnceCell<References>,
    cycles: OnceCell<Vec<Vec<NodeIndex>>>,
    closed_cycles: OnceCell<Vec<Vec<NodeIndex>>>,
    dominators: OnceCell<Option<DominatorTree>>,
    channels: OnceCell<Channels>,
    cycle_of: OnceCell<Vec<Option<usize>>>,
    spinning_cycles: OnceCell<Vec<Vec<NodeIndex>>>,
    variable_setters: OnceCell<dataflow::Setters<'a>>,
    suggestions_left: Cell<usize>,
}

impl<'a> Facts<'a> {
    pub fn new(flow: &'a Flow, graph: &'a FlowGraph, source: &'a SourceText) -> Self {
        Facts {
            flow,
            graph,
            source,
            reachable: OnceCell::new(),
            splits: OnceCell::new(),
            liquid_texts: OnceCell::new(),
            references: OnceCell::new(),
            cycles: OnceCell::new(),
            closed_cycles: OnceCell::new(),
            dominators: OnceCell::new(),
            channels: OnceCell::new(),
            cycle_of: OnceCell::new(),
            spinning_cycles: OnceCell::new(),
            variable_setters: OnceCell::new(),
            suggestions_left: Cell::new(SUGGESTION_BUDGET),
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

    /// Every split-based-on widget with its conditions (see [`conditions::splits`]); five
    /// rules read them.
    pub fn splits(&self) -> &[Split<'a>] {
        self.splits.get_or_init(|| conditions::splits(self.flow))
    }

    /// Every string that holds Liquid (see [`crate::liquid::liquid_texts`]).
    pub fn liquid_texts(&self) -> &[LiquidText] {
        self.liquid_texts
            .get_or_init(|| crate::liquid::liquid_texts(self.flow))
    }

    /// The flow's Liquid references, kept past the facts (for the project summary); found
    /// now when no rule asked for them.
    pub fn into_references(self) -> References {
        if let Some(references) = self.references.into_inner() {
            return references;
        }
        let texts = self
            .liquid_texts
            .into_inner()
            .unwrap_or_else(|| crate::liquid::liquid_texts(self.flow));
        crate::liquid::references(self.flow, &self.source.text, &texts)
    }

    /// Every Liquid reference in the flow (see [`crate::liquid::references`]).
    pub fn references(&self) -> &References {
        self.references.get_or_init(|| {
            crate::liquid::references(self.flow, &self.source.text, self.liquid_texts())
        })
    }

    /// The strongly connected sets of states that hold a cycle (see [`FlowGraph::cycles`]):
    /// the closed cycles and the cycle of each state both start from them.
    pub fn cycles(&self) -> &[Vec<NodeIndex>] {
        self.cycles.get_or_init(|| self.graph.cycles())
    }

    /// The reachable cycles no event leaves (see [`loops::find_closed_cycles`]).
    pub fn closed_cycles(&self) -> &[Vec<NodeIndex>] {
        self.closed_cycles.get_or_init(|| {
            loops::find_closed_cycles(self.flow, self.graph, self.cycles(), self.reachable())
        })
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

    /// Every flow variable's set-variables widgets (see [`dataflow::setters_by_variable`]).
    pub fn variable_setters(&self) -> &dataflow::Setters<'a> {
        self.variable_setters
            .get_or_init(|| dataflow::setters_by_variable(self.flow))
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
            for (i, scc) in self.cycles().iter().enumerate() {
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

    /// [`suggest::nearest`] within the flow's budget. Each lookup compares the name with
    /// every candidate, so thousands of misspelt names in a big flow would cost names ×
    /// states; once the budget is spent, findings go without a suggestion.
    pub fn nearest<'c>(
        &self,
        name: &str,
        candidates: impl IntoIterator<Item = &'c str>,
    ) -> Nearest<'c> {
        let left = self.suggestions_left.get();
        if left == 0 {
            return Nearest::default();
        }
        let candidates: Vec<&str> = candidates.into_iter().collect();
        if candidates.len() > left {
            // Spent: later lookups return at once instead of gathering candidates again.
            self.suggestions_left.set(0);
            return Nearest::default();
        }
        self.suggestions_left.set(left - candidates.len());
        suggest::nearest(name, candidates)
    }

    /// "`a`, `b`, `c`", at most `limit` names of states, in file order.
    pub fn describe(&self, states: &[NodeIndex], limit: usize) -> String {
        loops::describe(self.flow, states, limit)
    }
}
