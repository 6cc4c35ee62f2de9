//! The text report: a summary in the manner of `git diff --stat` (one line per widget, then
//! totals), then each widget's changes, the flow's own, reachability and findings.

use std::fmt::Write;

use super::values::{ValueChange, compact};
use super::{Diff, FindingChange, TransitionChange, WidgetChange, WidgetStatus};

/// How long a value may be before it is shortened.
pub const VALUE_WIDTH: usize = 60;

pub fn render(diff: &Diff) -> String {
    let mut out = format!("flowcheck diff {} {}\n", diff.old_label, diff.new_label);
    let behavioural = diff.is_behavioural();
    let shown: Vec<&WidgetChange> = diff.widgets.iter().collect();
    if shown.is_empty() && diff.flow.is_empty() && !behavioural {
        out.push_str(&no_change_line(diff));
        return out;
    }
    stat(&mut out, diff, &shown);
    out.push('\n');
    for widget in &shown {
        details(&mut out, widget);
    }
    if !diff.flow.is_empty() {
        out.push_str("~ flow\n");
        for change in &diff.flow {
            value_line(&mut out, change);
        }
    }
    reachability(&mut out, diff);
    findings(&mut out, "findings introduced", &diff.introduced);
    findings(&mut out, "findings resolved", &diff.resolved);
    if !behavioural {
        out.push('\n');
        out.push_str(&no_change_line(diff));
    }
    out
}

/// "no behavioural change", saying how many widgets moved on the canvas.
pub fn no_change_line(diff: &Diff) -> String {
    match diff.moved {
        0 => "no behavioural change\n".to_string(),
        1 => "no behavioural change (1 widget moved on the canvas)\n".to_string(),
        n => format!("no behavioural change ({n} widgets moved on the canvas)\n"),
    }
}

/// The name a widget goes by in the summary: `old => new` when renamed.
pub fn display_name(widget: &WidgetChange) -> String {
    match &widget.old_name {
        Some(old) => format!("{old} => {}", widget.name),
        None => widget.name.clone(),
    }
}

/// What happened to a widget, in a few words.
pub fn summary(widget: &WidgetChange) -> String {
    let mut parts = Vec::new();
    match widget.status {
        WidgetStatus::Added => {
            parts.push("added".to_string());
            if widget.reachable == Some(false) {
                parts.push("unreachable".to_string());
            }
        }
        WidgetStatus::Removed => parts.push("removed".to_string()),
        WidgetStatus::Changed => {
            if widget.old_name.is_some() {
                parts.push("renamed".to_string());
            }
            if let Some(old) = &widget.old_kind {
                parts.push(format!("retyped from {old}"));
            }
            if !widget.transitions.is_empty() {
                parts.push(plural(
                    widget.transitions.len(),
                    "transition rewired",
                    "transitions rewired",
                ));
            }
            if !widget.properties.is_empty() {
                parts.push(plural(
                    widget.properties.len(),
                    "property changed",
                    "properties changed",
                ));
            }
            if !widget.layout.is_empty() {
                parts.push("moved".to_string());
            }
        }
    }
    parts.join(", ")
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn stat(out: &mut String, diff: &Diff, shown: &[&WidgetChange]) {
    let names: Vec<String> = shown.iter().map(|w| display_name(w)).collect();
    let flow_row = (!diff.flow.is_empty()).then_some("(flow)".len());
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .chain(flow_row)
        .max()
        .unwrap_or(0);
    for (name, widget) in names.iter().zip(shown) {
        let pad = width - name.chars().count();
        let _ = writeln!(out, " {name}{} | {}", " ".repeat(pad), summary(widget));
    }
    if !diff.flow.is_empty() {
        let _ = writeln!(
            out,
            " (flow){} | {}",
            " ".repeat(width.saturating_sub(6)),
            plural(diff.flow.len(), "setting changed", "settings changed")
        );
    }
    let _ = writeln!(out, " {}", totals_line(diff));
    if let Some(line) = behaviour_line(diff) {
        let _ = writeln!(out, " {line}");
    }
}

/// `5 widgets changed (1 added, …), 2 transitions rewired, 1 property changed`.
pub fn totals_line(diff: &Diff) -> String {
    let counts = diff.counts();
    let widgets = counts.added
        + counts.removed
        + diff
            .widgets
            .iter()
            .filter(|w| w.status == WidgetStatus::Changed && w.is_behavioural())
            .count();
    let mut kinds = Vec::new();
    for (n, word) in [
        (counts.added, "added"),
        (counts.removed, "removed"),
        (counts.renamed, "renamed"),
        (counts.retyped, "retyped"),
        (counts.modified, "modified"),
    ] {
        if n > 0 {
            kinds.push(format!("{n} {word}"));
        }
    }
    let mut line = match widgets {
        0 => "no widget changed".to_string(),
        n => plural(n, "widget changed", "widgets changed"),
    };
    if !kinds.is_empty() {
        let _ = write!(line, " ({})", kinds.join(", "));
    }
    if counts.transitions > 0 {
        let _ = write!(
            line,
            ", {}",
            plural(
                counts.transitions,
                "transition rewired",
                "transitions rewired"
            )
        );
    }
    if counts.properties > 0 {
        let _ = write!(
            line,
            ", {}",
            plural(counts.properties, "property changed", "properties changed")
        );
    }
    if counts.flow > 0 {
        let _ = write!(
            line,
            ", {}",
            plural(counts.flow, "flow setting changed", "flow settings changed")
        );
    }
    if diff.moved > 0 {
        let _ = write!(
            line,
            "; {} moved on the canvas",
            plural(diff.moved, "widget", "widgets")
        );
    }
    line
}

/// Findings and reachability in one line, when either changed.
pub fn behaviour_line(diff: &Diff) -> Option<String> {
    let mut parts = Vec::new();
    if !diff.introduced.is_empty() || !diff.resolved.is_empty() {
        parts.push(format!(
            "findings: {} introduced, {} resolved",
            diff.introduced.len(),
            diff.resolved.len()
        ));
    }
    if !diff.became_unreachable.is_empty() {
        parts.push(format!(
            "{} became unreachable",
            plural(diff.became_unreachable.len(), "widget", "widgets")
        ));
    }
    if !diff.became_reachable.is_empty() {
        parts.push(format!(
            "{} became reachable",
            plural(diff.became_reachable.len(), "widget", "widgets")
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn details(out: &mut String, widget: &WidgetChange) {
    let marker = match widget.status {
        WidgetStatus::Added => '+',
        WidgetStatus::Removed => '-',
        WidgetStatus::Changed => '~',
    };
    let _ = write!(out, "{marker} {} ({})", widget.name, widget.kind);
    if let Some(old) = &widget.old_name {
        let _ = write!(out, ", renamed from {old}");
    }
    if let Some(old) = &widget.old_kind {
        let _ = write!(out, ", was {old}");
    }
    if widget.reachable == Some(false) {
        out.push_str(", unreachable");
    }
    out.push('\n');
    for (label, next) in &widget.connections {
        let _ = writeln!(out, "    {label} → {}", target(&Some(next.clone())));
    }
    for change in &widget.transitions {
        let _ = writeln!(out, "    {}", transition_text(change));
    }
    for change in widget.properties.iter().chain(&widget.layout) {
        value_line(out, change);
    }
}

/// `timeout: say_goodbye → retry`.
pub fn transition_text(change: &TransitionChange) -> String {
    format!(
        "{}: {} → {}",
        change.label,
        target(&change.old),
        target(&change.new)
    )
}

/// A transition's target: a widget, `(end)` when unconnected, `(none)` when absent.
pub fn target(next: &Option<Option<String>>) -> String {
    match next {
        None => "(none)".to_string(),
        Some(None) => "(end)".to_string(),
        Some(Some(name)) => name.clone(),
    }
}

/// The path of a value change, `properties` for a whole properties object.
pub fn path_text(change: &ValueChange) -> &str {
    if change.path.is_empty() {
        "properties"
    } else {
        &change.path
    }
}

/// `old → new`, shortened.
pub fn values_text(change: &ValueChange, width: usize) -> String {
    format!(
        "{} → {}",
        compact(change.old.as_ref(), change.new.as_ref(), width),
        compact(change.new.as_ref(), change.old.as_ref(), width)
    )
}

fn value_line(out: &mut String, change: &ValueChange) {
    let _ = writeln!(
        out,
        "    {}: {}",
        path_text(change),
        values_text(change, VALUE_WIDTH)
    );
    if let Some(note) = &change.note {
        let _ = writeln!(out, "      ({note})");
    }
}

fn reachability(out: &mut String, diff: &Diff) {
    if diff.became_unreachable.is_empty() && diff.became_reachable.is_empty() {
        return;
    }
    out.push_str("\nreachability:\n");
    if !diff.became_unreachable.is_empty() {
        let _ = writeln!(
            out,
            "    became unreachable: {}",
            diff.became_unreachable.join(", ")
        );
    }
    if !diff.became_reachable.is_empty() {
        let _ = writeln!(
            out,
            "    became reachable: {}",
            diff.became_reachable.join(", ")
        );
    }
}

fn findings(out: &mut String, title: &str, list: &[FindingChange]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title} ({}):", list.len());
    for change in list {
        let f = &change.finding;
        let d = &f.diagnostic;
        let _ = writeln!(
            out,
            "    {}[{}] {}:{}:{}: {}",
            d.severity, d.rule, change.file, f.start.line, f.start.column, d.message
        );
    }
}
