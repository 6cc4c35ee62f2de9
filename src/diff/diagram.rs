//! The diagram of a diff: the new flow as `flowcheck graph` draws it (findings included),
//! with the changes drawn on by [`crate::export::changes`].

use std::collections::HashMap;

use super::{Diff, WidgetStatus};
use crate::catalog;
use crate::export::changes::{Changes, EdgeMark, End, Ghost, GhostEdge};
use crate::flow::json::Json;
use crate::flow::{Flow, MemberPath, StateId, Transition};
use crate::graph::FlowGraph;

/// The changes of `diff` in terms of the new flow's diagram (whose nodes are the new flow's
/// states, in order); `old` is the old flow, for the ghosts' edges.
pub fn changes(diff: &Diff, old: &Flow) -> Changes {
    let mut changes = Changes::default();
    let old_graph = FlowGraph::build(old);
    let mut ghost_of: HashMap<usize, usize> = HashMap::new();
    for widget in &diff.widgets {
        match (widget.status, widget.old_index, widget.new_index) {
            (WidgetStatus::Added, _, Some(j)) => changes.added.push(j),
            (WidgetStatus::Removed, Some(i), _) => {
                ghost_of.insert(i, changes.ghosts.len());
                changes.ghosts.push(Ghost {
                    name: widget.name.clone(),
                    kind: widget.kind.clone(),
                });
            }
            (WidgetStatus::Changed, _, Some(j)) if widget.is_behavioural() => {
                changes.changed.push(j);
                if let Some(old_name) = &widget.old_name {
                    changes.renamed.push((j, old_name.clone()));
                }
            }
            _ => {}
        }
    }
    let end_of = |i: usize| match diff.matching.old_to_new[i] {
        Some(j) => Some(End::Node(j)),
        None => ghost_of.get(&i).map(|&k| End::Ghost(k)),
    };
    // What the removed widgets were connected to, and what led to them.
    for (i, state) in old.states.iter().enumerate() {
        for transition in &state.transitions {
            let Some(target) = transition.next.as_deref().and_then(|n| old_graph.node(n)) else {
                continue;
            };
            let target = StateId::from(target).index();
            if !ghost_of.contains_key(&i) && !ghost_of.contains_key(&target) {
                continue;
            }
            if let (Some(from), Some(to)) = (end_of(i), end_of(target)) {
                changes.ghost_edges.push(GhostEdge {
                    from,
                    to,
                    label: edge_label(old, transition),
                });
            }
        }
    }
    // Rewired transitions: the new edge marked, the old target as a ghost edge.
    for widget in diff
        .widgets
        .iter()
        .filter(|w| w.status == WidgetStatus::Changed)
    {
        let (Some(i), Some(j)) = (widget.old_index, widget.new_index) else {
            continue;
        };
        for change in &widget.transitions {
            if let Some(t) = change.new_transition {
                changes.rewired.push(EdgeMark {
                    from: j,
                    transition: t,
                });
            }
            if let Some(t) = change.old_transition {
                let transition = &old.states[i].transitions[t];
                let target = transition.next.as_deref().and_then(|n| old_graph.node(n));
                let Some(target) = target.map(|n| StateId::from(n).index()) else {
                    continue;
                };
                // Edges to removed widgets are drawn above.
                if let Some(End::Node(to)) = end_of(target) {
                    changes.ghost_edges.push(GhostEdge {
                        from: End::Node(j),
                        to: End::Node(to),
                        label: edge_label(old, transition),
                    });
                }
            }
        }
    }
    changes
}

/// The label the diagram gives an edge: the event, or for a split's `match` the friendly
/// name of its first condition.
fn edge_label(flow: &Flow, transition: &Transition) -> String {
    let friendly = flow
        .value(&transition.member(MemberPath::from("conditions").index(0).key("friendly_name")))
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty());
    match friendly {
        Some(name) if transition.event == catalog::MATCH => name.to_string(),
        _ => transition.event.clone(),
    }
}
