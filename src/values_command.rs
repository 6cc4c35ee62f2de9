//! `flowcheck values PATH...`: each flow's account-specific values as a TOML mapping
//! template (value → name), the starting point of promotion tooling that rewrites them.

use std::collections::BTreeSet;

use crate::account_values::{self, AccountValue};
use crate::cli::{EXIT_CLEAN, EXIT_TROUBLE, ValuesArgs, emit, usage_error};
use crate::flow::Flow;
use crate::session::Session;

const HEADER: &str = "# Account-specific values per flow (flowcheck values): value = \"name\".\n\
# Rename each value's placeholder, and delete what stays the same in every account.\n";

pub fn run(args: &ValuesArgs) -> u8 {
    let session = Session::all_rules();
    let mut text = String::from(HEADER);
    let mut trouble = false;
    for input in session.inputs(&args.paths) {
        for file in session.load(&input, &args.paths) {
            match &file.flow {
                Ok(flow) => text.push_str(&table(&file.name, flow)),
                Err(error) => {
                    eprintln!("error: {}: {}", file.name, error.message);
                    trouble = true;
                }
            }
        }
    }
    if let Err(message) = emit(&text, args.output.as_deref()) {
        return usage_error(&message);
    }
    if trouble { EXIT_TROUBLE } else { EXIT_CLEAN }
}

/// One flow's table: each distinct value once, named after its widget and kind.
pub fn table(name: &str, flow: &Flow) -> String {
    let mut seen = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut out = format!("\n[{}]\n", quote(name));
    for value in account_values::find(flow) {
        if !seen.insert(value.value.clone()) {
            continue;
        }
        let placeholder = unique(&mut names, base_name(flow, &value));
        out.push_str(&format!(
            "{} = {}\n",
            quote(&value.value),
            quote(&placeholder)
        ));
    }
    out
}

/// `<widget>_<kind>`, lower-case letters, digits and `_`.
fn base_name(flow: &Flow, value: &AccountValue) -> String {
    let widget = flow
        .states
        .get(value.state.index())
        .map_or("", |s| s.name.as_str());
    format!("{widget}_{}", value.kind)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The name, or the name with `_2`, `_3`… when taken.
fn unique(names: &mut BTreeSet<String>, base: String) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while !names.insert(name.clone()) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// A TOML basic string: JSON's escapes are TOML's for these characters.
fn quote(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}
