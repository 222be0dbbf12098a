//! Any instrument file: loaded or refused with a message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tandem_core::instrument::Instrument::parse("fuzz.toml", text);
    }
});
