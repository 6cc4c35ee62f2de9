//! The command line as a user runs it: formats, exit statuses, and bad inputs.

mod common;

use common::{stderr, stdout};

use std::path::Path;
use std::process::{Command, Output, Stdio};

use std::io::Write;

fn flowcheck(args: &[&str]) -> Output {
    flowcheck_with_stdin(args, None)
}

fn flowcheck_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowcheck"))
        .args(args)
        .current_dir(common::repo_root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("flowcheck runs");
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or_default()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

fn snapshot(name: &str, text: &str) {
    common::snapshot_settings().bind(|| insta::assert_snapshot!(name, text));
}

/// Copies the clean example IVR (7 states, no findings) to `to`.
fn copy_clean_example(to: &Path) {
    std::fs::copy(common::repo_root().join("examples/ivr-clean.json"), to).unwrap();
}

/// A scratch folder under the target directory, emptied first.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn text_report_on_examples() {
    let output = flowcheck(&["analyze", "examples"]);
    assert_eq!(output.status.code(), Some(1));
    snapshot("cli__text_examples", &stdout(&output));
}

#[test]
fn json_report_on_examples() {
    let output = flowcheck(&["analyze", "--format", "json", "examples"]);
    assert_eq!(output.status.code(), Some(1));
    snapshot("cli__json_examples", &stdout(&output));
}

#[test]
fn json_report_follows_the_contract() {
    let output = flowcheck(&[
        "analyze",
        "--format",
        "json",
        "examples/ivr-with-defects.json",
    ]);
    let value = json(&output);
    assert_eq!(value["version"], 1);
    let file = &value["files"][0];
    assert_eq!(file["path"], "examples/ivr-with-defects.json");
    assert!(file["error"].is_null());
    let diagnostics = file["diagnostics"].as_array().unwrap();
    let first = diagnostics
        .iter()
        .find(|d| d["rule"] == "dangling-transition")
        .expect("the example has a dangling transition");
    for key in [
        "rule",
        "severity",
        "message",
        "help",
        "state",
        "event",
        "pointer",
        "line",
        "column",
        "end_line",
        "end_column",
    ] {
        assert!(first.get(key).is_some(), "diagnostic lacks `{key}`");
    }
    assert_eq!(first["pointer"], "/states/7/transitions/0/next");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(170), Some(19))
    );
    let summary = &value["summary"];
    assert_eq!(summary["files"], 1);
    assert_eq!(
        summary["errors"].as_u64().unwrap() as usize,
        file["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == "error")
            .count()
    );
}

#[test]
fn clean_flows_exit_zero() {
    let output = flowcheck(&[
        "analyze",
        "examples/ivr-clean.json",
        "examples/api-resource.json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(stdout(&output), "No problems found in 2 files.\n");
}

#[test]
fn fail_on_sets_the_threshold() {
    let only_warning = [
        "analyze",
        "--select",
        "unknown-widget-type",
        "examples/ivr-with-defects.json",
    ];
    assert_eq!(flowcheck(&only_warning).status.code(), Some(1));
    let mut args = only_warning.to_vec();
    args.extend(["--fail-on", "error"]);
    assert_eq!(flowcheck(&args).status.code(), Some(0));
    let never = [
        "analyze",
        "--fail-on",
        "never",
        "examples/ivr-with-defects.json",
    ];
    assert_eq!(flowcheck(&never).status.code(), Some(0));
}

#[test]
fn select_and_ignore_filter_rules() {
    let output = flowcheck(&[
        "analyze",
        "--format",
        "json",
        "--ignore",
        "unknown-widget-type,unknown-event",
        "examples/ivr-with-defects.json",
    ]);
    let rules: Vec<_> = json(&output)["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect();
    assert!(!rules.is_empty());
    assert!(
        !rules
            .iter()
            .any(|r| r == "unknown-widget-type" || r == "unknown-event")
    );
}

#[test]
fn unknown_rule_id_is_a_usage_error() {
    let output = flowcheck(&["analyze", "--select", "dangling-transitions", "examples"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("did you mean `dangling-transition`?"));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let output = flowcheck(&["analyze", "--frobnicate", "examples"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--frobnicate"));
}

#[test]
fn reads_stdin() {
    let text = std::fs::read(common::repo_root().join("examples/ivr-with-defects.json")).unwrap();
    let output = flowcheck_with_stdin(&["analyze", "--format", "json", "-"], Some(&text));
    let value = json(&output);
    assert_eq!(value["files"][0]["path"], "-");
    assert!(
        !value["files"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn bad_inputs_are_reported_and_the_others_still_analysed() {
    let dir = scratch("bad_inputs");
    std::fs::write(dir.join("a_empty.json"), "").unwrap();
    std::fs::write(dir.join("b_not_json.json"), "states: nope\n").unwrap();
    std::fs::write(
        dir.join("c_truncated.json"),
        "{\n  \"states\": [\n    {\"name\": \"x\"",
    )
    .unwrap();
    std::fs::write(dir.join("e_bad_utf8.json"), b"{\"states\": [\"\xff\"]}").unwrap();
    std::fs::write(
        dir.join("f_no_name.json"),
        "{\"states\": [{\"type\": \"trigger\"}]}",
    )
    .unwrap();
    std::fs::write(
        dir.join("g_transitions.json"),
        "{\"states\": [{\"name\": \"a\", \"type\": \"trigger\", \"transitions\": {}}]}",
    )
    .unwrap();
    std::fs::write(dir.join("h_bom.json"), "\u{feff}{\"description\": \"\", \"initial_state\": \"T\", \"states\": [{\"name\": \"T\", \"type\": \"trigger\", \"transitions\": []}]}").unwrap();
    std::fs::write(dir.join("i_deep.json"), "[".repeat(100_000)).unwrap();
    copy_clean_example(&dir.join("z_good.json"));
    let missing = dir.join("missing.json");
    // Found in a folder, a JSON array or a text that is not JSON and names no `states` is not
    // a flow and is passed over; named, each is an error.
    let array = dir.join("d_array.json");
    std::fs::write(&array, "[1, 2]\n").unwrap();
    let output = flowcheck(&[
        "analyze",
        "--format",
        "json",
        dir.to_str().unwrap(),
        missing.to_str().unwrap(),
        array.to_str().unwrap(),
        dir.join("b_not_json.json").to_str().unwrap(),
        dir.join("i_deep.json").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let value = json(&output);
    let lines: Vec<String> = value["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = Path::new(f["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            match f["error"].as_object() {
                Some(e) => format!(
                    "{name}: {}:{}: {}",
                    e["line"],
                    e["column"],
                    e["message"].as_str().unwrap()
                ),
                None => format!(
                    "{name}: {} states, {} findings",
                    f["states"],
                    f["diagnostics"].as_array().unwrap().len()
                ),
            }
        })
        .collect();
    snapshot("cli__bad_inputs", &lines.join("\n"));
}

#[test]
fn bad_input_text_report_points_at_the_position() {
    let dir = scratch("bad_text");
    let path = dir.join("trailing_comma.json");
    std::fs::write(&path, "{\n  \"states\": [],\n}\n").unwrap();
    let output = flowcheck(&["analyze", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let text = stdout(&output).replace(dir.to_str().unwrap(), "<dir>");
    snapshot("cli__bad_input_text", &text);
}

#[test]
fn directories_skip_json_files_that_are_not_flows() {
    let dir = scratch("not_flows");
    std::fs::write(dir.join("package.json"), "{\"name\": \"x\"}").unwrap();
    copy_clean_example(&dir.join("flow.json"));
    let output = flowcheck(&["analyze", "--format", "json", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["files"].as_array().unwrap().len(), 1);
    // Named explicitly (a pre-commit hook passes every JSON file), it is skipped with a note.
    let named = dir.join("package.json");
    let output = flowcheck(&["analyze", named.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains("not a Studio flow"),
        "{}",
        stderr(&output)
    );
    // So is a tsconfig.json with comments, found in a folder: it never fails the run.
    std::fs::write(
        dir.join("tsconfig.json"),
        "{ // comment\n \"strict\": true }\n",
    )
    .unwrap();
    let output = flowcheck(&["analyze", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn a_folder_without_flows_is_an_error() {
    let dir = scratch("no_flows");
    std::fs::write(dir.join("package.json"), "{\"name\": \"x\"}").unwrap();
    let output = flowcheck(&["analyze", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no Studio flow found"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_same_file_twice_is_analysed_once() {
    let dir = scratch("twice");
    copy_clean_example(&dir.join("flow.json"));
    let file = dir.join("flow.json");
    let output = flowcheck(&[
        "analyze",
        "--format",
        "json",
        "-j",
        "64",
        file.to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["files"].as_array().unwrap().len(), 1);
}

#[test]
fn rule_lists_are_trimmed_and_extend_select_adds() {
    let output = flowcheck(&[
        "analyze",
        "--no-config",
        "--format",
        "json",
        "--select",
        "unreachable-state, dangling-transition",
        "--extend-select",
        " unhandled-event",
        "examples/ivr-with-defects.json",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let mut rules: Vec<String> = json(&output)["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect();
    rules.sort();
    rules.dedup();
    assert_eq!(
        rules,
        [
            "dangling-transition",
            "unhandled-event",
            "unreachable-state"
        ]
    );
}

#[test]
fn stdin_findings_carry_the_stdin_filename() {
    let text = std::fs::read(common::repo_root().join("examples/ivr-with-defects.json")).unwrap();
    let output = flowcheck_with_stdin(
        &[
            "analyze",
            "--format",
            "json",
            "--stdin-filename",
            "flows/ivr.json",
            "-",
        ],
        Some(&text),
    );
    assert_eq!(json(&output)["files"][0]["path"], "flows/ivr.json");
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_not_followed_forever() {
    let dir = scratch("symlink_loop");
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("sub/back")).unwrap();
    copy_clean_example(&dir.join("flow.json"));
    // A link back to a parent folder is common in mixed repositories: it is not followed
    // again, and it does not fail the run.
    let output = flowcheck(&["analyze", "--format", "json", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(
        text.contains("\"states\": 7"),
        "the flow beside the loop is analysed: {text}"
    );
}

#[test]
fn never_writes_the_report_over_an_input() {
    let dir = scratch("overwrite");
    let path = dir.join("flow.json");
    copy_clean_example(&path);
    let before = std::fs::read(&path).unwrap();
    let output = flowcheck(&[
        "analyze",
        path.to_str().unwrap(),
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn output_file_receives_the_report() {
    let dir = scratch("output");
    let out = dir.join("report.json");
    let output = flowcheck(&[
        "analyze",
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
        "examples",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(value["summary"]["files"], 4);
}

#[test]
fn rules_lists_every_rule() {
    let output = flowcheck(&["rules"]);
    assert_eq!(output.status.code(), Some(0));
    snapshot("cli__rules", &stdout(&output));
    let listed = json(&flowcheck(&["rules", "--format", "json"]));
    assert_eq!(
        listed.as_array().unwrap().len(),
        flowcheck::rules::all_metas().count()
    );
}

#[test]
fn explain_prints_the_rule_doc() {
    let output = flowcheck(&["explain", "dangling-transition"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).starts_with("# dangling-transition\n"));
    let output = flowcheck(&["explain", "no-such-rule"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn colour_only_when_asked() {
    let plain = flowcheck(&["analyze", "examples/ivr-with-defects.json"]);
    assert!(!stdout(&plain).contains('\u{1b}'));
    let coloured = flowcheck(&[
        "analyze",
        "--color",
        "always",
        "examples/ivr-with-defects.json",
    ]);
    assert!(stdout(&coloured).contains('\u{1b}'));
}

fn minimal_flow(states: &str) -> String {
    format!(
        r#"{{"description": "t", "initial_state": "Trigger", "flags": {{"allow_concurrent_calls": true}}, "states": [{states}]}}"#
    )
}

const TRIGGER: &str = r#"{"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "hello"}]}"#;

/// Writes a flow of the trigger and `state` (a state named `hello`, as JSON) to `dir/file`
/// and analyses it with the JSON report.
fn analyze_state(dir: &Path, file: &str, state: &str) -> Output {
    std::fs::write(dir.join(file), minimal_flow(&format!("{TRIGGER}, {state}"))).unwrap();
    flowcheck(&[
        "analyze",
        "--format",
        "json",
        dir.join(file).to_str().unwrap(),
    ])
}

#[test]
fn a_50_megabyte_string_is_analysed() {
    let dir = scratch("huge_string");
    let say = "x".repeat(50 * 1024 * 1024);
    let hello = format!(
        r#"{{"name": "hello", "type": "say-play", "transitions": [{{"event": "audioComplete"}}], "properties": {{"say": "{say}"}}}}"#
    );
    let output = analyze_state(&dir, "big.json", &hello);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn a_flow_of_100000_states_is_analysed() {
    let dir = scratch("many_states");
    let mut states = vec![TRIGGER.to_string()];
    for i in 0..100_000 {
        let name = if i == 0 {
            "hello".to_string()
        } else {
            format!("s{i}")
        };
        let next = if i + 1 < 100_000 {
            format!("s{}", i + 1)
        } else {
            String::new()
        };
        states.push(format!(r#"{{"name": "{name}", "type": "set-variables", "transitions": [{{"event": "next", "next": "{next}"}}], "properties": {{"variables": []}}}}"#));
    }
    std::fs::write(dir.join("many.json"), minimal_flow(&states.join(","))).unwrap();
    let output = flowcheck(&[
        "analyze",
        "--format",
        "json",
        dir.join("many.json").to_str().unwrap(),
    ]);
    let value = json(&output);
    assert_eq!(value["files"][0]["states"], 100_001);
    let rules: Vec<&str> = value["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["schema-violation"],
        "only Studio's 1,000-state limit is broken"
    );
}

#[test]
fn nesting_just_under_the_limit_goes_through_every_rule() {
    let dir = scratch("nested");
    let depth = 250;
    let deep = format!(
        "{}\"{{{{widgets.nope.x}}}}\"{}",
        "{\"a\": [".repeat(depth / 2),
        "]}".repeat(depth / 2)
    );
    let hello = format!(
        r#"{{"name": "hello", "type": "say-play", "transitions": [{{"event": "audioComplete"}}], "properties": {{"say": "hi", "deep": {deep}}}}}"#
    );
    std::fs::write(
        dir.join("deep.json"),
        minimal_flow(&format!("{TRIGGER}, {hello}")),
    )
    .unwrap();
    let output = flowcheck(&["analyze", dir.join("deep.json").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("undefined-widget-reference"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn duplicate_keys_take_the_last_value_and_are_reported() {
    let dir = scratch("duplicate_keys");
    let hello = r#"{"name": "first", "name": "hello", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "hi"}}"#;
    let output = analyze_state(&dir, "dup.json", hello);
    let value = json(&output);
    let rules: Vec<&str> = value["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    // `hello` exists (the last `name` wins), so nothing dangles; the repeated key is reported.
    assert_eq!(rules, ["malformed-flow"], "{}", stdout(&output));
}

#[test]
fn numbers_where_strings_belong() {
    let dir = scratch("numbers");
    let cases = [
        (
            "name.json",
            r#"{"name": 5, "type": "say-play", "transitions": []}"#,
        ),
        (
            "next.json",
            r#"{"name": "hello", "type": "say-play", "transitions": [{"event": "audioComplete", "next": 7}]}"#,
        ),
        (
            "say.json",
            r#"{"name": "hello", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": 42}}"#,
        ),
    ];
    let mut lines = Vec::new();
    for (file, state) in cases {
        std::fs::write(dir.join(file), minimal_flow(&format!("{TRIGGER}, {state}"))).unwrap();
        let output = flowcheck(&[
            "analyze",
            "--format",
            "json",
            dir.join(file).to_str().unwrap(),
        ]);
        let value = json(&output);
        let entry = &value["files"][0];
        let line = match entry["error"].as_object() {
            Some(e) => format!(
                "{file}: exit {:?}: {}:{}: {}",
                output.status.code(),
                e["line"],
                e["column"],
                e["message"].as_str().unwrap()
            ),
            None => {
                let findings: Vec<String> = entry["diagnostics"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| {
                        format!(
                            "\n  {}:{}: {} {}",
                            d["line"],
                            d["column"],
                            d["rule"].as_str().unwrap(),
                            d["message"].as_str().unwrap()
                        )
                    })
                    .collect();
                format!(
                    "{file}: exit {:?}:{}",
                    output.status.code(),
                    findings.concat()
                )
            }
        };
        lines.push(line);
    }
    snapshot("cli__numbers_where_strings_belong", &lines.join("\n"));
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = scratch("fifo");
    let fifo = dir.join("pipe.json");
    let status = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    copy_clean_example(&dir.join("flow.json"));
    // In a directory a FIFO is not a flow file and is passed over; named, it is an error.
    let walked = flowcheck(&["analyze", dir.to_str().unwrap()]);
    assert_eq!(walked.status.code(), Some(0), "{}", stdout(&walked));
    let named = flowcheck(&[
        "analyze",
        fifo.to_str().unwrap(),
        dir.join("flow.json").to_str().unwrap(),
    ]);
    assert_eq!(named.status.code(), Some(2));
    let text = stdout(&named);
    assert!(text.contains("not a regular file"), "{text}");
    assert!(text.contains("1 file could not be analysed"), "{text}");
}

#[test]
fn directories_honour_gitignore_and_skip_hidden_folders() {
    let dir = scratch("gitignore");
    std::fs::write(dir.join(".gitignore"), "generated/\n").unwrap();
    for sub in ["generated", ".cache", "node_modules"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join("broken.json"), "{\"states\": [").unwrap();
    }
    copy_clean_example(&dir.join("flow.json"));
    let output = flowcheck(&["analyze", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(stdout(&output), "No problems found in 1 file.\n");
}

/// Tests run as root here, so permissions cannot make a file unreadable; a dangling link is
/// the file a directory lists but nobody can read.
#[cfg(unix)]
#[test]
fn a_directory_with_an_unreadable_file_reports_it_and_the_rest() {
    let dir = scratch("unreadable");
    std::os::unix::fs::symlink(dir.join("gone.json"), dir.join("a_dangling.json")).unwrap();
    copy_clean_example(&dir.join("flow.json"));
    let output = flowcheck(&["analyze", "--format", "json", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let value = json(&output);
    let files = value["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{value}");
    assert!(
        files[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("a_dangling.json")
    );
    assert_eq!(files[0]["error"]["message"], "no such file or directory");
    assert_eq!(files[1]["states"], 7);
}

/// A flow in Studio's pre-2019 format gets one clear message and exit 2 from `analyze` and
/// `graph`, instead of a finding for every widget; the other files are still analysed.
#[test]
fn legacy_export_format_gets_one_message() {
    let legacy = common::repo_root().join("tests/data/legacy/studio-2018-export.json");
    let clean = common::repo_root().join("examples/ivr-clean.json");
    let output = flowcheck(&[
        "analyze",
        "--format",
        "json",
        legacy.to_str().unwrap(),
        clean.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let value = json(&output);
    let files = value["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(files[0]["diagnostics"].as_array().unwrap().is_empty());
    let error = &files[0]["error"];
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("pre-2019 definition format"),
        "{error}"
    );
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(7), Some(15))
    );
    assert_eq!(files[1]["states"], 7, "the other file is analysed");
    let drawn = flowcheck(&["graph", legacy.to_str().unwrap()]);
    assert_eq!(drawn.status.code(), Some(2));
    assert!(stderr(&drawn).contains("pre-2019 definition format"));
}

#[test]
fn exclude_globs_leave_folders_out_of_directory_searches() {
    let dir = scratch("exclude");
    std::fs::create_dir_all(dir.join("legacy")).unwrap();
    copy_clean_example(&dir.join("flow.json"));
    std::fs::write(dir.join("legacy/broken.json"), "{\"states\": [").unwrap();
    let all = flowcheck(&["analyze", "--no-config", dir.to_str().unwrap()]);
    assert_eq!(all.status.code(), Some(2), "the broken file is found");
    let excluded = flowcheck(&[
        "analyze",
        "--no-config",
        "--extend-exclude",
        "legacy",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(excluded.status.code(), Some(0), "{}", stdout(&excluded));
    std::fs::write(
        dir.join("flowcheck.toml"),
        "extend-exclude = [\"legacy\"]\n",
    )
    .unwrap();
    let configured = flowcheck(&[
        "analyze",
        "--config",
        dir.join("flowcheck.toml").to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    assert_eq!(configured.status.code(), Some(0), "{}", stdout(&configured));
}

#[test]
fn concise_and_markdown_reports_on_examples() {
    let concise = flowcheck(&["analyze", "--no-config", "--format", "concise", "examples"]);
    assert_eq!(concise.status.code(), Some(1));
    snapshot("cli__concise_examples", &stdout(&concise));
    let markdown = flowcheck(&["analyze", "--no-config", "--format", "markdown", "examples"]);
    assert_eq!(markdown.status.code(), Some(1));
    snapshot("cli__markdown_examples", &stdout(&markdown));
}

#[test]
fn crlf_files_show_no_carriage_returns_in_excerpts() {
    let dir = scratch("crlf");
    let text = std::fs::read_to_string(common::repo_root().join("examples/ivr-with-defects.json"))
        .unwrap()
        .replace('\n', "\r\n");
    let path = dir.join("crlf.json");
    std::fs::write(&path, text).unwrap();
    let output = flowcheck(&[
        "analyze",
        "--no-config",
        "--color",
        "never",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let printed = stdout(&output);
    assert!(
        !printed.contains('␍') && !printed.contains('\r'),
        "{printed}"
    );
    // Positions are the same as in the LF file.
    assert!(printed.contains("crlf.json:56:19"), "{printed}");
}

/// The twilio CLI's `api:studio:v2:flows:fetch -o json` writes a JSON array of Flows API
/// resources: each flow is analysed, with positions in the file.
#[test]
fn a_twilio_cli_list_of_flows_is_analysed_flow_by_flow() {
    let dir = scratch("cli_list");
    let read = |name: &str| -> serde_json::Value {
        let text =
            std::fs::read_to_string(common::repo_root().join("examples").join(name)).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let list = serde_json::json!([
        {"sid": "FW00000000000000000000000000000001", "friendly_name": "clean", "definition": read("ivr-clean.json")},
        {"sid": "FW00000000000000000000000000000002", "friendly_name": "defects", "definition": read("ivr-with-defects.json")},
    ]);
    let path = dir.join("flows.json");
    std::fs::write(&path, serde_json::to_string_pretty(&list).unwrap()).unwrap();
    let output = flowcheck(&[
        "analyze",
        "--no-config",
        "--format",
        "json",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let value = json(&output);
    let files = value["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(files[0]["diagnostics"].as_array().unwrap().is_empty());
    let findings = files[1]["diagnostics"].as_array().unwrap();
    assert!(!findings.is_empty());
    let text = std::fs::read_to_string(&path).unwrap();
    for d in findings {
        let pointer = d["pointer"].as_str().unwrap();
        assert!(pointer.starts_with("/1/definition/"), "{pointer}");
        // The line really is inside the second resource, after all of the first one.
        let line = d["line"].as_u64().unwrap() as usize;
        let first_ends = text.find("\"FW00000000000000000000000000000001\"").unwrap();
        assert!(line > text[..first_ends].lines().count(), "{d}");
    }
}

/// Terraform's `jsonencode` and Pulumi store the definition as a JSON string: it is analysed,
/// and findings point inside the string.
#[test]
fn a_definition_written_as_a_json_string_is_analysed() {
    let dir = scratch("string_definition");
    let definition =
        std::fs::read_to_string(common::repo_root().join("examples/ivr-with-defects.json"))
            .unwrap();
    let resource =
        serde_json::json!({"sid": "FW00000000000000000000000000000003", "definition": definition});
    let path = dir.join("resource.json");
    let text = serde_json::to_string(&resource).unwrap();
    std::fs::write(&path, &text).unwrap();
    let output = flowcheck(&[
        "analyze",
        "--no-config",
        "--format",
        "json",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let value = json(&output);
    let findings = value["files"][0]["diagnostics"].as_array().unwrap();
    assert!(!findings.is_empty());
    // Each finding underlines its value inside the string: e.g. the dangling `next`.
    let dangling = findings
        .iter()
        .find(|d| d["rule"] == "dangling-transition")
        .expect("the example has a dangling transition");
    let column = dangling["column"].as_u64().unwrap() as usize;
    let end = dangling["end_column"].as_u64().unwrap() as usize;
    let underlined: String = text.chars().skip(column - 1).take(end - column).collect();
    assert!(
        underlined.contains("\\\""),
        "quoted inside the string: {underlined}"
    );
}

/// The README's quick start names the rules the defective example triggers: keep it true.
#[test]
fn readme_names_the_rules_the_example_triggers() {
    let output = flowcheck(&["analyze", "--no-config", "--format", "json", "examples"]);
    let value = json(&output);
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let quick_start = readme.split("## Usage").next().unwrap().replace('\n', " ");
    for file in value["files"].as_array().unwrap() {
        let mut rules: Vec<&str> = file["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["rule"].as_str().unwrap())
            .collect();
        rules.sort_unstable();
        rules.dedup();
        let path = file["path"].as_str().unwrap();
        if path.ends_with("ivr-with-defects.json") {
            for rule in &rules {
                assert!(
                    quick_start.contains(&format!("`{rule}`")),
                    "README omits {rule}"
                );
            }
            let count = [
                "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            ];
            assert!(
                quick_start.contains(&format!("{} kinds of defect", count[rules.len()])),
                "README counts the kinds of defect wrong: {rules:?}"
            );
        } else {
            assert!(rules.is_empty(), "README says {path} is clean: {rules:?}");
        }
    }
}

#[test]
fn completions_offer_rule_ids_and_the_man_page_documents_exit_codes() {
    let completions = flowcheck(&["completions", "bash"]);
    assert!(stdout(&completions).contains("unreachable-state"));
    let man = flowcheck(&["man"]);
    let page = stdout(&man);
    assert!(
        page.contains("EXIT STATUS") && page.contains("flowcheck.toml"),
        "{page}"
    );
}

#[test]
fn selecting_a_rule_the_config_turns_off_says_so() {
    let dir = scratch("selected_but_off");
    copy_clean_example(&dir.join("flow.json"));
    let config = dir.join("flowcheck.toml");
    std::fs::write(&config, "[severity]\nunreachable-state = \"off\"\n").unwrap();
    let output = flowcheck(&[
        "analyze",
        "--config",
        config.to_str().unwrap(),
        "--select",
        "unreachable-state",
        dir.join("flow.json").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains("`unreachable-state` is selected, but"),
        "{}",
        stderr(&output)
    );
}

/// A flow written on one long line: the text report shows a piece of the line around each
/// finding (not the whole line once per finding, which took minutes on a large flow) and
/// still gives the true line and column.
#[test]
fn one_line_flows_show_a_piece_of_the_line_at_the_true_column() {
    let say = |i: usize| {
        format!(
            r#"{{"name":"s{i}","type":"say-play","properties":{{"say":"{}"}},"transitions":[{{"event":"audioComplete","next":"s{}"}}]}}"#,
            "x".repeat(100),
            i + 1
        )
    };
    let states: Vec<String> = (0..60).map(say).collect();
    let text = format!(
        r#"{{"description":"d","initial_state":"t","flags":{{"allow_concurrent_calls":true}},"states":[{{"name":"t","type":"trigger","properties":{{}},"transitions":[{{"event":"incomingCall","next":"s0"}}]}},{}]}}"#,
        states.join(",")
    );
    assert!(text.len() > 8000 && !text.contains('\n'));
    let path = scratch("one-line").join("flow.json");
    std::fs::write(&path, &text).unwrap();
    let path = path.to_str().unwrap();
    let report = json(&flowcheck(&[
        "analyze",
        "--no-config",
        "--format",
        "json",
        path,
    ]));
    let findings = report["files"][0]["diagnostics"].as_array().unwrap();
    let last = findings.last().expect("the last state's `next` dangles");
    let column = last["column"].as_u64().unwrap();
    assert!(column > 8000, "{last}");
    let output = flowcheck(&["analyze", "--no-config", path]);
    let shown = String::from_utf8(output.stdout).unwrap();
    assert!(shown.contains(&format!("{path}:1:{column}\n")), "{shown}");
    let longest = shown.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 1000, "a line of {longest} bytes was shown");
}
