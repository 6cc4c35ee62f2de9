//! `condition-list-separator`: a split's `matches_any_of` / `does_not_match_any_of` list whose
//! items are separated by line breaks. Studio splits the list on commas only, so the lines form
//! one item that no answer equals.

use crate::flow::json::Json;

use crate::catalog::{self, MATCH, Role};
use crate::flow::MemberPath;
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    ConditionListSeparator,
    "condition-list-separator",
    Warning,
    "a split's list of values is separated by line breaks instead of commas"
);

/// The condition types whose `value` is a comma-separated list.
const LIST_TYPES: &[&str] = &["matches_any_of", "does_not_match_any_of"];

impl Rule for ConditionListSeparator {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for state in &ctx.flow.states {
            if catalog::role(&state.kind) != Role::Split {
                continue;
            }
            for transition in state.transitions.iter().filter(|t| t.event == MATCH) {
                for (i, condition) in ctx.flow.conditions(transition).iter().enumerate() {
                    let Some((kind, lines, all)) = lines_as_items(condition) else {
                        continue;
                    };
                    let conditions = MemberPath::from("conditions");
                    let location = transition.member(conditions.index(i).key("value"));
                    let message = format!(
                        "the `{kind}` list of `{}` puts its values on separate lines, but Studio \
                         separates them by commas only: `{}` is one value, which no answer equals",
                        state.name,
                        lines.join("\\n")
                    );
                    out.push(Diagnostic::new(&META, location, message).help(format!(
                        "separate the values with commas: `{}`",
                        all.join(", ")
                    )));
                }
            }
        }
    }
}

/// When the condition is a list with values written one per line: its type, the lines of the
/// first item that holds a line break, and every value as meant.
fn lines_as_items(condition: Json<'_>) -> Option<(&str, Vec<&str>, Vec<&str>)> {
    let kind = condition.get("type").and_then(Json::as_str)?;
    if !LIST_TYPES.contains(&kind) {
        return None;
    }
    let value = condition.get("value").and_then(Json::as_str)?;
    // Blanks, line breaks included, around a comma-separated item are trimmed: `a,\nb` is fine.
    let item = value
        .split(',')
        .map(str::trim)
        .find(|i| i.contains(['\n', '\r']))?;
    Some((kind, values(item), values(value)))
}

/// The values of a list, whether separated by commas or by line breaks.
fn values(text: &str) -> Vec<&str> {
    text.split([',', '\n', '\r'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}
