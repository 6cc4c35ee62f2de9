//! Graphviz DOT, built with graphviz-rust's syntax tree. Node ids are `s<index>`, so no
//! user text ever lands in an id; every label and tooltip is escaped here.

use graphviz_rust::dot_structures::{
    Attribute, Edge, EdgeTy, Graph, GraphAttributes, Id, Node, NodeId, Stmt, Subgraph, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};

use super::{Diagram, DiagramNode, LEGEND, Status};
use crate::catalog::Category;

/// How node positions are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Graphviz lays the flow out top to bottom.
    Auto,
    /// Pinned at the widgets' Studio canvas offsets (render with `neato -n`).
    Studio,
}

/// The diagram as DOT text.
pub fn render(diagram: &Diagram, layout: Layout) -> String {
    let mut text = build(diagram, layout).print(&mut PrinterContext::default());
    text.push('\n');
    text
}

/// The diagram as a graphviz-rust graph.
pub fn build(diagram: &Diagram, layout: Layout) -> Graph {
    let mut stmts = vec![
        Stmt::GAttribute(GraphAttributes::Graph(vec![
            attr("label", &diagram.title),
            attr("labelloc", "t"),
            attr("rankdir", "TB"),
            attr("fontname", "Helvetica"),
        ])),
        Stmt::GAttribute(GraphAttributes::Node(vec![
            attr("fontname", "Helvetica"),
            attr("fontsize", "11"),
            attr("shape", "box"),
            attr("style", "rounded,filled"),
        ])),
        Stmt::GAttribute(GraphAttributes::Edge(vec![
            attr("fontname", "Helvetica"),
            attr("fontsize", "9"),
        ])),
    ];
    let pinned = layout == Layout::Studio && diagram.has_studio_layout();
    for (i, node) in diagram.nodes.iter().enumerate() {
        stmts.push(Stmt::Node(Node::new(
            node_id(i),
            node_attributes(node, pinned),
        )));
    }
    for edge in &diagram.edges {
        let mut attributes = vec![attr("label", &edge.label)];
        if edge.in_loop {
            attributes.extend([attr("penwidth", "3"), attr("color", "#b71c1c")]);
        }
        stmts.push(edge_stmt(node_id(edge.from), node_id(edge.to), attributes));
    }
    for (k, drop) in diagram.drops.iter().enumerate() {
        let end = NodeId(plain(&format!("end{k}")), None);
        stmts.push(Stmt::Node(Node::new(
            end.clone(),
            vec![
                attr("label", "end"),
                attr("shape", "octagon"),
                attr("style", "filled"),
                attr("fillcolor", "#ffebee"),
                attr("color", "#c62828"),
                attr("fontsize", "8"),
                attr("width", "0.3"),
                attr("height", "0.2"),
                attr(
                    "tooltip",
                    &format!("`{}` is not connected: the flow ends here", drop.event),
                ),
            ],
        )));
        stmts.push(edge_stmt(
            node_id(drop.from),
            end,
            vec![
                attr("label", &drop.event),
                attr("style", "dashed"),
                attr("color", "#c62828"),
                attr("fontcolor", "#c62828"),
                attr("minlen", "1"),
            ],
        ));
    }
    if diagram.with_findings {
        stmts.push(legend());
    }
    Graph::DiGraph {
        id: plain("flow"),
        strict: false,
        stmts,
    }
}

fn node_attributes(node: &DiagramNode, pinned: bool) -> Vec<Attribute> {
    let (shape, fill) = look(node.category);
    let label = format!("{}\n{}", node.name, node.kind);
    let (style, fill, color, penwidth, fontcolor) = match node.status {
        Status::Clean => ("rounded,filled", fill, "#546e7a", "1", "#000000"),
        Status::Warning => ("rounded,filled", fill, "#ef6c00", "2.5", "#000000"),
        Status::Error => ("rounded,filled", fill, "#c62828", "2.5", "#000000"),
        Status::Unreachable => (
            "rounded,filled,dashed",
            "#f5f5f5",
            "#9e9e9e",
            "1",
            "#757575",
        ),
    };
    let mut attributes = vec![
        attr("label", &label),
        attr("shape", shape),
        attr("style", style),
        attr("fillcolor", fill),
        attr("color", color),
        attr("penwidth", penwidth),
        attr("fontcolor", fontcolor),
        attr("tooltip", &tooltip(node)),
    ];
    if let (true, Some((x, y))) = (pinned, node.offset) {
        // Studio's y grows downwards, Graphviz's upwards; points are 1/72 inch.
        attributes.push(attr("pos", &format!("{x},{}!", -y)));
    }
    attributes
}

/// Shape and fill colour by kind of widget.
pub fn look(category: Option<Category>) -> (&'static str, &'static str) {
    match category {
        Some(Category::Trigger) => ("oval", "#bbdefb"),
        Some(Category::Voice) => ("box", "#dcedc8"),
        Some(Category::Messaging) => ("box", "#fff9c4"),
        Some(Category::Logic) => ("hexagon", "#eceff1"),
        Some(Category::Integration) => ("box", "#e1bee7"),
        None => ("box", "#ffffff"),
    }
}

fn tooltip(node: &DiagramNode) -> String {
    let mut text = format!("{} ({})", node.name, node.kind);
    for note in &node.notes {
        text.push('\n');
        text.push_str(note);
    }
    text
}

/// A compact legend: one table-shaped node, its text fixed here (HTML-like labels are never
/// built from user text).
fn legend() -> Stmt {
    let swatch = |key: &str| match key {
        "error" => "<font color=\"#c62828\">&#9632;</font>",
        "warning" => "<font color=\"#ef6c00\">&#9632;</font>",
        "unreachable" => "<font color=\"#9e9e9e\">&#9633;</font>",
        "loop" => "<font color=\"#b71c1c\"><b>&#10230;</b></font>",
        _ => "<font color=\"#c62828\">&#8674;</font>",
    };
    let rows: String = LEGEND
        .iter()
        .map(|(key, text)| {
            format!(
                "<tr><td align=\"center\">{}</td><td align=\"left\">{text}</td></tr>",
                swatch(key)
            )
        })
        .collect();
    let table = format!(
        "<<table border=\"0\" cellborder=\"0\" cellspacing=\"2\" cellpadding=\"2\">\
         <tr><td colspan=\"2\" align=\"left\"><b>Legend</b></td></tr>{rows}</table>>"
    );
    let node = Node::new(
        NodeId(plain("legend"), None),
        vec![
            Attribute(plain("label"), Id::Html(table)),
            attr("shape", "plain"),
            attr("style", "solid"),
            attr("fontsize", "9"),
        ],
    );
    Stmt::Subgraph(Subgraph {
        id: plain("cluster_legend"),
        stmts: vec![
            Stmt::GAttribute(GraphAttributes::Graph(vec![
                attr("label", ""),
                attr("style", "dashed"),
                attr("color", "#9e9e9e"),
            ])),
            Stmt::Node(node),
        ],
    })
}

fn node_id(index: usize) -> NodeId {
    NodeId(plain(&format!("s{index}")), None)
}

fn edge_stmt(from: NodeId, to: NodeId, attributes: Vec<Attribute>) -> Stmt {
    Stmt::Edge(Edge {
        ty: EdgeTy::Pair(Vertex::N(from), Vertex::N(to)),
        attributes,
    })
}

fn plain(text: &str) -> Id {
    Id::Plain(text.to_string())
}

fn attr(key: &str, value: &str) -> Attribute {
    Attribute(plain(key), quoted(value))
}

/// A DOT double-quoted string. Backslashes are doubled so Graphviz's own escapes (`\N`,
/// `\l`, …) cannot be smuggled in; a line break becomes `\n`, which Graphviz draws as one.
pub fn quoted(text: &str) -> Id {
    let mut escaped = String::with_capacity(text.len() + 2);
    escaped.push('"');
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c if c.is_control() => escaped.push(' '),
            c => escaped.push(c),
        }
    }
    escaped.push('"');
    Id::Escaped(escaped)
}
