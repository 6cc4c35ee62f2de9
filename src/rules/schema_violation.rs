//! `schema-violation`: widget properties and the flow's own shape break the official Studio
//! JSON Schemas (with the documented patches in `rules/schemas/patches.json`).
//!
//! One finding per offending property: several failing keywords on one value are one finding.
//! Event names are `unknown-event`'s business and are not repeated here.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use crate::flow::{Location, MemberPath};
use crate::rule::{Anchor, Context, Diagnostic, Fix, Rule};
use crate::schema::{self, Violation, WidgetSchema};

declare_rule!(
    SchemaViolation,
    "schema-violation",
    Error,
    "widget properties or the flow's shape break the official Studio schema"
);

impl Rule for SchemaViolation {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let set = schema::schemas();
        for violation in schema::violations(ctx.flow) {
            // The schema's path, relative to the state or the definition.
            let path = MemberPath::from_pointer(violation.pointer.clone());
            let diagnostic = match violation.state {
                // `invalid-initial-state` reports a missing or wrong `initial_state`, and
                // `malformed-flow` a widget's missing or non-string `name` and `type`.
                None if violation.pointer == "/initial_state" => continue,
                Some(_) if violation.is_unreadable_name_or_type() => continue,
                None => {
                    let target = Location::Definition { path };
                    violation.diagnostic(ctx, target, "flow definition", None, None)
                }
                Some(index) => {
                    let state = ctx.state(index);
                    let widget = set.widget(&state.kind);
                    let title = widget.map_or(state.kind.as_str(), |w| w.title.as_str());
                    let target = Location::StateMember { state: index, path };
                    violation.diagnostic(ctx, target, title, widget, Some(&state.name))
                }
            };
            out.push(diagnostic);
        }
    }
}

impl Violation {
    fn diagnostic(
        &self,
        ctx: &Context,
        target: Location,
        label: &str,
        widget: Option<&WidgetSchema>,
        state: Option<&str>,
    ) -> Diagnostic {
        let (kind, value, _) = &self.errors[0];
        // The messages name the property by the pointer's last step.
        let pointer = &ctx.flow.pointer(&target);
        let property = property_name(pointer);
        let message = match &self.missing {
            Some(name) => missing_message(name, label, state),
            None => {
                let subject = match state {
                    Some(state) => format!("`{property}` of {}", widget_name(state)),
                    None => format!("`{property}`"),
                };
                let owner = state.map_or_else(|| "the flow".to_string(), widget_name);
                value_message(kind, value, &subject, &owner, label, widget, pointer)
            }
        };
        let help = help(kind, &property, self.missing.as_deref());
        // A missing property has no place of its own: point at the object that lacks it.
        // Objects and arrays span many lines: underline their key instead.
        let fix = boolean_fix(ctx, kind, value, &target);
        let (target, anchor) = match (&self.missing, value) {
            (Some(_), _) => key_target(ctx, target.parent()),
            (None, Value::Object(_) | Value::Array(_)) => key_target(ctx, target),
            (None, _) => (target, Anchor::Value),
        };
        Diagnostic::new(&META, target, message)
            .anchor(anchor)
            .help(help)
            .fix(fix)
    }
}

/// `"true"` where the schema wants `true`: Studio writes the JSON boolean.
fn boolean_fix(
    ctx: &Context,
    kind: &ValidationErrorKind,
    value: &Value,
    target: &Location,
) -> Option<Fix> {
    let ValidationErrorKind::Type { kind } = kind else {
        return None;
    };
    let wants_boolean = match kind {
        TypeKind::Single(t) => t.to_string() == "boolean",
        TypeKind::Multiple(set) => set.iter().any(|t| t.to_string() == "boolean"),
    };
    let literal = match value.as_str()?.trim() {
        "true" => "true",
        "false" => "false",
        _ => return None,
    };
    let span = ctx.value_span(target).filter(|_| wants_boolean)?;
    Some(Fix::replace(
        format!("write `{literal}` without quotes"),
        span,
        literal,
    ))
}

/// What to write instead, in the words of the fix rather than of the schema.
fn help(kind: &ValidationErrorKind, property: &str, missing: Option<&str>) -> String {
    if let Some(name) = missing {
        return match example(name) {
            Some((value, what)) => format!("add `\"{name}\": {value}` ({what})"),
            None => format!("add `\"{name}\"` with the value the widget needs"),
        };
    }
    match kind {
        ValidationErrorKind::Type { kind } => format!(
            "write `{property}` as {} (numbers and booleans without quotes)",
            type_name(kind)
        ),
        ValidationErrorKind::Enum { options } => format!("use one of {}", list(options)),
        ValidationErrorKind::MinLength { .. } | ValidationErrorKind::Pattern { .. } => {
            match example(property) {
                Some((value, what)) => format!("fill it in: `\"{property}\": {value}` ({what})"),
                None => format!("give `{property}` a value"),
            }
        }
        ValidationErrorKind::OneOfNotValid { .. }
        | ValidationErrorKind::OneOfMultipleValid { .. } => {
            "keep one of `say` (text to speak), `play` (an audio URL) and, on a Say/Play, \
             `digits` (tones to send)"
                .to_string()
        }
        _ => format!("change `{property}` to a value the widget accepts"),
    }
}

/// A value of the right shape, and what it is, for the properties people leave out.
fn example(property: &str) -> Option<(&'static str, &'static str)> {
    Some(match property {
        "workflow" => ("\"WW…\"", "the TaskRouter workflow SID"),
        "channel" => ("\"TC…\"", "the TaskRouter task channel SID"),
        "url" => ("\"https://…\"", "the URL of the Function to run"),
        "from" => (
            "\"{{flow.channel.address}}\"",
            "the number or address that sends",
        ),
        "to" => ("\"{{contact.channel.address}}\"", "whom to reach"),
        "body" => ("\"…\"", "the message text"),
        "input" => ("\"{{widgets.<name>.Digits}}\"", "the value to test"),
        "autopilot_assistant_sid" => ("\"UA…\"", "the assistant's SID"),
        "description" => ("\"…\"", "any text"),
        _ => return None,
    })
}

/// "`name`", or "this widget" for one without a readable name.
fn widget_name(state: &str) -> String {
    if state.is_empty() {
        "this widget".to_string()
    } else {
        format!("`{state}`")
    }
}

/// A value underlined at its key, or at its first character when it has no key.
fn key_target(ctx: &Context, target: Location) -> (Location, Anchor) {
    let anchor = match ctx.flow.locate(&ctx.source.text, &target) {
        Some((Some(_), _)) => Anchor::Key,
        _ => Anchor::Start,
    };
    (target, anchor)
}

fn property_name(pointer: &str) -> String {
    let last = pointer.rsplit('/').next().unwrap_or_default();
    last.replace("~1", "/").replace("~0", "~")
}

fn missing_message(name: &str, label: &str, state: Option<&str>) -> String {
    let subject = match state {
        Some(state) => format!("{} has no `{name}`", widget_name(state)),
        None => format!("the flow has no `{name}`"),
    };
    match reason(name) {
        Some(why) => format!("{subject}: {why}"),
        None => format!("{subject}: a {label} requires it"),
    }
}

fn value_message(
    kind: &ValidationErrorKind,
    value: &Value,
    subject: &str,
    owner: &str,
    label: &str,
    widget: Option<&WidgetSchema>,
    pointer: &str,
) -> String {
    let found = describe(value);
    let property = property_name(pointer);
    match kind {
        ValidationErrorKind::Type { kind } => {
            format!("{subject} must be {}, found {found}", type_name(kind))
        }
        ValidationErrorKind::MinLength { .. } | ValidationErrorKind::Pattern { .. }
            if value.as_str().is_some_and(|s| s.trim().is_empty()) =>
        {
            match reason(&property) {
                Some(why) => format!("{subject} must not be empty: {why}"),
                None => format!("{subject} must not be empty"),
            }
        }
        ValidationErrorKind::Pattern { pattern } if pattern == "^[0-9]+$" => {
            format!("{subject} must be a whole number of seconds, found {found}")
        }
        ValidationErrorKind::Enum { options } => {
            format!("{subject} must be one of {}, found {found}", list(options))
        }
        ValidationErrorKind::Constant { expected_value } => {
            format!("{subject} must be {expected_value}, found {found}")
        }
        ValidationErrorKind::Minimum { .. } | ValidationErrorKind::Maximum { .. } => {
            range_message(subject, &property, &found, widget, pointer, kind)
        }
        ValidationErrorKind::MinItems { limit } => {
            format!(
                "{subject} must have at least {limit} {}, found {found}",
                if *limit == 1 { "item" } else { "items" }
            )
        }
        ValidationErrorKind::MaxItems { limit } => {
            format!("{subject} must have at most {limit} items, found {found}: Studio rejects it")
        }
        ValidationErrorKind::OneOfNotValid { .. }
        | ValidationErrorKind::OneOfMultipleValid { .. }
            if property == "properties" =>
        {
            let has = |key: &str| value.get(key).is_some();
            if has("say") && has("play") {
                format!("{owner} has both `say` and `play`: a {label} uses one of them")
            } else {
                format!(
                    "{owner} has none of `say`, `play` and `digits`: a {label} must play something"
                )
            }
        }
        _ => format!("{subject} does not match the {label} schema ({found})"),
    }
}

/// "between 1 and 30", using both limits of the property's schema when it has them.
fn range_message(
    subject: &str,
    property: &str,
    found: &str,
    widget: Option<&WidgetSchema>,
    pointer: &str,
    kind: &ValidationErrorKind,
) -> String {
    let schema = widget.and_then(|w| {
        w.document
            .pointer(&format!("/properties/properties/properties/{property}"))
            .filter(|_| pointer.contains("/properties/"))
    });
    let limit = |key: &str| schema.and_then(|s| s.get(key)).cloned();
    match (limit("minimum"), limit("maximum"), kind) {
        (Some(min), Some(max), _) => {
            format!("{subject} must be between {min} and {max}, found {found}")
        }
        (_, _, ValidationErrorKind::Minimum { limit }) => {
            format!("{subject} must be at least {limit}, found {found}")
        }
        (_, _, ValidationErrorKind::Maximum { limit }) => {
            format!("{subject} must be at most {limit}, found {found}")
        }
        _ => format!("{subject} is out of range, found {found}"),
    }
}

/// Why Studio needs a property, for the properties whose absence breaks a widget.
fn reason(property: &str) -> Option<&'static str> {
    Some(match property {
        "workflow" => "Studio rejects a Send to Flex without a TaskRouter workflow",
        "channel" => "Studio rejects a Send to Flex without a TaskRouter task channel",
        "url" => "the widget has nothing to call",
        "from" => "Studio cannot send a message without a sender number or address",
        "to" => "the widget has no one to reach",
        "body" => "the message has no text",
        "input" => "the split has nothing to test",
        "autopilot_assistant_sid" => "the widget names no Autopilot assistant",
        "noun" => "Connect Call To needs to know what it connects to",
        "description" => "Studio requires every flow definition to have one",
        _ => return None,
    })
}

fn type_name(kind: &TypeKind) -> String {
    let one = |t: &jsonschema::JsonType| match t.to_string().as_str() {
        "integer" => "an integer".to_string(),
        "boolean" => "a boolean".to_string(),
        "array" => "an array".to_string(),
        "object" => "an object".to_string(),
        other => format!("a {other}"),
    };
    match kind {
        TypeKind::Single(t) => one(t),
        TypeKind::Multiple(set) => set.iter().map(|t| one(&t)).collect::<Vec<_>>().join(" or "),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(s) if s.is_empty() => "an empty string".to_string(),
        Value::String(s) => format!("the string {}", Value::String(truncate(s))),
        Value::Array(items) if items.is_empty() => "an empty array".to_string(),
        Value::Array(items) => format!("{} items", items.len()),
        Value::Object(_) => "an object".to_string(),
        other => other.to_string(),
    }
}

fn truncate(text: &str) -> String {
    if text.chars().count() <= 40 {
        text.to_string()
    } else {
        text.chars().take(40).collect::<String>() + "…"
    }
}

fn list(options: &Value) -> String {
    options
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|o| {
                    format!(
                        "`{}`",
                        o.as_str().map_or_else(|| o.to_string(), str::to_string)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}
