use std::process::ExitCode;

// Parsing allocates many small strings; mimalloc makes that and freeing them markedly cheaper
// than the system allocator (see `cargo bench`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

fn main() -> ExitCode {
    use_small_pages();
    flowcheck::commands::run(flowcheck::cli::Cli::parse())
}

/// Transparent huge pages make every first touch zero 2 MiB, and where the kernel
/// defragments on demand a fault can stall for compaction (seen: a second of system time on a
/// 100,000-state flow, varying run to run). A checker makes many small allocations; on 4 KiB
/// pages a small run needs half the memory and run times stay steady. mimalloc is built not
/// to ask for them (its `no_thp` feature: its first arena is set up before `main`, and that
/// alone cost 3.6 MB a run); this also keeps a kernel that gives them unasked from doing so.
fn use_small_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag on this process; the call reads no memory.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
