//! `malformed-flow`: a part of the flow that is not written the way Studio writes it — a
//! state that is not an object or has no string `name` or `type`, a transition without
//! `event` or with a `next` that is not a string, `transitions` that is not an array, a key
//! repeated in one object. The loader keeps what is readable, so the other rules still run on
//! the rest of the flow; this rule reports what it had to leave out.

use crate::flow::Location;
use crate::rule::{Anchor, Context, Diagnostic, Rule};

declare_rule!(
    MalformedFlow,
    "malformed-flow",
    Error,
    "a widget or transition that is not written the way Studio writes it"
);

impl Rule for MalformedFlow {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for defect in &ctx.flow.defects {
            // A defect lies in a part the model could not read: its place stays a raw pointer,
            // and the state it lies in is named here (not when it has no readable name).
            let pointer = if defect.span.is_some() {
                ctx.flow.base.clone()
            } else {
                defect.pointer.clone()
            };
            let location = Location::Pointer(pointer);
            let mut diagnostic =
                Diagnostic::new(&META, location, defect.message.clone()).help(defect.help.clone());
            let anchor = match &defect.span {
                Some(span) => Anchor::Bytes(span.clone()),
                None => large_value_anchor(ctx, &defect.pointer),
            };
            diagnostic = diagnostic.anchor(anchor);
            if let Some(state) = state_of(ctx, &defect.pointer) {
                diagnostic = diagnostic.state(state);
            }
            out.push(diagnostic);
        }
    }
}

/// An object or array spans many lines: underline its key, or its first character.
fn large_value_anchor(ctx: &Context, pointer: &str) -> Anchor {
    let large = ctx
        .flow
        .node(pointer)
        .is_some_and(|v| v.is_object() || v.is_array());
    match ctx.flow.span(&ctx.source.text, pointer) {
        Some((Some(_), _)) if large => Anchor::Key,
        Some(_) if large => Anchor::Start,
        _ => Anchor::Value,
    }
}

/// The name of the state a pointer lies in, when it has one.
fn state_of<'c>(ctx: &'c Context, pointer: &str) -> Option<&'c str> {
    let state = ctx.state(ctx.flow.state_at_pointer(pointer)?);
    Some(state.name.as_str()).filter(|name| !name.is_empty())
}
