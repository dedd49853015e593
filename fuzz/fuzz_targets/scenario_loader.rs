//! Any bytes through the scenario loader: errors are fine, panics are bugs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = crucible::scenario::load_str(&String::from_utf8_lossy(data), "fuzz.yaml");
});
