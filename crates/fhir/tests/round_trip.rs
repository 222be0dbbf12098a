//! A stored patient sent out as FHIR and read back gives the same
//! demographics, whatever they hold.
// Test helpers are allowed to fail loudly: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TODAY, stored};
use proptest::option;
use proptest::prelude::*;
use tandem_core::patient::{
    Address, AdministrativeGender, Demographics, EmergencyContact, SexAtBirth,
};
use tandem_fhir::patient::{parse_patient, patient_to_json};
use time::{Date, Duration, macros::date};

/// Words as clinics type them: letters (some accented), apostrophes, hyphens.
fn word() -> impl Strategy<Value = String> {
    "[A-Z][a-zà-öø-ÿ'-]{0,11}".prop_map(|w| w.trim_end_matches(['\'', '-']).to_string())
}

/// One to three words, single spaced, as the domain keeps names.
fn words() -> impl Strategy<Value = String> {
    prop::collection::vec(word(), 1..=3).prop_map(|w| w.join(" "))
}

fn phone() -> impl Strategy<Value = String> {
    prop_oneof![
        "[2-9][0-9]{2}-[0-9]{3}-[0-9]{4}",
        "\\([2-9][0-9]{2}\\) [0-9]{3}-[0-9]{4}",
        "\\+[1-9][0-9]{7,12}",
    ]
}

fn birth_date() -> impl Strategy<Value = Date> {
    let earliest = date!(1900 - 01 - 01);
    let days = (TODAY - earliest).whole_days();
    (0..=days).prop_map(move |d| earliest + Duration::days(d))
}

fn language() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["en", "es", "zh", "vi", "ase", "ht"]).prop_map(str::to_string),
        "[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}",
    ]
}

fn address() -> impl Strategy<Value = Address> {
    (
        option::of("[1-9][0-9]{0,4} [A-Z][a-z]{2,10} (St|Ave|Rd)"),
        option::of(words()),
        option::of("[A-Z]{2}"),
        option::of("[0-9]{5}(-[0-9]{4})?"),
    )
        .prop_map(|(line, city, state, postal_code)| Address {
            line,
            city,
            state,
            postal_code,
        })
}

fn emergency_contact() -> impl Strategy<Value = EmergencyContact> {
    let relationship = prop::sample::select(vec![
        "mother",
        "brother",
        "partner",
        "friend",
        "case worker",
    ]);
    (words(), option::of(relationship), phone()).prop_map(|(name, relationship, phone)| {
        EmergencyContact {
            name,
            relationship: relationship.map(str::to_string),
            phone,
        }
    })
}

prop_compose! {
    fn demographics()(
        family_name in words(),
        given_names in prop_oneof![Just(String::new()), words()],
        preferred_name in option::of(words()),
        birth_date in birth_date(),
        sex_at_birth in prop::sample::select(SexAtBirth::ALL.to_vec()),
        gender in prop::sample::select(AdministrativeGender::ALL.to_vec()),
        gender_identity in option::of(prop::sample::select(vec!["Woman", "Man", "Non-binary", "Transgender woman", "Genderqueer"])),
        pronouns in option::of(prop::sample::select(vec!["she/her", "he/him", "they/them", "ze/zir"])),
        preferred_language in option::of(language()),
        phone in option::of(phone()),
        address in address(),
        emergency_contact in option::of(emergency_contact()),
    ) -> Demographics {
        Demographics {
            family_name,
            given_names,
            preferred_name,
            birth_date,
            sex_at_birth,
            gender,
            gender_identity: gender_identity.map(str::to_string),
            pronouns: pronouns.map(str::to_string),
            preferred_language,
            phone,
            address,
            emergency_contact,
        }
    }
}

/// Every value in the output is present: no null, "", [] or {}.
fn assert_nothing_empty(v: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match v {
        Value::Null => panic!("null at {path}"),
        Value::String(s) => assert!(!s.trim().is_empty(), "empty string at {path}"),
        Value::Array(a) => {
            assert!(!a.is_empty(), "empty array at {path}");
            a.iter()
                .enumerate()
                .for_each(|(i, x)| assert_nothing_empty(x, &format!("{path}[{i}]")));
        }
        Value::Object(o) => {
            assert!(!o.is_empty(), "empty object at {path}");
            o.iter()
                .for_each(|(k, x)| assert_nothing_empty(x, &format!("{path}.{k}")));
        }
        Value::Bool(_) | Value::Number(_) => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn demographics_survive_a_trip_through_fhir(d in demographics()) {
        // Generated values must be ones the domain itself would store.
        let checked = tandem_core::patient::DemographicsInput::from(&d).validate(TODAY);
        prop_assert_eq!(checked.as_ref(), Ok(&d));
        let patient = stored(d);
        let json = patient_to_json(&patient);
        assert_nothing_empty(&json, "Patient");
        let body = serde_json::to_vec(&json).unwrap();
        prop_assert_eq!(parse_patient(&body, None, TODAY), Ok(patient.demographics.clone()));
        // An update sends back what was read, id and all.
        prop_assert_eq!(parse_patient(&body, Some(&patient.id.to_string()), TODAY), Ok(patient.demographics));
    }
}

#[test]
fn the_sample_patients_survive_a_trip_through_fhir() {
    for d in [common::full_demographics(), common::minimal_demographics()] {
        let body = serde_json::to_vec(&patient_to_json(&stored(d.clone()))).unwrap();
        assert_eq!(parse_patient(&body, None, TODAY), Ok(d));
    }
}
