//! `unknown-widget-type`: a state whose `type` is not a Studio widget flowcheck knows.

use crate::catalog;
use crate::rule::{Context, Diagnostic, Rule};
use crate::suggest;

declare_rule!(
    UnknownWidgetType,
    "unknown-widget-type",
    Warning,
    "a widget `type` flowcheck does not know"
);

/// Studio has no hang-up widget, yet flows written by hand often invent one.
const HANG_UP_HELP: &str = "Studio has no hang-up widget: to end the call, leave the `next` of \
    the transition that leads here empty";

fn is_hang_up(kind: &str) -> bool {
    let letters: String = kind.chars().filter(char::is_ascii_alphabetic).collect();
    matches!(
        letters.to_ascii_lowercase().as_str(),
        "hangup" | "endcall" | "end"
    )
}

impl Rule for UnknownWidgetType {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for state in &ctx.flow.states {
            // An unreadable type is malformed-flow's finding.
            if state.kind.is_empty() || catalog::widget(&state.kind).is_some() {
                continue;
            }
            let help = match suggest::closest(&state.kind, catalog::known_types()) {
                Some(close) => format!("did you mean `{close}`?"),
                None if is_hang_up(&state.kind) => HANG_UP_HELP.to_string(),
                None => "Studio rejects types it does not know, and flowcheck cannot check \
                         this state's events"
                    .to_string(),
            };
            out.push(
                Diagnostic::new(
                    &META,
                    state.member("type"),
                    format!("`{}` is not a Studio widget type", state.kind),
                )
                .help(help),
            );
        }
    }
}
