//! Project analysis: the flows of one run taken together. Subflow calls are matched to the
//! flows they name by SID, and the contract between caller and subflow is checked: the
//! parameters passed and read, the values returned and read, Studio's limits across flows.
//! Findings land on the caller's run-subflow widget and name the other file.

mod checks;
mod summary;

use std::collections::BTreeMap;

pub use summary::{Call, FlowSummary, Named, Place, summarize};

use crate::analyze::Finding;
use crate::rule::{Diagnostic, Elsewhere};

/// What the run knows about the project beyond its files.
#[derive(Debug, Default, Clone)]
pub struct Project {
    /// The project holds every flow its calls name: a SID that names none is a finding.
    pub complete: bool,
}

/// The project's findings, one list per summary (in the summaries' order). `selected` tells
/// whether a rule id is reported.
pub fn analyze(
    summaries: &[FlowSummary],
    project: &Project,
    selected: &dyn Fn(&str) -> bool,
) -> Vec<Vec<Finding>> {
    let mut out = Out {
        findings: summaries.iter().map(|_| Vec::new()).collect(),
        selected,
    };
    let index = by_sid(summaries);
    let ctx = checks::Ctx {
        summaries,
        index: &index,
        project,
    };
    checks::run(&ctx, &mut out);
    for findings in &mut out.findings {
        findings.sort_by(|a, b| {
            (a.span.start, a.diagnostic.rule, &a.diagnostic.message).cmp(&(
                b.span.start,
                b.diagnostic.rule,
                &b.diagnostic.message,
            ))
        });
    }
    out.findings
}

/// The first flow with each SID.
fn by_sid(summaries: &[FlowSummary]) -> BTreeMap<&str, usize> {
    let mut index = BTreeMap::new();
    for (i, s) in summaries.iter().enumerate() {
        if let Some(sid) = &s.sid {
            index.entry(sid.as_str()).or_insert(i);
        }
    }
    index
}

/// Where the findings go.
pub(crate) struct Out<'a> {
    findings: Vec<Vec<Finding>>,
    selected: &'a dyn Fn(&str) -> bool,
}

impl Out<'_> {
    /// Adds a finding at `place` in flow `file`, when its rule is selected.
    fn push(&mut self, file: usize, place: &Place, diagnostic: Diagnostic) {
        if !(self.selected)(diagnostic.rule) {
            return;
        }
        if let Some(list) = self.findings.get_mut(file) {
            list.push(Finding {
                pointer: place.pointer.clone(),
                diagnostic,
                span: place.span.clone(),
                start: place.start,
                end: place.end,
                related: Vec::new(),
            });
        }
    }
}

/// A place in another flow, for `Diagnostic::related_elsewhere`.
fn elsewhere(summary: &FlowSummary, place: &Place) -> Elsewhere {
    Elsewhere {
        file: summary.name.clone(),
        start: place.start,
        end: place.end,
    }
}

/// "file:line:column", for messages.
fn at(summary: &FlowSummary, place: &Place) -> String {
    format!(
        "{}:{}:{}",
        summary.name, place.start.line, place.start.column
    )
}
