//! [`Json`]: one value of a [`Document`], read in place, with serde_json's accessor names.

use serde_json::{Number, Value};

use super::{Document, NONE, Span, Tree, array_index, parse_number, unescape_token};

/// A value of a document: a position in its table, so copying it is free. Strings are
/// borrowed from the document's text (or, for the few with escapes, its decoded text).
#[derive(Clone, Copy)]
pub struct Json<'d> {
    doc: &'d Document,
    node: u32,
}

/// A value of a document by its place in the table (see [`Document::at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeId(pub(super) u32);

/// What a value is, for `match`.
#[derive(Debug, Clone)]
pub enum Kind<'d> {
    Null,
    Bool(bool),
    Number(Number),
    String(&'d str),
    Array(Items<'d>),
    Object(Members<'d>),
}

/// The elements of an array.
#[derive(Clone, Copy)]
pub struct Items<'d> {
    doc: &'d Document,
    run: &'d [u32],
}

/// The members of an object, in file order; a member whose key a later member repeats is
/// not among them (the later value wins, as in JavaScript and serde_json).
#[derive(Clone, Copy)]
pub struct Members<'d> {
    doc: &'d Document,
    run: &'d [u32],
}

/// What [`Json::get`] takes: a key of an object or an index of an array.
pub trait JsonIndex {
    fn find_in<'d>(self, value: Json<'d>) -> Option<Json<'d>>;
}

impl JsonIndex for &str {
    fn find_in<'d>(self, value: Json<'d>) -> Option<Json<'d>> {
        value.as_object()?.get(self)
    }
}

impl JsonIndex for usize {
    fn find_in<'d>(self, value: Json<'d>) -> Option<Json<'d>> {
        value.as_array()?.get(self)
    }
}

impl<'d> Json<'d> {
    pub(super) fn new(doc: &'d Document, node: u32) -> Json<'d> {
        Json { doc, node }
    }

    /// Names this value without borrowing the document.
    pub fn id(self) -> NodeId {
        NodeId(self.node)
    }

    fn tree(self) -> &'d Tree {
        &self.doc.tree
    }

    fn text(self) -> &'d str {
        &self.doc.text
    }

    /// The first byte of the value tells its type.
    fn first_byte(self) -> u8 {
        let start = self.tree().node(self.node).start as usize;
        self.text().as_bytes().get(start).copied().unwrap_or(b'n')
    }

    pub fn kind(self) -> Kind<'d> {
        match self.first_byte() {
            b'{' => Kind::Object(self.members()),
            b'[' => Kind::Array(self.items()),
            b'"' => Kind::String(self.string()),
            b't' => Kind::Bool(true),
            b'f' => Kind::Bool(false),
            b'n' => Kind::Null,
            // Validated while parsing: never out of range.
            _ => Kind::Number(self.as_number().unwrap_or_else(|| Number::from(0))),
        }
    }

    pub fn is_null(self) -> bool {
        self.first_byte() == b'n'
    }

    pub fn is_number(self) -> bool {
        matches!(self.first_byte(), b'-' | b'0'..=b'9')
    }

    pub fn is_string(self) -> bool {
        self.first_byte() == b'"'
    }

    pub fn is_array(self) -> bool {
        self.first_byte() == b'['
    }

    pub fn is_object(self) -> bool {
        self.first_byte() == b'{'
    }

    pub fn as_str(self) -> Option<&'d str> {
        self.is_string().then(|| self.string())
    }

    /// The number, read from its text as serde_json reads it (`1.0` and `1e3` are floats).
    pub fn as_number(self) -> Option<Number> {
        self.is_number()
            .then(|| parse_number(self.literal()))
            .flatten()
    }

    pub fn as_u64(self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    pub fn as_i64(self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    pub fn as_f64(self) -> Option<f64> {
        self.as_number()?.as_f64()
    }

    pub fn as_array(self) -> Option<Items<'d>> {
        self.is_array().then(|| self.items())
    }

    pub fn as_object(self) -> Option<Members<'d>> {
        self.is_object().then(|| self.members())
    }

    /// A member of an object (`get("name")`) or an element of an array (`get(0)`).
    pub fn get(self, index: impl JsonIndex) -> Option<Json<'d>> {
        index.find_in(self)
    }

    /// The value an RFC 6901 JSON Pointer names below this one, as
    /// `serde_json::Value::pointer` finds it.
    pub fn lookup(self, pointer: &str) -> Option<Json<'d>> {
        self.walk(pointer, array_index)
    }

    /// Follows a JSON Pointer, reading array indexes with `index`.
    pub(super) fn walk(self, pointer: &str, index: fn(&str) -> Option<usize>) -> Option<Json<'d>> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let token = unescape_token(raw);
            node = match node.first_byte() {
                b'{' => node.members().get(&token)?,
                b'[' => node.items().get(index(&token)?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The value's byte range in the document's text.
    pub fn span(self) -> Span {
        self.tree().span(self.node)
    }

    /// For an object member, its key, decoded.
    pub fn key(self) -> Option<&'d str> {
        (self.tree().node(self.node).key != NONE)
            .then(|| self.tree().key_text(self.text(), self.node))
    }

    /// For an object member, whether its key is `name`: compared in place, most keys turned
    /// away by their length alone.
    pub fn key_is(self, name: &str) -> bool {
        self.tree().node(self.node).key != NONE && self.tree().key_is(self.text(), self.node, name)
    }

    /// For an object member, its key's byte range, quotes included.
    pub fn key_span(self) -> Option<Span> {
        (self.tree().node(self.node).key != NONE)
            .then(|| self.tree().key_span(self.text(), self.node))
    }

    /// The value as written in the text: a string with its quotes and escapes.
    pub fn literal(self) -> &'d str {
        &self.text()[self.span()]
    }

    /// A short name of the value's type, for messages.
    pub fn type_name(self) -> &'static str {
        match self.first_byte() {
            b'{' => "an object",
            b'[' => "an array",
            b'"' => "a string",
            b't' | b'f' => "a boolean",
            b'n' => "null",
            _ => "a number",
        }
    }

    /// This value as a `serde_json::Value`, for code that needs one: built fresh, so only
    /// for the part it needs.
    pub fn to_value(self) -> Value {
        match self.kind() {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(b),
            Kind::Number(n) => Value::Number(n),
            Kind::String(s) => Value::String(s.to_string()),
            Kind::Array(items) => items.iter().map(Json::to_value).collect(),
            Kind::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(key, value)| (key.to_string(), value.to_value()))
                    .collect(),
            ),
        }
    }

    /// A string's text: borrowed from the source, or decoded when it has escapes.
    fn string(self) -> &'d str {
        let node = self.tree().node(self.node);
        let decoded = self.tree().escaped_strings.get(node.aux as usize);
        match decoded {
            Some(&(from, to)) if node.aux != NONE => {
                &self.tree().decoded[from as usize..to as usize]
            }
            _ => {
                let body = node.start as usize + 1..(node.end as usize).saturating_sub(1);
                self.text().get(body).unwrap_or("")
            }
        }
    }

    fn items(self) -> Items<'d> {
        Items {
            doc: self.doc,
            run: self.tree().run(self.text(), self.node),
        }
    }

    fn members(self) -> Members<'d> {
        Members {
            doc: self.doc,
            run: self.tree().run(self.text(), self.node),
        }
    }
}

impl std::fmt::Debug for Json<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Json({} at {:?})", self.type_name(), self.span())
    }
}

impl<'d> Items<'d> {
    /// No elements: what a missing array reads as.
    pub fn empty(doc: &'d Document) -> Items<'d> {
        Items { doc, run: &[] }
    }

    pub fn len(&self) -> usize {
        self.run.len()
    }

    pub fn is_empty(&self) -> bool {
        self.run.is_empty()
    }

    /// The element at `index`, in constant time.
    pub fn get(&self, index: usize) -> Option<Json<'d>> {
        self.run.get(index).map(|&node| Json::new(self.doc, node))
    }

    pub fn first(&self) -> Option<Json<'d>> {
        self.get(0)
    }

    pub fn iter(self) -> ItemsIter<'d> {
        ItemsIter {
            doc: self.doc,
            nodes: self.run.iter(),
        }
    }
}

impl<'d> IntoIterator for Items<'d> {
    type Item = Json<'d>;
    type IntoIter = ItemsIter<'d>;

    fn into_iter(self) -> ItemsIter<'d> {
        self.iter()
    }
}

/// The elements of an array, in order.
#[derive(Clone)]
pub struct ItemsIter<'d> {
    doc: &'d Document,
    nodes: std::slice::Iter<'d, u32>,
}

impl<'d> Iterator for ItemsIter<'d> {
    type Item = Json<'d>;

    fn next(&mut self) -> Option<Json<'d>> {
        self.nodes.next().map(|&node| Json::new(self.doc, node))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.nodes.size_hint()
    }
}

impl DoubleEndedIterator for ItemsIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.nodes
            .next_back()
            .map(|&node| Json::new(self.doc, node))
    }
}

impl ExactSizeIterator for ItemsIter<'_> {}

impl std::fmt::Debug for Items<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Items({})", self.len())
    }
}

impl<'d> Members<'d> {
    pub fn len(&self) -> usize {
        self.run.len()
    }

    pub fn is_empty(&self) -> bool {
        self.run.is_empty()
    }

    /// The member with this key, in time linear in the members.
    pub fn get(&self, key: &str) -> Option<Json<'d>> {
        let doc = self.doc;
        let found = self
            .run
            .iter()
            .find(|&&node| doc.tree.key_is(&doc.text, node, key));
        found.map(|&node| Json::new(doc, node))
    }

    /// The members' values, in file order; each knows its key ([`Json::key`]), read only
    /// when asked for.
    pub fn values(self) -> impl DoubleEndedIterator<Item = Json<'d>> + ExactSizeIterator {
        let doc = self.doc;
        self.run.iter().map(move |&node| Json::new(doc, node))
    }

    /// Key and value of each member, in file order.
    pub fn iter(self) -> MembersIter<'d> {
        MembersIter {
            doc: self.doc,
            nodes: self.run.iter(),
        }
    }

    /// Key and value of each member, sorted by key as serde_json's map iterates: for output
    /// whose order must not follow the file's.
    pub fn sorted(self) -> Vec<(&'d str, Json<'d>)> {
        let mut members: Vec<_> = self.iter().collect();
        members.sort_by_key(|&(key, _)| key);
        members
    }

    pub fn keys(self) -> impl DoubleEndedIterator<Item = &'d str> + ExactSizeIterator + use<'d> {
        self.iter().map(|(key, _)| key)
    }
}

impl std::fmt::Debug for Members<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Members({})", self.len())
    }
}

impl<'d> IntoIterator for Members<'d> {
    type Item = (&'d str, Json<'d>);
    type IntoIter = MembersIter<'d>;

    fn into_iter(self) -> MembersIter<'d> {
        self.iter()
    }
}

/// The members of an object: key and value, in file order.
#[derive(Clone)]
pub struct MembersIter<'d> {
    doc: &'d Document,
    nodes: std::slice::Iter<'d, u32>,
}

impl<'d> MembersIter<'d> {
    fn member(&self, node: u32) -> (&'d str, Json<'d>) {
        let doc = self.doc;
        (doc.tree.key_text(&doc.text, node), Json::new(doc, node))
    }
}

impl<'d> Iterator for MembersIter<'d> {
    type Item = (&'d str, Json<'d>);

    fn next(&mut self) -> Option<Self::Item> {
        self.nodes.next().map(|&node| self.member(node))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.nodes.size_hint()
    }
}

impl DoubleEndedIterator for MembersIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.nodes.next_back().map(|&node| self.member(node))
    }
}

impl ExactSizeIterator for MembersIter<'_> {}
