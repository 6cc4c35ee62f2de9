//! Diagrams of a flow for docs and review: DOT, SVG, PNG, PDF and Mermaid, with findings
//! drawn on.
//!
//! Every format renders the same [`Diagram`], so what a reader sees does not depend on the
//! format; each format only escapes and styles. Findings are numbered: the numbers stand on
//! the widgets and transitions they are about, and a findings table in the picture says what
//! each one is, so the diagram reads the same where tooltips and comments are not shown
//! (GitHub shows neither).

pub mod builtin;
pub mod changes;
pub mod dot;
pub mod graphviz;
pub mod mermaid;
pub mod svg;

use crate::analyze::{FileReport, Finding};
use crate::catalog::{self, Category};
use crate::flow::{Flow, MemberPath, StateId};
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
    /// The findings about this state, one per line: `[n] rule: message`.
    pub notes: Vec<String>,
    /// The numbers of the findings about this state (in the findings table).
    pub findings: Vec<usize>,
    /// `properties.offset`: where the author placed the widget on the Studio canvas.
    pub offset: Option<(f64, f64)>,
}

#[derive(Debug, Clone)]
pub struct DiagramEdge {
    pub from: usize,
    pub to: usize,
    /// The index of the transition in the source state.
    pub transition: usize,
    pub label: String,
    /// Part of a loop that a loop rule reported.
    pub in_loop: bool,
    /// A finding says this transition never fires: the widget never emits its event.
    pub never_fires: bool,
    /// The numbers of the findings about this transition.
    pub findings: Vec<usize>,
}

/// An unconnected required event: drawn as a dashed edge to an "end" marker.
#[derive(Debug, Clone)]
pub struct DiagramDrop {
    pub from: usize,
    pub event: String,
    /// The finding's severity: an error is red, a warning orange.
    pub severity: Severity,
    pub findings: Vec<usize>,
}

/// A transition whose `next` names no state: an edge to a "missing" node.
#[derive(Debug, Clone)]
pub struct DiagramDangling {
    pub from: usize,
    /// Index into [`Diagram::missing`].
    pub to: usize,
    /// The index of the transition in the source state.
    pub transition: usize,
    pub label: String,
    pub findings: Vec<usize>,
    /// The worst severity of the findings about the transition; `None` when none is drawn
    /// (findings off, the rule off, or a `${…}` placeholder filled in before upload).
    pub severity: Option<Severity>,
}

/// A state name that transitions lead to but no state has.
#[derive(Debug, Clone)]
pub struct DiagramMissing {
    pub name: String,
    /// The worst severity over the transitions that lead here.
    pub severity: Option<Severity>,
}

/// One finding as the findings table lists it.
#[derive(Debug, Clone)]
pub struct DiagramFinding {
    /// 1-based, in the report's order (by position in the file).
    pub number: usize,
    pub severity: Severity,
    pub rule: String,
    /// The widget it is about; `None` for the flow as a whole.
    pub place: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Diagram {
    pub title: String,
    pub nodes: Vec<DiagramNode>,
    pub edges: Vec<DiagramEdge>,
    pub drops: Vec<DiagramDrop>,
    pub dangling: Vec<DiagramDangling>,
    pub missing: Vec<DiagramMissing>,
    /// Every finding drawn, numbered; empty without findings.
    pub findings: Vec<DiagramFinding>,
    /// Whether findings are drawn (and so whether a legend is useful).
    pub with_findings: bool,
}

impl Diagram {
    /// The diagram of an analysed flow, with its findings drawn on unless `with_findings` is
    /// false; `None` when the flow did not load.
    pub fn build(title: &str, report: &FileReport, with_findings: bool) -> Option<Diagram> {
        let flow = report.flow.as_ref()?;
        let graph = FlowGraph::build(flow);
        let nodes: Vec<DiagramNode> = flow
            .states
            .iter()
            .map(|s| DiagramNode {
                name: s.name.clone(),
                kind: s.kind.clone(),
                category: catalog::widget(&s.kind).map(|w| w.category),
                status: Status::Clean,
                notes: Vec::new(),
                findings: Vec::new(),
                offset: offset(flow, s),
            })
            .collect();
        let (dangling, missing) = dangling(flow, &graph);
        let mut diagram = Diagram {
            title: title.to_string(),
            nodes,
            edges: edges(flow, &graph),
            drops: Vec::new(),
            dangling,
            missing,
            findings: Vec::new(),
            with_findings,
        };
        if with_findings {
            diagram.mark_findings(flow, &report.findings);
            mark_loops(flow, &mut diagram.edges, &report.findings);
        }
        Some(diagram)
    }

    /// Whether every widget has a canvas position (for `--layout studio`).
    pub fn has_studio_layout(&self) -> bool {
        !self.nodes.is_empty() && self.nodes.iter().all(|n| n.offset.is_some())
    }

    /// Where every node goes with `--layout studio`, in canvas units (points, y down);
    /// `None` unless every widget has an offset.
    pub fn studio_layout(&self) -> Option<StudioLayout> {
        if !self.has_studio_layout() {
            return None;
        }
        let states: Vec<(f64, f64)> = self.nodes.iter().filter_map(|n| n.offset).collect();
        // Ends and missing states stand to the right of the widget they leave, one under
        // the other, where the Studio canvas shows the transition's handle.
        let mut extras = vec![0usize; states.len()];
        let mut beside = |from: usize| {
            let Some(&(x, y)) = states.get(from) else {
                return (0.0, 0.0);
            };
            let k = extras[from];
            extras[from] += 1;
            (x + STUDIO_BESIDE.0, y + STUDIO_BESIDE.1 * k as f64)
        };
        let drops = self.drops.iter().map(|d| beside(d.from)).collect();
        let mut missing = vec![None; self.missing.len()];
        for d in &self.dangling {
            let place = beside(d.from);
            missing[d.to].get_or_insert(place);
        }
        let missing = missing.into_iter().map(Option::unwrap_or_default).collect();
        let left = states.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let bottom = states.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        Some(StudioLayout {
            states,
            drops,
            missing,
            below: (left, bottom + STUDIO_BELOW),
        })
    }

    /// Numbers every finding, attaches it to its widget and transition, and styles them.
    fn mark_findings(&mut self, flow: &Flow, findings: &[Finding]) {
        for (i, finding) in findings.iter().enumerate() {
            let number = i + 1;
            let d = &finding.diagnostic;
            let place = flow.state_at_pointer(&finding.pointer).map(StateId::index);
            self.findings.push(DiagramFinding {
                number,
                severity: d.severity,
                rule: d.rule.to_string(),
                place: place.map(|i| display_name(&flow.states[i].name, i)),
                message: d.message.clone(),
            });
            let Some(index) = place else {
                continue;
            };
            let node = &mut self.nodes[index];
            node.notes
                .push(format!("[{number}] {}: {}", d.rule, d.message));
            node.findings.push(number);
            let status = match (&d.subject, d.severity) {
                (Subject::Unreachable { .. }, _) => Status::Unreachable,
                (_, Severity::Error) => Status::Error,
                (_, Severity::Warning) => Status::Warning,
                (_, Severity::Info) => Status::Clean,
            };
            node.status = node.status.max(status);
            if let Subject::DroppedEvent { state, event } = &d.subject {
                self.drops.push(DiagramDrop {
                    from: state.index(),
                    event: event.clone(),
                    severity: d.severity,
                    findings: vec![number],
                });
                continue;
            }
            let Some(transition) = transition_index(flow, index, &finding.pointer) else {
                continue;
            };
            if let Some(edge) = self
                .edges
                .iter_mut()
                .find(|e| e.from == index && e.transition == transition)
            {
                edge.findings.push(number);
                // A transition a finding is about whose event the widget never emits.
                let state = &flow.states[index];
                let event = &state.transitions[transition].event;
                if catalog::widget(&state.kind).is_some_and(|w| !w.emits(event)) {
                    edge.never_fires = true;
                }
            }
            if let Some(g) = self
                .dangling
                .iter_mut()
                .find(|g| g.from == index && g.transition == transition)
            {
                g.findings.push(number);
                g.severity = g.severity.max(Some(d.severity));
                let missing = &mut self.missing[g.to];
                missing.severity = missing.severity.max(Some(d.severity));
            }
        }
    }

    /// The numbers of the findings as a label suffix: ` [1] [3]`.
    pub fn numbers(findings: &[usize]) -> String {
        findings.iter().map(|n| format!(" [{n}]")).collect()
    }

    /// The text of a transition's label: the event, whether it fires, and finding numbers.
    pub fn edge_text(edge: &DiagramEdge) -> String {
        let never = if edge.never_fires {
            " (never fires)"
        } else {
            ""
        };
        format!("{}{never}{}", edge.label, Self::numbers(&edge.findings))
    }

    /// A node's finding numbers, a few to a line.
    pub fn node_numbers(node: &DiagramNode) -> Vec<String> {
        node.findings
            .chunks(6)
            .map(|chunk| Self::numbers(chunk).trim_start().to_string())
            .collect()
    }
}

/// Where `--layout studio` puts the nodes, in canvas units with y growing downwards.
#[derive(Debug, Clone)]
pub struct StudioLayout {
    pub states: Vec<(f64, f64)>,
    pub drops: Vec<(f64, f64)>,
    pub missing: Vec<(f64, f64)>,
    /// The top-left corner of the space under the flow, for the legend and findings table.
    pub below: (f64, f64),
}

/// How far from its widget an end or missing marker stands, and how far apart they stack.
const STUDIO_BESIDE: (f64, f64) = (260.0, 50.0);
/// How far under the lowest widget the legend and the findings table start.
const STUDIO_BELOW: f64 = 150.0;

fn display_name(name: &str, index: usize) -> String {
    if name.is_empty() {
        format!("state #{index}")
    } else {
        name.to_string()
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
            let from = StateId::from(from).index();
            let index = graph.edge(e).transition;
            let transition = &flow.states[from].transitions[index];
            Some(DiagramEdge {
                from,
                to: StateId::from(to).index(),
                transition: index,
                label: edge_label(flow, transition),
                in_loop: false,
                never_fires: false,
                findings: Vec::new(),
            })
        })
        .collect()
}

/// The transitions whose `next` names no state, and the names they lead to, in order of
/// first use.
fn dangling(flow: &Flow, graph: &FlowGraph) -> (Vec<DiagramDangling>, Vec<DiagramMissing>) {
    let mut dangling = Vec::new();
    let mut missing: Vec<DiagramMissing> = Vec::new();
    for (from, state) in flow.states.iter().enumerate() {
        for (index, transition) in state.transitions.iter().enumerate() {
            let Some(next) = transition.next.as_deref() else {
                continue;
            };
            if graph.contains(next) {
                continue;
            }
            let to = match missing.iter().position(|m| m.name == next) {
                Some(to) => to,
                None => {
                    missing.push(DiagramMissing {
                        name: next.to_string(),
                        severity: None,
                    });
                    missing.len() - 1
                }
            };
            dangling.push(DiagramDangling {
                from,
                to,
                transition: index,
                label: transition.event.clone(),
                findings: Vec::new(),
                severity: None,
            });
        }
    }
    (dangling, missing)
}

/// The event, or for a split's `match` the friendly name of its condition.
fn edge_label(flow: &Flow, transition: &crate::flow::Transition) -> String {
    let friendly = flow
        .value(&transition.member(MemberPath::from("conditions").index(0).key("friendly_name")))
        .and_then(|n| n.as_str())
        .filter(|s| !s.is_empty());
    match friendly {
        Some(name) if transition.event == catalog::MATCH => name.to_string(),
        _ => transition.event.clone(),
    }
}

/// The transition of state `index` a pointer lies in (`…/transitions/<j>/…`).
fn transition_index(flow: &Flow, index: usize, pointer: &str) -> Option<usize> {
    let state = &flow.states[index];
    let rest = pointer
        .strip_prefix(&flow.pointer(&state.location()))?
        .strip_prefix("/transitions/")?;
    let j = rest.split('/').next()?.parse::<usize>().ok()?;
    (j < state.transitions.len()).then_some(j)
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
            if let Some(slot) = in_loop.get_mut(state.index()) {
                *slot = Some(id);
            }
        }
    }
    for edge in edges {
        edge.in_loop = in_loop[edge.from].is_some() && in_loop[edge.from] == in_loop[edge.to];
    }
}

/// Colours shared by every format.
pub mod colors {
    pub const ERROR: &str = "#c62828";
    pub const WARNING: &str = "#ef6c00";
    pub const CLEAN: &str = "#546e7a";
    pub const UNREACHABLE: &str = "#9e9e9e";
    pub const UNREACHABLE_FILL: &str = "#f5f5f5";
    pub const UNREACHABLE_TEXT: &str = "#757575";
    pub const LOOP: &str = "#b71c1c";
    pub const EDGE: &str = "#37474f";
    pub const NEVER: &str = "#9e9e9e";
    pub const ERROR_FILL: &str = "#ffebee";
    pub const WARNING_FILL: &str = "#fff3e0";
    pub const NEUTRAL_FILL: &str = "#f5f5f5";
}

/// The stroke and fill of a finding-coloured marker (an end, a missing state).
pub fn severity_colors(severity: Option<Severity>) -> (&'static str, &'static str) {
    match severity {
        Some(Severity::Error) => (colors::ERROR, colors::ERROR_FILL),
        Some(Severity::Warning) => (colors::WARNING, colors::WARNING_FILL),
        _ => (colors::CLEAN, colors::NEUTRAL_FILL),
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
        "dashed edge to end: an unconnected event that ends the flow (red: error, orange: warning)",
    ),
    (
        "missing",
        "edge to a dashed box: `next` names a state that does not exist",
    ),
    ("never", "dotted grey edge: an event the widget never emits"),
    ("number", "[n]: finding n in the findings table"),
];

/// A message cut into lines of at most `width` characters, at spaces where it can be.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// How wide the findings table's message column is, in characters.
pub const MESSAGE_WIDTH: usize = 72;
