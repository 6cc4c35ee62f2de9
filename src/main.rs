use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    flowcheck::cli::run(flowcheck::cli::Cli::parse())
}
