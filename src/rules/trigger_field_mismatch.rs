//! `trigger-field-mismatch`: Liquid reads trigger data that no execution reaching the reader
//! has (`trigger.message.*` where only calls arrive), a kind of trigger data Studio does not
//! have (`trigger.sms`), or a misspelt field (`trigger.call.Sid` for `CallSid`).
//!
//! Which trigger events reach a widget comes from [`crate::channels::Channels`]; the fields of
//! each kind are catalog data (`rules/outputs.toml`).

use foldhash::{HashSet, HashSetExt};

use crate::catalog::outputs::{self, TriggerFields};
use crate::catalog::trigger_event::{CALL, CONVERSATION, MESSAGE, PARENT, REQUEST};
use crate::flow::MemberPath;
use crate::liquid::{Reference, Root};
use crate::rule::{Anchor, Context, Diagnostic, Rule};
use crate::suggest;

declare_rule!(
    TriggerFieldMismatch,
    "trigger-field-mismatch",
    Warning,
    "Liquid reads trigger data that the executions reaching it do not have"
);

impl Rule for TriggerFieldMismatch {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let mut reported = HashSet::new();
        for reference in ctx.references() {
            if reference.root() != Root::Trigger || in_studio_default(ctx, reference) {
                continue;
            }
            let found = match outputs::catalog().trigger(reference.name()) {
                None => Some(unknown_kind(ctx, reference)),
                Some(fields) => wrong_channel(ctx, reference, fields)
                    .or_else(|| misspelt_field(ctx, reference, fields)),
            };
            let Some(diagnostic) = found else {
                continue;
            };
            // One finding per reader and path: the same read repeated is one mistake.
            let names: Vec<&str> = reference.path().iter().take(3).map(|(n, _)| n).collect();
            if reported.insert((reference.state(), names.join("."))) {
                out.push(diagnostic);
            }
        }
    }
}

/// Whether the read is in a value Studio writes into every new widget of the type (a Send
/// Message's `service` is `{{trigger.message.InstanceSid}}`): Studio's choice, not the author's.
fn in_studio_default(ctx: &Context, reference: Reference<'_>) -> bool {
    let state = ctx.state(reference.state());
    let property = reference.location().path().map(MemberPath::last);
    let property = property.as_deref().unwrap_or("");
    let value = ctx
        .flow
        .value(reference.location())
        .and_then(|v| v.as_str());
    value.is_some_and(|v| outputs::catalog().is_studio_default(&state.kind, property, v))
}

/// `trigger.sms`: no trigger event sets it.
fn unknown_kind(ctx: &Context, reference: Reference<'_>) -> Diagnostic {
    let reader = &ctx.state(reference.state()).name;
    let kinds: Vec<&str> = outputs::catalog().trigger_kinds().collect();
    let help = match suggest::closest(reference.name(), kinds.iter().copied()) {
        Some(kind) => format!("did you mean `trigger.{kind}`?"),
        None => {
            let paths: Vec<String> = kinds.iter().map(|k| format!("trigger.{k}")).collect();
            let paths = suggest::quoted_list(paths.iter().map(String::as_str), "or");
            format!("the trigger's data is {paths}")
        }
    };
    let message = format!(
        "`{reader}` reads `trigger.{}`, which no trigger sets: it is always empty",
        reference.name()
    );
    ctx.at_reference(&META, reference, message).help(help)
}

/// A kind of trigger data that none of the executions reaching the reader has. Executions of a
/// subflow carry their parent's trigger data too, so a reader a parent flow reaches is left
/// alone; so is a reader no trigger reaches (unreachable-state's finding).
fn wrong_channel(
    ctx: &Context,
    reference: Reference<'_>,
    fields: &TriggerFields,
) -> Option<Diagnostic> {
    // A read in `{% if %}` or with `| default:` is a template written for several channels.
    if reference.guarded() {
        return None;
    }
    let events: Vec<&str> = ctx
        .channels()
        .events_reaching(reference.state().index())
        .collect();
    if events.is_empty() || events.contains(&PARENT) || events.contains(&fields.event.as_str()) {
        return None;
    }
    let reader = &ctx.state(reference.state()).name;
    let field = reference.path().get(2).map_or("", |(n, _)| n);
    let read = match field {
        "" => format!("trigger.{}", reference.name()),
        field => format!("trigger.{}.{field}", reference.name()),
    };
    let arrivals: Vec<&str> = events.iter().map(|e| arrival(e)).collect();
    let message = format!(
        "`{reader}` reads `{read}`, but only {} reach `{reader}`, and they have no \
         `trigger.{}`: it is always empty",
        join(&arrivals),
        reference.name()
    );
    Some(
        ctx.at_reference(&META, reference, message)
            .help(channel_help(field, &events, reference.name())),
    )
}

/// What to read instead of a field of another channel.
fn channel_help(field: &str, events: &[&str], kind: &str) -> String {
    match field {
        "From" => "read `contact.channel.address`: the caller's or sender's address in every \
                   channel"
            .to_string(),
        "To" => "read `flow.channel.address`: the flow's own number or address in every channel"
            .to_string(),
        _ => {
            let here: Vec<String> = events
                .iter()
                .filter_map(|e| outputs::catalog().trigger_for_event(e))
                .filter(|t| field.is_empty() || t.has(field))
                .map(|t| format!("trigger.{}.{field}", t.kind))
                .collect();
            match here.as_slice() {
                [] => missing_channel_help(events, kind),
                _ => format!(
                    "read {} instead",
                    suggest::quoted_list(here.iter().map(|h| h.trim_end_matches('.')), "or")
                ),
            }
        }
    }
}

/// "read what these executions have (`trigger.call.…`), or connect `incomingMessage` …".
fn missing_channel_help(events: &[&str], kind: &str) -> String {
    let have: Vec<String> = events
        .iter()
        .filter_map(|e| outputs::catalog().trigger_for_event(e))
        .map(|t| format!("trigger.{}.…", t.kind))
        .collect();
    let needed = outputs::catalog()
        .trigger(kind)
        .map_or("", |t| t.event.as_str());
    format!(
        "read what these executions have ({}), or connect `{needed}` to a path that leads here",
        suggest::quoted_list(have.iter().map(String::as_str), "or")
    )
}

/// A field the trigger data does not have, close to one it has: `trigger.call.Sid`.
fn misspelt_field(
    ctx: &Context,
    reference: Reference<'_>,
    fields: &TriggerFields,
) -> Option<Diagnostic> {
    let (field, span) = reference.path().get(2).filter(|(n, _)| !n.is_empty())?;
    if fields.has(field) {
        return None;
    }
    // The payloads are open-ended: only a name that is clearly a slip of a listed one counts.
    let meant = alias(&fields.kind, field)
        .map(str::to_string)
        .or_else(|| suggest::closest(field, fields.names()).map(|c| c.replace("{N}", "0")))?;
    let reader = &ctx.state(reference.state()).name;
    let message = format!(
        "`{reader}` reads `trigger.{}.{field}`, but {} has no field `{field}`: it is always \
         empty",
        reference.name(),
        kind_description(&fields.kind)
    );
    Some(
        ctx.at_reference(&META, reference, message)
            .anchor(Anchor::Bytes(span.clone()))
            .help(format!(
                "did you mean `trigger.{}.{meant}`?",
                reference.name()
            )),
    )
}

/// Names written for a field by analogy with other APIs.
fn alias(kind: &str, field: &str) -> Option<&'static str> {
    match (kind, field) {
        ("call", "Sid" | "sid") => Some("CallSid"),
        ("message" | "conversation", "Sid" | "sid") => Some("MessageSid"),
        _ => None,
    }
}

fn kind_description(kind: &str) -> &'static str {
    match kind {
        "call" => "an incoming call",
        "message" => "an incoming message",
        "conversation" => "a Conversations message",
        "request" => "a REST API execution",
        _ => "a subflow's trigger",
    }
}

/// How an execution started by `event` arrives, for messages.
fn arrival(event: &str) -> &'static str {
    match event {
        CALL => "incoming calls",
        MESSAGE => "incoming messages",
        CONVERSATION => "Conversations messages",
        REQUEST => "REST API executions",
        _ => "subflow executions",
    }
}

fn join(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
