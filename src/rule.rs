//! The rule contract: metadata, severities, the context rules read, and what they report.

use std::borrow::Cow;
use std::fmt;

use crate::facts::Facts;
use crate::flow::json::Span;
use crate::flow::{Flow, Location, Position, SourceText, StateId};
use crate::graph::FlowGraph;
use crate::liquid::Reference;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule is: its stable id, default severity, one-line summary and full doc.
#[derive(Debug)]
pub struct RuleMeta {
    /// Kebab-case and stable once released.
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// Markdown: What it does / Why is this bad? / Example / How to fix.
    pub doc: &'static str,
}

/// What a rule is, as [`declare_rule!`] writes it.
pub trait Declared {
    fn meta(&self) -> &'static RuleMeta;
}

/// A check over one flow.
pub trait Rule: Declared + Sync {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>);
}

/// Declares a rule in one place: its type and its metadata, the id spelled once. The
/// documentation is `rules/<id>.md`, embedded in the binary.
///
/// ```ignore
/// declare_rule!(UnreachableState, "unreachable-state", Warning, "a state nothing leads to");
/// ```
#[macro_export]
macro_rules! declare_rule {
    ($name:ident, $id:literal, $severity:ident, $summary:expr) => {
        pub struct $name;

        $crate::declare_rule!(meta $id, $severity, $summary);

        impl $crate::rule::Declared for $name {
            fn meta(&self) -> &'static $crate::rule::RuleMeta {
                &META
            }
        }
    };
    // Only the metadata, for a rule the engine reports itself (`unused-suppression`).
    (meta $id:literal, $severity:ident, $summary:expr) => {
        pub static META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
            id: $id,
            severity: $crate::rule::Severity::$severity,
            summary: $summary,
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $id, ".md")),
        };
    };
}

/// Everything a rule may read about the flow under analysis: the shared [`Facts`], and the
/// helpers that turn them into findings.
pub struct Context<'a> {
    facts: Facts<'a>,
}

impl<'a> Context<'a> {
    pub fn new(flow: &'a Flow, graph: &'a FlowGraph, source: &'a SourceText) -> Self {
        Context {
            facts: Facts::new(flow, graph, source),
        }
    }

    /// The facts computed so far, for the diagrams.
    pub fn into_facts(self) -> Facts<'a> {
        self.facts
    }

    /// The file span of the value at a place.
    pub fn value_span(&self, location: &Location) -> Option<Span> {
        self.flow
            .locate(&self.source.text, location)
            .map(|(_, value)| value)
    }

    /// A fix that writes `value` (a JSON string) over the value at `location`.
    pub fn replace_with_string(
        &self,
        title: String,
        location: &Location,
        value: &str,
    ) -> Option<Fix> {
        let span = self.value_span(location)?;
        Some(Fix::replace(
            title,
            span,
            serde_json::Value::from(value).to_string(),
        ))
    }

    /// The bytes that delete the state or transition at `location` with its separating
    /// comma, so that the array stays valid JSON and its other elements keep their
    /// formatting.
    pub fn removal_of_element(&self, location: &Location) -> Option<Span> {
        let index = element_index(location)?;
        let element = self.value_span(location)?;
        if index > 0 {
            let previous = self.value_span(&sibling(location, index - 1))?;
            return Some(previous.end..element.end);
        }
        match self.value_span(&sibling(location, 1)) {
            Some(next) => Some(element.start..next.start),
            None => Some(element),
        }
    }

    /// A finding about a Liquid reference: underlines the name inside its string.
    pub fn at_reference(
        &self,
        meta: &RuleMeta,
        reference: Reference<'_>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(meta, reference.location().clone(), message)
            .anchor(Anchor::Bytes(reference.span()))
    }
}

/// A state's or a transition's index in its array.
fn element_index(location: &Location) -> Option<usize> {
    match *location {
        Location::State { state } => Some(state.index()),
        Location::Transition { index, .. } => Some(index as usize),
        _ => None,
    }
}

/// The element at `index` of the array a state or a transition is in.
fn sibling(location: &Location, index: usize) -> Location {
    match *location {
        Location::Transition { state, .. } => Location::Transition {
            state,
            index: index as u32,
        },
        _ => Location::State {
            state: StateId::new(index),
        },
    }
}

impl<'a> std::ops::Deref for Context<'a> {
    type Target = Facts<'a>;

    fn deref(&self) -> &Facts<'a> {
        &self.facts
    }
}

/// Which part of the value at the location a finding underlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// The whole value.
    Value,
    /// The member's key (`"name"` in `"name": "x"`); falls back to the value.
    Key,
    /// Only the first character of the value (the `{` of a large object).
    Start,
    /// An exact byte range inside the value, such as a name inside a Liquid expression.
    Bytes(Span),
}

/// A second place shown beside a finding, such as the first of two duplicate names.
#[derive(Debug, Clone)]
pub struct Related {
    pub location: Location,
    pub label: String,
    /// Set when the place is in another file (a subflow of a project finding): the location
    /// is then a pointer into that file, already located.
    pub elsewhere: Option<Elsewhere>,
}

/// A place in another file, already located.
#[derive(Debug, Clone)]
pub struct Elsewhere {
    /// The other file, as reports name it.
    pub file: String,
    pub start: Position,
    pub end: Position,
}

/// What a finding is about, in terms that diagrams and fixes read without knowing rule ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Subject {
    #[default]
    Other,
    /// A state that never runs.
    Unreachable { state: StateId },
    /// The states of a reported loop, sorted.
    Loop { states: Vec<StateId> },
    /// An event of a state that ends the execution, unconnected.
    DroppedEvent { state: StateId, event: String },
}

/// Whether applying a fix can change behaviour beyond the defect it repairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Repairs only the defect: applied by `--fix`.
    Safe,
    /// A choice or a deletion a person should confirm: applied with `--unsafe-fixes`.
    Unsafe,
}

/// A byte-range replacement in the file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// A mechanical repair of a finding: edits on the original text, everything else untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, e.g. "point `next` at `main_menu`".
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            title: title.into(),
            applicability: Applicability::Safe,
            edits,
        }
    }

    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            applicability: Applicability::Unsafe,
            ..Fix::safe(title, edits)
        }
    }

    /// Replace `span` with `text`.
    pub fn replace(title: impl Into<String>, span: Span, text: impl Into<String>) -> Fix {
        Fix::safe(
            title,
            vec![Edit {
                span,
                replacement: text.into(),
            }],
        )
    }
}

/// One finding at a typed location; the engine resolves it to a pointer and line:column.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Borrowed when it is a fixed text that every finding of a rule shares.
    pub help: Option<Cow<'static, str>>,
    /// The widget the finding is about; `None` for flow-level findings. The engine derives
    /// it from the location unless the finding names one itself.
    pub state: Option<String>,
    /// The event of the transition the finding is about; derived like `state`.
    pub event: Option<String>,
    pub location: Location,
    pub anchor: Anchor,
    pub related: Vec<Related>,
    pub subject: Subject,
    /// A mechanical repair, when there is exactly one obvious one. Boxed: most findings
    /// have none, and a large flow can have a hundred thousand findings.
    pub fix: Option<Box<Fix>>,
}

impl Diagnostic {
    pub fn new(meta: &RuleMeta, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            rule: meta.id,
            severity: meta.severity,
            message: exact(message.into()),
            help: None,
            state: None,
            event: None,
            location,
            anchor: Anchor::Value,
            related: Vec::new(),
            subject: Subject::Other,
            fix: None,
        }
    }

    /// A fixed text is kept as it is, shared by every finding (a rule can report a hundred
    /// thousand times in one flow); a formatted one loses its spare capacity.
    pub fn help(mut self, help: impl Into<Cow<'static, str>>) -> Self {
        self.help = Some(match help.into() {
            Cow::Owned(text) => Cow::Owned(exact(text)),
            fixed => fixed,
        });
        self
    }

    /// Names the widget when the location cannot: a raw pointer, or a project finding whose
    /// flow is gone by the time it is made.
    pub fn state(mut self, state: &str) -> Self {
        self.state = Some(state.to_string());
        self
    }

    /// Names the event when the location is not its transition: an event left unconnected
    /// has no transition to point at.
    pub fn event(mut self, event: &str) -> Self {
        self.event = Some(event.to_string());
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn anchor(mut self, anchor: Anchor) -> Self {
        self.anchor = anchor;
        self
    }

    pub fn fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix.map(Box::new);
        self
    }

    pub fn subject(mut self, subject: Subject) -> Self {
        self.subject = subject;
        self
    }

    pub fn related(mut self, location: Location, label: impl Into<String>) -> Self {
        self.related.push(Related {
            location,
            label: label.into(),
            elsewhere: None,
        });
        self
    }

    /// A second place in another file, already located.
    pub fn related_elsewhere(
        mut self,
        location: Location,
        label: impl Into<String>,
        elsewhere: Elsewhere,
    ) -> Self {
        self.related.push(Related {
            location,
            label: label.into(),
            elsewhere: Some(elsewhere),
        });
        self
    }
}

/// A text without the spare capacity `format!` reserves (up to twice its length), since
/// findings are kept until the report is written. A copy, not `shrink_to_fit`: mimalloc
/// keeps a block that shrinks by less than half.
fn exact(text: String) -> String {
    if text.capacity() == text.len() {
        return text;
    }
    text.as_str().to_owned()
}
