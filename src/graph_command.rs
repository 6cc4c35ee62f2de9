//! `flowcheck graph`: one diagram per flow, to stdout, a file, or a directory.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::analyze::FileReport;
use crate::cli::{DiagramFormat, EXIT_CLEAN, EXIT_TROUBLE, GraphArgs, LayoutChoice, usage_error};
use crate::export::dot::Layout;
use crate::export::{Diagram, dot, mermaid, svg};
use crate::flow::Input;
use crate::session::Session;

pub fn run(args: &GraphArgs) -> u8 {
    let session = match Session::new(&args.rules, None) {
        Ok(session) => session,
        Err(message) => return usage_error(&message),
    };
    let inputs = session.inputs(&args.paths);
    if let Some(output) = args
        .output
        .as_deref()
        .filter(|o| crate::cli::writes_over_input(o, &inputs))
    {
        return usage_error(&format!(
            "refusing to write a diagram over the input file {}",
            output.display()
        ));
    }
    let to_directory = inputs.len() > 1 || args.output.as_deref().is_some_and(Path::is_dir);
    if to_directory && args.output.is_none() {
        return usage_error("several flows give several diagrams: name a directory with -o DIR");
    }
    let layout = match args.layout {
        LayoutChoice::Auto => Layout::Auto,
        LayoutChoice::Studio => Layout::Studio,
    };
    let mut status = EXIT_CLEAN;
    let mut used_names = HashSet::new();
    let mut warned_builtin = false;
    // A file may hold several flows (a twilio CLI list): one diagram each.
    let processed = inputs.iter().flat_map(|input| {
        let flows = session.process(input, &args.paths);
        flows.into_iter().map(move |flow| (input, flow))
    });
    for (input, processed) in processed {
        let report = processed.report;
        let Some(diagram) = Diagram::build(&title(&report), &report, !args.no_findings) else {
            report_load_error(&report);
            status = EXIT_TROUBLE;
            continue;
        };
        if layout == Layout::Studio && !diagram.has_studio_layout() {
            eprintln!(
                "note: {}: not every widget has a Studio offset; laid out automatically",
                report.name
            );
        }
        let text = match render(&diagram, args.format, layout, &mut warned_builtin) {
            Ok(text) => text,
            Err(message) => {
                eprintln!("error: {}: {message}", report.name);
                status = EXIT_TROUBLE;
                continue;
            }
        };
        let target = args.output.as_ref().map(|out| {
            if to_directory {
                out.join(unique_name(input, args.format, &mut used_names))
            } else {
                out.clone()
            }
        });
        if let Err(message) = write(&text, target.as_deref()) {
            eprintln!("error: {message}");
            status = EXIT_TROUBLE;
        }
    }
    status
}

/// The flow's description, or its file name.
fn title(report: &FileReport) -> String {
    report
        .flow
        .as_ref()
        .and_then(|flow| flow.node(&flow.definition_pointer("description")))
        .and_then(|d| d.as_str())
        .filter(|d| !d.trim().is_empty())
        .map_or_else(|| report.name.clone(), str::to_string)
}

fn render(
    diagram: &Diagram,
    format: DiagramFormat,
    layout: Layout,
    warned_builtin: &mut bool,
) -> Result<String, String> {
    match format {
        DiagramFormat::Dot => Ok(dot::render(diagram, layout)),
        DiagramFormat::Mermaid => Ok(mermaid::render(diagram)),
        DiagramFormat::Svg => {
            let (text, renderer) = svg::render(diagram, layout)?;
            if renderer == svg::Renderer::BuiltIn && !std::mem::replace(warned_builtin, true) {
                eprintln!(
                    "note: Graphviz `dot` is not on PATH, so a simpler built-in layout drew \
                     the SVG; install Graphviz (apt-get install graphviz, brew install \
                     graphviz) for better diagrams"
                );
            }
            Ok(text)
        }
    }
}

fn report_load_error(report: &FileReport) {
    if let Some(error) = &report.error {
        match error.position {
            Some(p) => eprintln!(
                "error: {}:{}:{}: {}",
                report.name, p.line, p.column, error.message
            ),
            None => eprintln!("error: {}: {}", report.name, error.message),
        }
    }
}

/// `<file stem>.<ext>`, numbered when two inputs share a stem.
fn unique_name(input: &Input, format: DiagramFormat, used: &mut HashSet<String>) -> PathBuf {
    let stem = match input {
        Input::File(path) | Input::Broken { path, .. } => path
            .file_stem()
            .map_or_else(|| "flow".to_string(), |s| s.to_string_lossy().into_owned()),
        Input::Stdin => "stdin".to_string(),
    };
    let mut name = format!("{stem}.{}", format.extension());
    let mut n = 2;
    while !used.insert(name.clone()) {
        name = format!("{stem}-{n}.{}", format.extension());
        n += 1;
    }
    PathBuf::from(name)
}

fn write(text: &str, target: Option<&Path>) -> Result<(), String> {
    let Some(path) = target else {
        print!("{text}");
        return Ok(());
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
