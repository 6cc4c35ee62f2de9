//! Studio's first definition format (before 2019): widget types such as `InitialState` and
//! `Branch`, transitions that name the next widget by its SID (`FF…`), no `initial_state`.
//! Studio no longer imports it, and analysing it would only give noise (every type unknown,
//! every transition dangling), so the loader refuses it with one message.

use super::json::Json;

pub const MESSAGE: &str = "this flow uses Studio's pre-2019 definition format (widget types such \
    as `InitialState`, transitions to widget SIDs), which Studio no longer imports: export it \
    again from the Studio canvas";

/// The pointer of the first sign of the legacy format, when the document is in it: no
/// `initial_state`, and a widget type written in PascalCase or a `next` that is a widget SID.
pub fn evidence(root: Json) -> Option<String> {
    let (base, definition) = match root.get("definition") {
        Some(definition) if root.get("states").is_none() => ("/definition", definition),
        _ => ("", root),
    };
    if definition.get("initial_state").is_some() {
        return None;
    }
    let states = definition.get("states")?.as_array()?;
    states.iter().enumerate().find_map(|(i, state)| {
        let pointer = format!("{base}/states/{i}");
        if state
            .get("type")
            .and_then(Json::as_str)
            .is_some_and(is_legacy_type)
        {
            return Some(format!("{pointer}/type"));
        }
        let transitions = state.get("transitions")?.as_array()?;
        transitions.iter().enumerate().find_map(|(t, transition)| {
            let next = transition.get("next").and_then(Json::as_str)?;
            is_widget_sid(next).then(|| format!("{pointer}/transitions/{t}/next"))
        })
    })
}

/// `InitialState`, `Branch`, `SendMessage`: current types are kebab-case (`split-based-on`).
fn is_legacy_type(kind: &str) -> bool {
    kind.starts_with(|c: char| c.is_ascii_uppercase())
        && kind.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `FF` and 32 hexadecimal digits: a widget SID of the old format.
fn is_widget_sid(text: &str) -> bool {
    text.len() == 34 && text.starts_with("FF") && text[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence_in(value: serde_json::Value) -> Option<String> {
        evidence(crate::flow::json::parse(value.to_string()).unwrap().root())
    }

    #[test]
    fn recognises_the_legacy_shapes_only() {
        let legacy = serde_json::json!({"states": [
            {"sid": "FF00000000000000000000000000000001", "type": "InitialState",
             "transitions": [{"event": "incomingCall", "next": "FF00000000000000000000000000000002"}]}
        ]});
        assert_eq!(evidence_in(legacy).as_deref(), Some("/states/0/type"));
        let by_sid = serde_json::json!({"states": [
            {"name": "a", "type": "say-play",
             "transitions": [{"event": "audioComplete", "next": "FF0123456789abcdef0123456789abcdef"}]}
        ]});
        assert_eq!(
            evidence_in(by_sid).as_deref(),
            Some("/states/0/transitions/0/next")
        );
        let current = serde_json::json!({"initial_state": "Trigger", "states": [
            {"name": "Trigger", "type": "InitialState", "transitions": []}
        ]});
        assert_eq!(evidence_in(current), None);
        let modern_without_start = serde_json::json!({"states": [
            {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "a"}]}
        ]});
        assert_eq!(evidence_in(modern_without_start), None);
    }
}
