//! The widget catalog agrees with the effective schemas in `rules/schemas/effective/`: every
//! event a schema declares for a widget's transitions is one the catalog lists.

mod common;

use std::collections::BTreeSet;

use flowcheck::catalog;
use serde_json::Value;

/// Event names behind the `commons` definitions the schemas `$ref`.
fn commons_event(reference: &str) -> Option<&'static str> {
    let name = reference.rsplit('/').next()?;
    Some(match name {
        "Success" => "success",
        "Failed" => "failed",
        "Timeout" => "timeout",
        "Hangup" => "hangup",
        "CallComplete" => "callComplete",
        _ => return None,
    })
}

/// Collects event names declared anywhere under `value`: `const`/`enum` of an `event`
/// property, and `$ref`s to the commons event definitions.
fn collect_events(value: &Value, schema: &Value, out: &mut BTreeSet<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(event) = map.get("properties").and_then(|p| p.get("event")) {
                if let Some(c) = event.get("const").and_then(Value::as_str) {
                    out.insert(c.to_string());
                }
                for e in event
                    .get("enum")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    out.extend(e.as_str().map(str::to_string));
                }
            }
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                if let Some(local) = reference.strip_prefix("#") {
                    if let Some(target) = schema.pointer(local) {
                        collect_events(target, schema, out, depth + 1);
                    }
                } else if let Some(event) = commons_event(reference) {
                    out.insert(event.to_string());
                }
            }
            for (key, child) in map {
                if key != "properties" || !map.contains_key("event") {
                    collect_events(child, schema, out, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_events(item, schema, out, depth + 1);
            }
        }
        _ => {}
    }
}

#[test]
fn catalog_lists_every_event_the_schemas_declare() {
    let dir = common::repo_root().join("rules/schemas/effective");
    let mut checked = 0;
    for path in common::json_files(&dir) {
        let kind = path.file_stem().unwrap().to_string_lossy().into_owned();
        if kind == "flow-definition" {
            continue;
        }
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let spec = catalog::widget(&kind).unwrap_or_else(|| panic!("catalog lacks `{kind}`"));
        let mut events = BTreeSet::new();
        let transitions = &schema["properties"]["transitions"];
        collect_events(transitions, &schema, &mut events, 0);
        assert!(!events.is_empty(), "found no events in the `{kind}` schema");
        for event in &events {
            assert!(
                spec.event(event).is_some(),
                "`{kind}`: the schema declares `{event}`, the catalog does not"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 22, "expected the 22 widget schemas");
}

#[test]
fn catalog_knows_every_type_the_flow_schema_lists() {
    let path = common::repo_root().join("rules/schemas/effective/flow-definition.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let types = schema["properties"]["states"]["items"]["properties"]["type"]["enum"]
        .as_array()
        .unwrap();
    for kind in types {
        let kind = kind.as_str().unwrap();
        assert!(catalog::widget(kind).is_some(), "catalog lacks `{kind}`");
    }
}

/// The README's rule table lists every rule the registry has, in its order, with its
/// default severity.
#[test]
fn readme_rule_table_matches_the_registry() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let section = readme
        .split("\n## Rules\n")
        .nth(1)
        .expect("README has a Rules section");
    let section = section.split("\n## ").next().unwrap();
    let rows: Vec<(String, String)> = section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| id ") && !l.starts_with("|--"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[2].to_string())
        })
        .collect();
    let metas: Vec<_> = flowcheck::rules::all_metas().collect();
    let ids: Vec<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
    let registry: Vec<&str> = metas.iter().map(|m| m.id).collect();
    assert_eq!(ids, registry, "README rule table vs `flowcheck rules`");
    for ((id, severity), meta) in rows.iter().zip(&metas) {
        assert!(
            severity.contains(meta.severity.as_str()),
            "{id}: the README says {severity}, the rule {}",
            meta.severity
        );
    }
}
