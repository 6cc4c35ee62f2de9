//! Changes drawn on top of a flow's diagram (for `flowcheck diff`), in every format: added
//! widgets filled green, changed ones amber, removed ones as grey dashed ghosts with the
//! edges they had, rewired edges bold blue and the targets they had as grey dashed edges.
//! Findings stay as the diagram draws them.
//!
//! This module only adds to a [`Diagram`] and to what the format renderers print; it does
//! not change how a plain diagram is drawn.

use std::collections::HashSet;

use graphviz_rust::dot_structures::{
    Attribute, EdgeTy, Graph, GraphAttributes, Id, Node, NodeId, Stmt, Subgraph, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};

use super::dot::{self, Layout};
use super::graphviz::{self, Limits};
use super::svg::{self, Renderer};
use super::{Diagram, DiagramEdge, DiagramNode, Status, mermaid};
use crate::catalog;

/// What changed, in terms of the diagram's nodes (its flow's states, in order).
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub added: Vec<usize>,
    pub changed: Vec<usize>,
    /// Renamed nodes and their old names.
    pub renamed: Vec<(usize, String)>,
    /// Edges of the diagram whose transition leads somewhere new.
    pub rewired: Vec<EdgeMark>,
    /// Widgets the change removes, drawn after the diagram's nodes.
    pub ghosts: Vec<Ghost>,
    /// Transitions as they were: to or from removed widgets, and the old targets of rewired
    /// transitions.
    pub ghost_edges: Vec<GhostEdge>,
}

/// A transition of the diagram's flow: the state and the transition's index in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EdgeMark {
    pub from: usize,
    pub transition: usize,
}

#[derive(Debug, Clone)]
pub struct Ghost {
    pub name: String,
    pub kind: String,
}

/// A node of the diagram, or a ghost (an index into [`Changes::ghosts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Node(usize),
    Ghost(usize),
}

#[derive(Debug, Clone)]
pub struct GhostEdge {
    pub from: End,
    pub to: End,
    pub label: String,
}

const ADDED_FILL: &str = "#a5d6a7";
const CHANGED_FILL: &str = "#ffe082";
const REWIRED: &str = "#1565c0";
const GHOST: &str = "#9e9e9e";

/// What the colours of a diff diagram mean.
pub const CHANGES_LEGEND: &[(&str, &str)] = &[
    ("added", "green: added"),
    ("changed", "amber: changed or renamed"),
    ("removed", "grey dashed: removed"),
    ("rewired", "blue edge: rewired"),
    ("before", "grey dashed edge: where it led before"),
];

/// The label a ghost edge carries: its event, marked as the past.
fn ghost_label(label: &str) -> String {
    format!("{label} (before)")
}

/// The diagram with the ghosts and their edges added as nodes and edges (ghosts drawn as
/// widgets that never run) and the changed widgets' labels saying what happened.
pub fn apply(diagram: &Diagram, changes: &Changes) -> Diagram {
    let mut out = diagram.clone();
    let count = out.nodes.len();
    let mark = |nodes: &mut Vec<DiagramNode>, index: usize, what: &str| {
        if let Some(node) = nodes.get_mut(index) {
            node.kind = format!("{} ({what})", node.kind);
        }
    };
    for &index in &changes.added {
        mark(&mut out.nodes, index, "added");
        if let Some(node) = out.nodes.get_mut(index) {
            node.notes.push("added by this change".to_string());
        }
    }
    for &index in &changes.changed {
        mark(&mut out.nodes, index, "changed");
        if let Some(node) = out.nodes.get_mut(index) {
            node.notes.push("changed by this change".to_string());
        }
    }
    for (index, old) in &changes.renamed {
        if let Some(node) = out.nodes.get_mut(*index) {
            node.name = format!("{}\n(was {old})", node.name);
        }
    }
    for ghost in &changes.ghosts {
        out.nodes.push(DiagramNode {
            name: ghost.name.clone(),
            kind: format!("{} (removed)", ghost.kind),
            category: catalog::widget(&ghost.kind).map(|w| w.category),
            status: Status::Unreachable,
            notes: vec!["removed by this change".to_string()],
            findings: Vec::new(),
            offset: None,
        });
    }
    let at = |end: End| match end {
        End::Node(i) => i,
        End::Ghost(k) => count + k,
    };
    for edge in &changes.ghost_edges {
        let (from, to) = (at(edge.from), at(edge.to));
        if from < out.nodes.len() && to < out.nodes.len() {
            out.edges.push(DiagramEdge {
                from,
                to,
                // Not a transition of the diagram's flow.
                transition: usize::MAX,
                label: ghost_label(&edge.label),
                in_loop: false,
                never_fires: false,
                findings: Vec::new(),
            });
        }
    }
    out
}

/// Edges by their ends and the text their label shows.
type EdgeSet = HashSet<(usize, usize, String)>;

/// The edges of the decorated diagram to draw as rewired, and as they were before the
/// change (the ghost edges, added last), by their ends and label text.
fn edge_sets(decorated: &Diagram, diagram: &Diagram, changes: &Changes) -> (EdgeSet, EdgeSet) {
    let marked: HashSet<EdgeMark> = changes.rewired.iter().copied().collect();
    let key = |e: &DiagramEdge| (e.from, e.to, Diagram::edge_text(e));
    let rewired = decorated.edges[..diagram.edges.len()]
        .iter()
        .filter(|e| {
            marked.contains(&EdgeMark {
                from: e.from,
                transition: e.transition,
            })
        })
        .map(key)
        .collect();
    let before = decorated.edges[diagram.edges.len()..]
        .iter()
        .map(key)
        .collect();
    (rewired, before)
}

/// DOT of the diagram with the changes drawn on.
pub fn dot(diagram: &Diagram, changes: &Changes) -> String {
    let decorated = apply(diagram, changes);
    let mut graph = dot::build(&decorated, Layout::Auto);
    let (rewired, before) = edge_sets(&decorated, diagram, changes);
    let stmts = match &mut graph {
        Graph::DiGraph { stmts, .. } | Graph::Graph { stmts, .. } => stmts,
    };
    for stmt in stmts.iter_mut() {
        let Stmt::Edge(edge) = stmt else { continue };
        let EdgeTy::Pair(Vertex::N(from), Vertex::N(to)) = &edge.ty else {
            continue;
        };
        let (Some(from), Some(to)) = (node_index(from), node_index(to)) else {
            continue;
        };
        let Some(label) = edge
            .attributes
            .iter()
            .find(|a| a.0 == plain("label"))
            .map(|a| a.1.clone())
        else {
            continue;
        };
        let is = |set: &EdgeSet| {
            set.iter()
                .any(|(f, t, l)| *f == from && *t == to && dot::quoted(l) == label)
        };
        if is(&rewired) {
            edge.attributes.extend([
                attr("color", REWIRED),
                attr("fontcolor", REWIRED),
                attr("penwidth", "2.5"),
            ]);
        } else if is(&before) {
            edge.attributes.extend([
                attr("color", GHOST),
                attr("fontcolor", GHOST),
                attr("style", "dashed"),
            ]);
        }
    }
    // A node statement repeated later sets more attributes of the same node.
    for (indexes, fill) in [
        (&changes.added, ADDED_FILL),
        (&changes.changed, CHANGED_FILL),
    ] {
        for &index in indexes.iter().filter(|&&i| i < diagram.nodes.len()) {
            stmts.push(Stmt::Node(Node::new(
                NodeId(plain(&format!("s{index}")), None),
                vec![attr("fillcolor", fill)],
            )));
        }
    }
    stmts.push(legend());
    let mut text = graph.print(&mut PrinterContext::default());
    text.push('\n');
    text
}

/// SVG through Graphviz; without it, the built-in layout draws the ghosts (as widgets that
/// never run) but not the colours.
pub fn svg(diagram: &Diagram, changes: &Changes) -> Result<(String, Renderer), String> {
    if svg::graphviz_available() {
        let output = graphviz::run(dot(diagram, changes), &["-Tsvg"], &Limits::none())
            .map_err(|e| e.to_string())?;
        let text =
            String::from_utf8(output).map_err(|_| "Graphviz produced invalid UTF-8".to_string())?;
        return Ok((text, Renderer::Graphviz));
    }
    svg::render_builtin(&apply(diagram, changes)).map(|text| (text, Renderer::BuiltIn))
}

/// Mermaid of the diagram with the changes drawn on.
pub fn mermaid(diagram: &Diagram, changes: &Changes) -> String {
    use std::fmt::Write;
    let decorated = apply(diagram, changes);
    let mut out = mermaid::render(&decorated);
    let (rewired, before) = edge_sets(&decorated, diagram, changes);
    let line_of = |(from, to, label): &(usize, usize, String), arrow: &str| {
        format!("s{from} {arrow}|\"{}\"| s{to}", mermaid::text(label))
    };
    let wanted = |set: &EdgeSet| -> HashSet<String> {
        set.iter()
            .flat_map(|e| [line_of(e, "-->"), line_of(e, "==>"), line_of(e, "-.->")])
            .collect()
    };
    let (rewired, before) = (wanted(&rewired), wanted(&before));
    // Mermaid numbers links in the order they are written.
    let mut link = 0;
    let (mut rewired_links, mut before_links) = (Vec::new(), Vec::new());
    for line in out.lines().map(str::trim) {
        if !["-->|\"", "==>|\"", "-.->|\""]
            .iter()
            .any(|a| line.contains(a))
        {
            continue;
        }
        if rewired.contains(line) {
            rewired_links.push(link.to_string());
        } else if before.contains(line) {
            before_links.push(link.to_string());
        }
        link += 1;
    }
    let _ = writeln!(out, "  classDef added fill:{ADDED_FILL}");
    let _ = writeln!(out, "  classDef changed fill:{CHANGED_FILL}");
    for (indexes, class) in [(&changes.added, "added"), (&changes.changed, "changed")] {
        for &index in indexes.iter().filter(|&&i| i < diagram.nodes.len()) {
            let _ = writeln!(out, "  class s{index} {class}");
        }
    }
    if !rewired_links.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:{REWIRED},stroke-width:3px,color:{REWIRED}",
            rewired_links.join(",")
        );
    }
    if !before_links.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:{GHOST},stroke-dasharray:4 4,color:{GHOST}",
            before_links.join(",")
        );
    }
    out.push_str("  subgraph changes_legend [\"Changes\"]\n");
    for (key, description) in CHANGES_LEGEND {
        let _ = writeln!(out, "    changes_{key}[\"{}\"]", mermaid::text(description));
    }
    out.push_str("  end\n");
    let _ = writeln!(out, "  class changes_added added");
    let _ = writeln!(out, "  class changes_changed changed");
    let _ = writeln!(out, "  class changes_removed unreachable");
    let _ = writeln!(
        out,
        "  style changes_rewired stroke:{REWIRED},color:{REWIRED}"
    );
    let _ = writeln!(
        out,
        "  style changes_before stroke:{GHOST},color:{GHOST},stroke-dasharray:4 4"
    );
    out
}

/// The legend of the changes, beside the findings' legend; its text is fixed here.
fn legend() -> Stmt {
    let swatch = |key: &str| match key {
        "added" => format!("<font color=\"{ADDED_FILL}\">&#9632;</font>"),
        "changed" => format!("<font color=\"{CHANGED_FILL}\">&#9632;</font>"),
        "removed" => format!("<font color=\"{GHOST}\">&#9633;</font>"),
        "rewired" => format!("<font color=\"{REWIRED}\"><b>&#10230;</b></font>"),
        _ => format!("<font color=\"{GHOST}\">&#8674;</font>"),
    };
    let rows: String = CHANGES_LEGEND
        .iter()
        .map(|(key, text)| {
            format!(
                "<tr><td align=\"center\">{}</td><td align=\"left\">{text}</td></tr>",
                swatch(key)
            )
        })
        .collect();
    let table = format!(
        "<<table border=\"1\" style=\"rounded\" color=\"{GHOST}\" cellborder=\"0\" \
         cellspacing=\"2\" cellpadding=\"2\">\
         <tr><td colspan=\"2\" align=\"left\"><b>Changes</b></td></tr>{rows}</table>>"
    );
    let node = Stmt::Node(Node::new(
        NodeId(plain("changes_legend"), None),
        vec![
            Attribute(plain("label"), Id::Html(table)),
            attr("shape", "plain"),
            attr("style", "solid"),
            attr("fontsize", "9"),
        ],
    ));
    // At the bottom, beside the diagram's own legend and findings table.
    Stmt::Subgraph(Subgraph {
        id: plain("changes_tables"),
        stmts: vec![
            Stmt::GAttribute(GraphAttributes::Graph(vec![attr("rank", "sink")])),
            node,
        ],
    })
}

/// The state index of a node id `s<index>`.
fn node_index(id: &NodeId) -> Option<usize> {
    match &id.0 {
        Id::Plain(text) => text.strip_prefix('s')?.parse().ok(),
        _ => None,
    }
}

fn plain(text: &str) -> Id {
    Id::Plain(text.to_string())
}

fn attr(key: &str, value: &str) -> Attribute {
    Attribute(plain(key), dot::quoted(value))
}
