//! Any request body as a QuestionnaireResponse: read against the shipped
//! instruments and scored, or refused with an OperationOutcome, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tandem_core::instrument::scoring::Context;
use tandem_core::instrument::{Library, score};
use tandem_core::patient::SexAtBirth;
use tandem_fhir::questionnaire_response::{parse_questionnaire_response, scoring_problems};

fn library() -> &'static Library {
    static L: OnceLock<Library> = OnceLock::new();
    L.get_or_init(|| Library::from_files(tandem_content::INSTRUMENTS.iter().copied()).expect("shipped instruments load"))
}

fuzz_target!(|data: &[u8]| {
    let lib = library();
    match parse_questionnaire_response(data, lib) {
        Ok(parsed) => {
            let inst = lib.get(&parsed.instrument).expect("a parsed response names a known instrument");
            for sex in [SexAtBirth::Female, SexAtBirth::Male, SexAtBirth::Unknown] {
                if let Err(problems) = score(inst, &parsed.answers, Context { band_model: None, sex }) {
                    let e = scoring_problems(&problems, Some(&parsed));
                    assert!(!e.issues.is_empty());
                    let _ = e.to_json();
                }
            }
        }
        Err(e) => {
            assert!(!e.issues.is_empty(), "a refusal says why");
            let _ = e.to_json();
        }
    }
});
