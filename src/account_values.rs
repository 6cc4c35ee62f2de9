//! Values that tie a flow to one Twilio account: SIDs by their prefix, absolute URLs and
//! E.164 phone numbers, outside `${…}` placeholders and Liquid. Read by the
//! `account-specific-value` rule and listed by `flowcheck values`.

use std::sync::LazyLock;

use regex::Regex;

use crate::flow::Flow;
use crate::flow::json::{Json, Kind};
use crate::flow::{Location, StateId};

/// SID prefixes of account resources, with the name a mapping gives them.
const PREFIXES: &[(&str, &str)] = &[
    ("FW", "flow_sid"),
    ("ZS", "service_sid"),
    ("ZE", "environment_sid"),
    ("ZH", "function_sid"),
    ("ZN", "function_version_sid"),
    ("ZB", "build_sid"),
    ("WW", "workflow_sid"),
    ("TC", "task_channel_sid"),
    ("WA", "workspace_sid"),
    ("MG", "messaging_service_sid"),
    ("IS", "conversation_service_sid"),
    ("CH", "conversation_sid"),
    ("UA", "assistant_sid"),
    ("AC", "account_sid"),
    ("PN", "phone_number_sid"),
];

static SID: LazyLock<Regex> = LazyLock::new(|| {
    let prefixes: Vec<&str> = PREFIXES.iter().map(|(p, _)| *p).collect();
    Regex::new(&format!(r"\b({})[0-9a-fA-F]{{32}}\b", prefixes.join("|"))).unwrap_or_else(
        // The pattern is fixed; a regex that never matches keeps this panic-free.
        |_| never(),
    )
});
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"https?://[^\s"'<>{}\\]+"#).unwrap_or_else(|_| never()));
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\w+])(\+[1-9][0-9]{7,14})\b").unwrap_or_else(|_| never()));

fn never() -> Regex {
    Regex::new(r"[^\s\S]").unwrap_or_else(|_| never())
}

/// One account-specific value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountValue {
    pub value: String,
    /// What it is, as a mapping names it: `service_sid`, `url`, `phone_number`.
    pub kind: &'static str,
    /// The state whose properties hold it.
    pub state: StateId,
    /// The JSON string that holds it.
    pub location: Location,
}

/// Every account-specific value in the states' properties, in state order.
pub fn find(flow: &Flow) -> Vec<AccountValue> {
    let mut out = Vec::new();
    for state in &flow.states {
        let location = state.member("properties");
        if let Some(properties) = flow.value(&location) {
            walk(properties, &location, state.id, &mut out);
        }
    }
    out
}

fn walk(value: Json, location: &Location, state: StateId, out: &mut Vec<AccountValue>) {
    match value.kind() {
        Kind::String(text) => scan(text, location, state, out),
        Kind::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &location.clone().index(i), state, out);
            }
        }
        Kind::Object(members) => {
            // In key order, as the values have always been listed.
            for (key, item) in members.sorted().into_iter().filter(|(k, _)| *k != "offset") {
                walk(item, &location.clone().key(key), state, out);
            }
        }
        _ => {}
    }
}

fn scan(text: &str, location: &Location, state: StateId, out: &mut Vec<AccountValue>) {
    let plain = mask_templates(text);
    let mut push = |value: &str, kind: &'static str| {
        out.push(AccountValue {
            value: value.to_string(),
            kind,
            state,
            location: location.clone(),
        })
    };
    for m in SID.find_iter(&plain) {
        let kind = PREFIXES
            .iter()
            .find(|(p, _)| m.as_str().starts_with(p))
            .map_or("sid", |(_, k)| k);
        push(m.as_str(), kind);
    }
    for m in URL.find_iter(&plain) {
        push(m.as_str().trim_end_matches(['.', ',', ')', ';']), "url");
    }
    for c in PHONE.captures_iter(&plain) {
        if let Some(m) = c.get(1) {
            push(m.as_str(), "phone_number");
        }
    }
}

/// The text with `${…}`, `{{…}}` and `{%…%}` blanked out (same length), so that what they
/// hold is not read as a value and what surrounds them keeps its place.
fn mask_templates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = ["${", "{{", "{%"]
        .iter()
        .filter_map(|open| rest.find(open))
        .min()
    {
        out.push_str(&rest[..start]);
        let close = match &rest[start..start + 2] {
            "${" => "}",
            "{{" => "}}",
            _ => "%}",
        };
        let end = rest[start + 2..]
            .find(close)
            .map_or(rest.len(), |e| start + 2 + e + close.len());
        out.extend(std::iter::repeat_n(' ', rest[start..end].chars().count()));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_liquid_are_not_values() {
        assert_eq!(
            mask_templates("a ${x} {{ y }} b"),
            "a              b".to_string()
        );
        let mut out = Vec::new();
        scan(
            "${url}/x {{widgets.a.url}} https://demo-1234.twil.io/hi +14155550100 WW0123456789abcdef0123456789abcdef",
            &Location::Pointer("/p".to_string()),
            StateId::default(),
            &mut out,
        );
        let kinds: Vec<&str> = out.iter().map(|v| v.kind).collect();
        assert_eq!(kinds, ["workflow_sid", "url", "phone_number"]);
        assert_eq!(out[1].value, "https://demo-1234.twil.io/hi");
    }
}
