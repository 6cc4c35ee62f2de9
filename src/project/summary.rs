//! What project analysis needs to know about one flow, kept after the flow itself is dropped:
//! its SID, its run-subflow calls, the parent parameters it reads and the values it returns.

use std::collections::BTreeSet;

use crate::catalog::{self, Role};
use crate::dataflow::keys_set_by;
use crate::facts::takes_part_in_project;
use crate::flow::json::{Json, Span};
use crate::flow::{Flow, Location, MemberPath, Position, SourceText};
use crate::graph::FlowGraph;
use crate::liquid::{self, Reference, References, Root};

/// A located place in the summarised file.
#[derive(Debug, Clone)]
pub struct Place {
    pub pointer: String,
    pub span: Span,
    pub start: Position,
    pub end: Position,
}

impl Place {
    /// The place as a finding's location: a pointer already resolved, since the flow is
    /// gone by the time the project is checked.
    pub fn location(&self) -> Location {
        Location::Pointer(self.pointer.clone())
    }
}

/// A value read or written at a place.
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub place: Place,
    /// The read copes with an empty value (`| default:`, inside an `if`).
    pub guarded: bool,
}

/// One run-subflow widget.
#[derive(Debug, Clone)]
pub struct Call {
    pub widget: String,
    /// The widget's name.
    pub at: Place,
    pub flow_sid: Option<Named>,
    pub revision: Option<Named>,
    /// The `parameters` array, when there is one.
    pub parameters_at: Option<Place>,
    pub parameters: Vec<Named>,
    /// `widgets.<this widget>.<key>` reads elsewhere in the flow.
    pub reads: Vec<Named>,
}

/// One flow of the project.
#[derive(Debug, Default)]
pub struct FlowSummary {
    /// The file, as reports name it.
    pub name: String,
    /// From the Flows API resource, or assigned from the configuration's `[flows]`.
    pub sid: Option<String>,
    pub calls: Vec<Call>,
    /// `trigger.parent.parameters.<key>` reads.
    pub parameter_reads: Vec<Named>,
    /// The flow reads `trigger.parent.parameters` as a whole (or by a computed key).
    pub reads_all_parameters: bool,
    /// Keys set by a set-variables widget the trigger reaches.
    pub outputs: BTreeSet<String>,
    pub widgets: usize,
    /// Where the flow starts (its trigger's name), for findings that name the flow.
    pub entry: Option<Place>,
    /// The file's text, kept for flows with calls: project findings land on them.
    pub source: Option<SourceText>,
}

/// Summarises a loaded flow. `references` are its Liquid references when the analysis kept
/// them; they are found again otherwise.
pub fn summarize(
    name: &str,
    flow: &Flow,
    source: &SourceText,
    references: Option<References>,
) -> FlowSummary {
    let locate = |location: &Location, span: Option<Span>| place(flow, source, location, span);
    // Only callers (run-subflow widgets) and subflows (incomingParent) have anything to say
    // to the project; reading every other flow's Liquid is wasted work.
    let references = references.unwrap_or_else(|| {
        let texts = if takes_part_in_project(flow) {
            liquid::liquid_texts(flow)
        } else {
            Vec::new()
        };
        liquid::references(flow, &source.text, &texts)
    });
    let mut summary = FlowSummary {
        name: name.to_string(),
        sid: resource_sid(flow),
        widgets: flow.states.len(),
        outputs: outputs(flow),
        ..FlowSummary::default()
    };
    summary.entry = flow
        .states
        .iter()
        .find(|s| s.kind == "trigger")
        .and_then(|s| locate(&s.member("name"), None));
    let subflows = || {
        flow.states
            .iter()
            .filter(|s| catalog::role(&s.kind) == Role::Subflow)
    };
    let reads = reads_of(subflows(), &references);
    for state in subflows() {
        // Cloned, not taken: two widgets of one name (a defect) each get the reads.
        let reads = reads.get(state.name.as_str()).cloned().unwrap_or_default();
        if let Some(call) = call(flow, state, reads, &locate) {
            summary.calls.push(call);
        }
    }
    for reference in references.iter().filter(|r| is_parent_parameters(*r)) {
        match reference.path().get(3).filter(|(key, _)| !key.is_empty()) {
            Some((key, span)) => {
                if let Some(place) = locate(reference.location(), Some(span.clone())) {
                    summary.parameter_reads.push(Named {
                        name: key.to_string(),
                        place,
                        guarded: reference.guarded(),
                    });
                }
            }
            None => summary.reads_all_parameters = true,
        }
    }
    summary.calls.shrink_to_fit();
    summary.parameter_reads.shrink_to_fit();
    summary
}

/// A Flows API resource's `sid`, next to its `definition`.
fn resource_sid(flow: &Flow) -> Option<String> {
    let prefix = flow.base.strip_suffix("/definition")?;
    let sid = flow.node(prefix)?.get("sid")?.as_str()?;
    sid.starts_with("FW").then(|| sid.to_string())
}

fn is_parent_parameters(reference: Reference<'_>) -> bool {
    reference.root() == Root::Trigger
        && reference.name() == "parent"
        && reference
            .path()
            .get(2)
            .is_some_and(|(s, _)| s == "parameters")
}

fn place(
    flow: &Flow,
    source: &SourceText,
    location: &Location,
    span: Option<Span>,
) -> Option<Place> {
    let span = match span {
        Some(span) => span,
        None => flow.locate(&source.text, location)?.1,
    };
    Some(Place {
        pointer: flow.pointer(location),
        start: source.position(span.start),
        end: source.position(span.end),
        span,
    })
}

/// The `widgets.<name>.…` reads of each of `widgets`, in one pass over the references: a
/// pass per widget cost widgets × references on a flow of many subflow calls.
fn reads_of<'s, 'r>(
    widgets: impl Iterator<Item = &'s crate::flow::State>,
    references: &'r References,
) -> foldhash::HashMap<&'s str, Vec<Reference<'r>>> {
    let mut reads: foldhash::HashMap<&str, Vec<Reference>> =
        widgets.map(|s| (s.name.as_str(), Vec::new())).collect();
    for reference in references.iter().filter(|r| r.root() == Root::Widget) {
        if let Some(list) = reads.get_mut(reference.name()) {
            list.push(reference);
        }
    }
    reads
}

fn call(
    flow: &Flow,
    state: &crate::flow::State,
    reads: Vec<Reference>,
    locate: &impl Fn(&Location, Option<Span>) -> Option<Place>,
) -> Option<Call> {
    let at = locate(&state.member("name"), None)?;
    let text_at = |key: &str| {
        let location = state.member(MemberPath::from("properties").key(key));
        let value = flow.value(&location)?;
        let name = match value.as_str() {
            Some(s) => s.to_string(),
            None => value.to_value().to_string(),
        };
        Some(Named {
            name,
            place: locate(&location, None)?,
            guarded: false,
        })
    };
    let parameters_at = state.member(MemberPath::from("properties").key("parameters"));
    let parameters: Vec<Named> = flow
        .value(&parameters_at)
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, p)| {
            Some(Named {
                name: p.get("key")?.as_str()?.to_string(),
                place: locate(&parameters_at.clone().index(i).key("key"), None)?,
                guarded: false,
            })
        })
        .collect();
    let reads: Vec<Named> = reads
        .into_iter()
        .filter_map(|r| {
            let (key, span) = r.path().get(2).filter(|(k, _)| !k.is_empty())?;
            Some(Named {
                name: key.to_string(),
                place: locate(r.location(), Some(span.clone()))?,
                guarded: r.guarded(),
            })
        })
        .collect();
    Some(Call {
        widget: state.name.clone(),
        at,
        flow_sid: text_at("flow_sid"),
        revision: text_at("flow_revision"),
        parameters_at: locate(&parameters_at, None),
        // Kept to the end of the run, one per call: a collected list starts with room for
        // four, three quarters unused on a call with one parameter.
        parameters: exact(parameters),
        reads: exact(reads),
    })
}

fn exact<T>(mut list: Vec<T>) -> Vec<T> {
    list.shrink_to_fit();
    list
}

/// The keys set-variables widgets set, in the states the trigger reaches.
fn outputs(flow: &Flow) -> BTreeSet<String> {
    // Most flows set no variables: no graph to build for them.
    if !flow
        .states
        .iter()
        .any(|s| catalog::role(&s.kind) == Role::SetVariables)
    {
        return BTreeSet::new();
    }
    let reachable = FlowGraph::build(flow).reachable();
    flow.states
        .iter()
        .zip(reachable)
        .filter(|&(_, reached)| reached)
        .flat_map(|(s, _)| keys_set_by(flow, s))
        .map(|(_, key)| key.to_string())
        .collect()
}
