//! `cargo bench`: flowcheck's throughput against a parse-only baseline, end-to-end latency on
//! a 1,000-state flow, and time and peak memory on generated flows of 1k, 10k and 100k states.
//! It builds its own inputs under the target directory; the corpus in ../shared/corpus/flows
//! (or $FLOWCHECK_CORPUS) joins the examples as templates when present.
//!
//! Set FLOWCHECK_BENCH_FILES to change the size of the directory benchmark (default 10,000).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde_json::{Value, json};

const FLOWCHECK: &str = env!("CARGO_BIN_EXE_flowcheck");

/// Set on the copy of this benchmark that runs one flowcheck process and reports on it.
const MEASURE: &str = "FLOWCHECK_BENCH_MEASURE";

fn main() {
    if std::env::var_os(MEASURE).is_some() {
        return measure_one();
    }
    // `cargo bench -- <filter>` passes arguments; this harness runs everything.
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench");
    let count: usize = std::env::var("FLOWCHECK_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = root.join("flows");
    let templates = templates();
    println!(
        "flowcheck benchmark ({} CPUs)",
        rayon::current_num_threads()
    );
    println!("building {count} flows from {} templates…", templates.len());
    write_directory(&dir, &templates, count);
    directory_benchmark(&dir, count);
    single_flow_latency(&root);
    generated_sizes(&root);
    adversarial_shapes(&root);
}

/// Shapes chosen to make a careless algorithm crawl, each at 10k and 100k states: time, peak
/// memory against the file's size, and the 10k→100k time ratio (linear is ×10).
fn adversarial_shapes(root: &Path) {
    println!(
        "
adversarial shapes (best of 3; peak memory as a multiple of the file size):"
    );
    let shapes: [(&str, Shape); 10] = [
        ("long chain", chain),
        ("ladder", ladder),
        ("back edges to one menu", back_edges),
        ("deep Liquid nesting", deep_liquid),
        ("one huge string", huge_string),
        ("retry loops", retry_loops),
        ("one split, many branches", wide_split),
        ("one branch, many conditions", many_conditions),
        ("splits on one variable", splits_on_one_variable),
        ("many subflow calls", subflow_calls),
    ];
    for (label, shape) in shapes {
        let mut previous = None;
        for states in [10_000, 100_000] {
            let slug: String = label.chars().filter(|c| *c != ',').collect();
            let path = root.join(format!("shape-{}-{states}.json", slug.replace(' ', "-")));
            let text = serde_json::to_string(&shape(states)).unwrap();
            std::fs::write(&path, &text).unwrap();
            let args = analyze_args(&path);
            let runs: Vec<(Duration, u64)> = (0..3).map(|_| run_flowcheck(&args)).collect();
            let time = runs.iter().map(|r| r.0).min().unwrap();
            let peak = runs.iter().map(|r| r.1).max().unwrap() as f64 * 1024.0;
            let growth = previous
                .map(|t| format!("   ×{:.1} time for ×10 states", ratio(time, t)))
                .unwrap_or_default();
            println!(
                "  {label:<28} {states:>7} states {:>9.1} ms  peak {:>5.1}× file{growth}",
                ms(time),
                peak / text.len() as f64
            );
            previous = Some(time);
        }
    }
}

/// A generator of a flow with about this many states.
type Shape = fn(usize) -> Value;

fn widget(name: String, kind: &str, properties: Value, transitions: Value) -> Value {
    json!({"name": name, "type": kind, "properties": properties, "transitions": transitions})
}

fn flow_of(states: Vec<Value>, first: &str) -> Value {
    let mut list = vec![
        json!({"name": "Trigger", "type": "trigger", "properties": {},
        "transitions": [{"event": "incomingCall", "next": first}]}),
    ];
    list.extend(states);
    json!({"description": "shape", "initial_state": "Trigger", "flags": {"allow_concurrent_calls": true}, "states": list})
}

/// say-play → say-play → …: the deepest possible graph.
fn chain(states: usize) -> Value {
    let list = (0..states)
        .map(|i| {
            let next = if i + 1 < states {
                format!("s{}", i + 1)
            } else {
                String::new()
            };
            widget(
                format!("s{i}"),
                "say-play",
                json!({"say": "x"}),
                json!([{"event": "audioComplete", "next": next}]),
            )
        })
        .collect();
    flow_of(list, "s0")
}

/// Two rails with rungs both ways: the classic worst case of iterative dominators.
fn ladder(states: usize) -> Value {
    let rungs = states / 2;
    let mut list = Vec::with_capacity(states);
    for i in 0..rungs {
        let (a_next, b_next) = if i + 1 < rungs {
            (format!("a{}", i + 1), format!("b{}", i + 1))
        } else {
            (String::new(), String::new())
        };
        let split = |name: String, rail: String, rung: String| {
            widget(
                name,
                "split-based-on",
                json!({"input": "{{trigger.call.From}}"}),
                json!([{"event": "noMatch", "next": rail},
                       {"event": "match", "next": rung, "conditions": [{"friendly_name": "x", "arguments": ["{{trigger.call.From}}"], "type": "equal_to", "value": "1"}]}]),
            )
        };
        list.push(split(format!("a{i}"), a_next.clone(), b_next.clone()));
        list.push(split(format!("b{i}"), b_next, a_next));
    }
    flow_of(list, "a0")
}

/// A chain of functions whose failures all go back to the first menu.
fn back_edges(states: usize) -> Value {
    let mut list = vec![widget(
        "menu".into(),
        "gather-input-on-call",
        json!({"say": "Menu"}),
        json!([{"event": "keypress", "next": "f0"}, {"event": "timeout", "next": "menu"}]),
    )];
    for i in 0..states.saturating_sub(1) {
        let next = if i + 2 < states {
            format!("f{}", i + 1)
        } else {
            String::new()
        };
        list.push(widget(
            format!("f{i}"),
            "run-function",
            json!({"url": "https://example.twil.io/f"}),
            json!([{"event": "success", "next": next}, {"event": "fail", "next": "menu"}]),
        ));
    }
    flow_of(list, "menu")
}

/// Every widget reads the one before it inside nested `{% if %}` blocks.
fn deep_liquid(states: usize) -> Value {
    let list = (0..states)
        .map(|i| {
            let next = if i + 1 < states { format!("m{}", i + 1) } else { String::new() };
            let previous = format!("m{}", i.saturating_sub(1));
            let body = format!(
                "{}{{{{widgets.{previous}.body}}}}{}",
                "{% if widgets.".to_string() + &previous + ".body %}",
                "{% endif %}"
            )
            .repeat(8);
            widget(format!("m{i}"), "make-http-request",
                json!({"method": "POST", "url": "https://crm.example.com", "content_type": "application/json;charset=utf-8", "body": body}),
                json!([{"event": "success", "next": next}, {"event": "failed", "next": next}]))
        })
        .collect();
    flow_of(list, "m0")
}

/// A short chain whose one message is as large as all the other shapes together.
fn huge_string(states: usize) -> Value {
    let mut flow = chain(10);
    let text = "Hello {{trigger.call.From}}, ".repeat(states * 10);
    flow["states"][1]["properties"]["say"] = Value::from(text);
    flow
}

/// Functions in a row, each retrying itself on failure: one small loop per widget.
fn retry_loops(states: usize) -> Value {
    let list = (0..states)
        .map(|i| {
            let next = if i + 1 < states { format!("f{}", i + 1) } else { String::new() };
            widget(
                format!("f{i}"),
                "run-function",
                json!({"url": "https://example.twil.io/f"}),
                json!([{"event": "success", "next": next}, {"event": "fail", "next": format!("f{i}")}]),
            )
        })
        .collect();
    flow_of(list, "f0")
}

/// One split with a `match` transition per state.
fn wide_split(states: usize) -> Value {
    let condition = |i: usize| json!([{"friendly_name": "x", "arguments": ["{{trigger.call.From}}"], "type": "equal_to", "value": (i % 100).to_string()}]);
    let mut transitions = vec![json!({"event": "noMatch", "next": "s0"})];
    transitions.extend(
        (0..states).map(
            |i| json!({"event": "match", "next": format!("s{i}"), "conditions": condition(i)}),
        ),
    );
    let mut list = vec![widget(
        "split".into(),
        "split-based-on",
        json!({"input": "{{trigger.call.From}}"}),
        Value::from(transitions),
    )];
    list.extend((0..states).map(|i| {
        widget(
            format!("s{i}"),
            "say-play",
            json!({"say": "x"}),
            json!([{"event": "audioComplete"}]),
        )
    }));
    flow_of(list, "split")
}

/// One split whose two `match` transitions carry a condition per state.
fn many_conditions(states: usize) -> Value {
    let conditions: Vec<Value> = (0..states)
        .map(|i| json!({"friendly_name": "x", "arguments": ["{{trigger.call.From}}"], "type": "not_equal_to", "value": i.to_string()}))
        .collect();
    let transitions = json!([
        {"event": "noMatch"},
        {"event": "match", "conditions": conditions},
        {"event": "match", "conditions": conditions[..states / 2]},
    ]);
    let split = widget(
        "split".into(),
        "split-based-on",
        json!({"input": "{{trigger.call.From}}"}),
        transitions,
    );
    flow_of(vec![split], "split")
}

/// A chain of splits that all test one flow variable, set once at the start: each split
/// asks which widgets set what it tests (once quadratic: every split read every widget).
fn splits_on_one_variable(states: usize) -> Value {
    let test = |i: usize| json!([{"friendly_name": "x", "arguments": ["{{flow.variables.step}}"], "type": "equal_to", "value": (i % 10).to_string()}]);
    let mut list = vec![widget(
        "set".into(),
        "set-variables",
        json!({"variables": [{"key": "step", "value": "1"}]}),
        json!([{"event": "next", "next": "s0"}]),
    )];
    list.extend((0..states).map(|i| {
        let next = if i + 1 < states { format!("s{}", i + 1) } else { String::new() };
        widget(
            format!("s{i}"),
            "split-based-on",
            json!({"input": "{{flow.variables.step}}"}),
            json!([{"event": "noMatch", "next": next}, {"event": "match", "next": next, "conditions": test(i)}]),
        )
    }));
    flow_of(list, "set")
}

/// A chain of run-subflow widgets, each reading the one before (once quadratic: each call
/// looked through every reference of the flow, and each position counted its line).
fn subflow_calls(states: usize) -> Value {
    let list = (0..states)
        .map(|i| {
            let next = if i + 1 < states { format!("s{}", i + 1) } else { String::new() };
            let parameters = json!([{"key": "previous", "value": format!("{{{{widgets.s{}.result}}}}", i.saturating_sub(1))}]);
            widget(
                format!("s{i}"),
                "run-subflow",
                json!({"flow_sid": format!("FW{:032}", i % 7), "flow_revision": "LatestPublished", "parameters": parameters}),
                json!([{"event": "completed", "next": next}, {"event": "failed", "next": next}]),
            )
        })
        .collect();
    flow_of(list, "s0")
}

fn templates() -> Vec<Value> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::var_os("FLOWCHECK_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared/corpus/flows"));
    let mut dirs = vec![repo.join("examples")];
    if corpus.is_dir() {
        dirs.push(corpus);
    }
    let mut flows = Vec::new();
    for dir in dirs {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let value: Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            flows.push(value.get("definition").cloned().unwrap_or(value));
        }
    }
    flows
}

/// A copy of a flow with every state renamed `<name>_<n>`: transitions, start and Liquid
/// references (`widgets.<name>`) included, so the copy means what the original meant.
fn renamed(flow: &Value, n: usize) -> Value {
    let names: Vec<String> = flow["states"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .collect();
    let text = rename_references(&serde_json::to_string(flow).unwrap(), &names, n);
    let mut copy: Value = serde_json::from_str(&text).unwrap();
    let rename = |v: &mut Value| {
        if let Some(name) = v.as_str().filter(|s| !s.is_empty()) {
            *v = json!(format!("{name}_{n}"));
        }
    };
    rename(&mut copy["initial_state"]);
    for state in copy["states"].as_array_mut().unwrap() {
        rename(&mut state["name"]);
        for t in state["transitions"].as_array_mut().into_iter().flatten() {
            rename(&mut t["next"]);
        }
    }
    copy
}

fn rename_references(text: &str, names: &[String], n: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("widgets.") {
        let after = &rest[at + 8..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(after.len());
        out.push_str(&rest[..at + 8]);
        out.push_str(&after[..end]);
        if names.iter().any(|name| name == &after[..end]) {
            out.push_str(&format!("_{n}"));
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn write_directory(dir: &Path, templates: &[Value], count: usize) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    (0..count).into_par_iter().for_each(|i| {
        let flow = renamed(&templates[i % templates.len()], i);
        let text = serde_json::to_string_pretty(&flow).unwrap();
        std::fs::write(dir.join(format!("flow{i:05}.json")), text).unwrap();
    });
}

/// Reading every file and parsing it into a serde_json value: the floor for any checker.
fn parse_only(dir: &Path, parallel: bool) -> Duration {
    let start = Instant::now();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let parse = |p: &PathBuf| {
        let text = std::fs::read_to_string(p).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        std::hint::black_box(value);
    };
    if parallel {
        paths.par_iter().for_each(parse);
    } else {
        paths.iter().for_each(parse);
    }
    start.elapsed()
}

/// Runs flowcheck once and returns its wall time and peak resident memory (KiB).
///
/// A child started from this process would report this process's own peak as its own (Linux
/// carries a process's peak across `exec` into the program it starts, and this benchmark
/// holds whole generated flows in memory). So a fresh, small copy of this benchmark starts
/// flowcheck and reports on it: see [`measure_one`].
fn run_flowcheck(args: &[&str]) -> (Duration, u64) {
    let output = Command::new(std::env::current_exe().expect("the benchmark knows its path"))
        .env(MEASURE, "1")
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .expect("the benchmark runs a copy of itself");
    let report = String::from_utf8_lossy(&output.stdout);
    let mut fields = report.split_whitespace().map(|f| f.parse::<u64>().ok());
    match (fields.next().flatten(), fields.next().flatten()) {
        (Some(nanos), Some(peak_kib)) => (Duration::from_nanos(nanos), peak_kib),
        _ => panic!("flowcheck {args:?} did not run: {report}"),
    }
}

/// The measuring copy: runs `flowcheck <args>` and prints its time (ns) and peak memory (KiB).
// The child is reaped by `wait4` (which also reports its peak memory), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn measure_one() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let start = Instant::now();
    let child = Command::new(FLOWCHECK)
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the flowcheck binary runs");
    let (status, peak_kib) = wait_with_peak_memory(child.id());
    let elapsed = start.elapsed();
    assert!(
        matches!(status, 0 | 1),
        "flowcheck {args:?} exited with {status}"
    );
    println!("{} {peak_kib}", elapsed.as_nanos());
}

/// Waits for a child and returns its exit status and peak resident memory (KiB).
fn wait_with_peak_memory(pid: u32) -> (i32, u64) {
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid value to pass for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own child, status and usage are valid for writes.
    let waited = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid as libc::pid_t, "wait4 failed");
    (libc::WEXITSTATUS(status), usage.ru_maxrss as u64)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn best_of<F: FnMut() -> Duration>(runs: usize, mut f: F) -> Duration {
    (0..runs).map(|_| f()).min().unwrap()
}

fn directory_benchmark(dir: &Path, count: usize) {
    let args = analyze_args(dir);
    // Warm the page cache so both sides read from memory.
    parse_only(dir, true);
    let parse_parallel = best_of(3, || parse_only(dir, true));
    let parse_serial = best_of(3, || parse_only(dir, false));
    let check_parallel = best_of(3, || run_flowcheck(&args).0);
    let mut serial_args = args.to_vec();
    serial_args.extend(["--jobs", "1"]);
    let check_serial = best_of(3, || run_flowcheck(&serial_args).0);
    println!("\n{count} flows, all rules on (best of 3):");
    println!(
        "  parse-only baseline, parallel  {:>9.1} ms",
        ms(parse_parallel)
    );
    println!(
        "  flowcheck analyze, parallel    {:>9.1} ms   ratio {:.2}×",
        ms(check_parallel),
        ratio(check_parallel, parse_parallel)
    );
    println!(
        "  parse-only baseline, 1 thread  {:>9.1} ms",
        ms(parse_serial)
    );
    println!(
        "  flowcheck analyze --jobs 1     {:>9.1} ms   ratio {:.2}×",
        ms(check_serial),
        ratio(check_serial, parse_serial)
    );
}

fn single_flow_latency(root: &Path) {
    let path = root.join("generated-1000.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&generate(1_000)).unwrap(),
    )
    .unwrap();
    let args = analyze_args(&path);
    run_flowcheck(&args);
    let times: Vec<Duration> = (0..21).map(|_| run_flowcheck(&args).0).collect();
    println!(
        "\none 1,000-state flow, end to end (process start to exit, median of 21): {:.1} ms",
        ms(median(times))
    );
}

fn generated_sizes(root: &Path) {
    println!("\ngenerated flows (one process each, best of 3):");
    let mut previous: Option<(usize, Duration)> = None;
    for states in [1_000, 10_000, 100_000] {
        let path = root.join(format!("generated-{states}.json"));
        std::fs::write(&path, serde_json::to_string(&generate(states)).unwrap()).unwrap();
        let args = analyze_args(&path);
        let runs: Vec<(Duration, u64)> = (0..3).map(|_| run_flowcheck(&args)).collect();
        let time = runs.iter().map(|r| r.0).min().unwrap();
        let peak = runs.iter().map(|r| r.1).max().unwrap();
        let growth = previous
            .map(|(n, t)| format!("   ×{:.1} time for ×{} states", ratio(time, t), states / n))
            .unwrap_or_default();
        println!(
            "  {states:>7} states  {:>9.1} ms  peak {:>7.1} MiB{growth}",
            ms(time),
            peak as f64 / 1024.0
        );
        previous = Some((states, time));
    }
}

/// A voice IVR of `states` widgets: menus, splits, lookups with failure paths, counters,
/// loops back to earlier menus, and Liquid that reads earlier widgets and variables.
fn generate(states: usize) -> Value {
    let name = |i: usize| format!("w{i}");
    let next = |i: usize| {
        if i + 1 < states {
            name(i + 1)
        } else {
            String::new()
        }
    };
    let mut list = vec![json!({
        "name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
        "transitions": [{"event": "incomingCall", "next": name(0)}, {"event": "incomingMessage"}, {"event": "incomingRequest"}]
    })];
    for i in 0..states.saturating_sub(1) {
        let back = name(i.saturating_sub(7));
        let state = match i % 6 {
            0 => {
                json!({"name": name(i), "type": "say-play", "properties": {"say": format!("Step {i} {{{{flow.variables.v{}}}}}", i.saturating_sub(3))},
                 "transitions": [{"event": "audioComplete", "next": next(i)}, {"event": "hangup"}]})
            }
            1 => {
                json!({"name": name(i), "type": "gather-input-on-call", "properties": {"say": "Press 1", "timeout": 5},
                 "transitions": [{"event": "keypress", "next": next(i)}, {"event": "speech", "next": next(i)}, {"event": "timeout", "next": back}]})
            }
            2 => {
                json!({"name": name(i), "type": "split-based-on", "properties": {"input": format!("{{{{widgets.{}.Digits}}}}", name(i - 1))},
                 "transitions": [{"event": "noMatch", "next": name(i - 1)}, {"event": "match", "next": next(i), "conditions": [{"friendly_name": "one", "arguments": [format!("{{{{widgets.{}.Digits}}}}", name(i - 1))], "type": "equal_to", "value": "1"}]}]})
            }
            3 => {
                json!({"name": name(i), "type": "set-variables", "properties": {"variables": [{"key": format!("v{i}"), "value": "{{trigger.call.From}}"}]},
                 "transitions": [{"event": "next", "next": next(i)}]})
            }
            4 => {
                json!({"name": name(i), "type": "run-function", "properties": {"url": "https://example.twil.io/f", "parameters": [{"key": "v", "value": format!("{{{{flow.variables.v{}}}}}", i - 1)}]},
                 "transitions": [{"event": "success", "next": next(i)}, {"event": "fail", "next": back}]})
            }
            _ => {
                json!({"name": name(i), "type": "make-http-request", "properties": {"method": "POST", "url": "https://crm.example.com", "content_type": "application/json;charset=utf-8", "body": format!("{{\"r\": \"{{{{widgets.{}.parsed.x}}}}\"}}", name(i - 1))},
                 "transitions": [{"event": "success", "next": next(i)}, {"event": "failed"}]})
            }
        };
        list.push(state);
    }
    json!({"description": format!("generated {states}"), "initial_state": "Trigger", "flags": {"allow_concurrent_calls": true}, "states": list})
}

/// `flowcheck analyze` on `path` with every rule, the JSON report discarded.
fn analyze_args(path: &Path) -> [&str; 7] {
    let path = path.to_str().unwrap();
    [
        "analyze",
        "--no-config",
        "--format",
        "json",
        "-o",
        "/dev/null",
        path,
    ]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}
