//! Which widget of the old flow is which widget of the new: first by name, then — among the
//! widgets left over on both sides — by type and properties, which is a rename.
//!
//! A widget renamed and edited in one change is still matched when it keeps its type and its
//! place in the flow (the same transitions in and out) and at least half of its properties.
//!
//! Work is linear in the number of widgets: names and signatures are hashed. Only widgets
//! whose signatures collide are compared with each other, and at most
//! [`MAX_CANDIDATES`] of them per widget.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};

use serde_json::Value;

use petgraph::Direction;
use petgraph::visit::EdgeRef;

use super::values::{Names, PLACEHOLDER, hash_value, same};
use crate::flow::json::Json;
use crate::flow::{Flow, State, StateId};
use crate::graph::FlowGraph;

/// Candidates with the same signature compared per widget, to break ties by transitions.
pub const MAX_CANDIDATES: usize = 64;

/// The pairing of old and new widgets (indexes into `Flow::states`).
#[derive(Debug, Clone)]
pub struct Matching {
    pub old_to_new: Vec<Option<usize>>,
    pub new_to_old: Vec<Option<usize>>,
}

impl Matching {
    /// Old names → new names of the widgets matched under another name.
    pub fn renames(&self, old: &Flow, new: &Flow) -> Names {
        let map = self
            .old_to_new
            .iter()
            .enumerate()
            .filter_map(|(i, j)| Some((&old.states[i], &new.states[(*j)?])))
            .filter(|(a, b)| a.name != b.name && !a.name.is_empty())
            .map(|(a, b)| (a.name.clone(), b.name.clone()))
            .collect();
        Names::new(map)
    }
}

pub fn match_states(old: &Flow, new: &Flow) -> Matching {
    let mut matching = Matching {
        old_to_new: vec![None; old.states.len()],
        new_to_old: vec![None; new.states.len()],
    };
    // By name: the k-th widget called `x` in the old flow is the k-th called `x` in the new.
    let mut by_name: HashMap<&str, VecDeque<usize>> = HashMap::new();
    for (j, state) in new.states.iter().enumerate() {
        by_name.entry(&state.name).or_default().push_back(j);
    }
    for (i, state) in old.states.iter().enumerate() {
        if let Some(j) = by_name
            .get_mut(state.name.as_str())
            .and_then(VecDeque::pop_front)
        {
            matching.old_to_new[i] = Some(j);
            matching.new_to_old[j] = Some(i);
        }
    }
    match_renames(old, new, &mut matching);
    match_edited_renames(old, new, &mut matching);
    matching
}

/// The unmatched widgets with a readable name and type.
fn leftovers<'a>(flow: &'a Flow, matched: &[Option<usize>]) -> Vec<(usize, &'a State)> {
    flow.states
        .iter()
        .enumerate()
        .filter(|(i, s)| matched[*i].is_none() && !s.name.is_empty() && !s.kind.is_empty())
        .collect()
}

/// Names of the leftover widgets, all written as one placeholder: a renamed widget that reads
/// another renamed widget still has the same signature on both sides.
fn placeholders(states: &[(usize, &State)]) -> Names {
    Names::new(
        states
            .iter()
            .map(|(_, s)| (s.name.clone(), PLACEHOLDER.to_string()))
            .collect(),
    )
}

fn signature(flow: &Flow, state: &State, names: &Names) -> u64 {
    let mut hasher = DefaultHasher::new();
    state.kind.hash(&mut hasher);
    match flow.properties(state) {
        Some(properties) => hash_value(&properties.to_value(), names, &["offset"], &mut hasher),
        None => 0u8.hash(&mut hasher),
    }
    hasher.finish()
}

fn match_renames(old: &Flow, new: &Flow, matching: &mut Matching) {
    let old_left = leftovers(old, &matching.old_to_new);
    let new_left = leftovers(new, &matching.new_to_old);
    if old_left.is_empty() || new_left.is_empty() {
        return;
    }
    let old_names = placeholders(&old_left);
    let new_names = placeholders(&new_left);
    let mut buckets: HashMap<u64, VecDeque<usize>> = HashMap::new();
    for (j, state) in &new_left {
        buckets
            .entry(signature(new, state, &new_names))
            .or_default()
            .push_back(*j);
    }
    // The new names of the widgets matched by name, to prefer, among equal candidates, the
    // one whose transitions lead where the old widget's did.
    let mut now_called: HashMap<&str, &str> = HashMap::new();
    for (i, j) in matching.old_to_new.iter().enumerate() {
        if let Some(j) = j {
            now_called
                .entry(&old.states[i].name)
                .or_insert(&new.states[*j].name);
        }
    }
    for (i, state) in &old_left {
        let Some(candidates) = buckets.get_mut(&signature(old, state, &old_names)) else {
            continue;
        };
        let old_properties = properties(old, state);
        let targets: HashSet<(&str, Option<&str>)> = state
            .transitions
            .iter()
            .map(|t| {
                let next = t.next.as_deref().and_then(|n| now_called.get(n).copied());
                (t.event.as_str(), next)
            })
            .collect();
        let score = |j: usize| {
            new.states[j]
                .transitions
                .iter()
                .filter(|t| targets.contains(&(t.event.as_str(), t.next.as_deref())))
                .count()
        };
        let mut best: Option<(usize, usize)> = None;
        for (k, &j) in candidates.iter().take(MAX_CANDIDATES).enumerate() {
            let candidate = &new.states[j];
            let equal = candidate.kind == state.kind
                && same(
                    &old_properties,
                    &properties(new, candidate),
                    &old_names,
                    &new_names,
                    &["offset"],
                );
            if !equal {
                continue;
            }
            let points = score(j);
            if best.is_none_or(|(_, p)| points > p) {
                best = Some((k, points));
            }
            if candidates.len() == 1 {
                break;
            }
        }
        if let Some(j) = best.and_then(|(k, _)| candidates.remove(k)) {
            matching.old_to_new[*i] = Some(j);
            matching.new_to_old[j] = Some(*i);
        }
    }
}

/// The share of properties (by top-level key, `offset` aside) a renamed and edited widget
/// must keep.
pub const MIN_SIMILARITY: f64 = 0.5;

/// A widget's place in the flow: its type, its transitions out (event and target) and in
/// (source and event), every widget named as the new flow names it, or as a placeholder when
/// it has no match yet. `None` for a widget with no transition in or out: nothing places it.
fn place(
    flow: &Flow,
    graph: &FlowGraph,
    index: usize,
    name: &dyn Fn(usize) -> Option<String>,
) -> Option<u64> {
    let node = StateId::new(index).node();
    let called = |i: usize| name(i).unwrap_or_else(|| PLACEHOLDER.to_string());
    let mut out: Vec<(&str, String)> = graph
        .graph
        .edges_directed(node, Direction::Outgoing)
        .map(|e| {
            let transition = &flow.states[index].transitions[e.weight().transition];
            (
                transition.event.as_str(),
                called(StateId::from(e.target()).index()),
            )
        })
        .collect();
    let mut incoming: Vec<(String, &str)> = graph
        .graph
        .edges_directed(node, Direction::Incoming)
        .map(|e| {
            let source = StateId::from(e.source()).index();
            let transition = &flow.states[source].transitions[e.weight().transition];
            (called(source), transition.event.as_str())
        })
        .collect();
    if out.is_empty() && incoming.is_empty() {
        return None;
    }
    out.sort_unstable();
    incoming.sort_unstable();
    let mut hasher = DefaultHasher::new();
    flow.states[index].kind.hash(&mut hasher);
    out.hash(&mut hasher);
    incoming.hash(&mut hasher);
    Some(hasher.finish())
}

/// A state's properties as a `serde_json::Value` (null when it has none), to compare.
fn properties(flow: &Flow, state: &State) -> Value {
    flow.properties(state).map_or(Value::Null, Json::to_value)
}

/// The share of top-level properties (`offset` aside) two widgets have in common.
fn similarity(old: Option<&Value>, new: Option<&Value>, names: &Names) -> f64 {
    let (Some(Value::Object(a)), Some(Value::Object(b))) = (old, new) else {
        return if old.is_none() && new.is_none() {
            1.0
        } else {
            0.0
        };
    };
    let identity = Names::default();
    let keys: HashSet<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| *k != "offset")
        .collect();
    if keys.is_empty() {
        return 1.0;
    }
    let kept = keys
        .iter()
        .filter(|k| match (a.get(k.as_str()), b.get(k.as_str())) {
            (Some(x), Some(y)) => same(x, y, names, &identity, &[]),
            _ => false,
        })
        .count();
    kept as f64 / keys.len() as f64
}

/// Renamed and edited widgets: among those still unmatched, the same type in the same place
/// (see [`place`]) with at least [`MIN_SIMILARITY`] of the properties.
fn match_edited_renames(old: &Flow, new: &Flow, matching: &mut Matching) {
    let old_left = leftovers(old, &matching.old_to_new);
    let new_left = leftovers(new, &matching.new_to_old);
    if old_left.is_empty() || new_left.is_empty() {
        return;
    }
    let old_graph = FlowGraph::build(old);
    let new_graph = FlowGraph::build(new);
    let names = matching.renames(old, new);
    let old_name = |i: usize| matching.old_to_new[i].map(|j| new.states[j].name.clone());
    let new_name = |j: usize| matching.new_to_old[j].map(|_| new.states[j].name.clone());
    let mut buckets: HashMap<u64, VecDeque<usize>> = HashMap::new();
    for (j, _) in &new_left {
        if let Some(key) = place(new, &new_graph, *j, &new_name) {
            buckets.entry(key).or_default().push_back(*j);
        }
    }
    let old_places: Vec<(usize, Option<u64>)> = old_left
        .iter()
        .map(|(i, _)| (*i, place(old, &old_graph, *i, &old_name)))
        .collect();
    for (i, key) in old_places {
        let Some(candidates) = key.and_then(|k| buckets.get_mut(&k)) else {
            continue;
        };
        let old_properties = old.properties(&old.states[i]).map(Json::to_value);
        let mut best: Option<(usize, f64)> = None;
        for (k, &j) in candidates.iter().take(MAX_CANDIDATES).enumerate() {
            let new_properties = new.properties(&new.states[j]).map(Json::to_value);
            let score = similarity(old_properties.as_ref(), new_properties.as_ref(), &names);
            if score >= MIN_SIMILARITY && best.is_none_or(|(_, s)| score > s) {
                best = Some((k, score));
            }
        }
        if let Some(j) = best.and_then(|(k, _)| candidates.remove(k)) {
            matching.old_to_new[i] = Some(j);
            matching.new_to_old[j] = Some(i);
        }
    }
}
