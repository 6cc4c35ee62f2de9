//! `numeric-comparison-on-text`: `less_than`/`greater_than` on what is certainly free text —
//! a message's `Body`, a gather's `SpeechResult` — with no numeric filter, or against a
//! `value` that is not a number. Whether Studio converts a digits-only string such as a
//! gather's `Digits` is not established, so those inputs are left alone: only what
//! certainly fails is reported (Twilio's advice for such splits: `{{… | plus: 0}}`).

use crate::conditions::{Condition, Op, has_liquid, number};
use crate::flow::Location;
use crate::liquid;
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    NumericComparisonOnText,
    "numeric-comparison-on-text",
    Warning,
    "less_than/greater_than on free text (a message Body, SpeechResult) or with a non-number"
);

impl Rule for NumericComparisonOnText {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for split in ctx.splits() {
            for branch in split.matches() {
                for condition in &branch.conditions {
                    if !matches!(condition.op(), Some(Op::LessThan | Op::GreaterThan)) {
                        continue;
                    }
                    let found = not_a_number(condition).or_else(|| free_text(ctx, condition));
                    if let Some((location, message)) = found {
                        out.push(Diagnostic::new(&META, location, message).help(
                            "compare numbers: make the input numeric with a filter \
                                     (`{{… | plus: 0}}`) and give a number as the value, or \
                                     use a text operator (`equal_to`, `contains`, `regex`)",
                        ));
                    }
                }
            }
        }
    }
}

fn not_a_number(condition: &Condition) -> Option<(Location, String)> {
    let value = condition.value.unwrap_or("");
    if has_liquid(value) || number(value).is_some() {
        return None;
    }
    Some((
        condition.value_location(),
        format!(
            "`{}` compares with `{value}`, which is not a number",
            condition.kind
        ),
    ))
}

/// The first argument that is a bare output of free text: `{{widgets.ask.inbound.Body}}`.
fn free_text(ctx: &Context, condition: &Condition) -> Option<(Location, String)> {
    condition.arguments.iter().find_map(|&(index, argument)| {
        let what = free_text_output(ctx, argument)?;
        Some((
            condition.argument_location(index),
            format!(
                "`{}` compares `{}` as a number, but it is {what}: free text, not a number",
                condition.kind,
                argument.trim()
            ),
        ))
    })
}

/// What the argument is, when it is exactly one Liquid output of free text with no filter.
fn free_text_output(ctx: &Context, argument: &str) -> Option<&'static str> {
    let inner = argument.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains(['|', '{', '}', '%']) {
        return None;
    }
    let paths = liquid::paths(argument);
    let [path] = paths.as_slice() else {
        return None;
    };
    let names: Vec<&str> = path.iter().map(String::as_str).collect();
    match names.as_slice() {
        ["trigger", "message" | "conversation", "Body"] => Some("the text of the message"),
        ["widgets", widget, "inbound", "Body"]
            if is_kind(ctx, widget, "send-and-wait-for-reply") =>
        {
            Some("the text of the reply")
        }
        ["widgets", widget, "SpeechResult"] if is_kind(ctx, widget, "gather-input-on-call") => {
            Some("what the caller said")
        }
        _ => None,
    }
}

fn is_kind(ctx: &Context, widget: &str, kind: &str) -> bool {
    ctx.graph
        .node(widget)
        .is_some_and(|node| ctx.state(node).kind == kind)
}
