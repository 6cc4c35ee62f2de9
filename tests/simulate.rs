//! `flowcheck test`: scenarios for small flows of our own (tests/data/simulate), scenarios that
//! fail on purpose, bad scenario files, JUnit, coverage, --init, and three corpus flows.

mod common;

use common::{stderr, stdout};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test; `FLOWCHECK_BIN` overrides it (for a target directory that several
/// checkouts share, where the uplifted binary may be another checkout's).
fn flowcheck(args: &[&str]) -> Output {
    let binary = std::env::var_os("FLOWCHECK_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_flowcheck")));
    Command::new(binary)
        .args(args)
        .current_dir(common::repo_root())
        .env("NO_COLOR", "1")
        .output()
        .expect("flowcheck runs")
}

/// A scratch folder under the target directory, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("simulate-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_scenario_of_the_small_flows_passes() {
    let output = flowcheck(&["test", "tests/data/simulate"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert!(!text.contains("FAIL"), "{text}");
    assert!(text.contains("result: 24 passed, 0 failed\n"), "{text}");
    assert!(
        text.contains("  PASS  caller asks for the balance  (7 steps)\n"),
        "{text}"
    );
}

#[test]
fn a_flow_file_stands_for_its_scenarios() {
    let output = flowcheck(&["test", "tests/data/simulate/sms-bot.json", "-v"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("result: 5 passed, 0 failed"), "{text}");
    assert!(
        text.contains("path: Trigger(incomingMessage) → check_stop(match) → bye(sent)"),
        "{text}"
    );
}

#[test]
fn failures_show_the_first_difference_and_the_path() {
    let output = flowcheck(&["test", "tests/data/simulate-failing"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("result: 1 passed, 5 failed\n"), "{text}");
    for expected in [
        "  FAIL  wrong branch expected  (6 steps)\n        path differs at step 6: expected `lookup`, ran `to_agent`\n        path: Trigger(incomingCall) → welcome(audioComplete) → init_attempts(next) → menu(keypress) → route(match) → to_agent(callComplete)\n",
        "warning: widgets.lookup was never used: `lookup` did not run",
        "the scenario does not say what happens at `menu` (gather-input-on-call): add widgets.menu = { digits = \"1\" } (or speech = \"…\", timeout = true, hangup = true)",
        "`menu` runs a 2nd time, and the scenario describes 1 run: add an entry to widgets.menu",
        "expected flow.variables.attempts to be \"1\", and it is \"0\"",
        "expected flow.variables.missing to be \"x\", and it was never set",
        "prompt said #3: expected \"Your balance is 11 dollars.\", got \"Your balance is 10 dollars.\"",
        "(flow tests/data/simulate/spin.json)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn a_scenario_that_hits_the_step_limit_fails_with_studios_reason() {
    let output = flowcheck(&[
        "test",
        "tests/data/simulate-failing/spin-unexpected.scenarios.toml",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "  FAIL  a loop nobody expected to spin  (1000 steps)\n        Studio error 81000: \
             the execution reached its limit of 1000 steps (stopped before `check`); if that is \
             what should happen, add end = \"step-limit\" to expect\n"
        ),
        "{text}"
    );
    assert!(text.contains("→ … 984 more … →"), "{text}");
}

#[test]
fn bad_scenario_files_exit_2_with_a_clear_message() {
    let output = flowcheck(&["test", "tests/data/simulate-bad"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("widgets.mneu: the flow has no widget `mneu` (did you mean `menu`?)"),
        "{text}"
    );
    assert!(
        text.contains(
            "`digits/speech` is for gather-input-on-call, and this widget is a run-function"
        ),
        "{text}"
    );
    assert!(
        text.contains("TOML parse error at line 1, column 12"),
        "{text}"
    );
    assert!(
        text.contains("result: 0 passed, 0 failed, 3 files not run"),
        "{text}"
    );
}

#[test]
fn missing_paths_and_flows_without_scenarios_are_trouble() {
    let output = flowcheck(&["test", "tests/data/simulate/nope.scenarios.toml"]);
    assert_eq!(output.status.code(), Some(2));
    let output = flowcheck(&["test", "examples/ivr-clean.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stdout(&output).contains("no scenarios for this flow"),
        "{}",
        stdout(&output)
    );
    let empty = scratch("empty");
    let output = flowcheck(&["test", empty.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no scenario files found"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn junit_xml_counts_failures_and_errors() {
    let dir = scratch("junit");
    let file = dir.join("results.xml");
    let output = flowcheck(&[
        "test",
        "tests/data/simulate-failing",
        "tests/data/simulate-bad/typo.scenarios.toml",
        "--junit",
        file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let xml = std::fs::read_to_string(&file).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("7"));
    assert_eq!(root.attribute("failures"), Some("5"));
    assert_eq!(root.attribute("errors"), Some("1"));
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 5);
    assert!(failures.iter().any(|f| {
        f.attribute("message")
            .unwrap()
            .contains("Studio error 81000")
    }));
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(cases, 7);
}

#[test]
fn coverage_lists_what_no_scenario_exercised() {
    let output = flowcheck(&["test", "tests/data/simulate/ivr-menu.json", "--coverage"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "coverage of tests/data/simulate/ivr-menu.json: widgets 13/13 (100%), transitions 19/21 (90%)\n  \
             transitions never taken:\n    menu --speech--> (end)\n    to_agent --callFailure--> goodbye\n"
        ),
        "{text}"
    );
}

#[test]
fn filter_runs_matching_scenarios_only() {
    let output = flowcheck(&["test", "tests/data/simulate", "-k", "subflow"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("result: 2 passed, 0 failed"), "{text}");
    assert!(!text.contains("sms-bot"), "{text}");
    let none = flowcheck(&["test", "tests/data/simulate", "-k", "no such scenario"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(stdout(&none).contains("error: no scenario name contains"));
}

#[test]
fn init_writes_starters_that_pass() {
    let dir = scratch("init");
    for name in ["ivr-menu", "sms-bot", "rest-function", "parent"] {
        let flow = dir.join(format!("{name}.json"));
        std::fs::copy(
            common::repo_root().join(format!("tests/data/simulate/{name}.json")),
            &flow,
        )
        .unwrap();
        let output = flowcheck(&["test", "--init", flow.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(
            stdout(&output).contains("1 starter scenario"),
            "{}",
            stdout(&output)
        );
    }
    let text = std::fs::read_to_string(dir.join("ivr-menu.scenarios.toml")).unwrap();
    assert!(text.contains("flow = \"ivr-menu.json\""), "{text}");
    // The starter answers the menu with a key a split downstream tests for.
    assert!(text.contains("widgets.menu = { digits = \"1\" }"), "{text}");
    let output = flowcheck(&["test", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("result: 4 passed, 0 failed"),
        "{}",
        stdout(&output)
    );

    let flow = dir.join("ivr-menu.json");
    let again = flowcheck(&["test", "--init", flow.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    let forced = flowcheck(&["test", "--init", flow.to_str().unwrap(), "--force"]);
    assert_eq!(forced.status.code(), Some(0));
}

/// The three corpus flows the issue names: a voice IVR with a menu loop, an SMS bot, and a
/// REST-triggered flow with functions. Their scenarios live in tests/data/corpus-scenarios.
#[test]
fn scenarios_for_three_corpus_flows_pass() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let dir = scratch("corpus");
    let scenarios = common::repo_root().join("tests/data/corpus-scenarios");
    let mut count = 0;
    for entry in std::fs::read_dir(&scenarios).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".scenarios.toml") else {
            continue;
        };
        let flow = corpus.join(format!("{stem}.json"));
        if !flow.is_file() {
            eprintln!("skipped: the corpus has no {}", flow.display());
            return;
        }
        std::fs::copy(&flow, dir.join(format!("{stem}.json"))).unwrap();
        std::fs::copy(&path, dir.join(name)).unwrap();
        count += 1;
    }
    assert_eq!(count, 3);
    let output = flowcheck(&["test", dir.to_str().unwrap(), "--coverage"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("result: 10 passed, 0 failed"), "{text}");
    assert!(
        text.contains("099-sample-flows-github-actions-webinar-flow.json: widgets 5/5 (100%)"),
        "{text}"
    );
}

#[test]
fn coverage_graph_draws_what_was_missed_in_mermaid() {
    let dir = scratch("graph");
    let output = flowcheck(&[
        "test",
        "tests/data/simulate/ivr-menu.json",
        "--coverage-graph",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = std::fs::read_to_string(dir.join("ivr-menu.coverage.mmd")).unwrap();
    assert!(text.starts_with("flowchart TD\n"), "{text}");
    assert!(text.contains("  n3 -.->|\"speech\"| e3_1\n"), "{text}");
    assert!(text.contains("  n11 -.->|\"callFailure\"| n12\n"), "{text}");
    assert!(text.contains("  n3 ==>|\"keypress\"| n4\n"), "{text}");
    assert_eq!(text.matches("-.->").count(), 2, "{text}");
}

/// The scenario the README shows runs, and passes, against the flow it was written for.
#[test]
fn the_readme_scenario_passes() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let start = readme
        .find("```toml\n# ivr.scenarios.toml")
        .expect("README shows a scenario");
    let body = &readme[start + "```toml\n".len()..];
    let body = &body[..body.find("```").unwrap()];
    let dir = scratch("readme");
    std::fs::copy(
        common::repo_root().join("tests/data/simulate/ivr-menu.json"),
        dir.join("ivr.json"),
    )
    .unwrap();
    std::fs::write(dir.join("ivr.scenarios.toml"), body).unwrap();
    let output = flowcheck(&["test", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("result: 1 passed, 0 failed"));
}

/// Every corpus flow gets starters from --init, and they all run and pass: the simulator
/// copes with real flows as their authors wrote them (unknown types, broken Liquid, loops).
#[test]
fn starters_for_every_corpus_flow_pass() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let dir = scratch("corpus-starters");
    let mut flows = 0;
    for flow in common::json_files(&corpus) {
        let target = dir.join(flow.file_name().unwrap());
        std::fs::copy(&flow, &target).unwrap();
        let output = flowcheck(&["test", "--init", target.to_str().unwrap()]);
        match output.status.code() {
            Some(0) => flows += 1,
            // A flow whose trigger connects no event has nothing to run.
            Some(2) if stderr(&output).contains("nothing to run") => {}
            other => panic!("{}: {other:?} {}", flow.display(), stderr(&output)),
        }
    }
    assert!(flows >= 100, "{flows}");
    let output = flowcheck(&["test", dir.to_str().unwrap()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(!text.contains("FAIL"), "{text}");
}
