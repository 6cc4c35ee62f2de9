//! CI and editor integrations: SARIF, GitHub annotations, configuration, baselines,
//! statistics, completions and the manual page.

mod common;

use common::{stderr, stdout};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn flowcheck_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowcheck"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("flowcheck runs")
}

fn snapshot(name: &str, text: &str) {
    common::snapshot_settings().bind(|| insta::assert_snapshot!(name, text));
}

/// A scratch project: the defective example as `flows/ivr.json`, and `flowcheck.toml` when
/// given.
fn project(name: &str, config: Option<&str>) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    std::fs::copy(
        common::repo_root().join("examples/ivr-with-defects.json"),
        dir.join("flows/ivr.json"),
    )
    .unwrap();
    if let Some(text) = config {
        std::fs::write(dir.join("flowcheck.toml"), text).unwrap();
    }
    dir
}

fn rules_reported(output: &Output) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let mut rules: Vec<String> = value["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["diagnostics"].as_array().unwrap().clone())
        .map(|d| {
            format!(
                "{}:{}",
                d["rule"].as_str().unwrap(),
                d["severity"].as_str().unwrap()
            )
        })
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

#[test]
fn sarif_report_validates_against_the_sarif_schema() {
    let dir = project("sarif", None);
    let output = flowcheck_in(
        &dir,
        &[
            "analyze",
            "--format",
            "sarif",
            "--project-root",
            ".",
            "flows",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let schema_text =
        std::fs::read_to_string(common::repo_root().join("tests/data/sarif-2.1.0.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), flowcheck::rules::all_metas().count());
    for rule in rules {
        for key in [
            "id",
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
        ] {
            assert!(rule.get(key).is_some(), "rule lacks {key}: {rule}");
        }
    }
    let result = &run["results"][0];
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "flows/ivr.json"
    );
    assert!(result["partialFingerprints"]["flowcheckFinding/v1"].is_string());
}

#[test]
fn sarif_fingerprints_survive_edits_elsewhere_in_the_file() {
    let dir = project("fingerprints", None);
    let fingerprints = |dir: &Path| -> Vec<String> {
        let output = flowcheck_in(dir, &["analyze", "--format", "sarif", "flows/ivr.json"]);
        let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let mut prints: Vec<String> = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["flowcheckFinding/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        prints.sort();
        prints
    };
    let before = fingerprints(&dir);
    // Insert lines at the top: every finding moves down, none changes.
    let path = dir.join("flows/ivr.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen('{', "{\n\n\n  \"friendly_name\": \"moved\",", 1),
    )
    .unwrap();
    assert_eq!(fingerprints(&dir), before);
}

#[test]
fn github_annotations_snapshot() {
    let dir = project("github", None);
    let output = flowcheck_in(
        &dir,
        &[
            "analyze",
            "--format",
            "github",
            "--project-root",
            ".",
            "flows",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    snapshot("integrations__github", &stdout(&output));
}

#[test]
fn sarif_snapshot() {
    let dir = project("sarif_snapshot", None);
    let output = flowcheck_in(
        &dir,
        &[
            "analyze",
            "--format",
            "sarif",
            "--project-root",
            ".",
            "--select",
            "dangling-transition",
            "flows",
        ],
    );
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let result = serde_json::to_string_pretty(&sarif["runs"][0]["results"]).unwrap();
    snapshot("integrations__sarif_results", &result);
}

#[test]
fn config_is_found_from_a_subdirectory_and_applied() {
    let config = r#"
ignore = ["unknown-widget-type"]
fail-on = "error"

[severity]
loop-without-wait = "error"
unreachable-state = "off"

[per-path-ignores]
"flows/*.json" = ["deprecated-widget", "duplicate-state-name"]

[[suppress]]
file = "flows/ivr.json"
rule = "unhandled-event"
state = "menu"
event = "timeout"
reason = "the IVR platform repeats the menu"
"#;
    let dir = project("config_applied", Some(config));
    let output = flowcheck_in(
        &dir.join("flows"),
        &["analyze", "--format", "json", "ivr.json"],
    );
    let rules = rules_reported(&output);
    assert!(
        rules.contains(&"loop-without-wait:error".to_string()),
        "{rules:?}"
    );
    for gone in [
        "unknown-widget-type",
        "unreachable-state",
        "duplicate-state-name",
    ] {
        assert!(
            !rules.iter().any(|r| r.starts_with(gone)),
            "{gone} in {rules:?}"
        );
    }
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let suppressed = value["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["state"] == "menu" && d["event"] == "timeout");
    assert!(!suppressed, "the suppressed finding is reported");
}

#[test]
fn command_line_overrides_the_config() {
    let dir = project(
        "precedence",
        Some("select = [\"unknown-widget-type\"]\nfail-on = \"never\"\n"),
    );
    let from_config = flowcheck_in(&dir, &["analyze", "--format", "json", "flows"]);
    assert_eq!(
        rules_reported(&from_config),
        ["unknown-widget-type:warning"]
    );
    assert_eq!(
        from_config.status.code(),
        Some(0),
        "fail-on from the config"
    );
    let overridden = flowcheck_in(
        &dir,
        &[
            "analyze",
            "--format",
            "json",
            "--select",
            "duplicate-state-name",
            "--fail-on",
            "error",
            "flows",
        ],
    );
    assert_eq!(rules_reported(&overridden), ["duplicate-state-name:error"]);
    assert_eq!(overridden.status.code(), Some(1));
    let without = flowcheck_in(
        &dir,
        &["analyze", "--format", "json", "--no-config", "flows"],
    );
    assert!(rules_reported(&without).len() > 3);
    let explicit = dir.join("other.toml");
    std::fs::write(&explicit, "select = [\"unreachable-state\"]\n").unwrap();
    let named = flowcheck_in(
        &dir,
        &[
            "analyze",
            "--format",
            "json",
            "--config",
            "other.toml",
            "flows",
        ],
    );
    assert_eq!(rules_reported(&named), ["unreachable-state:warning"]);
}

#[test]
fn unused_suppressions_are_reported() {
    let config = "[[suppress]]\nfile = \"flows/ivr.json\"\nrule = \"dangling-transition\"\nstate = \"welcome\"\n\n\
                  [[suppress]]\nfile = \"flows/other.json\"\nrule = \"dangling-transition\"\n";
    let dir = project("unused", Some(config));
    let output = flowcheck_in(
        &dir,
        &[
            "analyze",
            "--select",
            "dangling-transition,unused-suppression",
            "flows",
        ],
    );
    snapshot("integrations__unused_suppression", &stdout(&output));
}

#[test]
fn config_errors_name_the_line_and_column() {
    let cases = [
        ("unknown_key", "selec = [\"dangling-transition\"]\n"),
        ("unknown_rule", "ignore = [\"dangling-transitions\"]\n"),
        ("bad_severity", "[severity]\nunreachable-state = \"loud\"\n"),
        (
            "unknown_rule_in_severity",
            "[severity]\nunreachable = \"off\"\n",
        ),
        (
            "bad_glob",
            "[per-path-ignores]\n\"flows/[\" = [\"unreachable-state\"]\n",
        ),
        ("bad_fail_on", "fail-on = \"sometimes\"\n"),
        (
            "suppress_without_rule",
            "[[suppress]]\nfile = \"flows/ivr.json\"\n",
        ),
        ("not_toml", "select = [\n"),
    ];
    let mut lines = Vec::new();
    for (name, text) in cases {
        let dir = project(&format!("config_error_{name}"), Some(text));
        let output = flowcheck_in(&dir, &["analyze", "flows"]);
        assert_eq!(output.status.code(), Some(2), "{name}");
        assert!(
            output.stdout.is_empty(),
            "{name}: nothing is analysed with a broken config"
        );
        lines.push(format!("{name}: {}", stderr(&output).trim()));
    }
    snapshot("integrations__config_errors", &lines.join("\n"));
}

#[test]
fn baseline_round_trip_reports_only_new_findings() {
    let dir = project("baseline", None);
    let write = flowcheck_in(
        &dir,
        &["analyze", "--write-baseline", "baseline.json", "flows"],
    );
    assert_eq!(write.status.code(), Some(0), "{}", stderr(&write));
    let with = flowcheck_in(&dir, &["analyze", "--baseline", "baseline.json", "flows"]);
    assert_eq!(with.status.code(), Some(0));
    assert_eq!(stdout(&with), "No problems found in 1 file.\n");
    // Move everything down (edits elsewhere) and add one new defect.
    let path = dir.join("flows/ivr.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text
        .replacen('{', "{\n\n", 1)
        .replace("\"next\": \"menu\"", "\"next\": \"menuu\"");
    std::fs::write(&path, text).unwrap();
    let after = flowcheck_in(
        &dir,
        &[
            "analyze",
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            "flows",
        ],
    );
    assert_eq!(after.status.code(), Some(1));
    // The typo is new, and so is what it cuts off: `menu` is no longer reachable.
    assert_eq!(
        rules_reported(&after),
        ["dangling-transition:error", "unreachable-state:warning"]
    );
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"version\": 1, \"findings\": 3}").unwrap();
    let bad = flowcheck_in(&dir, &["analyze", "--baseline", "broken.json", "flows"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("broken.json:1:"), "{}", stderr(&bad));
}

#[test]
fn statistics_count_findings_per_rule() {
    let dir = project("statistics", None);
    let output = flowcheck_in(&dir, &["analyze", "--statistics", "flows"]);
    assert_eq!(output.status.code(), Some(1));
    snapshot("integrations__statistics", &stdout(&output));
}

#[test]
fn quiet_prints_no_summary() {
    let dir = project("quiet", None);
    let output = flowcheck_in(
        &dir,
        &[
            "analyze",
            "--quiet",
            "--select",
            "dangling-transition",
            "flows",
        ],
    );
    let text = stdout(&output);
    assert!(text.contains("error[dangling-transition]"));
    assert!(!text.contains("Found "), "{text}");
}

#[test]
fn completions_and_manual_page() {
    let dir = common::repo_root();
    for shell in ["bash", "zsh", "fish"] {
        let output = flowcheck_in(&dir, &["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        assert!(stdout(&output).contains("analyze"), "{shell}");
    }
    let man = flowcheck_in(&dir, &["man"]);
    assert_eq!(man.status.code(), Some(0));
    assert!(stdout(&man).starts_with(".ie"), "{}", &stdout(&man)[..40]);
    assert!(stdout(&man).contains("flowcheck"));
}

#[test]
fn pre_commit_hook_runs_flowcheck_on_json() {
    let text = std::fs::read_to_string(common::repo_root().join(".pre-commit-hooks.yaml")).unwrap();
    assert!(text.contains("id: flowcheck"));
    assert!(text.contains("entry: flowcheck analyze"));
    assert!(text.contains("language: rust"));
}

/// Paths are relative to the project root (`--project-root`, else the git work tree); a file
/// outside it is an absolute `file://` URI, never `../..`.
#[test]
fn sarif_and_github_paths_are_relative_to_the_project_root() {
    let dir = project("project_root", None);
    std::fs::create_dir_all(dir.join("repo")).unwrap();
    let run = |format: &str| {
        let output = flowcheck_in(
            &dir.join("repo"),
            &[
                "analyze",
                "--format",
                format,
                "--project-root",
                ".",
                "../flows/ivr.json",
            ],
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    let run0 = &sarif["runs"][0];
    let uri = run0["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/flows/ivr.json"),
        "{uri}"
    );
    assert!(!uri.contains(".."), "{uri}");
    let base = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with("/repo/"),
        "{base}"
    );
    let inside = flowcheck_in(
        &dir,
        &[
            "analyze",
            "--format",
            "github",
            "--project-root",
            "repo/..",
            "flows/ivr.json",
        ],
    );
    assert!(
        String::from_utf8(inside.stdout)
            .unwrap()
            .contains("file=flows/ivr.json,")
    );
}
