//! The typed flow: states and their transitions, read from the parsed document.
//!
//! Only a document that is not an object, or has no usable `states` array, is refused. Any
//! other shape defect (a state that is not an object or has no string `name` or `type`, a
//! transition without `event`, a `next` that is not a string, `transitions` that is not an
//! array, a duplicate key) is recorded as a [`Defect`] and the part is kept with what is
//! readable, so that every rule still runs on the rest of the flow.

use std::sync::Arc;

use super::json::{BodyOffsets, Document, Items, Json, Kind, NodeId, Span};
use super::location::StateId;

/// A flow definition and the document it came from.
#[derive(Debug)]
pub struct Flow {
    /// The whole parsed file, or the definition embedded in it as a JSON string; pointers
    /// are resolved against it.
    pub document: Document,
    /// Set when the definition is a JSON string inside the file (Terraform's `jsonencode`,
    /// Pulumi): where each byte of its text (the document's) stands in the file.
    pub embedded: Option<Embedded>,
    /// The pointer of the definition inside the file: "" or "/definition" for an API resource.
    pub base: String,
    pub initial_state: Option<String>,
    pub states: Vec<State>,
    /// Parts of the flow that could not be read as Studio writes them.
    pub defects: Vec<Defect>,
    /// The `states` array in the document: every place in a state is found from it.
    pub(super) states_array: NodeId,
}

#[derive(Debug)]
pub struct State {
    /// Empty for a state without a readable name: no transition can lead to it.
    pub name: String,
    /// The widget type, e.g. `say-play`; empty when it cannot be read.
    pub kind: String,
    /// Its index in `Flow::states`: what [`State::location`] names it by.
    pub id: StateId,
    pub transitions: Vec<Transition>,
    /// Some transition could not be read (no `event`, a `next` that is not a string, or no
    /// transition list at all): which events are connected is not known for sure.
    pub incomplete: bool,
}

#[derive(Debug)]
pub struct Transition {
    /// Empty when the transition has no readable `event`.
    pub event: String,
    /// The target state; `None` when `next` is missing or empty, which ends the execution.
    pub next: Option<String>,
    /// The state it belongs to.
    pub state: StateId,
    /// Its position in the file's `transitions` array: a transition that is not an object is
    /// not kept, so this can differ from its position in `State::transitions`.
    pub index: u32,
}

/// A definition written as a JSON string in the file; its decoded text is the document's.
#[derive(Debug)]
pub struct Embedded {
    /// Where the string's body (after its opening quote) starts in the file.
    pub body: usize,
    /// Where each byte of the decoded text stands in the body.
    pub offsets: BodyOffsets,
}

impl Embedded {
    /// The file offset of byte `i` of the decoded text (of its end, past it).
    pub fn file_offset(&self, i: usize) -> usize {
        self.body + self.offsets.body_offset(i)
    }
}

/// A part of the flow that could not be read, reported by `malformed-flow`.
#[derive(Debug, Clone)]
pub struct Defect {
    pub message: String,
    pub help: String,
    /// The offending value, or the object that lacks a member.
    pub pointer: String,
    /// An exact place when the pointer cannot name it (a repeated key).
    pub span: Option<super::json::Span>,
}

/// A document whose shape is not a flow, with the pointer of the offending value.
#[derive(Debug, Clone)]
pub struct ShapeError {
    pub message: String,
    pub pointer: String,
    /// Byte offset of the offending value in the text.
    pub offset: usize,
}

impl Flow {
    /// Reads a flow from a parsed document: a bare definition or a Flows API resource. A
    /// shape error carries the offset of the value it is about.
    pub fn from_document(document: Document) -> Result<Flow, ShapeError> {
        Flow::from_document_at(document, "")
    }

    /// Reads the flow at `prefix` in the document (`/3` for the fourth resource of a list).
    pub fn from_document_at(document: Document, prefix: &str) -> Result<Flow, ShapeError> {
        let definition = document.lookup(&format!("{prefix}/definition"));
        if let Some(inner) = definition.filter(|d| d.is_string()) {
            return Flow::embedded(inner, prefix);
        }
        let mut defects = Vec::new();
        let root = document.lookup(prefix).unwrap_or(document.root());
        match read_definition(root, prefix, &mut defects) {
            Ok(Definition {
                base,
                initial_state,
                states,
                states_array,
            }) => {
                defects.extend(duplicate_key_defects(&document));
                Ok(Flow {
                    base,
                    initial_state,
                    states,
                    defects,
                    document,
                    embedded: None,
                    states_array,
                })
            }
            Err(mut err) => {
                if !err.pointer.starts_with(prefix) {
                    err.pointer = format!("{prefix}{}", err.pointer);
                }
                let span = document.resolve(&err.pointer);
                err.offset = span.map_or(0, |(_, value)| value.start);
                Err(err)
            }
        }
    }

    /// A definition written as a JSON string: parsed on its own, positions mapped back into
    /// the file through the string's escapes.
    fn embedded(literal: Json, prefix: &str) -> Result<Flow, ShapeError> {
        let pointer = format!("{prefix}/definition");
        let span = literal.span();
        let raw = literal.literal();
        let decoded = super::json::decode(raw.get(1..raw.len().saturating_sub(1)).unwrap_or(""));
        let text: Arc<str> = Arc::from(decoded.text.as_ref());
        let len = text.len();
        let embedded = Embedded {
            body: span.start + 1,
            offsets: decoded.offsets.unwrap_or(BodyOffsets::unescaped(len)),
        };
        let at = |inner_offset: usize| match inner_offset <= len {
            true => embedded.file_offset(inner_offset),
            false => span.start,
        };
        let document = super::json::parse(text).map_err(|err| ShapeError {
            message: format!(
                "`definition` holds a string that is not JSON: {}",
                err.message
            ),
            pointer: pointer.clone(),
            offset: at(err.offset),
        })?;
        let mut flow = Flow::from_document_at(document, "").map_err(|mut err| {
            err.offset = at(err.offset);
            err
        })?;
        for defect in &mut flow.defects {
            if let Some(span) = &defect.span {
                defect.span = Some(at(span.start)..at(span.end));
            }
        }
        flow.embedded = Some(embedded);
        Ok(flow)
    }

    /// The value a pointer names; `None` when it names nothing in the document.
    pub fn node(&self, pointer: &str) -> Option<Json<'_>> {
        self.document.lookup(pointer)
    }

    /// The key span (for object members) and value span of what a pointer names, in the
    /// file's `text`.
    pub fn span(&self, text: &str, pointer: &str) -> Option<(Option<Span>, Span)> {
        debug_assert_eq!(self.text(text).len(), self.document.text().len());
        let (key, value) = self.document.resolve(pointer)?;
        Some((key.map(|k| self.to_file_span(k)), self.to_file_span(value)))
    }

    /// The text pointers resolve in: the file's, or the embedded definition's.
    pub fn text<'a>(&'a self, file_text: &'a str) -> &'a str {
        match self.embedded {
            Some(_) => self.document.text(),
            None => file_text,
        }
    }

    /// A span of [`Flow::text`] as a span of the file.
    pub fn to_file_span(&self, span: Span) -> Span {
        match &self.embedded {
            None => span,
            Some(e) => e.file_offset(span.start)..e.file_offset(span.end),
        }
    }

    /// The `properties` object of a state, if it has one. Read from the state's object: a
    /// member path would be written out and parsed again.
    pub fn properties(&self, state: &State) -> Option<Json<'_>> {
        self.value(&state.location())?.get("properties")
    }

    /// The split conditions of a transition (empty for other transitions).
    pub fn conditions(&self, transition: &Transition) -> Items<'_> {
        self.value(&transition.location())
            .and_then(|t| t.get("conditions"))
            .and_then(Json::as_array)
            .unwrap_or(Items::empty(&self.document))
    }
}

impl State {
    /// The transitions whose `next` is set.
    pub fn connected(&self) -> impl Iterator<Item = (&Transition, &str)> {
        self.transitions
            .iter()
            .filter_map(|t| t.next.as_deref().map(|next| (t, next)))
    }
}

impl Transition {
    pub fn is_connected(&self) -> bool {
        self.next.is_some()
    }
}

fn shape(message: impl Into<String>, pointer: impl Into<String>) -> ShapeError {
    ShapeError {
        message: message.into(),
        pointer: pointer.into(),
        offset: 0,
    }
}

/// What [`read_definition`] finds.
struct Definition {
    base: String,
    initial_state: Option<String>,
    states: Vec<State>,
    states_array: NodeId,
}

/// The definition's pointer, start state and states; defects of the parts go to `defects`.
fn read_definition(
    root: Json,
    prefix: &str,
    defects: &mut Vec<Defect>,
) -> Result<Definition, ShapeError> {
    let relative = definition_base(root)?;
    let definition = root.lookup(&relative).unwrap_or(root);
    let base = format!("{prefix}{relative}");
    let (states_array, states) = read_states(definition, &base, defects)?;
    let initial_state = definition
        .get("initial_state")
        .and_then(Json::as_str)
        .map(str::to_string);
    Ok(Definition {
        base,
        initial_state,
        states,
        states_array,
    })
}

/// A Flows API resource carries the flow in `definition`; a bare definition has `states`.
fn definition_base(root: Json) -> Result<String, ShapeError> {
    if !root.is_object() {
        let found = root.type_name();
        return Err(shape(
            format!("expected a flow definition (a JSON object), found {found}"),
            "",
        ));
    }
    match (root.get("states"), root.get("definition")) {
        (None, Some(definition)) if definition.is_object() => Ok("/definition".to_string()),
        (None, Some(definition)) => Err(shape(
            format!(
                "`definition` must be a flow definition object, found {}",
                definition.type_name()
            ),
            "/definition",
        )),
        _ => Ok(String::new()),
    }
}

fn read_states(
    definition: Json,
    base: &str,
    defects: &mut Vec<Defect>,
) -> Result<(NodeId, Vec<State>), ShapeError> {
    let pointer = format!("{base}/states");
    let Some(states) = definition.get("states") else {
        return Err(shape(
            "not a Studio flow: the definition has no `states` array",
            base,
        ));
    };
    let Some(items) = states.as_array() else {
        return Err(shape(
            format!("`states` must be an array, found {}", states.type_name()),
            pointer,
        ));
    };
    let read = items.iter().enumerate().map(|(i, value)| {
        let place = Place {
            states: &pointer,
            state: i,
            transition: None,
        };
        read_state(value, place, defects)
    });
    Ok((states.id(), read.collect()))
}

/// Where a state or one of its transitions stands, for defects: its pointer is written
/// only when a defect needs it, which is rare.
#[derive(Clone, Copy)]
struct Place<'a> {
    /// The pointer of the `states` array.
    states: &'a str,
    state: usize,
    transition: Option<usize>,
}

impl Place<'_> {
    fn pointer(&self) -> String {
        match self.transition {
            None => format!("{}/{}", self.states, self.state),
            Some(t) => format!("{}/{}/transitions/{t}", self.states, self.state),
        }
    }
}

/// How defects name a widget: by its name, or "this widget" when it has none.
fn widget_owner(name: &str) -> String {
    match name {
        "" => "this widget".to_string(),
        name => format!("`{name}`"),
    }
}

/// A state, kept even when broken so that positions and indexes stay those of the file.
fn read_state(value: Json, place: Place, defects: &mut Vec<Defect>) -> State {
    let mut state = State {
        name: String::new(),
        kind: String::new(),
        id: StateId::new(place.state),
        transitions: Vec::new(),
        incomplete: true,
    };
    if !value.is_object() {
        defects.push(defect(
            format!("a state must be an object, found {}", value.type_name()),
            "write the widget as an object with `name`, `type`, `transitions` and `properties`",
            &place.pointer(),
        ));
        return state;
    }
    state.name = string_member(value, "name", || "this widget".to_string(), place, defects);
    state.kind = string_member(value, "type", || widget_owner(&state.name), place, defects);
    state.incomplete = false;
    match value.get("transitions").map(|t| (t, t.kind())) {
        None | Some((_, Kind::Null)) => {}
        Some((_, Kind::Array(items))) => {
            state.transitions.reserve_exact(items.len());
            for (i, item) in items.iter().enumerate() {
                let place = Place {
                    transition: Some(i),
                    ..place
                };
                let (transition, complete) = read_transition(item, place, &state.name, defects);
                state.incomplete |= !complete;
                state.transitions.extend(transition);
            }
        }
        Some((other, _)) => {
            defects.push(defect(
                format!(
                    "`transitions` must be an array, found {}",
                    other.type_name()
                ),
                "write the transitions as an array of `{\"event\": …, \"next\": …}` objects",
                &format!("{}/transitions", place.pointer()),
            ));
            state.incomplete = true;
        }
    }
    state
}

/// A transition with what is readable of it, and whether all of it was. `place` is where it
/// stands (its index in the file's array); `widget` is its state's name, for defects.
fn read_transition(
    value: Json,
    place: Place,
    widget: &str,
    defects: &mut Vec<Defect>,
) -> (Option<Transition>, bool) {
    if !value.is_object() {
        defects.push(defect(
            format!(
                "a transition must be an object, found {}",
                value.type_name()
            ),
            "write the transition as `{\"event\": …, \"next\": …}`",
            &place.pointer(),
        ));
        return (None, false);
    }
    let before = defects.len();
    let owner = || format!("a transition of {}", widget_owner(widget));
    let event = string_member(value, "event", owner, place, defects);
    let next = match value.get("next").map(|n| (n, n.kind())) {
        None | Some((_, Kind::Null)) => None,
        Some((_, Kind::String(""))) => None,
        Some((_, Kind::String(name))) => Some(name.to_string()),
        Some((other, _)) => {
            defects.push(defect(
                format!(
                    "`next` must be a state name (a string), found {}",
                    other.type_name()
                ),
                "name the widget this event leads to, or write `\"\"` to end here",
                &format!("{}/next", place.pointer()),
            ));
            None
        }
    };
    let complete = defects.len() == before;
    let transition = Transition {
        event,
        next,
        state: StateId::new(place.state),
        index: place.transition.unwrap_or_default() as u32,
    };
    (Some(transition), complete)
}

/// A member that must be a string: its value, or empty with a defect that names the
/// `owner` (described only then).
fn string_member(
    value: Json,
    key: &str,
    owner: impl FnOnce() -> String,
    place: Place,
    defects: &mut Vec<Defect>,
) -> String {
    let consequence = match key {
        "name" => ": no transition can lead to it",
        "event" => ": it never fires",
        "type" => ": flowcheck cannot tell what it does",
        _ => "",
    };
    let help = match key {
        "name" => "give the widget a unique name: transitions lead to it by that name",
        "type" => "give the widget its Studio type, such as `say-play` or `split-based-on`",
        "event" => "name the event this transition handles, such as `success` or `noMatch`",
        _ => "write it as a string",
    };
    match value.get(key).map(|v| (v, v.as_str())) {
        Some((_, Some(text))) => text.to_string(),
        Some((other, None)) => {
            defects.push(defect(
                format!(
                    "`{key}` of {} must be a string, found {}{consequence}",
                    owner(),
                    other.type_name()
                ),
                help,
                &format!("{}/{key}", place.pointer()),
            ));
            String::new()
        }
        None => {
            defects.push(defect(
                format!("{} has no `{key}`{consequence}", owner()),
                help,
                &place.pointer(),
            ));
            String::new()
        }
    }
}

/// Repeated keys of the document, as defects.
fn duplicate_key_defects(document: &Document) -> impl Iterator<Item = Defect> + '_ {
    document.duplicate_keys().iter().map(|span| Defect {
        message: "this key repeats an earlier key of the same object: the earlier value is \
                  ignored"
            .to_string(),
        help: "remove one of the two members".to_string(),
        pointer: String::new(),
        span: Some(span.clone()),
    })
}

fn defect(message: impl Into<String>, help: &str, pointer: &str) -> Defect {
    Defect {
        message: message.into(),
        help: help.to_string(),
        pointer: pointer.to_string(),
        span: None,
    }
}
