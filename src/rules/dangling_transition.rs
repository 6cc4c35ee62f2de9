//! `dangling-transition`: a transition's `next` names a state that does not exist.

use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    DanglingTransition,
    "dangling-transition",
    Error,
    "a transition's `next` names no state"
);

impl Rule for DanglingTransition {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        // The graph lists the transitions whose target it could not find.
        for &(node, index) in ctx.graph.dangling() {
            let state = ctx.state(node);
            let transition = &state.transitions[index];
            let next = transition.next.as_deref().unwrap_or_default();
            // A `${…}` placeholder is filled in before upload: its target is unknown here.
            if crate::liquid::has_placeholder(next) {
                continue;
            }
            let nearest = ctx.nearest(next, ctx.graph.names());
            let help = match nearest.closest {
                Some(close) => format!("did you mean `{close}`?"),
                None => {
                    "point `next` at an existing state, or leave it empty to end here".to_string()
                }
            };
            // Only one close name: pointing the transition at it repairs the typo alone.
            let fix = nearest.unique().and_then(|close| {
                let title = format!("point `next` at `{close}`");
                ctx.replace_with_string(title, &transition.member("next"), close)
            });
            out.push(
                Diagnostic::new(
                    &META,
                    transition.member("next"),
                    format!(
                        "`{}` of `{}` goes to `{next}`, but no state has that name",
                        transition.event, state.name
                    ),
                )
                .help(help)
                .fix(fix),
            );
        }
    }
}
