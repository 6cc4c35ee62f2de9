//! Mermaid `flowchart TD`, which GitHub renders inside Markdown. Mermaid shows no tooltips
//! or comments once rendered, so findings are numbered on the widgets and transitions they
//! are about and listed in a "Findings" subgraph, one box per finding.

use std::fmt::Write;

use super::{Diagram, DiagramNode, LEGEND, MESSAGE_WIDTH, Status, colors, wrap};
use crate::catalog::Category;
use crate::rule::Severity;

/// The diagram as Mermaid text.
pub fn render(diagram: &Diagram) -> String {
    let mut out = String::from("flowchart TD\n");
    // Wide enough for a finding's line of text (Mermaid wraps labels at 200 px by default).
    out.push_str("  %%{init: {\"flowchart\": {\"wrappingWidth\": 560}}}%%\n");
    let _ = writeln!(out, "  %% {}", comment(&diagram.title));
    for (i, node) in diagram.nodes.iter().enumerate() {
        let _ = writeln!(out, "  s{i}{}", shape(node));
    }
    // Link indexes, for `linkStyle`: every `-->`, `-.->`, `==>` and `~~~` counts.
    let mut styled: Vec<(usize, String)> = Vec::new();
    let mut link = 0;
    for edge in &diagram.edges {
        let arrow = if edge.in_loop {
            "==>"
        } else if edge.never_fires {
            "-.->"
        } else {
            "-->"
        };
        let _ = writeln!(
            out,
            "  s{} {arrow}|\"{}\"| s{}",
            edge.from,
            text(&Diagram::edge_text(edge)),
            edge.to
        );
        if edge.in_loop {
            styled.push((link, format!("stroke:{},stroke-width:4px", colors::LOOP)));
        } else if edge.never_fires {
            styled.push((
                link,
                format!(
                    "stroke:{},color:{},stroke-dasharray:2 3",
                    colors::NEVER,
                    colors::UNREACHABLE_TEXT
                ),
            ));
        }
        link += 1;
    }
    for (k, drop) in diagram.drops.iter().enumerate() {
        let _ = writeln!(out, "  drop{k}{{{{\"end\"}}}}");
        let _ = writeln!(
            out,
            "  s{} -.->|\"{}\"| drop{k}",
            drop.from,
            text(&format!(
                "{}{}",
                drop.event,
                Diagram::numbers(&drop.findings)
            ))
        );
        let (stroke, _) = super::severity_colors(Some(drop.severity));
        styled.push((link, format!("stroke:{stroke},color:{stroke}")));
        link += 1;
    }
    for (k, missing) in diagram.missing.iter().enumerate() {
        let _ = writeln!(
            out,
            "  missing{k}[\"{}<br/>no such state\"]",
            text(&missing.name)
        );
    }
    for dangling in &diagram.dangling {
        let _ = writeln!(
            out,
            "  s{} -->|\"{}\"| missing{}",
            dangling.from,
            text(&format!(
                "{}{}",
                dangling.label,
                Diagram::numbers(&dangling.findings)
            )),
            dangling.to
        );
        if dangling.severity.is_some() {
            let (stroke, _) = super::severity_colors(dangling.severity);
            styled.push((link, format!("stroke:{stroke},color:{stroke}")));
        }
        link += 1;
    }
    styles(&mut out, diagram, &styled);
    if diagram.with_findings {
        legend(&mut out);
        findings(&mut out, diagram);
    }
    out
}

fn shape(node: &DiagramNode) -> String {
    let mut label = format!("{}<br/><i>{}</i>", text(&node.name), inner(&node.kind));
    for line in Diagram::node_numbers(node) {
        let _ = write!(label, "<br/><b>{}</b>", text(&line));
    }
    match node.category {
        Some(Category::Trigger) => format!("([\"{label}\"])"),
        Some(Category::Logic) => format!("{{{{\"{label}\"}}}}"),
        _ => format!("[\"{label}\"]"),
    }
}

fn severity_class(severity: Option<Severity>) -> &'static str {
    match severity {
        Some(Severity::Error) => "error",
        Some(Severity::Warning) => "warning",
        _ => "neutral",
    }
}

fn styles(out: &mut String, diagram: &Diagram, styled: &[(usize, String)]) {
    out.push_str("  classDef trigger fill:#bbdefb,stroke:#546e7a\n");
    out.push_str("  classDef voice fill:#dcedc8,stroke:#546e7a\n");
    out.push_str("  classDef messaging fill:#fff9c4,stroke:#546e7a\n");
    out.push_str("  classDef logic fill:#eceff1,stroke:#546e7a\n");
    out.push_str("  classDef integration fill:#e1bee7,stroke:#546e7a\n");
    out.push_str("  classDef unknown fill:#ffffff,stroke:#546e7a\n");
    let _ = writeln!(
        out,
        "  classDef error stroke:{},stroke-width:3px",
        colors::ERROR
    );
    let _ = writeln!(
        out,
        "  classDef warning stroke:{},stroke-width:3px",
        colors::WARNING
    );
    out.push_str(
        "  classDef unreachable fill:#f5f5f5,stroke:#9e9e9e,color:#757575,stroke-dasharray:5 5\n",
    );
    for (class, severity) in [
        ("error", Some(Severity::Error)),
        ("warning", Some(Severity::Warning)),
        ("neutral", None),
    ] {
        let (stroke, fill) = super::severity_colors(severity);
        let _ = writeln!(
            out,
            "  classDef drop_{class} fill:{fill},stroke:{stroke},color:{stroke}"
        );
        let _ = writeln!(
            out,
            "  classDef missing_{class} fill:{fill},stroke:{stroke},color:{stroke},stroke-dasharray:5 5"
        );
    }
    for (i, node) in diagram.nodes.iter().enumerate() {
        let _ = writeln!(out, "  class s{i} {}", category_class(node.category));
        let status = match node.status {
            Status::Clean => continue,
            Status::Warning => "warning",
            Status::Error => "error",
            Status::Unreachable => "unreachable",
        };
        let _ = writeln!(out, "  class s{i} {status}");
    }
    for (k, drop) in diagram.drops.iter().enumerate() {
        let _ = writeln!(
            out,
            "  class drop{k} drop_{}",
            severity_class(Some(drop.severity))
        );
    }
    for (k, missing) in diagram.missing.iter().enumerate() {
        let _ = writeln!(
            out,
            "  class missing{k} missing_{}",
            severity_class(missing.severity)
        );
    }
    for (link, style) in styled {
        let _ = writeln!(out, "  linkStyle {link} {style}");
    }
}

fn legend(out: &mut String) {
    out.push_str("  subgraph legend [\"Legend\"]\n");
    for (key, description) in LEGEND {
        let _ = writeln!(out, "    legend_{key}[\"{}\"]", text(description));
    }
    out.push_str("  end\n");
    out.push_str("  class legend_error error\n");
    out.push_str("  class legend_warning warning\n");
    out.push_str("  class legend_unreachable unreachable\n");
    out.push_str("  class legend_drop drop_error\n");
    out.push_str("  class legend_missing missing_error\n");
}

/// One box per finding, stacked by invisible links: `[n] severity rule (widget)`, then the
/// message. Written last, so the invisible links do not shift the styled links' indexes.
fn findings(out: &mut String, diagram: &Diagram) {
    if diagram.findings.is_empty() {
        return;
    }
    out.push_str("  subgraph findings [\"Findings\"]\n    direction TB\n");
    for f in &diagram.findings {
        let message = wrap(&f.message, MESSAGE_WIDTH)
            .iter()
            .map(|l| inner(l))
            .collect::<Vec<_>>()
            .join("<br/>");
        let _ = writeln!(
            out,
            "    f{}[\"<b>[{}]</b> {} {} <i>{}</i><br/>{message}\"]",
            f.number,
            f.number,
            f.severity,
            text(&f.rule),
            text(f.place.as_deref().unwrap_or("flow")),
        );
    }
    for pair in diagram.findings.windows(2) {
        let _ = writeln!(out, "    f{} ~~~ f{}", pair[0].number, pair[1].number);
    }
    out.push_str("  end\n");
    for f in &diagram.findings {
        let _ = writeln!(
            out,
            "  class f{} {}",
            f.number,
            match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "unknown",
            }
        );
    }
}

fn category_class(category: Option<Category>) -> &'static str {
    match category {
        Some(Category::Trigger) => "trigger",
        Some(Category::Voice) => "voice",
        Some(Category::Messaging) => "messaging",
        Some(Category::Logic) => "logic",
        Some(Category::Integration) => "integration",
        None => "unknown",
    }
}

/// Text inside a quoted Mermaid label. Mermaid renders labels as HTML (GitHub's default), so
/// markup characters become HTML named entities, which the browser shows as the character
/// and which no label parser reads as syntax: `"` cannot end the string, `<` cannot open a
/// tag, and `#` cannot start one of Mermaid's own `#code;` entity codes (whose decoding
/// some Mermaid versions leave undone, showing placeholders). A backtick stays as it is,
/// but for one that opens the label, where `` "` `` would start a Markdown string.
pub fn text(raw: &str) -> String {
    escape(raw, true)
}

/// [`text`] for a part of a label that does not open it, where a backtick is plain text.
fn inner(raw: &str) -> String {
    escape(raw, false)
}

fn escape(raw: &str, opens_label: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '#' => out.push_str("&num;"),
            '|' => out.push_str("&vert;"),
            '`' if opens_label && out.is_empty() => out.push_str("&grave;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text in a `%%` comment, which Mermaid drops before rendering: one line is all it needs.
fn comment(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
