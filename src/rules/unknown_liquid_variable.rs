//! `unknown-liquid-variable`: Liquid reads a variable Studio's context does not have — a root
//! other than `trigger`, `widgets`, `flow` and `contact` (`{{var.variables.x}}`, `{{become}}`),
//! an unquoted `now` in `{{now | date: …}}`, or `flow.<x>`/`contact.<x>` that Studio does not
//! set. Names the template defines itself (`assign`, `capture`, `for`) are not reported.

use foldhash::{HashSet, HashSetExt};

use crate::liquid::{Reference, Root};
use crate::rule::{Context, Diagnostic, Rule};
use crate::suggest;

declare_rule!(
    UnknownLiquidVariable,
    "unknown-liquid-variable",
    Warning,
    "Liquid reads a variable Studio's context does not have"
);

/// The roots of Studio's Liquid context.
const ROOTS: &[&str] = &["trigger", "widgets", "flow", "contact"];
/// What `flow.<x>` can be: the execution's and flow's SIDs, the channel, REST parameters, the
/// set-variables values, add-on data.
const FLOW_MEMBERS: &[&str] = &["sid", "flow_sid", "channel", "data", "variables", "add_ons"];
const CONTACT_MEMBERS: &[&str] = &["channel"];
/// Strings Liquid's `date` filter understands as the current time.
const NOW: &[&str] = &["now", "today"];

impl Rule for UnknownLiquidVariable {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let mut reported = HashSet::new();
        for reference in ctx.references() {
            let Some(help) = unknown(reference) else {
                continue;
            };
            // One finding per reader and name: the same slip repeated is one mistake.
            if !reported.insert((reference.state(), reference.root(), reference.name())) {
                continue;
            }
            let reader = &ctx.state(reference.state()).name;
            out.push(
                ctx.at_reference(&META, reference, message(reader, reference))
                    .help(help),
            );
        }
    }
}

/// The help for a read of something Studio does not have, or `None` for a known read.
fn unknown(reference: Reference<'_>) -> Option<String> {
    let name = reference.name();
    match reference.root() {
        Root::Other if NOW.contains(&name) => Some(format!(
            "quote it: `{{{{ '{name}' | date: … }}}}`; unquoted, `{name}` is a variable, and empty"
        )),
        Root::Other => Some(root_help(reference)),
        Root::Flow if !FLOW_MEMBERS.contains(&name) => {
            Some(member_help("flow", name, FLOW_MEMBERS))
        }
        Root::Contact if !CONTACT_MEMBERS.contains(&name) => {
            Some(member_help("contact", name, CONTACT_MEMBERS))
        }
        _ => None,
    }
}

fn message(reader: &str, reference: Reference<'_>) -> String {
    let name = reference.name();
    match reference.root() {
        Root::Other if NOW.contains(&name) => format!(
            "`{reader}` reads a variable `{name}`, which Studio does not have: the date is \
             always empty"
        ),
        Root::Other => format!(
            "`{reader}` reads `{name}`, which is no variable of Studio's: it is always empty"
        ),
        Root::Flow => {
            format!("`{reader}` reads `flow.{name}`, which Studio does not set: it is always empty")
        }
        _ => format!(
            "`{reader}` reads `contact.{name}`, which Studio does not set: it is always empty"
        ),
    }
}

/// `var.variables.x` means `flow.variables.x`; `widget.x` means `widgets.x`.
fn root_help(reference: Reference<'_>) -> String {
    let second = reference.path().get(1).map_or("", |(n, _)| n);
    let third = reference.path().get(2).map_or("", |(n, _)| n);
    if second == "variables" && !third.is_empty() {
        return format!("did you mean `flow.variables.{third}`?");
    }
    if let Some(root) = suggest::closest(reference.name(), ROOTS.iter().copied()) {
        return format!("did you mean `{root}`?");
    }
    format!(
        "Studio's Liquid reads {}; a name set with `{{% assign %}}` is known only in the same text",
        suggest::quoted_list(ROOTS.iter().copied(), "and")
    )
}

fn member_help(root: &str, name: &str, members: &[&str]) -> String {
    match suggest::closest(name, members.iter().copied()) {
        Some(member) => format!("did you mean `{root}.{member}`?"),
        None => format!(
            "`{root}` has {}",
            suggest::quoted_list(members.iter().copied(), "and")
        ),
    }
}
