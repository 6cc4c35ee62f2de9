//! The effective schemas in `rules/schemas/effective/` are exactly the official schemas with
//! the documented patches of `rules/schemas/patches.json` applied.
//! Regenerate them with `FLOWCHECK_UPDATE_SCHEMAS=1 cargo test --test schemas`.

mod common;

use serde_json::Value;

/// The `$schema` the `*` patches replace: Twilio's unpublished meta-schema.
const TWILIO_CORE: &str = "https://schemas.twilio.com/studio/draft/2019-09/core#";

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn effective(name: &str, official: &Value, patches: &Value) -> Value {
    let mut schema = official.clone();
    let mut ops: Vec<Value> = Vec::new();
    if official["$schema"] == TWILIO_CORE {
        ops.extend(patches["*"].as_array().unwrap().iter().cloned());
    }
    ops.extend(patches[name].as_array().into_iter().flatten().cloned());
    let patch: json_patch::Patch =
        serde_json::from_value(Value::Array(ops)).unwrap_or_else(|e| panic!("{name}: {e}"));
    json_patch::patch(&mut schema, &patch).unwrap_or_else(|e| panic!("{name}: {e}"));
    schema
}

#[test]
fn effective_schemas_are_official_plus_patches() {
    let root = common::repo_root().join("rules/schemas");
    let patches = read_json(&root.join("patches.json"));
    let update = std::env::var_os("FLOWCHECK_UPDATE_SCHEMAS").is_some_and(|v| v == "1");
    let mut names = Vec::new();
    for path in common::json_files(&root.join("official")) {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let expected = effective(&name, &read_json(&path), &patches);
        let target = root.join("effective").join(format!("{name}.json"));
        if update {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            let text = serde_json::to_string_pretty(&expected).unwrap() + "\n";
            std::fs::write(&target, text).unwrap();
        }
        assert_eq!(
            read_json(&target),
            expected,
            "{} is stale",
            target.display()
        );
        names.push(name);
    }
    for key in patches.as_object().unwrap().keys() {
        assert!(
            key.starts_with('$') || key == "*" || names.contains(key),
            "patches.json names `{key}`, which has no official schema"
        );
    }
}

#[test]
fn every_patch_says_why() {
    let patches = read_json(&common::repo_root().join("rules/schemas/patches.json"));
    for (name, ops) in patches.as_object().unwrap() {
        for op in ops.as_array().into_iter().flatten() {
            assert!(
                op["why"].as_str().is_some_and(|w| !w.trim().is_empty()),
                "a patch of `{name}` does not say why: {op}"
            );
        }
    }
}
