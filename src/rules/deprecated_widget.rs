//! `deprecated-widget`: a widget type Twilio has retired or superseded.

use crate::catalog;
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    DeprecatedWidget,
    "deprecated-widget",
    Warning,
    "Autopilot widgets, make-outgoing-call-v1, connect-virtual-agent v1"
);

impl Rule for DeprecatedWidget {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for state in &ctx.flow.states {
            let Some(why) = catalog::widget(&state.kind).and_then(|w| w.deprecated) else {
                continue;
            };
            out.push(
                Diagnostic::new(
                    &META,
                    state.member("type"),
                    format!(
                        "`{}` is a `{}` widget, which is deprecated",
                        state.name, state.kind
                    ),
                )
                .help(why),
            );
        }
    }
}
