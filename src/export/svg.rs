//! SVG: Graphviz `dot` when it is on PATH; otherwise the built-in layout ([`super::builtin`]).

use super::dot::Layout;
use super::graphviz::{self, ImageFormat, Limits};
use super::{Diagram, builtin};

/// Which renderer produced an SVG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    Graphviz,
    BuiltIn,
}

/// Whether Graphviz's `dot` can be run.
pub fn graphviz_available() -> bool {
    graphviz::available()
}

/// Renders the diagram to SVG with Graphviz when available, else with the built-in layout.
pub fn render(diagram: &Diagram, layout: Layout) -> Result<(String, Renderer), String> {
    if graphviz_available() {
        return render_graphviz(diagram, layout).map(|svg| (svg, Renderer::Graphviz));
    }
    Ok((render_builtin_with(diagram, layout), Renderer::BuiltIn))
}

/// The built-in layout, top to bottom. It cannot fail; the `Result` is kept for callers
/// that also try Graphviz.
pub fn render_builtin(diagram: &Diagram) -> Result<String, String> {
    Ok(builtin::render(diagram, Layout::Auto))
}

/// The built-in layout, with the Studio canvas positions when asked for and available.
pub fn render_builtin_with(diagram: &Diagram, layout: Layout) -> String {
    builtin::render(diagram, layout)
}

/// Graphviz: `dot`, or `neato -n` for positions pinned at the Studio canvas offsets; no
/// time limit.
pub fn render_graphviz(diagram: &Diagram, layout: Layout) -> Result<String, String> {
    let output = graphviz::render(diagram, layout, ImageFormat::Svg, &Limits::none())
        .map_err(|e| e.to_string())?;
    String::from_utf8(output).map_err(|_| "Graphviz produced invalid UTF-8".to_string())
}
