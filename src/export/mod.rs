//! Diagrams of a flow for docs and review: DOT, SVG and Mermaid, with findings drawn on.
//!
//! Every format renders the same [`Diagram`], so what a reader sees does not depend on the
//! format; each format only escapes and styles.

pub mod changes;
pub mod dot;
pub mod mermaid;
pub mod svg;

use crate::analyze::{FileReport, Finding};
use crate::catalog::{self, Category};
use crate::flow::Flow;
use crate::graph::FlowGraph;
use crate::rule::{Severity, Subject};

/// How a state looks because of its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Clean,
    Warning,
    Error,
    /// Unreachable wins over the rest: nothing else about a dead widget matters much.
    Unreachable,
}

#[derive(Debug, Clone)]
pub struct DiagramNode {
    pub name: String,
    pub kind: String,
    /// `None` for widget types the catalog does not know.
    pub category: Option<Category>,
    pub status: Status,
    /// The findings about this state, one per line.
    pub notes: Vec<String>,
    /// `properties.offset`: where the author placed the widget on the Studio canvas.
    pub offset: Option<(f64, f64)>,
}

#[derive(Debug, Clone)]
pub struct DiagramEdge {
    pub from: usize,
    pub to: usize,
    pub label: String,
    /// Part of a loop that a loop rule reported.
    pub in_loop: bool,
}

/// An unconnected required event: drawn as a dashed edge to an "end" marker.
#[derive(Debug, Clone)]
pub struct DiagramDrop {
    pub from: usize,
    pub event: String,
}

#[derive(Debug, Clone)]
pub struct Diagram {
    pub title: String,
    pub nodes: Vec<DiagramNode>,
    pub edges: Vec<DiagramEdge>,
    pub drops: Vec<DiagramDrop>,
    /// Whether findings are drawn (and so whether a legend is useful).
    pub with_findings: bool,
}

impl Diagram {
    /// The diagram of an analysed flow, with its findings drawn on unless `with_findings` is
    /// false; `None` when the flow did not load.
    pub fn build(title: &str, report: &FileReport, with_findings: bool) -> Option<Diagram> {
        let flow = report.flow.as_ref()?;
        let graph = FlowGraph::build(flow);
        let mut nodes: Vec<DiagramNode> = flow
            .states
            .iter()
            .map(|s| DiagramNode {
                name: s.name.clone(),
                kind: s.kind.clone(),
                category: catalog::widget(&s.kind).map(|w| w.category),
                status: Status::Clean,
                notes: Vec::new(),
                offset: offset(flow, s),
            })
            .collect();
        let mut edges = edges(flow, &graph);
        let mut drops = Vec::new();
        if with_findings {
            mark_findings(flow, &mut nodes, &mut drops, &report.findings);
            mark_loops(flow, &mut edges, &report.findings);
        }
        Some(Diagram {
            title: title.to_string(),
            nodes,
            edges,
            drops,
            with_findings,
        })
    }

    /// Whether every widget has a canvas position (for `--layout studio`).
    pub fn has_studio_layout(&self) -> bool {
        !self.nodes.is_empty() && self.nodes.iter().all(|n| n.offset.is_some())
    }
}

fn offset(flow: &Flow, state: &crate::flow::State) -> Option<(f64, f64)> {
    let offset = flow.properties(state)?.get("offset")?;
    let number = |key: &str| offset.get(key)?.as_f64().filter(|v| v.is_finite());
    Some((number("x")?, number("y")?))
}

fn edges(flow: &Flow, graph: &FlowGraph) -> Vec<DiagramEdge> {
    graph
        .graph
        .edge_indices()
        .filter_map(|e| {
            let (from, to) = graph.graph.edge_endpoints(e)?;
            let from = graph.state_index(from);
            let transition = &flow.states[from].transitions[graph.edge(e).transition];
            Some(DiagramEdge {
                from,
                to: graph.state_index(to),
                label: edge_label(flow, transition),
                in_loop: false,
            })
        })
        .collect()
}

/// The event, or for a split's `match` the friendly name of its condition.
fn edge_label(flow: &Flow, transition: &crate::flow::Transition) -> String {
    let friendly = flow
        .node(&format!(
            "{}/conditions/0/friendly_name",
            transition.pointer
        ))
        .and_then(|n| n.as_str())
        .filter(|s| !s.is_empty());
    match friendly {
        Some(name) if transition.event == catalog::MATCH => name.to_string(),
        _ => transition.event.clone(),
    }
}

fn mark_findings(
    flow: &Flow,
    nodes: &mut [DiagramNode],
    drops: &mut Vec<DiagramDrop>,
    findings: &[Finding],
) {
    for finding in findings {
        let d = &finding.diagnostic;
        let Some(index) = state_index(flow, &d.pointer) else {
            continue;
        };
        let node = &mut nodes[index];
        node.notes.push(format!("{}: {}", d.rule, d.message));
        let status = match (&d.subject, d.severity) {
            (Subject::Unreachable { .. }, _) => Status::Unreachable,
            (_, Severity::Error) => Status::Error,
            (_, Severity::Warning) => Status::Warning,
            (_, Severity::Info) => Status::Clean,
        };
        node.status = node.status.max(status);
        if let Subject::DroppedEvent { state, event } = &d.subject {
            drops.push(DiagramDrop {
                from: *state,
                event: event.clone(),
            });
        }
    }
}

/// The state a pointer lies in (`<base>/states/<i>/…`); exact even with duplicate names.
fn state_index(flow: &Flow, pointer: &str) -> Option<usize> {
    let rest = pointer.strip_prefix(&flow.base)?.strip_prefix("/states/")?;
    let index = rest.split('/').next()?.parse::<usize>().ok()?;
    (index < flow.states.len()).then_some(index)
}

/// Draws bold the edges inside each loop a finding reports.
fn mark_loops(flow: &Flow, edges: &mut [DiagramEdge], findings: &[Finding]) {
    let mut in_loop = vec![None; flow.states.len()];
    let loops = findings.iter().filter_map(|f| match &f.diagnostic.subject {
        Subject::Loop { states } => Some(states),
        _ => None,
    });
    for (id, states) in loops.enumerate() {
        for &state in states {
            if let Some(slot) = in_loop.get_mut(state) {
                *slot = Some(id);
            }
        }
    }
    for edge in edges {
        edge.in_loop = in_loop[edge.from].is_some() && in_loop[edge.from] == in_loop[edge.to];
    }
}

/// The legend lines: what each colour and line style means.
pub const LEGEND: &[(&str, &str)] = &[
    ("error", "red outline: a state with an error"),
    ("warning", "orange outline: a state with a warning"),
    ("unreachable", "grey and dashed: never runs"),
    ("loop", "bold edges: a loop a rule reported"),
    (
        "drop",
        "dashed edge to end: an unconnected event that ends the flow",
    ),
];
