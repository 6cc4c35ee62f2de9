//! `unset-flow-variable`: some path from the trigger reaches a read of `flow.variables.<x>`
//! without passing a set-variables widget that sets `x`.

use foldhash::{HashSet, HashSetExt};

use crate::dataflow::{self, VariablesSet};
use crate::flow::StateId;
use crate::liquid::Root;
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    UnsetFlowVariable,
    "unset-flow-variable",
    Info,
    "some path reaches a read of a flow variable without setting it"
);

impl Rule for UnsetFlowVariable {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let references: Vec<_> = ctx
            .references()
            .iter()
            .filter(|r| r.root() == Root::FlowVariable)
            .collect();
        if references.is_empty() {
            return;
        }
        let variables = VariablesSet::compute(
            ctx.graph,
            ctx.variable_setters(),
            ctx.dominators(),
            references.iter().map(|r| r.name()),
        );
        let reachable = ctx.reachable();
        let loop_setters = setters_on_loops(ctx);
        let mut reported = HashSet::new();
        for reference in references {
            let state = ctx.state(reference.state());
            // Never set at all is undefined-flow-variable's finding; unreachable readers
            // are unreachable-state's.
            if !variables.is_ever_set(reference.name())
                || !reachable[reference.state().index()]
                || reference.guarded()
                || !reference.empty_matters(ctx.flow)
                || variables.is_set_before(reference.state(), reference.name())
                || set_on_the_same_loop(ctx, reference.state(), reference.name(), &loop_setters)
                // `count = {{flow.variables.count | plus: 1}}`: the counter idiom relies on
                // the first read being empty.
                || dataflow::keys_set_by(ctx.flow, state).any(|(_, key)| key == reference.name())
                || !reported.insert((reference.state(), reference.name()))
            {
                continue;
            }
            let message = format!(
                "`{}` reads `flow.variables.{}`, which some paths reach without setting it",
                state.name,
                reference.name()
            );
            out.push(ctx.at_reference(&META, reference, message).help(format!(
                "set `{}` on every path to `{}` (for example right after the trigger), or \
                     give it a default (`| default: …`)",
                reference.name(),
                state.name
            )));
        }
    }
}

/// (variable, loop) for every set-variables widget on a loop: one pass over the flow.
fn setters_on_loops<'c>(ctx: &'c Context) -> HashSet<(&'c str, usize)> {
    let mut set = HashSet::new();
    for state in &ctx.flow.states {
        let Some(cycle) = ctx.cycle_of(state.id) else {
            continue;
        };
        for (_, key) in dataflow::keys_set_by(ctx.flow, state) {
            set.insert((key, cycle));
        }
    }
    set
}

/// The read-then-set loop idiom: a widget on the reader's loop sets the variable, so every
/// turn but the first reads the previous turn's value, and the first is empty by design.
fn set_on_the_same_loop(
    ctx: &Context,
    reader: StateId,
    name: &str,
    loop_setters: &HashSet<(&str, usize)>,
) -> bool {
    ctx.cycle_of(reader)
        .is_some_and(|cycle| loop_setters.contains(&(name, cycle)))
}
