//! When the process hands freed memory back to the system.
//!
//! mimalloc, the binary's allocator, keeps freed pages for 10 ms (arena memory for 100 ms)
//! before returning them, so that reusing them is cheap. A large flow is analysed in well
//! under a second, so what it frees along the way (the smaller copies of each growing table,
//! every transient string) stays resident until the end: 30 % of the peak on deep Liquid,
//! 16 % on a generated IVR. Returning it at once costs a system call per freed page, which a
//! directory of small flows feels (half again the system time), so it is switched on only
//! once a large input is loaded.

/// Inputs from this size on make the allocator return freed memory at once.
const LARGE_INPUT: usize = 1 << 20;

/// Tells the allocator how large an input was just read.
pub fn input_loaded(bytes: usize) {
    if bytes >= LARGE_INPUT {
        return_freed_memory_at_once();
    }
}

fn return_freed_memory_at_once() {
    /// `mi_option_purge_delay` of mimalloc.h, which libmimalloc-sys does not name.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets one integer option, which mimalloc reads each time it purges; harmless
    // when mimalloc is linked but not the allocator (the tests).
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
}
