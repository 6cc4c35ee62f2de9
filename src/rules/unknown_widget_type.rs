//! `unknown-widget-type`: a state whose `type` is not a Studio widget flowcheck knows.

use crate::catalog;
use crate::rule::{Context, Diagnostic, Rule, RuleMeta, Severity};
use crate::suggest;

pub struct UnknownWidgetType;

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

pub static META: RuleMeta = RuleMeta {
    id: "unknown-widget-type",
    severity: Severity::Warning,
    summary: "a widget `type` flowcheck does not know",
    doc: include_str!("../../rules/unknown-widget-type.md"),
};

impl Rule for UnknownWidgetType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for state in &ctx.flow.states {
            if catalog::widget(&state.kind).is_some() {
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
                    state.member_pointer("type"),
                    format!("`{}` is not a Studio widget type", state.kind),
                )
                .state(&state.name)
                .help(help),
            );
        }
    }
}
