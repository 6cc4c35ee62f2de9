//! `unknown-widget-output`: Liquid reads `widgets.<name>.<output>` and a widget of that type
//! has no such output, so it reads as empty. Which outputs a type has is catalog data
//! (`rules/outputs.toml`); types whose outputs are not known in full are left alone.

use foldhash::{HashSet, HashSetExt};

use crate::flow::json::Json;

use crate::catalog::outputs::{self, WidgetOutputs};
use crate::flow::State;
use crate::liquid::{Path, Reference, Root};
use crate::rule::{Anchor, Context, Diagnostic, Rule};
use crate::suggest;

declare_rule!(
    UnknownWidgetOutput,
    "unknown-widget-output",
    Warning,
    "Liquid reads an output the widget's type does not have"
);

impl Rule for UnknownWidgetOutput {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let mut reported = HashSet::new();
        for reference in ctx.references() {
            let Some((widget, outputs)) = widget_read(ctx, reference) else {
                continue;
            };
            let Some(wrong) = wrong_segment(ctx, widget, outputs, reference.path()) else {
                continue;
            };
            // One finding per reader and path: the same slip repeated is one mistake.
            let path = dotted(reference.path().prefix(wrong.depth + 1));
            if reported.insert((reference.state(), path)) {
                out.push(diagnostic(ctx, reference, widget, outputs, &wrong));
            }
        }
    }
}

/// The widget a `widgets.<name>` reference reads, when its type's outputs are known in full.
fn widget_read<'a>(
    ctx: &'a Context,
    reference: Reference<'_>,
) -> Option<(&'a State, &'static WidgetOutputs)> {
    if reference.root() != Root::Widget {
        return None;
    }
    // A name no widget has is undefined-widget-reference's finding.
    let node = ctx.graph.node(reference.name())?;
    let widget = ctx.state(node);
    Some((widget, outputs::catalog().widget(&widget.kind)?))
}

/// A name of the path the widget does not have: its index in the path, and what was meant.
struct Wrong {
    depth: usize,
    suggestion: Option<String>,
}

fn wrong_segment(
    ctx: &Context,
    widget: &State,
    outputs: &WidgetOutputs,
    path: Path,
) -> Option<Wrong> {
    let output = path.get(2).map(|(n, _)| n).filter(|n| !n.is_empty())?;
    if outputs.has(output) {
        return wrong_child(outputs, output, path);
    }
    let keys = own_keys(ctx, widget, outputs);
    if keys.contains(&output) {
        return None;
    }
    let candidates = outputs.names().chain(keys.iter().copied());
    let suggestion = suggest::closest(output, candidates).map(|c| c.replace("{N}", "0"));
    Some(Wrong {
        depth: 2,
        suggestion,
    })
}

/// A name below a listed output that differs from a known one by case alone
/// (`inbound.body`): Liquid's names are case-sensitive. Other names there are left alone.
fn wrong_child(outputs: &WidgetOutputs, output: &str, path: Path) -> Option<Wrong> {
    let child = path.get(3).map(|(n, _)| n).filter(|n| !n.is_empty())?;
    let known = outputs.children(output)?;
    if known.iter().any(|k| outputs::matches(k, child)) {
        return None;
    }
    let same = known.iter().find(|k| k.eq_ignore_ascii_case(child))?;
    Some(Wrong {
        depth: 3,
        suggestion: Some(format!("{output}.{same}")),
    })
}

/// The keys a set-variables widget sets, which real flows also read from the widget.
fn own_keys<'a>(ctx: &'a Context, widget: &State, outputs: &WidgetOutputs) -> Vec<&'a str> {
    if !outputs.own_keys {
        return Vec::new();
    }
    ctx.flow
        .properties(widget)
        .and_then(|p| p.get("variables"))
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.get("key").and_then(Json::as_str))
        .collect()
}

fn diagnostic(
    ctx: &Context,
    reference: Reference<'_>,
    widget: &State,
    outputs: &WidgetOutputs,
    wrong: &Wrong,
) -> Diagnostic {
    let reader = &ctx.state(reference.state()).name;
    let (name, span) = reference.path().get(wrong.depth).unwrap_or_default();
    let output = dotted(reference.path().prefix(wrong.depth + 1).suffix(2));
    let message = format!(
        "`{reader}` reads `{}`, but `{}` is a `{}` widget, which has no output `{output}`: it is \
         always empty",
        dotted(reference.path()),
        widget.name,
        widget.kind
    );
    let help = match (&wrong.suggestion, outputs.own_keys) {
        (Some(meant), _) => format!("did you mean `widgets.{}.{meant}`?", widget.name),
        (None, true) => set_variables_help(widget, reference.path(), name),
        (None, false) => describe_outputs(widget, outputs),
    };
    ctx.at_reference(&META, reference, message)
        .anchor(Anchor::Bytes(span))
        .help(help)
}

/// What set-variables values are read as: `widgets.init.variables.x` means `flow.variables.x`.
fn set_variables_help(widget: &State, path: Path, name: &str) -> String {
    let key = match path.get(3) {
        Some((child, _)) if name == "variables" && !child.is_empty() => child,
        _ => name,
    };
    format!(
        "what a set-variables widget sets is read as `flow.variables.<key>`: write \
         `flow.variables.{key}` (and set `{key}` in `{}` if it is not set elsewhere)",
        widget.name
    )
}

/// "read `Digits`, `SpeechResult` … or a parameter of the call" for a help line.
fn describe_outputs(widget: &State, outputs: &WidgetOutputs) -> String {
    let own = outputs.own().iter().map(String::as_str);
    let listed = suggest::quoted_list(own, "or");
    match (listed.is_empty(), outputs.shares_lists) {
        (true, _) => format!(
            "a `{}` widget stores nothing: read the value it works on instead",
            widget.kind
        ),
        (false, true) => {
            format!("read {listed}, or a parameter of the call (`CallSid`, `From`, …)")
        }
        (false, false) => format!("read {listed}"),
    }
}

/// `widgets.ask.outbound.Body` from the path's names; `[…]` for an index or a variable.
fn dotted(path: Path) -> String {
    let mut text = String::new();
    for (i, (name, _)) in path.iter().enumerate() {
        match (i, name.is_empty()) {
            (_, true) => text.push_str("[…]"),
            (0, false) => text.push_str(name),
            (_, false) => {
                text.push('.');
                text.push_str(name);
            }
        }
    }
    text
}
