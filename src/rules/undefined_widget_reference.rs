//! `undefined-widget-reference`: Liquid reads `widgets.<name>` and no widget has that name.

use foldhash::{HashSet, HashSetExt};

use crate::liquid::{Reference, Root};
use crate::rule::{Context, Diagnostic, Edit, Fix, Rule};

declare_rule!(
    UndefinedWidgetReference,
    "undefined-widget-reference",
    Error,
    "Liquid names a widget that does not exist"
);

impl Rule for UndefinedWidgetReference {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let mut reported = HashSet::new();
        for reference in ctx.references() {
            if reference.root() != Root::Widget || ctx.graph.contains(reference.name()) {
                continue;
            }
            // One finding per widget and name: the same typo repeated is one mistake.
            if !reported.insert((reference.state(), reference.name())) {
                continue;
            }
            let reader = ctx.state(reference.state());
            // A widget cannot usefully read itself, so its own name is no suggestion.
            let others = ctx.graph.names().filter(|n| *n != reader.name);
            let nearest = ctx.nearest(reference.name(), others);
            let help = match nearest.closest {
                Some(close) => format!("did you mean `{close}`?"),
                None => "name an existing widget; at run time this reads as empty".to_string(),
            };
            let message = format!(
                "`{}` reads `widgets.{}`, but no widget has that name: it is always empty",
                reader.name,
                reference.name()
            );
            let fix = nearest
                .unique()
                .filter(|close| is_plain_name(close))
                .map(|close| rename_everywhere(ctx, reference, close));
            out.push(
                ctx.at_reference(&META, reference, message)
                    .help(help)
                    .fix(fix),
            );
        }
    }
}

/// The finding stands for every read of the name in this widget: the fix renames them all.
fn rename_everywhere(ctx: &Context, reference: Reference<'_>, close: &str) -> Fix {
    let edits = ctx
        .references()
        .iter()
        .filter(|r| {
            r.state() == reference.state()
                && r.root() == Root::Widget
                && r.name() == reference.name()
        })
        .map(|r| Edit {
            span: r.span(),
            replacement: close.to_string(),
        })
        .collect();
    Fix::safe(format!("read `widgets.{close}`"), edits)
}

/// A name that can be written into a JSON string and a Liquid path as it is.
fn is_plain_name(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
