//! Tandem's domain: the types and rules of an integrated behavioural-health
//! clinic, with no I/O. Time and randomness come in as arguments
//! ([`clock::Clock`], [`entropy::Entropy`]) so every rule here is a pure,
//! repeatable function.
#![forbid(unsafe_code)]

pub mod access;
pub mod asam;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod care_plan;
mod choice;
pub mod clock;
pub mod diagnosis;
pub mod education;
pub mod entropy;
pub mod episode;
pub mod flag;
pub mod ids;
pub mod instrument;
pub mod level_of_care;
pub mod measure;
pub mod medication;
pub mod monitoring;
pub mod mrn;
pub mod pathway;
pub mod patient;
pub mod patient_plan;
pub mod program;
pub mod readability;
pub mod role;
pub mod trajectory;
pub mod validation;

pub use validation::{FieldError, ValidationErrors};
