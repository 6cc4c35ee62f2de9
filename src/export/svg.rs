//! SVG: Graphviz `dot` when it is on PATH; otherwise a built-in layout (layout-rs).

use std::process::{Command, Stdio};

use graphviz_rust::cmd::{CommandArg, Format};

use super::dot::{self, Layout};
use super::{Diagram, Status};

/// Which renderer produced an SVG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    Graphviz,
    BuiltIn,
}

/// Whether Graphviz's `dot` can be run.
pub fn graphviz_available() -> bool {
    Command::new("dot")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Renders the diagram to SVG with Graphviz when available, else with the built-in layout.
pub fn render(diagram: &Diagram, layout: Layout) -> Result<(String, Renderer), String> {
    if graphviz_available() {
        return render_graphviz(diagram, layout).map(|svg| (svg, Renderer::Graphviz));
    }
    render_builtin(diagram).map(|svg| (svg, Renderer::BuiltIn))
}

/// The built-in layout, with any panic inside layout-rs turned into an error: flowcheck
/// must not crash because a third-party layout engine met a graph it cannot place (it does:
/// "Can't normalize the unit vector" on some flows, found by fuzzing).
pub fn render_builtin(diagram: &Diagram) -> Result<String, String> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| layout_rs_svg(diagram)));
    std::panic::set_hook(previous);
    result.map_err(|_| {
        "the built-in layout could not draw this flow; install Graphviz for SVG output".to_string()
    })
}

/// Graphviz: `dot`, or `neato -n` for positions pinned at the Studio canvas offsets.
pub fn render_graphviz(diagram: &Diagram, layout: Layout) -> Result<String, String> {
    let mut args = vec![CommandArg::Format(Format::Svg)];
    if layout == Layout::Studio && diagram.has_studio_layout() {
        args.push(CommandArg::Custom("-Kneato".to_string()));
        args.push(CommandArg::Custom("-n".to_string()));
    }
    let output = graphviz_rust::exec_dot(dot::render(diagram, layout), args)
        .map_err(|e| format!("Graphviz failed: {e}"))?;
    String::from_utf8(output).map_err(|_| "Graphviz produced invalid UTF-8".to_string())
}

/// The built-in renderer: plainer than Graphviz, but needs nothing installed.
fn layout_rs_svg(diagram: &Diagram) -> String {
    use layout::backends::svg::SVGWriter;
    use layout::core::base::Orientation;
    use layout::core::geometry::Point;
    use layout::core::style::{LineStyleKind, StyleAttr};
    use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
    use layout::topo::layout::VisualGraph;

    let mut graph = VisualGraph::new(Orientation::TopToBottom);
    let handles: Vec<_> = diagram
        .nodes
        .iter()
        .map(|node| {
            let (_, fill) = dot::look(node.category);
            let (stroke, width, fill) = match node.status {
                Status::Clean => ("#546e7a", 1, fill),
                Status::Warning => ("#ef6c00", 3, fill),
                Status::Error => ("#c62828", 3, fill),
                Status::Unreachable => ("#9e9e9e", 1, "#f5f5f5"),
            };
            let look = StyleAttr::new(color(stroke), width, Some(color(fill)), 6, 13);
            let label = format!("{}\n{}", node.name, node.kind);
            let size = Point::new(label_width(&label), 44.);
            let shape = ShapeKind::new_box(&label);
            graph.add_node(Element::create(shape, look, Orientation::TopToBottom, size))
        })
        .collect();
    for edge in &diagram.edges {
        let (stroke, width) = if edge.in_loop {
            ("#b71c1c", 3)
        } else {
            ("#37474f", 1)
        };
        let look = StyleAttr::new(color(stroke), width, None, 0, 11);
        let arrow = Arrow::new(
            LineEndKind::None,
            LineEndKind::Arrow,
            LineStyleKind::Normal,
            &edge.label,
            &look,
            &None,
            &None,
        );
        graph.add_edge(arrow, handles[edge.from], handles[edge.to]);
    }
    for drop in &diagram.drops {
        let look = StyleAttr::new(color("#c62828"), 1, Some(color("#ffebee")), 0, 10);
        let end = graph.add_node(Element::create(
            ShapeKind::new_circle("end"),
            look.clone(),
            Orientation::TopToBottom,
            Point::new(36., 36.),
        ));
        let arrow = Arrow::new(
            LineEndKind::None,
            LineEndKind::Arrow,
            LineStyleKind::Dashed,
            &drop.event,
            &look,
            &None,
            &None,
        );
        graph.add_edge(arrow, handles[drop.from], end);
    }
    let mut writer = SVGWriter::new();
    graph.do_it(false, false, false, &mut writer);
    writer.finalize()
}

fn color(hex: &str) -> layout::core::color::Color {
    let value = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    // layout-rs colours are RGBA.
    layout::core::color::Color::new((value << 8) | 0xff)
}

fn label_width(label: &str) -> f64 {
    let longest = label.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    (longest as f64 * 7.5 + 24.).max(80.)
}
