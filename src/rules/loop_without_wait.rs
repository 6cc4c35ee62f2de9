//! `loop-without-wait`: a cycle in which no widget waits on a person or on time, so it spins
//! until Studio stops the execution. A retry loop bounded by a counter is left alone.

use petgraph::graph::NodeIndex;

use crate::loops;
use crate::rule::{Context, Diagnostic, Rule, RuleMeta, Severity};

pub struct LoopWithoutWait;

pub static META: RuleMeta = RuleMeta {
    id: "loop-without-wait",
    severity: Severity::Warning,
    summary: "a cycle with no waiting widget in it, which spins to Studio's step limit",
    doc: include_str!("../../rules/loop-without-wait.md"),
};

/// Studio stops an execution after this many steps (errors 81000 / 84000).
const STEP_LIMIT: usize = 1000;
/// ... or when one widget runs this many times in a row (error 81001).
const REPEAT_LIMIT: usize = 10;

impl Rule for LoopWithoutWait {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for scc in loops::spinning_cycles(ctx) {
            if !bounded_by_counter(ctx, &scc) {
                out.push(finding(ctx, &scc));
            }
        }
    }
}

fn finding(ctx: &Context, scc: &[NodeIndex]) -> Diagnostic {
    let first = ctx.state(ctx.graph.state_index(scc[0]));
    let message = if scc.len() == 1 {
        format!(
            "`{}` leads back to itself without waiting: it runs {REPEAT_LIMIT} times in a row, \
             then Studio stops the execution",
            first.name
        )
    } else {
        format!(
            "the loop through {} waits on nothing: it can run about {} times before Studio's \
             1,000-step limit stops the execution",
            loops::describe(ctx, scc, 6),
            STEP_LIMIT / scc.len()
        )
    };
    Diagnostic::new(&META, first.member_pointer("name"), message)
        .state(&first.name)
        .help(
            "bound the loop with a counter (a set-variables that increments it and a split \
             that leaves the loop when it is reached), or put a widget that waits for the \
             caller in it",
        )
}

/// A split in the loop tests a flow variable that a set-variables in the loop changes, and
/// the split has a way out of the loop: the retry count bounds it.
fn bounded_by_counter(ctx: &Context, scc: &[NodeIndex]) -> bool {
    let mut inside = vec![false; ctx.graph.graph.node_count()];
    for node in scc {
        inside[node.index()] = true;
    }
    let states = || scc.iter().map(|&n| ctx.state(ctx.graph.state_index(n)));
    let counters: Vec<String> = states()
        .filter(|s| s.kind == "set-variables")
        .flat_map(|s| set_variable_keys(ctx, s))
        .collect();
    states()
        .filter(|s| s.kind == "split-based-on")
        .any(|split| {
            let tested = flow_variables_read(ctx, split);
            tested.iter().any(|v| counters.contains(v)) && leaves(ctx, split, &inside)
        })
}

fn set_variable_keys(ctx: &Context, state: &crate::flow::State) -> Vec<String> {
    ctx.flow
        .properties(state)
        .and_then(|p| p.get("variables"))
        .and_then(|v| v.as_array())
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.get("key").and_then(|k| k.as_str()))
        .map(str::to_string)
        .collect()
}

/// Names `x` of every `flow.variables.x` in the split's input and condition arguments.
fn flow_variables_read(ctx: &Context, split: &crate::flow::State) -> Vec<String> {
    let mut texts: Vec<&str> = Vec::new();
    if let Some(input) = ctx
        .flow
        .properties(split)
        .and_then(|p| p.get("input"))
        .and_then(|i| i.as_str())
    {
        texts.push(input);
    }
    for transition in &split.transitions {
        let conditions = ctx
            .flow
            .node(&transition.pointer)
            .and_then(|t| t.get("conditions"))
            .and_then(|c| c.as_array())
            .map(Vec::as_slice)
            .unwrap_or_default();
        for condition in conditions {
            let arguments = condition.get("arguments").and_then(|a| a.as_array());
            texts.extend(arguments.into_iter().flatten().filter_map(|a| a.as_str()));
            texts.extend(condition.get("value").and_then(|v| v.as_str()));
        }
    }
    texts.into_iter().flat_map(variable_names).collect()
}

fn variable_names(text: &str) -> Vec<String> {
    const PREFIX: &str = "flow.variables.";
    text.match_indices(PREFIX)
        .map(|(at, _)| {
            text[at + PREFIX.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// Whether some event of the split ends the execution or goes outside the loop.
fn leaves(ctx: &Context, split: &crate::flow::State, inside: &[bool]) -> bool {
    let has_no_match = split.transitions.iter().any(|t| t.event == "noMatch");
    !has_no_match
        || split.transitions.iter().any(|t| {
            t.next
                .as_deref()
                .and_then(|n| ctx.graph.node(n))
                .is_none_or(|n| !inside[n.index()])
        })
}
