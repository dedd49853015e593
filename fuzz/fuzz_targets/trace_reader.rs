//! Any bytes through the trace reader, header and every frame: errors are fine, panics are bugs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut r) = crucible::trace::TraceReader::open(std::io::Cursor::new(data)) {
        while let Ok(Some(_)) = r.next_record() {}
    }
});
