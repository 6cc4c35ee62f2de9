//! The command line's words: subcommands, options, exit statuses, and the small helpers
//! every command uses to report trouble and write output. The commands are in
//! [`crate::commands`] and the `*_command` modules.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

pub use crate::config::FailOn;
use crate::flow::Input;

/// The end of `--help` and of the manual page: exit statuses and the configuration file.
const AFTER_HELP: &str = "\
EXIT STATUS:
  0  nothing at or above --fail-on (default: warning)
  1  findings at or above --fail-on
  2  a usage error, or a file that could not be read or parsed (the others are still analysed)

CONFIGURATION:
  flowcheck.toml, found from the working directory upwards (or --config FILE; --no-config
  ignores it). Keys: select, ignore, fail-on, exclude, extend-exclude, [severity] (rule id =
  error|warning|info|off), [per-path-ignores] (glob = [rule ids]) and [[suppress]] entries
  (file, rule, state, event, reason). `flowcheck rules` lists the rule ids and `flowcheck
  explain ID` documents one.";

/// A rule id on the command line: trimmed, checked against the registry (with a
/// did-you-mean), and offered to shell completions.
#[derive(Debug, Clone, Copy)]
struct RuleId;

impl clap::builder::TypedValueParser for RuleId {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        let id = value.to_string_lossy().trim().to_string();
        if crate::rules::find_meta(&id).is_some() {
            return Ok(id);
        }
        let message = crate::analyze::unknown_rule_message(&id);
        Err(clap::Error::raw(clap::error::ErrorKind::InvalidValue, message + "\n").with_cmd(cmd))
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(crate::rules::all_metas().map(|m| {
            clap::builder::PossibleValue::new(m.id).help(m.summary)
        })))
    }
}

/// Exit statuses, as DESIGN.md fixes them.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_TROUBLE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "flowcheck",
    version,
    about = "A static checker for Twilio Studio Flows",
    propagate_version = true,
    after_long_help = AFTER_HELP
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
    /// Write the flows of a Twilio account to files (credentials from TWILIO_* variables).
    Pull(PullArgs),
    /// Report the flows of a Twilio account that differ from their pulled files.
    Drift(DriftArgs),
    /// List each flow's account-specific values (SIDs, URLs, phone numbers) as a TOML
    /// mapping template, value → name, for promotion tooling.
    Values(ValuesArgs),
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
    /// Run flows offline against scenario files (<flow>.scenarios.toml), with coverage.
    Test(TestArgs),
    /// Compare two versions of a flow: what the change does, and the findings it brings in.
    #[command(after_long_help = DIFF_AFTER_HELP)]
    Diff(DiffArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff).
    Man,
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
    #[command(flatten)]
    pub rules: SessionArgs,
    /// Lowest severity that makes the exit status 1 [default: warning, or the config's].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// Record today's findings in FILE (by file, rule, widget and event), then exit 0.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
    /// Report only the findings that FILE (from --write-baseline) does not record.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// The repository root that SARIF and GitHub paths are relative to [default: the git work
    /// tree around the working directory, else the working directory].
    #[arg(long, value_name = "DIR")]
    pub project_root: Option<PathBuf>,
    /// Print the findings only: no summary line.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print how many findings each rule gave instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Files analysed at once [default: the number of CPUs].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Apply the safe fixes to the files, then report what remains.
    #[arg(long)]
    pub fix: bool,
    /// Apply the unsafe fixes too (deleting a widget, choosing among names); implies --fix
    /// unless --diff is given.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them.
    #[arg(long)]
    pub diff: bool,
    /// List the fixes applied (or, without --fix, the fixes available).
    #[arg(long)]
    pub show_fixes: bool,
    /// Analyse the flows of the Twilio account instead of files, each under the file name
    /// `flowcheck pull` gives it.
    #[arg(long, conflicts_with = "paths")]
    pub account: bool,
    /// Also send each flow to Twilio's Flow Validate API and report its errors
    /// (rule `studio-validation`).
    #[arg(long)]
    pub validate_online: bool,
    #[command(flatten)]
    pub online: crate::twilio::OnlineArgs,
}

#[derive(Debug, clap::Args)]
pub struct ValuesArgs {
    /// Flow files or directories (searched recursively for *.json).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Write the template to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// Flow files or directories; several flows need `-o DIR`.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The diagram format [default: from the extension of `-o FILE` (.dot, .gv, .svg, .png,
    /// .pdf, .mmd), else dot]. PNG and PDF need Graphviz.
    #[arg(long, value_enum)]
    pub format: Option<DiagramFormat>,
    /// Output file (one flow) or directory (one diagram per flow, named after the file).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Draw the flow only, without its findings.
    #[arg(long)]
    pub no_findings: bool,
    /// `studio` places widgets where the Studio canvas shows them (when all have offsets).
    #[arg(long, value_enum, default_value_t = LayoutChoice::Auto)]
    pub layout: LayoutChoice,
    /// Stop Graphviz after SECS seconds (0: no limit); SVG then falls back to the built-in
    /// layout, PNG and PDF fail.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub render_timeout: u64,
    #[command(flatten)]
    pub rules: SessionArgs,
}

/// The end of `flowcheck diff --help`.
const DIFF_AFTER_HELP: &str = "\
VERSIONS:
  A flow file, `-` for stdin (one side only), or REV:PATH, read with `git show REV:PATH`
  (`origin/main:flows/ivr.json`; `:flows/ivr.json` is the staged version).

EXIT STATUS:
  0  the new version brings in no finding at or above --fail-on (default: warning)
  1  it brings in findings at or above --fail-on
  2  a usage error, or a version that could not be read or parsed";

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old version: a flow file, `-` for stdin, or REV:PATH (read with `git show`).
    pub old: PathBuf,
    /// The new version: a flow file, `-` for stdin, or REV:PATH.
    pub new: PathBuf,
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Write the report or diagram to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest severity of a new finding that makes the exit status 1 [default: warning, or
    /// the config's].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Also report widgets moved on the Studio canvas (their `offset`).
    #[arg(long)]
    pub layout: bool,
    #[command(flatten)]
    pub rules: SessionArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// A summary like `git diff --stat`, then the details.
    Text,
    /// The version 1 JSON diff (see the README).
    Json,
    /// A pull-request comment.
    Markdown,
    /// The new flow as Graphviz DOT, with the changes drawn on.
    Dot,
    /// The same as SVG (Graphviz `dot`, else a built-in layout).
    Svg,
    /// The same as a Mermaid flowchart.
    Mermaid,
}

#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// Directory to write one `<name>.json` per flow to (created when missing).
    #[arg(long, value_name = "DIR", default_value = "flows")]
    pub out: PathBuf,
    #[command(flatten)]
    pub flows: crate::twilio::FlowArgs,
    #[command(flatten)]
    pub api: crate::twilio::ApiArgs,
}

#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    /// Pulled flows: directories (searched for *.json) or files.
    #[arg(required = true, value_name = "DIR")]
    pub paths: Vec<PathBuf>,
    /// The revision of each flow to compare with: `published`, `latest` or a number
    /// [default: published].
    #[arg(long, value_name = "published|latest|N", value_parser = crate::twilio::parse_revision)]
    pub revision: Option<crate::twilio::Revision>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    #[command(flatten)]
    pub api: crate::twilio::ApiArgs,
}

/// Which rules run, which configuration applies and which files a directory search leaves
/// out: the same for every command that analyses flows.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct SessionArgs {
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS", value_parser = RuleId, hide_possible_values = true)]
    pub select: Option<Vec<String>>,
    /// Also run these rules, on top of the configuration's or `--select`'s (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "IDS", value_parser = RuleId, hide_possible_values = true)]
    pub extend_select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS", value_parser = RuleId, hide_possible_values = true)]
    pub ignore: Vec<String>,
    /// The file name that findings on stdin (`-`) carry, for reports and per-path settings.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<String>,
    /// Leave out files and folders matching these globs in directory searches, instead of the
    /// configuration's `exclude` (default: node_modules).
    #[arg(long, value_delimiter = ',', value_name = "GLOBS")]
    pub exclude: Option<Vec<String>>,
    /// Leave out these too, on top of `--exclude` and the configuration's `extend-exclude`.
    #[arg(long, value_delimiter = ',', value_name = "GLOBS")]
    pub extend_exclude: Vec<String>,
    /// Use this configuration file instead of searching for flowcheck.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore every flowcheck.toml.
    #[arg(long)]
    pub no_config: bool,
}

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Scenario files, flows (their <flow>.scenarios.toml or <flow>.scenarios/) or directories.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Write <FLOW>.scenarios.toml with a starter scenario per trigger event, then exit.
    #[arg(long, value_name = "FLOW", conflicts_with_all = ["coverage", "coverage_graph", "junit", "filter"])]
    pub init: Option<PathBuf>,
    /// With --init: overwrite an existing scenario file.
    #[arg(long, requires = "init")]
    pub force: bool,
    /// Print the widgets and transitions no scenario exercised.
    #[arg(long)]
    pub coverage: bool,
    /// Also draw each flow's coverage as Mermaid (<flow>.coverage.mmd) in DIR.
    #[arg(long, value_name = "DIR")]
    pub coverage_graph: Option<PathBuf>,
    /// Also write the results as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Run only the scenarios whose name contains TEXT.
    #[arg(short = 'k', long = "filter", value_name = "TEXT")]
    pub filter: Option<String>,
    /// Print the path of passing scenarios too.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagramFormat {
    /// Graphviz DOT text.
    Dot,
    /// SVG, by Graphviz or else the built-in layout.
    Svg,
    /// PNG, by Graphviz.
    Png,
    /// PDF, by Graphviz.
    Pdf,
    /// A Mermaid flowchart, which GitHub renders in Markdown.
    Mermaid,
}

impl DiagramFormat {
    pub fn extension(self) -> &'static str {
        match self {
            DiagramFormat::Dot => "dot",
            DiagramFormat::Svg => "svg",
            DiagramFormat::Png => "png",
            DiagramFormat::Pdf => "pdf",
            DiagramFormat::Mermaid => "mmd",
        }
    }

    /// The format a file name's extension asks for, if it names one.
    pub fn from_path(path: &Path) -> Option<DiagramFormat> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "dot" | "gv" => Some(DiagramFormat::Dot),
            "svg" => Some(DiagramFormat::Svg),
            "png" => Some(DiagramFormat::Png),
            "pdf" => Some(DiagramFormat::Pdf),
            "mmd" | "mermaid" => Some(DiagramFormat::Mermaid),
            _ => None,
        }
    }

    /// Whether only Graphviz can draw it.
    pub fn needs_graphviz(self) -> bool {
        matches!(self, DiagramFormat::Png | DiagramFormat::Pdf)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutChoice {
    Auto,
    Studio,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Findings with source excerpts, for people.
    Text,
    /// One line per finding: `path:line:col: severity[rule] message`.
    Concise,
    /// The version 1 JSON report.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions annotations.
    Github,
    /// A Markdown summary, for `$GITHUB_STEP_SUMMARY` and pull-request comments.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

pub fn usage_error(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_TROUBLE
}

/// Whether writing to `output` would overwrite one of the inputs.
pub fn writes_over_input(output: &Path, inputs: &[Input]) -> bool {
    let Ok(target) = output.canonicalize() else {
        return false;
    };
    // Only inputs with the same file name can be the same file; resolving every input's
    // path would cost a system call per file.
    let name = target.file_name();
    inputs.iter().any(|input| match input {
        Input::File(path) if path.file_name() == name || path.is_symlink() => {
            path.canonicalize().is_ok_and(|p| p == target)
        }
        _ => false,
    })
}

/// Whether text output to stdout gets colour: `--color`, then the terminal and `NO_COLOR`.
pub fn wants_color(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
        }
    }
}

/// Writes a report to a file, or to stdout.
pub fn emit(text: &str, output: Option<&Path>) -> Result<(), String> {
    emit_with(output, |out| out.write_all(text.as_bytes()))
}

/// Writes a report as `write` produces it, to a file or to stdout, without holding it whole.
pub fn emit_with(
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    match output {
        Some(path) => {
            let failed =
                |e: std::io::Error| format!("cannot write the report to {}: {e}", path.display());
            let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(failed)?);
            write(&mut out).and_then(|()| out.flush()).map_err(failed)
        }
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = write(&mut stdout).and_then(|()| stdout.flush());
            Ok(())
        }
    }
}
