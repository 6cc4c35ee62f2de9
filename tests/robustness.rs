//! Property tests: random flows, random mutations of them, and arbitrary bytes are analysed
//! without panicking; every output format stays well-formed; results are deterministic.
//!
//! `FLOWCHECK_FUZZ_CASES=N` raises the number of cases (the long fuzzing run uses it).

mod common;

use flowcheck::report;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{Value, json};

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("FLOWCHECK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn run_everything(text: &str) -> flowcheck::analyze::FileReport {
    flowcheck::fuzz::run_everything(text)
}

const TYPES: &[&str] = &[
    "trigger",
    "say-play",
    "gather-input-on-call",
    "split-based-on",
    "set-variables",
    "run-function",
    "make-http-request",
    "send-message",
    "send-and-wait-for-reply",
    "connect-call-to",
    "enqueue-call",
    "send-to-flex",
    "record-voicemail",
    "capture-payments",
    "make-outgoing-call-v2",
    "run-subflow",
    "start-conversation",
    "send-to-auto-pilot",
    "hang-up",
    "",
];
const EVENTS: &[&str] = &[
    "incomingCall",
    "incomingMessage",
    "audioComplete",
    "hangup",
    "keypress",
    "speech",
    "timeout",
    "match",
    "noMatch",
    "next",
    "success",
    "fail",
    "failed",
    "sent",
    "callCompleted",
    "incomingRequest",
    "answered",
    "busy",
    "bogus",
];

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{1,6}",
        "[a-z]{1,3}[-/~. ]?[a-z0-9]{0,2}",
        Just("a\"b\n<script>".to_string()),
        Just(String::new()),
    ]
}

fn text_strategy(names: Vec<String>) -> impl Strategy<Value = String> {
    let reference =
        prop::sample::select(names).prop_map(|n| format!("{{{{widgets.{n}.parsed.x}}}}"));
    prop_oneof![
        "[ -~]{0,12}",
        reference,
        "\\{\\{ *flow\\.variables\\.[a-z]{1,3} *\\}\\}",
        Just("{% if widgets[\"x\"].y %}z{% endif %}".to_string()),
        Just("{{ unterminated".to_string()),
    ]
}

/// A flow with random widgets, transitions to random (sometimes missing) states, and
/// properties holding Liquid: shaped like a Studio export, wrong in every possible way.
fn flow_strategy() -> impl Strategy<Value = Value> {
    prop::collection::vec(name_strategy(), 1..12).prop_flat_map(|names| {
        let count = names.len();
        let target = prop_oneof![
            prop::sample::select(names.clone()),
            Just(String::new()),
            Just("missing".to_string())
        ];
        let transition = (prop::sample::select(EVENTS), target)
            .prop_map(|(event, next)| json!({"event": event, "next": next}));
        let state = (
            prop::sample::select(TYPES),
            prop::collection::vec(transition, 0..5),
            prop::collection::vec(text_strategy(names.clone()), 0..3),
        );
        (Just(names), prop::collection::vec(state, count), 0..count + 1)
            .prop_map(|(names, states, initial)| {
                let states: Vec<Value> = names
                    .iter()
                    .zip(states)
                    .map(|(name, (kind, transitions, texts))| {
                        let properties: serde_json::Map<String, Value> = texts
                            .into_iter()
                            .enumerate()
                            .map(|(i, t)| (format!("p{i}"), json!(t)))
                            .collect();
                        json!({"name": name, "type": kind, "transitions": transitions, "properties": properties})
                    })
                    .collect();
                let initial = names.get(initial).cloned().unwrap_or_default();
                json!({"description": "fuzz", "initial_state": initial, "flags": {}, "states": states})
            })
    })
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn random_flows_are_analysed_deterministically(flow in flow_strategy()) {
        let text = serde_json::to_string_pretty(&flow).unwrap();
        let first = run_everything(&text);
        prop_assert!(first.error.is_none(), "{:?}", first.error);
        let second = run_everything(&text);
        prop_assert_eq!(report::json::render(&[first]), report::json::render(&[second]));
    }

    #[test]
    fn mutated_flows_never_panic(
        flow in flow_strategy(),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..6),
    ) {
        let mut bytes = serde_json::to_string_pretty(&flow).unwrap().into_bytes();
        for (at, byte, action) in cuts {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match action {
                0 => { bytes.remove(i); }
                1 => bytes.insert(i, byte),
                _ => bytes[i] = byte,
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        run_everything(&text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        run_everything(&text);
    }

    #[test]
    fn json_shaped_noise_never_panics(text in r#"[\[\]{}":,0-9a-z \\ntruefalsn.-]{0,120}"#) {
        run_everything(&text);
    }
}

#[test]
fn output_is_identical_across_job_counts() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("jobs");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for i in 0..60 {
        let flow = flow_strategy().new_tree(&mut runner).unwrap().current();
        std::fs::write(
            dir.join(format!("f{i:02}.json")),
            serde_json::to_string_pretty(&flow).unwrap(),
        )
        .unwrap();
    }
    std::fs::write(dir.join("zz-broken.json"), "{\"states\": [").unwrap();
    let run = |jobs: &str, format: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_flowcheck"))
            .args([
                "analyze",
                "--no-config",
                "--jobs",
                jobs,
                "--format",
                format,
                dir.to_str().unwrap(),
            ])
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    for format in ["text", "json", "sarif", "github"] {
        let one = run("1", format);
        let four = run("4", format);
        assert_eq!(
            one.status.code(),
            Some(2),
            "the broken file makes the status 2"
        );
        assert_eq!(
            one.stdout, four.stdout,
            "{format} output differs across --jobs"
        );
    }
}

/// Inputs that once crashed something, kept so they never do again.
#[test]
fn former_fuzz_crashes_stay_fixed() {
    let dir = common::repo_root().join("tests/data/fuzz-crashes");
    let files = common::json_files(&dir);
    assert!(!files.is_empty());
    for path in files {
        run_everything(&std::fs::read_to_string(path).unwrap());
    }
}
