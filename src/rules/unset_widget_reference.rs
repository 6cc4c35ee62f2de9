//! `unset-widget-reference`: Liquid reads a widget that has not run on every path to the
//! reader (it does not dominate it), or a widget reads its own output.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use petgraph::graph::NodeIndex;

use crate::catalog::{self, Role};
use crate::dataflow::PathsAvoiding;
use crate::liquid::{Reference, Root};
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    UnsetWidgetReference,
    "unset-widget-reference",
    Warning,
    "Liquid reads a widget that has not run on every path to the reader"
);

/// Beyond this many distinct widgets, findings name no example path: each example costs a
/// search of the graph, and a flow with that many is better read in the diagram.
const MAX_EXAMPLE_SEARCHES: usize = 64;

impl Rule for UnsetWidgetReference {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let Some(dominators) = ctx.dominators() else {
            return;
        };
        let reachable = ctx.reachable();
        let mut searches: HashMap<NodeIndex, PathsAvoiding> = HashMap::new();
        let mut reported = HashSet::new();
        for reference in ctx.references() {
            let Some(widget) = ctx.graph.node(reference.name()) else {
                continue;
            };
            if reference.root() != Root::Widget {
                continue;
            }
            let reader = reference.state().node();
            // Unreachable readers are unreachable-state's finding.
            if !reachable[reader.index()] || !reported.insert((reader, widget)) {
                continue;
            }
            if widget == reader {
                // Transition conditions are evaluated after the widget ran, so its output is
                // there; only a split has no output of its own to test.
                // On a loop, a widget's properties read its output from the previous turn.
                let in_conditions = reference
                    .location()
                    .path()
                    .is_some_and(|p| p.as_pointer().contains("/transitions/"));
                let is_split = catalog::role(&ctx.state(reference.state()).kind) == Role::Split;
                if is_split || !(in_conditions || ctx.same_cycle(widget, reader)) {
                    out.push(self_read(ctx, reference));
                }
                continue;
            }
            // The read is reported only where an empty value changes what the flow does and
            // nothing copes with it; a widget in the same loop as its reader is the previous
            // turn's output (a session id that is empty on the first turn by design).
            if dominators.dominates(widget, reader)
                || reference.guarded()
                || !reference.empty_matters(ctx.flow)
                || ctx.same_cycle(widget, reader)
            {
                continue;
            }
            if searches.len() < MAX_EXAMPLE_SEARCHES || searches.contains_key(&widget) {
                let search = searches
                    .entry(widget)
                    .or_insert_with(|| PathsAvoiding::new(ctx.graph, widget));
                let path = search.path_to(reader);
                out.push(not_dominated(ctx, reference, path.as_deref()));
            } else {
                out.push(not_dominated(ctx, reference, None));
            }
        }
    }
}

fn self_read(ctx: &Context, reference: Reference<'_>) -> Diagnostic {
    let state = ctx.state(reference.state());
    let name = &state.name;
    let message = if catalog::role(&state.kind) == Role::Split {
        format!("`{name}` tests `widgets.{name}`, but a split has no output: it is always empty")
    } else {
        format!("`{name}` reads its own output (`widgets.{name}`), which is empty while it runs")
    };
    ctx.at_reference(&META, reference, message)
        .help("read the output of the widget that ran before this one")
}

fn not_dominated(
    ctx: &Context,
    reference: Reference<'_>,
    path: Option<&[NodeIndex]>,
) -> Diagnostic {
    let reader = &ctx.state(reference.state()).name;
    let help = match path {
        Some(path) => format!(
            "this path skips `{}`: {}; read it only after it has run, or give a default \
             (`| default: …`)",
            reference.name(),
            describe_path(ctx, path)
        ),
        None => format!(
            "read `{}` only where it has run, or give a default (`| default: …`)",
            reference.name()
        ),
    };
    let message = format!(
        "`{reader}` reads `widgets.{}`, but `{}` does not run on every path to `{reader}`",
        reference.name(),
        reference.name()
    );
    ctx.at_reference(&META, reference, message).help(help)
}

/// "Trigger → menu → … → say_result", eliding the middle of long paths.
fn describe_path(ctx: &Context, path: &[NodeIndex]) -> String {
    let name = |n: &NodeIndex| format!("`{}`", ctx.state(*n).name);
    if path.len() <= 8 {
        return path.iter().map(name).collect::<Vec<_>>().join(" → ");
    }
    let head: Vec<String> = path[..3].iter().map(name).collect();
    let tail: Vec<String> = path[path.len() - 3..].iter().map(name).collect();
    format!("{} → … → {}", head.join(" → "), tail.join(" → "))
}
