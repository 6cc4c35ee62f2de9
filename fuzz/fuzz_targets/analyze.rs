//! Coverage-guided fuzzing of the loader, every rule, report and diagram:
//! `cargo +nightly fuzz run analyze fuzz/corpus/analyze`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Invalid UTF-8 is refused before parsing; the interesting inputs are text.
    if let Ok(text) = std::str::from_utf8(data) {
        flowcheck::fuzz::run_everything(text);
    }
});
