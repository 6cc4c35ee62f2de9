//! Typed places in a flow — the definition, a state, a transition, or a member below one —
//! and the one resolver that turns them into JSON Pointers and spans in the file.

use petgraph::graph::NodeIndex;

use super::json::{Json, Span, escape_pointer_token, unescape_token};
use super::model::{Flow, State, Transition};

/// A state: its index in `Flow::states`, which is also its node in the flow graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StateId(u32);

impl StateId {
    pub fn new(index: usize) -> StateId {
        StateId(index as u32)
    }

    /// The index into `Flow::states`.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The state's node in the flow graph.
    pub fn node(self) -> NodeIndex {
        NodeIndex::new(self.index())
    }
}

impl From<NodeIndex> for StateId {
    fn from(node: NodeIndex) -> StateId {
        StateId::new(node.index())
    }
}

impl From<StateId> for NodeIndex {
    fn from(state: StateId) -> NodeIndex {
        state.node()
    }
}

impl std::fmt::Display for StateId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A path below a state, a transition or the definition: `type`, `properties/input`,
/// `conditions/0/value`. Built key by key, so its tokens are always escaped.
///
/// Kept at its exact length: a flow holds one for every string with Liquid and every split
/// condition, and a `String` grown step by step reserved up to twice its length (64 bytes
/// for `/transitions/1/conditions/0/arguments/0`), besides taking 8 bytes more in every
/// [`Location`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct MemberPath(Box<str>);

impl MemberPath {
    /// The place itself.
    pub fn root() -> MemberPath {
        MemberPath::default()
    }

    /// The path with one more object member.
    pub fn key(self, key: &str) -> MemberPath {
        self.then(&escape_pointer_token(key))
    }

    /// The path with one more array element.
    pub fn index(self, index: usize) -> MemberPath {
        // Formatted on the stack: `to_string` allocated a string per step.
        let mut digits = [0u8; 20];
        self.then(decimal(index, &mut digits))
    }

    /// The path with one more token, already escaped.
    fn then(self, token: &str) -> MemberPath {
        self.joined(&["/", token])
    }

    /// This path with pieces already escaped (`/0/value`) after it, in one allocation of the
    /// exact size.
    fn joined(&self, pieces: &[&str]) -> MemberPath {
        let length = self.0.len() + pieces.iter().map(|p| p.len()).sum::<usize>();
        let mut path = String::with_capacity(length);
        path.push_str(&self.0);
        pieces.iter().for_each(|piece| path.push_str(piece));
        MemberPath(path.into_boxed_str())
    }

    /// A relative JSON Pointer someone else wrote (`/properties/to`, from a schema
    /// validator): already escaped.
    pub fn from_pointer(pointer: impl Into<String>) -> MemberPath {
        MemberPath(pointer.into().into_boxed_str())
    }

    /// The path as a relative JSON Pointer: `""` or `/properties/to`.
    pub fn as_pointer(&self) -> &str {
        &self.0
    }

    /// The path one step up; the root's parent is the root.
    pub fn parent(&self) -> MemberPath {
        MemberPath(self.0.rsplit_once('/').map_or("", |(p, _)| p).into())
    }

    /// The last step, unescaped; empty for the root.
    pub fn last(&self) -> String {
        let last = self.0.rsplit('/').next().unwrap_or_default();
        unescape_token(last).into_owned()
    }
}

/// `n` written in decimal at the end of `buffer`.
fn decimal(mut n: usize, buffer: &mut [u8; 20]) -> &str {
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buffer[at..]).unwrap_or_default()
}

/// Writes an array index in decimal at the end of a pointer being built.
pub fn push_index(path: &mut String, index: usize) {
    let mut digits = [0u8; 20];
    path.push_str(decimal(index, &mut digits));
}

/// A single key: `"type"` is the path `/type`.
impl From<&str> for MemberPath {
    fn from(key: &str) -> MemberPath {
        MemberPath::root().key(key)
    }
}

/// Where a finding (or a related place, or a Liquid reference) stands in the flow.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// The definition (an empty path) or something in it outside `states`: `initial_state`,
    /// `flags/allow_concurrent_calls`.
    Definition { path: MemberPath },
    /// A state's object.
    State { state: StateId },
    /// A member, or a nested member, of a state: `name`, `properties/variables/2/value`.
    StateMember { state: StateId, path: MemberPath },
    /// A transition's object; `index` is its position in the state's `transitions` array.
    Transition { state: StateId, index: u32 },
    /// A member of a transition: `event`, `next`, `conditions/0/arguments/1`.
    TransitionMember {
        state: StateId,
        index: u32,
        path: MemberPath,
    },
    /// A JSON Pointer into the document as it is, for places the model does not name: the
    /// parts of a malformed flow, what Studio's API reports, places in another file.
    Pointer(String),
}

impl Location {
    /// The definition, or a member of it.
    pub fn definition(path: impl Into<MemberPath>) -> Location {
        Location::Definition { path: path.into() }
    }

    /// The state the place lies in, when the model names it.
    pub fn state(&self) -> Option<StateId> {
        match self {
            Location::State { state }
            | Location::StateMember { state, .. }
            | Location::Transition { state, .. }
            | Location::TransitionMember { state, .. } => Some(*state),
            Location::Definition { .. } | Location::Pointer(_) => None,
        }
    }

    /// The path below a state, a transition or the definition; `None` for a state's or a
    /// transition's own object and for a raw pointer.
    pub fn path(&self) -> Option<&MemberPath> {
        match self {
            Location::Definition { path }
            | Location::StateMember { path, .. }
            | Location::TransitionMember { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The transition the place lies in: its state, and its index in the file.
    pub fn transition(&self) -> Option<(StateId, u32)> {
        match self {
            Location::Transition { state, index }
            | Location::TransitionMember { state, index, .. } => Some((*state, *index)),
            _ => None,
        }
    }

    /// A member below this place: a state's or a transition's becomes a member of it.
    pub fn key(self, key: &str) -> Location {
        self.extend(|path| path.key(key))
    }

    /// An element below this place.
    pub fn index(self, index: usize) -> Location {
        self.extend(|path| path.index(index))
    }

    fn extend(self, step: impl FnOnce(MemberPath) -> MemberPath) -> Location {
        match self {
            Location::Definition { path } => Location::Definition { path: step(path) },
            Location::State { state } => Location::StateMember {
                state,
                path: step(MemberPath::root()),
            },
            Location::StateMember { state, path } => Location::StateMember {
                state,
                path: step(path),
            },
            Location::Transition { state, index } => Location::TransitionMember {
                state,
                index,
                path: step(MemberPath::root()),
            },
            Location::TransitionMember { state, index, path } => Location::TransitionMember {
                state,
                index,
                path: step(path),
            },
            Location::Pointer(pointer) => {
                Location::Pointer(pointer + step(MemberPath::root()).as_pointer())
            }
        }
    }

    /// The same place named as a member of its state rather than of its transition: a
    /// finding there names the state and no event. For findings whose identity never held
    /// an event (a Liquid reference, a condition's argument), as baselines keep it.
    pub fn within_state(self) -> Location {
        let transition = |index: u32, below: &str| {
            let mut digits = [0u8; 20];
            let index = decimal(index as usize, &mut digits);
            MemberPath::root().joined(&["/transitions/", index, below])
        };
        match self {
            Location::Transition { state, index } => Location::StateMember {
                state,
                path: transition(index, ""),
            },
            Location::TransitionMember { state, index, path } => Location::StateMember {
                state,
                path: transition(index, &path.0),
            },
            other => other,
        }
    }

    /// The same place's parent one step up (a member's owner); other places stay.
    pub fn parent(&self) -> Location {
        match self {
            Location::Definition { path } => Location::Definition {
                path: path.parent(),
            },
            Location::StateMember { state, path } if path.as_pointer().is_empty() => {
                Location::State { state: *state }
            }
            Location::StateMember { state, path } => Location::StateMember {
                state: *state,
                path: path.parent(),
            },
            Location::TransitionMember { state, index, path } => Location::TransitionMember {
                state: *state,
                index: *index,
                path: path.parent(),
            },
            other => other.clone(),
        }
    }
}

impl State {
    /// This state's object.
    pub fn location(&self) -> Location {
        Location::State { state: self.id }
    }

    /// A member of this state: `state.member("type")`,
    /// `state.member(MemberPath::from("properties").key("input"))`.
    pub fn member(&self, path: impl Into<MemberPath>) -> Location {
        Location::StateMember {
            state: self.id,
            path: path.into(),
        }
    }
}

impl Transition {
    /// This transition's object.
    pub fn location(&self) -> Location {
        Location::Transition {
            state: self.state,
            index: self.index,
        }
    }

    /// A member of this transition: `transition.member("next")`.
    pub fn member(&self, path: impl Into<MemberPath>) -> Location {
        Location::TransitionMember {
            state: self.state,
            index: self.index,
            path: path.into(),
        }
    }
}

impl Flow {
    /// The state with this id (a `NodeIndex` of the flow graph converts too).
    pub fn state(&self, id: impl Into<StateId>) -> &State {
        &self.states[id.into().index()]
    }

    /// The JSON Pointer of a place in [`Flow::document`]: with the definition's prefix
    /// (`/definition` in an API resource, `/3/definition` in a list of them).
    pub fn pointer(&self, location: &Location) -> String {
        let state = |id: StateId| format!("{}/states/{id}", self.base);
        match location {
            Location::Definition { path } => format!("{}{}", self.base, path.as_pointer()),
            Location::State { state: id } => state(*id),
            Location::StateMember { state: id, path } => state(*id) + path.as_pointer(),
            Location::Transition { state: id, index } => {
                format!("{}/transitions/{index}", state(*id))
            }
            Location::TransitionMember {
                state: id,
                index,
                path,
            } => format!("{}/transitions/{index}{}", state(*id), path.as_pointer()),
            Location::Pointer(pointer) => pointer.clone(),
        }
    }

    /// The key span (for object members) and value span of a place, in the file's `text`
    /// (through the escapes of a definition embedded as a JSON string); `None` when the
    /// place names nothing in the document.
    pub fn locate(&self, text: &str, location: &Location) -> Option<(Option<Span>, Span)> {
        if let Location::Pointer(pointer) = location {
            return self.span(text, pointer);
        }
        debug_assert_eq!(self.text(text).len(), self.document.text().len());
        let value = self.value(location)?;
        let key = value.key_span().map(|k| self.to_file_span(k));
        Some((key, self.to_file_span(value.span())))
    }

    /// The value at a place, found without writing its pointer out.
    pub fn value(&self, location: &Location) -> Option<Json<'_>> {
        let definition = || self.document.lookup(&self.base);
        let state = |id: StateId| self.document.at(self.states_array).get(id.index());
        let transition = |id: StateId, index: u32| {
            state(id)?
                .get("transitions")?
                .get(usize::try_from(index).ok()?)
        };
        let (start, path) = match location {
            Location::Definition { path } => (definition(), path),
            Location::State { state: id } => return state(*id),
            Location::StateMember { state: id, path } => (state(*id), path),
            Location::Transition { state: id, index } => return transition(*id, *index),
            Location::TransitionMember {
                state: id,
                index,
                path,
            } => (transition(*id, *index), path),
            Location::Pointer(pointer) => return self.node(pointer),
        };
        start?.lookup(path.as_pointer())
    }

    /// The transition at `index` in the file's `transitions` array of a state, when the
    /// model kept it (a transition that is not an object is not kept).
    pub fn transition(&self, state: StateId, index: u32) -> Option<&Transition> {
        let transitions = &self.states.get(state.index())?.transitions;
        let at = transitions.binary_search_by_key(&index, |t| t.index).ok()?;
        transitions.get(at)
    }

    /// The state a raw pointer lies in (`<base>/states/<i>/…`).
    pub fn state_at_pointer(&self, pointer: &str) -> Option<StateId> {
        let rest = pointer.strip_prefix(&self.base)?.strip_prefix("/states/")?;
        let index = rest.split('/').next()?.parse::<usize>().ok()?;
        (index < self.states.len()).then(|| StateId::new(index))
    }

    /// The name of the state a place lies in, for findings.
    pub fn state_name(&self, location: &Location) -> Option<&str> {
        let state = self.states.get(location.state()?.index())?;
        Some(&state.name)
    }

    /// The event of the transition a place lies in, for findings.
    pub fn event_name(&self, location: &Location) -> Option<&str> {
        let (state, index) = location.transition()?;
        Some(&self.transition(state, index)?.event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{LoadedFile, load_text, split_resource_list};

    #[test]
    fn indexes_are_written_in_decimal() {
        for index in [0, 7, 10, 99, 100, 4_294_967_295, usize::MAX] {
            let mut path = String::from("/x/");
            push_index(&mut path, index);
            assert_eq!(path, format!("/x/{index}"));
        }
    }

    /// A trigger whose first transition is not an object (so the kept one is index 1), with
    /// conditions, properties and flags to point into.
    const FLOW: &str = r#"{
  "description": "d",
  "initial_state": "t",
  "flags": {"allow_concurrent_calls": true},
  "states": [
    {"name": "t", "type": "trigger",
     "transitions": [7, {"event": "incomingCall", "next": "s",
                         "conditions": [{"value": "v", "arguments": ["a", "b"]}]}],
     "properties": {"input": "x", "variables": [{"key": "k", "value": "1"}]}},
    {"name": "s", "type": "say-play", "transitions": []}
  ]
}"#;

    fn load(text: &str) -> LoadedFile {
        load_text("test.json".to_string(), text.to_string())
    }

    /// The pointer of a place, and the file's text at its value span.
    fn at<'a>(file: &'a LoadedFile, location: &Location) -> (String, Option<&'a str>) {
        let flow = file.flow.as_ref().expect("the flow loads");
        let span = flow.locate(&file.source.text, location);
        let text = span.map(|(_, value)| &file.source.text[value]);
        (flow.pointer(location), text)
    }

    fn t() -> StateId {
        StateId::new(0)
    }

    fn member(path: MemberPath) -> Location {
        Location::StateMember { state: t(), path }
    }

    fn transition(path: MemberPath) -> Location {
        Location::TransitionMember {
            state: t(),
            index: 1,
            path,
        }
    }

    #[test]
    fn every_variant_resolves_to_its_pointer_and_span() {
        let file = load(FLOW);
        let conditions = || MemberPath::from("conditions").index(0);
        let cases = [
            (
                Location::definition("initial_state"),
                "/initial_state",
                "\"t\"",
            ),
            (
                Location::definition(MemberPath::from("flags").key("allow_concurrent_calls")),
                "/flags/allow_concurrent_calls",
                "true",
            ),
            (
                Location::State {
                    state: StateId::new(1),
                },
                "/states/1",
                "{",
            ),
            (member("name".into()), "/states/0/name", "\"t\""),
            (
                member(
                    MemberPath::from("properties")
                        .key("variables")
                        .index(0)
                        .key("value"),
                ),
                "/states/0/properties/variables/0/value",
                "\"1\"",
            ),
            (
                Location::Transition {
                    state: t(),
                    index: 1,
                },
                "/states/0/transitions/1",
                "{",
            ),
            (
                transition("next".into()),
                "/states/0/transitions/1/next",
                "\"s\"",
            ),
            (
                transition(conditions().key("value")),
                "/states/0/transitions/1/conditions/0/value",
                "\"v\"",
            ),
            (
                transition(conditions().key("arguments").index(1)),
                "/states/0/transitions/1/conditions/0/arguments/1",
                "\"b\"",
            ),
            (
                Location::Pointer("/description".into()),
                "/description",
                "\"d\"",
            ),
        ];
        for (location, pointer, text) in cases {
            let (found, value) = at(&file, &location);
            assert_eq!(found, pointer, "{location:?}");
            let value = value.unwrap_or_else(|| panic!("{location:?} does not resolve"));
            assert!(value.starts_with(text), "{location:?}: {value}");
            let flow = file.flow.as_ref().unwrap();
            assert!(flow.value(&location).is_some(), "{location:?} has no value");
        }
        let (pointer, whole) = at(&file, &Location::definition(MemberPath::root()));
        assert_eq!((pointer.as_str(), whole), ("", Some(FLOW)));
        assert_eq!(at(&file, &member("nothing".into())).1, None);
    }

    #[test]
    fn a_location_names_its_state_and_event() {
        let file = load(FLOW);
        let flow = file.flow.as_ref().unwrap();
        let next = transition("next".into());
        assert_eq!(flow.state_name(&next), Some("t"));
        assert_eq!(flow.event_name(&next), Some("incomingCall"));
        assert_eq!(flow.event_name(&member("name".into())), None);
        assert_eq!(flow.state_name(&Location::definition("flags")), None);
        // Named as a member of its state, the same place has no event.
        let within = next.clone().within_state();
        assert_eq!(flow.pointer(&within), flow.pointer(&next));
        assert_eq!(flow.event_name(&within), None);
        assert_eq!(
            flow.state_at_pointer("/states/1/name"),
            Some(StateId::new(1))
        );
        assert_eq!(StateId::from(StateId::new(1).node()), StateId::new(1));
    }

    #[test]
    fn keys_are_escaped_and_parents_step_up() {
        let path = MemberPath::from("a/b").key("c~d").index(2);
        assert_eq!(path.as_pointer(), "/a~1b/c~0d/2");
        assert_eq!(path.parent().last(), "c~d");
        let location = member("properties".into()).key("to");
        assert_eq!(location.parent(), member("properties".into()));
    }

    #[test]
    fn states_of_an_api_resource_are_under_its_definition() {
        let text = format!(r#"{{"sid": "FW0123", "definition": {FLOW}}}"#);
        let file = load(&text);
        let (pointer, value) = at(&file, &member("name".into()));
        assert_eq!(pointer, "/definition/states/0/name");
        assert_eq!(value, Some("\"t\""));
        let (pointer, value) = at(&file, &transition("next".into()));
        assert_eq!(pointer, "/definition/states/0/transitions/1/next");
        assert_eq!(value, Some("\"s\""));
        let (pointer, _) = at(&file, &Location::definition("initial_state"));
        assert_eq!(pointer, "/definition/initial_state");
    }

    #[test]
    fn a_resource_in_a_list_has_its_index_in_the_pointer() {
        let text = format!(r#"[{{"definition": {{"states": []}}}}, {{"definition": {FLOW}}}]"#);
        let files = split_resource_list(load(&text));
        let (pointer, value) = at(&files[1], &member("name".into()));
        assert_eq!(pointer, "/1/definition/states/0/name");
        assert_eq!(value, Some("\"t\""));
    }

    #[test]
    fn an_embedded_definition_resolves_inside_its_string() {
        let embedded = serde_json::Value::String(FLOW.to_string()).to_string();
        let text = format!(r#"{{"sid": "FW0123", "definition": {embedded}}}"#);
        let file = load(&text);
        // Pointers are into the definition's own document; spans are in the file, where
        // the definition's quotes are escaped.
        let (pointer, value) = at(&file, &transition(MemberPath::from("next")));
        assert_eq!(pointer, "/states/0/transitions/1/next");
        assert_eq!(value, Some(r#"\"s\""#));
        let (_, value) = at(&file, &Location::definition("initial_state"));
        assert_eq!(value, Some(r#"\"t\""#));
    }
}
