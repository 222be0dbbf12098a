//! FHIR R4 JSON for Tandem: the one place that knows the wire format.
//!
//! Every function here maps between FHIR R4 JSON and the domain types of
//! `tandem-core`. Nothing here does I/O, knows about HTTP or SQL, or reads
//! the clock: the web layer passes in what it needs (today's date, the
//! server's base URL) and sends back what it gets.
//!
//! Output is meant to pass the official R4 definitions as it stands: no
//! `null`, no empty strings, arrays or objects, and every invariant of the
//! resources we emit held.
#![forbid(unsafe_code)]

pub mod bundle;
pub mod capability;
pub mod care_plan;
pub mod care_team;
pub mod condition;
pub mod episode_of_care;
pub mod flag;
pub mod goal;
pub mod lab_observation;
pub mod medication_administration;
pub mod medication_request;
pub mod observation;
pub mod outcome;
pub mod patient;
pub mod practitioner;
pub mod questionnaire;
pub mod questionnaire_response;

mod instant;
mod reading;

pub use outcome::{FhirError, Issue, IssueCode, Severity};

/// The media type of FHIR JSON.
pub const FHIR_JSON: &str = "application/fhir+json";

/// Identifier system of Tandem MRNs (documented local system).
pub const MRN_SYSTEM: &str = "urn:tandem:mrn";

/// Identifier system of Tandem usernames on `Practitioner.identifier`.
pub const USERNAME_SYSTEM: &str = "urn:tandem:username";

/// Code system of the staff roles (`tandem_core::role::Role::as_str`).
pub const STAFF_ROLE_SYSTEM: &str = "urn:tandem:staff-role";

/// Code system of care-team roles (`tandem_core::role::CareTeamRole::as_str`).
pub const CARE_TEAM_ROLE_SYSTEM: &str = "urn:tandem:care-team-role";

/// Code system of flag kinds (`tandem_core::flag::FlagKind::as_str`) on `Flag.code`.
pub const FLAG_SYSTEM: &str = "urn:tandem:flag";

/// The FHIR version this crate speaks.
pub const FHIR_VERSION: &str = "4.0.1";
