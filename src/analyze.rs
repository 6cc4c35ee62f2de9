//! Runs the rules over loaded files and locates every finding in its source.

use crate::flow::json::Span;
use crate::flow::{Flow, LoadError, LoadedFile, Location, Position, SourceText};
use crate::graph::FlowGraph;
use crate::liquid::References;
use crate::rule::{Anchor, Context, Diagnostic, Rule, Severity};
use crate::rules::RULES;

/// Which rules run: all but the ignored, or only the selected.
#[derive(Debug, Default, Clone)]
pub struct RuleSelection {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    /// `--extend-select`: what is added to the selection, and the way to turn on a rule that
    /// is off by default without listing every other.
    pub extend: Vec<String>,
}

impl RuleSelection {
    /// The selected rules; an id that names no rule is an error naming it.
    pub fn rules(&self) -> Result<Vec<&'static dyn Rule>, String> {
        for id in self.select.iter().flatten().chain(&self.ignore) {
            if crate::rules::find_meta(id).is_none() {
                return Err(unknown_rule_message(id));
            }
        }
        Ok(RULES
            .iter()
            .copied()
            .filter(|rule| self.is_selected(rule.meta().id))
            .collect())
    }

    /// Whether the rule with this id runs (or, for engine rules, is reported).
    pub fn is_selected(&self, id: &str) -> bool {
        let named = self
            .select
            .iter()
            .flatten()
            .chain(&self.extend)
            .any(|s| s == id);
        let selected = if crate::rules::OFF_BY_DEFAULT.contains(&id) {
            named
        } else {
            named || self.select.is_none()
        };
        selected && !self.ignore.iter().any(|s| s == id)
    }
}

/// "unknown rule `x`", with the closest id when one is close.
pub fn unknown_rule_message(id: &str) -> String {
    let ids = crate::rules::all_metas().map(|m| m.id);
    match crate::suggest::closest(id, ids) {
        Some(close) => format!("unknown rule `{id}`; did you mean `{close}`?"),
        None => format!("unknown rule `{id}`; `flowcheck rules` lists them"),
    }
}

/// What identifies a finding across runs and across edits elsewhere in the file: the file
/// (with `/` separators), the rule, the widget and the event — not the line. Baselines count
/// findings by it, suppressions match it, and SARIF fingerprints hash it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FindingKey {
    pub file: String,
    pub rule: String,
    pub state: Option<String>,
    pub event: Option<String>,
}

impl FindingKey {
    pub fn of(file: &str, diagnostic: &Diagnostic) -> FindingKey {
        FindingKey {
            file: normalize_path(file),
            rule: diagnostic.rule.to_string(),
            state: diagnostic.state.clone(),
            event: diagnostic.event.clone(),
        }
    }
}

/// A path as findings name it: `/` separators, no leading `./`.
pub fn normalize_path(path: &str) -> String {
    let slashed = path.replace('\\', "/");
    let mut trimmed = slashed.as_str();
    while let Some(rest) = trimmed.strip_prefix("./") {
        trimmed = rest;
    }
    trimmed.to_string()
}

/// A diagnostic with its place in the file.
#[derive(Debug, Clone)]
pub struct Finding {
    pub diagnostic: Diagnostic,
    /// The diagnostic's location as a JSON Pointer into the document, as reports show it.
    pub pointer: String,
    pub span: Span,
    pub start: Position,
    pub end: Position,
    /// Secondary places, already located.
    pub related: Vec<(Span, String)>,
}

/// The result for one input.
#[derive(Debug)]
pub struct FileReport {
    pub name: String,
    pub source: SourceText,
    /// Number of states, 0 when the file could not be loaded.
    pub states: usize,
    pub error: Option<LoadError>,
    pub findings: Vec<Finding>,
    /// The flow, for the diagrams; `None` when it did not load or was dropped to save memory.
    pub flow: Option<Flow>,
    /// The flow's Liquid references, kept when it takes part in a project (see
    /// [`crate::facts::takes_part_in_project`]) so that its summary does not read them again.
    pub references: Option<References>,
    /// A report on the configuration file itself (unused suppressions), not on a flow: it is
    /// not counted among the files checked.
    pub is_configuration: bool,
}

impl FileReport {
    /// The key of one of this file's findings.
    pub fn key(&self, finding: &Finding) -> FindingKey {
        FindingKey::of(&self.name, &finding.diagnostic)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.diagnostic.severity == severity)
            .count()
    }
}

/// Builds what the rules share across flows (the schemas, the catalog of widget outputs)
/// ahead of the first flow. Called on a spare core; each part is built once, so a flow that
/// gets there first simply builds it itself.
pub fn warm_up() {
    crate::catalog::outputs::catalog();
    crate::schema::compile_all();
}

/// Analyses a file that is already loaded.
pub fn analyze_loaded(file: LoadedFile, rules: &[&dyn Rule]) -> FileReport {
    let LoadedFile { name, source, flow } = file;
    match flow {
        Err(error) => FileReport {
            name,
            source,
            states: 0,
            error: Some(error),
            findings: Vec::new(),
            flow: None,
            references: None,
            is_configuration: false,
        },
        Ok(flow) => {
            let (diagnostics, references) =
                diagnose(&flow, &FlowGraph::build(&flow), &source, rules);
            FileReport {
                name,
                states: flow.states.len(),
                findings: located(&flow, &source, diagnostics),
                source,
                error: None,
                flow: Some(flow),
                references,
                is_configuration: false,
            }
        }
    }
}

/// Runs `rules` over a flow and returns its findings sorted by position. The graph is gone
/// before the findings are located, which holds the diagnostics and the findings at once.
pub fn check_flow(flow: &Flow, source: &SourceText, rules: &[&dyn Rule]) -> Vec<Finding> {
    let (diagnostics, _) = diagnose(flow, &FlowGraph::build(flow), source, rules);
    located(flow, source, diagnostics)
}

/// Runs `rules` over a flow whose graph is already built.
pub fn check_graph(
    flow: &Flow,
    graph: &FlowGraph,
    source: &SourceText,
    rules: &[&dyn Rule],
) -> Vec<Finding> {
    located(flow, source, diagnose(flow, graph, source, rules).0)
}

/// The findings of `diagnostics`, sorted by position.
fn located(flow: &Flow, source: &SourceText, diagnostics: Vec<Diagnostic>) -> Vec<Finding> {
    let mut findings = locate_all(flow, source, diagnostics);
    findings.sort_by(|a, b| {
        (a.span.start, a.diagnostic.rule, &a.diagnostic.message).cmp(&(
            b.span.start,
            b.diagnostic.rule,
            &b.diagnostic.message,
        ))
    });
    findings
}

/// The rules' diagnostics, and the Liquid references of a flow that takes part in a
/// project. The other facts the rules shared (splits, dominators, …) are dropped on return,
/// before the findings are located.
fn diagnose(
    flow: &Flow,
    graph: &FlowGraph,
    source: &SourceText,
    rules: &[&dyn Rule],
) -> (Vec<Diagnostic>, Option<References>) {
    let ctx = Context::new(flow, graph, source);
    let mut diagnostics = Vec::new();
    for rule in rules {
        rule.check(&ctx, &mut diagnostics);
    }
    let references =
        crate::facts::takes_part_in_project(flow).then(|| ctx.into_facts().into_references());
    (diagnostics, references)
}

/// Places every diagnostic in the source: pointers and spans from the locations, then all
/// line:column positions in one pass over the text.
fn locate_all(flow: &Flow, source: &SourceText, mut diagnostics: Vec<Diagnostic>) -> Vec<Finding> {
    // Each diagnostic becomes its finding as it is placed, so that no third list of them
    // is held; line:column follow in one pass over all the offsets in order.
    let unknown = Position { line: 1, column: 1 };
    let mut findings: Vec<Finding> = Vec::with_capacity(diagnostics.len());
    // Taken from the back, and the list given back as it empties: the diagnostics and their
    // (larger) findings are never both held whole (a flow can have 100,000 findings).
    while let Some(diagnostic) = diagnostics.pop() {
        let placed = place(flow, source, &diagnostic);
        findings.push(Finding {
            diagnostic: name_state_and_event(flow, diagnostic),
            pointer: placed.pointer,
            span: placed.span,
            start: unknown,
            end: unknown,
            related: placed.related,
        });
        if diagnostics.capacity() > 4096 && diagnostics.len() < diagnostics.capacity() / 2 {
            diagnostics.shrink_to_fit();
        }
    }
    // Back in the rules' order, which the stable sort keeps among equal keys.
    findings.reverse();
    let offsets: Vec<usize> = findings
        .iter()
        .flat_map(|f| [f.span.start, f.span.end])
        .collect();
    let positions = source.positions(&offsets);
    for (finding, ends) in findings.iter_mut().zip(positions.chunks(2)) {
        (finding.start, finding.end) = (ends[0], ends[1]);
    }
    findings
}

/// A diagnostic's place before line:column: its pointer, span and related spans.
struct Placed {
    pointer: String,
    span: Span,
    related: Vec<(Span, String)>,
}

fn place(flow: &Flow, source: &SourceText, d: &Diagnostic) -> Placed {
    let pointer = flow.pointer(&d.location);
    let span = span_of(flow, source, &d.location, &d.anchor);
    let related = d
        .related
        .iter()
        .filter(|r| r.elsewhere.is_none())
        .map(|r| {
            (
                span_of(flow, source, &r.location, &Anchor::Value),
                r.label.clone(),
            )
        })
        .collect();
    Placed {
        pointer,
        span,
        related,
    }
}

/// Fills in the state and event a diagnostic's location names, unless it names them itself.
fn name_state_and_event(flow: &Flow, mut diagnostic: Diagnostic) -> Diagnostic {
    let location: &Location = &diagnostic.location;
    if diagnostic.state.is_none() {
        diagnostic.state = flow.state_name(location).map(str::to_string);
    }
    if diagnostic.event.is_none() {
        diagnostic.event = flow.event_name(location).map(str::to_string);
    }
    diagnostic
}

/// Where a place stands, found from its location without a pointer.
fn span_of(flow: &Flow, source: &SourceText, location: &Location, anchor: &Anchor) -> Span {
    if let Anchor::Bytes(span) = anchor {
        // A rule may count one byte for a character (an unnamed Liquid tag before `é`).
        return source.whole_characters(span.clone());
    }
    let Some((key, value)) = flow.locate(&source.text, location) else {
        return 0..0;
    };
    match anchor {
        Anchor::Key => key.unwrap_or(value),
        Anchor::Start => value.start..value.start + 1,
        _ => value,
    }
}
