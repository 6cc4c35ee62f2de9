//! The typed flow: states and their transitions, read from a [`Node`] tree.
//!
//! Only the shape the rules rely on is enforced here (a `states` array of objects with string
//! `name` and `type`, transitions with a string `event`); everything else is left to the rules,
//! so a flow with odd properties is still analysed.

use super::json::{Node, Value, escape_pointer_token};

/// A flow definition and the document it came from.
#[derive(Debug)]
pub struct Flow {
    /// The whole parsed file; pointers are resolved against it.
    pub root: Node,
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
    /// Byte offset of the offending value.
    pub offset: usize,
}

impl Flow {
    /// Reads a flow from a parsed document: a bare definition or a Flows API resource.
    pub fn from_document(root: Node) -> Result<Flow, ShapeError> {
        let base = definition_base(&root)?;
        let definition = root.resolve(&base).map(|(_, n)| n).unwrap_or(&root);
        let states = read_states(definition, &base)?;
        let initial_state = definition
            .get("initial_state")
            .and_then(Node::as_str)
            .map(str::to_string);
        Ok(Flow {
            base,
            initial_state,
            states,
            root,
        })
    }

    /// The node a pointer names; `None` when it names nothing in the document.
    pub fn node(&self, pointer: &str) -> Option<&Node> {
        self.root.resolve(pointer).map(|(_, node)| node)
    }

    /// The `properties` object of a state, if it has one.
    pub fn properties(&self, state: &State) -> Option<&Node> {
        self.node(&state.pointer)?.get("properties")
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

fn shape(message: impl Into<String>, pointer: impl Into<String>, at: &Node) -> ShapeError {
    ShapeError {
        message: message.into(),
        pointer: pointer.into(),
        offset: at.span.start,
    }
}

/// A Flows API resource carries the flow in `definition`; a bare definition has `states`.
fn definition_base(root: &Node) -> Result<String, ShapeError> {
    if !root.is_object() {
        return Err(shape(
            format!(
                "expected a flow definition (a JSON object), found {}",
                root.type_name()
            ),
            "",
            root,
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
            definition,
        )),
        _ => Ok(String::new()),
    }
}

fn read_states(definition: &Node, base: &str) -> Result<Vec<State>, ShapeError> {
    let pointer = format!("{base}/states");
    let Some(states) = definition.get("states") else {
        return Err(shape(
            "not a Studio flow: the definition has no `states` array",
            base,
            definition,
        ));
    };
    let Some(items) = states.as_array() else {
        return Err(shape(
            format!("`states` must be an array, found {}", states.type_name()),
            pointer,
            states,
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, node)| read_state(node, format!("{pointer}/{i}")))
        .collect()
}

fn read_state(node: &Node, pointer: String) -> Result<State, ShapeError> {
    if !node.is_object() {
        return Err(shape(
            format!("a state must be an object, found {}", node.type_name()),
            pointer,
            node,
        ));
    }
    let name = required_string(node, "name", &pointer)?;
    let kind = required_string(node, "type", &pointer)?;
    let transitions = match node.get("transitions") {
        None
        | Some(Node {
            value: Value::Null, ..
        }) => Vec::new(),
        Some(list) => read_transitions(list, &pointer)?,
    };
    Ok(State {
        name,
        kind,
        pointer,
        transitions,
    })
}

fn read_transitions(list: &Node, state: &str) -> Result<Vec<Transition>, ShapeError> {
    let pointer = format!("{state}/transitions");
    let Some(items) = list.as_array() else {
        return Err(shape(
            format!("`transitions` must be an array, found {}", list.type_name()),
            pointer,
            list,
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, node)| read_transition(node, format!("{pointer}/{i}")))
        .collect()
}

fn read_transition(node: &Node, pointer: String) -> Result<Transition, ShapeError> {
    if !node.is_object() {
        return Err(shape(
            format!("a transition must be an object, found {}", node.type_name()),
            pointer,
            node,
        ));
    }
    let event = required_string(node, "event", &pointer)?;
    let next = match node.get("next") {
        None
        | Some(Node {
            value: Value::Null, ..
        }) => None,
        Some(next) => match next.as_str() {
            Some("") => None,
            Some(name) => Some(name.to_string()),
            None => {
                return Err(shape(
                    format!(
                        "`next` must be a state name (a string), found {}",
                        next.type_name()
                    ),
                    format!("{pointer}/next"),
                    next,
                ));
            }
        },
    };
    Ok(Transition {
        event,
        next,
        pointer,
    })
}

fn required_string(node: &Node, key: &str, pointer: &str) -> Result<String, ShapeError> {
    match node.get(key) {
        Some(value) => value.as_str().map(str::to_string).ok_or_else(|| {
            shape(
                format!("`{key}` must be a string, found {}", value.type_name()),
                format!("{pointer}/{key}"),
                value,
            )
        }),
        None => Err(shape(format!("this object has no `{key}`"), pointer, node)),
    }
}
