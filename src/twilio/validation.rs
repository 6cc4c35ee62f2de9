//! `--validate-online`: what is sent to Twilio's Flow Validate API, and its errors turned into
//! `studio-validation` findings located by their property path.

use std::path::Path;

use crate::analyze::Finding;
use crate::flow::json::{Json, Span};
use crate::flow::{Flow, Location, SourceText};
use crate::rule::{Anchor, Diagnostic};

use super::STUDIO_VALIDATION;
use super::client::ValidationError;

/// The status sent with each definition: the strictest check, as for publishing.
pub const STATUS: &str = "published";

/// The definition exactly as the file holds it (decoded, when the file holds it as a JSON
/// string), so that property paths point into the file.
pub fn definition_text<'a>(flow: &'a Flow, source: &'a SourceText) -> Option<&'a str> {
    let text = flow.text(&source.text);
    let (_, span) = flow.document.resolve(&flow.base)?;
    text.get(span)
}

/// The name sent with a definition: the resource's `friendly_name`, else the file's stem.
pub fn friendly_name(flow: &Flow, file_name: &str) -> String {
    let from_resource = flow
        .base
        .strip_suffix("/definition")
        .and_then(|resource| flow.node(resource))
        .and_then(|resource| resource.get("friendly_name"))
        .and_then(Json::as_str)
        .filter(|name| !name.trim().is_empty());
    match from_resource {
        Some(name) => name.to_string(),
        None => Path::new(file_name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty() && s != "-")
            .unwrap_or_else(|| "flowcheck".to_string()),
    }
}

/// `#/states/3/properties/to` → `/states/3/properties/to` (percent escapes of the URI
/// fragment form decoded).
pub fn pointer_of(property_path: &str) -> String {
    let fragment = property_path.trim();
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let decoded = percent_decode(fragment);
    let trimmed = decoded.trim_end_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else if trimmed.starts_with('/') {
        trimmed.to_string()
    } else {
        format!("/{trimmed}")
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One finding per validator error, at the place its property path names (or the nearest
/// enclosing value the file has), sorted as the analysis sorts findings.
pub fn findings(flow: &Flow, source: &SourceText, errors: &[ValidationError]) -> Vec<Finding> {
    errors
        .iter()
        .map(|error| finding(flow, source, error))
        .collect()
}

fn finding(flow: &Flow, source: &SourceText, error: &ValidationError) -> Finding {
    let relative = pointer_of(&error.property_path);
    let mut tokens: Vec<&str> = relative.split('/').skip(1).collect();
    let whole = tokens.len();
    let (pointer, span) = loop {
        let pointer: String = std::iter::once(flow.base.as_str())
            .chain(tokens.iter().flat_map(|t| ["/", t]))
            .collect();
        if let Some(span) = place(flow, source, &pointer) {
            break (pointer, span);
        }
        if tokens.pop().is_none() {
            break (flow.base.clone(), 0..0);
        }
    };
    let shown = if error.property_path.trim().is_empty() {
        "the definition".to_string()
    } else {
        format!("`{}`", error.property_path.trim())
    };
    let help = if tokens.len() == whole {
        format!("Studio will not accept the flow until this is fixed (reported at {shown})")
    } else {
        format!(
            "Studio will not accept the flow until this is fixed (reported at {shown}, which \
             the file does not have: shown at the nearest part that it has)"
        )
    };
    // Studio's property path is not the model's: it stays a raw pointer, and the state is
    // named from the path.
    let mut diagnostic = Diagnostic::new(
        &STUDIO_VALIDATION,
        Location::Pointer(pointer.clone()),
        format!("Twilio's Flow Validate API: {}", error.message),
    )
    .anchor(Anchor::Bytes(span.clone()))
    .help(help);
    let state = match relative.split('/').skip(1).collect::<Vec<_>>()[..] {
        ["states", index, ..] => index.parse::<usize>().ok().and_then(|i| flow.states.get(i)),
        _ => None,
    };
    if let Some(state) = state {
        diagnostic = diagnostic.state(&state.name);
    }
    Finding {
        pointer,
        start: source.position(span.start),
        end: source.position(span.end),
        span,
        related: Vec::new(),
        diagnostic,
    }
}

/// What to underline for a pointer: a scalar whole; an object by its `name` (a state) or its
/// key; else the opening bracket.
fn place(flow: &Flow, source: &SourceText, pointer: &str) -> Option<Span> {
    let (key, value) = flow.span(&source.text, pointer)?;
    let container = flow
        .node(pointer)
        .is_some_and(|node| node.is_object() || node.is_array());
    if !container {
        return Some(value);
    }
    if let Some((_, name)) = flow
        .node(pointer)
        .filter(|node| node.get("name").is_some_and(Json::is_string))
        .and_then(|_| flow.span(&source.text, &format!("{pointer}/name")))
    {
        return Some(name);
    }
    Some(key.unwrap_or(value.start..value.start + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = r#"{
  "sid": "FW1",
  "friendly_name": "Menu",
  "definition": {
    "initial_state": "Trigger",
    "states": [
      {"name": "Trigger", "type": "trigger", "transitions": [], "properties": {}},
      {"name": "say", "type": "say-play", "transitions": [], "properties": {"loop": 0}}
    ]
  }
}"#;

    fn error(path: &str) -> ValidationError {
        ValidationError {
            property_path: path.to_string(),
            message: "bad".to_string(),
        }
    }

    #[test]
    fn definitions_in_strings_and_lists_are_sent_decoded_and_placed_in_the_file() {
        let inner = r#"{"initial_state": "Trigger", "states": [{"name": "Trigger", "type": "trigger", "transitions": [], "properties": {"x": "é"}}]}"#;
        let text = serde_json::json!({"friendly_name": "Str", "definition": inner}).to_string();
        let file = crate::flow::load_text("str.json".to_string(), text.clone());
        let flow = file.flow.as_ref().unwrap();
        assert_eq!(definition_text(flow, &file.source), Some(inner));
        let found = findings(flow, &file.source, &[error("#/states/0/properties/x")]);
        let at = found[0].span.clone();
        assert_eq!(&text[at], r#"\"é\""#);
        let list = format!("[{FLOW}, {FLOW}]");
        let files =
            crate::flow::split_resource_list(crate::flow::load_text("list.json".to_string(), list));
        let second = files[1].flow.as_ref().unwrap();
        assert_eq!(friendly_name(second, "list.json"), "Menu");
        let text = definition_text(second, &files[1].source).unwrap();
        assert!(text.starts_with("{\n    \"initial_state\""));
        let found = findings(second, &files[1].source, &[error("#/states/1/name")]);
        assert_eq!(found[0].pointer, "/1/definition/states/1/name");
    }

    #[test]
    fn paths_become_pointers() {
        assert_eq!(
            pointer_of("#/states/3/properties/to"),
            "/states/3/properties/to"
        );
        assert_eq!(pointer_of("#"), "");
        assert_eq!(pointer_of(""), "");
        assert_eq!(pointer_of("#/a%20b/c~1d"), "/a b/c~1d");
        assert_eq!(pointer_of("states/0/"), "/states/0");
    }

    #[test]
    fn errors_are_placed_in_the_file() {
        let file = crate::flow::load_text("menu.json".to_string(), FLOW.to_string());
        let flow = file.flow.as_ref().unwrap();
        let text = definition_text(flow, &file.source).unwrap();
        assert!(text.starts_with("{\n    \"initial_state\"") && text.ends_with('}'));
        assert_eq!(friendly_name(flow, "x/menu.json"), "Menu");
        let found = findings(
            flow,
            &file.source,
            &[
                error("#/states/1/properties/loop"),
                error("#/states/1/properties/say"),
                error("#/states/0"),
                error("#/nowhere/9"),
            ],
        );
        let at: Vec<(usize, usize, Option<&str>)> = found
            .iter()
            .map(|f| (f.start.line, f.start.column, f.diagnostic.state.as_deref()))
            .collect();
        assert_eq!(
            at,
            [
                (8, 85, Some("say")),
                (8, 62, Some("say")),
                (7, 16, Some("Trigger")),
                (4, 3, None)
            ]
        );
        assert_eq!(found[0].pointer, "/definition/states/1/properties/loop");
        assert!(
            found[1]
                .diagnostic
                .help
                .as_ref()
                .unwrap()
                .contains("nearest")
        );
        assert_eq!(found[0].diagnostic.rule, "studio-validation");
    }
}
