//! The command line's words: subcommands, options, exit statuses, and the small helpers
//! every command uses to report trouble and write output. The commands are in
//! [`crate::commands`] and the `*_command` modules.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

pub use crate::config::FailOn;
use crate::flow::Input;

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
    /// Print the findings only: no summary line.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print how many findings each rule gave instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Files analysed at once [default: the number of CPUs].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
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

/// Which rules run, which configuration applies and which files a directory search leaves
/// out: the same for every command that analyses flows.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct SessionArgs {
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub select: Option<Vec<String>>,
    /// Also run these rules, on top of the configuration's or `--select`'s (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub extend_select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
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
