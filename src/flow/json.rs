//! A strict JSON parser that builds a `serde_json::Value` and, in the same pass, an index of
//! where every value and key stands in the text, so any JSON Pointer maps to a byte range and
//! from there to line:column.
//!
//! Written by hand because no crate gives both at serde_json's speed: the value feeds the
//! rules and the schema validator directly, the spans cost 24 bytes per value.

use std::borrow::Cow;
use std::ops::Range;

use serde_json::{Map, Number, Value};

/// A byte range in the source text.
pub type Span = Range<usize>;

/// Deepest nesting accepted; deeper documents are refused before recursion can run deep.
pub const MAX_DEPTH: usize = 256;

/// A parsed file: its value and where each part of it stands.
#[derive(Debug, Clone)]
pub struct Document {
    pub value: Value,
    pub spans: SpanIndex,
    /// Keys that repeat an earlier key of the same object (the later value wins), with the
    /// byte span of the repeated key, quotes included.
    pub duplicate_keys: Vec<Span>,
}

/// A strict-JSON parse failure at a byte offset.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub message: String,
    pub offset: usize,
}

/// Spans of every value in document order. Children follow their parent; siblings are
/// linked, so a pointer is resolved by walking only the members along its path.
#[derive(Debug, Default, Clone)]
pub struct SpanIndex {
    nodes: Vec<SpanNode>,
    /// The children of every array and object, each container's as one contiguous run, so
    /// `/states/9000` is one lookup rather than a walk past 9,000 siblings.
    children: Vec<u32>,
}

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct SpanNode {
    start: u32,
    end: u32,
    /// The key's span (quotes included) for object members, else `NONE`.
    key_start: u32,
    key_end: u32,
    /// Where this container's children start in `SpanIndex::children`, and how many.
    children_start: u32,
    children_len: u32,
}

/// Parses strict JSON: no comments, trailing commas, single quotes or other extensions.
pub fn parse(text: &str) -> Result<Document, ParseError> {
    if text.len() >= NONE as usize {
        return Err(ParseError {
            message: "the file is too large".to_string(),
            offset: 0,
        });
    }
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        nodes: Vec::new(),
        children: Vec::new(),
        duplicate_keys: Vec::new(),
    };
    parser.skip_whitespace();
    if parser.pos == text.len() {
        return Err(parser.error_here("the file holds no JSON value"));
    }
    let (value, _) = parser.value(0)?;
    parser.skip_whitespace();
    if parser.pos < text.len() {
        return Err(parser.error_here("unexpected text after the JSON value"));
    }
    Ok(Document {
        value,
        spans: SpanIndex {
            nodes: parser.nodes,
            children: parser.children,
        },
        duplicate_keys: parser.duplicate_keys,
    })
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    nodes: Vec<SpanNode>,
    children: Vec<u32>,
    duplicate_keys: Vec<Span>,
}

impl Parser<'_> {
    fn error_here(&self, message: &str) -> ParseError {
        ParseError {
            message: message.to_string(),
            offset: self.pos,
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Parses the value at the cursor and records its span; returns its node index.
    fn value(&mut self, depth: usize) -> Result<(Value, usize), ParseError> {
        if depth >= MAX_DEPTH {
            return Err(self.error_here(&format!("JSON nested deeper than {MAX_DEPTH} levels")));
        }
        let index = self.nodes.len();
        let start = self.pos;
        self.nodes.push(SpanNode {
            start: start as u32,
            end: start as u32,
            key_start: NONE,
            key_end: NONE,
            children_start: 0,
            children_len: 0,
        });
        let value = match self.peek() {
            Some(b'{') => self.object(index, depth)?,
            Some(b'[') => self.array(index, depth)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(b'}') | Some(b']') => return Err(self.error_here("expected a value")),
            Some(b',') => return Err(self.error_here("expected a value, found a comma")),
            Some(_) => return Err(self.error_here("expected a JSON value")),
            None => return Err(self.error_here("the JSON ends too early")),
        };
        self.nodes[index].end = self.pos as u32;
        Ok((value, index))
    }

    fn object(&mut self, index: usize, depth: usize) -> Result<Value, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut map = Map::new();
        let mut members: Vec<u32> = Vec::new();
        let mut comma = 0;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(map));
        }
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(b'"') => {}
                Some(b'}') if !members.is_empty() => return Err(trailing_comma(comma)),
                None => return Err(unterminated(open, "object")),
                _ => return Err(self.error_here("expected a property name in double quotes")),
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_end = self.pos;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error_here("expected `:` after the property name"));
            }
            self.pos += 1;
            self.skip_whitespace();
            let (value, child) = self.value(depth + 1)?;
            self.nodes[child].key_start = key_start as u32;
            self.nodes[child].key_end = key_end as u32;
            members.push(child as u32);
            // Duplicate keys: the last one wins, as in JavaScript and serde_json.
            if map.insert(key, value).is_some() {
                self.duplicate_keys.push(key_start..key_end);
            }
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    comma = self.pos;
                    self.pos += 1;
                }
                Some(b'}') => {
                    self.pos += 1;
                    self.close(index, &members);
                    return Ok(Value::Object(map));
                }
                None => return Err(unterminated(open, "object")),
                _ => return Err(self.error_here("expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self, index: usize, depth: usize) -> Result<Value, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        let mut elements: Vec<u32> = Vec::new();
        let mut comma = 0;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(b']') if !elements.is_empty() => return Err(trailing_comma(comma)),
                None => return Err(unterminated(open, "array")),
                _ => {}
            }
            let (value, child) = self.value(depth + 1)?;
            elements.push(child as u32);
            items.push(value);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    comma = self.pos;
                    self.pos += 1;
                }
                Some(b']') => {
                    self.pos += 1;
                    self.close(index, &elements);
                    return Ok(Value::Array(items));
                }
                None => return Err(unterminated(open, "array")),
                _ => return Err(self.error_here("expected `,` or `]`")),
            }
        }
    }

    /// Records a container's children as one run of the shared list.
    fn close(&mut self, container: usize, children: &[u32]) {
        self.nodes[container].children_start = self.children.len() as u32;
        self.nodes[container].children_len = children.len() as u32;
        self.children.extend_from_slice(children);
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, ParseError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error_here("expected a JSON value"))
        }
    }

    /// A string at the cursor (on its opening quote), decoded.
    fn string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes.
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'"' => {
                    let text = self.text[start..self.pos].to_string();
                    self.pos += 1;
                    return Ok(text);
                }
                b'\\' => break,
                0..=0x1f => {
                    return Err(self.error_here("control characters must be escaped in strings"));
                }
                _ => self.pos += 1,
            }
        }
        if self.pos >= self.bytes.len() {
            return Err(unterminated(open, "string"));
        }
        let mut out = self.text[start..self.pos].to_string();
        loop {
            match self.bytes.get(self.pos) {
                None => return Err(unterminated(open, "string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let (c, width) = escape(self.text, self.pos).map_err(|m| self.error_here(m))?;
                    out.push(c);
                    self.pos += width;
                }
                Some(0..=0x1f) => {
                    return Err(self.error_here("control characters must be escaped in strings"));
                }
                Some(_) => {
                    let c = self.text[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        let digits = |p: &mut Parser| {
            let from = p.pos;
            while let Some(b'0'..=b'9') = p.peek() {
                p.pos += 1;
            }
            p.pos > from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.error_here("numbers cannot have leading zeros"));
                }
            }
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.error_here("expected a digit")),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.pos += 1;
            if !digits(self) {
                return Err(self.error_here("expected a digit after the decimal point"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.error_here("expected a digit in the exponent"));
            }
        }
        let literal = &self.text[start..self.pos];
        let number = if integer {
            literal
                .parse::<u64>()
                .map(Number::from)
                .or_else(|_| literal.parse::<i64>().map(Number::from))
                .ok()
        } else {
            None
        };
        let number = number.or_else(|| literal.parse::<f64>().ok().and_then(Number::from_f64));
        number.map(Value::Number).ok_or(ParseError {
            message: "number out of range".to_string(),
            offset: start,
        })
    }
}

fn trailing_comma(at: usize) -> ParseError {
    ParseError {
        message: "trailing commas are not allowed".to_string(),
        offset: at,
    }
}

fn unterminated(open: usize, what: &str) -> ParseError {
    ParseError {
        message: format!("this {what} is never closed"),
        offset: open,
    }
}

/// The character an escape at `at` (on its backslash) stands for, and its width in bytes.
pub fn escape(text: &str, at: usize) -> Result<(char, usize), &'static str> {
    let simple = match text.as_bytes().get(at + 1) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => return unicode_escape(text, at),
        _ => return Err("invalid escape in string"),
    };
    Ok((simple, 2))
}

fn unicode_escape(text: &str, at: usize) -> Result<(char, usize), &'static str> {
    let hex = |from: usize| {
        text.get(from..from + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    let first = hex(at + 2).ok_or("invalid \\u escape in string")?;
    match first {
        0xD800..=0xDBFF => {
            let low = (text.get(at + 6..at + 8) == Some("\\u"))
                .then(|| hex(at + 8))
                .flatten()
                .filter(|low| (0xDC00..=0xDFFF).contains(low))
                .ok_or("unpaired surrogate in \\u escape")?;
            let code = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00);
            char::from_u32(code)
                .map(|c| (c, 12))
                .ok_or("invalid \\u escape in string")
        }
        0xDC00..=0xDFFF => Err("unpaired surrogate in \\u escape"),
        code => char::from_u32(code)
            .map(|c| (c, 6))
            .ok_or("invalid \\u escape in string"),
    }
}

impl SpanIndex {
    /// Resolves an RFC 6901 JSON Pointer against the document `text` was parsed from.
    /// Returns the key's span when the last step is an object member, and the value's span.
    pub fn resolve(&self, text: &str, pointer: &str) -> Option<(Option<Span>, Span)> {
        let mut node = 0;
        self.nodes.first()?;
        if pointer.is_empty() {
            return Some((None, self.span(0)));
        }
        let mut key = None;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let token = unescape_token(raw);
            let is_object = text.as_bytes().get(self.nodes[node].start as usize) == Some(&b'{');
            node = if is_object {
                // The last member with the name wins, as it does in the value.
                self.children(node)
                    .rev()
                    .find(|&c| self.key_is(text, c, &token))?
            } else {
                self.child_at(node, token.parse::<usize>().ok()?)?
            };
            key = is_object.then(|| self.key_span(node)).flatten();
        }
        Some((key, self.span(node)))
    }

    fn span(&self, node: usize) -> Span {
        self.nodes[node].start as usize..self.nodes[node].end as usize
    }

    fn key_span(&self, node: usize) -> Option<Span> {
        let n = self.nodes[node];
        (n.key_start != NONE).then_some(n.key_start as usize..n.key_end as usize)
    }

    /// The `index`-th element of an array node, in constant time: a pointer into a
    /// 100,000-state flow must not walk the states before it.
    fn child_at(&self, node: usize, index: usize) -> Option<usize> {
        let n = self.nodes[node];
        if index >= n.children_len as usize {
            return None;
        }
        self.children
            .get(n.children_start as usize + index)
            .map(|&c| c as usize)
    }

    fn children(&self, node: usize) -> impl DoubleEndedIterator<Item = usize> + '_ {
        let n = self.nodes[node];
        let run = n.children_start as usize..(n.children_start + n.children_len) as usize;
        self.children[run].iter().map(|&c| c as usize)
    }

    fn key_is(&self, text: &str, node: usize, name: &str) -> bool {
        let Some(span) = self.key_span(node) else {
            return false;
        };
        let raw = &text[span.start + 1..span.end - 1];
        if raw.contains('\\') {
            decode_string_body(raw) == name
        } else {
            raw == name
        }
    }
}

/// `~1` → `/`, `~0` → `~`.
fn unescape_token(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Decodes the body of a JSON string literal (between its quotes) already known valid.
fn decode_string_body(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw.as_bytes()[i] == b'\\' {
            let (c, width) = escape(raw, i).unwrap_or(('\u{fffd}', 2));
            out.push(c);
            i += width;
        } else {
            let c = raw[i..].chars().next().unwrap_or('\u{fffd}');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Escapes one reference token of a JSON Pointer; borrows the token when nothing needs
/// escaping, which is nearly always.
pub fn escape_pointer_token(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// The value an RFC 6901 JSON Pointer names, like `Value::pointer` but without allocating a
/// string per step (that made pointer lookups a quarter of a run).
pub fn lookup<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    let mut node = value;
    for raw in pointer.strip_prefix('/')?.split('/') {
        let token = unescape_token(raw);
        node = match node {
            Value::Object(members) => members.get(token.as_ref())?,
            Value::Array(items) => items.get(array_index(&token)?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// An array index as RFC 6901 writes it: digits, no sign, no leading zero.
fn array_index(token: &str) -> Option<usize> {
    let leading_zero = token.len() > 1 && token.starts_with('0');
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    (digits && !leading_zero)
        .then(|| token.parse().ok())
        .flatten()
}

/// A short name of a JSON value's type, for messages.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The body of a JSON string literal (between its quotes), decoded, with where each of its
/// bytes came from.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    /// `offsets[i]` is the offset in the body of byte `i` of `text`, with one entry for the
    /// end; `None` when the body has no escape, so that text and body are the same bytes
    /// (a 30 MB message then costs no copy and no table).
    offsets: Option<Vec<u32>>,
}

impl Decoded<'_> {
    /// Where byte `i` of the decoded text (or its end) stands in the body.
    pub fn body_offset(&self, i: usize) -> usize {
        match &self.offsets {
            None => i,
            Some(offsets) => offsets[i] as usize,
        }
    }
}

/// Decodes the body of a JSON string literal; an invalid escape becomes U+FFFD.
pub fn decode(raw: &str) -> Decoded<'_> {
    if !raw.contains('\\') {
        return Decoded {
            text: Cow::Borrowed(raw),
            offsets: None,
        };
    }
    let mut text = String::with_capacity(raw.len());
    // Files are at most 256 MiB (`flow::MAX_FILE_BYTES`), so offsets fit in 32 bits.
    let mut offsets = Vec::with_capacity(raw.len() + 1);
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let (c, width) = if bytes[i] == b'\\' {
            escape(raw, i).unwrap_or(('\u{fffd}', 2))
        } else {
            let c = raw[i..].chars().next().unwrap_or('\u{fffd}');
            (c, c.len_utf8())
        };
        offsets.extend(std::iter::repeat_n(i as u32, c.len_utf8()));
        text.push(c);
        i += width.max(1);
    }
    offsets.push(raw.len() as u32);
    Decoded {
        text: Cow::Owned(text),
        offsets: Some(offsets),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_spans_of_keys_and_values() {
        let text = r#"{"a": [1, {"b": "x"}]}"#;
        let doc = parse(text).unwrap();
        let (key, value) = doc.spans.resolve(text, "/a/1/b").unwrap();
        assert_eq!(&text[key.unwrap()], r#""b""#);
        assert_eq!(&text[value], r#""x""#);
        assert_eq!(doc.value["a"][1]["b"], "x");
    }

    #[test]
    fn parses_what_serde_json_parses() {
        let text = r#"{"s": "a\"b\\c\u00e9\ud83d\ude00\n", "n": [0, -1, 1.5, 2e3, 18446744073709551615, -9223372036854775808], "t": true, "f": false, "z": null, "e": {}, "l": []}"#;
        let ours = parse(text).unwrap().value;
        let theirs: Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn rejects_json_extensions_and_malformed_input() {
        for text in [
            "{\"a\": 1,}",
            "{a: 1}",
            "// c\n{}",
            "{'a': 1}",
            "[0x1]",
            "[+1]",
            "[01]",
            "[1.]",
            "[.5]",
            "[\"\t\"]",
            "[\"\\x\"]",
            "[\"\\ud800\"]",
            "{\"a\" 1}",
            "[1 2]",
            "[",
            "{\"a\"",
            "\"abc",
            "tru",
            "[NaN]",
            "{} {}",
            "",
            "   ",
        ] {
            assert!(parse(text).is_err(), "{text:?} must be rejected");
            assert!(
                serde_json::from_str::<Value>(text).is_err(),
                "{text:?} is invalid JSON"
            );
        }
    }

    #[test]
    fn duplicate_keys_resolve_to_the_last_member() {
        let text = r#"{"a": 1, "a": 2}"#;
        let doc = parse(text).unwrap();
        assert_eq!(doc.value["a"], 2);
        let (_, span) = doc.spans.resolve(text, "/a").unwrap();
        assert_eq!(&text[span], "2");
    }

    #[test]
    fn refuses_deep_nesting_without_overflowing_the_stack() {
        let text = "[".repeat(100_000) + &"]".repeat(100_000);
        let err = parse(&text).unwrap_err();
        assert_eq!(err.offset, MAX_DEPTH);
    }

    #[test]
    fn pointer_tokens_and_escaped_keys_resolve() {
        let text = r#"{"a/b": {"c~d": 1, "e\"f": 2}}"#;
        let doc = parse(text).unwrap();
        assert!(doc.spans.resolve(text, "/a~1b/c~0d").is_some());
        assert!(doc.spans.resolve(text, "/a~1b/e\"f").is_some());
        assert!(doc.spans.resolve(text, "/a~1b/missing").is_none());
        assert_eq!(escape_pointer_token("a/b~c"), "a~1b~0c");
    }

    #[test]
    fn lookup_agrees_with_serde_json_pointers() {
        let value: Value = serde_json::from_str(r#"{"a/b": {"c~d": [10, 11]}, "": 3}"#).unwrap();
        for pointer in [
            "",
            "/a~1b",
            "/a~1b/c~0d",
            "/a~1b/c~0d/1",
            "/a~1b/c~0d/01",
            "/a~1b/c~0d/+1",
            "/a~1b/c~0d/2",
            "/",
            "/x",
            "/a~1b/c~0d/1/z",
            "a",
        ] {
            assert_eq!(
                lookup(&value, pointer),
                value.pointer(pointer),
                "{pointer:?}"
            );
        }
    }
}
