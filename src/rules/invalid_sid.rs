//! `invalid-sid`: a property that names an account resource by SID holds something that starts
//! like such a SID but is not one — a placeholder left in (`WWxx`, a bare `WW`,
//! `FW_SOMETHING_SID_HERE`) or a SID of the wrong length — or holds the SID of another kind of
//! resource. A SID is two letters and 32 hex digits. Tokens for a substitution step (`${…}`,
//! `YOUR_SERVICE_SID`, `<FLEX_WORKFLOW_SID>`) and Liquid are left alone.

use crate::catalog::{self, SID_PROPERTIES, SidProperty};
use crate::flow::MemberPath;
use crate::flow::State;
use crate::liquid;
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    InvalidSid,
    "invalid-sid",
    Warning,
    "a SID property holds a placeholder left in, a SID of the wrong kind, or a malformed SID"
);

/// The hex digits after a SID's two-letter prefix.
const HEX_DIGITS: usize = 32;

impl Rule for InvalidSid {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for state in &ctx.flow.states {
            for expected in SID_PROPERTIES.iter().filter(|p| p.kind == state.kind) {
                let Some(value) = ctx
                    .flow
                    .properties(state)
                    .and_then(|p| p.get(expected.property))
                    .and_then(|v| v.as_str())
                else {
                    continue;
                };
                if let Some(problem) = problem(value, expected) {
                    out.push(diagnostic(state, expected, value, &problem));
                }
            }
        }
    }
}

/// What is wrong with a value that should be a SID with the expected prefix.
fn problem(value: &str, expected: &SidProperty) -> Option<String> {
    let value = value.trim();
    // An empty value is schema-violation's; templated values are filled in later.
    if value.is_empty() || value.contains("{{") || value.contains("{%") {
        return None;
    }
    if expected.studio_value == Some(value) {
        return None;
    }
    if liquid::has_placeholder(value) {
        return None;
    }
    let (prefix, digits) = value.split_at(value.len().min(2));
    let hex = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit());
    let letters = prefix.len() == 2 && prefix.bytes().all(|b| b.is_ascii_uppercase());
    if letters && hex && digits.len() == HEX_DIGITS {
        return (prefix != expected.prefix).then(|| {
            format!(
                "is the SID of {}, not of {}",
                catalog::sid_resource(prefix).unwrap_or("another kind of resource"),
                resource(expected)
            )
        });
    }
    // A value that starts like the SID was meant to be it: truncated, or its digits replaced.
    // Anything else (`YOUR_SERVICE_SID`, `<FLEX_WORKFLOW_SID>`) is a token for a substitution
    // step flowcheck cannot see, like `${…}`.
    if prefix != expected.prefix {
        return None;
    }
    Some(if hex {
        format!(
            "has {} hex digits after `{prefix}`, where a SID has {HEX_DIGITS}",
            digits.len()
        )
    } else {
        format!(
            "is a placeholder left in where {} SID belongs",
            resource(expected)
        )
    })
}

fn resource(expected: &SidProperty) -> &'static str {
    catalog::sid_resource(expected.prefix).unwrap_or("the resource")
}

fn diagnostic(state: &State, expected: &SidProperty, value: &str, problem: &str) -> Diagnostic {
    let message = format!(
        "`{}` of `{}` is `{value}`, which {problem}: the widget fails at run time",
        expected.property, state.name
    );
    let property = MemberPath::from("properties").key(expected.property);
    Diagnostic::new(&META, state.member(property), message).help(format!(
        "write the `{}…` SID of {} from your account (`{}` followed by {HEX_DIGITS} hex \
             digits), or a `${{…}}` placeholder that your deployment fills in",
        expected.prefix,
        resource(expected),
        expected.prefix
    ))
}
