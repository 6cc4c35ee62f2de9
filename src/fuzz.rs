//! One entry point that runs everything a user can run on a text — loading, every rule,
//! every report format and every diagram — and checks that each output is well-formed.
//! The property tests and the `cargo fuzz` target share it.

use serde_json::Value;

use crate::analyze::FileReport;
use crate::export::{Diagram, dot, mermaid, svg};
use crate::flow;
use crate::report;
use crate::session::Session;

/// Panics (which is what a fuzzer looks for) when any output is malformed.
pub fn run_everything(text: &str) -> FileReport {
    let loaded = flow::load_text("fuzz.json".to_string(), text.to_string());
    let report = Session::all_rules().process_loaded(loaded).report;
    if let Some(diagram) = Diagram::build("fuzz", &report, true) {
        let dot_text = dot::render(&diagram, dot::Layout::Studio);
        graphviz_rust::parse(&dot_text).expect("the DOT output parses back");
        assert!(mermaid::render(&diagram).starts_with("flowchart TD\n"));
        // The built-in SVG layout is slow on big graphs; small ones cover its code.
        // An error (layout-rs gave up) is fine; a panic or a broken document is not.
        let small = diagram.nodes.len() <= 40;
        if let Some(Ok(svg_text)) = small.then(|| svg::render_builtin(&diagram)) {
            assert!(svg_text.contains("<svg") && svg_text.trim_end().ends_with("</svg>"));
        }
    }
    let reports = std::slice::from_ref(&report);
    serde_json::from_str::<Value>(&report::json::render(reports)).expect("the JSON report parses");
    let root = report::paths::ProjectRoot::here();
    serde_json::from_str::<Value>(&report::sarif::render(reports, &root))
        .expect("the SARIF parses");
    for line in report::github::render(reports, &root).lines() {
        assert!(
            line.starts_with("::"),
            "a GitHub annotation spans lines: {line}"
        );
    }
    assert!(!report::text::render(reports, false, true).is_empty());
    assert!(report::markdown::render(reports).starts_with("## flowcheck"));
    for line in report::concise::render(reports).lines() {
        assert!(
            line.starts_with("fuzz.json:"),
            "a concise line spans lines: {line}"
        );
    }
    for finding in &report.findings {
        assert!(finding.span.start <= finding.span.end);
        assert!(
            finding.span.end <= text.len().max(1),
            "a span past the end of the file"
        );
        assert!(finding.start <= finding.end);
    }
    report
}
