//! The effective Studio JSON Schemas (`rules/schemas/effective/`: the official schemas with
//! documented patches), embedded in the binary and compiled once per process, offline.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Draft, Registry, Resource, Validator};
use serde_json::Value;

use crate::flow::StateId;
use crate::flow::json::escape_pointer_token;

mod instance;
pub use instance::{FlowJson, Instance};

/// The URI prefix of every Studio schema `$id`.
pub const ID_PREFIX: &str = "https://schemas.twilio.com/studio/draft/2019-09/";

macro_rules! effective {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../rules/schemas/effective/", $name, ".json")))),*]
    };
}

/// Widget type → effective schema text.
static WIDGET_SCHEMAS: &[(&str, &str)] = effective!(
    "add-twiml-redirect",
    "capture-payments",
    "connect-call-to",
    "connect-virtual-agent-v2",
    "enqueue-call",
    "fork-stream",
    "gather-input-on-call",
    "look-up-profile",
    "make-http-request",
    "make-outgoing-call-v1",
    "make-outgoing-call-v2",
    "record-call",
    "record-voicemail",
    "run-function",
    "say-play",
    "send-and-wait-for-reply",
    "send-message",
    "send-to-auto-pilot",
    "send-to-flex",
    "set-variables",
    "split-based-on",
    "trigger",
);

static FLOW_SCHEMA: &str = include_str!("../rules/schemas/effective/flow-definition.json");
static COMMONS: &str = include_str!("../rules/schemas/commons.json");

/// A compiled schema and what messages need from it.
pub struct WidgetSchema {
    pub validator: Validator<FlowJson>,
    /// The schema's `title`, e.g. "Send To Flex", for messages.
    pub title: String,
    /// The schema document, to look up limits and enums for messages.
    pub document: Value,
}

pub struct SchemaSet {
    /// Each widget's schema, compiled the first time a flow uses the widget: a run over one
    /// flow pays only for the widgets it has. Looked up once per state, so hashed with
    /// foldhash rather than SipHash.
    widgets: foldhash::HashMap<&'static str, (&'static str, OnceLock<WidgetSchema>)>,
    /// The flow definition's own shape; each state is checked by its widget schema instead.
    pub flow: Validator<FlowJson>,
}

/// The compiled schemas. Built on first use; a schema that does not compile is a bug in the
/// vendored files, which the tests catch, so it is reported and skipped rather than fatal.
pub fn schemas() -> &'static SchemaSet {
    static SET: OnceLock<SchemaSet> = OnceLock::new();
    SET.get_or_init(compile)
}

/// Compiles every schema before a flow asks for one: run on a core that would otherwise sit
/// idle, it takes the compiler off the first flow's path.
pub fn compile_all() {
    let set = schemas();
    for kind in widget_types() {
        set.widget(kind);
    }
}

/// The widget types that have a schema.
pub fn widget_types() -> impl Iterator<Item = &'static str> {
    WIDGET_SCHEMAS.iter().map(|(name, _)| *name)
}

fn parse(name: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("embedded schema {name} is not JSON: {e}"))
}

fn registry() -> &'static Registry<'static> {
    static REGISTRY: OnceLock<Registry<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        // Widget schemas refer only to commons (and to themselves). The flow definition
        // refers to every widget, but only from `states/items`, which is cut before it is
        // compiled (see `compile`). Registering nothing else saves parsing every widget
        // schema on each run.
        let documents = [("commons", COMMONS)]
            .into_iter()
            .map(|(name, text)| parse(name, text));
        let resources: Vec<(String, Resource)> = documents
            .map(|doc| {
                let id = doc["$id"].as_str().unwrap_or_default().to_string();
                (id, Resource::from_contents(doc))
            })
            .collect();
        Registry::new()
            .draft(Draft::Draft7)
            .extend(resources)
            .and_then(|builder| builder.prepare())
            .unwrap_or_else(|e| panic!("the embedded schemas do not form a registry: {e}"))
    })
}

fn build(document: &Value) -> Validator<FlowJson> {
    jsonschema::options_for::<FlowJson>()
        .with_draft(Draft::Draft7)
        .with_registry(registry())
        .build(document)
        .unwrap_or_else(|e| panic!("an embedded schema does not compile: {e}"))
}

impl SchemaSet {
    /// The schema of a widget type, `None` for a type without one.
    pub fn widget(&self, kind: &str) -> Option<&WidgetSchema> {
        let (text, schema) = self.widgets.get(kind)?;
        Some(schema.get_or_init(|| compile_widget(kind, text)))
    }
}

fn compile_widget(name: &str, text: &str) -> WidgetSchema {
    let document = parse(name, text);
    let title = document["title"].as_str().unwrap_or(name).to_string();
    WidgetSchema {
        validator: build(&without_transition_events(name, &document)),
        title,
        document,
    }
}

fn compile() -> SchemaSet {
    let widgets = WIDGET_SCHEMAS
        .iter()
        .map(|(name, text)| (*name, (*text, OnceLock::new())))
        .collect();
    let mut flow = parse("flow-definition", FLOW_SCHEMA);
    // States are validated one by one against their widget's schema, with messages that
    // name the widget; the flow-level check keeps only the definition's own shape.
    if let Some(states) = flow
        .pointer_mut("/properties/states")
        .and_then(Value::as_object_mut)
    {
        states.remove("items");
    }
    SchemaSet {
        widgets,
        flow: build(&flow),
    }
}

/// The schema a state is validated with: the widget's own, minus what the transitions'
/// items say. Their events are `unknown-event`'s business and their errors are dropped
/// anyway (see `keeps_state_path`), and matching every transition against an `anyOf` of
/// event schemas is most of the cost of validating a widget. A split keeps them: its
/// conditions are checked here. `transitions` stays required.
fn without_transition_events(name: &str, document: &Value) -> Value {
    let mut schema = document.clone();
    let properties = schema.get_mut("properties").and_then(Value::as_object_mut);
    let is_split = crate::catalog::role(name) == crate::catalog::Role::Split;
    if let Some(properties) = properties.filter(|_| !is_split) {
        properties.remove("transitions");
    }
    schema
}

/// `rules/schemas/effective/<name>.json#<pointer>` for an absolute schema location.
pub fn schema_file_location(uri: &str) -> String {
    let (base, fragment) = uri.split_once('#').unwrap_or((uri, ""));
    let name = base.strip_prefix(ID_PREFIX).unwrap_or(base);
    let name = name.strip_prefix("2/").unwrap_or(name);
    let file = if name == "commons" {
        "rules/schemas/commons.json".to_string()
    } else {
        format!("rules/schemas/effective/{name}.json")
    };
    if fragment.is_empty() {
        file
    } else {
        format!("{file}#{fragment}")
    }
}

/// Transitions are checked by the structural rules; only split conditions are left here.
fn keeps_state_path(path: &str) -> bool {
    !path.starts_with("/transitions") || path.contains("/conditions")
}

/// One offending property: the failing keywords on it, most telling first.
#[derive(Debug, Default)]
pub struct Violation {
    /// The state, or `None` for the flow definition itself.
    pub state: Option<StateId>,
    /// Pointer to the property, relative to the state (or the definition). For a missing
    /// property, where it would be.
    pub pointer: String,
    /// Failing keyword, offending value (a summary: see [`Instance`]'s `lazy_value`), and
    /// schema location (`rules/schemas/…#…`).
    pub errors: Vec<(ValidationErrorKind, Value, String)>,
    /// For a missing property: its name.
    pub missing: Option<String>,
}

/// Every schema violation of a flow: the definition's own shape first, then each state
/// whose type has a schema, in file order. The validator reads the parsed flow in place
/// (see [`Instance`]), so no part of it is copied.
pub fn violations(flow: &crate::flow::Flow) -> Vec<Violation> {
    let set = schemas();
    let mut found = Vec::new();
    // Only the length of `states` is read (its schema keeps `type`, `minItems` and
    // `maxItems`: see `compile`), and outside a split not even that of `transitions` (see
    // `without_transition_events`).
    if let Some(definition) = flow.node(&flow.base) {
        found.extend(collect(&set.flow, Instance::Value(definition), None, |p| {
            !p.starts_with("/states/")
        }));
    }
    for state in &flow.states {
        let (Some(widget), Some(node)) = (set.widget(&state.kind), flow.value(&state.location()))
        else {
            continue;
        };
        found.extend(collect(
            &widget.validator,
            Instance::Value(node),
            Some(state.id),
            keeps_state_path,
        ));
    }
    found
}

impl Violation {
    /// A state's `name` or `type` missing or not a string: `malformed-flow`'s finding. An
    /// empty string is still this rule's.
    pub fn is_unreadable_name_or_type(&self) -> bool {
        matches!(self.pointer.as_str(), "/name" | "/type")
            && self.errors.iter().all(|(kind, ..)| {
                matches!(
                    kind,
                    ValidationErrorKind::Type { .. } | ValidationErrorKind::Required { .. }
                )
            })
    }
}

/// Groups the validator's errors by property. Missing properties are keyed by the pointer
/// they would have, so `required` and a type error never merge by accident.
fn collect(
    validator: &Validator<FlowJson>,
    instance: Instance,
    state: Option<StateId>,
    keep: impl Fn(&str) -> bool,
) -> Vec<Violation> {
    let mut problems: BTreeMap<String, Violation> = BTreeMap::new();
    // Most widgets are valid, and answering yes/no is much cheaper than collecting errors.
    if validator.is_valid(instance) {
        return Vec::new();
    }
    for error in validator.iter_errors(instance) {
        let parts = error.into_parts();
        let path = parts.instance_path.as_str().to_string();
        if !keep(&path) || is_exempt(&parts.kind, &parts.instance) {
            continue;
        }
        let location = parts
            .absolute_keyword_location
            .map(|uri| schema_file_location(uri.as_str()))
            .unwrap_or_else(|| parts.schema_path.as_str().to_string());
        let (key, missing) = match &parts.kind {
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default().to_string();
                (
                    format!("{path}/{}", escape_pointer_token(&name)),
                    Some(name),
                )
            }
            _ => (path.clone(), None),
        };
        let problem = problems.entry(key.clone()).or_insert_with(|| Violation {
            state,
            pointer: key,
            ..Violation::default()
        });
        problem.missing = problem.missing.take().or(missing);
        problem
            .errors
            .push((parts.kind, parts.instance.into_owned(), location));
    }
    problems
        .into_values()
        .map(|mut problem| {
            problem.errors.sort_by_key(|(kind, ..)| rank(kind));
            problem
        })
        .collect()
}

/// Whether an error is about a shape Studio itself writes, which is never reported.
///
/// A string holding Liquid or a `${…}` deployment placeholder stands for a value only known
/// later: it may satisfy a type, enum, pattern or range once rendered, so those keywords do
/// not apply to it. A string that holds a number is what Studio's inspector writes for every
/// number typed into a text box (`"timeout": "3600"`), so it satisfies `integer`/`number`.
fn is_exempt(kind: &ValidationErrorKind, instance: &Value) -> bool {
    let Some(text) = instance.as_str() else {
        return false;
    };
    match kind {
        ValidationErrorKind::Type { kind } if holds_number(text, kind) => true,
        ValidationErrorKind::Type { .. }
        | ValidationErrorKind::Enum { .. }
        | ValidationErrorKind::Constant { .. }
        | ValidationErrorKind::Pattern { .. }
        | ValidationErrorKind::Minimum { .. }
        | ValidationErrorKind::Maximum { .. }
        | ValidationErrorKind::ExclusiveMinimum { .. }
        | ValidationErrorKind::ExclusiveMaximum { .. }
        | ValidationErrorKind::Format { .. } => is_template(text),
        _ => false,
    }
}

/// Liquid (`{{ … }}`, `{% … %}`) or a deployment placeholder (`${…}`).
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || crate::liquid::has_placeholder(text)
}

/// Whether `text` is a number of a type the schema accepts.
fn holds_number(text: &str, expected: &TypeKind) -> bool {
    let accepts = |name: &str| match expected {
        TypeKind::Single(t) => t.to_string() == name,
        TypeKind::Multiple(set) => set.iter().any(|t| t.to_string() == name),
    };
    let text = text.trim();
    let integer = !text.is_empty()
        && text
            .trim_start_matches(['-', '+'])
            .bytes()
            .all(|b| b.is_ascii_digit());
    (accepts("integer") && integer)
        || (accepts("number") && text.parse::<f64>().is_ok_and(f64::is_finite))
}

/// Which keyword's message to show when several fail on one value.
fn rank(kind: &ValidationErrorKind) -> u8 {
    match kind {
        ValidationErrorKind::Required { .. } => 0,
        ValidationErrorKind::Type { .. } => 1,
        ValidationErrorKind::MinLength { .. } => 2,
        ValidationErrorKind::Enum { .. } | ValidationErrorKind::Constant { .. } => 3,
        ValidationErrorKind::Minimum { .. } | ValidationErrorKind::Maximum { .. } => 4,
        _ => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_schema_compiles() {
        let set = schemas();
        assert_eq!(set.widgets.len(), WIDGET_SCHEMAS.len());
        for name in widget_types() {
            assert!(set.widget(name).is_some(), "{name} does not compile");
            assert!(
                crate::catalog::widget(name).is_some(),
                "catalog lacks {name}"
            );
        }
    }

    #[test]
    fn locations_name_the_effective_file() {
        assert_eq!(
            schema_file_location(
                "https://schemas.twilio.com/studio/draft/2019-09/send-to-flex#/properties/x"
            ),
            "rules/schemas/effective/send-to-flex.json#/properties/x"
        );
        assert_eq!(
            schema_file_location(
                "https://schemas.twilio.com/studio/draft/2019-09/2/make-outgoing-call-v2"
            ),
            "rules/schemas/effective/make-outgoing-call-v2.json"
        );
    }
}
