//! The command line: `analyze`, `rules` and `explain`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::analyze::{self, FileReport, RuleSelection};
use crate::flow::{self, Input};
use crate::report;
use crate::rule::Severity;
use crate::rules::{self, RULES};

/// Exit statuses, as DESIGN.md fixes them.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_TROUBLE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "flowcheck",
    version,
    about = "A static checker for Twilio Studio Flows",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check flows and report what is wrong with them.
    Analyze(AnalyzeArgs),
    /// Draw flows as DOT, SVG or Mermaid diagrams, with their findings on them.
    Graph(GraphArgs),
    /// List every rule with its default severity and summary.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print the documentation of one rule.
    Explain {
        /// A rule id, as `flowcheck rules` lists them.
        rule: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Flow files, directories (searched recursively for *.json) or `-` for stdin.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub select: Option<Vec<String>>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub ignore: Vec<String>,
    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// Flow files or directories; several flows need `-o DIR`.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = DiagramFormat::Dot)]
    pub format: DiagramFormat,
    /// Output file (one flow) or directory (one diagram per flow, named after the file).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Draw the flow only, without its findings.
    #[arg(long)]
    pub no_findings: bool,
    /// `studio` places widgets where the Studio canvas shows them (when all have offsets).
    #[arg(long, value_enum, default_value_t = LayoutChoice::Auto)]
    pub layout: LayoutChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagramFormat {
    Dot,
    Svg,
    Mermaid,
}

impl DiagramFormat {
    pub fn extension(self) -> &'static str {
        match self {
            DiagramFormat::Dot => "dot",
            DiagramFormat::Svg => "svg",
            DiagramFormat::Mermaid => "mmd",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutChoice {
    Auto,
    Studio,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// Runs a parsed command line and returns the process exit status.
pub fn run(cli: Cli) -> ExitCode {
    let status = match cli.command {
        Command::Analyze(args) => run_analyze(&args),
        Command::Graph(args) => crate::graph_command::run(&args),
        Command::Rules { format } => print_rules(format),
        Command::Explain { rule } => explain(&rule),
    };
    ExitCode::from(status)
}

pub(crate) fn usage_error(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_TROUBLE
}

fn run_analyze(args: &AnalyzeArgs) -> u8 {
    let selection = RuleSelection {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    let rules = match selection.rules() {
        Ok(rules) => rules,
        Err(message) => return usage_error(&message),
    };
    let inputs = flow::expand_inputs(&args.paths);
    if let Some(output) = args
        .output
        .as_deref()
        .filter(|o| writes_over_input(o, &inputs))
    {
        return usage_error(&format!(
            "refusing to write the report over the input file {}",
            output.display()
        ));
    }
    let explicit: Vec<bool> = inputs.iter().map(|i| is_explicit(i, &args.paths)).collect();
    let reports: Vec<FileReport> = inputs
        .iter()
        .zip(explicit)
        .filter_map(|(input, explicit)| {
            let file = flow::load(input);
            (explicit || flow::looks_like_flow(&file))
                .then(|| analyze::analyze_loaded(file, &rules))
        })
        .collect();
    let text = match args.format {
        OutputFormat::Json => report::json::render(&reports),
        OutputFormat::Text => {
            let styled = args.output.is_none() && wants_color(args.color);
            report::text::render(&reports, styled)
        }
    };
    if let Err(message) = emit(&text, args.output.as_deref()) {
        return usage_error(&message);
    }
    exit_status(&reports, args.fail_on)
}

/// Paths named on the command line are always reported, even when they are not flows;
/// files found while searching a directory are reported only when they look like flows.
fn is_explicit(input: &Input, paths: &[PathBuf]) -> bool {
    match input {
        Input::File(path) => paths.iter().any(|p| p == path),
        Input::Stdin | Input::Broken { .. } => true,
    }
}

pub(crate) fn writes_over_input(output: &Path, inputs: &[Input]) -> bool {
    let Ok(target) = output.canonicalize() else {
        return false;
    };
    inputs.iter().any(|input| match input {
        Input::File(path) => path.canonicalize().is_ok_and(|p| p == target),
        _ => false,
    })
}

fn wants_color(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
        }
    }
}

fn emit(text: &str, output: Option<&Path>) -> Result<(), String> {
    match output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write the report to {}: {e}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            Ok(())
        }
    }
}

fn exit_status(reports: &[FileReport], fail_on: FailOn) -> u8 {
    if reports.iter().any(|r| r.error.is_some()) {
        return EXIT_TROUBLE;
    }
    let Some(threshold) = fail_on.threshold() else {
        return EXIT_CLEAN;
    };
    let failing = reports
        .iter()
        .flat_map(|r| &r.findings)
        .any(|f| f.diagnostic.severity >= threshold);
    if failing { EXIT_FINDINGS } else { EXIT_CLEAN }
}

fn print_rules(format: ListFormat) -> u8 {
    let text = match format {
        ListFormat::Text => rules_table(),
        ListFormat::Json => rules_json(),
    };
    let _ = emit(&text, None);
    EXIT_CLEAN
}

/// One line per rule: id, default severity, summary.
pub fn rules_table() -> String {
    let width = RULES.iter().map(|r| r.meta().id.len()).max().unwrap_or(0);
    RULES
        .iter()
        .map(|r| {
            let m = r.meta();
            format!(
                "{:width$}  {:7}  {}\n",
                m.id,
                m.severity.as_str(),
                m.summary
            )
        })
        .collect()
}

fn rules_json() -> String {
    let list: Vec<_> = RULES
        .iter()
        .map(|r| {
            let m = r.meta();
            serde_json::json!({"id": m.id, "severity": m.severity.as_str(), "summary": m.summary})
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&list).unwrap_or_default();
    text.push('\n');
    text
}

fn explain(id: &str) -> u8 {
    match rules::find(id) {
        Some(rule) => {
            let _ = emit(rule.meta().doc, None);
            EXIT_CLEAN
        }
        None => usage_error(&analyze::unknown_rule_message(id)),
    }
}
