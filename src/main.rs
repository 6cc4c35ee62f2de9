use std::process::ExitCode;

// Parsing allocates many small strings; mimalloc makes that and freeing them markedly cheaper
// than the system allocator (see `cargo bench`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

fn main() -> ExitCode {
    flowcheck::commands::run(flowcheck::cli::Cli::parse())
}
