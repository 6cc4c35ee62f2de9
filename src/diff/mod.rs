//! `flowcheck diff`: what a change to a flow does, for review. Widgets are matched by name,
//! then renamed widgets by type and properties ([`matching`]); matched widgets are compared
//! transition by transition and property by property, with Liquid references and
//! transitions to renamed widgets read under their new names ([`values`]). Canvas offsets
//! are layout, not behaviour. The findings of both versions are matched by
//! [`FindingKey`](crate::analyze::FindingKey) (file aside, renamed widgets under their new
//! names), and reachability is compared widget by widget.
//!
//! Reports: [`text`], [`json`] (a versioned contract), [`markdown`], and a diagram of the new
//! flow with the changes drawn on ([`diagram`]).

pub mod diagram;
pub mod json;
pub mod markdown;
pub mod matching;
pub mod text;
pub mod values;

use std::collections::HashMap;

use serde_json::Value;

use crate::analyze::{FileReport, Finding};
use crate::catalog;
use crate::flow::json::Json;
use crate::flow::{Flow, State, Transition};
use crate::graph::FlowGraph;
use crate::rule::Subject;
use matching::Matching;
use values::{Differ, Names, ValueChange};

/// What to compare.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Report canvas offsets that moved (`--layout`).
    pub layout: bool,
}

/// One version of the flow: what reports call it, and its analysis.
pub struct Side<'a> {
    pub label: String,
    pub report: &'a FileReport,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WidgetStatus {
    Added,
    Removed,
    Changed,
}

impl WidgetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WidgetStatus::Added => "added",
            WidgetStatus::Removed => "removed",
            WidgetStatus::Changed => "changed",
        }
    }
}

/// A transition whose target changed, or that appeared or disappeared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionChange {
    pub event: String,
    /// The event, or `match "friendly name"` / `match #k` for a split's conditions.
    pub label: String,
    /// `None`: the transition is not there; `Some(None)`: it ends the flow (no `next`).
    pub old: Option<Option<String>>,
    pub new: Option<Option<String>>,
    /// The transition's index in the old and the new widget, when it is there.
    pub old_transition: Option<usize>,
    pub new_transition: Option<usize>,
}

/// Everything that changed about one widget.
#[derive(Debug, Clone)]
pub struct WidgetChange {
    pub status: WidgetStatus,
    /// The new name (the old one for a removed widget).
    pub name: String,
    /// Set when the widget was renamed.
    pub old_name: Option<String>,
    pub kind: String,
    /// Set when the type changed.
    pub old_kind: Option<String>,
    pub old_index: Option<usize>,
    pub new_index: Option<usize>,
    pub transitions: Vec<TransitionChange>,
    /// Properties, other members of the widget, and members of its transitions
    /// (`transitions[match "x"].conditions[0].value`).
    pub properties: Vec<ValueChange>,
    /// `offset` moves, with `--layout`.
    pub layout: Vec<ValueChange>,
    /// An added widget's transitions: label and target (`None`: ends the flow).
    pub connections: Vec<(String, Option<String>)>,
    /// Whether an added widget can run (reachable from the trigger).
    pub reachable: Option<bool>,
}

impl WidgetChange {
    /// Whether the change is more than the widget moving on the canvas.
    pub fn is_behavioural(&self) -> bool {
        self.status != WidgetStatus::Changed
            || self.old_name.is_some()
            || self.old_kind.is_some()
            || !self.transitions.is_empty()
            || !self.properties.is_empty()
    }
}

/// A finding one version has and the other has not.
#[derive(Debug, Clone)]
pub struct FindingChange {
    /// The label of the version it is in.
    pub file: String,
    pub finding: Finding,
}

/// The whole comparison.
#[derive(Debug, Clone)]
pub struct Diff {
    pub old_label: String,
    pub new_label: String,
    pub old_states: usize,
    pub new_states: usize,
    /// Sorted by name.
    pub widgets: Vec<WidgetChange>,
    /// `initial_state`, `flags`, `description` and other members of the definition.
    pub flow: Vec<ValueChange>,
    /// Widgets whose canvas offset moved (reported one by one only with `--layout`).
    pub moved: usize,
    pub introduced: Vec<FindingChange>,
    pub resolved: Vec<FindingChange>,
    pub became_unreachable: Vec<String>,
    pub became_reachable: Vec<String>,
    pub matching: Matching,
}

/// Totals, as the stat line and the JSON summary give them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub added: usize,
    pub removed: usize,
    pub renamed: usize,
    pub retyped: usize,
    /// Matched widgets with transition or property changes.
    pub modified: usize,
    pub transitions: usize,
    pub properties: usize,
    pub flow: usize,
}

impl Diff {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts {
            flow: self.flow.len(),
            ..Counts::default()
        };
        for widget in self.widgets.iter().filter(|w| w.is_behavioural()) {
            match widget.status {
                WidgetStatus::Added => counts.added += 1,
                WidgetStatus::Removed => counts.removed += 1,
                WidgetStatus::Changed => {
                    counts.renamed += usize::from(widget.old_name.is_some());
                    counts.retyped += usize::from(widget.old_kind.is_some());
                    counts.modified += usize::from(
                        !widget.transitions.is_empty() || !widget.properties.is_empty(),
                    );
                }
            }
            counts.transitions += widget.transitions.len();
            counts.properties += widget.properties.len();
        }
        counts
    }

    /// Whether anything but canvas positions changed.
    pub fn is_behavioural(&self) -> bool {
        self.widgets.iter().any(WidgetChange::is_behavioural)
            || !self.flow.is_empty()
            || !self.introduced.is_empty()
            || !self.resolved.is_empty()
            || !self.became_reachable.is_empty()
            || !self.became_unreachable.is_empty()
    }
}

/// Compares two analysed versions of a flow. Errors name a version that did not load.
pub fn compare(old: &Side, new: &Side, options: Options) -> Result<Diff, String> {
    let old_flow = loaded(old)?;
    let new_flow = loaded(new)?;
    let matching = matching::match_states(old_flow, new_flow);
    let renames = matching.renames(old_flow, new_flow);
    let old_graph = FlowGraph::build(old_flow);
    let new_graph = FlowGraph::build(new_flow);
    let old_reachable = old_graph.reachable();
    let new_reachable = new_graph.reachable();
    let context = Context {
        old: old_flow,
        new: new_flow,
        renames: &renames,
        options,
    };
    let mut widgets = Vec::new();
    let mut moved = 0;
    for (j, state) in new_flow.states.iter().enumerate() {
        match matching.new_to_old[j] {
            None => widgets.push(context.added(j, state, new_reachable[j])),
            Some(i) => {
                let change = context.changed(i, j);
                moved += usize::from(change.moved);
                if change.widget.is_behavioural() || !change.widget.layout.is_empty() {
                    widgets.push(change.widget);
                }
            }
        }
    }
    for (i, state) in old_flow.states.iter().enumerate() {
        if matching.old_to_new[i].is_none() {
            widgets.push(WidgetChange {
                status: WidgetStatus::Removed,
                name: state.name.clone(),
                old_name: None,
                kind: state.kind.clone(),
                old_kind: None,
                old_index: Some(i),
                new_index: None,
                transitions: Vec::new(),
                properties: Vec::new(),
                layout: Vec::new(),
                connections: Vec::new(),
                reachable: None,
            });
        }
    }
    widgets.sort_by(|a, b| {
        (a.name.to_lowercase(), &a.name, a.status as u8).cmp(&(
            b.name.to_lowercase(),
            &b.name,
            b.status as u8,
        ))
    });
    let (introduced, resolved) = findings(old, new, &renames);
    let mut became_unreachable = Vec::new();
    let mut became_reachable = Vec::new();
    for (i, j) in matching.old_to_new.iter().enumerate() {
        let Some(j) = *j else { continue };
        let name = new_flow.states[j].name.clone();
        match (old_reachable[i], new_reachable[j]) {
            (true, false) => became_unreachable.push(name),
            (false, true) => became_reachable.push(name),
            _ => {}
        }
    }
    became_unreachable.sort();
    became_reachable.sort();
    Ok(Diff {
        old_label: old.label.clone(),
        new_label: new.label.clone(),
        old_states: old_flow.states.len(),
        new_states: new_flow.states.len(),
        widgets,
        flow: context.flow_changes(),
        moved,
        introduced,
        resolved,
        became_unreachable,
        became_reachable,
        matching,
    })
}

fn loaded<'a>(side: &Side<'a>) -> Result<&'a Flow, String> {
    side.report.flow.as_ref().ok_or_else(|| {
        let message = side
            .report
            .error
            .as_ref()
            .map_or("the flow could not be loaded", |e| e.message.as_str());
        format!("{}: {message}", side.label)
    })
}

struct Context<'a> {
    old: &'a Flow,
    new: &'a Flow,
    renames: &'a Names,
    options: Options,
}

struct Compared {
    widget: WidgetChange,
    moved: bool,
}

/// Members of a state compared on their own.
const STATE_MEMBERS: &[&str] = &["name", "type", "transitions", "properties"];

impl Context<'_> {
    fn added(&self, j: usize, state: &State, reachable: bool) -> WidgetChange {
        let connections = state
            .transitions
            .iter()
            .enumerate()
            .map(|(k, t)| (label(self.new, state, k, t), t.next.clone()))
            .collect();
        WidgetChange {
            status: WidgetStatus::Added,
            name: state.name.clone(),
            old_name: None,
            kind: state.kind.clone(),
            old_kind: None,
            old_index: None,
            new_index: Some(j),
            transitions: Vec::new(),
            properties: Vec::new(),
            layout: Vec::new(),
            connections,
            reachable: Some(reachable),
        }
    }

    fn changed(&self, i: usize, j: usize) -> Compared {
        let (old, new) = (&self.old.states[i], &self.new.states[j]);
        let differ = Differ {
            names: self.renames,
            skip: &["offset"],
        };
        // Each state is built as a `serde_json::Value` once, to compare member by member.
        let old_node = self.old.value(&old.location()).map(Json::to_value);
        let new_node = self.new.value(&new.location()).map(Json::to_value);
        let (old_node, new_node) = (old_node.as_ref(), new_node.as_ref());
        let old_properties = old_node.and_then(|v| v.get("properties"));
        let new_properties = new_node.and_then(|v| v.get("properties"));
        let mut properties = differ.diff("", old_properties, new_properties);
        let offset = |p: Option<&Value>| p.and_then(|p| p.get("offset")).cloned();
        let (old_offset, new_offset) = (offset(old_properties), offset(new_properties));
        let moved = old_offset != new_offset;
        let layout = if moved && self.options.layout {
            vec![ValueChange {
                path: "offset".to_string(),
                old: old_offset,
                new: new_offset,
                note: None,
            }]
        } else {
            Vec::new()
        };
        let others = Differ {
            names: self.renames,
            skip: STATE_MEMBERS,
        };
        properties.extend(others.diff("", old_node, new_node));
        let (transitions, member_changes) = self.transitions(old, new, old_node, new_node);
        properties.extend(member_changes);
        Compared {
            widget: WidgetChange {
                status: WidgetStatus::Changed,
                name: new.name.clone(),
                old_name: (old.name != new.name).then(|| old.name.clone()),
                kind: new.kind.clone(),
                old_kind: (old.kind != new.kind).then(|| old.kind.clone()),
                old_index: Some(i),
                new_index: Some(j),
                transitions,
                properties,
                layout,
                connections: Vec::new(),
                reachable: None,
            },
            moved,
        }
    }

    /// Pairs the transitions of two versions of a widget and reports the differences:
    /// targets (rewired, appeared, gone), their other members, and a split's order of
    /// conditions, which decides which match wins.
    fn transitions(
        &self,
        old: &State,
        new: &State,
        old_node: Option<&Value>,
        new_node: Option<&Value>,
    ) -> (Vec<TransitionChange>, Vec<ValueChange>) {
        let old_values = transition_values(old_node, old);
        let new_values = transition_values(new_node, new);
        let pairs = pair_transitions(self, old, new, &old_values, &new_values);
        let mut changes = Vec::new();
        let mut members = Vec::new();
        let identity = Names::default();
        let differ = Differ {
            names: self.renames,
            skip: &["event", "next"],
        };
        for &(a, b) in &pairs {
            // Labels cost a scan of the widget's transitions (`match #k`): only for changes.
            let label_of = || match (a, b) {
                (_, Some(b)) => label(self.new, new, b, &new.transitions[b]),
                (Some(a), None) => label(self.old, old, a, &old.transitions[a]),
                (None, None) => String::new(),
            };
            let event = match (a, b) {
                (_, Some(b)) => &new.transitions[b].event,
                (Some(a), None) => &old.transitions[a].event,
                (None, None) => continue,
            };
            let old_next = a.map(|a| {
                old.transitions[a]
                    .next
                    .as_deref()
                    .map(|n| self.renames.name(n).to_string())
            });
            let new_next = b.map(|b| new.transitions[b].next.clone());
            if old_next != new_next {
                changes.push(TransitionChange {
                    event: event.clone(),
                    label: label_of(),
                    old: a.map(|a| old.transitions[a].next.clone()),
                    new: new_next,
                    old_transition: a,
                    new_transition: b,
                });
            }
            if let (Some(a), Some(b)) = (a, b) {
                let (x, y) = (old_values[a], new_values[b]);
                let unchanged = match (x, y) {
                    (Some(x), Some(y)) => {
                        values::same(x, y, self.renames, &identity, &["event", "next"])
                    }
                    (x, y) => x.is_none() && y.is_none(),
                };
                if !unchanged {
                    let path = format!("transitions[{}]", label_of());
                    members.extend(differ.diff(&path, x, y));
                }
            }
        }
        if let Some(order) = match_order(self, old, new, &pairs) {
            members.push(order);
        }
        (changes, members)
    }

    fn flow_changes(&self) -> Vec<ValueChange> {
        let mut changes = Vec::new();
        let old_initial = self.old.initial_state.as_deref();
        let new_initial = self.new.initial_state.as_deref();
        if old_initial.map(|n| self.renames.name(n)) != new_initial {
            changes.push(ValueChange {
                path: "initial_state".to_string(),
                old: old_initial.map(|n| Value::String(n.to_string())),
                new: new_initial.map(|n| Value::String(n.to_string())),
                note: None,
            });
        }
        let differ = Differ {
            names: self.renames,
            skip: &["states", "initial_state"],
        };
        let (old, new) = (definition(self.old), definition(self.new));
        changes.extend(differ.diff("", old.as_ref(), new.as_ref()));
        changes
    }
}

/// The definition as a `serde_json::Value`, without its states (compared one by one).
fn definition(flow: &Flow) -> Option<Value> {
    let node = flow.node(&flow.base)?;
    let Some(members) = node.as_object() else {
        return Some(node.to_value());
    };
    let kept = members.iter().filter(|(key, _)| *key != "states");
    Some(Value::Object(
        kept.map(|(key, value)| (key.to_string(), value.to_value()))
            .collect(),
    ))
}

/// How a transition is called in reports: its event, or for a split's conditions the
/// friendly name of the first (`match "sales"`), else its place among them (`match #2`).
pub fn label(flow: &Flow, state: &State, index: usize, transition: &Transition) -> String {
    if transition.event != catalog::MATCH {
        return transition.event.clone();
    }
    let friendly = flow
        .conditions(transition)
        .first()
        .and_then(|c| c.get("friendly_name"))
        .and_then(Json::as_str)
        .filter(|s| !s.trim().is_empty());
    match friendly {
        Some(name) => format!("{} {}", catalog::MATCH, quote(name)),
        None => {
            let k = state.transitions[..index]
                .iter()
                .filter(|t| t.event == catalog::MATCH)
                .count();
            format!("{} #{}", catalog::MATCH, k + 1)
        }
    }
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// The JSON objects of a state's transitions, found from the state's own value (a pointer
/// lookup per transition costs more than the rest of the comparison).
fn transition_values<'a>(node: Option<&'a Value>, state: &State) -> Vec<Option<&'a Value>> {
    let items = node
        .and_then(|v| v.get("transitions"))
        .and_then(Value::as_array);
    state
        .transitions
        .iter()
        .map(|t| items?.get(t.index as usize))
        .collect()
}

/// Above this many transitions with one event, they are paired in order only.
const MAX_PAIRING: usize = 10_000;

/// Pairs old and new transitions event by event: a lone event with its namesake; several
/// (a split's `match`es) first by equal conditions and target, then equal conditions, then
/// equal target, then in order. Unpaired ones are `(Some, None)` or `(None, Some)`.
fn pair_transitions(
    context: &Context,
    old: &State,
    new: &State,
    old_values: &[Option<&Value>],
    new_values: &[Option<&Value>],
) -> Vec<(Option<usize>, Option<usize>)> {
    let mut events: Vec<&str> = Vec::new();
    let mut old_by: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut new_by: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, t) in new.transitions.iter().enumerate() {
        if !new_by.contains_key(t.event.as_str()) {
            events.push(&t.event);
        }
        new_by.entry(&t.event).or_default().push(k);
    }
    for (k, t) in old.transitions.iter().enumerate() {
        if !new_by.contains_key(t.event.as_str()) && !old_by.contains_key(t.event.as_str()) {
            events.push(&t.event);
        }
        old_by.entry(&t.event).or_default().push(k);
    }
    let identity = Names::default();
    let members = |a: usize, b: usize| {
        let (x, y) = (old_values[a], new_values[b]);
        match (x, y) {
            (Some(x), Some(y)) => {
                values::same(x, y, context.renames, &identity, &["event", "next"])
            }
            _ => x.is_none() && y.is_none(),
        }
    };
    let target = |a: usize, b: usize| {
        old.transitions[a]
            .next
            .as_deref()
            .map(|n| context.renames.name(n))
            == new.transitions[b].next.as_deref()
    };
    let mut pairs = Vec::new();
    for event in events {
        let a = old_by.remove(event).unwrap_or_default();
        let b = new_by.remove(event).unwrap_or_default();
        let mut a_used = vec![false; a.len()];
        let mut b_used = vec![false; b.len()];
        let mut found = Vec::new();
        if a.len().saturating_mul(b.len()) <= MAX_PAIRING && (a.len() > 1 || b.len() > 1) {
            let stages: [&dyn Fn(usize, usize) -> bool; 3] = [
                &|x, y| members(x, y) && target(x, y),
                &|x, y| members(x, y),
                &|x, y| target(x, y),
            ];
            for stage in stages {
                for (p, &x) in a.iter().enumerate() {
                    if a_used[p] {
                        continue;
                    }
                    let hit = b
                        .iter()
                        .enumerate()
                        .find(|(q, y)| !b_used[*q] && stage(x, **y));
                    if let Some((q, &y)) = hit {
                        a_used[p] = true;
                        b_used[q] = true;
                        found.push((Some(x), Some(y)));
                    }
                }
            }
        }
        // The rest in order.
        let mut rest_b = b
            .iter()
            .enumerate()
            .filter(|(q, _)| !b_used[*q])
            .map(|(_, y)| *y);
        for (p, &x) in a.iter().enumerate() {
            if !a_used[p] {
                found.push((Some(x), rest_b.next()));
            }
        }
        found.extend(rest_b.map(|y| (None, Some(y))));
        found.sort_by_key(|&(x, y)| (y.unwrap_or(usize::MAX), x));
        pairs.extend(found);
    }
    pairs
}

/// The order of a split's conditions decides which transition a value takes: a change in
/// the order of the paired `match` transitions, as a change of `transitions (order)`.
fn match_order(
    context: &Context,
    old: &State,
    new: &State,
    pairs: &[(Option<usize>, Option<usize>)],
) -> Option<ValueChange> {
    let mut paired: Vec<(usize, usize)> = pairs
        .iter()
        .filter_map(|&(a, b)| Some((a?, b?)))
        .filter(|&(_, b)| new.transitions[b].event == catalog::MATCH)
        .collect();
    paired.sort_unstable();
    if paired.windows(2).all(|w| w[0].1 < w[1].1) {
        return None;
    }
    let labels = |flow: &Flow, state: &State, order: &[usize]| {
        Value::Array(
            order
                .iter()
                .map(|&k| Value::String(label(flow, state, k, &state.transitions[k])))
                .collect(),
        )
    };
    let old_order: Vec<usize> = paired.iter().map(|p| p.0).collect();
    let mut new_order: Vec<usize> = paired.iter().map(|p| p.1).collect();
    new_order.sort_unstable();
    Some(ValueChange {
        path: "transitions (order of match)".to_string(),
        old: Some(labels(context.old, old, &old_order)),
        new: Some(labels(context.new, new, &new_order)),
        note: None,
    })
}

/// What matches findings across versions: the [`FindingKey`](crate::analyze::FindingKey)
/// without the file — rule, widget (under its new name), event — except that a loop is
/// named by all its widgets, since which of them a rule reports it at follows the order of
/// the states.
type FindingMatch = (&'static str, Option<String>, Option<String>);

fn finding_match(report: &FileReport, finding: &Finding, names: &Names) -> FindingMatch {
    let d = &finding.diagnostic;
    let state = match (&d.subject, &report.flow) {
        (Subject::Loop { states }, Some(flow)) => {
            let mut members: Vec<&str> = states
                .iter()
                .filter_map(|&i| flow.states.get(i.index()))
                .map(|s| names.name(&s.name))
                .collect();
            members.sort_unstable();
            Some(format!("loop {}", members.join(", ")))
        }
        _ => d.state.as_deref().map(|s| names.name(s).to_string()),
    };
    (d.rule, state, d.event.clone())
}

/// The findings only one version has, matched by rule, widget (renamed ones under their new
/// names) and event, counting duplicates: within one key, findings with the same message
/// pair first.
fn findings(old: &Side, new: &Side, renames: &Names) -> (Vec<FindingChange>, Vec<FindingChange>) {
    let identity = Names::default();
    let mut old_groups: HashMap<FindingMatch, Vec<usize>> = HashMap::new();
    for (k, f) in old.report.findings.iter().enumerate() {
        old_groups
            .entry(finding_match(old.report, f, renames))
            .or_default()
            .push(k);
    }
    let mut new_groups: HashMap<FindingMatch, Vec<usize>> = HashMap::new();
    for (k, f) in new.report.findings.iter().enumerate() {
        new_groups
            .entry(finding_match(new.report, f, &identity))
            .or_default()
            .push(k);
    }
    let mut old_paired = vec![false; old.report.findings.len()];
    let mut new_paired = vec![false; new.report.findings.len()];
    for (key, new_list) in &new_groups {
        let Some(old_list) = old_groups.get(key) else {
            continue;
        };
        let message = |side: &Side, k: usize| side.report.findings[k].diagnostic.message.clone();
        let mut by_message: HashMap<String, Vec<usize>> = HashMap::new();
        for &k in old_list.iter().rev() {
            by_message.entry(message(old, k)).or_default().push(k);
        }
        for &k in new_list {
            if let Some(o) = by_message.get_mut(&message(new, k)).and_then(Vec::pop) {
                old_paired[o] = true;
                new_paired[k] = true;
            }
        }
        let rest_old: Vec<usize> = old_list
            .iter()
            .copied()
            .filter(|&o| !old_paired[o])
            .collect();
        let rest_new: Vec<usize> = new_list
            .iter()
            .copied()
            .filter(|&k| !new_paired[k])
            .collect();
        for (&o, &k) in rest_old.iter().zip(&rest_new) {
            {
                old_paired[o] = true;
                new_paired[k] = true;
            }
        }
    }
    let unpaired = |side: &Side, paired: &[bool]| {
        side.report
            .findings
            .iter()
            .zip(paired)
            .filter(|(_, p)| !**p)
            .map(|(f, _)| FindingChange {
                file: side.label.clone(),
                finding: f.clone(),
            })
            .collect()
    };
    (unpaired(new, &new_paired), unpaired(old, &old_paired))
}
