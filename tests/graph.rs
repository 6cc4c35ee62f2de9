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
        assert_eq!(
            count_nodes_and_edges(&parsed),
            (graph.graph.node_count(), graph.graph.edge_count()),
            "{name}"
        );
        // With findings: the same plus one end marker and one edge per dropped event.
        let (drawn, _) = diagram(&file, true);
        let parsed = graphviz_rust::parse(&dot::render(&drawn, Layout::Auto))
            .unwrap_or_else(|e| panic!("{name}: DOT with findings does not parse: {e}"));
        assert_eq!(
            count_nodes_and_edges(&parsed),
            (
                graph.graph.node_count() + drawn.drops.len(),
                graph.graph.edge_count() + drawn.drops.len()
            ),
            "{name}"
        );
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
    assert!(text.contains("a#quot;b #lt;script#gt;"), "{text}");
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
