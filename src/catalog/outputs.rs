//! What Liquid can read from a widget (`{{widgets.<name>.<output>}}`) and from the trigger
//! (`{{trigger.<kind>.<field>}}`): data in `rules/outputs.toml`, each entry with the Studio
//! page it comes from, read once.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};
use std::sync::OnceLock;

use serde::Deserialize;

/// The outputs of one widget type whose page lists them all.
#[derive(Debug)]
pub struct WidgetOutputs {
    /// The documentation page the names come from.
    pub source: String,
    names: Vec<String>,
    /// The outputs of this type alone, without the request parameters it shares with others.
    own: Vec<String>,
    /// Beside its own outputs, the parameters of the Twilio request its result came with.
    pub shares_lists: bool,
    /// The widget's own keys are outputs too (set-variables).
    pub own_keys: bool,
    /// Names known below an output (`inbound.Body`); others below it are not reported.
    children: HashMap<String, Vec<String>>,
}

/// The fields of one kind of trigger data (`trigger.call`).
#[derive(Debug)]
pub struct TriggerFields {
    /// `call`, `message`, `conversation`, `request` or `parent`.
    pub kind: String,
    /// The trigger event that sets these fields.
    pub event: String,
    pub source: String,
    names: Vec<String>,
}

#[derive(Debug)]
pub struct OutputCatalog {
    widgets: HashMap<String, WidgetOutputs>,
    triggers: Vec<TriggerFields>,
    /// Widget type → (property, the value Studio writes there, blanks removed): a handful
    /// of properties a type, looked up without building a key.
    studio_defaults: HashMap<String, Vec<(String, String)>>,
}

/// The catalog, read from `rules/outputs.toml` on first use.
pub fn catalog() -> &'static OutputCatalog {
    static CATALOG: OnceLock<OutputCatalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        OutputCatalog::parse(include_str!("../../rules/outputs.toml"))
            .expect("rules/outputs.toml is valid (a unit test reads it)")
    })
}

impl OutputCatalog {
    pub fn parse(text: &str) -> Result<OutputCatalog, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let expand = |lists: &[String], own: &[String]| -> Result<Vec<String>, String> {
            let mut names = own.to_vec();
            for list in lists {
                let list = file.lists.get(list).ok_or(format!("no list `{list}`"))?;
                names.extend(list.names.iter().cloned());
            }
            names.sort();
            names.dedup();
            Ok(names)
        };
        let mut widgets = HashMap::new();
        for (kind, entry) in &file.widgets {
            if entry.open {
                continue;
            }
            let outputs = WidgetOutputs {
                source: entry.source.clone(),
                names: expand(&entry.lists, &entry.outputs)?,
                own: entry.outputs.clone(),
                shares_lists: !entry.lists.is_empty(),
                own_keys: entry.own_keys,
                children: entry.children.clone().into_iter().collect(),
            };
            widgets.insert(kind.clone(), outputs);
        }
        let mut triggers = Vec::new();
        for (kind, entry) in &file.triggers {
            triggers.push(TriggerFields {
                kind: kind.clone(),
                event: entry.event.clone(),
                source: entry.source.clone(),
                names: expand(&entry.lists, &entry.fields)?,
            });
        }
        let studio_defaults = file
            .studio_defaults
            .iter()
            .map(|(kind, values)| {
                let values = values.iter().map(|(p, v)| (p.clone(), without_blanks(v)));
                (kind.clone(), values.collect())
            })
            .collect();
        Ok(OutputCatalog {
            widgets,
            triggers,
            studio_defaults,
        })
    }

    /// The outputs of a widget type, or `None` when they are not known in full.
    pub fn widget(&self, kind: &str) -> Option<&WidgetOutputs> {
        self.widgets.get(kind)
    }

    /// The trigger data of this kind (`call`), if Studio has it.
    pub fn trigger(&self, kind: &str) -> Option<&TriggerFields> {
        self.triggers.iter().find(|t| t.kind == kind)
    }

    /// The trigger data an event sets: `call` for `incomingCall`.
    pub fn trigger_for_event(&self, event: &str) -> Option<&TriggerFields> {
        self.triggers.iter().find(|t| t.event == event)
    }

    /// Every kind of trigger data: `call`, `conversation`, `message`, `parent`, `request`.
    pub fn trigger_kinds(&self) -> impl Iterator<Item = &str> {
        self.triggers.iter().map(|t| t.kind.as_str())
    }

    /// Whether `value` of `property` is what Studio writes into a new widget of type `kind`.
    pub fn is_studio_default(&self, kind: &str, property: &str, value: &str) -> bool {
        let Some((_, default)) = self
            .studio_defaults
            .get(kind)
            .and_then(|values| values.iter().find(|(p, _)| p == property))
        else {
            return false;
        };
        // Compared as they are read: the value can be a whole JSON body.
        default
            .chars()
            .eq(value.chars().filter(|c| !c.is_whitespace()))
    }

    /// Every widget type whose outputs are listed, for tests.
    pub fn widget_kinds(&self) -> impl Iterator<Item = &str> {
        self.widgets.keys().map(String::as_str)
    }
}

impl WidgetOutputs {
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| matches(n, name))
    }

    /// The output names, with `{N}` for a number.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// The outputs of this type alone (`Digits`, `SpeechResult`, … of a gather).
    pub fn own(&self) -> &[String] {
        &self.own
    }

    /// The names known below `output`, if they are listed.
    pub fn children(&self, output: &str) -> Option<&[String]> {
        self.children.get(output).map(Vec::as_slice)
    }
}

impl TriggerFields {
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| matches(n, name))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }
}

fn without_blanks(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether a listed name (`MediaUrl{N}` for `MediaUrl` and digits) matches `name`.
pub fn matches(listed: &str, name: &str) -> bool {
    match listed.strip_suffix("{N}") {
        Some(stem) => name
            .strip_prefix(stem)
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())),
        None => listed == name,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    lists: BTreeMap<String, List>,
    widgets: BTreeMap<String, WidgetEntry>,
    triggers: BTreeMap<String, TriggerEntry>,
    #[serde(default)]
    studio_defaults: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct List {
    #[allow(dead_code)]
    source: String,
    names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WidgetEntry {
    source: String,
    #[serde(default)]
    outputs: Vec<String>,
    #[serde(default)]
    lists: Vec<String>,
    #[serde(default)]
    own_keys: bool,
    #[serde(default)]
    open: bool,
    #[serde(default)]
    children: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggerEntry {
    event: String,
    source: String,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    lists: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{self, trigger_event};

    #[test]
    fn the_catalog_reads_and_names_known_types_and_events() {
        let catalog = catalog();
        for kind in catalog.widget_kinds() {
            assert!(catalog::widget(kind).is_some(), "{kind} is no known type");
        }
        let events = [
            trigger_event::CALL,
            trigger_event::MESSAGE,
            trigger_event::CONVERSATION,
            trigger_event::REQUEST,
            trigger_event::PARENT,
        ];
        for trigger in &catalog.triggers {
            assert!(
                events.contains(&trigger.event.as_str()),
                "{}",
                trigger.event
            );
            assert!(trigger.source.starts_with("https://"));
        }
        assert_eq!(catalog.triggers.len(), events.len());
    }

    #[test]
    fn outputs_include_their_lists_and_numbered_names() {
        let gather = catalog().widget("gather-input-on-call").unwrap();
        assert!(gather.has("Digits") && gather.has("CallSid"));
        assert!(!gather.has("outbound"));
        let message = catalog().trigger("message").unwrap();
        assert!(message.has("MediaUrl3") && !message.has("MediaUrl") && !message.has("MediaUrlX"));
        assert!(catalog().widget("run-subflow").is_none());
    }
}
