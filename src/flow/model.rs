//! The typed flow: states and their transitions, read from the parsed document.
//!
//! Only the shape the rules rely on is enforced here (a `states` array of objects with string
//! `name` and `type`, transitions with a string `event`); everything else is left to the rules,
//! so a flow with odd properties is still analysed.

use serde_json::Value;

use super::json::{Document, escape_pointer_token, type_name};

/// A flow definition and the document it came from.
#[derive(Debug)]
pub struct Flow {
    /// The whole parsed file; pointers are resolved against it.
    pub document: Document,
    /// The pointer of the definition inside the file: "" or "/definition" for an API resource.
    pub base: String,
    pub initial_state: Option<String>,
    pub states: Vec<State>,
}

#[derive(Debug)]
pub struct State {
    pub name: String,
    /// The widget type, e.g. `say-play`.
    pub kind: String,
    /// Pointer to the state object.
    pub pointer: String,
    pub transitions: Vec<Transition>,
}

#[derive(Debug)]
pub struct Transition {
    pub event: String,
    /// The target state; `None` when `next` is missing or empty, which ends the execution.
    pub next: Option<String>,
    /// Pointer to the transition object.
    pub pointer: String,
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
    /// Reads a flow from a document parsed from `text`: a bare definition or a Flows API
    /// resource. A shape error carries the offset of the value it is about.
    pub fn from_document(document: Document, text: &str) -> Result<Flow, ShapeError> {
        match read_definition(&document.value) {
            Ok((base, initial_state, states)) => Ok(Flow {
                base,
                initial_state,
                states,
                document,
            }),
            Err(mut err) => {
                let span = document.spans.resolve(text, &err.pointer);
                err.offset = span.map_or(0, |(_, value)| value.start);
                Err(err)
            }
        }
    }

    /// The value a pointer names; `None` when it names nothing in the document.
    pub fn node(&self, pointer: &str) -> Option<&Value> {
        self.document.value.pointer(pointer)
    }

    /// The key span (for object members) and value span of what a pointer names, in the
    /// file's `text`.
    pub fn span(
        &self,
        text: &str,
        pointer: &str,
    ) -> Option<(Option<super::json::Span>, super::json::Span)> {
        self.document.spans.resolve(text, pointer)
    }

    /// The `properties` object of a state, if it has one.
    pub fn properties(&self, state: &State) -> Option<&Value> {
        self.node(&state.pointer)?.get("properties")
    }

    /// The split conditions of a transition (empty for other transitions).
    pub fn conditions(&self, transition: &Transition) -> &[Value] {
        self.node(&transition.pointer)
            .and_then(|t| t.get("conditions"))
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// The pointer of a member of the definition, e.g. `initial_state`.
    pub fn definition_pointer(&self, key: &str) -> String {
        format!("{}/{}", self.base, escape_pointer_token(key))
    }
}

impl State {
    /// Pointer to a member of this state, e.g. `name` or `type`.
    pub fn member_pointer(&self, key: &str) -> String {
        format!("{}/{}", self.pointer, escape_pointer_token(key))
    }

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

    pub fn next_pointer(&self) -> String {
        format!("{}/next", self.pointer)
    }

    pub fn event_pointer(&self) -> String {
        format!("{}/event", self.pointer)
    }
}

fn shape(message: impl Into<String>, pointer: impl Into<String>) -> ShapeError {
    ShapeError {
        message: message.into(),
        pointer: pointer.into(),
        offset: 0,
    }
}

/// The definition's pointer, start state and states.
fn read_definition(root: &Value) -> Result<(String, Option<String>, Vec<State>), ShapeError> {
    let base = definition_base(root)?;
    let definition = root.pointer(&base).unwrap_or(root);
    let states = read_states(definition, &base)?;
    let initial_state = definition
        .get("initial_state")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok((base, initial_state, states))
}

/// A Flows API resource carries the flow in `definition`; a bare definition has `states`.
fn definition_base(root: &Value) -> Result<String, ShapeError> {
    if !root.is_object() {
        let found = type_name(root);
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
                type_name(definition)
            ),
            "/definition",
        )),
        _ => Ok(String::new()),
    }
}

fn read_states(definition: &Value, base: &str) -> Result<Vec<State>, ShapeError> {
    let pointer = format!("{base}/states");
    let Some(states) = definition.get("states") else {
        return Err(shape(
            "not a Studio flow: the definition has no `states` array",
            base,
        ));
    };
    let Some(items) = states.as_array() else {
        return Err(shape(
            format!("`states` must be an array, found {}", type_name(states)),
            pointer,
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, value)| read_state(value, format!("{pointer}/{i}")))
        .collect()
}

fn read_state(value: &Value, pointer: String) -> Result<State, ShapeError> {
    if !value.is_object() {
        let found = type_name(value);
        return Err(shape(
            format!("a state must be an object, found {found}"),
            pointer,
        ));
    }
    let name = required_string(value, "name", &pointer)?;
    let kind = required_string(value, "type", &pointer)?;
    let transitions = match value.get("transitions") {
        None | Some(Value::Null) => Vec::new(),
        Some(list) => read_transitions(list, &pointer)?,
    };
    Ok(State {
        name,
        kind,
        pointer,
        transitions,
    })
}

fn read_transitions(list: &Value, state: &str) -> Result<Vec<Transition>, ShapeError> {
    let pointer = format!("{state}/transitions");
    let Some(items) = list.as_array() else {
        let found = type_name(list);
        return Err(shape(
            format!("`transitions` must be an array, found {found}"),
            pointer,
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, value)| read_transition(value, format!("{pointer}/{i}")))
        .collect()
}

fn read_transition(value: &Value, pointer: String) -> Result<Transition, ShapeError> {
    if !value.is_object() {
        let found = type_name(value);
        return Err(shape(
            format!("a transition must be an object, found {found}"),
            pointer,
        ));
    }
    let event = required_string(value, "event", &pointer)?;
    let next = match value.get("next") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) if name.is_empty() => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(other) => {
            let found = type_name(other);
            return Err(shape(
                format!("`next` must be a state name (a string), found {found}"),
                format!("{pointer}/next"),
            ));
        }
    };
    Ok(Transition {
        event,
        next,
        pointer,
    })
}

fn required_string(value: &Value, key: &str, pointer: &str) -> Result<String, ShapeError> {
    match value.get(key) {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(other) => Err(shape(
            format!("`{key}` must be a string, found {}", type_name(other)),
            format!("{pointer}/{key}"),
        )),
        None => Err(shape(format!("this object has no `{key}`"), pointer)),
    }
}
