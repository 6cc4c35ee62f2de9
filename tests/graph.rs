//! `flowcheck graph`: DOT and Mermaid snapshots, DOT that parses back, SVG that Graphviz
//! accepts, and escaping of hostile names in every format.

mod common;

use std::path::Path;
use std::process::Command;

use flowcheck::export::dot::Layout;
use flowcheck::export::{Diagram, dot, mermaid, svg};
use flowcheck::flow::{self, Flow};
use flowcheck::graph::FlowGraph;
use flowcheck::session::Session;
use graphviz_rust::dot_structures::{Graph, Stmt};

fn load(path: &Path) -> (flow::LoadedFile, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    (flow::load_text(name.clone(), text), name)
}

/// The diagram of a flow as `flowcheck graph` draws it, and its graph for counting.
fn diagram(file: &flow::LoadedFile, with_findings: bool) -> (Diagram, FlowGraph) {
    let reloaded = flow::load_text(file.name.clone(), file.source.text.clone());
    let report = Session::all_rules().process_loaded(reloaded).report;
    let flow: &Flow = report.flow.as_ref().expect("flow loads");
    let graph = FlowGraph::build(flow);
    let diagram = Diagram::build(&file.name, &report, with_findings).expect("flow loads");
    (diagram, graph)
}

fn statements(graph: &Graph) -> &[Stmt] {
    match graph {
        Graph::DiGraph { stmts, .. } | Graph::Graph { stmts, .. } => stmts,
    }
}

/// Node and edge statements at the top level (the legend is a subgraph).
fn count_nodes_and_edges(graph: &Graph) -> (usize, usize) {
    let stmts = statements(graph);
    let nodes = stmts.iter().filter(|s| matches!(s, Stmt::Node(_))).count();
    let edges = stmts.iter().filter(|s| matches!(s, Stmt::Edge(_))).count();
    (nodes, edges)
}

#[test]
fn example_diagrams_match_their_snapshots() {
    for stem in ["ivr-with-defects", "ivr-clean"] {
        let path = common::repo_root().join(format!("examples/{stem}.json"));
        let (file, _) = load(&path);
        let (diagram, _) = diagram(&file, true);
        common::snapshot_settings().bind(|| {
            insta::assert_snapshot!(
                format!("graph__dot_{stem}"),
                dot::render(&diagram, Layout::Auto)
            );
            insta::assert_snapshot!(format!("graph__mermaid_{stem}"), mermaid::render(&diagram));
        });
    }
}

#[test]
fn corpus_dot_parses_back_with_the_graph_counts() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    for path in common::json_files(&dir) {
        let (file, name) = load(&path);
        let (plain, graph) = diagram(&file, false);
        let parsed = graphviz_rust::parse(&dot::render(&plain, Layout::Auto))
            .unwrap_or_else(|e| panic!("{name}: DOT does not parse: {e}"));
        // Transitions to a state that does not exist go to one "missing" node per name.
        assert_eq!(
            count_nodes_and_edges(&parsed),
            (
                graph.graph.node_count() + plain.missing.len(),
                graph.graph.edge_count() + plain.dangling.len()
            ),
            "{name}"
        );
        // With findings: the same plus one end marker and one edge per dropped event.
        let (drawn, _) = diagram(&file, true);
        let parsed = graphviz_rust::parse(&dot::render(&drawn, Layout::Auto))
            .unwrap_or_else(|e| panic!("{name}: DOT with findings does not parse: {e}"));
        assert_eq!(
            count_nodes_and_edges(&parsed),
            (
                graph.graph.node_count() + drawn.missing.len() + drawn.drops.len(),
                graph.graph.edge_count() + drawn.dangling.len() + drawn.drops.len()
            ),
            "{name}"
        );
        // Studio layout: every node carries a position (`neato -n` needs one).
        if drawn.has_studio_layout() {
            let text = dot::render(&drawn, Layout::Studio);
            let parsed = graphviz_rust::parse(&text).unwrap();
            let unpinned = all_nodes(statements(&parsed))
                .into_iter()
                .filter(|n| !n.attributes.iter().any(|a| a.0.to_string() == "pos"))
                .map(|n| n.id.0.to_string())
                .collect::<Vec<_>>();
            assert!(unpinned.is_empty(), "{name}: no position for {unpinned:?}");
        }
        let mermaid = mermaid::render(&drawn);
        assert!(mermaid.starts_with("flowchart TD\n"), "{name}");
    }
}

/// Whether tests that need Graphviz run: they fail without it when FLOWCHECK_REQUIRE_DOT=1.
fn graphviz_or_skip(test: &str) -> bool {
    if svg::graphviz_available() {
        return true;
    }
    assert!(
        std::env::var_os("FLOWCHECK_REQUIRE_DOT").is_none_or(|v| v != "1"),
        "{test}: FLOWCHECK_REQUIRE_DOT=1 but Graphviz `dot` is not on PATH"
    );
    eprintln!("skipped {test}: Graphviz `dot` is not on PATH");
    false
}

/// Graphviz's SVG carries a DOCTYPE, which roxmltree refuses unless asked.
fn parse_svg(text: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options)
}

/// Counts `<g class="node">` groups whose title is a state id (`s<index>`).
fn state_groups(svg_text: &str) -> usize {
    let document = parse_svg(svg_text).expect("SVG is well-formed XML");
    document
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("node"))
        .filter(|g| {
            g.children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .is_some_and(|t| t.starts_with('s') && t[1..].parse::<usize>().is_ok())
        })
        .count()
}

#[test]
fn graphviz_renders_every_corpus_flow_without_warnings() {
    if !graphviz_or_skip("graphviz_renders_every_corpus_flow_without_warnings") {
        return;
    }
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    for path in common::json_files(&dir) {
        let (file, name) = load(&path);
        let (drawn, graph) = diagram(&file, true);
        let output = Command::new("dot")
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(dot::render(&drawn, Layout::Auto).as_bytes())?;
                child.wait_with_output()
            })
            .expect("dot runs");
        assert!(output.status.success(), "{name}: dot failed");
        let warnings = String::from_utf8_lossy(&output.stderr);
        assert!(warnings.trim().is_empty(), "{name}: dot warned: {warnings}");
        let svg_text = String::from_utf8(output.stdout).unwrap();
        assert_eq!(state_groups(&svg_text), graph.graph.node_count(), "{name}");
    }
}

#[test]
fn builtin_renderer_draws_every_example_as_svg() {
    for stem in ["ivr-with-defects", "ivr-clean", "sms-confirm-clean"] {
        let (file, _) = load(&common::repo_root().join(format!("examples/{stem}.json")));
        let (drawn, _) = diagram(&file, true);
        let text = svg::render_builtin(&drawn).expect("the built-in layout draws the example");
        parse_svg(&text).expect("built-in SVG is well-formed XML");
    }
}

const HOSTILE: &str = "a\"b\n<script>alert(1)</script> \\N & #quot; | `x`";

fn hostile_flow() -> flow::LoadedFile {
    let name = serde_json::to_string(HOSTILE).unwrap();
    let text = format!(
        r#"{{"description": {name}, "initial_state": "Trigger", "flags": {{}}, "states": [
            {{"name": "Trigger", "type": "trigger", "transitions": [{{"event": "incomingCall", "next": {name}}}]}},
            {{"name": {name}, "type": {name}, "transitions": [{{"event": {name}, "next": {name}}}]}}]}}"#
    );
    flow::load_text("hostile.json".to_string(), text)
}

#[test]
fn hostile_names_are_escaped_in_dot() {
    let file = hostile_flow();
    let (drawn, graph) = diagram(&file, true);
    let text = dot::render(&drawn, Layout::Auto);
    let parsed = graphviz_rust::parse(&text).expect("DOT with hostile names parses");
    assert_eq!(
        count_nodes_and_edges(&parsed).0,
        graph.graph.node_count() + drawn.drops.len()
    );
    assert!(
        text.contains(r#"a\"b\n<script>alert(1)</script> \\N"#),
        "{text}"
    );
}

#[test]
fn hostile_names_are_escaped_in_mermaid() {
    let file = hostile_flow();
    let (drawn, _) = diagram(&file, true);
    let text = mermaid::render(&drawn);
    // `%%` comments are dropped by Mermaid; everything else is rendered.
    for line in text.lines().filter(|l| !l.trim_start().starts_with("%%")) {
        assert!(!line.contains("<script>"), "{line}");
        let quotes = line.matches('"').count();
        assert_eq!(quotes % 2, 0, "unbalanced quotes in {line}");
    }
    assert!(text.contains("a&quot;b &lt;script&gt;"), "{text}");
    // `#` never reaches Mermaid, whose own `#code;` entities some versions leave undecoded.
    assert!(text.contains("&amp; &num;quot; &vert; `x`"), "{text}");
}

#[test]
fn hostile_names_are_escaped_in_svg() {
    let file = hostile_flow();
    let (drawn, _) = diagram(&file, true);
    let mut outputs = vec![svg::render_builtin(&drawn).expect("the built-in layout draws it")];
    if graphviz_or_skip("hostile_names_are_escaped_in_svg") {
        outputs.push(svg::render_graphviz(&drawn, Layout::Auto).unwrap());
    }
    for text in outputs {
        let document = parse_svg(&text).expect("SVG is well-formed XML");
        assert!(!document.descendants().any(|n| n.has_tag_name("script")));
        assert!(text.contains("&lt;script&gt;"), "the name is drawn as text");
    }
}

#[test]
fn graph_command_writes_one_diagram_per_flow() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("graph_out");
    let _ = std::fs::remove_dir_all(&dir);
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_flowcheck"))
            .args(args)
            .current_dir(common::repo_root())
            .output()
            .unwrap()
    };
    let several = run(&["graph", "examples"]);
    assert_eq!(several.status.code(), Some(2), "several flows need -o DIR");
    let output = run(&[
        "graph",
        "--format",
        "mermaid",
        "-o",
        dir.to_str().unwrap(),
        "examples",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "api-resource.mmd",
            "ivr-clean.mmd",
            "ivr-with-defects.mmd",
            "sms-confirm-clean.mmd"
        ]
    );
    let one = run(&["graph", "--no-findings", "examples/ivr-clean.json"]);
    assert_eq!(one.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&one.stdout).starts_with("digraph flow {"));
}

/// layout-rs panics ("Can't normalize the unit vector") on some graphs; fuzzing found one.
/// The built-in renderer turns that into an error instead of a crash.
#[test]
fn builtin_layout_failures_are_errors_not_panics() {
    let path = common::repo_root().join("tests/data/fuzz-crashes/layout-rs-unit-vector.json");
    let (file, _) = load(&path);
    let (drawn, _) = diagram(&file, true);
    match svg::render_builtin(&drawn) {
        Ok(text) => assert!(text.contains("<svg")),
        Err(message) => assert!(message.contains("install Graphviz"), "{message}"),
    }
}

/// `graph` runs through the same session as `analyze`: a rule the configuration turns off,
/// ignores or suppresses is not drawn, and `--select`/`--ignore` work as they do there.
#[test]
fn graph_honours_the_configuration_and_rule_selection() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("graph_config");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("flowcheck.toml");
    std::fs::write(&config, "[severity]\nunhandled-event = \"off\"\n").unwrap();
    let flow = common::repo_root().join("examples/ivr-with-defects.json");
    let dot = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_flowcheck"))
            .arg("graph")
            .args(extra)
            .arg(&flow)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{extra:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let everything = dot(&["--no-config"]);
    assert!(everything.contains("unhandled-event:"));
    assert!(everything.contains("unreachable-state:"));
    let configured = dot(&["--config", config.to_str().unwrap()]);
    assert!(!configured.contains("unhandled-event:"), "{configured}");
    assert!(configured.contains("unreachable-state:"));
    let selected = dot(&["--no-config", "--select", "unreachable-state"]);
    assert!(!selected.contains("unhandled-event:") && selected.contains("unreachable-state:"));
    let ignored = dot(&["--no-config", "--ignore", "unreachable-state"]);
    assert!(ignored.contains("unhandled-event:") && !ignored.contains("unreachable-state:"));
}

// ---------------------------------------------------------------------------------------
// Issue #14, items 17–21: these drive the binary, as a user does, and read what it draws.

/// Runs `flowcheck` from the repository root; `no_graphviz` hides `dot` (an empty PATH).
fn flowcheck(args: &[&str], no_graphviz: bool) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_flowcheck"));
    command.args(args).current_dir(common::repo_root());
    if no_graphviz {
        let empty = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-path");
        std::fs::create_dir_all(&empty).unwrap();
        command.env("PATH", empty);
    }
    command.output().unwrap()
}

fn stdout_text(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn stderr_text(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn example(stem: &str) -> String {
    format!("examples/{stem}.json")
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `<g class="node">` groups of an SVG by their title (`s0`, `end1`, `legend`, …).
fn node_groups<'a>(
    document: &'a roxmltree::Document<'a>,
) -> Vec<(String, roxmltree::Node<'a, 'a>)> {
    document
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("node"))
        .filter_map(|g| {
            let title = g.children().find(|c| c.has_tag_name("title"))?.text()?;
            Some((title.to_string(), g))
        })
        .collect()
}

/// Every piece of text under an element, one space between pieces.
fn texts(node: roxmltree::Node) -> String {
    node.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The tooltip of a node group (`<a xlink:title>`), if it has one.
fn tooltip_of(group: roxmltree::Node) -> Option<String> {
    group
        .descendants()
        .find(|n| n.has_tag_name("a"))
        .and_then(|a| a.attribute(("http://www.w3.org/1999/xlink", "title")))
        .map(str::to_string)
}

/// Where a node's first line of text is drawn: its centre across, near its middle down.
fn text_position(group: roxmltree::Node) -> (f64, f64) {
    let text = group
        .descendants()
        .find(|n| n.has_tag_name("text"))
        .expect("a node with text");
    let coordinate = |name: &str| text.attribute(name).unwrap().parse::<f64>().unwrap();
    (coordinate("x"), coordinate("y"))
}

/// The findings `analyze` reports for one file, as (rule, message).
fn reported_findings(path: &str, extra: &[&str]) -> Vec<(String, String)> {
    let mut args = vec!["analyze", "--format", "json", "--no-config"];
    args.extend_from_slice(extra);
    args.push(path);
    let output = flowcheck(&args, false);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let files = report["files"].as_array().expect("a files array");
    files
        .iter()
        .flat_map(|f| f["diagnostics"].as_array().cloned().unwrap_or_default())
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn state_count(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["states"].as_array().map_or(0, Vec::len)
}

/// Studio offsets of the states, by node id (`s<index>`), when every state has one.
fn studio_offsets(path: &Path) -> Option<Vec<(String, (f64, f64))>> {
    let text = std::fs::read_to_string(path).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["states"]
        .as_array()?
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let offset = &s["properties"]["offset"];
            Some((
                format!("s{i}"),
                (offset["x"].as_f64()?, offset["y"].as_f64()?),
            ))
        })
        .collect()
}

/// Widgets drawn where Studio shows them: any two states far apart on the canvas keep
/// their left/right and above/below order in the picture.
fn assert_follows_offsets(svg_text: &str, offsets: &[(String, (f64, f64))], what: &str) {
    let document = parse_svg(svg_text).expect("SVG parses");
    let groups = node_groups(&document);
    let drawn: Vec<(f64, f64)> = offsets
        .iter()
        .map(|(id, _)| {
            let (_, group) = groups
                .iter()
                .find(|(title, _)| title == id)
                .unwrap_or_else(|| panic!("{what}: no node {id}"));
            text_position(*group)
        })
        .collect();
    for i in 0..offsets.len() {
        for j in 0..offsets.len() {
            let (a, b) = (offsets[i].1, offsets[j].1);
            if a.0 + 100.0 < b.0 {
                assert!(drawn[i].0 < drawn[j].0, "{what}: {i} is left of {j}");
            }
            if a.1 + 100.0 < b.1 {
                assert!(drawn[i].1 < drawn[j].1, "{what}: {i} is above {j}");
            }
        }
    }
}

/// Item 17: `--layout studio` renders under Graphviz with findings (end markers, the
/// legend, the findings table and missing states all get a position), on clean flows, and
/// on every corpus flow; the widgets stand where Studio shows them.
#[test]
fn studio_layout_renders_with_graphviz() {
    if !graphviz_or_skip("studio_layout_renders_with_graphviz") {
        return;
    }
    let mut flows: Vec<std::path::PathBuf> = ["ivr-with-defects", "ivr-clean", "sms-confirm-clean"]
        .iter()
        .map(|stem| common::repo_root().join(example(stem)))
        .collect();
    if let Some(dir) = common::corpus_dir() {
        flows.extend(common::json_files(&dir));
    }
    let mut pinned = 0;
    for path in &flows {
        let name = path.display().to_string();
        let output = flowcheck(
            &[
                "graph",
                "--no-config",
                "--format",
                "svg",
                "--layout",
                "studio",
                &name,
            ],
            false,
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "{name}: {}",
            stderr_text(&output)
        );
        let svg_text = stdout_text(&output);
        let document = parse_svg(&svg_text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let titles: Vec<String> = node_groups(&document).into_iter().map(|(t, _)| t).collect();
        assert_eq!(state_groups(&svg_text), state_count(path), "{name}");
        assert!(titles.iter().any(|t| t == "legend"), "{name}: no legend");
        if let Some(offsets) = studio_offsets(path) {
            assert_follows_offsets(&svg_text, &offsets, &name);
            pinned += 1;
        }
    }
    assert!(pinned >= 3, "the examples have Studio offsets");
    // The example with defects: both end markers, the missing state and the table.
    let output = flowcheck(
        &[
            "graph",
            "--no-config",
            "--format",
            "svg",
            "--layout",
            "studio",
            &example("ivr-with-defects"),
        ],
        false,
    );
    let svg_text = stdout_text(&output);
    let document = parse_svg(&svg_text).unwrap();
    let titles: Vec<String> = node_groups(&document).into_iter().map(|(t, _)| t).collect();
    for id in ["end0", "end1", "missing0", "legend", "findings"] {
        assert!(titles.iter().any(|t| t == id), "no {id} in {titles:?}");
    }
}

/// Item 18: the built-in renderer is deterministic, follows `--layout studio`, and shows
/// what the Graphviz SVG shows: the title, every node with the same tooltip, the legend and
/// the findings table.
#[test]
fn builtin_svg_is_deterministic_and_shows_what_graphviz_shows() {
    let mut flows = vec![common::repo_root().join(example("ivr-with-defects"))];
    if let Some(dir) = common::corpus_dir() {
        flows.extend(
            common::json_files(&dir)
                .into_iter()
                .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("041-")),
        );
    }
    for path in &flows {
        let name = path.display().to_string();
        let runs: Vec<Vec<u8>> = (0..3)
            .map(|_| {
                let output = flowcheck(&["graph", "--no-config", "--format", "svg", &name], true);
                assert_eq!(output.status.code(), Some(0), "{name}");
                assert!(stderr_text(&output).contains("built-in layout"), "{name}");
                output.stdout
            })
            .collect();
        assert!(runs.windows(2).all(|w| w[0] == w[1]), "{name}: runs differ");
        let builtin = String::from_utf8(runs[0].clone()).unwrap();
        let document = parse_svg(&builtin).expect("built-in SVG parses");
        let title = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["description"].as_str().map(str::to_string))
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| path.file_name().unwrap().to_string_lossy().into_owned());
        assert!(
            texts(document.root_element()).contains(title.trim()),
            "{name}: no title"
        );
        assert_eq!(state_groups(&builtin), state_count(path), "{name}");
        let groups = node_groups(&document);
        for (id, group) in &groups {
            if id.starts_with('s') {
                assert!(tooltip_of(*group).is_some(), "{name}: {id} has no tooltip");
            }
        }
        for id in ["legend", "findings"] {
            assert!(groups.iter().any(|(t, _)| t == id), "{name}: no {id}");
        }
        // The same nodes, tooltips and findings as Graphviz draws.
        if svg::graphviz_available() {
            let output = flowcheck(&["graph", "--no-config", "--format", "svg", &name], false);
            let graphviz = stdout_text(&output);
            let other = parse_svg(&graphviz).unwrap();
            let summary = |groups: Vec<(String, roxmltree::Node)>| {
                let mut rows: Vec<(String, Option<String>)> = groups
                    .into_iter()
                    .map(|(id, g)| (id, tooltip_of(g)))
                    .collect();
                rows.sort();
                rows
            };
            assert_eq!(
                summary(node_groups(&document)),
                summary(node_groups(&other)),
                "{name}"
            );
            let table = |document: &roxmltree::Document| {
                node_groups(document)
                    .into_iter()
                    .find(|(id, _)| id == "findings")
                    .map(|(_, g)| texts(g))
                    .unwrap()
            };
            assert_eq!(table(&document), table(&other), "{name}");
        }
    }
    // `--layout studio` is followed, not ignored.
    let path = common::repo_root().join(example("ivr-with-defects"));
    let output = flowcheck(
        &[
            "graph",
            "--no-config",
            "--format",
            "svg",
            "--layout",
            "studio",
            &path.display().to_string(),
        ],
        true,
    );
    assert_eq!(output.status.code(), Some(0));
    assert_follows_offsets(
        &stdout_text(&output),
        &studio_offsets(&path).unwrap(),
        "built-in studio",
    );
}

/// Item 19: findings are numbered on their widgets and transitions and listed in a table in
/// the picture; a transition to a state that does not exist goes to a "missing" node; an
/// event that never fires is drawn dotted; a warning-level dropped event is orange.
#[test]
fn findings_are_numbered_and_listed_in_the_picture() {
    let path = example("ivr-with-defects");
    let findings = reported_findings(&path, &[]);
    assert_eq!(findings.len(), 10, "{findings:?}");
    // DOT: a findings table node, numbers on the nodes, the missing state.
    let dot_text = stdout_text(&flowcheck(&["graph", "--no-config", &path], false));
    let parsed = graphviz_rust::parse(&dot_text).expect("DOT parses");
    let ids: Vec<String> = all_node_ids(statements(&parsed));
    for id in ["findings", "legend", "missing0", "end0", "end1"] {
        assert!(ids.iter().any(|i| i == id), "no {id} in {ids:?}");
    }
    assert!(
        dot_text.contains(r#"label="say_sorry\nsay-play\n[6]""#),
        "{dot_text}"
    );
    assert!(dot_text.contains("failed (never fires) [3]"), "{dot_text}");
    // SVG through Graphviz: the table lists every finding, by number, rule and message.
    if graphviz_or_skip("findings_are_numbered_and_listed_in_the_picture") {
        let svg_text = stdout_text(&flowcheck(
            &["graph", "--no-config", "--format", "svg", &path],
            false,
        ));
        let document = parse_svg(&svg_text).unwrap();
        let groups = node_groups(&document);
        let table = groups
            .iter()
            .find(|(id, _)| id == "findings")
            .map(|(_, g)| texts(*g))
            .expect("a findings table");
        for (n, (rule, message)) in findings.iter().enumerate() {
            assert!(table.contains(&format!("[{}]", n + 1)), "{table}");
            assert!(table.contains(rule.as_str()), "{rule} not in {table}");
            let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(table.contains(&message), "{message} not in {table}");
        }
        let numbered: String = groups
            .iter()
            .filter(|(id, _)| id.starts_with('s'))
            .map(|(_, g)| texts(*g))
            .collect::<Vec<_>>()
            .join(" ");
        for n in 1..=findings.len() {
            assert!(numbered.contains(&format!("[{n}]")), "[{n}] on no node");
        }
        let missing = groups
            .iter()
            .find(|(id, _)| id == "missing0")
            .map(|(_, g)| *g)
            .expect("a missing node");
        assert!(texts(missing).contains("main_menu"));
        assert!(
            missing
                .descendants()
                .any(|n| n.attribute("stroke") == Some("#c62828")),
            "the missing state is red"
        );
        let never = document
            .descendants()
            .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("edge"))
            .find(|g| texts(*g).contains("never fires"))
            .expect("the never-firing edge");
        assert!(
            never
                .descendants()
                .any(|n| n.has_tag_name("path") && n.attribute("stroke-dasharray").is_some()),
            "the never-firing edge is dotted"
        );
    }
    // Mermaid: numbers on the widgets, a findings subgraph, the missing state.
    let mermaid_text = stdout_text(&flowcheck(
        &["graph", "--no-config", "--format", "mermaid", &path],
        false,
    ));
    assert!(mermaid_text.contains("subgraph findings"), "{mermaid_text}");
    // Messages quote names in backticks: drawn as they are, not as `#96;` entity codes,
    // which some Mermaid versions show as placeholders.
    assert!(mermaid_text.contains("<br/>`timeout` of `menu` is not connected"));
    assert!(!mermaid_text.contains("#96;"), "{mermaid_text}");
    for n in 1..=findings.len() {
        assert!(
            mermaid_text.contains(&format!("    f{n}[\"<b>[{n}]</b>")),
            "{mermaid_text}"
        );
    }
    assert!(mermaid_text.contains("missing0[\"main_menu<br/>no such state\"]"));
    assert!(mermaid_text.contains("say_sorry<br/><i>say-play</i><br/><b>[6]</b>"));
    // A dropped event at warning level is orange, not red, in every format.
    let dir = scratch("graph_warning_drop");
    let config = dir.join("flowcheck.toml");
    std::fs::write(&config, "[severity]\nunhandled-event = \"warning\"\n").unwrap();
    let config = config.display().to_string();
    let dot_text = stdout_text(&flowcheck(&["graph", "--config", &config, &path], false));
    let end = dot_text
        .lines()
        .find(|l| l.trim_start().starts_with("end0["))
        .expect("an end marker");
    assert!(end.contains("color=\"#ef6c00\""), "{end}");
    let mermaid_text = stdout_text(&flowcheck(
        &["graph", "--config", &config, "--format", "mermaid", &path],
        false,
    ));
    assert!(
        mermaid_text.contains("class drop0 drop_warning"),
        "{mermaid_text}"
    );
    let builtin = stdout_text(&flowcheck(
        &["graph", "--config", &config, "--format", "svg", &path],
        true,
    ));
    let document = parse_svg(&builtin).unwrap();
    let end = node_groups(&document)
        .into_iter()
        .find(|(id, _)| id == "end0")
        .map(|(_, g)| g)
        .expect("an end marker");
    assert!(
        end.descendants()
            .any(|n| n.attribute("stroke") == Some("#ef6c00"))
    );
}

/// Node statements anywhere in a DOT graph, subgraphs included.
fn all_nodes(stmts: &[Stmt]) -> Vec<&graphviz_rust::dot_structures::Node> {
    let mut nodes = Vec::new();
    for stmt in stmts {
        match stmt {
            Stmt::Node(node) => nodes.push(node),
            Stmt::Subgraph(sub) => nodes.extend(all_nodes(&sub.stmts)),
            _ => {}
        }
    }
    nodes
}

fn all_node_ids(stmts: &[Stmt]) -> Vec<String> {
    all_nodes(stmts)
        .iter()
        .map(|n| n.id.0.to_string())
        .collect()
}

/// Item 20: `-o FILE` picks the format from the extension (an explicit `--format` wins),
/// PNG and PDF come from Graphviz, and without Graphviz they fail with a clear error.
#[test]
fn the_output_extension_picks_the_format() {
    let dir = scratch("graph_extensions");
    let path = example("ivr-with-defects");
    let write = |file: &str, extra: &[&str], no_graphviz: bool| {
        let out = dir.join(file);
        let _ = std::fs::remove_file(&out);
        let mut args = vec!["graph", "--no-config", "-o", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(&path);
        let output = flowcheck(&args, no_graphviz);
        (output, std::fs::read(&out).unwrap_or_default())
    };
    let (output, svg_bytes) = write("out.svg", &[], true);
    assert_eq!(output.status.code(), Some(0));
    let svg_text = String::from_utf8(svg_bytes).unwrap();
    assert!(
        svg_text.starts_with("<?xml") && svg_text.contains("<svg"),
        "{svg_text}"
    );
    let (_, mmd) = write("out.mmd", &[], false);
    assert!(mmd.starts_with(b"flowchart TD\n"));
    let (_, gv) = write("out.gv", &[], false);
    assert!(gv.starts_with(b"digraph flow {"));
    let (_, explicit) = write("out.svg", &["--format", "dot"], false);
    assert!(explicit.starts_with(b"digraph flow {"), "--format wins");
    // Without Graphviz, PNG and PDF are refused with the reason and the way out.
    let (output, png) = write("out.png", &[], true);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr_text(&output);
    assert!(message.contains("PNG output needs Graphviz"), "{message}");
    assert!(png.is_empty(), "nothing is written");
    if !graphviz_or_skip("the_output_extension_picks_the_format") {
        return;
    }
    let (output, png) = write("out.png", &[], false);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    let (output, pdf) = write("out.pdf", &[], false);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let (output, studio) = write("studio.png", &["--layout", "studio"], false);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    assert!(studio.starts_with(b"\x89PNG"));
}

/// A flow of `widgets` gather widgets in a row, each with two back edges: Graphviz takes
/// minutes to lay it out.
fn dense_flow(widgets: usize) -> String {
    let mut states = vec![serde_json::json!({
        "name": "Trigger", "type": "trigger",
        "transitions": [{"event": "incomingCall", "next": "w0"}],
        "properties": {"offset": {"x": 0, "y": 0}}
    })];
    for i in 0..widgets {
        let back = |k: usize| format!("w{}", (i * k) % i.max(1));
        let next = if i + 1 < widgets {
            format!("w{}", i + 1)
        } else {
            String::new()
        };
        states.push(serde_json::json!({
            "name": format!("w{i}"), "type": "gather-input-on-call",
            "transitions": [
                {"event": "keypress", "next": next},
                {"event": "speech", "next": back(7919)},
                {"event": "timeout", "next": back(104_729)}
            ],
            "properties": {"say": "hi", "offset": {"x": (i % 10) * 300, "y": (i / 10) * 250 + 200}}
        }));
    }
    serde_json::json!({
        "description": "dense", "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true}, "states": states
    })
    .to_string()
}

/// Item 21: a render that takes long says so on stderr, and stops at `--render-timeout`:
/// SVG falls back to the built-in layout (saying so), PNG fails clearly.
#[test]
fn long_renders_show_progress_and_stop_at_the_timeout() {
    if !graphviz_or_skip("long_renders_show_progress_and_stop_at_the_timeout") {
        return;
    }
    let dir = scratch("graph_timeout");
    let flow = dir.join("dense.json");
    std::fs::write(&flow, dense_flow(1000)).unwrap();
    let out = dir.join("dense.svg");
    let started = std::time::Instant::now();
    let output = flowcheck(
        &[
            "graph",
            "--no-config",
            "--render-timeout",
            "5",
            "-o",
            out.to_str().unwrap(),
            flow.to_str().unwrap(),
        ],
        false,
    );
    let took = started.elapsed();
    let message = stderr_text(&output);
    assert_eq!(output.status.code(), Some(0), "{message}");
    assert!(took < std::time::Duration::from_secs(60), "took {took:?}");
    assert!(
        message.contains("Graphviz is still laying out"),
        "{message}"
    );
    assert!(message.contains("did not finish within 5 s"), "{message}");
    assert!(
        message.contains("built-in layout drew the SVG instead"),
        "{message}"
    );
    let svg_text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(state_groups(&svg_text), 1001);
    let started = std::time::Instant::now();
    let output = flowcheck(
        &[
            "graph",
            "--no-config",
            "--render-timeout",
            "3",
            "-o",
            dir.join("dense.png").to_str().unwrap(),
            flow.to_str().unwrap(),
        ],
        false,
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(2));
    let message = stderr_text(&output);
    assert!(
        message.contains("did not finish the PNG within 3 s"),
        "{message}"
    );
    assert!(!dir.join("dense.png").exists(), "no PNG is written");
}
