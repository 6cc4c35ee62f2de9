//! Agreement with an independent validator: for every corpus flow and for mutated copies of
//! them, the (state, property) pairs that `schema-violation` reports equal those that the
//! Python `jsonschema` package reports with the same effective schemas
//! (`scripts/schema_reference.py`). Opt-in: set FLOWCHECK_REFERENCE_VALIDATOR=1 (CI does)
//! with Python's `jsonschema` installed.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use flowcheck::flow;
use flowcheck::schema;
use serde_json::{Value, json};

type Pairs = BTreeSet<(Option<String>, String)>;

fn flowcheck_pairs(path: &Path) -> Pairs {
    let text = std::fs::read_to_string(path).unwrap();
    let file = flow::load_text(path.display().to_string(), text);
    let flow = file.flow.expect("flow loads");
    schema::violations(&flow)
        .into_iter()
        .map(|v| (v.state.map(|i| flow.state(i).name.clone()), v.pointer))
        .collect()
}

fn reference_pairs(dir: &Path) -> BTreeMap<String, Pairs> {
    let script = common::repo_root().join("scripts/schema_reference.py");
    let output = std::process::Command::new("python3")
        .arg(script)
        .arg(dir)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "the reference validator failed (is Python's jsonschema installed?): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: BTreeMap<String, Vec<(Option<String>, String)>> =
        serde_json::from_slice(&output.stdout).unwrap();
    parsed
        .into_iter()
        .map(|(file, pairs)| (file, pairs.into_iter().collect()))
        .collect()
}

fn effective_schema(kind: &str) -> Option<Value> {
    let path = common::repo_root().join(format!("rules/schemas/effective/{kind}.json"));
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// The four mutations: drop a required property, change a type, leave an enum, empty a
/// required string. Each applies to the first state of the flow where it can.
fn mutations(flow: &Value) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    for (name, mutate) in [
        (
            "drop-required",
            drop_required as fn(&mut Value, &Value) -> bool,
        ),
        ("change-type", change_type),
        ("leave-enum", leave_enum),
        ("empty-string", empty_required_string),
    ] {
        let mut copy = flow.clone();
        let states = copy["states"].as_array_mut().unwrap();
        let applied = states.iter_mut().any(|state| {
            let kind = state["type"].as_str().unwrap_or_default().to_string();
            effective_schema(&kind).is_some_and(|schema| mutate(state, &schema))
        });
        if applied {
            out.push((name, copy));
        }
    }
    out
}

fn property_schemas(schema: &Value) -> Option<&serde_json::Map<String, Value>> {
    schema
        .pointer("/properties/properties/properties")?
        .as_object()
}

fn required(schema: &Value) -> Vec<String> {
    schema
        .pointer("/properties/properties/required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn drop_required(state: &mut Value, schema: &Value) -> bool {
    let props = state["properties"].as_object_mut();
    let Some(props) = props else { return false };
    required(schema)
        .iter()
        .any(|name| props.remove(name).is_some())
}

fn change_type(state: &mut Value, schema: &Value) -> bool {
    let Some(defs) = property_schemas(schema) else {
        return false;
    };
    let Some(props) = state["properties"].as_object_mut() else {
        return false;
    };
    for (name, def) in defs {
        if props.contains_key(name) && def.get("type").is_some() && def.get("enum").is_none() {
            let replacement = if def["type"] == "string" {
                json!(42)
            } else {
                json!("not a number")
            };
            props.insert(name.clone(), replacement);
            return true;
        }
    }
    false
}

fn leave_enum(state: &mut Value, schema: &Value) -> bool {
    let Some(defs) = property_schemas(schema) else {
        return false;
    };
    let Some(props) = state["properties"].as_object_mut() else {
        return false;
    };
    for (name, def) in defs {
        if def.get("enum").is_some() {
            props.insert(name.clone(), json!("surely-not-an-option"));
            return true;
        }
    }
    false
}

fn empty_required_string(state: &mut Value, schema: &Value) -> bool {
    let Some(defs) = property_schemas(schema) else {
        return false;
    };
    let Some(props) = state["properties"].as_object_mut() else {
        return false;
    };
    for name in required(schema) {
        let is_string = defs.get(&name).is_some_and(|d| d["type"] == "string");
        if is_string && props.contains_key(&name) {
            props.insert(name, json!(""));
            return true;
        }
    }
    false
}

#[test]
fn flowcheck_agrees_with_an_independent_validator() {
    if std::env::var_os("FLOWCHECK_REFERENCE_VALIDATOR").is_none_or(|v| v != "1") {
        eprintln!("skipped: set FLOWCHECK_REFERENCE_VALIDATOR=1 (needs Python's jsonschema)");
        return;
    }
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("schema_agreement");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut written = 0;
    for path in common::json_files(&corpus) {
        let text = std::fs::read_to_string(&path).unwrap();
        let flow: Value = serde_json::from_str(&text).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        std::fs::write(dir.join(format!("{stem}.json")), &text).unwrap();
        for (name, mutated) in mutations(&flow) {
            let target = dir.join(format!("{stem}--{name}.json"));
            std::fs::write(target, serde_json::to_string_pretty(&mutated).unwrap()).unwrap();
            written += 1;
        }
    }
    assert!(written > 100, "expected many mutated flows, made {written}");
    let reference = reference_pairs(&dir);
    let mut disagreements = Vec::new();
    let mut total = 0;
    for path in common::json_files(&dir) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let ours = flowcheck_pairs(&path);
        total += ours.len();
        let theirs = reference.get(&name).cloned().unwrap_or_default();
        if ours != theirs {
            disagreements.push(format!(
                "{name}:\n  only flowcheck: {:?}\n  only reference: {:?}",
                ours.difference(&theirs).collect::<Vec<_>>(),
                theirs.difference(&ours).collect::<Vec<_>>()
            ));
        }
    }
    assert!(total > written, "the mutations must produce violations");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
