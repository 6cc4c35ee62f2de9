//! `speech-equality`: a split compares what a caller said (`SpeechResult`) for equality with
//! fixed values. Twilio transcribes speech as a sentence, with punctuation (`Sales.`), so an
//! equality, unlike `contains`, usually fails.

use crate::flow::json::Json;

use crate::catalog::{self, MATCH, Role};
use crate::flow::MemberPath;
use crate::flow::{State, Transition};
use crate::rule::{Context, Diagnostic, Rule};
use crate::suggest;

declare_rule!(
    SpeechEquality,
    "speech-equality",
    Warning,
    "a split compares a speech result for equality"
);

/// Conditions that hold only when the whole answer equals a value (or one of a list).
const EQUALITY_TYPES: &[&str] = &[
    "equal_to",
    "not_equal_to",
    "matches_any_of",
    "does_not_match_any_of",
];
/// Filters that leave a sentence's punctuation in place.
const KEEPS_PUNCTUATION: &[&str] = &[
    "downcase",
    "upcase",
    "capitalize",
    "strip",
    "lstrip",
    "rstrip",
    "strip_newlines",
    "default",
];

impl Rule for SpeechEquality {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for state in &ctx.flow.states {
            if catalog::role(&state.kind) != Role::Split {
                continue;
            }
            let mut compared = Vec::new();
            let mut first = None;
            for transition in state.transitions.iter().filter(|t| t.event == MATCH) {
                for (i, condition) in ctx.flow.conditions(transition).iter().enumerate() {
                    let Some((gather, values)) = speech_equality(ctx, state, condition) else {
                        continue;
                    };
                    first.get_or_insert((transition, i, gather));
                    for value in values {
                        if !compared.contains(&value) {
                            compared.push(value);
                        }
                    }
                }
            }
            if let Some((transition, i, gather)) = first {
                out.push(diagnostic(state, transition, i, &gather, &compared));
            }
        }
    }
}

/// The gather a condition tests the speech of, and the values it compares it with, when it is
/// an equality on a speech result none of whose values carries punctuation.
fn speech_equality<'a>(
    ctx: &Context,
    state: &State,
    condition: Json<'a>,
) -> Option<(String, Vec<&'a str>)> {
    let kind = condition.get("type").and_then(Json::as_str)?;
    if !EQUALITY_TYPES.contains(&kind) {
        return None;
    }
    // The canvas writes the split's input into the condition's arguments.
    let input = match condition.get("arguments").and_then(|a| a.get(0)) {
        Some(argument) => argument.as_str()?,
        None => ctx.flow.properties(state)?.get("input")?.as_str()?,
    };
    let gather = speech_of(input)?;
    ctx.graph.node(gather)?;
    let value = condition.get("value").and_then(Json::as_str)?;
    let values: Vec<&str> = match kind {
        "matches_any_of" | "does_not_match_any_of" => value.split(',').map(str::trim).collect(),
        _ => vec![value.trim()],
    };
    // A value written with its punctuation (`Sales.`) shows the author knows the shape.
    let plain = values
        .iter()
        .all(|v| !v.is_empty() && !v.ends_with(['.', '?', '!', ',']));
    plain.then(|| (gather.to_string(), values))
}

/// The gather whose `SpeechResult` is the whole input, `{{widgets.g.SpeechResult}}`, through
/// filters that keep punctuation only.
fn speech_of(input: &str) -> Option<&str> {
    let inner = input.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains("{{") || inner.contains("{%") {
        return None;
    }
    let mut parts = inner.trim_matches('-').split('|');
    let path = parts.next()?.trim();
    let gather = path
        .strip_prefix("widgets.")?
        .strip_suffix(".SpeechResult")?;
    let keeps = parts.all(|filter| {
        let name = filter.trim().split([':', ' ']).next().unwrap_or("");
        KEEPS_PUNCTUATION.contains(&name)
    });
    keeps.then_some(gather)
}

fn diagnostic(
    state: &State,
    transition: &Transition,
    condition: usize,
    gather: &str,
    values: &[&str],
) -> Diagnostic {
    let message = format!(
        "`{}` compares what the caller said at `{gather}` with {} for equality, but Twilio \
         transcribes speech as a sentence with punctuation (`Sales.`): the comparison usually \
         fails",
        state.name,
        suggest::quoted_list(values.iter().copied(), "and")
    );
    let help = format!(
        "test with `contains` (the answer contains `{}`), or remove the punctuation in the input: \
         `{{{{widgets.{gather}.SpeechResult | remove: '.'}}}}`",
        values.first().copied().unwrap_or("")
    );
    let conditions = MemberPath::from("conditions");
    let location = transition.member(conditions.index(condition).key("value"));
    Diagnostic::new(&META, location, message).help(help)
}
