//! `flowcheck diff`: pairs of versions under tests/data/diff/ give exactly the expected
//! change list (and snapshots of every report format); pairs built from the corpus by
//! renaming, rewiring, removing, editing, moving and reordering give exactly that change; the
//! command line reads files, stdin and `REV:PATH`, and exits 0, 1 or 2 as documented.

mod common;

use common::{stderr, stdout};

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use flowcheck::analyze::FileReport;
use flowcheck::diff::{self, Diff, Options, Side, WidgetStatus};
use flowcheck::export::{Diagram, changes};
use flowcheck::flow;
use flowcheck::session::Session;
use serde_json::Value;

fn data(name: &str) -> PathBuf {
    common::repo_root().join("tests/data/diff").join(name)
}

fn analyse(name: &str, text: String) -> FileReport {
    Session::all_rules()
        .process_loaded(flow::load_text(name.to_string(), text))
        .report
}

fn analyse_file(name: &str) -> FileReport {
    let text = std::fs::read_to_string(data(name)).unwrap();
    analyse(&format!("tests/data/diff/{name}"), text)
}

fn compare(old: &FileReport, new: &FileReport, layout: bool) -> Diff {
    diff::compare(
        &Side {
            label: old.name.clone(),
            report: old,
        },
        &Side {
            label: new.name.clone(),
            report: new,
        },
        Options { layout },
    )
    .expect("both versions load")
}

/// The base IVR against one of its versions.
fn pair(name: &str) -> (FileReport, FileReport, Diff) {
    let old = analyse_file("ivr.json");
    let new = analyse_file(name);
    let diff = compare(&old, &new, false);
    (old, new, diff)
}

/// The diff as a plain list, one line per change.
fn change_list(diff: &Diff) -> Vec<String> {
    let mut out = Vec::new();
    for w in &diff.widgets {
        match w.status {
            WidgetStatus::Added => out.push(format!("added {} ({})", w.name, w.kind)),
            WidgetStatus::Removed => out.push(format!("removed {} ({})", w.name, w.kind)),
            WidgetStatus::Changed => {
                if let Some(old) = &w.old_name {
                    out.push(format!("renamed {old} -> {}", w.name));
                }
                if let Some(old) = &w.old_kind {
                    out.push(format!("retyped {}: {old} -> {}", w.name, w.kind));
                }
            }
        }
        for t in &w.transitions {
            out.push(format!(
                "rewired {} {}: {} -> {}",
                w.name,
                t.label,
                diff::text::target(&t.old),
                diff::text::target(&t.new)
            ));
        }
        for p in w.properties.iter().chain(&w.layout) {
            out.push(format!(
                "property {} {}: {}",
                w.name,
                diff::text::path_text(p),
                diff::text::values_text(p, 80)
            ));
        }
    }
    for p in &diff.flow {
        out.push(format!(
            "flow {}: {}",
            p.path,
            diff::text::values_text(p, 80)
        ));
    }
    for c in &diff.introduced {
        out.push(format!("introduced {}", c.finding.diagnostic.rule));
    }
    for c in &diff.resolved {
        out.push(format!("resolved {}", c.finding.diagnostic.rule));
    }
    for name in &diff.became_unreachable {
        out.push(format!("unreachable {name}"));
    }
    for name in &diff.became_reachable {
        out.push(format!("reachable {name}"));
    }
    out
}

fn snapshot(name: &str, text: &str) {
    common::snapshot_settings().bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn renamed_widget_is_one_change() {
    let (_, _, diff) = pair("renamed.json");
    assert_eq!(change_list(&diff), ["renamed main_menu -> ask_department"]);
    snapshot("diff__renamed", &diff::text::render(&diff));
}

#[test]
fn renamed_and_edited_widget_keeps_its_identity() {
    // Same type, same transitions in and out, most properties kept: a rename with an edit.
    let (_, _, diff) = pair("renamed-edited.json");
    assert_eq!(
        change_list(&diff),
        [
            "renamed main_menu -> ask_department",
            "property ask_department say: \"Press 1 for sales or 2 for support.\" → \"Press 1 for sales, 2 for support.\"",
        ]
    );
    // Another type in the same place is a removal and an addition.
    let (_, _, diff) = pair("added-removed.json");
    assert!(diff.widgets.iter().all(|w| w.old_name.is_none()));
}

#[test]
fn rename_that_leaves_references_behind_says_so() {
    let (_, _, diff) = pair("renamed-stale.json");
    let stale = "\"{{widgets.main_menu.Digits}}\" → \"{{widgets.main_menu.Digits}}\"";
    assert_eq!(
        change_list(&diff),
        [
            "renamed main_menu -> ask_department".to_string(),
            format!("property route_choice input: {stale}"),
            format!(
                "property route_choice transitions[match \"sales\"].conditions[0].arguments[0]: {stale}"
            ),
            format!(
                "property route_choice transitions[match \"support\"].conditions[0].arguments[0]: {stale}"
            ),
            "introduced undefined-widget-reference".to_string(),
        ]
    );
    snapshot("diff__renamed_stale", &diff::text::render(&diff));
}

#[test]
fn rewired_transition() {
    let (_, _, diff) = pair("rewired.json");
    assert_eq!(
        change_list(&diff),
        ["rewired to_support failedToEnqueue: say_goodbye -> to_sales"]
    );
    snapshot("diff__rewired", &diff::text::render(&diff));
}

#[test]
fn added_and_removed_widgets() {
    let (_, _, diff) = pair("added-removed.json");
    assert_eq!(
        change_list(&diff),
        [
            "rewired route_choice match \"sales\": to_sales -> take_message",
            "added take_message (record-voicemail)",
            "removed to_sales (connect-call-to)",
        ]
    );
    snapshot("diff__added_removed", &diff::text::render(&diff));
}

#[test]
fn property_edits() {
    let (_, _, diff) = pair("property-edit.json");
    assert_eq!(
        change_list(&diff),
        [
            "property greeting say: \"Thanks for calling Acme.\" → \"Thanks for calling Acme Corporation.\"",
            "property main_menu say: \"Press 1 for sales or 2 for support.\" → \"Press 1 for sales or 3 for support.\"",
            "property main_menu timeout: 5 → 8",
            "property route_choice transitions[match \"support\"].conditions[0].value: \"2\" → \"3\"",
        ]
    );
    snapshot("diff__property_edit", &diff::text::render(&diff));
}

#[test]
fn offsets_only_is_no_behavioural_change() {
    let (_, _, diff) = pair("offsets.json");
    assert!(change_list(&diff).is_empty());
    assert_eq!(diff.moved, 7);
    let text = diff::text::render(&diff);
    assert!(text.contains("no behavioural change"), "{text}");
    snapshot("diff__offsets", &text);
    // With --layout, the moves are listed, and the verdict stays.
    let old = analyse_file("ivr.json");
    let new = analyse_file("offsets.json");
    let diff = compare(&old, &new, true);
    let list = change_list(&diff);
    assert_eq!(list.len(), 7);
    assert_eq!(
        list[0],
        "property greeting offset: {\"x\":0,\"y\":200} → {\"x\":40,\"y\":210}"
    );
    let text = diff::text::render(&diff);
    assert!(
        text.ends_with("no behavioural change (7 widgets moved on the canvas)\n"),
        "{text}"
    );
    snapshot("diff__offsets_layout", &text);
}

#[test]
fn reordered_states_are_no_change() {
    let (_, _, diff) = pair("reordered.json");
    assert!(change_list(&diff).is_empty());
    assert_eq!(diff.moved, 0);
    assert_eq!(
        diff::text::render(&diff),
        "flowcheck diff tests/data/diff/ivr.json tests/data/diff/reordered.json\nno behavioural change\n"
    );
}

#[test]
fn trigger_and_flags() {
    let (_, _, diff) = pair("trigger.json");
    assert_eq!(
        change_list(&diff),
        [
            "added sms_reply (send-message)",
            "rewired Trigger incomingMessage: (end) -> sms_reply",
            "flow flags.allow_concurrent_calls: true → false",
        ]
    );
    snapshot("diff__trigger", &diff::text::render(&diff));
}

#[test]
fn findings_and_reachability() {
    let (_, _, diff) = pair("findings.json");
    assert_eq!(
        change_list(&diff),
        [
            "rewired main_menu timeout: say_goodbye -> (end)",
            "rewired route_choice noMatch: say_goodbye -> main_menu",
            "rewired to_support failedToEnqueue: say_goodbye -> (end)",
            "rewired to_support callFailure: say_goodbye -> (end)",
            "introduced unhandled-event",
            "introduced unreachable-state",
            "unreachable say_goodbye",
        ]
    );
    snapshot("diff__findings", &diff::text::render(&diff));
    snapshot("diff__findings_markdown", &diff::markdown::render(&diff));
    snapshot("diff__findings_json", &diff::json::render(&diff));
}

#[test]
fn the_reverse_change_resolves_what_the_change_introduced() {
    let old = analyse_file("findings.json");
    let new = analyse_file("ivr.json");
    let diff = compare(&old, &new, false);
    assert_eq!(diff.introduced.len(), 0);
    assert_eq!(diff.resolved.len(), 2);
    assert_eq!(diff.became_reachable, ["say_goodbye"]);
    // Added and removed swap sides; a rename runs backwards.
    let backwards = compare(
        &analyse_file("added-removed.json"),
        &analyse_file("ivr.json"),
        false,
    );
    assert_eq!(
        change_list(&backwards),
        [
            "rewired route_choice match \"sales\": take_message -> to_sales",
            "removed take_message (record-voicemail)",
            "added to_sales (connect-call-to)",
        ]
    );
    let backwards = compare(
        &analyse_file("renamed.json"),
        &analyse_file("ivr.json"),
        false,
    );
    assert_eq!(
        change_list(&backwards),
        ["renamed ask_department -> main_menu"]
    );
}

#[test]
fn json_report_follows_its_contract() {
    let (_, _, diff) = pair("added-removed.json");
    let value: Value = serde_json::from_str(&diff::json::render(&diff)).unwrap();
    assert_eq!(value["version"], 1);
    for key in [
        "old",
        "new",
        "behavioural",
        "summary",
        "widgets",
        "flow",
        "findings",
        "reachability",
    ] {
        assert!(value.get(key).is_some(), "missing {key}");
    }
    assert_eq!(value["summary"]["added"], 1);
    assert_eq!(value["summary"]["removed"], 1);
    assert_eq!(value["summary"]["transitions"], 1);
    let widgets = value["widgets"].as_array().unwrap();
    let route = &widgets[0];
    assert_eq!(route["name"], "route_choice");
    assert_eq!(route["transitions"][0]["old"]["next"], "to_sales");
    assert_eq!(route["transitions"][0]["new"]["next"], "take_message");
    assert_eq!(widgets[1]["status"], "added");
    assert_eq!(widgets[1]["reachable"], true);
    assert_eq!(widgets[2]["status"], "removed");
}

#[test]
fn diagrams_draw_the_changes() {
    let (old, new, diff) = pair("added-removed.json");
    let drawn = Diagram::build("added-removed.json", &new, true).unwrap();
    let marks = diff::diagram::changes(&diff, old.flow.as_ref().unwrap());
    assert_eq!(marks.added, [4]);
    assert_eq!(marks.changed, [3]);
    assert_eq!(marks.ghosts.len(), 1);
    let dot = changes::dot(&drawn, &marks);
    let parsed = graphviz_rust::parse(&dot).expect("the DOT parses");
    let graphviz_rust::dot_structures::Graph::DiGraph { stmts, .. } = parsed else {
        panic!("a digraph");
    };
    let nodes = stmts
        .iter()
        .filter(|s| matches!(s, graphviz_rust::dot_structures::Stmt::Node(_)))
        .count();
    // 7 widgets, 1 ghost, and one restyling statement for each of the added and the changed.
    assert_eq!(nodes, 7 + 1 + 2);
    snapshot("diff__added_removed_dot", &dot);
    snapshot(
        "diff__added_removed_mermaid",
        &changes::mermaid(&drawn, &marks),
    );
}

// ---- pairs built from the corpus ----------------------------------------------------------

/// A corpus flow's definition (the `definition` of an API resource), as a value.
fn definition(text: &str) -> Option<Value> {
    let value: Value = serde_json::from_str(text).ok()?;
    let definition = match value.get("definition") {
        Some(Value::String(inner)) => serde_json::from_str(inner).ok()?,
        Some(d @ Value::Object(_)) => d.clone(),
        _ => value,
    };
    definition.get("states")?.as_array()?;
    Some(definition)
}

fn states(flow: &mut Value) -> &mut Vec<Value> {
    flow["states"].as_array_mut().unwrap()
}

/// Renames a widget everywhere a name is used: its `name`, transitions, `initial_state`, and
/// Liquid `widgets.<name>` references.
fn rename(flow: &mut Value, old: &str, new: &str) {
    fn walk(value: &mut Value, old: &str, new: &str) {
        match value {
            Value::String(text) => {
                let mut out = String::new();
                let mut rest = text.as_str();
                for form in [format!("widgets.{old}"), format!("widgets[\"{old}\"]")] {
                    out.clear();
                    while let Some(at) = rest.find(&form) {
                        let after = &rest[at + form.len()..];
                        let boundary = form.ends_with(']')
                            || !after
                                .chars()
                                .next()
                                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
                        out.push_str(&rest[..at]);
                        if boundary {
                            out.push_str(&form.replace(old, new));
                        } else {
                            out.push_str(&form);
                        }
                        rest = after;
                    }
                    out.push_str(rest);
                    *text = out.clone();
                    rest = text.as_str();
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, old, new)),
            Value::Object(members) => members.values_mut().for_each(|v| walk(v, old, new)),
            _ => {}
        }
    }
    for state in states(flow) {
        if state["name"] == old {
            state["name"] = Value::String(new.to_string());
        }
        for t in state["transitions"].as_array_mut().into_iter().flatten() {
            if t.get("next").is_some_and(|n| n == old) {
                t["next"] = Value::String(new.to_string());
            }
        }
        if let Some(properties) = state.get_mut("properties") {
            walk(properties, old, new);
        }
        for t in state["transitions"].as_array_mut().into_iter().flatten() {
            if let Some(conditions) = t.get_mut("conditions") {
                walk(conditions, old, new);
            }
        }
    }
    if flow["initial_state"] == old {
        flow["initial_state"] = Value::String(new.to_string());
    }
}

fn corpus_diff(name: &str, old: &Value, new: &Value) -> Diff {
    let old = analyse(name, serde_json::to_string_pretty(old).unwrap());
    let new = analyse(name, serde_json::to_string_pretty(new).unwrap());
    compare(&old, &new, false)
}

/// Corpus flows with unique, non-empty names (the mutations below rely on them).
fn corpus_flows() -> Vec<(String, Value)> {
    let Some(dir) = common::corpus_dir() else {
        return Vec::new();
    };
    common::json_files(&dir)
        .into_iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            let flow = definition(&std::fs::read_to_string(&path).ok()?)?;
            let names: Vec<&str> = flow["states"]
                .as_array()?
                .iter()
                .map(|s| s["name"].as_str())
                .collect::<Option<_>>()?;
            let unique: std::collections::HashSet<&&str> = names.iter().collect();
            (unique.len() == names.len() && names.iter().all(|n| !n.is_empty()))
                .then_some((name, flow))
        })
        .collect()
}

#[test]
fn corpus_pairs_show_exactly_the_change() {
    let flows = corpus_flows();
    if flows.is_empty() {
        eprintln!("skipped corpus_pairs_show_exactly_the_change: no corpus");
        return;
    }
    let mut checked = 0;
    for (name, flow) in &flows {
        // Reordered states with moved offsets: no change at all.
        let mut moved = flow.clone();
        states(&mut moved).reverse();
        for state in states(&mut moved) {
            if let Some(offset) = state.pointer_mut("/properties/offset/x") {
                *offset = Value::from(offset.as_f64().unwrap_or(0.0) + 100.0);
            }
        }
        let diff = corpus_diff(name, flow, &moved);
        assert!(
            change_list(&diff).is_empty(),
            "{name}: {:?}",
            change_list(&diff)
        );
        assert!(!diff.is_behavioural(), "{name}");

        // A rename (transitions and references follow): one change.
        let victim = states(&mut flow.clone())
            .iter()
            .rev()
            .find_map(|s| s["name"].as_str().map(str::to_string))
            .unwrap();
        let mut renamed = flow.clone();
        rename(&mut renamed, &victim, "renamed_by_the_test");
        let diff = corpus_diff(name, flow, &renamed);
        assert_eq!(
            change_list(&diff),
            [format!("renamed {victim} -> renamed_by_the_test")],
            "{name}"
        );

        // A rewire of the first connected transition to another widget: one change.
        let mut rewired = flow.clone();
        let names: Vec<String> = states(&mut rewired)
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect();
        let mut expected = None;
        'find: for state in states(&mut rewired) {
            let from = state["name"].as_str().unwrap().to_string();
            let is_split = state["type"] == "split-based-on";
            for t in state["transitions"].as_array_mut().into_iter().flatten() {
                let Some(next) = t["next"].as_str().filter(|n| !n.is_empty()) else {
                    continue;
                };
                let event = t["event"].as_str().unwrap_or("").to_string();
                if is_split && event == "match" || event.is_empty() {
                    continue;
                }
                let Some(other) = names.iter().find(|n| *n != next && *n != &from) else {
                    continue;
                };
                expected = Some(format!("rewired {from} {event}: {next} -> {other}"));
                t["next"] = Value::String(other.clone());
                break 'find;
            }
        }
        if let Some(expected) = expected {
            let diff = corpus_diff(name, flow, &rewired);
            let list = change_list(&diff);
            assert_eq!(list.first(), Some(&expected), "{name}: {list:?}");
            // The rest is what the rewiring does to findings and reachability.
            assert!(
                list[1..].iter().all(|l| l.starts_with("introduced ")
                    || l.starts_with("resolved ")
                    || l.starts_with("unreachable ")
                    || l.starts_with("reachable ")),
                "{name}: {list:?}"
            );
        }

        // A property edit: the first string property of the last widget that has one.
        let mut edited = flow.clone();
        let mut expected = None;
        for state in states(&mut edited).iter_mut().rev() {
            let widget = state["name"].as_str().unwrap().to_string();
            let Some(properties) = state.get_mut("properties").and_then(Value::as_object_mut)
            else {
                continue;
            };
            let key = properties
                .iter()
                .find(|(k, v)| {
                    v.is_string() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                })
                .map(|(k, _)| k.clone());
            if let Some(key) = key {
                let old = properties[&key].as_str().unwrap().to_string();
                properties[&key] = Value::String(format!("{old} (edited)"));
                expected = Some((widget, key));
                break;
            }
        }
        if let Some((widget, key)) = expected {
            let diff = corpus_diff(name, flow, &edited);
            let changed: Vec<(String, String)> = diff
                .widgets
                .iter()
                .flat_map(|w| {
                    w.properties
                        .iter()
                        .map(|p| (w.name.clone(), p.path.clone()))
                })
                .collect();
            assert_eq!(changed, [(widget.clone(), key.clone())], "{name}");
            assert_eq!(diff.widgets.len(), 1, "{name}");
        }

        // Removing the last widget (what led to it now ends the flow): one removal, and the
        // rewiring of what led to it.
        let mut removed = flow.clone();
        let gone = states(&mut removed).pop().unwrap();
        let gone = gone["name"].as_str().unwrap().to_string();
        let mut expected_rewires = Vec::new();
        for state in states(&mut removed) {
            let from = state["name"].as_str().unwrap().to_string();
            for t in state["transitions"].as_array_mut().into_iter().flatten() {
                if t["next"] == gone.as_str() {
                    t["next"] = Value::String(String::new());
                    expected_rewires.push(from.clone());
                }
            }
        }
        let diff = corpus_diff(name, flow, &removed);
        let removed_widgets: Vec<&str> = diff
            .widgets
            .iter()
            .filter(|w| w.status == WidgetStatus::Removed)
            .map(|w| w.name.as_str())
            .collect();
        assert_eq!(removed_widgets, [gone.as_str()], "{name}");
        let rewires: usize = diff.widgets.iter().map(|w| w.transitions.len()).sum();
        assert_eq!(rewires, expected_rewires.len(), "{name}");
        assert!(
            diff.widgets
                .iter()
                .all(|w| w.status == WidgetStatus::Removed || w.properties.is_empty()),
            "{name}"
        );
        checked += 1;
    }
    assert!(checked > 50, "only {checked} corpus flows were usable");
}

// ---- the command line ---------------------------------------------------------------------

fn binary() -> PathBuf {
    std::env::var_os("FLOWCHECK_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_flowcheck")))
}

fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut child = Command::new(binary())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("flowcheck runs");
    let mut pipe = child.stdin.take().unwrap();
    let _ = pipe.write_all(stdin.unwrap_or_default());
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn run(args: &[&str]) -> Output {
    run_in(&common::repo_root(), args, None)
}

const BASE: &str = "tests/data/diff/ivr.json";

#[test]
fn exit_status_follows_new_findings() {
    let clean = run(&["diff", BASE, "tests/data/diff/offsets.json"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    assert!(stdout(&clean).contains("no behavioural change"));
    let findings = run(&["diff", BASE, "tests/data/diff/findings.json"]);
    assert_eq!(findings.status.code(), Some(1));
    // The new error is enough for --fail-on error; nothing fails --fail-on never.
    let error = run(&[
        "diff",
        "--fail-on",
        "error",
        BASE,
        "tests/data/diff/findings.json",
    ]);
    assert_eq!(error.status.code(), Some(1));
    let never = run(&[
        "diff",
        "--fail-on",
        "never",
        BASE,
        "tests/data/diff/findings.json",
    ]);
    assert_eq!(never.status.code(), Some(0));
    // Going back resolves them: nothing new, exit 0.
    let back = run(&["diff", "tests/data/diff/findings.json", BASE]);
    assert_eq!(back.status.code(), Some(0));
    assert!(stdout(&back).contains("findings: 0 introduced, 2 resolved"));
    // Rules can be chosen as for analyze.
    let ignored = run(&[
        "diff",
        "--ignore",
        "unhandled-event,unreachable-state",
        BASE,
        "tests/data/diff/findings.json",
    ]);
    assert_eq!(ignored.status.code(), Some(0));
}

#[test]
fn trouble_is_exit_2_with_the_file_and_position() {
    let dir = scratch("diff-trouble");
    std::fs::write(
        dir.join("broken.json"),
        "{\"states\": [\n  {\"name\": }\n]}",
    )
    .unwrap();
    let base = common::repo_root().join(BASE);
    let base = base.to_str().unwrap();
    let output = run_in(&dir, &["diff", base, "broken.json"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("error: broken.json:2:12: invalid JSON"),
        "{}",
        stderr(&output)
    );
    let missing = run_in(&dir, &["diff", base, "missing.json"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("missing.json: no such file or directory"));
    let both = run_in(&dir, &["diff", "-", "-"], None);
    assert_eq!(both.status.code(), Some(2));
    assert!(stderr(&both).contains("only one version"));
    std::fs::write(dir.join("other.json"), "{\"name\": \"package\"}").unwrap();
    let other = run_in(&dir, &["diff", base, "other.json"], None);
    assert_eq!(other.status.code(), Some(2));
    assert!(
        stderr(&other).contains("other.json:1:1: not a Studio flow"),
        "{}",
        stderr(&other)
    );
}

#[test]
fn reads_stdin_and_git_revisions() {
    let dir = scratch("diff-git");
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(args)
            .current_dir(&dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        status.is_ok_and(|s| s.success())
    };
    if !git(&["init", "-q", "-b", "main"]) {
        eprintln!("skipped reads_stdin_and_git_revisions: git is not available");
        return;
    }
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    std::fs::copy(data("ivr.json"), dir.join("flows/ivr.json")).unwrap();
    assert!(git(&["add", "flows/ivr.json"]));
    assert!(git(&["commit", "-q", "-m", "ivr"]));
    std::fs::copy(data("rewired.json"), dir.join("flows/ivr.json")).unwrap();
    let output = run_in(
        &dir,
        &["diff", "main:flows/ivr.json", "flows/ivr.json"],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("flowcheck diff main:flows/ivr.json flows/ivr.json\n"),
        "{text}"
    );
    assert!(
        text.contains("failedToEnqueue: say_goodbye → to_sales"),
        "{text}"
    );
    // The staged version, and stdin.
    let staged = run_in(&dir, &["diff", ":flows/ivr.json", "flows/ivr.json"], None);
    assert_eq!(stdout(&staged), text.replace("main:flows", ":flows"));
    let new = std::fs::read(dir.join("flows/ivr.json")).unwrap();
    let piped = run_in(&dir, &["diff", "main:flows/ivr.json", "-"], Some(&new));
    assert!(stdout(&piped).contains("failedToEnqueue: say_goodbye → to_sales"));
    // A path that is not in the revision.
    let missing = run_in(
        &dir,
        &["diff", "main:flows/nope.json", "flows/ivr.json"],
        None,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).starts_with("error: main:flows/nope.json: git show failed:"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn diagrams_on_the_command_line() {
    let mermaid = run(&[
        "diff",
        "--format",
        "mermaid",
        BASE,
        "tests/data/diff/added-removed.json",
    ]);
    assert_eq!(mermaid.status.code(), Some(0));
    assert!(stdout(&mermaid).starts_with("flowchart TD\n"));
    let dir = scratch("diff-svg");
    let svg = dir.join("diff.svg");
    let output = run(&[
        "diff",
        "--format",
        "svg",
        "-o",
        svg.to_str().unwrap(),
        BASE,
        "tests/data/diff/added-removed.json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = std::fs::read_to_string(&svg).unwrap();
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(&text, options).expect("the SVG is well-formed");
    assert!(text.contains("to_sales"), "the removed widget is drawn");
}

/// A scratch folder under the target directory, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---- robustness ---------------------------------------------------------------------------

mod robustness {
    use super::*;
    use proptest::prelude::*;

    /// Every format of a diff, checked for shape; panics (what the property looks for) when
    /// one is malformed.
    fn every_format(old: &FileReport, new: &FileReport) {
        let Ok(diff) = diff::compare(
            &Side {
                label: "old.json".to_string(),
                report: old,
            },
            &Side {
                label: "new.json".to_string(),
                report: new,
            },
            Options { layout: true },
        ) else {
            return;
        };
        assert!(diff::text::render(&diff).starts_with("flowcheck diff old.json new.json\n"));
        serde_json::from_str::<Value>(&diff::json::render(&diff)).expect("the JSON parses");
        assert!(diff::markdown::render(&diff).starts_with(diff::markdown::MARKER));
        let Some(old_flow) = &old.flow else {
            return;
        };
        let Some(drawn) = Diagram::build("new", new, true) else {
            return;
        };
        let marks = diff::diagram::changes(&diff, old_flow);
        graphviz_rust::parse(&changes::dot(&drawn, &marks)).expect("the DOT parses");
        assert!(changes::mermaid(&drawn, &marks).starts_with("flowchart TD\n"));
    }

    /// One edit of a flow's JSON: `(what, which state, which other state)`.
    fn edit(flow: &mut Value, (what, a, b): (u8, usize, usize)) {
        let states = states(flow);
        if states.is_empty() {
            return;
        }
        let (a, b) = (a % states.len(), b % states.len());
        let name_b = states[b]["name"].clone();
        match what % 8 {
            0 => states[a]["name"] = Value::String(format!("w{b}")),
            1 => {
                if let Some(t) = states[a]["transitions"].get_mut(0) {
                    t["next"] = name_b;
                }
            }
            2 => {
                states.remove(a);
            }
            3 => {
                let copy = states[a].clone();
                states.push(copy);
            }
            4 => states.swap(a, b),
            5 => states[a]["type"] = Value::String("say-play".to_string()),
            6 => {
                states[a]["properties"] = serde_json::json!({"say": format!("{{{{widgets.{}.x}}}}", name_b.as_str().unwrap_or("")), "offset": {"x": b}})
            }
            _ => states[a]["name"] = Value::String(String::new()),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn edited_flows_diff_without_panicking(
            base in prop::sample::select(vec!["ivr.json", "trigger.json", "added-removed.json", "findings.json"]),
            edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..8),
        ) {
            let text = std::fs::read_to_string(data(base)).unwrap();
            let mut flow: Value = serde_json::from_str(&text).unwrap();
            for e in edits {
                edit(&mut flow, e);
            }
            let old = analyse("old.json", text);
            let new = analyse("new.json", serde_json::to_string_pretty(&flow).unwrap());
            every_format(&old, &new);
            every_format(&new, &old);
            // A version compared with itself has no change.
            let same = compare(&new, &new, true);
            prop_assert!(change_list(&same).is_empty());
        }

        #[test]
        fn broken_versions_never_panic(
            cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        ) {
            let text = std::fs::read_to_string(data("ivr.json")).unwrap();
            let mut bytes = text.clone().into_bytes();
            for (at, byte) in cuts {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            let old = analyse("old.json", text);
            let new = analyse("new.json", String::from_utf8_lossy(&bytes).into_owned());
            every_format(&old, &new);
            every_format(&new, &old);
        }
    }
}

/// The README's example runs as shown, and its picture is of that change.
#[test]
fn readme_example_is_what_the_command_prints() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let command = "$ flowcheck diff examples/ivr-clean.json tests/data/diff/readme.json\n";
    let start = readme
        .find(command)
        .expect("the README shows the diff example")
        + command.len();
    let end = start + readme[start..].find("```").unwrap();
    let output = run(&[
        "diff",
        "examples/ivr-clean.json",
        "tests/data/diff/readme.json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the example brings in a finding"
    );
    assert_eq!(stdout(&output), &readme[start..end]);
    let svg = std::fs::read_to_string(common::repo_root().join("examples/ivr-change.svg")).unwrap();
    for name in [
        "ask_department",
        "take_message",
        "to_sales",
        "(was main_menu)",
    ] {
        assert!(svg.contains(name), "examples/ivr-change.svg lacks {name}");
    }
}
