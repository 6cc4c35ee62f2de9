//! Which kinds of execution reach each widget, from the trigger event that started them: a
//! call, a message, the REST API, or a parent flow. One search per kind, linear in the flow.

use petgraph::graph::NodeIndex;

use crate::catalog::trigger_event::{CALL, CONVERSATION, MESSAGE, PARENT, REQUEST};
use crate::catalog::{self, Role};
use crate::flow::Flow;
use crate::graph::FlowGraph;

const CALL_EVENTS: &[&str] = &[CALL];
const MESSAGING_EVENTS: &[&str] = &[MESSAGE, CONVERSATION];
/// Executions that can carry a call: a call, the REST API (which can place one), a parent
/// flow (whatever it was started by).
const VOICE_CAPABLE_EVENTS: &[&str] = &[CALL, REQUEST, PARENT];
const NON_REST_EVENTS: &[&str] = &[CALL, MESSAGE, CONVERSATION];
/// Every trigger event but `incomingParent`: executions this flow runs on its own.
const TOP_LEVEL_EVENTS: &[&str] = &[CALL, MESSAGE, CONVERSATION, REQUEST];
const ALL_EVENTS: &[&str] = &[CALL, MESSAGE, CONVERSATION, REQUEST, PARENT];

/// Per state (indexed like `Flow::states`), whether an execution of each kind reaches it.
#[derive(Debug)]
pub struct Channels {
    /// An incoming call: a live caller is on the line.
    pub call: Vec<bool>,
    /// An incoming message or Conversations message.
    pub messaging: Vec<bool>,
    /// An execution that can carry a call: a call, the REST API, a parent flow, or any
    /// execution after an outgoing call was answered.
    pub voice: Vec<bool>,
    /// An execution not started by the REST API.
    pub non_rest: Vec<bool>,
    /// An execution this flow runs on its own, not as a subflow.
    pub top_level: Vec<bool>,
    /// Per trigger event, whether an execution it started reaches the state.
    by_event: Vec<(&'static str, Vec<bool>)>,
}

impl Channels {
    pub fn compute(flow: &Flow, graph: &FlowGraph) -> Channels {
        let from = |events: &[&str]| graph.reachable_from(trigger_targets(flow, graph, events));
        let mut voice_starts = trigger_targets(flow, graph, VOICE_CAPABLE_EVENTS);
        // An answered outgoing call makes voice widgets after it legitimate in any flow.
        voice_starts.extend(answered_calls(flow, graph));
        Channels {
            call: from(CALL_EVENTS),
            messaging: from(MESSAGING_EVENTS),
            voice: graph.reachable_from(voice_starts),
            non_rest: from(NON_REST_EVENTS),
            top_level: from(TOP_LEVEL_EVENTS),
            by_event: ALL_EVENTS.iter().map(|&e| (e, from(&[e]))).collect(),
        }
    }

    /// Per state, whether an execution that `event` started reaches it (all false for an event
    /// the trigger does not have).
    pub fn reached_by(&self, event: &str) -> &[bool] {
        self.by_event
            .iter()
            .find(|(e, _)| *e == event)
            .map_or(&[], |(_, reached)| reached.as_slice())
    }

    /// The trigger events whose executions reach `state`, in a fixed order.
    pub fn events_reaching(&self, state: usize) -> impl Iterator<Item = &'static str> + '_ {
        self.by_event
            .iter()
            .filter(move |(_, reached)| reached.get(state).copied().unwrap_or(false))
            .map(|(e, _)| *e)
    }

    /// Reached only as a subflow: an event left unconnected returns to the parent flow.
    pub fn subflow_only(&self, state: usize) -> bool {
        !self.top_level[state]
    }
}

/// The widgets the trigger's `events` lead to.
fn trigger_targets(flow: &Flow, graph: &FlowGraph, events: &[&str]) -> Vec<NodeIndex> {
    let Some(root) = graph.root else {
        return Vec::new();
    };
    flow.state(root)
        .connected()
        .filter(|(t, _)| events.contains(&t.event.as_str()))
        .filter_map(|(_, next)| graph.node(next))
        .collect()
}

/// The widgets that run once an outgoing call is answered.
fn answered_calls(flow: &Flow, graph: &FlowGraph) -> Vec<NodeIndex> {
    flow.states
        .iter()
        .filter(|s| catalog::role(&s.kind) == Role::OutgoingCall)
        .flat_map(|s| s.connected())
        .filter(|(t, _)| t.event.starts_with("answered"))
        .filter_map(|(_, next)| graph.node(next))
        .collect()
}
