//! The rule contract: metadata, severities, the context rules read, and what they report.

use std::fmt;

use crate::facts::Facts;
use crate::flow::json::Span;
use crate::flow::{Flow, SourceText};
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

    /// A finding about a Liquid reference: underlines the name inside its string.
    pub fn at_reference(
        &self,
        meta: &RuleMeta,
        reference: &Reference,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(meta, &reference.pointer, message)
            .anchor(Anchor::Bytes(reference.span.clone()))
            .state(&self.state(reference.state).name)
    }
}

impl<'a> std::ops::Deref for Context<'a> {
    type Target = Facts<'a>;

    fn deref(&self) -> &Facts<'a> {
        &self.facts
    }
}

/// Which part of the value at the pointer a finding underlines.
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
    pub pointer: String,
    pub label: String,
}

/// What a finding is about, in terms that diagrams and fixes read without knowing rule ids.
/// States are indexes into `Flow::states`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Subject {
    #[default]
    Other,
    /// A state that never runs.
    Unreachable { state: usize },
    /// The states of a reported loop, sorted.
    Loop { states: Vec<usize> },
    /// An event of a state that ends the execution, unconnected.
    DroppedEvent { state: usize, event: String },
}

/// One finding, located by JSON Pointer; the reporters turn it into line:column.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    /// The widget the finding is about; `None` for flow-level findings.
    pub state: Option<String>,
    pub event: Option<String>,
    pub pointer: String,
    pub anchor: Anchor,
    pub related: Vec<Related>,
    pub subject: Subject,
}

impl Diagnostic {
    pub fn new(meta: &RuleMeta, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            rule: meta.id,
            severity: meta.severity,
            message: message.into(),
            help: None,
            state: None,
            event: None,
            pointer: pointer.into(),
            anchor: Anchor::Value,
            related: Vec::new(),
            subject: Subject::Other,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn state(mut self, state: &str) -> Self {
        self.state = Some(state.to_string());
        self
    }

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

    pub fn subject(mut self, subject: Subject) -> Self {
        self.subject = subject;
        self
    }

    pub fn related(mut self, pointer: impl Into<String>, label: impl Into<String>) -> Self {
        self.related.push(Related {
            pointer: pointer.into(),
            label: label.into(),
        });
        self
    }
}
