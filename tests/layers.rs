//! The architecture holds: every module imports only from its own layer or the layers below,
//! and no two modules import each other, directly or through others.
//!
//! input and model → facts → analyses → rule contract and rules → engine → outputs →
//! settings → command line → commands

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level modules of `src/`, by layer, lowest first.
const LAYERS: &[&[&str]] = &[
    &["flow", "suggest", "markup", "memory"],
    &[
        "catalog",
        "graph",
        "liquid",
        "schema",
        "channels",
        "conditions",
        "account_values",
    ],
    &["dominators", "dataflow", "loops", "facts", "simulate"],
    &["rule", "rules"],
    &["analyze", "fix", "project"],
    &["report", "export", "diff"],
    &["config", "baseline", "twilio"],
    &["cli"],
    &["session", "fuzz"],
    &[
        "commands",
        "analyze_command",
        "diff_command",
        "graph_command",
        "test_command",
        "online_command",
        "pull_command",
        "drift_command",
        "values_command",
    ],
];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| panic!("src/{module}: add the module to a layer in tests/layers.rs"))
}

/// For each top-level module, the other top-level modules its files name as `crate::x`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = common::repo_root().join("src");
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in rust_files(&src) {
        let relative = path.strip_prefix(&src).unwrap();
        let first = relative.iter().next().unwrap().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let entry = found.entry(module.clone()).or_default();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            for (at, _) in code.match_indices("crate::") {
                // `$crate::` in a macro names the crate, not a module of this file.
                if code[..at].ends_with('$') {
                    continue;
                }
                let name: String = code[at + 7..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    entry.insert(name);
                }
            }
        }
    }
    found
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn modules_import_only_downward() {
    let mut upward = Vec::new();
    for (module, targets) in imports() {
        for target in targets {
            if layer_of(&target) > layer_of(&module) {
                upward.push(format!("{module} imports {target}, a higher layer"));
            }
        }
    }
    assert!(upward.is_empty(), "{}", upward.join("\n"));
}

#[test]
fn no_module_cycles() {
    let graph = imports();
    // Depth-first search with colours: grey on the stack, black done.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        colour: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        colour.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match colour.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|n| n == next).unwrap();
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(cycle) = visit(next, graph, colour, stack) {
                        return Some(cycle);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        colour.insert(node.to_string(), 2);
        None
    }
    let mut colour = BTreeMap::new();
    for module in graph.keys() {
        if colour.get(module.as_str()).copied().unwrap_or(0) == 0 {
            let cycle = visit(module, &graph, &mut colour, &mut Vec::new());
            assert!(
                cycle.is_none(),
                "module cycle: {}",
                cycle.unwrap().join(" → ")
            );
        }
    }
}
