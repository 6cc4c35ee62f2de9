//! The simulator: runs a flow widget by widget as Studio would, asking the scenario what the
//! outside world does (a caller's keys, a reply, a function's response).
//!
//! Semantics, with their sources:
//! - Each widget run is a step, the trigger included; an execution ends after 1,000 steps and
//!   when the same widget runs 10 times in a row (Studio FAQ, "What limits are present within
//!   Studio?", <https://www.twilio.com/docs/studio/user-guide/studio-faq>; error codes 81000
//!   and 81001 as DESIGN.md records them). Here a widget runs 10 times in a row and the
//!   execution stops instead of running it an 11th time, as the loop rules describe it, and
//!   it stops instead of running a 1,001st step (unconfirmed: whether Studio counts the
//!   stopping run itself).
//! - An event whose transition has no `next` (or is not listed) ends the execution there.
//! - Split Based On tries its `match` transitions in order and takes the first whose
//!   conditions all hold, else `noMatch` ([`super::conditions`]). Each condition tests its
//!   own `arguments[0]` when present, else the widget's `input` (unconfirmed which one Studio
//!   reads when they disagree; the canvas writes the same text in both).
//! - Set Variables renders every value against the state before the widget ran, then sets
//!   them all (unconfirmed whether a value can read one set earlier in the same widget).
//! - Every string property of a widget is rendered as Liquid when the widget runs; a
//!   template that does not render ends the execution with an error, as Studio's 81018 does.
//! - A subflow runs as part of the same execution (shared step limit), reads its parameters
//!   as `trigger.parent.parameters.*` and `flow.data.*`, and what it sets with Set Variables
//!   comes back as `widgets.<run-subflow widget>.<key>` (DESIGN.md; partly unconfirmed).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::conditions;
use super::scenario::{Mock, Scenario};
use super::template;
use crate::catalog::{self, EventKind};
use crate::flow::{Flow, State};

/// Studio ends an execution after this many steps (error 81000).
pub const MAX_STEPS: usize = 1000;
/// Studio stops an execution when one widget runs this many times in a row (error 81001).
pub const MAX_REPEATS: usize = 10;

/// How an execution ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// An event with no next widget: the normal end.
    Ended { widget: String, event: String },
    /// The caller hung up and nothing handles it.
    Hangup { widget: String },
    /// 1,000 steps: Studio error 81000.
    StepLimit { widget: String },
    /// One widget 10 times in a row: Studio error 81001.
    RepeatLimit { widget: String },
    /// A Liquid template that does not render, a transition to no widget, a bad regex…
    Error { widget: String, message: String },
    /// The scenario did not say what the outside world does at this widget.
    Undescribed { widget: String, message: String },
}

impl End {
    /// The `expect.end` name of this kind of end.
    pub fn kind(&self) -> &'static str {
        match self {
            End::Ended { .. } => "ended",
            End::Hangup { .. } => "hangup",
            End::StepLimit { .. } => "step-limit",
            End::RepeatLimit { .. } => "repeat-limit",
            End::Error { .. } | End::Undescribed { .. } => "error",
        }
    }

    pub fn widget(&self) -> &str {
        match self {
            End::Ended { widget, .. }
            | End::Hangup { widget }
            | End::StepLimit { widget }
            | End::RepeatLimit { widget }
            | End::Error { widget, .. }
            | End::Undescribed { widget, .. } => widget,
        }
    }

    /// Whether a scenario that does not name the end still passes with it.
    pub fn is_normal(&self) -> bool {
        matches!(self, End::Ended { .. } | End::Hangup { .. })
    }

    pub fn describe(&self) -> String {
        match self {
            End::Ended { widget, event } => {
                format!("ended: `{event}` of `{widget}` leads nowhere")
            }
            End::Hangup { widget } => format!("the caller hung up at `{widget}`"),
            End::StepLimit { widget } => format!(
                "Studio error 81000: the execution reached its limit of {MAX_STEPS} steps \
                 (stopped before `{widget}`)"
            ),
            End::RepeatLimit { widget } => format!(
                "Studio error 81001: `{widget}` ran {MAX_REPEATS} times in a row, and Studio \
                 stops the execution"
            ),
            End::Error { widget, message } => format!("error at `{widget}`: {message}"),
            End::Undescribed { message, .. } => message.clone(),
        }
    }
}

/// One widget run.
#[derive(Debug, Clone)]
pub struct Step {
    /// The widget's name; `sub/inner` for a widget of a subflow run by `sub`.
    pub widget: String,
    /// The event it emitted (none when the run stopped inside the widget).
    pub event: Option<String>,
}

/// Everything one run of a scenario produced.
#[derive(Debug, Clone)]
pub struct Execution {
    /// Every widget run, the trigger first.
    pub steps: Vec<Step>,
    pub end: End,
    /// Rendered bodies of the messages sent, in order.
    pub messages: Vec<String>,
    /// Rendered prompts said to the caller, in order.
    pub said: Vec<String>,
    /// The main flow's `flow.variables` at the end.
    pub variables: Map<String, Value>,
    /// How many runs of each described widget were used.
    pub mock_runs: BTreeMap<String, usize>,
    /// Main-flow states that ran, by index.
    pub covered_states: BTreeSet<usize>,
    /// Main-flow transitions taken (state index, transition index), ending ones included.
    pub covered_transitions: BTreeSet<(usize, usize)>,
}

impl Execution {
    /// The widgets run after the trigger.
    pub fn path(&self) -> Vec<&str> {
        self.steps
            .iter()
            .skip(1)
            .map(|s| s.widget.as_str())
            .collect()
    }
}

/// [`run`], with a panic in a dependency (the Liquid engine, the regex engine) turned into
/// an error end instead of taking the whole test run down.
pub fn run_guarded(
    flow: &Flow,
    scenario: &Scenario,
    subflows: &BTreeMap<String, Flow>,
) -> Execution {
    let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run(flow, scenario, subflows)
    }));
    attempt.unwrap_or_else(|_| Execution {
        steps: Vec::new(),
        end: End::Error {
            widget: "Trigger".to_string(),
            message: "internal error: the simulator panicked (please report this flow and \
                      scenario)"
                .to_string(),
        },
        messages: Vec::new(),
        said: Vec::new(),
        variables: Map::new(),
        mock_runs: BTreeMap::new(),
        covered_states: BTreeSet::new(),
        covered_transitions: BTreeSet::new(),
    })
}

/// Runs one scenario. `subflows` maps flow SIDs to the flows run-subflow can run.
pub fn run(flow: &Flow, scenario: &Scenario, subflows: &BTreeMap<String, Flow>) -> Execution {
    template::with_clock(scenario.now.as_deref(), || {
        run_unclocked(flow, scenario, subflows)
    })
}

fn run_unclocked(flow: &Flow, scenario: &Scenario, subflows: &BTreeMap<String, Flow>) -> Execution {
    let mut sim = Simulator {
        scenario,
        subflows,
        steps: Vec::new(),
        messages: Vec::new(),
        said: Vec::new(),
        mock_runs: BTreeMap::new(),
        streak: (String::new(), 0),
        covered_states: BTreeSet::new(),
        covered_transitions: BTreeSet::new(),
    };
    let context = initial_context(scenario);
    let mut frame = Frame {
        flow,
        prefix: String::new(),
        context,
        main: true,
    };
    let end = sim.run_frame(&mut frame, &scenario.trigger.event);
    let variables = frame.context["flow"]["variables"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    Execution {
        steps: sim.steps,
        end,
        messages: sim.messages,
        said: sim.said,
        variables,
        mock_runs: sim.mock_runs,
        covered_states: sim.covered_states,
        covered_transitions: sim.covered_transitions,
    }
}

struct Simulator<'a> {
    scenario: &'a Scenario,
    subflows: &'a BTreeMap<String, Flow>,
    steps: Vec<Step>,
    messages: Vec<String>,
    said: Vec<String>,
    mock_runs: BTreeMap<String, usize>,
    /// The widget that ran last and how many times in a row.
    streak: (String, usize),
    covered_states: BTreeSet<usize>,
    covered_transitions: BTreeSet<(usize, usize)>,
}

/// One flow being run: the main flow, or a subflow inside it.
struct Frame<'f> {
    flow: &'f Flow,
    /// "" for the main flow, "<run-subflow widget>/" inside a subflow.
    prefix: String,
    /// `{trigger, flow: {data, variables, channel, sid, flow_sid}, widgets, contact}`.
    context: Value,
    main: bool,
}

/// What a widget did: the event it emitted, and for a split the transition it chose.
struct Exit {
    event: String,
    transition: Option<usize>,
    outputs: Option<Value>,
}

impl Exit {
    fn event(event: &str) -> Exit {
        Exit {
            event: event.to_string(),
            transition: None,
            outputs: None,
        }
    }

    fn with(event: &str, outputs: Value) -> Exit {
        Exit {
            outputs: Some(outputs),
            ..Exit::event(event)
        }
    }
}

impl<'a> Simulator<'a> {
    fn run_frame(&mut self, frame: &mut Frame<'_>, trigger_event: &str) -> End {
        let flow = frame.flow;
        let start = flow
            .initial_state
            .as_deref()
            .and_then(|name| flow.states.iter().position(|s| s.name == name))
            .or_else(|| flow.states.iter().position(|s| s.kind == "trigger"));
        let Some(mut index) = start else {
            return End::Error {
                widget: format!("{}Trigger", frame.prefix),
                message: "the flow has no trigger (initial_state names no widget)".to_string(),
            };
        };
        let mut at_trigger = true;
        // Bounded: every pass records a step, and steps stop at MAX_STEPS.
        loop {
            let state = &flow.states[index];
            let display = format!("{}{}", frame.prefix, state.name);
            if self.steps.len() >= MAX_STEPS {
                return End::StepLimit { widget: display };
            }
            if self.streak.0 == display && self.streak.1 >= MAX_REPEATS {
                return End::RepeatLimit { widget: display };
            }
            if self.streak.0 == display {
                self.streak.1 += 1;
            } else {
                self.streak = (display.clone(), 1);
            }
            self.steps.push(Step {
                widget: display.clone(),
                event: None,
            });
            if frame.main {
                self.covered_states.insert(index);
            }
            let exit = if std::mem::take(&mut at_trigger) {
                Ok(Exit::event(trigger_event))
            } else {
                self.run_widget(frame, state, &display)
            };
            let exit = match exit {
                Ok(exit) => exit,
                Err(end) => return end,
            };
            if let Some(outputs) = exit.outputs {
                frame.context["widgets"][state.name.as_str()] = outputs;
            }
            if let Some(step) = self.steps.last_mut() {
                step.event = Some(exit.event.clone());
            }
            let chosen = exit
                .transition
                .or_else(|| state.transitions.iter().position(|t| t.event == exit.event));
            if let (Some(t), true) = (chosen, frame.main) {
                self.covered_transitions.insert((index, t));
            }
            let next = chosen.and_then(|t| state.transitions[t].next.as_deref());
            let Some(next) = next else {
                if exit.event == "hangup" {
                    return End::Hangup { widget: display };
                }
                return End::Ended {
                    widget: display,
                    event: exit.event,
                };
            };
            match flow.states.iter().position(|s| s.name == next) {
                Some(i) => index = i,
                None => {
                    return End::Error {
                        widget: display,
                        message: format!(
                            "`{}` leads to `{next}`, and the flow has no widget of that name",
                            exit.event
                        ),
                    };
                }
            }
        }
    }

    fn run_widget(
        &mut self,
        frame: &mut Frame<'_>,
        state: &State,
        display: &str,
    ) -> Result<Exit, End> {
        let ctx = template::context(&frame.context);
        let props = render_properties(frame.flow, state, &ctx).map_err(|message| End::Error {
            widget: display.to_string(),
            message,
        })?;
        let text = |key: &str| props.get(key).map(value_text).unwrap_or_default();
        match state.kind.as_str() {
            "trigger" => Err(End::Error {
                widget: display.to_string(),
                message: "a transition leads back to the trigger".to_string(),
            }),
            "split-based-on" => {
                split(frame.flow, state, &text("input"), &ctx).map_err(|message| End::Error {
                    widget: display.to_string(),
                    message,
                })
            }
            "set-variables" => {
                let variables = props.get("variables").and_then(Value::as_array);
                for item in variables.into_iter().flatten() {
                    let Some(key) = item.get("key").map(value_text) else {
                        continue;
                    };
                    let value = item.get("value").map(value_text).unwrap_or_default();
                    frame.context["flow"]["variables"][key.as_str()] = Value::String(value);
                }
                Ok(Exit::event("next"))
            }
            "say-play" => {
                self.say(&text("say"));
                let mock = self.mock(frame, state, display)?;
                self.outcome(state, display, mock, Some("audioComplete"), None)
            }
            "gather-input-on-call" => {
                self.say(&text("say"));
                let mock = self.mock(frame, state, display)?;
                if let Some(m) = mock {
                    if let Some(digits) = &m.digits {
                        return Ok(Exit::with(
                            "keypress",
                            merge(json!({"Digits": digits.text()}), &m.outputs),
                        ));
                    }
                    if let Some(speech) = &m.speech {
                        let confidence = m.confidence.unwrap_or(0.9);
                        return Ok(Exit::with(
                            "speech",
                            merge(
                                json!({"SpeechResult": speech, "Confidence": confidence.to_string()}),
                                &m.outputs,
                            ),
                        ));
                    }
                }
                self.outcome(state, display, mock, None, None)
            }
            "send-message" => {
                self.messages.push(text("body"));
                let mock = self.mock(frame, state, display)?;
                self.outcome(state, display, mock, Some("sent"), None)
            }
            "send-and-wait-for-reply" => {
                let body = text("body");
                self.messages.push(body.clone());
                let mock = self.mock(frame, state, display)?;
                let contact = frame.context["contact"]["channel"]["address"].clone();
                let address = frame.context["flow"]["channel"]["address"].clone();
                let outbound = json!({"Body": body, "To": contact, "From": address});
                if let Some(reply) = mock.and_then(|m| m.reply.as_ref()) {
                    let inbound = json!({"Body": reply, "From": contact, "To": address});
                    let outputs = json!({"inbound": inbound, "outbound": outbound});
                    return Ok(Exit::with(
                        "incomingMessage",
                        merge(
                            outputs,
                            &mock.map(|m| m.outputs.clone()).unwrap_or_default(),
                        ),
                    ));
                }
                self.outcome(
                    state,
                    display,
                    mock,
                    None,
                    Some(json!({"outbound": outbound})),
                )
            }
            "run-function" | "run-function-v2" | "make-http-request" => {
                let mock = self.mock(frame, state, display)?;
                match mock {
                    Some(m) if !(m.failed || m.timeout || m.hangup || m.event.is_some()) => {
                        Ok(http_exit(state, m))
                    }
                    _ => self.outcome(state, display, mock, None, None),
                }
            }
            "fork-stream" => {
                let mock = self.mock(frame, state, display)?;
                self.outcome(state, display, mock, Some("next"), None)
            }
            "record-call" => {
                let mock = self.mock(frame, state, display)?;
                self.outcome(state, display, mock, Some("success"), None)
            }
            "run-subflow" => self.subflow(frame, state, display, &props),
            kind if catalog::widget(kind).is_none() && state.transitions.is_empty() => {
                Err(End::Error {
                    widget: display.to_string(),
                    message: format!(
                        "`{kind}` is not a Studio widget type, and nothing leads out of it"
                    ),
                })
            }
            _ => {
                let mock = self.mock(frame, state, display)?;
                self.outcome(state, display, mock, None, None)
            }
        }
    }

    fn say(&mut self, text: &str) {
        if !text.is_empty() {
            self.said.push(text.to_string());
        }
    }

    /// The mock for this run of the widget, if the scenario describes the widget.
    fn mock(
        &mut self,
        frame: &Frame<'_>,
        state: &State,
        display: &str,
    ) -> Result<Option<&'a Mock>, End> {
        let key = format!("{}{}", frame.prefix, state.name);
        let Some(mocks) = self.scenario.widgets.get(&key) else {
            return Ok(None);
        };
        let used = self.mock_runs.entry(key.clone()).or_insert(0);
        *used += 1;
        if mocks.repeat {
            return Ok(mocks.runs.first());
        }
        match mocks.runs.get(*used - 1) {
            Some(m) => Ok(Some(m)),
            None => Err(End::Undescribed {
                widget: display.to_string(),
                message: format!(
                    "`{display}` runs a {} time, and the scenario describes {} run{}: add an \
                     entry to widgets.{} (or make it a single table to answer every run)",
                    ordinal(*used),
                    mocks.runs.len(),
                    if mocks.runs.len() == 1 { "" } else { "s" },
                    quote_key(&key)
                ),
            }),
        }
    }

    /// The event a mock chooses, or the widget's default, or a request to describe it.
    fn outcome(
        &self,
        state: &State,
        display: &str,
        mock: Option<&Mock>,
        default: Option<&str>,
        base_outputs: Option<Value>,
    ) -> Result<Exit, End> {
        let spec = catalog::widget(&state.kind);
        let by_kind = |kind: EventKind| {
            spec.and_then(|s| s.events)
                .and_then(|events| events.iter().find(|e| e.kind == kind))
                .map(|e| e.name.to_string())
        };
        let extra = mock.map(|m| m.outputs.clone()).unwrap_or_default();
        let outputs = match (base_outputs, extra.is_empty()) {
            (Some(base), _) => Some(merge(base, &extra)),
            (None, false) => Some(Value::Object(extra)),
            (None, true) => None,
        };
        let event = match mock {
            Some(m) if m.hangup => Some("hangup".to_string()),
            Some(m) if m.timeout => by_kind(EventKind::Timeout).or(Some("timeout".to_string())),
            Some(m) if m.failed => by_kind(EventKind::Failure).or(Some("failed".to_string())),
            Some(m) if m.event.is_some() => m.event.clone(),
            _ => default.map(str::to_string),
        };
        match event {
            Some(event) => Ok(Exit {
                event,
                transition: None,
                outputs,
            }),
            None => Err(End::Undescribed {
                widget: display.to_string(),
                message: undescribed(state, display),
            }),
        }
    }

    fn subflow(
        &mut self,
        frame: &mut Frame<'_>,
        state: &State,
        display: &str,
        props: &Map<String, Value>,
    ) -> Result<Exit, End> {
        let sid = props.get("flow_sid").map(value_text).unwrap_or_default();
        let Some(subflow) = self.subflows.get(&sid) else {
            let mock = self.mock(frame, state, display)?;
            return self.outcome(state, display, mock, None, None);
        };
        if !frame.main {
            return Err(End::Error {
                widget: display.to_string(),
                message: "a subflow may not run another subflow (Studio error 81024)".to_string(),
            });
        }
        let mut parameters = Map::new();
        for item in props
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(key) = item.get("key").map(value_text) {
                let value = item.get("value").map(value_text).unwrap_or_default();
                parameters.insert(key, Value::String(value));
            }
        }
        let mut context = frame.context.clone();
        context["trigger"] = json!({"parent": {"parameters": parameters.clone()}});
        context["flow"]["data"] = Value::Object(parameters);
        context["flow"]["variables"] = json!({});
        context["widgets"] = json!({});
        let mut inner = Frame {
            flow: subflow,
            prefix: format!("{display}/"),
            context,
            main: false,
        };
        let end = self.run_frame(&mut inner, "incomingParent");
        match end {
            End::Ended { .. } => {
                let variables = inner.context["flow"]["variables"].clone();
                Ok(Exit::with("completed", variables))
            }
            End::Error { .. } => Ok(Exit::event("failed")),
            other => Err(other),
        }
    }
}

/// The outputs of a function or HTTP request, and `success` or the failure event.
fn http_exit(state: &State, mock: &Mock) -> Exit {
    let status = mock.status.unwrap_or(200);
    let (body, parsed) = match (&mock.json, &mock.body) {
        (Some(json), _) => (json.to_string(), Some(json.clone())),
        (None, Some(text)) => (text.clone(), serde_json::from_str::<Value>(text).ok()),
        (None, None) => (String::new(), None),
    };
    let content_type = mock.content_type.clone().unwrap_or_else(|| {
        if parsed.is_some() {
            "application/json".to_string()
        } else {
            "text/plain".to_string()
        }
    });
    let mut outputs = json!({"status_code": status, "body": body, "content_type": content_type});
    if let Some(parsed) = parsed {
        outputs["parsed"] = parsed;
    }
    let failure = if state.kind == "make-http-request" {
        "failed"
    } else {
        "fail"
    };
    let event = if (200..300).contains(&status) {
        "success"
    } else {
        failure
    };
    Exit::with(event, merge(outputs, &mock.outputs))
}

/// Which `match` transition a split takes, or `noMatch`.
fn split(
    flow: &Flow,
    state: &State,
    input: &str,
    ctx: &liquid_core::Object,
) -> Result<Exit, String> {
    for (index, transition) in state.transitions.iter().enumerate() {
        if transition.event != "match" {
            continue;
        }
        let conditions = flow.conditions(transition);
        if conditions.is_empty() {
            continue;
        }
        let mut all = true;
        for condition in conditions {
            let condition = condition.to_value();
            let operator = condition.get("type").and_then(Value::as_str).unwrap_or("");
            let subject = match condition
                .get("arguments")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
            {
                Some(argument) => template::render(&value_text(argument), ctx)?,
                None => input.to_string(),
            };
            let value = if conditions::takes_value(operator) {
                let raw = condition.get("value").map(value_text).unwrap_or_default();
                template::render(&raw, ctx)?
            } else {
                String::new()
            };
            if !conditions::evaluate(operator, &subject, &value)? {
                all = false;
                break;
            }
        }
        if all {
            return Ok(Exit {
                event: "match".to_string(),
                transition: Some(index),
                outputs: None,
            });
        }
    }
    Ok(Exit::event("noMatch"))
}

/// The widget's properties with every string rendered as Liquid.
fn render_properties(
    flow: &Flow,
    state: &State,
    ctx: &liquid_core::Object,
) -> Result<Map<String, Value>, String> {
    let Some(Value::Object(props)) = flow.properties(state).map(|p| p.to_value()) else {
        return Ok(Map::new());
    };
    let mut out = Map::new();
    for (key, value) in &props {
        if key == "offset" {
            continue;
        }
        let rendered = render_value(value, ctx, 0).map_err(|e| format!("property `{key}`: {e}"))?;
        out.insert(key.clone(), rendered);
    }
    Ok(out)
}

fn render_value(value: &Value, ctx: &liquid_core::Object, depth: usize) -> Result<Value, String> {
    if depth > 32 {
        return Ok(value.clone());
    }
    Ok(match value {
        Value::String(text) => Value::String(template::render(text, ctx)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_value(v, ctx, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), render_value(v, ctx, depth + 1)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// A JSON value as the text Studio would use: strings as they are, others as JSON.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn merge(mut base: Value, extra: &Map<String, Value>) -> Value {
    if let Value::Object(map) = &mut base {
        for (k, v) in extra {
            map.insert(k.clone(), v.clone());
        }
    }
    base
}

/// The context an execution starts with: `trigger`, `flow`, `widgets`, `contact`.
fn initial_context(scenario: &Scenario) -> Value {
    let t = &scenario.trigger;
    let from = t.from.clone().unwrap_or_else(|| "+15005550006".to_string());
    let to = t.to.clone().unwrap_or_else(|| "+15005550001".to_string());
    let body = t.body.clone().unwrap_or_default();
    let data = Value::Object(t.data.clone());
    let mut trigger = match t.event.as_str() {
        "incomingCall" => json!({"call": {
            "From": from, "To": to, "Caller": from, "Called": to,
            "CallSid": "CA00000000000000000000000000000000",
            "AccountSid": "AC00000000000000000000000000000000",
            "Direction": "inbound", "CallStatus": "ringing",
        }}),
        "incomingMessage" => json!({"message": {
            "From": from, "To": to, "Body": body,
            "MessageSid": "SM00000000000000000000000000000000",
            "AccountSid": "AC00000000000000000000000000000000",
        }}),
        "incomingConversationMessage" => json!({"conversation": {
            "Author": from, "From": from, "Body": body,
            "ConversationSid": "CH00000000000000000000000000000000",
            "AccountSid": "AC00000000000000000000000000000000",
        }}),
        "incomingRequest" => json!({"request": {"from": from, "to": to, "parameters": data}}),
        _ => json!({"parent": {"parameters": data}}),
    };
    if let Some(Value::Object(inner)) = trigger.as_object_mut().and_then(|m| m.values_mut().next())
    {
        for (k, v) in &t.fields {
            inner.insert(k.clone(), v.clone());
        }
    }
    json!({
        "trigger": trigger,
        "flow": {
            "data": data,
            "variables": {},
            "channel": {"address": to},
            "sid": "FN00000000000000000000000000000000",
            "flow_sid": "FW00000000000000000000000000000000",
        },
        "widgets": {},
        "contact": {"channel": {"address": from}},
    })
}

/// What to add to the scenario for a widget it did not describe.
fn undescribed(state: &State, display: &str) -> String {
    let key = quote_key(display);
    let add = match state.kind.as_str() {
        "gather-input-on-call" => format!(
            "widgets.{key} = {{ digits = \"1\" }} (or speech = \"…\", timeout = true, hangup = true)"
        ),
        "send-and-wait-for-reply" => {
            format!("widgets.{key} = {{ reply = \"…\" }} (or timeout = true, failed = true)")
        }
        "run-function" | "run-function-v2" | "make-http-request" => format!(
            "widgets.{key} = {{ status = 200, json = {{ … }} }} (or body = \"…\", failed = true)"
        ),
        _ => {
            let events: Vec<&str> = catalog::widget(&state.kind)
                .and_then(|s| s.events)
                .map(|events| events.iter().map(|e| e.name).collect())
                .unwrap_or_else(|| state.transitions.iter().map(|t| t.event.as_str()).collect());
            let first = events.first().copied().unwrap_or("…");
            format!(
                "widgets.{key} = {{ event = \"{first}\" }} (events: {})",
                events.join(", ")
            )
        }
    };
    format!(
        "the scenario does not say what happens at `{display}` ({}): add {add}",
        state.kind
    )
}

/// A TOML key, quoted when it is not a bare key.
pub fn quote_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::scenario;

    fn flow(states: Value) -> Flow {
        let text = json!({"initial_state": "Trigger", "states": states}).to_string();
        crate::flow::load_text("t.json".into(), text).flow.unwrap()
    }

    fn run_toml(flow: &Flow, toml: &str) -> Execution {
        let file = scenario::parse(toml).unwrap();
        run(flow, &file.scenarios[0], &BTreeMap::new())
    }

    fn trigger(next: &str) -> Value {
        json!({"name": "Trigger", "type": "trigger", "transitions": [
            {"event": "incomingMessage", "next": next}]})
    }

    #[test]
    fn a_condition_tests_its_own_argument_before_the_input() {
        let f = flow(json!([
            trigger("s"),
            {"name": "s", "type": "split-based-on", "properties": {"input": "no"},
             "transitions": [{"event": "noMatch"},
                             {"event": "match", "next": "yes", "conditions": [
                                 {"type": "equal_to", "arguments": ["{{trigger.message.Body}}"], "value": "yes"}]}]},
            {"name": "yes", "type": "set-variables", "properties": {}, "transitions": [{"event": "next"}]},
        ]));
        let run = run_toml(
            &f,
            "[[scenario]]\nname = \"x\"\ntrigger = { event = \"incomingMessage\", body = \"YES\" }",
        );
        assert_eq!(run.path(), ["s", "yes"]);
    }

    #[test]
    fn set_variables_renders_against_the_state_before_it() {
        let f = flow(json!([
            trigger("v"),
            {"name": "v", "type": "set-variables", "properties": {"variables": [
                {"key": "a", "value": "1"}, {"key": "b", "value": "[{{flow.variables.a}}]"}]},
             "transitions": [{"event": "next"}]},
        ]));
        let run = run_toml(
            &f,
            "[[scenario]]\nname = \"x\"\ntrigger = \"incomingMessage\"",
        );
        assert_eq!(run.variables["a"], "1");
        assert_eq!(run.variables["b"], "[]");
    }

    #[test]
    fn a_transition_to_a_missing_widget_is_an_error() {
        let f = flow(json!([trigger("ghost")]));
        let run = run_toml(
            &f,
            "[[scenario]]\nname = \"x\"\ntrigger = \"incomingMessage\"",
        );
        assert_eq!(run.end.kind(), "error");
        assert!(
            run.end.describe().contains("`ghost`"),
            "{}",
            run.end.describe()
        );
    }

    #[test]
    fn an_event_the_trigger_does_not_list_ends_at_once() {
        let f = flow(json!([trigger("ghost")]));
        let run = run_toml(&f, "[[scenario]]\nname = \"x\"\ntrigger = \"incomingCall\"");
        assert_eq!(
            run.end,
            End::Ended {
                widget: "Trigger".into(),
                event: "incomingCall".into()
            }
        );
        assert_eq!(run.steps.len(), 1);
    }

    #[test]
    fn the_same_widget_runs_ten_times_in_a_row_then_stops() {
        let f = flow(json!([
            trigger("f"),
            {"name": "f", "type": "run-function", "properties": {},
             "transitions": [{"event": "success", "next": "f"}, {"event": "fail"}]},
        ]));
        let run = run_toml(
            &f,
            "[[scenario]]\nname = \"x\"\ntrigger = \"incomingMessage\"\nwidgets.f = {}",
        );
        assert_eq!(run.end, End::RepeatLimit { widget: "f".into() });
        assert_eq!(run.steps.len(), 1 + MAX_REPEATS);
    }
}
