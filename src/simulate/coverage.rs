//! Which widgets and transitions of a flow no scenario exercised.

use std::collections::BTreeSet;

use super::engine::Execution;
use crate::flow::Flow;

#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// State indexes some scenario ran.
    pub states: BTreeSet<usize>,
    /// (state, transition) pairs some scenario took, ending transitions included.
    pub transitions: BTreeSet<(usize, usize)>,
}

impl Coverage {
    pub fn add(&mut self, run: &Execution) {
        self.states.extend(run.covered_states.iter().copied());
        self.transitions
            .extend(run.covered_transitions.iter().copied());
    }

    /// Widgets no scenario ran, in file order.
    pub fn missed_states<'f>(&self, flow: &'f Flow) -> Vec<&'f str> {
        flow.states
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.states.contains(i))
            .map(|(_, s)| s.name.as_str())
            .collect()
    }

    /// Transitions no scenario took, as (state index, transition index).
    pub fn missed_transitions(&self, flow: &Flow) -> Vec<(usize, usize)> {
        counted_transitions(flow)
            .filter(|pair| !self.transitions.contains(pair))
            .collect()
    }

    /// The text `--coverage` prints for one flow.
    pub fn report(&self, name: &str, flow: &Flow) -> String {
        let states = flow.states.len();
        let transitions = counted_transitions(flow).count();
        let missed_states = self.missed_states(flow);
        let missed_transitions = self.missed_transitions(flow);
        let mut out = format!(
            "coverage of {name}: widgets {}/{states} ({}), transitions {}/{transitions} ({})\n",
            states - missed_states.len(),
            percent(states - missed_states.len(), states),
            transitions - missed_transitions.len(),
            percent(transitions - missed_transitions.len(), transitions),
        );
        if !missed_states.is_empty() {
            out.push_str(&format!(
                "  widgets never run: {}\n",
                missed_states.join(", ")
            ));
        }
        if !missed_transitions.is_empty() {
            out.push_str("  transitions never taken:\n");
            for (s, t) in missed_transitions {
                out.push_str(&format!("    {}\n", describe_transition(flow, s, t)));
            }
        }
        out
    }
}

/// The transitions coverage counts: all of them but the trigger's unconnected events, which
/// are channels the flow does not handle rather than paths through it.
fn counted_transitions(flow: &Flow) -> impl Iterator<Item = (usize, usize)> + '_ {
    flow.states.iter().enumerate().flat_map(|(i, state)| {
        state
            .transitions
            .iter()
            .enumerate()
            .filter(move |(_, t)| state.kind != "trigger" || t.next.is_some())
            .map(move |(t, _)| (i, t))
    })
}

/// `menu --keypress--> split`, `split --match "1"--> sales`, `menu --timeout--> (end)`.
pub fn describe_transition(flow: &Flow, state: usize, transition: usize) -> String {
    let s = &flow.states[state];
    let t = &s.transitions[transition];
    let mut label = t.event.clone();
    if t.event == "match" {
        let conditions: Vec<String> = flow
            .conditions(t)
            .iter()
            .map(|c| {
                let op = c.get("type").and_then(|v| v.as_str()).unwrap_or("?");
                let value = c.get("value").and_then(|v| v.as_str()).unwrap_or("");
                if value.is_empty() || !super::conditions::takes_value(op) {
                    op.to_string()
                } else {
                    format!("{op} {value:?}")
                }
            })
            .collect();
        if !conditions.is_empty() {
            label = format!("match {}", conditions.join(" and "));
        }
    }
    let target = t.next.as_deref().unwrap_or("(end)");
    format!("{} --{label}--> {target}", s.name)
}

fn percent(part: usize, whole: usize) -> String {
    match (part * 100).checked_div(whole) {
        Some(p) => format!("{p}%"),
        None => "100%".to_string(),
    }
}
