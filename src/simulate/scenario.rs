//! Scenario files: what the outside world does during one execution, and what should happen.
//!
//! ```toml
//! flow = "ivr.json"                  # optional: defaults to the file name before .scenarios.toml
//! [subflows]                         # optional: run-subflow runs these (flow SID = path)
//! FW0123456789abcdef0123456789abcdef = "subflow.json"
//!
//! [[scenario]]
//! name = "caller picks sales"
//! trigger = { event = "incomingCall", from = "+15551230000" }
//! widgets.menu = { digits = "1" }              # one table: every run of `menu`
//! widgets.lookup = [{ status = 500 }, { json = { ok = true } }]   # a list: one per run
//! expect = { path = ["menu", "split", "say_sales"], end = "ended" }
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::catalog::{self, EventKind};
use crate::flow::Flow;

/// A scenario file after parsing and checking against its flow.
#[derive(Debug, Default)]
pub struct ScenarioFile {
    /// The flow, relative to the scenario file's folder.
    pub flow: Option<String>,
    /// Subflows by flow SID, relative to the scenario file's folder.
    pub subflows: BTreeMap<String, String>,
    pub scenarios: Vec<Scenario>,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// The clock `'now' | date` reads (`2024-05-01 09:30:00 -0800`); the machine's when unset.
    pub now: Option<String>,
    pub trigger: Trigger,
    /// Mocks by widget name (`sub/inner` for a widget of a subflow run by `sub`).
    pub widgets: BTreeMap<String, Mocks>,
    pub expect: Expect,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// incomingCall, incomingMessage, incomingRequest, incomingParent,
    /// incomingConversationMessage.
    pub event: String,
    /// The contact's address (`From`); `contact.channel.address`.
    pub from: Option<String>,
    /// The flow's address (`To`); `flow.channel.address`.
    pub to: Option<String>,
    /// The message text, for messages and conversations.
    pub body: Option<String>,
    /// `flow.data`: REST API parameters, or a parent flow's parameters.
    #[serde(default)]
    pub data: serde_json::Map<String, Value>,
    /// More fields of `trigger.call`, `trigger.message`, `trigger.request`…
    #[serde(default)]
    pub fields: serde_json::Map<String, Value>,
}

/// What a widget does on each run.
#[derive(Debug, Clone)]
pub struct Mocks {
    pub runs: Vec<Mock>,
    /// One table, not a list: it answers every run.
    pub repeat: bool,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Mock {
    /// Gather: the keys pressed (the `keypress` event).
    pub digits: Option<Scalar>,
    /// Gather: what the caller said (the `speech` event).
    pub speech: Option<String>,
    pub confidence: Option<f64>,
    /// Send & wait for reply: the reply's text (the `incomingMessage` event).
    pub reply: Option<String>,
    /// The widget's timeout event.
    #[serde(default)]
    pub timeout: bool,
    /// The caller hangs up while this widget runs.
    #[serde(default)]
    pub hangup: bool,
    /// The widget's failure event (`fail`, `failed`, `deliveryFailure`…).
    #[serde(default)]
    pub failed: bool,
    /// Function / HTTP request: the status code (default 200; not 2xx fails the widget).
    pub status: Option<u16>,
    /// Function / HTTP request: the response body as text.
    pub body: Option<String>,
    /// Function / HTTP request: the response body as JSON (`parsed`).
    pub json: Option<Value>,
    pub content_type: Option<String>,
    /// Any event the widget emits, by name.
    pub event: Option<String>,
    /// More outputs, readable as `widgets.<name>.<key>`.
    #[serde(default)]
    pub outputs: serde_json::Map<String, Value>,
}

/// A string, or a number or boolean written without quotes (`digits = 1`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    pub fn text(&self) -> String {
        match self {
            Scalar::Text(t) => t.clone(),
            Scalar::Integer(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// Exactly the widgets run after the trigger, in order.
    pub path: Option<Vec<String>>,
    /// Widgets run in this order, others possibly in between.
    pub visits: Option<Vec<String>>,
    pub not_visited: Vec<String>,
    /// The last widget that ran.
    pub ends_at: Option<String>,
    /// How the execution ended: ended, hangup, step-limit, repeat-limit, error.
    pub end: Option<String>,
    /// The event that ended it (an unconnected transition).
    pub end_event: Option<String>,
    pub variables: BTreeMap<String, TextMatch>,
    /// Messages sent (send-message, send-and-wait-for-reply), in order.
    pub messages: Option<Vec<TextMatch>>,
    /// Prompts said to the caller (say-play, gather), in order.
    pub said: Option<Vec<TextMatch>>,
    /// Steps, the trigger included (Studio counts it).
    pub steps: Option<u32>,
}

/// How a rendered text is compared.
#[derive(Debug, Clone)]
pub enum TextMatch {
    Exact(String),
    Contains(String),
    StartsWith(String),
    Regex(regex::Regex),
}

impl TextMatch {
    pub fn matches(&self, text: &str) -> bool {
        match self {
            TextMatch::Exact(t) => t == text,
            TextMatch::Contains(t) => text.contains(t.as_str()),
            TextMatch::StartsWith(t) => text.starts_with(t.as_str()),
            TextMatch::Regex(r) => r.is_match(text),
        }
    }
}

impl std::fmt::Display for TextMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextMatch::Exact(t) => write!(f, "{t:?}"),
            TextMatch::Contains(t) => write!(f, "text containing {t:?}"),
            TextMatch::StartsWith(t) => write!(f, "text starting with {t:?}"),
            TextMatch::Regex(r) => write!(f, "text matching /{}/", r.as_str()),
        }
    }
}

/// The end kinds `expect.end` accepts.
pub const END_KINDS: &[&str] = &["ended", "hangup", "step-limit", "repeat-limit", "error"];

pub const TRIGGER_EVENTS: &[&str] = &[
    "incomingCall",
    "incomingMessage",
    "incomingRequest",
    "incomingParent",
    "incomingConversationMessage",
];

// ---- parsing -------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    flow: Option<String>,
    #[serde(default)]
    subflows: BTreeMap<String, String>,
    #[serde(default)]
    scenario: Vec<RawScenario>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    now: Option<String>,
    trigger: Value,
    #[serde(default)]
    widgets: BTreeMap<String, Value>,
    #[serde(default)]
    expect: RawExpect,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    path: Option<Vec<String>>,
    visits: Option<Vec<String>>,
    #[serde(default)]
    not_visited: Vec<String>,
    ends_at: Option<String>,
    end: Option<String>,
    end_event: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, Value>,
    messages: Option<Vec<Value>>,
    said: Option<Vec<Value>>,
    steps: Option<u32>,
}

/// Parses a scenario file's text. Errors name the scenario and the key at fault.
pub fn parse(text: &str) -> Result<ScenarioFile, String> {
    let raw: RawFile = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
    let mut scenarios = Vec::new();
    for (index, raw) in raw.scenario.into_iter().enumerate() {
        let label = if raw.name.trim().is_empty() {
            return Err(format!("scenario {}: `name` is empty", index + 1));
        } else {
            format!("scenario {:?}", raw.name)
        };
        let scenario = convert(raw).map_err(|e| format!("{label}: {e}"))?;
        if scenarios.iter().any(|s: &Scenario| s.name == scenario.name) {
            return Err(format!("{label}: two scenarios have this name"));
        }
        scenarios.push(scenario);
    }
    Ok(ScenarioFile {
        flow: raw.flow,
        subflows: raw.subflows,
        scenarios,
    })
}

fn convert(raw: RawScenario) -> Result<Scenario, String> {
    let trigger = match raw.trigger {
        Value::String(event) => Trigger {
            event,
            ..Trigger::default()
        },
        value => serde_json::from_value(value).map_err(|e| format!("[trigger]: {e}"))?,
    };
    if !TRIGGER_EVENTS.contains(&trigger.event.as_str()) {
        return Err(format!(
            "trigger event `{}` is not one of {}",
            trigger.event,
            TRIGGER_EVENTS.join(", ")
        ));
    }
    let mut widgets = BTreeMap::new();
    for (name, value) in raw.widgets {
        let mocks = match value {
            Value::Array(items) => {
                if items.is_empty() {
                    return Err(format!("widgets.{name}: the list of runs is empty"));
                }
                let runs = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| {
                        serde_json::from_value(item)
                            .map_err(|e| format!("widgets.{name}, run {}: {e}", i + 1))
                    })
                    .collect::<Result<Vec<Mock>, _>>()?;
                Mocks {
                    runs,
                    repeat: false,
                }
            }
            value => Mocks {
                runs: vec![
                    serde_json::from_value(value).map_err(|e| format!("widgets.{name}: {e}"))?,
                ],
                repeat: true,
            },
        };
        widgets.insert(name, mocks);
    }
    let expect = convert_expect(raw.expect)?;
    if let Some(now) = &raw.now
        && !super::template::is_date_time(now)
    {
        return Err(format!(
            "now = {now:?} is not a date and time (write it as \"2024-05-01 09:30:00 -0800\")"
        ));
    }
    Ok(Scenario {
        name: raw.name,
        now: raw.now,
        trigger,
        widgets,
        expect,
    })
}

fn convert_expect(raw: RawExpect) -> Result<Expect, String> {
    if let Some(end) = &raw.end
        && !END_KINDS.contains(&end.as_str())
    {
        return Err(format!(
            "expect.end `{end}` is not one of {}",
            END_KINDS.join(", ")
        ));
    }
    let texts = |list: Option<Vec<Value>>, key: &str| -> Result<Option<Vec<TextMatch>>, String> {
        list.map(|items| {
            items
                .into_iter()
                .map(|v| text_match(v).map_err(|e| format!("expect.{key}: {e}")))
                .collect()
        })
        .transpose()
    };
    let mut variables = BTreeMap::new();
    for (key, value) in raw.variables {
        let m = text_match(value).map_err(|e| format!("expect.variables.{key}: {e}"))?;
        variables.insert(key, m);
    }
    Ok(Expect {
        path: raw.path,
        visits: raw.visits,
        not_visited: raw.not_visited,
        ends_at: raw.ends_at,
        end: raw.end,
        end_event: raw.end_event,
        variables,
        messages: texts(raw.messages, "messages")?,
        said: texts(raw.said, "said")?,
        steps: raw.steps,
    })
}

/// `"text"` (exact), a number or boolean (its text), or one of `{contains = …}`,
/// `{starts_with = …}`, `{regex = …}`.
fn text_match(value: Value) -> Result<TextMatch, String> {
    match value {
        Value::String(s) => Ok(TextMatch::Exact(s)),
        Value::Number(n) => Ok(TextMatch::Exact(n.to_string())),
        Value::Bool(b) => Ok(TextMatch::Exact(b.to_string())),
        Value::Object(map) if map.len() == 1 => {
            let (key, value) = map.into_iter().next().unwrap_or_default();
            let Value::String(text) = value else {
                return Err(format!("`{key}` needs a string"));
            };
            match key.as_str() {
                "contains" => Ok(TextMatch::Contains(text)),
                "starts_with" => Ok(TextMatch::StartsWith(text)),
                "regex" => regex::Regex::new(&text)
                    .map(TextMatch::Regex)
                    .map_err(|e| format!("the regex does not compile: {e}")),
                other => Err(format!(
                    "`{other}` is not a way to compare text (use contains, starts_with or regex)"
                )),
            }
        }
        _ => Err(
            "expected a string, or a table with one of contains, starts_with, regex".to_string(),
        ),
    }
}

// ---- checking against the flow -------------------------------------------------------------

/// Checks that every widget a scenario names exists in the flow (or, for `sub/inner`, in
/// the subflow a run-subflow widget runs), and that each mock fits its widget's type.
pub fn check(
    scenario: &Scenario,
    flow: &Flow,
    subflows_by_widget: &BTreeMap<String, &Flow>,
) -> Result<(), String> {
    let subflow_of = |widget: &str| subflows_by_widget.get(widget).copied();
    for (key, mocks) in &scenario.widgets {
        let (state_flow, name) = match key.split_once('/') {
            Some((outer, inner)) => {
                let sub = subflow_of(outer).ok_or_else(|| {
                    format!(
                        "widgets.\"{key}\": `{outer}` is not a run-subflow widget whose subflow \
                         is listed in [subflows]"
                    )
                })?;
                (sub, inner)
            }
            None => (flow, key.as_str()),
        };
        let Some(state) = state_flow.states.iter().find(|s| s.name == name) else {
            let names: Vec<&str> = state_flow.states.iter().map(|s| s.name.as_str()).collect();
            let hint = crate::suggest::closest(name, names.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "widgets.{key}: the flow has no widget `{name}`{hint}"
            ));
        };
        for (i, mock) in mocks.runs.iter().enumerate() {
            check_mock(mock, &state.kind).map_err(|e| {
                if mocks.repeat {
                    format!("widgets.{key}: {e}")
                } else {
                    format!("widgets.{key}, run {}: {e}", i + 1)
                }
            })?;
        }
    }
    let expect = &scenario.expect;
    let listed = expect
        .path
        .iter()
        .chain(expect.visits.iter())
        .flatten()
        .chain(expect.not_visited.iter())
        .chain(expect.ends_at.iter());
    for name in listed {
        let inner_ok = name.split_once('/').is_some_and(|(outer, inner)| {
            subflow_of(outer).is_some_and(|f| f.states.iter().any(|s| s.name == inner))
        });
        if !inner_ok && !flow.states.iter().any(|s| &s.name == name) {
            return Err(format!("expect: the flow has no widget `{name}`"));
        }
    }
    Ok(())
}

/// Which kind of outside answer a widget type takes.
fn check_mock(mock: &Mock, kind: &str) -> Result<(), String> {
    let spec = catalog::widget(kind);
    let mut chosen = Vec::new();
    if mock.digits.is_some() {
        chosen.push("digits");
    }
    if mock.speech.is_some() {
        chosen.push("speech");
    }
    if mock.reply.is_some() {
        chosen.push("reply");
    }
    if mock.timeout {
        chosen.push("timeout");
    }
    if mock.hangup {
        chosen.push("hangup");
    }
    if mock.failed {
        chosen.push("failed");
    }
    if mock.event.is_some() {
        chosen.push("event");
    }
    if chosen.len() > 1 {
        return Err(format!(
            "choose one outcome per run, not {}",
            chosen.join(" and ")
        ));
    }
    let gather = kind == "gather-input-on-call";
    let wait = kind == "send-and-wait-for-reply";
    let http = matches!(
        kind,
        "run-function" | "run-function-v2" | "make-http-request"
    );
    let wrong = |field: &str, wants: &str| {
        Err(format!(
            "`{field}` is for {wants}, and this widget is a {kind}"
        ))
    };
    if (mock.digits.is_some() || mock.speech.is_some() || mock.confidence.is_some()) && !gather {
        return wrong("digits/speech", "gather-input-on-call");
    }
    if mock.reply.is_some() && !wait {
        return wrong("reply", "send-and-wait-for-reply");
    }
    if (mock.status.is_some()
        || mock.body.is_some()
        || mock.json.is_some()
        || mock.content_type.is_some())
        && !http
    {
        return wrong("status/body/json", "run-function and make-http-request");
    }
    if mock.body.is_some() && mock.json.is_some() {
        return Err("give the response as `body` (text) or `json`, not both".to_string());
    }
    if kind == "set-variables" || kind == "split-based-on" || kind == "trigger" {
        return Err(format!(
            "a {kind} is worked out from the flow itself; describe the widgets whose answers it reads"
        ));
    }
    let Some(spec) = spec else {
        return Ok(());
    };
    let has_kind = |k: EventKind| {
        spec.events
            .is_none_or(|events| events.iter().any(|e| e.kind == k))
    };
    if mock.timeout && !has_kind(EventKind::Timeout) {
        return Err(format!("a {kind} has no timeout event"));
    }
    if mock.failed && !has_kind(EventKind::Failure) {
        return Err(format!("a {kind} has no failure event"));
    }
    if let Some(event) = &mock.event
        && !spec.emits(event)
    {
        let events: Vec<&str> = spec
            .events
            .unwrap_or_default()
            .iter()
            .map(|e| e.name)
            .collect();
        return Err(format!(
            "a {kind} does not emit `{event}` (it emits {})",
            events.join(", ")
        ));
    }
    Ok(())
}
