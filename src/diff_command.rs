//! `flowcheck diff OLD NEW`: reads both versions (files, stdin, `REV:PATH` through
//! `git show`), analyses both with the session's rules, compares them, and prints the report
//! or the diagram. Exit status 1 only for findings the new version brings in.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::analyze::FileReport;
use crate::cli::{
    DiffArgs, DiffFormat, EXIT_CLEAN, EXIT_FINDINGS, EXIT_TROUBLE, FailOn, emit, usage_error,
};
use crate::diff::{self, Diff, Options, Side};
use crate::export::Diagram;
use crate::export::changes;
use crate::export::svg::Renderer;
use crate::flow::{self, Input, LoadedFile};
use crate::session::Session;

pub fn run(args: &DiffArgs) -> u8 {
    let session = match Session::new(&args.rules, None) {
        Ok(session) => session,
        Err(message) => return usage_error(&message),
    };
    if args.old.as_os_str() == "-" && args.new.as_os_str() == "-" {
        return usage_error("only one version can be read from stdin (`-`)");
    }
    if let Some(output) = &args.output {
        let inputs: Vec<Input> = [&args.old, &args.new]
            .into_iter()
            .filter(|p| p.exists())
            .map(|p| Input::File(p.to_path_buf()))
            .collect();
        if crate::cli::writes_over_input(output, &inputs) {
            return usage_error(&format!(
                "refusing to write over the input file {}",
                output.display()
            ));
        }
    }
    let old = load(&args.old, &session);
    let new = load(&args.new, &session);
    let (Some((old_label, old)), Some((new_label, new))) = (old, new) else {
        return EXIT_TROUBLE;
    };
    let old_side = Side {
        label: old_label,
        report: &old,
    };
    let new_side = Side {
        label: new_label,
        report: &new,
    };
    let options = Options {
        layout: args.layout,
    };
    let diff = match diff::compare(&old_side, &new_side, options) {
        Ok(diff) => diff,
        Err(message) => return usage_error(&message),
    };
    let text = match render(args.format, &diff, &old, &new) {
        Ok(text) => text,
        Err(message) => return usage_error(&message),
    };
    if let Err(message) = emit(&text, args.output.as_deref()) {
        return usage_error(&message);
    }
    let fail_on = args
        .fail_on
        .or_else(|| session.config.as_ref().and_then(|c| c.fail_on))
        .unwrap_or(FailOn::Warning);
    exit_status(&diff, fail_on)
}

/// 1 when the new version brings in a finding at or above `fail_on`.
pub fn exit_status(diff: &Diff, fail_on: FailOn) -> u8 {
    let Some(threshold) = fail_on.threshold() else {
        return EXIT_CLEAN;
    };
    let failing = diff
        .introduced
        .iter()
        .any(|c| c.finding.diagnostic.severity >= threshold);
    if failing { EXIT_FINDINGS } else { EXIT_CLEAN }
}

fn render(
    format: DiffFormat,
    diff: &Diff,
    old: &FileReport,
    new: &FileReport,
) -> Result<String, String> {
    let diagram = || -> Result<_, String> {
        let title = format!("{} (changes from {})", diff.new_label, diff.old_label);
        let drawn = Diagram::build(&title, new, true).ok_or("the new version did not load")?;
        let old_flow = old.flow.as_ref().ok_or("the old version did not load")?;
        Ok((drawn, diff::diagram::changes(diff, old_flow)))
    };
    Ok(match format {
        DiffFormat::Text => diff::text::render(diff),
        DiffFormat::Json => diff::json::render(diff),
        DiffFormat::Markdown => diff::markdown::render(diff),
        DiffFormat::Dot => {
            let (drawn, marks) = diagram()?;
            changes::dot(&drawn, &marks)
        }
        DiffFormat::Mermaid => {
            let (drawn, marks) = diagram()?;
            changes::mermaid(&drawn, &marks)
        }
        DiffFormat::Svg => {
            let (drawn, marks) = diagram()?;
            let (text, renderer) = changes::svg(&drawn, &marks)?;
            if renderer == Renderer::BuiltIn {
                eprintln!(
                    "note: Graphviz `dot` is not on PATH, so a simpler built-in layout drew the \
                     SVG, without the colours of the changes; install Graphviz for them"
                );
            }
            text
        }
    })
}

/// Reads and analyses one version; `None` after printing why it could not be.
fn load(arg: &Path, session: &Session) -> Option<(String, FileReport)> {
    let (label, file) = match read_version(arg, session) {
        Ok(read) => read,
        Err(message) => {
            eprintln!("error: {message}");
            return None;
        }
    };
    let report = session.process_loaded(file).report;
    if let Some(error) = &report.error {
        match error.position {
            Some(p) => eprintln!("error: {label}:{}:{}: {}", p.line, p.column, error.message),
            None => eprintln!("error: {label}: {}", error.message),
        }
        return None;
    }
    Some((label, report))
}

/// One version: its label in reports and the loaded file (named, for the configuration's
/// per-path settings, by its path — inside the repository for `REV:PATH`).
fn read_version(arg: &Path, session: &Session) -> Result<(String, LoadedFile), String> {
    let (label, file) = if arg.as_os_str() == "-" {
        let mut file = flow::load(&Input::Stdin);
        if let Some(name) = &session.stdin_name {
            file.name = name.clone();
        }
        (file.name.clone(), file)
    } else if let Some((rev, path)) = git_spec(arg) {
        let label = arg.display().to_string();
        let text = git_show(rev, path, &label)?;
        let name = path.trim_start_matches("./").to_string();
        (label, flow::load_text(name, text))
    } else {
        let file = flow::load(&Input::File(arg.to_path_buf()));
        (file.name.clone(), file)
    };
    let mut flows = flow::split_resource_list(file);
    if flows.len() != 1 {
        return Err(format!(
            "{label}: holds {} flows; `flowcheck diff` compares one flow with another",
            flows.len()
        ));
    }
    Ok((label, flows.remove(0)))
}

/// `REV:PATH` when the argument is not a file: the revision (empty for the index) and the
/// path.
fn git_spec(arg: &Path) -> Option<(&str, &str)> {
    if arg.exists() {
        return None;
    }
    let text = arg.to_str()?;
    let (rev, path) = text.split_once(':')?;
    (!path.is_empty() && !rev.starts_with('-')).then_some((rev, path))
}

/// The file at `path` in `rev`, as `git show REV:PATH` prints it.
fn git_show(rev: &str, path: &str, label: &str) -> Result<String, String> {
    let output = Command::new("git")
        .arg("show")
        .arg(format!("{rev}:{path}"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{label}: cannot run git: {e}"))?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr);
        let message = message.trim();
        let message = message.strip_prefix("fatal: ").unwrap_or(message);
        return Err(format!("{label}: git show failed: {message}"));
    }
    if output.stdout.len() as u64 > flow::MAX_FILE_BYTES {
        return Err(format!(
            "{label}: the file is larger than {} MiB",
            flow::MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| {
        format!(
            "{label}: the file is not valid UTF-8 (at byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}
