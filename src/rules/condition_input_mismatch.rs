//! `condition-input-mismatch`: a split condition whose `arguments` read something other than
//! the split's `input`. The canvas shows the input and writes it into every condition; a
//! copied split whose conditions still read the widget it was copied from tests the wrong
//! answer. Which of the two Studio evaluates is not documented, so the finding says what each
//! reads and lets the author pick.

use crate::conditions::{Condition, Split, same_expression_key};
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    ConditionInputMismatch,
    "condition-input-mismatch",
    Warning,
    "a split condition's arguments read something other than the split's input"
);

impl Rule for ConditionInputMismatch {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for split in ctx.splits() {
            let Some(input) = split.input else {
                continue;
            };
            let key = same_expression_key(input);
            for condition in split.matches().flat_map(|b| &b.conditions) {
                for &(index, argument) in &condition.arguments {
                    // The canvas writes the input into each condition: most are equal as
                    // written, with no key to build.
                    if argument != input && same_expression_key(argument) != key {
                        out.push(finding(split, condition, index, input, argument));
                    }
                }
            }
        }
    }
}

fn finding(
    split: &Split,
    condition: &Condition,
    index: usize,
    input: &str,
    argument: &str,
) -> Diagnostic {
    let name = &split.state.name;
    // Keyed by the state alone, as it always was: no event.
    Diagnostic::new(
        &META,
        condition.argument_location(index).within_state(),
        format!(
            "`{name}` shows `{}` as its input, but this condition's argument reads `{}`",
            input.trim(),
            argument.trim()
        ),
    )
    .help(
        "make the argument read what the input reads (the canvas writes the input into every \
         condition); a copied split often still reads the widget it was copied from",
    )
}
