//! `flowcheck diff --format markdown`: a pull-request comment — the totals, one table row per
//! changed widget, then the findings the change introduces and resolves.

use std::fmt::Write;

use super::text::{behaviour_line, path_text, target, totals_line, transition_text};
use super::values::compact;
use super::{Diff, FindingChange, WidgetChange, WidgetStatus};

/// A comment is for reading: past this many rows a table says how many more there are.
pub const MAX_ROWS: usize = 100;

/// Lets a workflow find and update its earlier comment.
pub const MARKER: &str = "<!-- flowcheck-diff -->";

const VALUE_WIDTH: usize = 50;

pub fn render(diff: &Diff) -> String {
    let mut out = format!(
        "{MARKER}\n## flowcheck diff: `{}`\n\n",
        code(&diff.new_label)
    );
    let _ = writeln!(out, "Compared with `{}`.\n", code(&diff.old_label));
    if !diff.is_behavioural() {
        let line = super::text::no_change_line(diff);
        let _ = writeln!(out, "✅ {}", capitalise(line.trim_end()));
        return out;
    }
    let _ = writeln!(out, "**{}**\n", totals_line(diff));
    if let Some(line) = behaviour_line(diff) {
        let icon = if diff.introduced.is_empty() {
            "✅"
        } else {
            "⚠️"
        };
        let _ = writeln!(out, "{icon} {line}\n");
    }
    let rows: Vec<String> = diff
        .widgets
        .iter()
        .filter(|w| w.is_behavioural() || !w.layout.is_empty())
        .map(row)
        .chain((!diff.flow.is_empty()).then(|| flow_row(diff)))
        .collect();
    if !rows.is_empty() {
        out.push_str("| | Widget | Change |\n|---|---|---|\n");
        table(&mut out, &rows, "changes");
    }
    if !diff.became_unreachable.is_empty() || !diff.became_reachable.is_empty() {
        out.push_str("\n### Reachability\n\n");
        for (names, what) in [
            (&diff.became_unreachable, "became unreachable"),
            (&diff.became_reachable, "became reachable"),
        ] {
            if !names.is_empty() {
                let list: Vec<String> = names.iter().map(|n| format!("`{}`", code(n))).collect();
                let _ = writeln!(out, "- {what}: {}", list.join(", "));
            }
        }
    }
    findings(&mut out, "New findings", &diff.introduced);
    findings(&mut out, "Resolved findings", &diff.resolved);
    out
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn table(out: &mut String, rows: &[String], what: &str) {
    for row in rows.iter().take(MAX_ROWS) {
        out.push_str(row);
    }
    if rows.len() > MAX_ROWS {
        let _ = writeln!(
            out,
            "\n…and {} more {what}; run `flowcheck diff` for all of them.",
            rows.len() - MAX_ROWS
        );
    }
}

fn row(widget: &WidgetChange) -> String {
    let (icon, name) = match (widget.status, &widget.old_name) {
        (WidgetStatus::Added, _) => ("➕", format!("`{}`", code(&widget.name))),
        (WidgetStatus::Removed, _) => ("➖", format!("`{}`", code(&widget.name))),
        (WidgetStatus::Changed, Some(old)) => {
            ("✏️", format!("`{}` → `{}`", code(old), code(&widget.name)))
        }
        (WidgetStatus::Changed, None) => ("✏️", format!("`{}`", code(&widget.name))),
    };
    let mut lines = Vec::new();
    match widget.status {
        WidgetStatus::Added => {
            let mut line = format!("added (`{}`)", code(&widget.kind));
            if widget.reachable == Some(false) {
                line.push_str(", unreachable");
            }
            lines.push(line);
            for (label, next) in &widget.connections {
                lines.push(format!(
                    "`{}` → `{}`",
                    code(label),
                    code(&target(&Some(next.clone())))
                ));
            }
        }
        WidgetStatus::Removed => lines.push(format!("removed (`{}`)", code(&widget.kind))),
        WidgetStatus::Changed => {
            if widget.old_name.is_some() {
                lines.push("renamed".to_string());
            }
            if let Some(old) = &widget.old_kind {
                lines.push(format!("type `{}` → `{}`", code(old), code(&widget.kind)));
            }
            for change in &widget.transitions {
                lines.push(format!("🔀 `{}`", code(&transition_text(change))));
            }
            for change in widget.properties.iter().chain(&widget.layout) {
                lines.push(value_text(change));
            }
        }
    }
    format!("| {icon} | {name} | {} |\n", lines.join("<br>"))
}

fn value_text(change: &super::values::ValueChange) -> String {
    let mut text = format!(
        "`{}`: `{}` → `{}`",
        code(path_text(change)),
        code(&compact(
            change.old.as_ref(),
            change.new.as_ref(),
            VALUE_WIDTH
        )),
        code(&compact(
            change.new.as_ref(),
            change.old.as_ref(),
            VALUE_WIDTH
        ))
    );
    if let Some(note) = &change.note {
        let _ = write!(text, " ({})", cell(note));
    }
    text
}

fn flow_row(diff: &Diff) -> String {
    let lines: Vec<String> = diff.flow.iter().map(value_text).collect();
    format!("| ⚙️ | (flow) | {} |\n", lines.join("<br>"))
}

fn findings(out: &mut String, title: &str, list: &[FindingChange]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n### {title} ({})\n", list.len());
    out.push_str("| | Location | Rule | Finding |\n|---|---|---|---|\n");
    let rows: Vec<String> = list
        .iter()
        .map(|change| {
            let f = &change.finding;
            let d = &f.diagnostic;
            let icon = match d.severity {
                crate::rule::Severity::Error => "🔴",
                crate::rule::Severity::Warning => "🟠",
                crate::rule::Severity::Info => "🔵",
            };
            format!(
                "| {icon} | `{}:{}:{}` | `{}` | {} |\n",
                code(&change.file),
                f.start.line,
                f.start.column,
                d.rule,
                cell(&d.message)
            )
        })
        .collect();
    table(out, &rows, "findings");
}

/// Text inside a table cell: no pipes or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Text inside a code span in a table cell.
fn code(text: &str) -> String {
    text.replace('`', "'")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}
