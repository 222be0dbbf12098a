//! Any request body: a Patient or an OperationOutcome, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use time::macros::date;

fuzz_target!(|data: &[u8]| {
    let today = date!(2026 - 11 - 22);
    let _ = tandem_fhir::patient::parse_patient(data, None, today);
    let _ = tandem_fhir::patient::parse_patient(data, Some("0192f000-0000-7000-8000-000000000000"), today);
});
