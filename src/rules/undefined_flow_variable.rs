//! `undefined-flow-variable`: Liquid reads `flow.variables.<x>` and no set-variables widget in
//! the flow sets `x`.

use foldhash::{HashSet, HashSetExt};

use crate::liquid::Root;
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    UndefinedFlowVariable,
    "undefined-flow-variable",
    Warning,
    "`flow.variables.x` is read, and no set-variables widget sets `x`"
);

impl Rule for UndefinedFlowVariable {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let setters = ctx.variable_setters();
        let mut reported = HashSet::new();
        for reference in ctx.references() {
            if reference.root() != Root::FlowVariable || setters.contains_key(reference.name()) {
                continue;
            }
            if !reported.insert((reference.state(), reference.name())) {
                continue;
            }
            let reader = &ctx.state(reference.state()).name;
            let nearest = ctx.nearest(reference.name(), setters.keys().copied());
            let help = match nearest.closest {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "set `{}` in a set-variables widget before `{reader}` runs",
                    reference.name()
                ),
            };
            let message = format!(
                "`{reader}` reads `flow.variables.{}`, but no set-variables widget sets it: it \
                 is always empty",
                reference.name()
            );
            out.push(ctx.at_reference(&META, reference, message).help(help));
        }
    }
}
