//! The rule contract: metadata, severities, the context rules read, and what they report.

use std::cell::OnceCell;
use std::fmt;

use crate::channels::Channels;
use crate::dataflow::DominatorTree;
use crate::flow::json::Span;
use crate::flow::{Flow, SourceText, State};
use crate::graph::FlowGraph;
use crate::liquid::Reference;
use petgraph::graph::NodeIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule is: its stable id, default severity, one-line summary and full doc.
#[derive(Debug)]
pub struct RuleMeta {
    /// Kebab-case and stable once released.
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// Markdown: What it does / Why is this bad? / Example / How to fix.
    pub doc: &'static str,
}

/// A check over one flow.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>);
}

/// Everything a rule may read about the flow under analysis, with the facts several rules
/// need computed once, on first use.
pub struct Context<'a> {
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
}

impl<'a> Context<'a> {
    pub fn new(flow: &'a Flow, graph: &'a FlowGraph, source: &'a SourceText) -> Self {
        Context {
            flow,
            graph,
            source,
            reachable: OnceCell::new(),
            references: OnceCell::new(),
            closed_cycles: OnceCell::new(),
            dominators: OnceCell::new(),
            channels: OnceCell::new(),
            cycle_of: OnceCell::new(),
        }
    }

    pub fn state(&self, index: usize) -> &State {
        &self.flow.states[index]
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

    /// The reachable cycles no event leaves (see [`crate::loops::find_closed_cycles`]); both
    /// loop rules and the diagrams ask.
    pub fn closed_cycles(&self) -> &[Vec<NodeIndex>] {
        self.closed_cycles
            .get_or_init(|| crate::loops::find_closed_cycles(self))
    }

    /// The dominator tree from the start, `None` without a start; the Liquid rules share it.
    pub fn dominators(&self) -> Option<&DominatorTree> {
        self.dominators
            .get_or_init(|| DominatorTree::compute(self))
            .as_ref()
    }

    /// Which kinds of execution reach each state (see [`Channels`]).
    pub fn channels(&self) -> &Channels {
        self.channels
            .get_or_init(|| Channels::compute(self.flow, self.graph))
    }

    /// Whether `a` and `b` lie on a common cycle (one strongly connected set of states).
    pub fn same_cycle(&self, a: NodeIndex, b: NodeIndex) -> bool {
        self.cycle_of(a).is_some() && self.cycle_of(a) == self.cycle_of(b)
    }

    /// Which cycle (strongly connected set of states with a cycle) `node` lies on, if any.
    pub fn cycle_of(&self, node: NodeIndex) -> Option<usize> {
        let cycle_of = self.cycle_of.get_or_init(|| {
            let mut cycle_of = vec![None; self.graph.graph.node_count()];
            for (i, scc) in self.graph.cycles().iter().enumerate() {
                for node in scc {
                    cycle_of[node.index()] = Some(i);
                }
            }
            cycle_of
        });
        cycle_of[node.index()]
    }

    /// A finding about a Liquid reference: underlines the name inside its string.
    pub fn at_reference(
        &self,
        meta: &RuleMeta,
        reference: &Reference,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(meta, &reference.pointer, message)
            .anchor(Anchor::Bytes(reference.span.clone()))
            .state(&self.state(reference.state).name)
    }
}

/// Which part of the value at the pointer a finding underlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// The whole value.
    Value,
    /// The member's key (`"name"` in `"name": "x"`); falls back to the value.
    Key,
    /// Only the first character of the value (the `{` of a large object).
    Start,
    /// An exact byte range inside the value, such as a name inside a Liquid expression.
    Bytes(Span),
}

/// A second place shown beside a finding, such as the first of two duplicate names.
#[derive(Debug, Clone)]
pub struct Related {
    pub pointer: String,
    pub label: String,
}

/// One finding, located by JSON Pointer; the reporters turn it into line:column.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    /// The widget the finding is about; `None` for flow-level findings.
    pub state: Option<String>,
    pub event: Option<String>,
    pub pointer: String,
    pub anchor: Anchor,
    pub related: Vec<Related>,
}

impl Diagnostic {
    pub fn new(meta: &RuleMeta, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            rule: meta.id,
            severity: meta.severity,
            message: message.into(),
            help: None,
            state: None,
            event: None,
            pointer: pointer.into(),
            anchor: Anchor::Value,
            related: Vec::new(),
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn state(mut self, state: &str) -> Self {
        self.state = Some(state.to_string());
        self
    }

    pub fn event(mut self, event: &str) -> Self {
        self.event = Some(event.to_string());
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn anchor(mut self, anchor: Anchor) -> Self {
        self.anchor = anchor;
        self
    }

    pub fn related(mut self, pointer: impl Into<String>, label: impl Into<String>) -> Self {
        self.related.push(Related {
            pointer: pointer.into(),
            label: label.into(),
        });
        self
    }
}
