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

impl Coverage {
    /// The flow as a Mermaid flowchart with what no scenario exercised drawn red and dashed:
    /// widgets never run, transitions never taken (an unconnected one as an edge to `end`).
    /// Self-contained so that it does not depend on the diagram code.
    pub fn mermaid(&self, flow: &Flow) -> String {
        let mut out = String::from("flowchart TD\n");
        let id: std::collections::HashMap<&str, usize> = flow
            .states
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), i))
            .collect();
        for (i, state) in flow.states.iter().enumerate() {
            out.push_str(&format!("  n{i}[\"{}\"]\n", label(&state.name)));
        }
        let mut missed_links = Vec::new();
        for (link, (s, t)) in counted_transitions(flow).enumerate() {
            let transition = &flow.states[s].transitions[t];
            let missed = !self.transitions.contains(&(s, t));
            let arrow = if missed { "-.->" } else { "==>" };
            let target = match transition.next.as_deref().and_then(|n| id.get(n)) {
                Some(target) => format!("n{target}"),
                None => {
                    out.push_str(&format!("  e{s}_{t}((end))\n"));
                    format!("e{s}_{t}")
                }
            };
            out.push_str(&format!(
                "  n{s} {arrow}|\"{}\"| {target}\n",
                label(&transition.event)
            ));
            if missed {
                missed_links.push(link.to_string());
            }
        }
        out.push_str(
            "  classDef missed stroke:#d00,stroke-width:2px,stroke-dasharray:5 5,color:#d00\n",
        );
        let missed: Vec<String> = flow
            .states
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.states.contains(i))
            .map(|(i, _)| format!("n{i}"))
            .collect();
        if !missed.is_empty() {
            out.push_str(&format!("  class {} missed\n", missed.join(",")));
        }
        if !missed_links.is_empty() {
            out.push_str(&format!(
                "  linkStyle {} stroke:#d00,stroke-width:2px\n",
                missed_links.join(",")
            ));
        }
        out
    }
}

/// Text inside a quoted Mermaid label (markup characters as Mermaid entity codes).
fn label(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
