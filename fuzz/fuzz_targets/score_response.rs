//! Any answers to any shipped instrument: scored or refused, never a panic.
//! Input: `instrument-index;item=code;item=code…`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tandem_core::instrument::scoring::Context;
use tandem_core::instrument::{Answers, Library, score};
use tandem_core::patient::SexAtBirth;

fn library() -> &'static Library {
    static L: OnceLock<Library> = OnceLock::new();
    L.get_or_init(|| Library::from_files(tandem_content::INSTRUMENTS.iter().copied()).expect("shipped instruments load"))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split(';');
    let pick = parts.next().and_then(|p| p.parse::<usize>().ok()).unwrap_or(0);
    let all: Vec<_> = library().all().collect();
    let inst = all[pick % all.len()];
    let answers: Answers = parts
        .filter_map(|p| p.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    for sex in [SexAtBirth::Female, SexAtBirth::Male, SexAtBirth::Unknown] {
        let _ = score(inst, &answers, Context { band_model: None, sex });
    }
});
