//! Liquid references in widget properties: `widgets.<name>…`, `flow.variables.<name>` and every
//! other variable read inside `{{ … }}` and `{% … %}`, each with the exact byte range of its
//! names in the file. Filter and tag names, Liquid's keywords and the names a template defines
//! itself (`assign`, `capture`, `for`) are not reads.

use std::sync::Arc;

use crate::flow::json::{Decoded, Json, Kind, Span, decode, escape_pointer_token};
use crate::flow::location::push_index;
use crate::flow::{Flow, Location, MemberPath, StateId};

/// What a reference reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Root {
    /// `widgets.<name>`: the output of another widget.
    Widget,
    /// `flow.variables.<name>`: a variable a set-variables widget sets.
    FlowVariable,
    /// `trigger.<kind>…`: what started the execution; the name is the kind (`call`, …).
    Trigger,
    /// `flow.<name>` other than `flow.variables`: `flow.data`, `flow.channel`, `flow.sid`, ….
    Flow,
    /// `contact.<name>`: `contact.channel.address`.
    Contact,
    /// Any other variable: a name Studio's context does not have (`{{become}}`, `{{now}}`).
    Other,
}

/// One name of a variable path as the scanner reads it, borrowed from the scanned text, with
/// its byte range there. An index or a variable in brackets is an empty name.
pub type Segment<'t> = (&'t str, Span);

/// Every Liquid reference of a flow, kept compactly: a flow can hold millions (a long
/// message repeats `{{trigger.call.From}}`), so a reference is a 16-byte record and each name
/// of its path an 8-byte span into the file, spelled out only when the file writes it with
/// escapes. Read them through [`Reference`].
pub struct References {
    source: Arc<str>,
    records: Vec<Record>,
    segments: Vec<SegmentRecord>,
    /// Names that are not their text in the file, by segment index (ascending): `None` for an
    /// index or a variable in brackets, the decoded name for one written with escapes.
    unusual: Vec<(u32, Option<Box<str>>)>,
    /// The strings that hold references, by [`Record::location`], with their state.
    locations: Vec<(StateId, Arc<Location>)>,
}

impl std::fmt::Debug for References {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "References({})", self.records.len())
    }
}

#[derive(Clone, Copy)]
struct Record {
    location: u32,
    path_start: u32,
    path_len: u32,
    /// Which name of the path is the reference's name (`ask` in `widgets.ask.Digits`).
    name_at: u8,
    root: Root,
    guarded: bool,
    bare_json_value: bool,
}

/// One name of a path: its byte range in the file; the top bit of `end` ([`UNUSUAL`]) says
/// the name is not that text (see [`References::unusual`]). Documents are under 2 GiB
/// ([`crate::flow::json::parse`]), so no offset has that bit.
#[derive(Clone, Copy)]
struct SegmentRecord {
    start: u32,
    end: u32,
}

const UNUSUAL: u32 = 1 << 31;

/// A Liquid reference in widget properties: what it reads and where.
#[derive(Clone, Copy)]
pub struct Reference<'a> {
    all: &'a References,
    record: &'a Record,
}

/// The names of a reference's path, root first, each with its byte range in the source
/// file: `widgets`, `ask`, `Digits`. An index or a variable in brackets is an empty name.
#[derive(Clone, Copy)]
pub struct Path<'a> {
    all: &'a References,
    /// Its names are `start..end` of [`References::segments`].
    start: usize,
    end: usize,
}

impl References {
    /// Every reference, in file order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            all: self,
            records: self.records.iter(),
        }
    }

    /// The name and span of the segment at `index`.
    fn segment(&self, index: usize) -> (&str, Span) {
        (self.name(index), self.segments[index].span())
    }

    /// The name of the segment at `index`.
    fn name(&self, index: usize) -> &str {
        let segment = &self.segments[index];
        if segment.end & UNUSUAL == 0 {
            return &self.source[segment.span()];
        }
        let found = self
            .unusual
            .binary_search_by_key(&(index as u32), |(at, _)| *at)
            .ok();
        found
            .and_then(|i| self.unusual[i].1.as_deref())
            .unwrap_or("")
    }

    fn push_segment(&mut self, name: &str, span: Span) {
        let start = span.start as u32;
        let mut end = span.end as u32;
        let as_in_file = !name.is_empty() && self.source.get(span) == Some(name);
        if !as_in_file {
            let spelled = (!name.is_empty()).then(|| name.into());
            self.unusual.push((self.segments.len() as u32, spelled));
            end |= UNUSUAL;
        }
        self.segments.push(SegmentRecord { start, end });
    }
}

/// The references of a flow in file order (see [`References::iter`]).
pub struct Iter<'a> {
    all: &'a References,
    records: std::slice::Iter<'a, Record>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Reference<'a>;

    fn next(&mut self) -> Option<Reference<'a>> {
        let record = self.records.next()?;
        Some(Reference {
            all: self.all,
            record,
        })
    }
}

impl<'a> IntoIterator for &'a References {
    type Item = Reference<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl Record {
    /// The index in [`References::segments`] of the reference's name.
    fn name_segment(&self) -> usize {
        (self.path_start + u32::from(self.name_at)) as usize
    }
}

impl<'a> Reference<'a> {
    /// What the reference reads.
    pub fn root(&self) -> Root {
        self.record.root
    }

    /// The widget, variable or field read: `ask` in `widgets.ask.Digits`.
    pub fn name(&self) -> &'a str {
        self.all.name(self.record.name_segment())
    }

    /// Byte range of the name in the source file (inside quotes for `widgets["name"]`).
    pub fn span(&self) -> Span {
        self.all.segments[self.record.name_segment()].span()
    }

    /// Every name of the path read, root first.
    pub fn path(&self) -> Path<'a> {
        let start = self.record.path_start as usize;
        Path {
            all: self.all,
            start,
            end: start + self.record.path_len as usize,
        }
    }

    /// The state whose properties hold the reference.
    pub fn state(&self) -> StateId {
        self.all.locations[self.record.location as usize].0
    }

    /// The JSON string that holds the reference: a member of its state (also in a split's
    /// conditions, so that findings about it name the state and not the transition's event).
    pub fn location(&self) -> &'a Location {
        &self.all.locations[self.record.location as usize].1
    }

    /// The template copes with an empty value here: the read is in an `{% if %}`,
    /// `{% unless %}` or `{% case %}` (its test or its body) or has a `| default:` filter.
    pub fn guarded(&self) -> bool {
        self.record.guarded
    }

    /// The text is JSON and the reference renders as a bare JSON value (`{"n": {{x}}}`):
    /// an empty value makes the document invalid.
    pub fn bare_json_value(&self) -> bool {
        self.record.bare_json_value
    }
}

impl SegmentRecord {
    fn span(&self) -> Span {
        self.start as usize..(self.end & !UNUSUAL) as usize
    }
}

impl<'a> Path<'a> {
    /// The `index`th name and its byte range in the file.
    pub fn get(&self, index: usize) -> Option<(&'a str, Span)> {
        let at = self.start + index;
        (at < self.end).then(|| self.all.segment(at))
    }

    /// The names in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, Span)> + 'a {
        let all = self.all;
        (self.start..self.end).map(move |at| all.segment(at))
    }

    /// The first `len` names.
    pub fn prefix(&self, len: usize) -> Path<'a> {
        Path {
            end: self.end.min(self.start + len),
            ..*self
        }
    }

    /// The names from `from` on.
    pub fn suffix(&self, from: usize) -> Path<'a> {
        Path {
            start: self.end.min(self.start + from),
            ..*self
        }
    }
}

/// A JSON string under a state's `properties` or a split's `conditions` that holds Liquid:
/// what the Liquid rules read.
#[derive(Debug, Clone)]
pub struct LiquidText {
    pub state: StateId,
    /// The string: a member of its state (in a split's conditions too, so that findings
    /// about it name the state and not the transition's event).
    pub location: Arc<Location>,
    /// The string literal, quotes included, in [`Flow::text`] (the definition's own text
    /// when it is embedded in the file as a string).
    pub literal: Span,
}

impl LiquidText {
    /// The literal's body, decoded.
    pub fn decode<'s>(&self, flow: &'s Flow, source: &'s str) -> Decoded<'s> {
        let body = self.literal.start + 1..self.literal.end.saturating_sub(1);
        decode(flow.text(source).get(body).unwrap_or(""))
    }

    /// A span of the decoded text as a span of the file.
    pub fn file_span(&self, flow: &Flow, decoded: &Decoded, span: &Span) -> Span {
        let base = self.literal.start + 1;
        flow.to_file_span(
            base + decoded.body_offset(span.start)..base + decoded.body_offset(span.end),
        )
    }
}

/// Every string that holds Liquid, state by state, properties before conditions, each in
/// file order.
pub fn liquid_texts(flow: &Flow) -> Vec<LiquidText> {
    let mut out = Vec::new();
    // One walker for the flow: its stack and pointer keep their room from state to state.
    let mut walker = Walker {
        state: StateId::new(0),
        base: Base::Properties,
        path: Vec::new(),
        pointer: String::new(),
        out: &mut out,
    };
    for (index, state) in flow.states.iter().enumerate() {
        walker.state = StateId::new(index);
        let Some(value) = flow.value(&state.location()) else {
            continue;
        };
        if let Some(properties) = value.get("properties") {
            walker.walk_below(Base::Properties, properties);
        }
        // By the file's own positions: the model leaves out a transition that is not an
        // object, so its list can stand out of step with the file's.
        let transitions = value.get("transitions").and_then(Json::as_array);
        for (position, item) in transitions.into_iter().flatten().enumerate() {
            if let Some(conditions) = item.get("conditions") {
                walker.walk_below(Base::Conditions(position as u32), conditions);
            }
        }
    }
    out
}

/// Every reference in the Liquid of `texts`, in file order.
pub fn references(flow: &Flow, source: &Arc<str>, texts: &[LiquidText]) -> References {
    let (records, segments) = expected_sizes(flow.text(source), texts);
    let mut all = References {
        source: Arc::clone(source),
        records: Vec::with_capacity(records),
        segments: Vec::with_capacity(segments),
        unusual: Vec::new(),
        locations: Vec::new(),
    };
    for text in texts {
        let decoded = text.decode(flow, source);
        let (location, before) = (all.locations.len() as u32, all.records.len());
        scan_liquid(&decoded.text, |found| {
            let path_start = all.segments.len() as u32;
            for (name, span) in found.path {
                all.push_segment(name, text.file_span(flow, &decoded, span));
            }
            all.records.push(Record {
                location,
                path_start,
                path_len: found.path.len() as u32,
                name_at: found.name_at,
                root: found.root,
                guarded: found.guarded,
                bare_json_value: found.bare_json_value,
            });
        });
        if all.records.len() > before {
            all.locations.push((text.state, Arc::clone(&text.location)));
        }
    }
    // Name spans never overlap, so the order is total.
    let segments = &all.segments;
    all.records
        .sort_unstable_by_key(|r| segments[r.name_segment()].start);
    all
}

/// Room for the references of `texts` and their names, reserved once: growing by doubling
/// held the old and the new table at once, a third of the peak on a flow of long templates.
/// One reference a block and three names a reference is the common case; the guess is capped
/// at one reference per 16 bytes of text and one name per 8, so that a text of braces cannot
/// ask for much more than its size. Pages reserved but never written cost nothing.
fn expected_sizes(text: &str, texts: &[LiquidText]) -> (usize, usize) {
    let (mut blocks, mut bytes) = (0, 0);
    for literal in texts.iter().filter_map(|t| text.get(t.literal.clone())) {
        blocks += openings(literal).count();
        bytes += literal.len();
    }
    (blocks.min(bytes / 16), (3 * blocks).min(bytes / 8))
}

impl Reference<'_> {
    /// Whether an empty value here changes what the flow does: a split tests it, a widget
    /// addresses, calls or names something with it, or it is a bare value in JSON that an
    /// empty value makes invalid. Text shown to a person or passed on as a parameter is
    /// not among them.
    pub fn empty_matters(&self, flow: &Flow) -> bool {
        let Location::StateMember { state, path } = self.location() else {
            return false;
        };
        let (state, rest) = (*state, path.as_pointer());
        if self.bare_json_value() || rest.starts_with("/transitions/") {
            return true;
        }
        let mut steps = rest.strip_prefix("/properties/").unwrap_or("").split('/');
        let property = steps.next().unwrap_or("");
        // A Function parameter is named by its key: `TaskSid` is a SID to act on.
        let key = match (property, steps.next()) {
            ("parameters", Some(index)) => {
                let path = MemberPath::from("properties").key("parameters").key(index);
                let parameter = Location::StateMember { state, path };
                flow.value(&parameter.key("key")).and_then(Json::as_str)
            }
            _ => None,
        };
        let name = key.unwrap_or(property).to_ascii_lowercase();
        ADDRESSING_PROPERTIES.contains(&name.as_str()) || name.ends_with("sid")
    }
}

/// Properties that say whom to reach, what to call or what to test.
const ADDRESSING_PROPERTIES: &[&str] = &[
    "input",
    "to",
    "from",
    "url",
    "workflow",
    "channel",
    "number",
    "caller_id",
];

/// One step of a pointer, borrowed from the value: nothing is allocated while walking.
#[derive(Clone, Copy)]
enum Step<'v> {
    /// A member, whose key is read only when a pointer is written.
    Member(Json<'v>),
    Index(usize),
}

/// Where a walk starts in its state: what the pointers it writes begin with.
#[derive(Clone, Copy)]
enum Base {
    /// `/properties`.
    Properties,
    /// `/transitions/<index>/conditions`: a split's conditions, named as a member of the
    /// state so that findings about them name the state and not the transition's event.
    Conditions(u32),
}

/// Walks the strings under a value. The location is kept as a stack of borrowed steps and
/// built only for strings that hold Liquid, which are few; the literal's span is the value's.
struct Walker<'a, 'v> {
    state: StateId,
    base: Base,
    path: Vec<Step<'v>>,
    /// The pointer in the state, written out for each string found (kept for its room).
    pointer: String,
    out: &'a mut Vec<LiquidText>,
}

impl<'v> Walker<'_, 'v> {
    fn walk_below(&mut self, base: Base, value: Json<'v>) {
        self.base = base;
        self.walk(value);
    }

    fn walk(&mut self, value: Json<'v>) {
        // Numbers are never read: `kind` would parse every offset of the canvas.
        if value.is_number() {
            return;
        }
        match value.kind() {
            Kind::String(text) if has_liquid(text) => {
                self.write_pointer();
                let path = MemberPath::from_pointer(self.pointer.as_str());
                self.out.push(LiquidText {
                    state: self.state,
                    location: Arc::new(Location::StateMember {
                        state: self.state,
                        path,
                    }),
                    literal: value.span(),
                });
            }
            Kind::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Step::Index(i));
                    self.walk(item);
                    self.path.pop();
                }
            }
            Kind::Object(members) => {
                // A condition's `friendly_name` is a label on the canvas: never rendered.
                for member in members.values().filter(|m| !m.key_is("friendly_name")) {
                    self.path.push(Step::Member(member));
                    self.walk(member);
                    self.path.pop();
                }
            }
            _ => {}
        }
    }

    fn write_pointer(&mut self) {
        self.pointer.clear();
        match self.base {
            Base::Properties => self.pointer.push_str("/properties"),
            Base::Conditions(index) => {
                self.pointer.push_str("/transitions/");
                push_index(&mut self.pointer, index as usize);
                self.pointer.push_str("/conditions");
            }
        }
        for step in &self.path {
            match step {
                Step::Member(member) => {
                    self.pointer.push('/');
                    self.pointer
                        .push_str(&escape_pointer_token(member.key().unwrap_or_default()));
                }
                Step::Index(i) => {
                    self.pointer.push('/');
                    push_index(&mut self.pointer, *i);
                }
            }
        }
    }
}

/// Whether a string holds `{{` or `{%`. Most strings hold no brace at all, which memchr
/// tells many bytes at a time.
pub fn has_liquid(text: &str) -> bool {
    find_open(text).is_some()
}

/// A reference found in decoded text, borrowed from it and from the scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found<'t, 'p> {
    pub root: Root,
    /// Which name of the path is the reference's name.
    pub name_at: u8,
    /// Every name of the path, root first, with its span in the text.
    pub path: &'p [Segment<'t>],
    /// See [`Reference::guarded`].
    pub guarded: bool,
    /// See [`Reference::bare_json_value`].
    pub bare_json_value: bool,
}

impl<'t> Found<'t, '_> {
    /// The name read and its span in the text.
    pub fn name(&self) -> Segment<'t> {
        self.path[usize::from(self.name_at)].clone()
    }
}

/// Calls `visit` with each reference inside the Liquid output and tag blocks of a text, in
/// order. Nothing is kept: a long text can hold millions.
pub fn scan_liquid(text: &str, mut visit: impl FnMut(Found<'_, '_>)) {
    let locals = defined_names(text);
    // How many `if`/`unless`/`case` blocks enclose the current position.
    let mut conditional_depth: usize = 0;
    let is_json = looks_like_json(text);
    // Whether the text before the current block is inside a JSON string, and how far the
    // quotes have been counted.
    let (mut in_string, mut counted) = (false, 0);
    // Inside `{% comment %}` or `{% raw %}`: nothing is read until the closing tag.
    let mut skipping: Option<&str> = None;
    let mut segments = Vec::new();
    for (start, end, is_output) in blocks(text) {
        let block = &text[start..end];
        let tag = if is_output { "" } else { tag_name(block) };
        // Quotes matter only to a JSON text: elsewhere they are not counted at all.
        if is_json {
            in_string ^= count_quotes(&text[counted..start - 2]) % 2 == 1;
            counted = (end + 2).min(text.len());
        }
        if let Some(closing) = skipping {
            skipping = (tag != closing).then_some(closing);
            continue;
        }
        match tag {
            "comment" => skipping = Some("endcomment"),
            "raw" => skipping = Some("endraw"),
            "if" | "unless" | "case" => conditional_depth += 1,
            _ => {}
        }
        let guarded = conditional_depth > 0 || (is_output && has_default_filter(block));
        let bare_json_value = is_json && is_output && !in_string;
        if skipping.is_none() && !is_inline_comment(block) {
            each_read(text, start, end, tag, &mut segments, |path| {
                if let Some((root, name_at)) = reference(path, &locals) {
                    visit(Found {
                        root,
                        name_at,
                        path,
                        guarded,
                        bare_json_value,
                    });
                }
            });
        }
        if matches!(tag, "endif" | "endunless" | "endcase") {
            conditional_depth = conditional_depth.saturating_sub(1);
        }
    }
}

/// `{% # a comment %}`.
fn is_inline_comment(block: &str) -> bool {
    block.trim_start_matches('-').trim_start().starts_with('#')
}

/// The names a template defines for itself: `assign x`, `capture x`, `for x in`, `tablerow x
/// in`, `increment x`, `decrement x`. Reading them is no read of Studio's context.
fn defined_names(text: &str) -> Vec<&str> {
    // A template defines a handful of names at most: a list beats hashing every read.
    let mut names = Vec::new();
    // Only tags define names, and most texts have none: a `%` is needed to open one.
    if memchr::memchr(b'%', text.as_bytes()).is_none() {
        return names;
    }
    for (start, end, is_output) in blocks(text) {
        if is_output {
            continue;
        }
        let block = text[start..end].trim_start_matches('-').trim_start();
        let mut words = block.split(|c: char| c.is_whitespace() || c == '=');
        let tag = words.next().unwrap_or("");
        if DEFINING_TAGS.contains(&tag)
            && let Some(name) = words.find(|w| !w.is_empty())
        {
            names.push(name.trim_end_matches('-'));
        }
    }
    names
}

const DEFINING_TAGS: &[&str] = &[
    "assign",
    "capture",
    "for",
    "tablerow",
    "increment",
    "decrement",
];

/// Words of Liquid's own expression syntax, never variables.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "contains",
    "in",
    "true",
    "false",
    "nil",
    "null",
    "empty",
    "blank",
    "with",
    "as",
    "limit",
    "offset",
    "reversed",
    "cols",
    "else",
    "forloop",
    "tablerowloop",
];

/// The expressions of a text's `{{ … }}` and `{% … %}` blocks: their start and end, and
/// whether the block is an output. An unclosed block runs to the end of the text.
fn blocks(text: &str) -> impl Iterator<Item = (usize, usize, bool)> + '_ {
    let mut rest = 0;
    std::iter::from_fn(move || {
        let open = rest + find_open(&text[rest..])?;
        let start = open + 2;
        let is_output = text[open..].starts_with("{{");
        let close = if is_output { b'}' } else { b'%' };
        let end = find_close(text, start, close).unwrap_or(text.len());
        rest = (end + 2).min(text.len());
        Some((start, end, is_output))
    })
}

/// Where the next `}}` (or `%}`, for `first` = `%`) starts at or after `from`. Searched for
/// byte by byte: building a substring searcher per block was a tenth of a run.
pub fn find_close(text: &str, from: usize, first: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(found) = bytes.get(at..)?.iter().position(|&b| b == first) {
        at += found;
        if bytes.get(at + 1) == Some(&b'}') {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// A JSON object or array, not a text that merely starts with a Liquid block.
fn looks_like_json(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with('[')
        || (text.starts_with('{') && !text.starts_with("{{") && !text.starts_with("{%"))
}

/// The unescaped double quotes in a piece of JSON text.
fn count_quotes(text: &str) -> usize {
    let bytes = text.as_bytes();
    (0..bytes.len())
        .filter(|&i| {
            bytes[i] == b'"'
                && bytes[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 0
        })
        .count()
}

/// The tag's name: `if` in `{%- if x -%}`.
fn tag_name(block: &str) -> &str {
    let block = block.trim_start_matches('-').trim_start();
    let end = block
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(block.len());
    &block[..end]
}

/// Whether an output block pipes through `default`, which fills in an empty value.
fn has_default_filter(block: &str) -> bool {
    // A filter's name follows its `|` and ends before the next one.
    memchr::memchr_iter(b'|', block.as_bytes())
        .any(|at| tag_name(block[at + 1..].trim_start()) == "default")
}

/// Whether a string holds a deployment placeholder, `${name}`, that a templating step
/// (Terraform, the Flex CLI) replaces before upload.
pub fn has_placeholder(text: &str) -> bool {
    text.split("${").skip(1).any(|rest| {
        rest.find('}')
            .is_some_and(|end| end > 0 && !rest[..end].contains(['{', '"']))
    })
}

/// Where the next `{{` or `{%` starts. One pass: searching for each separately read the
/// whole rest of a text without `{%` once per block, quadratic on a long message.
pub fn find_open(text: &str) -> Option<usize> {
    openings(text).next()
}

/// Where each `{{` and `{%` starts, in order: the braces found by memchr, many bytes a step,
/// then the byte after each looked at.
pub fn openings(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'{', bytes).filter(|&at| matches!(bytes.get(at + 1), Some(b'{' | b'%')))
}

/// Calls `visit` with every variable path (`a.b["c"]`) in an expression, string literals
/// left out. `segments` is the scratch space the path is read into.
fn each_path<'t>(
    text: &'t str,
    (start, end): (usize, usize),
    segments: &mut Vec<Segment<'t>>,
    mut visit: impl FnMut(&[Segment<'t>]),
) {
    let bytes = text.as_bytes();
    let mut i = start;
    while i < end {
        let c = bytes[i];
        if c == b'"' || c == b'\'' {
            // A string literal is data, not a reference.
            i = text[i + 1..end]
                .find(c as char)
                .map_or(end, |q| i + 1 + q + 1);
        } else if is_ident_start(c)
            && (i == start || !is_path_byte(bytes[i - 1]) || after_range(bytes, i))
        {
            segments.clear();
            let next = read_path(text, i, end, segments);
            visit(segments);
            i = next.max(i + 1);
        } else {
            i += 1;
        }
    }
}

/// Calls `visit` with every variable path an expression reads: the paths of [`each_path`]
/// less the tag's name (and the name `assign`/`capture`/`for` defines), filter names (after
/// `|`) and named arguments (`limit: 2`, `allow_false: true`).
fn each_read<'t>(
    text: &'t str,
    start: usize,
    end: usize,
    tag: &str,
    segments: &mut Vec<Segment<'t>>,
    mut visit: impl FnMut(&[Segment<'t>]),
) {
    // Names the tag itself uses before its expression: its own name, and what it defines.
    let mut unread = match tag {
        "" => 0,
        t if DEFINING_TAGS.contains(&t) => 2,
        _ => 1,
    };
    each_path(text, (start, end), segments, |segments| {
        let Some((_, span)) = segments.first() else {
            return;
        };
        let before = text[start..span.start].trim_end();
        let after = segments
            .last()
            .map_or("", |(_, s)| text[s.end..end].trim_start());
        // Past a closing bracket or quote of the path itself.
        let after = after.trim_start_matches([']', '"', '\'', ' ']);
        if unread > 0 {
            unread -= 1;
            return;
        }
        let filter = before.ends_with('|');
        let named_argument = after.starts_with(':') && segments.len() == 1;
        if !filter && !named_argument {
            visit(segments);
        }
    });
}

/// Every variable path read by the Liquid in `text`, as its names: `["widgets", "ask",
/// "Digits"]` for `{{widgets.ask.Digits}}`. Filter names are paths too (`upcase`).
pub fn paths(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut segments = Vec::new();
    for (start, end, _) in blocks(text) {
        each_path(text, (start, end), &mut segments, |segments| {
            out.push(segments.iter().map(|(name, _)| name.to_string()).collect());
        });
    }
    out
}

/// A name right after the `..` of a range: `(1..widgets.x.size)`.
fn after_range(bytes: &[u8], i: usize) -> bool {
    i >= 2 && bytes[i - 1] == b'.' && bytes[i - 2] == b'.'
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident_byte(c: u8) -> bool {
    IDENT_BYTES[usize::from(c)]
}

/// ASCII letters and digits, `_` and `-`, by byte: one load for a test that runs on every
/// byte of every path.
const IDENT_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        c += 1;
    }
    table
};

fn is_path_byte(c: u8) -> bool {
    is_ident_byte(c) || c == b'.' || c == b']'
}

/// Reads `a.b["c"][0].d` from `i` into `segments`; returns where it ended.
fn read_path<'t>(
    text: &'t str,
    mut i: usize,
    end: usize,
    segments: &mut Vec<Segment<'t>>,
) -> usize {
    let bytes = text.as_bytes();
    let ident = |from: usize| {
        let name = bytes[from..end].iter().position(|&b| !is_ident_byte(b));
        name.map_or(end, |len| from + len)
    };
    let to = ident(i);
    segments.push((&text[i..to], i..to));
    i = to;
    while i < end {
        match bytes[i] {
            // Liquid skips blanks, line breaks too, between a dot and the name: `a. b` is `a.b`.
            b'.' => {
                let Some(from) = next_ident(text, i + 1, end) else {
                    break;
                };
                let to = ident(from);
                segments.push((&text[from..to], from..to));
                i = to;
            }
            b'[' => {
                let Some(close) = text[i..end].find(']').map(|c| i + c) else {
                    break;
                };
                let inner = text[i + 1..close].trim();
                let offset = i + 1 + text[i + 1..close].find(inner).unwrap_or(0);
                let quoted = inner.len() >= 2
                    && (inner.starts_with('"') && inner.ends_with('"')
                        || inner.starts_with('\'') && inner.ends_with('\''));
                if quoted {
                    let name = &inner[1..inner.len() - 1];
                    segments.push((name, offset + 1..offset + 1 + name.len()));
                } else {
                    // An index or a variable: the path goes on, but not by a known name.
                    segments.push(("", offset..offset + inner.len()));
                }
                i = close + 1;
            }
            _ => break,
        }
    }
    i
}

/// Where the name after a dot starts, past blanks, if one does.
fn next_ident(text: &str, from: usize, end: usize) -> Option<usize> {
    let skipped = text[from..end].len() - text[from..end].trim_start().len();
    let at = from + skipped;
    (at < end && is_ident_start(text.as_bytes()[at])).then_some(at)
}

/// What a path reads and which of its names is the name read, or `None` for a name the
/// template defines, a keyword or a path that names nothing (`widgets` alone).
fn reference(segments: &[Segment], locals: &[&str]) -> Option<(Root, u8)> {
    let named = |k: u8| {
        segments
            .get(usize::from(k))
            .is_some_and(|(n, _)| !n.is_empty())
            .then_some(k)
    };
    let (root, _) = segments.first()?;
    let second_is = |wanted: &str| segments.get(1).is_some_and(|(n, _)| *n == wanted);
    match *root {
        "widgets" => Some((Root::Widget, named(1)?)),
        "flow" if second_is("variables") => Some((Root::FlowVariable, named(2)?)),
        "flow" => Some((Root::Flow, named(1)?)),
        "trigger" => Some((Root::Trigger, named(1)?)),
        "contact" => Some((Root::Contact, named(1)?)),
        root if KEYWORDS.contains(&root) || locals.contains(&root) => None,
        _ => Some((Root::Other, named(0)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liquid_is_told_by_its_opening_delimiters() {
        assert!(has_liquid("Hi {{flow.data.name}}"));
        assert!(has_liquid("{% if x %}y{% endif %}"));
        assert!(has_liquid("{ {{x}}"));
        assert!(!has_liquid("{\"json\": {}} { % {"));
        assert!(!has_liquid("plain text"));
        assert!(!has_liquid("ends with {"));
    }

    /// A reference found by [`scan_liquid`], with its names copied out.
    struct Scanned {
        root: Root,
        name: String,
        span: Span,
        path: Vec<String>,
        guarded: bool,
        bare_json_value: bool,
    }

    fn scan(text: &str) -> Vec<Scanned> {
        let mut out = Vec::new();
        scan_liquid(text, |found| {
            let (name, span) = found.name();
            out.push(Scanned {
                root: found.root,
                name: name.to_string(),
                span,
                path: found.path.iter().map(|(n, _)| n.to_string()).collect(),
                guarded: found.guarded,
                bare_json_value: found.bare_json_value,
            });
        });
        out
    }

    fn names(text: &str) -> Vec<(Root, String, String)> {
        scan(text)
            .into_iter()
            .map(|f| (f.root, f.name, text[f.span].to_string()))
            .collect()
    }

    #[test]
    fn finds_every_reference_form() {
        let text =
            r#"{{widgets.a.parsed.x}} {{ widgets["b c"].x }} {{widgets['d']}} {{widgets.e["f"]}}"#;
        let found: Vec<_> = names(text).into_iter().map(|(_, n, _)| n).collect();
        assert_eq!(found, ["a", "b c", "d", "e"]);
    }

    #[test]
    fn finds_references_in_tags_and_filters() {
        let text = "{% if widgets.a.x == 1 %}{{ x | default: widgets.b.y }}{% endif %}\
                    {% for i in flow.variables.items %}{% assign n = flow.variables['count'] %}";
        let found: Vec<_> = names(text).into_iter().map(|(r, n, _)| (r, n)).collect();
        assert_eq!(
            found,
            [
                (Root::Widget, "a".to_string()),
                (Root::Other, "x".to_string()),
                (Root::Widget, "b".to_string()),
                (Root::FlowVariable, "items".to_string()),
                (Root::FlowVariable, "count".to_string()),
            ]
        );
    }

    #[test]
    fn ignores_text_outside_liquid_and_string_literals() {
        assert!(names("widgets.a {{ 'widgets.b' }} {{ \"flow.variables.c\" }}").is_empty());
        let roots: Vec<_> = names("{{ mywidgets.a }} {{ x.widgets.b }}")
            .into_iter()
            .map(|(r, n, _)| (r, n))
            .collect();
        assert_eq!(
            roots,
            [
                (Root::Other, "mywidgets".to_string()),
                (Root::Other, "x".to_string())
            ]
        );
    }

    #[test]
    fn tags_filters_keywords_and_defined_names_are_not_reads() {
        let text = "{% assign n = flow.variables.count | plus: 1 %}{% capture c %}x{% endcapture %}\
                    {% for item in widgets.f.parsed.list limit: 2 %}{{ item.name | upcase }}\
                    {{ forloop.index }}{% endfor %}{% if n > 1 and c != empty %}{{ n }}{% endif %}\
                    {{ x | default: 'none', allow_false: true }}{% comment %}{{ y }}{% endcomment %}\
                    {% raw %}{{ z }}{% endraw %}{% # {{ w }} %}";
        let found: Vec<_> = names(text).into_iter().map(|(r, n, _)| (r, n)).collect();
        assert_eq!(
            found,
            [
                (Root::FlowVariable, "count".to_string()),
                (Root::Widget, "f".to_string()),
                (Root::Other, "x".to_string()),
            ]
        );
    }

    #[test]
    fn every_root_is_read_with_its_path() {
        let text = "{{trigger.call.From}} {{flow.data.x}} {{contact.channel.address}} {{now}}\
                    {% for i in (1..widgets.f.parsed.n) %}{% endfor %}";
        let found: Vec<_> = scan(text)
            .into_iter()
            .map(|f| (f.root, f.name, f.path.join(".")))
            .collect();
        let expected = [
            (Root::Trigger, "call", "trigger.call.From"),
            (Root::Flow, "data", "flow.data.x"),
            (Root::Contact, "channel", "contact.channel.address"),
            (Root::Other, "now", "now"),
            (Root::Widget, "f", "widgets.f.parsed.n"),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(r, n, p)| (*r, n.to_string(), p.to_string()))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn spans_cover_the_name() {
        let text = "Hi {{widgets.get-parts.x}}";
        assert_eq!(names(text)[0].2, "get-parts");
    }

    #[test]
    fn a_blank_after_the_dot_is_the_same_path() {
        let found = names("{{flow.variables. reason}} {{ widgets. ask .Digits }}");
        assert_eq!(
            found,
            [
                (
                    Root::FlowVariable,
                    "reason".to_string(),
                    "reason".to_string()
                ),
                (Root::Widget, "ask".to_string(), "ask".to_string()),
            ]
        );
    }

    #[test]
    fn guards_are_recognised() {
        let guarded =
            |text: &str| -> Vec<bool> { scan(text).into_iter().map(|f| f.guarded).collect() };
        assert_eq!(guarded("{{widgets.a.x}}"), [false]);
        assert_eq!(guarded("{{widgets.a.x | default: 'none'}}"), [true]);
        assert_eq!(guarded("{{widgets.a.x | upcase }}"), [false]);
        assert_eq!(
            guarded("{% if widgets.a.x %}{{widgets.a.x}}{% endif %}{{widgets.b}}"),
            [true, true, false]
        );
        assert_eq!(
            guarded("{%- unless widgets.a -%}x{%- endunless -%}"),
            [true]
        );
    }

    #[test]
    fn bare_json_values_are_recognised() {
        let bare = |text: &str| -> Vec<bool> {
            scan(text).into_iter().map(|f| f.bare_json_value).collect()
        };
        assert_eq!(
            bare(r#"{"a": {{widgets.a.x}}, "b": "{{widgets.b.y}}", "c\"": {{widgets.c}}}"#),
            [true, false, true]
        );
        assert_eq!(bare("Hello {{widgets.a.x}}"), [false]);
        assert_eq!(bare("{{widgets.a.x}}"), [false]);
    }

    #[test]
    fn closing_delimiters_are_found_where_a_substring_search_finds_them() {
        for text in ["}}}", "a %%} }}", "{{x}", "%", "", "}} %}"] {
            for from in 0..=text.len() {
                assert_eq!(
                    find_close(text, from, b'}'),
                    text[from..].find("}}").map(|i| from + i)
                );
                assert_eq!(
                    find_close(text, from, b'%'),
                    text[from..].find("%}").map(|i| from + i)
                );
            }
        }
    }

    #[test]
    fn placeholders_are_recognised() {
        assert!(has_placeholder("${workflow_sids.master}"));
        assert!(has_placeholder("WW${id}"));
        assert!(!has_placeholder("$5 {{x}}"));
        assert!(!has_placeholder("${}"));
    }

    /// A reference's root, name, text at its span, and path.
    type Read = (Root, String, String, Vec<String>);

    /// The references of a flow whose `say` property is `say` (JSON-escaped as written).
    fn read_from_flow(say: &str) -> Vec<Read> {
        let text = format!(
            r#"{{"initial_state": "t", "states": [{{"name": "t", "type": "trigger",
            "properties": {{}}, "transitions": [{{"event": "incomingCall", "next": "s"}}]}},
            {{"name": "s", "type": "say-play", "properties": {{"say": "{say}"}},
            "transitions": []}}]}}"#
        );
        let file = crate::flow::load_text("test.json".to_string(), text.clone());
        let flow = file.flow.as_ref().expect("the flow loads");
        let all = references(flow, &file.source.text, &liquid_texts(flow));
        all.iter()
            .map(|r| {
                let path = r.path().iter().map(|(n, _)| n.to_string()).collect();
                (
                    r.root(),
                    r.name().to_string(),
                    text[r.span()].to_string(),
                    path,
                )
            })
            .collect()
    }

    #[test]
    fn names_written_with_escapes_are_read_decoded_and_underlined_as_written() {
        let read = read_from_flow(r#"{{widgets.\u0061sk.Digits}} {{flow.variables[\"a b\"]}}"#);
        assert_eq!(
            read,
            [
                (
                    Root::Widget,
                    "ask".to_string(),
                    r"\u0061sk".to_string(),
                    vec![
                        "widgets".to_string(),
                        "ask".to_string(),
                        "Digits".to_string()
                    ]
                ),
                (
                    Root::FlowVariable,
                    "a b".to_string(),
                    "a b".to_string(),
                    vec![
                        "flow".to_string(),
                        "variables".to_string(),
                        "a b".to_string()
                    ]
                ),
            ]
        );
    }

    #[test]
    fn references_are_in_file_order_with_indexes_as_empty_names() {
        let read = read_from_flow("{{widgets.b.list[0].x}} {{trigger.call.From}}");
        let names: Vec<_> = read
            .iter()
            .map(|(_, n, _, p)| (n.as_str(), p.join(".")))
            .collect();
        assert_eq!(
            names,
            [
                ("b", "widgets.b.list..x".to_string()),
                ("call", "trigger.call.From".to_string())
            ]
        );
    }

    #[test]
    fn decode_maps_escapes_back_to_the_source() {
        let raw = r#"a\"b\u00e9{{widgets.x}}\n"#;
        let decoded = decode(raw);
        assert_eq!(decoded.text, "a\"b\u{e9}{{widgets.x}}\n");
        let at = decoded.text.find("x}}").unwrap();
        assert_eq!(
            &raw[decoded.body_offset(at)..decoded.body_offset(at + 1)],
            "x"
        );
    }
}
