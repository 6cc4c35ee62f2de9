//! A strict JSON parser that builds a compact, read-only [`Document`]: one 16-byte record per
//! value (its span, where its key starts, its children), strings borrowed from the text the
//! document shares with the rest of the program, so that any JSON Pointer or typed place maps
//! to a value and its byte range, and from there to line:column.
//!
//! Written by hand because no crate gives both at serde_json's speed. A whole-file
//! `serde_json::Value` costs 16 to 20 times the file; this document costs the text (shared,
//! not copied) and about 20 bytes per value. Values are read through [`Json`], a `Copy` view
//! with serde_json's accessor names; [`Json::to_value`] builds a `serde_json::Value` of one
//! part for the code that needs one (the diff, the simulator). The schema validator reads the
//! views themselves (`schema::instance`).

mod view;

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use serde_json::Number;

pub use view::{Items, ItemsIter, Json, JsonIndex, Kind, Members, MembersIter, NodeId};

/// A byte range in the source text.
pub type Span = Range<usize>;

/// Deepest nesting accepted; deeper documents are refused before recursion can run deep.
pub const MAX_DEPTH: usize = 256;

/// A parsed text: the text itself (shared) and a table of its values. Cloning it is cheap.
#[derive(Clone)]
pub struct Document {
    text: Arc<str>,
    tree: Arc<Tree>,
}

/// A strict-JSON parse failure at a byte offset.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub message: String,
    pub offset: usize,
}

/// Every value of a document, in document order (a container before its children).
#[derive(Default)]
struct Tree {
    nodes: Vec<Node>,
    /// The children of every non-empty container, each container's as one run: its length,
    /// then its children in file order. An object's run leaves out members that a later
    /// member with the same key shadows, as serde_json's map does.
    children: Vec<u32>,
    /// Strings and keys written with escapes, decoded once, one after the other.
    decoded: String,
    /// For each string value with escapes (`Node::aux`), its range in `decoded`.
    escaped_strings: Vec<(u32, u32)>,
    /// Keys with escapes, by the offset of their opening quote (ascending): their range in
    /// `decoded`. Usually empty, so looking a key up costs nothing.
    escaped_keys: Vec<(u32, (u32, u32))>,
    /// Keys that repeat an earlier key of the same object (the later value wins), with the
    /// byte span of the repeated key, quotes included, in file order.
    duplicate_keys: Vec<Span>,
}

const NONE: u32 = u32::MAX;

/// One value. 16 bytes: at 14 to 50 bytes of JSON per value, the table stays near the size
/// of the text.
#[derive(Debug, Clone, Copy)]
struct Node {
    start: u32,
    end: u32,
    /// The opening quote of this member's key, or `NONE` for a value that is no member.
    key: u32,
    /// A non-empty container: where its run starts in `Tree::children`. A string with
    /// escapes: its index in `Tree::escaped_strings`. Otherwise `NONE`.
    aux: u32,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("bytes", &self.text.len())
            .field("values", &self.tree.nodes.len())
            .finish()
    }
}

impl Document {
    /// The top-level value.
    pub fn root(&self) -> Json<'_> {
        Json::new(self, 0)
    }

    /// The value a [`Json::id`] names: a value found once, kept without a borrow.
    pub fn at(&self, id: NodeId) -> Json<'_> {
        Json::new(self, id.0)
    }

    /// The text the document was parsed from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Keys that repeat an earlier key of the same object (the later value wins), with the
    /// byte span of the repeated key, quotes included.
    pub fn duplicate_keys(&self) -> &[Span] {
        &self.tree.duplicate_keys
    }

    /// The value an RFC 6901 JSON Pointer names, as `serde_json::Value::pointer` finds it.
    pub fn lookup(&self, pointer: &str) -> Option<Json<'_>> {
        self.root().lookup(pointer)
    }

    /// Resolves a JSON Pointer to the key's span, when the last step is an object member,
    /// and the value's span. Array indexes are read leniently (`01`, `+1`), as positions of
    /// pointers that other tools wrote always were.
    pub fn resolve(&self, pointer: &str) -> Option<(Option<Span>, Span)> {
        let found = self.root().walk(pointer, |token| token.parse().ok())?;
        Some((found.key_span(), found.span()))
    }
}

/// Parses strict JSON: no comments, trailing commas, single quotes or other extensions.
pub fn parse(text: impl Into<Arc<str>>) -> Result<Document, ParseError> {
    let text = text.into();
    // Under 2 GiB, so that offsets leave a bit free (the Liquid references use it); files
    // are refused far below that (`flow::MAX_FILE_BYTES`).
    if text.len() >= 1 << 31 {
        return Err(ParseError {
            message: "the file is too large".to_string(),
            offset: 0,
        });
    }
    let tree = Parser::new(&text).run()?;
    Ok(Document {
        text,
        tree: Arc::new(tree),
    })
}

/// How many values and children-table entries to make room for. Every value but the top one
/// is a container's first child, after its opening bracket, or follows a comma; each
/// non-empty container adds its length to the children table. Commas and brackets inside
/// strings make that bound loose, never wrong. A text of little more than brackets and commas
/// could ask for gigabytes that way, so room is capped at one value per 8 bytes (flows have
/// 14 to 50) and the tables grow past it as usual.
fn table_bounds(bytes: &[u8]) -> (usize, usize) {
    // memchr counts one byte value with vector instructions, several bytes per step.
    let count = |wanted: u8| memchr::memchr_iter(wanted, bytes).count();
    let (commas, opens) = (count(b','), count(b'[') + count(b'{'));
    let cap = bytes.len() / 8 + 1;
    (
        (1 + commas + opens).min(cap),
        (commas + 2 * opens).min(2 * cap),
    )
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tree: Tree,
    /// The members or elements read so far of the containers being parsed, innermost last.
    pending: Vec<u32>,
    /// The keys of the pending object members, in step with them: where each key's text is.
    pending_keys: Vec<KeyText>,
}

/// Where a key's text is while parsing: a range of the source, or of `Tree::decoded` for a
/// key with escapes.
#[derive(Clone, Copy)]
struct KeyText {
    from: u32,
    to: u32,
    decoded: bool,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        // Sized once from a bound: growing by doubling would hold the old and the new table
        // at once and leave up to half unused; pages reserved but never written cost nothing.
        let (values, children) = table_bounds(text.as_bytes());
        let tree = Tree {
            nodes: Vec::with_capacity(values),
            children: Vec::with_capacity(children),
            ..Tree::default()
        };
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            tree,
            pending: Vec::new(),
            pending_keys: Vec::new(),
        }
    }

    fn run(mut self) -> Result<Tree, ParseError> {
        self.skip_whitespace();
        if self.pos == self.text.len() {
            return Err(self.error_here("the file holds no JSON value"));
        }
        self.value(0)?;
        self.skip_whitespace();
        if self.pos < self.text.len() {
            return Err(self.error_here("unexpected text after the JSON value"));
        }
        // Found object by object, as each closes: inner objects close first.
        self.tree.duplicate_keys.sort_by_key(|span| span.start);
        Ok(self.tree)
    }

    fn error_here(&self, message: &str) -> ParseError {
        ParseError {
            message: message.to_string(),
            offset: self.pos,
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b' ' | b'\r' | b'\t' => self.pos += 1,
                b'\n' => {
                    self.pos += 1;
                    // Indentation, eight spaces a step: most of a pretty-printed file's
                    // whitespace.
                    while self.bytes.get(self.pos..self.pos + 8) == Some(b"        ") {
                        self.pos += 8;
                    }
                }
                _ => return,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Parses the value at the cursor and records it; returns its node index.
    fn value(&mut self, depth: usize) -> Result<u32, ParseError> {
        if depth >= MAX_DEPTH {
            return Err(self.error_here(&format!("JSON nested deeper than {MAX_DEPTH} levels")));
        }
        let index = self.tree.nodes.len() as u32;
        let start = self.pos as u32;
        self.tree.nodes.push(Node {
            start,
            end: start,
            key: NONE,
            aux: NONE,
        });
        let aux = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => self.string_value()?,
            Some(b't') => self.literal("true")?,
            Some(b'f') => self.literal("false")?,
            Some(b'n') => self.literal("null")?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(b'}') | Some(b']') => return Err(self.error_here("expected a value")),
            Some(b',') => return Err(self.error_here("expected a value, found a comma")),
            Some(_) => return Err(self.error_here("expected a JSON value")),
            None => return Err(self.error_here("the JSON ends too early")),
        };
        let node = &mut self.tree.nodes[index as usize];
        node.end = self.pos as u32;
        node.aux = aux;
        Ok(index)
    }

    /// An object at the cursor; returns where its run of members starts, or `NONE`.
    fn object(&mut self, depth: usize) -> Result<u32, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let first = self.pending.len();
        let first_key = self.pending_keys.len();
        let mut comma = 0;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(NONE);
        }
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(b'"') => {}
                Some(b'}') if self.pending.len() > first => return Err(trailing_comma(comma)),
                None => return Err(unterminated(open, "object")),
                _ => return Err(self.error_here("expected a property name in double quotes")),
            }
            let key = self.pos as u32;
            let text = self.key()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error_here("expected `:` after the property name"));
            }
            self.pos += 1;
            self.skip_whitespace();
            let child = self.value(depth + 1)?;
            self.tree.nodes[child as usize].key = key;
            self.pending.push(child);
            self.pending_keys.push(text);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    comma = self.pos;
                    self.pos += 1;
                }
                Some(b'}') => {
                    self.pos += 1;
                    self.drop_shadowed_members(first, first_key);
                    return Ok(self.close(first));
                }
                None => return Err(unterminated(open, "object")),
                _ => return Err(self.error_here("expected `,` or `}`")),
            }
        }
    }

    /// An array at the cursor; returns where its run of elements starts, or `NONE`.
    fn array(&mut self, depth: usize) -> Result<u32, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let first = self.pending.len();
        let mut comma = 0;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(NONE);
        }
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(b']') if self.pending.len() > first => return Err(trailing_comma(comma)),
                None => return Err(unterminated(open, "array")),
                _ => {}
            }
            let child = self.value(depth + 1)?;
            self.pending.push(child);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    comma = self.pos;
                    self.pos += 1;
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(self.close(first));
                }
                None => return Err(unterminated(open, "array")),
                _ => return Err(self.error_here("expected `,` or `]`")),
            }
        }
    }

    /// Moves a container's pending children into one run of the shared list.
    fn close(&mut self, first: usize) -> u32 {
        let run = self.tree.children.len() as u32;
        let children = &self.pending[first..];
        self.tree.children.push(children.len() as u32);
        self.tree.children.extend_from_slice(children);
        self.pending.truncate(first);
        run
    }

    /// Duplicate keys of the object whose members are `pending[first..]` (and keys
    /// `pending_keys[first_key..]`): every repeat is recorded, and only the last member of
    /// each key is kept, as serde_json's map does.
    fn drop_shadowed_members(&mut self, first: usize, first_key: usize) {
        let keys = &self.pending_keys[first_key..];
        let key = |i: usize| self.key_str(keys[i]);
        let len = |i: usize| keys[i].to - keys[i].from;
        let mut repeated: Vec<usize> = Vec::new();
        if keys.len() <= 8 {
            // Pairwise: cheaper than sorting for the small objects flows are made of. Most
            // keys differ in length, which tells them apart without reading them.
            for i in 1..keys.len() {
                if (0..i).any(|j| len(i) == len(j) && key(i) == key(j)) {
                    repeated.push(i);
                }
            }
        } else {
            let mut order: Vec<usize> = (0..keys.len()).collect();
            order.sort_by(|&i, &j| key(i).cmp(key(j)).then(i.cmp(&j)));
            let same = |w: &[usize]| key(w[0]) == key(w[1]);
            repeated.extend(order.windows(2).filter(|w| same(w)).map(|w| w[1]));
        }
        if !repeated.is_empty() {
            repeated.sort_unstable();
            for &i in &repeated {
                let span = self.tree.key_span(self.text, self.pending[first + i]);
                self.tree.duplicate_keys.push(span);
            }
            self.keep_last_of_each_key(first, first_key);
        }
        self.pending_keys.truncate(first_key);
    }

    /// Leaves in `pending[first..]` only the last member of each key, in file order.
    fn keep_last_of_each_key(&mut self, first: usize, first_key: usize) {
        let members = self.pending.split_off(first);
        let keys = &self.pending_keys[first_key..];
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, &key) in keys.iter().enumerate() {
            last.insert(self.key_str(key), i);
        }
        let kept = members
            .iter()
            .zip(keys)
            .enumerate()
            .filter(|&(i, (_, &key))| last.get(self.key_str(key)) == Some(&i))
            .map(|(_, (&member, _))| member);
        self.pending.extend(kept.collect::<Vec<_>>());
    }

    fn key_str(&self, key: KeyText) -> &str {
        let text = if key.decoded {
            self.tree.decoded.as_str()
        } else {
            self.text
        };
        text.get(key.from as usize..key.to as usize).unwrap_or("")
    }

    fn literal(&mut self, word: &str) -> Result<u32, ParseError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(NONE)
        } else {
            Err(self.error_here("expected a JSON value"))
        }
    }

    /// A string value: `NONE`, or the index of its decoded text when it has escapes.
    fn string_value(&mut self) -> Result<u32, ParseError> {
        Ok(match self.string()? {
            None => NONE,
            Some(range) => {
                self.tree.escaped_strings.push(range);
                self.tree.escaped_strings.len() as u32 - 1
            }
        })
    }

    /// A key at the cursor; one with escapes is decoded and recorded by its start.
    fn key(&mut self) -> Result<KeyText, ParseError> {
        let start = self.pos as u32;
        Ok(match self.string()? {
            Some((from, to)) => {
                self.tree.escaped_keys.push((start, (from, to)));
                KeyText {
                    from,
                    to,
                    decoded: true,
                }
            }
            None => KeyText {
                from: start + 1,
                to: self.pos as u32 - 1,
                decoded: false,
            },
        })
    }

    /// Reads the string at the cursor (on its opening quote). Without escapes its text is
    /// the source's; with escapes it is decoded into `Tree::decoded`, whose range is returned.
    fn string(&mut self) -> Result<Option<(u32, u32)>, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        // Fast path: the closing quote or the first escape found by memchr, many bytes a
        // step, then the bytes before it checked for control characters.
        let stop = memchr::memchr2(b'"', b'\\', &self.bytes[start..]).map(|at| start + at);
        let body = &self.bytes[start..stop.unwrap_or(self.bytes.len())];
        if let Some(at) = body.iter().position(|&b| b < 0x20) {
            self.pos = start + at;
            return Err(self.error_here("control characters must be escaped in strings"));
        }
        self.pos = start + body.len();
        if self.bytes.get(self.pos) == Some(&b'"') {
            self.pos += 1;
            return Ok(None);
        }
        if self.pos >= self.bytes.len() {
            return Err(unterminated(open, "string"));
        }
        let from = self.tree.decoded.len();
        self.tree.decoded.push_str(&self.text[start..self.pos]);
        self.escaped_rest(open)?;
        Ok(Some((from as u32, self.tree.decoded.len() as u32)))
    }

    /// The rest of a string from its first escape, decoded onto `Tree::decoded`.
    fn escaped_rest(&mut self, open: usize) -> Result<(), ParseError> {
        loop {
            match self.bytes.get(self.pos) {
                None => return Err(unterminated(open, "string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    let (c, width) = escape(self.text, self.pos).map_err(|m| self.error_here(m))?;
                    self.tree.decoded.push(c);
                    self.pos += width;
                }
                Some(0..=0x1f) => {
                    return Err(self.error_here("control characters must be escaped in strings"));
                }
                Some(_) => {
                    // Copy the run up to the next quote, escape or control character at once.
                    let run = self.bytes[self.pos..]
                        .iter()
                        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                        .unwrap_or(self.bytes.len() - self.pos);
                    self.tree
                        .decoded
                        .push_str(&self.text[self.pos..self.pos + run]);
                    self.pos += run;
                }
            }
        }
    }

    fn number(&mut self) -> Result<u32, ParseError> {
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
        // Up to 18 characters, an integer always fits in an i64.
        let literal = &self.text[start..self.pos];
        if (!integer || literal.len() > 18) && parse_number(literal).is_none() {
            return Err(ParseError {
                message: "number out of range".to_string(),
                offset: start,
            });
        }
        Ok(NONE)
    }
}

/// A number literal already known valid, as serde_json reads it: an integer as u64 or i64
/// when it fits, anything else as a finite f64; `None` when it is out of range.
fn parse_number(literal: &str) -> Option<Number> {
    let integer = !literal.contains(['.', 'e', 'E']);
    let number = if integer {
        literal
            .parse::<u64>()
            .map(Number::from)
            .or_else(|_| literal.parse::<i64>().map(Number::from))
            .ok()
    } else {
        None
    };
    number.or_else(|| literal.parse::<f64>().ok().and_then(Number::from_f64))
}

impl Tree {
    fn node(&self, index: u32) -> Node {
        self.nodes[index as usize]
    }

    fn span(&self, index: u32) -> Span {
        let n = self.node(index);
        n.start as usize..n.end as usize
    }

    /// The children of a container (empty for anything else): `aux` names a run only when
    /// the value's first byte opens a container.
    fn run(&self, text: &str, index: u32) -> &[u32] {
        let node = self.node(index);
        let is_container = matches!(text.as_bytes().get(node.start as usize), Some(b'{' | b'['));
        match self.children.get(node.aux as usize) {
            Some(&len) if is_container => {
                let from = node.aux as usize + 1;
                &self.children[from..from + len as usize]
            }
            _ => &[],
        }
    }

    /// A member's key span, quotes included: from its opening quote to the quote right
    /// before the colon that precedes the value.
    fn key_span(&self, text: &str, index: u32) -> Span {
        let node = self.node(index);
        let bytes = text.as_bytes();
        let mut end = node.start as usize;
        while end > node.key as usize + 1
            && matches!(bytes[end - 1], b' ' | b'\n' | b'\r' | b'\t' | b':')
        {
            end -= 1;
        }
        node.key as usize..end
    }

    /// Whether a member's key is `name`: compared in place, without finding where the key
    /// ends, unless keys with escapes are about.
    fn key_is(&self, text: &str, index: u32, name: &str) -> bool {
        let bytes = text.as_bytes();
        let from = self.node(index).key as usize + 1;
        let end = from + name.len();
        // The closing quote first: it turns most other keys away by their length alone.
        // Without a backslash in it, the bytes before the quote are the whole key.
        // A file without escaped keys has no key whose text holds a backslash.
        if bytes.get(end) == Some(&b'"')
            && bytes.get(from..end) == Some(name.as_bytes())
            && (self.escaped_keys.is_empty() || memchr::memchr(b'\\', name.as_bytes()).is_none())
        {
            return true;
        }
        !self.escaped_keys.is_empty() && self.key_text(text, index) == name
    }

    /// A member's key, decoded.
    fn key_text<'t>(&'t self, text: &'t str, index: u32) -> &'t str {
        let span = self.key_span(text, index);
        if !self.escaped_keys.is_empty()
            && let Ok(at) = self
                .escaped_keys
                .binary_search_by_key(&(span.start as u32), |&(start, _)| start)
        {
            let (from, to) = self.escaped_keys[at].1;
            return &self.decoded[from as usize..to as usize];
        }
        text.get(span.start + 1..span.end.saturating_sub(1))
            .unwrap_or("")
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

/// `~1` → `/`, `~0` → `~`.
pub(crate) fn unescape_token(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Escapes one reference token of a JSON Pointer; borrows the token when nothing needs
/// escaping, which is nearly always.
pub fn escape_pointer_token(token: &str) -> Cow<'_, str> {
    // A byte test, not `contains([…])`: the char-set searcher cost a hundred instructions
    // for each short key.
    if token.bytes().any(|b| b == b'~' || b == b'/') {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// An array index as RFC 6901 writes it: digits, no sign, no leading zero.
fn array_index(token: &str) -> Option<usize> {
    let leading_zero = token.len() > 1 && token.starts_with('0');
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    (digits && !leading_zero)
        .then(|| token.parse().ok())
        .flatten()
}

/// The body of a JSON string literal (between its quotes), decoded, with where each of its
/// bytes came from.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    /// `None` when the body has no escape, so that text and body are the same bytes (a
    /// 30 MB message then costs no copy and no table).
    pub offsets: Option<BodyOffsets>,
}

impl Decoded<'_> {
    /// Where byte `i` of the decoded text (or its end) stands in the body.
    pub fn body_offset(&self, i: usize) -> usize {
        match &self.offsets {
            None => i,
            Some(offsets) => offsets.body_offset(i),
        }
    }
}

/// Where the bytes of a decoded string body stand in the body, recorded at each escape
/// only: 12 bytes per escape rather than 4 or 8 per byte, which a definition embedded as
/// a string (every quote escaped) would cost.
#[derive(Debug, Clone)]
pub struct BodyOffsets {
    /// From `decoded` on, the decoded bytes stand at `raw` on, one for one; those of an
    /// escape (`escape`) all stand at its backslash. In increasing order.
    steps: Vec<Step>,
    /// The decoded text's length; past it, offsets are those of its end.
    len: u32,
}

#[derive(Debug, Clone, Copy)]
struct Step {
    decoded: u32,
    raw: u32,
    escape: bool,
}

impl BodyOffsets {
    /// The offsets of a body of `len` bytes without escapes.
    pub fn unescaped(len: usize) -> BodyOffsets {
        BodyOffsets {
            steps: Vec::new(),
            len: len as u32,
        }
    }

    /// Where byte `i` of the decoded text (its end, past it) stands in the body.
    pub fn body_offset(&self, i: usize) -> usize {
        let i = i.min(self.len as usize);
        let at = self
            .steps
            .partition_point(|step| step.decoded as usize <= i);
        match at.checked_sub(1).map(|k| self.steps[k]) {
            None => i,
            Some(step) if step.escape => step.raw as usize,
            Some(step) => step.raw as usize + (i - step.decoded as usize),
        }
    }
}

/// Decodes the body of a JSON string literal; an invalid escape becomes U+FFFD.
pub fn decode(raw: &str) -> Decoded<'_> {
    let Some(first) = memchr::memchr(b'\\', raw.as_bytes()) else {
        return Decoded {
            text: Cow::Borrowed(raw),
            offsets: None,
        };
    };
    // Files are at most 256 MiB (`flow::MAX_FILE_BYTES`), so offsets fit in 32 bits.
    let mut text = String::with_capacity(raw.len());
    let mut steps = Vec::new();
    text.push_str(&raw[..first]);
    let mut i = first;
    while let Some(at) = memchr::memchr(b'\\', &raw.as_bytes()[i..]).map(|at| i + at) {
        text.push_str(&raw[i..at]);
        let (c, width) = escape(raw, at).unwrap_or_else(|_| {
            let next = raw[at + 1..].chars().next().map_or(0, char::len_utf8);
            ('\u{fffd}', 1 + next)
        });
        let step = |decoded: usize, raw: usize, escape| Step {
            decoded: decoded as u32,
            raw: raw as u32,
            escape,
        };
        steps.push(step(text.len(), at, true));
        text.push(c);
        i = (at + width).min(raw.len());
        steps.push(step(text.len(), i, false));
    }
    text.push_str(&raw[i..]);
    let len = text.len() as u32;
    Decoded {
        text: Cow::Owned(text),
        offsets: Some(BodyOffsets { steps, len }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn keeps_spans_of_keys_and_values() {
        let text = r#"{"a": [1, {"b": "x"}]}"#;
        let doc = parse(text).unwrap();
        let (key, value) = doc.resolve("/a/1/b").unwrap();
        assert_eq!(&text[key.unwrap()], r#""b""#);
        assert_eq!(&text[value], r#""x""#);
        let b = doc
            .root()
            .get("a")
            .and_then(|a| a.get(1))
            .and_then(|o| o.get("b"));
        assert_eq!(b.and_then(Json::as_str), Some("x"));
        assert_eq!(doc.resolve("/a/0").unwrap().0, None);
    }

    #[test]
    fn parses_what_serde_json_parses() {
        let text = r#"{"s": "a\"b\\c\u00e9\ud83d\ude00\n", "n": [0, -1, 1.5, 2e3, 1.0, 18446744073709551615, -9223372036854775808, 123456789012345678901234567890], "t": true, "f": false, "z": null, "e": {}, "l": [], "k\u00e9y": {"x\ty": [[]]}}"#;
        let ours = parse(text).unwrap().root().to_value();
        let theirs: Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn numbers_read_as_serde_json_reads_them() {
        let text = "[1, -2, 1.0, 1e3, 18446744073709551615, -9223372036854775809]";
        let doc = parse(text).unwrap();
        let theirs: Value = serde_json::from_str(text).unwrap();
        let pairs = doc
            .root()
            .as_array()
            .unwrap()
            .iter()
            .zip(theirs.as_array().unwrap());
        for (ours, theirs) in pairs {
            assert_eq!(ours.as_u64(), theirs.as_u64(), "{theirs}");
            assert_eq!(ours.as_i64(), theirs.as_i64(), "{theirs}");
            assert_eq!(ours.as_f64(), theirs.as_f64(), "{theirs}");
        }
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
            "[1e400]",
        ] {
            assert!(parse(text).is_err(), "{text:?} must be rejected");
            assert!(
                serde_json::from_str::<Value>(text).is_err(),
                "{text:?} is invalid JSON"
            );
        }
    }

    #[test]
    fn members_know_their_keys() {
        let doc = parse(r#"{"name": 1, "k\u00e9y": [2], "friendly_name": 3}"#).unwrap();
        let members = doc.root().as_object().unwrap();
        let keys: Vec<_> = members.values().map(|m| m.key().unwrap()).collect();
        assert_eq!(keys, ["name", "k\u{e9}y", "friendly_name"]);
        let labels: Vec<_> = members
            .values()
            .map(|m| m.key_is("friendly_name"))
            .collect();
        assert_eq!(labels, [false, false, true]);
        assert!(members.values().nth(1).unwrap().key_is("k\u{e9}y"));
        let item = doc.root().get("k\u{e9}y").unwrap().get(0).unwrap();
        assert_eq!((item.key(), item.key_is("")), (None, false));
    }

    #[test]
    fn a_control_character_is_reported_where_it_stands() {
        for (text, offset) in [
            ("[\"ab\ncd\"]", 4),
            ("[\"a\\\"b\tc\"]", 6),
            ("{\"k\u{1}\": 1}", 3),
            ("[\"abc\u{1f}", 5),
        ] {
            let error = parse(text).unwrap_err();
            assert_eq!(
                error.message,
                "control characters must be escaped in strings"
            );
            assert_eq!(error.offset, offset, "{text:?}");
        }
        assert_eq!(
            parse("[\"abc").unwrap_err().message,
            "this string is never closed"
        );
    }

    #[test]
    fn duplicate_keys_resolve_to_the_last_member() {
        let text = r#"{"a": 1, "b": 0, "a": 2}"#;
        let doc = parse(text).unwrap();
        assert_eq!(doc.root().get("a").and_then(Json::as_u64), Some(2));
        let (_, span) = doc.resolve("/a").unwrap();
        assert_eq!(&text[span], "2");
        let keys: Vec<_> = doc.root().as_object().unwrap().keys().collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(doc.duplicate_keys().to_vec(), vec![17..20]);
    }

    #[test]
    fn duplicates_in_big_objects_and_escaped_keys_are_found() {
        let members: Vec<String> = (0..20).map(|i| format!("\"k{i}\": {i}")).collect();
        let text = format!(
            r#"{{{}, "k3": "x", "\u006b5": "y", "z": {{"q": 1, "q": 2}}}}"#,
            members.join(", ")
        );
        let doc = parse(text.as_str()).unwrap();
        let found: Vec<&str> = doc
            .duplicate_keys()
            .iter()
            .map(|s| &text[s.clone()])
            .collect();
        assert_eq!(found, [r#""k3""#, r#""\u006b5""#, r#""q""#]);
        let object = doc.root().as_object().unwrap();
        assert_eq!(object.len(), 21);
        assert_eq!(object.get("k5").and_then(Json::as_str), Some("y"));
        let theirs: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc.root().to_value(), theirs);
    }

    #[test]
    fn members_iterate_in_file_order_or_sorted() {
        let doc = parse(r#"{"b": 1, "a\"": 2, "c": 3}"#).unwrap();
        let object = doc.root().as_object().unwrap();
        let in_file: Vec<_> = object.keys().collect();
        assert_eq!(in_file, ["b", "a\"", "c"]);
        let sorted: Vec<_> = object.sorted().into_iter().map(|(k, _)| k).collect();
        assert_eq!(sorted, ["a\"", "b", "c"]);
        let (key, _) = doc.resolve("/a\"").unwrap();
        assert_eq!(key, Some(9..14));
    }

    #[test]
    fn refuses_deep_nesting_without_overflowing_the_stack() {
        let text = "[".repeat(100_000) + &"]".repeat(100_000);
        let err = parse(text).unwrap_err();
        assert_eq!(err.offset, MAX_DEPTH);
    }

    #[test]
    fn pointer_tokens_and_escaped_keys_resolve() {
        let text = r#"{"a/b": {"c~d": 1, "e\"f": 2}}"#;
        let doc = parse(text).unwrap();
        assert!(doc.resolve("/a~1b/c~0d").is_some());
        assert!(doc.resolve("/a~1b/e\"f").is_some());
        assert!(doc.resolve("/a~1b/missing").is_none());
        assert_eq!(escape_pointer_token("a/b~c"), "a~1b~0c");
    }

    #[test]
    fn lookup_agrees_with_serde_json_pointers() {
        let text = r#"{"a/b": {"c~d": [10, 11]}, "": 3}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        let doc = parse(text).unwrap();
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
            let ours = doc.lookup(pointer).map(Json::to_value);
            assert_eq!(ours.as_ref(), value.pointer(pointer), "{pointer:?}");
        }
    }

    #[test]
    fn decoded_offsets_map_every_character_back_to_the_body() {
        for raw in [
            r#"plain"#,
            r#"a\"b\\c\u00e9\ud83d\ude00\n{{x}}é\/"#,
            r#"\"\"\""#,
            r#"é\té"#,
        ] {
            let decoded = decode(raw);
            // Each character of the decoded text, from where its bytes start in the body.
            let mut at = 0;
            for (i, c) in decoded.text.char_indices() {
                if raw.as_bytes()[at] == b'\\' {
                    let (escaped, width) = escape(raw, at).unwrap();
                    assert_eq!((escaped, decoded.body_offset(i)), (c, at), "{raw}");
                    at += width;
                } else {
                    assert_eq!(decoded.body_offset(i), at, "{raw} at {i}");
                    at += c.len_utf8();
                }
            }
            assert_eq!(decoded.body_offset(decoded.text.len()), raw.len());
            let offsets = decoded.offsets.unwrap_or(BodyOffsets::unescaped(raw.len()));
            assert_eq!(offsets.body_offset(raw.len() + 5), raw.len());
        }
    }
}
