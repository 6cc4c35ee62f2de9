//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning ingests it.

use serde::Serialize;
use serde_json::{Value, json};

use crate::analyze::{FileReport, Finding};
use crate::report::paths::ProjectRoot;
use crate::rule::{RuleMeta, Severity};
use crate::rules;

/// Where people learn about the tool: the repository named in Cargo.toml.
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// The whole run as pretty-printed SARIF, ending with a newline. Results are turned into
/// JSON one at a time as they are written: a hundred thousand findings built as one
/// `serde_json::Value` took 50 times the flow's size.
pub fn render(reports: &[FileReport], root: &ProjectRoot) -> String {
    let metas: Vec<&RuleMeta> = rules::all_metas().collect();
    let metas = metas.as_slice();
    let notifications: Vec<Value> = reports
        .iter()
        .filter_map(|r| r.error.as_ref().map(|e| (r, e)))
        .map(|(r, e)| {
            let mut location =
                json!({"physicalLocation": {"artifactLocation": artifact(&r.name, root)}});
            if let Some(p) = e.position {
                location["physicalLocation"]["region"] =
                    json!({"startLine": p.line, "startColumn": p.column});
            }
            json!({"level": "error", "message": {"text": e.message}, "locations": [location]})
        })
        .collect();
    // Fields in the order serde_json writes a `Value`'s keys (sorted), as before.
    let run = Run {
        column_kind: "unicodeCodePoints",
        invocations: json!([{
            "executionSuccessful": notifications.is_empty(),
            "toolExecutionNotifications": notifications,
        }]),
        original_uri_base_ids: json!({"%SRCROOT%": {
            "uri": root.uri(),
            "description": {"text": "The project root: --project-root, else the git work tree, else the directory flowcheck ran in"},
        }}),
        results: Results {
            reports,
            metas,
            root,
        },
        tool: json!({"driver": {
            "name": "flowcheck",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "informationUri": INFORMATION_URI,
            "rules": metas.iter().map(|m| rule(m)).collect::<Vec<_>>(),
        }}),
    };
    let sarif = Sarif {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [run],
        version: "2.1.0",
    };
    let mut text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    text.push('\n');
    text
}

#[derive(Serialize)]
struct Sarif<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    column_kind: &'static str,
    invocations: Value,
    original_uri_base_ids: Value,
    results: Results<'a>,
    tool: Value,
}

/// Every finding of the run as a SARIF result, made as it is written.
struct Results<'a> {
    reports: &'a [FileReport],
    metas: &'a [&'a RuleMeta],
    root: &'a ProjectRoot,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (metas, root) = (self.metas, self.root);
        serializer.collect_seq(
            self.reports
                .iter()
                .flat_map(|r| r.findings.iter().map(move |f| result(r, f, metas, root))),
        )
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(meta: &RuleMeta) -> Value {
    json!({
        "id": meta.id,
        "name": pascal_case(meta.id),
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": what_it_does(meta.doc)},
        "help": {"text": meta.doc, "markdown": meta.doc},
        "helpUri": format!("{INFORMATION_URI}/blob/main/rules/{}.md", meta.id),
        "defaultConfiguration": {"level": level(meta.severity)},
        "properties": {"tags": ["twilio-studio"]},
    })
}

fn result(
    report: &FileReport,
    finding: &Finding,
    metas: &[&RuleMeta],
    root: &ProjectRoot,
) -> Value {
    let d = &finding.diagnostic;
    let text = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    let mut value = json!({
        "ruleId": d.rule,
        "ruleIndex": metas.iter().position(|m| m.id == d.rule).unwrap_or(0),
        "level": level(d.severity),
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact(&report.name, root),
                "region": {
                    "startLine": finding.start.line,
                    "startColumn": finding.start.column,
                    "endLine": finding.end.line,
                    "endColumn": finding.end.column,
                },
            },
        }],
        "partialFingerprints": {"flowcheckFinding/v1": fingerprint(report, finding)},
    });
    let related: Vec<Value> = d
        .related
        .iter()
        .filter_map(|r| Some((r, r.elsewhere.as_ref()?)))
        .enumerate()
        .map(|(id, (r, e))| {
            json!({
                "id": id,
                "message": {"text": r.label},
                "physicalLocation": {
                    "artifactLocation": artifact(&e.file, root),
                    "region": {
                        "startLine": e.start.line,
                        "startColumn": e.start.column,
                        "endLine": e.end.line,
                        "endColumn": e.end.column,
                    },
                },
            })
        })
        .collect();
    if !related.is_empty() {
        value["relatedLocations"] = Value::Array(related);
    }
    if let Some(state) = &d.state {
        value["locations"][0]["logicalLocations"] =
            json!([{"name": state, "fullyQualifiedName": state, "kind": "object"}]);
    }
    value
}

/// Relative to the project root when the file is inside it; else an absolute `file://` URI.
fn artifact(name: &str, root: &ProjectRoot) -> Value {
    match root.relative(name) {
        Some(relative) => json!({"uri": relative, "uriBaseId": "%SRCROOT%"}),
        None if name == "-" => json!({"uri": "stdin"}),
        None => json!({"uri": root.absolute_uri(name)}),
    }
}

/// Stable across edits elsewhere in the file: built from what the finding is about (file,
/// rule, widget, event, message), not from where it stands.
fn fingerprint(report: &FileReport, finding: &Finding) -> String {
    // The finding's key, and its message so that two findings of one key differ.
    let key = report.key(finding);
    let key = [
        key.file.as_str(),
        key.rule.as_str(),
        key.state.as_deref().unwrap_or(""),
        key.event.as_deref().unwrap_or(""),
        finding.diagnostic.message.as_str(),
    ]
    .join("\u{1f}");
    format!("{:016x}", fnv1a(key.as_bytes()))
}

/// FNV-1a, 64-bit: tiny, and the same on every platform and Rust version.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The "What it does" paragraph of a rule's doc.
fn what_it_does(doc: &str) -> String {
    doc.split("## What it does")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .map(|s| s.trim().replace('\n', " "))
        .unwrap_or_default()
}

fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn names_and_descriptions() {
        assert_eq!(pascal_case("unset-flow-variable"), "UnsetFlowVariable");
        assert_eq!(
            what_it_does("# x\n\n## What it does\nFinds a\nthing.\n\n## Why"),
            "Finds a thing."
        );
    }
}
