//! `flowcheck graph`: one diagram per flow, to stdout, a file, or a directory.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::analyze::FileReport;
use crate::cli::{DiagramFormat, EXIT_CLEAN, EXIT_TROUBLE, GraphArgs, LayoutChoice, usage_error};
use crate::export::dot::Layout;
use crate::export::graphviz::{self, GraphvizError, ImageFormat, Limits};
use crate::export::{Diagram, builtin, dot, mermaid};
use crate::flow::{Input, Location};
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
    let format = choose_format(args, to_directory);
    let layout = match args.layout {
        LayoutChoice::Auto => Layout::Auto,
        LayoutChoice::Studio => Layout::Studio,
    };
    let mut renderer = Renderer {
        format,
        layout,
        timeout: (args.render_timeout > 0).then(|| Duration::from_secs(args.render_timeout)),
        graphviz: matches!(
            format,
            DiagramFormat::Svg | DiagramFormat::Png | DiagramFormat::Pdf
        ) && graphviz::available(),
        warned_builtin: false,
    };
    if format.needs_graphviz() && !renderer.graphviz {
        return usage_error(&format!(
            "{} output needs Graphviz `dot`, which is not on PATH: install Graphviz \
             (apt-get install graphviz, brew install graphviz), or write SVG (--format svg) or \
             Mermaid (--format mermaid), which need nothing else",
            format.extension().to_uppercase()
        ));
    }
    let mut status = EXIT_CLEAN;
    let mut used_names = HashSet::new();
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
        let text = match renderer.render(&diagram, &report.name) {
            Ok(text) => text,
            Err(message) => {
                eprintln!("error: {}: {message}", report.name);
                status = EXIT_TROUBLE;
                continue;
            }
        };
        let target = args.output.as_ref().map(|out| {
            if to_directory {
                out.join(unique_name(input, format, &mut used_names))
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
        .and_then(|flow| flow.value(&Location::definition("description")))
        .and_then(|d| d.as_str())
        .filter(|d| !d.trim().is_empty())
        .map_or_else(|| report.name.clone(), str::to_string)
}

/// The format asked for: `--format`, else the extension of `-o FILE`, else DOT.
fn choose_format(args: &GraphArgs, to_directory: bool) -> DiagramFormat {
    if let Some(format) = args.format {
        return format;
    }
    let Some(path) = args.output.as_deref().filter(|_| !to_directory) else {
        return DiagramFormat::Dot;
    };
    match DiagramFormat::from_path(path) {
        Some(format) => format,
        None => {
            if let Some(extension) = path.extension() {
                eprintln!(
                    "note: `.{}` names no diagram format, so {} gets DOT; --format picks one \
                     (dot, svg, png, pdf, mermaid)",
                    extension.to_string_lossy(),
                    path.display()
                );
            }
            DiagramFormat::Dot
        }
    }
}

/// Draws diagrams in one format, with Graphviz where it can and must.
struct Renderer {
    format: DiagramFormat,
    layout: Layout,
    timeout: Option<Duration>,
    /// Whether Graphviz is installed (checked once, only for the formats that use it).
    graphviz: bool,
    warned_builtin: bool,
}

impl Renderer {
    fn render(&mut self, diagram: &Diagram, name: &str) -> Result<Vec<u8>, String> {
        let limits = Limits {
            timeout: self.timeout,
            progress_after: Some(graphviz::PROGRESS_AFTER),
            name: name.to_string(),
        };
        let image = match self.format {
            DiagramFormat::Dot => return Ok(dot::render(diagram, self.layout).into_bytes()),
            DiagramFormat::Mermaid => return Ok(mermaid::render(diagram).into_bytes()),
            DiagramFormat::Svg => ImageFormat::Svg,
            DiagramFormat::Png => ImageFormat::Png,
            DiagramFormat::Pdf => ImageFormat::Pdf,
        };
        if !self.graphviz {
            // Only SVG gets here: PNG and PDF without Graphviz are refused up front.
            if !std::mem::replace(&mut self.warned_builtin, true) {
                eprintln!(
                    "note: Graphviz `dot` is not on PATH, so a simpler built-in layout drew \
                     the SVG; install Graphviz (apt-get install graphviz, brew install \
                     graphviz) for better diagrams"
                );
            }
            return Ok(builtin::render(diagram, self.layout).into_bytes());
        }
        match graphviz::render(diagram, self.layout, image, &limits) {
            Ok(bytes) => Ok(bytes),
            Err(GraphvizError::TimedOut(after)) if image == ImageFormat::Svg => {
                eprintln!(
                    "note: {name}: Graphviz did not finish within {} s (--render-timeout) and \
                     was stopped; the built-in layout drew the SVG instead",
                    after.as_secs()
                );
                Ok(builtin::render(diagram, self.layout).into_bytes())
            }
            Err(GraphvizError::TimedOut(after)) => Err(format!(
                "Graphviz did not finish the {} within {} s (--render-timeout) and was \
                 stopped; allow it longer with --render-timeout SECS (0: no limit), or write \
                 SVG (--format svg), which falls back to the built-in layout",
                self.format.extension().to_uppercase(),
                after.as_secs()
            )),
            Err(error) => Err(error.to_string()),
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

fn write(bytes: &[u8], target: Option<&Path>) -> Result<(), String> {
    let Some(path) = target else {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth a message.
        let _ = stdout.write_all(bytes).and_then(|()| stdout.flush());
        return Ok(());
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
