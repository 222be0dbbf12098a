//! `Patient`: a stored patient to JSON, and a request body to checked
//! demographics.
//!
//! The two directions are inverses on everything Tandem keeps:
//! `parse_patient(patient_to_json(p))` gives back `p.demographics`.
//! Reading is strict about shape (an unknown or mistyped element is an
//! error, because silently dropping what a client sent loses data) and
//! lenient about what R4 allows but Tandem does not store (those elements
//! are ignored), except for modifier elements, which change the meaning of
//! the rest and so cannot be ignored.

mod elements;
mod expressions;
mod from_json;
mod to_json;

use crate::outcome::{FhirError, IssueCode};
use crate::reading::{Problems, UNPROCESSABLE};
use tandem_core::patient::{Demographics, Patient};

/// US Core birth sex extension (`valueCode` F, M or UNK).
pub const BIRTH_SEX_URL: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex";
/// US Core gender identity extension (`valueCodeableConcept`).
pub const GENDER_IDENTITY_URL: &str =
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-genderIdentity";
/// The FHIR extensions pack's pronouns extension (a `value` sub-extension).
pub const PRONOUNS_URL: &str = "http://hl7.org/fhir/StructureDefinition/individual-pronouns";
/// Code system of language tags in `Patient.communication.language`.
pub const BCP47_SYSTEM: &str = "urn:ietf:bcp:47";
/// HL7 v2 table 0203, identifier types (`MR`).
pub const IDENTIFIER_TYPE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
/// HL7 v2 table 0131, contact roles (`C`, emergency contact).
pub const CONTACT_ROLE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v2-0131";
/// Relationship text written when the emergency contact's relationship is not recorded.
pub const EMERGENCY_CONTACT_TEXT: &str = "Emergency contact";

/// Parse a Patient resource from a request body. `today` bounds birth dates.
///
/// `url_id`: for update (PUT Patient/{id}), the id in the URL; the body's
/// `id` must equal it (else 400 with expression "Patient.id"). For create
/// pass `None`: a body `id` is ignored, as FHIR says servers assign ids on
/// create.
pub fn parse_patient(
    body: &[u8],
    url_id: Option<&str>,
    today: time::Date,
) -> Result<Demographics, FhirError> {
    let resource = &crate::reading::resource_body(body, "Patient")?;

    let mut problems = Problems::default();
    let read = from_json::read(resource, url_id, &mut problems);
    match read.input.validate(today) {
        Ok(demographics) => problems.into_error().map_or(Ok(demographics), Err),
        Err(errors) => {
            for e in &errors.0 {
                let (code, expression) =
                    expressions::for_field(e.field, &read.input, &read.located);
                // The structural pass has said what is wrong with this
                // element in FHIR's terms already.
                if !problems.reported(&expression) {
                    let diagnostics = format!("{}: {}", expressions::label(e.field), e.message);
                    problems.add(UNPROCESSABLE, code, expression, diagnostics);
                }
            }
            // Every skipped domain error had an issue of its own, so this
            // holds at least one issue; the fallback only keeps the types honest.
            Err(problems.into_error().unwrap_or_else(|| {
                FhirError::new(UNPROCESSABLE, IssueCode::Invalid, errors.to_string(), None)
            }))
        }
    }
}

/// Serialise a stored patient.
pub fn patient_to_json(p: &Patient) -> serde_json::Value {
    to_json::patient(p)
}
