//! Graphviz DOT, built with graphviz-rust's syntax tree. Node ids are `s<index>` (states),
//! `end<k>` (unconnected events), `missing<k>` (states that transitions name but the flow
//! lacks), `legend` and `findings`, so no user text ever lands in an id; every label and
//! tooltip is escaped here, and the HTML-like tables escape their text with [`html`].

use graphviz_rust::dot_structures::{
    Attribute, Edge, EdgeTy, Graph, GraphAttributes, Id, Node, NodeId, Stmt, Subgraph, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};

use super::{
    Diagram, DiagramNode, LEGEND, MESSAGE_WIDTH, Status, StudioLayout, colors, severity_colors,
    wrap,
};
use crate::catalog::Category;
use crate::rule::Severity;

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

/// The diagram as a graphviz-rust graph. With `Layout::Studio` (and an offset on every
/// widget) every node, the markers and tables included, carries a pinned `pos`, as
/// `neato -n` requires.
pub fn build(diagram: &Diagram, layout: Layout) -> Graph {
    let studio = match layout {
        Layout::Studio => diagram.studio_layout(),
        Layout::Auto => None,
    };
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
    for (i, node) in diagram.nodes.iter().enumerate() {
        let mut attributes = node_attributes(node);
        if let Some(p) = studio.as_ref().map(|s| pos(s.states[i])) {
            attributes.push(p);
        }
        stmts.push(Stmt::Node(Node::new(node_id(i), attributes)));
    }
    for edge in &diagram.edges {
        let mut attributes = vec![attr("label", &Diagram::edge_text(edge))];
        if edge.in_loop {
            attributes.extend([attr("penwidth", "3"), attr("color", colors::LOOP)]);
        } else if edge.never_fires {
            attributes.extend([
                attr("style", "dotted"),
                attr("color", colors::NEVER),
                attr("fontcolor", colors::UNREACHABLE_TEXT),
            ]);
        }
        stmts.push(edge_stmt(node_id(edge.from), node_id(edge.to), attributes));
    }
    for (k, drop) in diagram.drops.iter().enumerate() {
        let end = NodeId(plain(&format!("end{k}")), None);
        let (stroke, fill) = severity_colors(Some(drop.severity));
        let mut attributes = vec![
            attr("label", "end"),
            attr("shape", "octagon"),
            attr("style", "filled"),
            attr("fillcolor", fill),
            attr("color", stroke),
            attr("fontsize", "8"),
            attr("width", "0.3"),
            attr("height", "0.2"),
            attr(
                "tooltip",
                &format!("`{}` is not connected: the flow ends here", drop.event),
            ),
        ];
        if let Some(p) = studio.as_ref().map(|s| pos(s.drops[k])) {
            attributes.push(p);
        }
        stmts.push(Stmt::Node(Node::new(end.clone(), attributes)));
        stmts.push(edge_stmt(
            node_id(drop.from),
            end,
            vec![
                attr(
                    "label",
                    &format!("{}{}", drop.event, Diagram::numbers(&drop.findings)),
                ),
                attr("style", "dashed"),
                attr("color", stroke),
                attr("fontcolor", stroke),
                attr("minlen", "1"),
            ],
        ));
    }
    for (k, missing) in diagram.missing.iter().enumerate() {
        let (stroke, fill) = severity_colors(missing.severity);
        let mut attributes = vec![
            attr("label", &format!("{}\nno such state", missing.name)),
            attr("shape", "box"),
            attr("style", "dashed,filled"),
            attr("fillcolor", fill),
            attr("color", stroke),
            attr("fontcolor", stroke),
            attr("fontsize", "9"),
            attr("tooltip", &format!("no state is named `{}`", missing.name)),
        ];
        if let Some(p) = studio.as_ref().map(|s| pos(s.missing[k])) {
            attributes.push(p);
        }
        stmts.push(Stmt::Node(Node::new(missing_id(k), attributes)));
    }
    for dangling in &diagram.dangling {
        let (stroke, _) = severity_colors(dangling.severity);
        stmts.push(edge_stmt(
            node_id(dangling.from),
            missing_id(dangling.to),
            vec![
                attr(
                    "label",
                    &format!("{}{}", dangling.label, Diagram::numbers(&dangling.findings)),
                ),
                attr("color", stroke),
                attr("fontcolor", stroke),
            ],
        ));
    }
    if diagram.with_findings {
        let mut tables = vec![table_node("legend", legend_table())];
        if !diagram.findings.is_empty() {
            tables.push(table_node("findings", findings_table(diagram)));
        }
        match &studio {
            Some(layout) => {
                for (node, place) in tables.into_iter().zip(table_places(diagram, layout)) {
                    let Stmt::Node(mut node) = node else { continue };
                    node.attributes.push(pos(place));
                    stmts.push(Stmt::Node(node));
                }
            }
            // Under the flow, side by side.
            None => {
                let mut inner = vec![Stmt::GAttribute(GraphAttributes::Graph(vec![attr(
                    "rank", "sink",
                )]))];
                inner.extend(tables);
                stmts.push(Stmt::Subgraph(Subgraph {
                    id: plain("tables"),
                    stmts: inner,
                }));
            }
        }
    }
    Graph::DiGraph {
        id: plain("flow"),
        strict: false,
        stmts,
    }
}

/// A node position for `neato -n`: canvas y grows downwards, Graphviz's upwards; points.
fn pos((x, y): (f64, f64)) -> Attribute {
    attr("pos", &format!("{x},{}!", -y))
}

/// The centres of the legend and the findings table under a pinned flow, side by side, from
/// an estimate of their size (Helvetica 9 pt: about 5 pt a character, 13 pt a line).
fn table_places(diagram: &Diagram, layout: &StudioLayout) -> [(f64, f64); 2] {
    let (left, top) = layout.below;
    let legend_width = LEGEND.iter().map(|(_, t)| t.len()).max().unwrap_or(0) as f64 * 4.5 + 20.0;
    let legend_height = (LEGEND.len() + 1) as f64 * 14.0;
    let (rows, width) = findings_extent(diagram);
    let table_width = width as f64 * 5.0 + 60.0;
    let table_height = (rows + 1) as f64 * 13.0 + 10.0;
    let table_left = left + legend_width + 60.0;
    [
        (left + legend_width / 2.0, top + legend_height / 2.0),
        (table_left + table_width / 2.0, top + table_height / 2.0),
    ]
}

/// Lines in the findings table, and its widest row in characters.
pub fn findings_extent(diagram: &Diagram) -> (usize, usize) {
    let mut rows = 0;
    let mut width = 0;
    for f in &diagram.findings {
        let lines = wrap(&f.message, MESSAGE_WIDTH);
        rows += lines.len();
        let message = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let place = f.place.as_deref().unwrap_or("flow").chars().count();
        width = width.max(6 + 8 + f.rule.len() + place + message);
    }
    (rows, width)
}

fn node_attributes(node: &DiagramNode) -> Vec<Attribute> {
    let (shape, fill) = look(node.category);
    let mut label = format!("{}\n{}", node.name, node.kind);
    for line in Diagram::node_numbers(node) {
        label.push('\n');
        label.push_str(&line);
    }
    let (style, fill, color, penwidth, fontcolor) = match node.status {
        Status::Clean => ("rounded,filled", fill, colors::CLEAN, "1", "#000000"),
        Status::Warning => ("rounded,filled", fill, colors::WARNING, "2.5", "#000000"),
        Status::Error => ("rounded,filled", fill, colors::ERROR, "2.5", "#000000"),
        Status::Unreachable => (
            "rounded,filled,dashed",
            colors::UNREACHABLE_FILL,
            colors::UNREACHABLE,
            "1",
            colors::UNREACHABLE_TEXT,
        ),
    };
    vec![
        attr("label", &label),
        attr("shape", shape),
        attr("style", style),
        attr("fillcolor", fill),
        attr("color", color),
        attr("penwidth", penwidth),
        attr("fontcolor", fontcolor),
        attr("tooltip", &tooltip(node)),
    ]
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

/// A state's tooltip: its name and type, then its findings one per line.
pub fn tooltip(node: &DiagramNode) -> String {
    let mut text = format!("{} ({})", node.name, node.kind);
    for note in &node.notes {
        text.push('\n');
        text.push_str(note);
    }
    text
}

fn table_node(id: &str, table: String) -> Stmt {
    Stmt::Node(Node::new(
        NodeId(plain(id), None),
        vec![
            Attribute(plain("label"), Id::Html(table)),
            attr("shape", "plain"),
            attr("style", "solid"),
            attr("fontsize", "9"),
        ],
    ))
}

/// The legend: what each colour and line style means. Its text is fixed here.
fn legend_table() -> String {
    let swatch = |key: &str| match key {
        "error" => format!("<font color=\"{}\">&#9632;</font>", colors::ERROR),
        "warning" => format!("<font color=\"{}\">&#9632;</font>", colors::WARNING),
        "unreachable" => format!("<font color=\"{}\">&#9633;</font>", colors::UNREACHABLE),
        "loop" => format!("<font color=\"{}\"><b>&#10230;</b></font>", colors::LOOP),
        "missing" => format!("<font color=\"{}\">&#9633;</font>", colors::ERROR),
        "never" => format!("<font color=\"{}\">&#8230;</font>", colors::NEVER),
        "number" => "[n]".to_string(),
        _ => format!("<font color=\"{}\">&#8674;</font>", colors::ERROR),
    };
    let rows: String = LEGEND
        .iter()
        .map(|(key, text)| {
            format!(
                "<tr><td align=\"center\">{}</td><td align=\"left\">{}</td></tr>",
                swatch(key),
                html(text)
            )
        })
        .collect();
    format!(
        "<<table border=\"1\" style=\"rounded\" color=\"{}\" cellborder=\"0\" cellspacing=\"2\" \
         cellpadding=\"2\"><tr><td colspan=\"2\" align=\"left\"><b>Legend</b></td></tr>{rows}\
         </table>>",
        colors::UNREACHABLE
    )
}

/// The findings table: number, severity, rule, widget and message of every finding. Every
/// piece of text from the flow goes through [`html`].
fn findings_table(diagram: &Diagram) -> String {
    let mut rows = String::new();
    for f in &diagram.findings {
        let color = severity_color(f.severity);
        let message = wrap(&f.message, MESSAGE_WIDTH)
            .iter()
            .map(|l| html(l))
            .collect::<Vec<_>>()
            .join("<br/>");
        rows.push_str(&format!(
            "<tr><td align=\"right\" valign=\"top\"><b>[{}]</b></td>\
             <td align=\"left\" valign=\"top\"><font color=\"{color}\">{}</font></td>\
             <td align=\"left\" valign=\"top\">{}</td>\
             <td align=\"left\" valign=\"top\">{}</td>\
             <td align=\"left\" valign=\"top\" balign=\"left\">{message}</td></tr>",
            f.number,
            f.severity,
            html(&f.rule),
            html(f.place.as_deref().unwrap_or("flow")),
        ));
    }
    format!(
        "<<table border=\"1\" style=\"rounded\" color=\"{}\" cellborder=\"0\" cellspacing=\"0\" \
         cellpadding=\"3\"><tr><td colspan=\"5\" align=\"left\"><b>Findings</b></td></tr>{rows}\
         </table>>",
        colors::UNREACHABLE
    )
}

fn severity_color(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => colors::ERROR,
        Severity::Warning => colors::WARNING,
        Severity::Info => colors::CLEAN,
    }
}

/// Text inside an HTML-like label: no text from the flow can open a tag or end the label.
pub fn html(text: &str) -> String {
    crate::markup::escape_xml(text, crate::markup::Breaks::Space)
}

fn node_id(index: usize) -> NodeId {
    NodeId(plain(&format!("s{index}")), None)
}

fn missing_id(index: usize) -> NodeId {
    NodeId(plain(&format!("missing{index}")), None)
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
