//! `flowcheck drift DIR`: which flows of the account no longer match their files. Files are
//! matched to flows by the `sid` that `flowcheck pull` keeps; definitions are compared as
//! JSON values, so key order, whitespace, the canvas position of widgets
//! (`properties.offset`) and the order of `states` do not count as drift.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use crate::cli::{
    DriftArgs, EXIT_CLEAN, EXIT_FINDINGS, EXIT_TROUBLE, ListFormat, emit, usage_error,
};
use crate::flow::json::Json;
use crate::session::Session;
use crate::twilio::files::{self, Comparison};
use crate::twilio::{self, Revision, account};

/// What became of one flow or file.
#[derive(Debug)]
enum Outcome {
    InSync(Comparison),
    Drifted(Comparison),
    /// The file's flow has no definition at the revision (never published, …).
    NoRevision(String),
    /// The file names a SID the account does not have.
    NotInAccount,
    /// A flow of the account that no file holds.
    OnlyInAccount,
    /// A file that is not a pulled flow (no `sid`): not compared.
    Untracked,
    /// A file that could not be read or parsed.
    Failed(String),
}

impl Outcome {
    fn label(&self) -> &'static str {
        match self {
            Outcome::InSync(_) => "in-sync",
            Outcome::Drifted(_) => "drifted",
            Outcome::NoRevision(_) => "no-revision",
            Outcome::NotInAccount => "not-in-account",
            Outcome::OnlyInAccount => "only-in-account",
            Outcome::Untracked => "untracked",
            Outcome::Failed(_) => "error",
        }
    }

    fn differs(&self) -> bool {
        matches!(
            self,
            Outcome::Drifted(_)
                | Outcome::NoRevision(_)
                | Outcome::NotInAccount
                | Outcome::OnlyInAccount
        )
    }
}

/// One line of the report.
#[derive(Debug)]
struct Entry {
    file: Option<String>,
    sid: Option<String>,
    friendly_name: Option<String>,
    /// The account's revision number compared with.
    revision: Option<Value>,
    outcome: Outcome,
}

/// A file that holds a pulled flow.
struct Local {
    index: usize,
    sid: String,
    definition: Value,
}

pub fn run(args: &DriftArgs) -> u8 {
    let revision = args.revision.unwrap_or(Revision::Published);
    let client = match twilio::connect(&args.api) {
        Ok(client) => client,
        Err(message) => return usage_error(&message),
    };
    let mut entries = Vec::new();
    let mut locals = Vec::new();
    // Files as `analyze` finds them: the same exclusions, the same JSON passed over.
    let session = Session::all_rules();
    for input in session.inputs(&args.paths) {
        for file in session.load(&input, &args.paths) {
            let mut entry = Entry {
                file: Some(file.name.clone()),
                sid: None,
                friendly_name: None,
                revision: None,
                outcome: Outcome::Untracked,
            };
            match &file.flow {
                Err(error) => {
                    let at = error.position.map_or(String::new(), |p| {
                        format!("line {}, column {}: ", p.line, p.column)
                    });
                    entry.outcome = Outcome::Failed(format!("{at}{}", error.message));
                }
                Ok(parsed) => {
                    // A pulled flow is a Flows API resource: its SID beside its definition.
                    let resource = parsed
                        .base
                        .strip_suffix("/definition")
                        .and_then(|pointer| parsed.node(pointer));
                    let sid = resource.and_then(|r| r.get("sid")).and_then(Json::as_str);
                    if let Some(sid) = sid {
                        entry.sid = Some(sid.to_string());
                        entry.friendly_name = resource
                            .and_then(|r| r.get("friendly_name"))
                            .and_then(Json::as_str)
                            .map(str::to_string);
                        locals.push(Local {
                            index: entries.len(),
                            sid: sid.to_string(),
                            definition: parsed
                                .node(&parsed.base)
                                .map_or(Value::Null, Json::to_value),
                        });
                    }
                }
            }
            entries.push(entry);
        }
    }
    let listed = match account::list(&client) {
        Ok(listed) => listed,
        Err(error) => return usage_error(&error.message),
    };
    let tracked: BTreeSet<&str> = locals.iter().map(|l| l.sid.as_str()).collect();
    let (to_fetch, untracked): (Vec<_>, Vec<_>) = listed
        .into_iter()
        .partition(|l| tracked.contains(l.summary.sid.as_str()));
    let in_account: BTreeSet<String> = to_fetch.iter().map(|l| l.summary.sid.clone()).collect();
    let fetched = match account::fetch(&client, to_fetch, revision) {
        Ok(fetched) => fetched,
        Err(error) => return usage_error(&error.message),
    };
    let mut remote: HashMap<&str, (Option<Value>, Result<Value, String>)> = HashMap::new();
    for flow in &fetched.flows {
        let definition = serde_json::from_str(&flow.resource.definition)
            .map_err(|e| format!("the account's definition is not JSON: {e}"));
        remote.insert(
            flow.resource.sid.as_str(),
            (flow.resource.revision.clone(), definition),
        );
    }
    for skipped in &fetched.skipped {
        remote.insert(
            skipped.summary.sid.as_str(),
            (None, Err(skipped.reason.clone())),
        );
    }
    for local in &locals {
        let entry = &mut entries[local.index];
        entry.outcome = if !in_account.contains(&local.sid) {
            Outcome::NotInAccount
        } else {
            match remote.get(local.sid.as_str()) {
                Some((number, Ok(definition))) => {
                    entry.revision = number.clone();
                    let comparison = files::compare(&local.definition, definition);
                    if comparison.same() {
                        Outcome::InSync(comparison)
                    } else {
                        Outcome::Drifted(comparison)
                    }
                }
                Some((_, Err(reason))) => Outcome::NoRevision(reason.clone()),
                None => Outcome::NoRevision("it was not fetched".to_string()),
            }
        };
    }
    for listed in untracked {
        entries.push(Entry {
            file: Some(listed.file_name),
            sid: Some(listed.summary.sid),
            friendly_name: Some(listed.summary.friendly_name),
            revision: None,
            outcome: Outcome::OnlyInAccount,
        });
    }
    let text = match args.format {
        ListFormat::Text => text_report(&entries, revision),
        ListFormat::Json => json_report(&entries, revision),
    };
    let _ = emit(&text, None);
    if entries
        .iter()
        .any(|e| matches!(e.outcome, Outcome::Failed(_)))
    {
        EXIT_TROUBLE
    } else if entries.iter().any(|e| e.outcome.differs()) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn changes(comparison: &Comparison) -> String {
    let mut parts = Vec::new();
    for (label, names) in [
        ("changed", &comparison.changed),
        ("only in the account", &comparison.added),
        ("only in the file", &comparison.removed),
    ] {
        if !names.is_empty() {
            parts.push(format!("{label} {}", quoted(names)));
        }
    }
    if !comparison.flow.is_empty() {
        parts.push(format!("flow settings {}", quoted(&comparison.flow)));
    }
    parts.join("; ")
}

fn text_report(entries: &[Entry], revision: Revision) -> String {
    let mut out = String::new();
    let which = revision.describe();
    for entry in entries {
        let file = entry.file.as_deref().unwrap_or("-");
        let flow = match (&entry.friendly_name, &entry.sid) {
            (Some(name), Some(sid)) => format!("\"{name}\" ({sid})"),
            (None, Some(sid)) => sid.clone(),
            _ => String::new(),
        };
        let number = entry
            .revision
            .as_ref()
            .map_or(String::new(), |n| format!(" {n}"));
        let line = match &entry.outcome {
            Outcome::InSync(c) => {
                let layout = if c.layout {
                    " (only the canvas layout differs)"
                } else {
                    ""
                };
                format!("in sync: {file} matches the {which}{number} of {flow}{layout}")
            }
            Outcome::Drifted(c) => format!(
                "drifted: {file} differs from the {which}{number} of {flow}: {}",
                changes(c)
            ),
            Outcome::NoRevision(reason) => format!("no revision: {file}: {flow}: {reason}"),
            Outcome::NotInAccount => {
                format!("not in the account: {file} holds {flow}, which the account does not have")
            }
            Outcome::OnlyInAccount => format!(
                "only in the account: {flow} has no file (`flowcheck pull` writes it as {file})"
            ),
            Outcome::Untracked => {
                format!("untracked: {file} has no `sid` (not a pulled flow): not compared")
            }
            Outcome::Failed(message) => format!("error: {file}: {message}"),
        };
        out.push_str(&line);
        out.push('\n');
    }
    let count = |label: &str| {
        entries
            .iter()
            .filter(|e| e.outcome.label() == label)
            .count()
    };
    let mut totals = vec![
        format!("{} drifted", count("drifted")),
        format!("{} in sync", count("in-sync")),
    ];
    for (label, words) in [
        ("only-in-account", "only in the account".to_string()),
        ("not-in-account", "not in the account".to_string()),
        ("no-revision", format!("without a {which}")),
        ("untracked", "untracked".to_string()),
        ("error", "unreadable".to_string()),
    ] {
        let n = count(label);
        if n > 0 {
            totals.push(format!("{n} {words}"));
        }
    }
    out.push_str(&totals.join(", "));
    out.push('\n');
    out
}

fn json_report(entries: &[Entry], revision: Revision) -> String {
    let flows: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let (comparison, message) = match &entry.outcome {
                Outcome::InSync(c) | Outcome::Drifted(c) => (Some(c), None),
                Outcome::NoRevision(m) | Outcome::Failed(m) => (None, Some(m.clone())),
                _ => (None, None),
            };
            json!({
                "status": entry.outcome.label(),
                "file": entry.file,
                "sid": entry.sid,
                "friendly_name": entry.friendly_name,
                "revision": entry.revision,
                "changes": comparison.map(|c| json!({
                    "changed": c.changed,
                    "only_in_account": c.added,
                    "only_in_file": c.removed,
                    "flow": c.flow,
                    "layout": c.layout,
                })),
                "message": message,
            })
        })
        .collect();
    let mut summary = serde_json::Map::new();
    for label in [
        "drifted",
        "in-sync",
        "only-in-account",
        "not-in-account",
        "no-revision",
        "untracked",
        "error",
    ] {
        let n = entries
            .iter()
            .filter(|e| e.outcome.label() == label)
            .count();
        summary.insert(label.to_string(), json!(n));
    }
    let report = json!({
        "version": 1,
        "revision": revision.to_string(),
        "flows": flows,
        "summary": summary,
    });
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}
