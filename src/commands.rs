//! Runs a parsed command line: each subcommand, and the small ones (`rules`, `explain`,
//! completions, the manual page) here.

use std::process::ExitCode;

use crate::cli::{Cli, Command, EXIT_CLEAN, ListFormat, emit, usage_error};
use crate::rules;

/// Runs a parsed command line and returns the process exit status.
pub fn run(cli: Cli) -> ExitCode {
    let status = match cli.command {
        Command::Analyze(args) if args.account || args.validate_online || args.online.is_set() => {
            crate::online_command::run(&args)
        }
        Command::Analyze(args) => crate::analyze_command::run(&args),
        Command::Pull(args) => crate::pull_command::run(&args),
        Command::Drift(args) => crate::drift_command::run(&args),
        Command::Graph(args) => crate::graph_command::run(&args),
        Command::Values(args) => crate::values_command::run(&args),
        Command::Test(args) => crate::test_command::run(&args),
        Command::Diff(args) => crate::diff_command::run(&args),
        Command::Rules { format } => print_rules(format),
        Command::Explain { rule } => explain(&rule),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "flowcheck", &mut std::io::stdout());
            EXIT_CLEAN
        }
        Command::Man => {
            let page = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
            match page.render(&mut std::io::stdout()) {
                Ok(()) => EXIT_CLEAN,
                Err(e) => usage_error(&format!("cannot write the manual page: {e}")),
            }
        }
    };
    ExitCode::from(status)
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
    let width = rules::all_metas().map(|m| m.id.len()).max().unwrap_or(0);
    rules::all_metas()
        .map(|m| {
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
    let list: Vec<_> = rules::all_metas()
        .map(|m| {
            serde_json::json!({"id": m.id, "severity": m.severity.as_str(), "summary": m.summary})
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&list).unwrap_or_default();
    text.push('\n');
    text
}

fn explain(id: &str) -> u8 {
    match rules::find_meta(id) {
        Some(meta) => {
            let _ = emit(meta.doc, None);
            EXIT_CLEAN
        }
        None => usage_error(&crate::analyze::unknown_rule_message(id)),
    }
}
