//! An owned JSON tree that remembers where every key and value stands in the source.
//!
//! Parsing goes through `jsonc-parser` with every JSON extension turned off, so the input must
//! be strict JSON; the tree keeps byte ranges so any finding maps back to line:column.

use std::ops::Range;

use jsonc_parser::ast;

/// A byte range in the source text.
pub type Span = Range<usize>;

/// Deepest nesting accepted; deeper documents are rejected instead of risking the stack.
pub const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number as written, so nothing is lost to float rounding.
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

#[derive(Debug, Clone)]
pub struct Member {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

/// A strict-JSON parse failure at a byte offset.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub message: String,
    pub offset: usize,
}

/// Parses strict JSON into a [`Node`] tree.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let options = jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    if let Some(offset) = too_deep(text) {
        return Err(ParseError {
            message: format!("JSON nested deeper than {MAX_DEPTH} levels"),
            offset,
        });
    }
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &options).map_err(|e| {
        ParseError {
            message: lowercase_first(&e.kind().to_string()),
            offset: e.range().start,
        }
    })?;
    match parsed.value {
        Some(value) => Ok(convert(value)),
        None => Err(ParseError {
            message: "the file holds no JSON value".to_string(),
            offset: text.len(),
        }),
    }
}

/// Finds the offset where nesting first exceeds [`MAX_DEPTH`], skipping string contents.
/// A linear byte scan, so a hostile file is refused before any recursion starts.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, byte) in text.bytes().enumerate() {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(offset);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn convert(value: ast::Value<'_>) -> Node {
    match value {
        ast::Value::NullKeyword(n) => node(n.range, Value::Null),
        ast::Value::BooleanLit(b) => node(b.range, Value::Bool(b.value)),
        ast::Value::NumberLit(n) => node(n.range, Value::Number(n.value.to_string())),
        ast::Value::StringLit(s) => node(s.range, Value::String(s.value.into_owned())),
        ast::Value::Array(a) => node(
            a.range,
            Value::Array(a.elements.into_iter().map(convert).collect()),
        ),
        ast::Value::Object(o) => node(
            o.range,
            Value::Object(o.properties.into_iter().map(convert_member).collect()),
        ),
    }
}

fn convert_member(prop: ast::ObjectProp<'_>) -> Member {
    let (key, key_span) = match prop.name {
        ast::ObjectPropName::String(s) => (s.value.into_owned(), s.range),
        ast::ObjectPropName::Word(w) => (w.value.to_string(), w.range),
    };
    Member {
        key,
        key_span: key_span.start..key_span.end,
        value: convert(prop.value),
    }
}

fn node(range: jsonc_parser::common::Range, value: Value) -> Node {
    Node {
        span: range.start..range.end,
        value,
    }
}

impl Node {
    /// The member named `key`; with duplicate keys the last one wins, as in JavaScript.
    pub fn member(&self, key: &str) -> Option<&Member> {
        match &self.value {
            Value::Object(members) => members.iter().rev().find(|m| m.key == key),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self.value, Value::Object(_))
    }

    /// A short name of the JSON type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// The same value as a `serde_json::Value` (for schema validation).
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => n
                .parse::<serde_json::Number>()
                .map_or_else(|_| J::String(n.clone()), J::Number),
            Value::String(s) => J::String(s.clone()),
            Value::Array(items) => J::Array(items.iter().map(Node::to_value).collect()),
            Value::Object(members) => J::Object(
                members
                    .iter()
                    .map(|m| (m.key.clone(), m.value.to_value()))
                    .collect(),
            ),
        }
    }

    /// Resolves an RFC 6901 JSON Pointer. Returns the member's key span when the last step
    /// is an object member, and the value node.
    pub fn resolve(&self, pointer: &str) -> Option<(Option<Span>, &Node)> {
        let mut current = self;
        let mut key_span = None;
        if pointer.is_empty() {
            return Some((None, current));
        }
        for raw in pointer.strip_prefix('/')?.split('/') {
            let token = if raw.contains('~') {
                std::borrow::Cow::Owned(raw.replace("~1", "/").replace("~0", "~"))
            } else {
                std::borrow::Cow::Borrowed(raw)
            };
            match &current.value {
                Value::Object(_) => {
                    let member = current.member(&token)?;
                    key_span = Some(member.key_span.clone());
                    current = &member.value;
                }
                Value::Array(items) => {
                    current = items.get(token.parse::<usize>().ok()?)?;
                    key_span = None;
                }
                _ => return None,
            }
        }
        Some((key_span, current))
    }
}

/// Escapes one reference token of a JSON Pointer.
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_spans_of_keys_and_values() {
        let text = r#"{"a": [1, {"b": "x"}]}"#;
        let root = parse(text).unwrap();
        let (key, value) = root.resolve("/a/1/b").unwrap();
        assert_eq!(&text[key.unwrap()], r#""b""#);
        assert_eq!(&text[value.span.clone()], r#""x""#);
    }

    #[test]
    fn rejects_json_extensions() {
        for text in [
            "{\"a\": 1,}",
            "{a: 1}",
            "// c\n{}",
            "{'a': 1}",
            "[0x1]",
            "[+1]",
        ] {
            assert!(parse(text).is_err(), "{text} must be rejected");
        }
    }

    #[test]
    fn refuses_deep_nesting_without_recursion() {
        let text = "[".repeat(100_000) + &"]".repeat(100_000);
        let err = parse(&text).unwrap_err();
        assert_eq!(err.offset, MAX_DEPTH);
    }

    #[test]
    fn brackets_inside_strings_do_not_count_as_nesting() {
        let text = format!("[\"{}\"]", "[".repeat(1000));
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn pointer_tokens_are_unescaped() {
        let root = parse(r#"{"a/b": {"c~d": 1}}"#).unwrap();
        assert!(root.resolve("/a~1b/c~0d").is_some());
        assert_eq!(escape_pointer_token("a/b~c"), "a~1b~0c");
    }
}
