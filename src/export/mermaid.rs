//! Mermaid `flowchart TD`, which GitHub renders inside Markdown. Mermaid has no tooltips
//! without scripts, so findings are drawn by colour and line style, and listed in a comment.

use std::fmt::Write;

use super::{Diagram, DiagramNode, LEGEND, Status};
use crate::catalog::Category;

/// The diagram as Mermaid text.
pub fn render(diagram: &Diagram) -> String {
    let mut out = String::from("flowchart TD\n");
    let _ = writeln!(out, "  %% {}", comment(&diagram.title));
    for (i, node) in diagram.nodes.iter().enumerate() {
        let _ = writeln!(out, "  s{i}{}", shape(node));
        for note in &node.notes {
            let _ = writeln!(out, "  %% {}: {}", comment(&node.name), comment(note));
        }
    }
    let mut loop_links = Vec::new();
    let mut link = 0;
    for edge in &diagram.edges {
        let arrow = if edge.in_loop { "==>" } else { "-->" };
        let _ = writeln!(
            out,
            "  s{} {arrow}|\"{}\"| s{}",
            edge.from,
            text(&edge.label),
            edge.to
        );
        if edge.in_loop {
            loop_links.push(link);
        }
        link += 1;
    }
    let mut drop_links = Vec::new();
    for (k, drop) in diagram.drops.iter().enumerate() {
        let _ = writeln!(out, "  drop{k}{{{{\"end\"}}}}");
        let _ = writeln!(
            out,
            "  s{} -.->|\"{}\"| drop{k}",
            drop.from,
            text(&drop.event)
        );
        drop_links.push(link);
        link += 1;
    }
    styles(&mut out, diagram, &loop_links, &drop_links);
    if diagram.with_findings {
        legend(&mut out);
    }
    out
}

fn shape(node: &DiagramNode) -> String {
    let label = format!("{}<br/><i>{}</i>", text(&node.name), text(&node.kind));
    match node.category {
        Some(Category::Trigger) => format!("([\"{label}\"])"),
        Some(Category::Logic) => format!("{{{{\"{label}\"}}}}"),
        _ => format!("[\"{label}\"]"),
    }
}

fn styles(out: &mut String, diagram: &Diagram, loop_links: &[usize], drop_links: &[usize]) {
    out.push_str("  classDef trigger fill:#bbdefb,stroke:#546e7a\n");
    out.push_str("  classDef voice fill:#dcedc8,stroke:#546e7a\n");
    out.push_str("  classDef messaging fill:#fff9c4,stroke:#546e7a\n");
    out.push_str("  classDef logic fill:#eceff1,stroke:#546e7a\n");
    out.push_str("  classDef integration fill:#e1bee7,stroke:#546e7a\n");
    out.push_str("  classDef unknown fill:#ffffff,stroke:#546e7a\n");
    out.push_str("  classDef error stroke:#c62828,stroke-width:3px\n");
    out.push_str("  classDef warning stroke:#ef6c00,stroke-width:3px\n");
    out.push_str(
        "  classDef unreachable fill:#f5f5f5,stroke:#9e9e9e,color:#757575,stroke-dasharray:5 5\n",
    );
    out.push_str("  classDef drop fill:#ffebee,stroke:#c62828,color:#c62828\n");
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
    for k in 0..diagram.drops.len() {
        let _ = writeln!(out, "  class drop{k} drop");
    }
    if !loop_links.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:#b71c1c,stroke-width:4px",
            join(loop_links)
        );
    }
    if !drop_links.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:#c62828,color:#c62828",
            join(drop_links)
        );
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
    out.push_str("  class legend_drop drop\n");
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

fn join(links: &[usize]) -> String {
    links
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Text inside a quoted Mermaid label. Mermaid renders labels as HTML, so markup characters
/// become Mermaid entity codes (`#lt;`, `#quot;`, …), which it decodes only after sanitising.
pub fn text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
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
