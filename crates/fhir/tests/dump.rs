//! Sample output of every public function, checked here for the rules R4
//! puts on every resource and, when `TANDEM_FHIR_DUMP_DIR` is set, written
//! there as one JSON file each so an independent R4 validator can check
//! them too (the project's test script does).
// Test helpers are allowed to fail loudly: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TODAY, full_demographics, minimal_demographics, stored};
use serde_json::{Value, json};
use std::path::PathBuf;
use tandem_core::ids::UserId;
use tandem_core::role::{CareTeamRole, Role};
use tandem_fhir::bundle::{SearchPage, searchset};
use tandem_fhir::capability::capability_statement;
use tandem_fhir::care_team::{MemberView, care_team_to_json};
use tandem_fhir::outcome::{FhirError, IssueCode, operation_outcome};
use tandem_fhir::patient::{parse_patient, patient_to_json};
use tandem_fhir::practitioner::{PractitionerView, practitioner_to_json};
use tandem_fhir::questionnaire_response::{
    ResponseView, parse_questionnaire_response, response_to_json,
};
use time::macros::{date, datetime};
use uuid::Uuid;

fn refusal(body: &str) -> Value {
    parse_patient(body.as_bytes(), None, TODAY)
        .expect_err(body)
        .to_json()
}

fn samples() -> Vec<(&'static str, Value)> {
    let full = stored(full_demographics());
    let minimal = stored(minimal_demographics());
    let lee = UserId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0101));
    let kim = UserId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0102));
    let practitioner = practitioner_to_json(&PractitionerView {
        id: lee,
        username: "dr_lee",
        display_name: "Dr. Min Lee",
        role: Role::Prescriber,
        active: true,
    });
    let inactive = practitioner_to_json(&PractitionerView {
        id: kim,
        username: "t_kim",
        display_name: "Taylor Kim",
        role: Role::Therapist,
        active: false,
    });
    let members = [
        MemberView {
            user_id: lee,
            display_name: "Dr. Min Lee",
            role: CareTeamRole::Prescriber,
            start: date!(2026 - 01 - 05),
            end: None,
        },
        MemberView {
            user_id: kim,
            display_name: "Taylor Kim",
            role: CareTeamRole::Therapist,
            start: date!(2025 - 03 - 01),
            end: Some(date!(2026 - 02 - 28)),
        },
    ];
    let base = "http://localhost:8080/fhir/r4";
    let page = |total, offset, count| SearchPage {
        total,
        offset,
        count,
    };
    vec![
        ("patient-full", patient_to_json(&full)),
        ("patient-minimal", patient_to_json(&minimal)),
        ("practitioner", practitioner.clone()),
        ("practitioner-inactive", inactive.clone()),
        ("care-team", care_team_to_json(&full, &members)),
        ("care-team-empty", care_team_to_json(&minimal, &[])),
        (
            "bundle-patients",
            searchset(
                base,
                "Patient",
                "name=Rivera",
                &page(3, 1, 1),
                vec![patient_to_json(&full)],
            ),
        ),
        (
            "bundle-practitioners",
            searchset(
                base,
                "Practitioner",
                "",
                &page(2, 0, 50),
                vec![practitioner, inactive],
            ),
        ),
        (
            "bundle-empty",
            searchset(
                base,
                "Patient",
                "family=Nobody",
                &page(0, 0, 50),
                Vec::new(),
            ),
        ),
        (
            "capability-statement",
            capability_statement("0.1.0", datetime!(2026-11-22 17:00:00.5 UTC)),
        ),
        ("outcome-not-json", refusal("{not json")),
        (
            "outcome-birth-date",
            refusal(r#"{"resourceType":"Patient","birthDate":"12/04/1988"}"#),
        ),
        (
            "outcome-gender",
            refusal(r#"{"resourceType":"Patient","gender":"banana","name":[{"family":"X"}]}"#),
        ),
        (
            "outcome-resource-type",
            refusal(r#"{"resourceType":"Observation"}"#),
        ),
        (
            "outcome-not-found",
            FhirError::new(404, IssueCode::NotFound, "no Patient with that id", None).to_json(),
        ),
        ("outcome-all-ok", operation_outcome(&[])),
    ]
    .into_iter()
    .chain(measurement_samples())
    .collect()
}

/// A response, its score, flags, and a refused response.
fn measurement_samples() -> Vec<(&'static str, Value)> {
    use tandem_core::flag::FlagKind;
    use tandem_core::ids::{FlagId, ObservationId, PatientId, ResponseId};
    use tandem_fhir::flag::{FlagView, flag_to_json};
    use tandem_fhir::observation::{ObservationView, observation_to_json};
    let library =
        tandem_core::instrument::Library::from_files(tandem_content::INSTRUMENTS.iter().copied())
            .unwrap();
    let patient = PatientId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0201));
    let response = ResponseId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0202));
    let answers: std::collections::BTreeMap<String, String> = (1..=9)
        .map(|i| (i.to_string(), if i == 9 { "1" } else { "2" }.to_string()))
        .collect();
    let flag = |kind, end: Option<time::OffsetDateTime>| {
        flag_to_json(&FlagView {
            id: FlagId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0203)),
            patient,
            kind,
            active: end.is_none(),
            period_start: datetime!(2026-11-01 10:00 UTC),
            period_end: end,
            updated_at: datetime!(2026-11-22 10:00 UTC),
            version: 1,
        })
    };
    let refused = parse_questionnaire_response(
        br#"{"resourceType":"QuestionnaireResponse","status":"in-progress","questionnaire":"urn:tandem:questionnaire:phq9","item":[{"linkId":"9","answer":[{"valueInteger":7}]}]}"#,
        &library,
    )
    .unwrap_err();
    vec![
        (
            "questionnaire-response",
            response_to_json(&ResponseView {
                id: response,
                patient,
                instrument_id: "phq9",
                instrument: library.get("phq9"),
                authored: datetime!(2026-11-22 15:30 UTC),
                answers: &answers,
                recorded_by: Some(UserId(Uuid::from_u128(
                    0x0190_0000_0000_7000_8000_0000_0000_0101,
                ))),
                recorded_at: datetime!(2026-11-22 16:00 UTC),
            }),
        ),
        (
            "observation-total",
            observation_to_json(&ObservationView {
                id: ObservationId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0204)),
                patient,
                response,
                system: "http://loinc.org",
                code: "44261-6",
                display: "PHQ-9 total score",
                value: 17,
                effective: datetime!(2026-11-22 15:30 UTC),
                interpretation: Some("Moderately severe"),
            }),
        ),
        ("flag-active", flag(FlagKind::SuicideRisk, None)),
        (
            "flag-inactive",
            flag(
                FlagKind::NotImproving,
                Some(datetime!(2026-11-22 10:00 UTC)),
            ),
        ),
        ("outcome-questionnaire-response", refused.to_json()),
    ]
}

/// R4's rules for every JSON resource: no null, and no empty string,
/// array or object anywhere.
fn empties(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Null => out.push(format!("null at {path}")),
        Value::String(s) if s.trim().is_empty() => out.push(format!("empty string at {path}")),
        Value::Array(a) if a.is_empty() => out.push(format!("empty array at {path}")),
        Value::Object(o) if o.is_empty() => out.push(format!("empty object at {path}")),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| empties(x, &format!("{path}[{i}]"), out)),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| empties(x, &format!("{path}.{k}"), out)),
        _ => {}
    }
}

#[test]
fn every_sample_is_a_resource_with_nothing_empty() {
    for (name, v) in samples() {
        assert!(v["resourceType"].is_string(), "{name} has no resourceType");
        let mut found = Vec::new();
        empties(&v, name, &mut found);
        assert!(found.is_empty(), "{found:?}");
    }
}

#[test]
fn samples_are_written_for_the_r4_validator_when_asked() {
    let Some(dir) = std::env::var_os("TANDEM_FHIR_DUMP_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, v) in samples() {
        let text = serde_json::to_string_pretty(&v).unwrap();
        std::fs::write(dir.join(format!("{name}.json")), text).unwrap();
    }
}

#[test]
fn the_capability_statement_lists_what_the_server_does() {
    let cs = capability_statement("1.2.3", datetime!(2026-11-22 17:00 UTC));
    assert_eq!(cs["kind"], "instance");
    assert_eq!(cs["fhirVersion"], "4.0.1");
    assert_eq!(cs["software"]["version"], "1.2.3");
    assert_eq!(cs["date"], "2026-11-22T17:00:00Z");
    assert_eq!(cs["format"], json!(["application/fhir+json", "json"]));
    let rest = &cs["rest"][0];
    assert_eq!(rest["mode"], "server");
    assert_eq!(rest["security"]["description"], "Bearer token");
    assert!(rest.get("interaction").is_none(), "no system-level search");
    let resource = |t: &str| {
        rest["resource"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == t)
            .unwrap()
            .clone()
    };
    let codes = |r: &Value, key: &str, field: &str| -> Vec<String> {
        r[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i[field].as_str().unwrap().to_string())
            .collect()
    };
    let patient = resource("Patient");
    assert_eq!(
        codes(&patient, "interaction", "code"),
        ["read", "create", "update", "search-type"]
    );
    assert_eq!(
        codes(&patient, "searchParam", "name"),
        [
            "name",
            "family",
            "given",
            "birthdate",
            "identifier",
            "_count",
            "_offset"
        ]
    );
    assert_eq!(patient["versioning"], "versioned-update");
    assert_eq!(patient["updateCreate"], false);
    assert_eq!(patient["conditionalCreate"], false);
    let practitioner = resource("Practitioner");
    assert_eq!(
        codes(&practitioner, "interaction", "code"),
        ["read", "search-type"]
    );
    assert_eq!(
        codes(&practitioner, "searchParam", "name"),
        ["name", "_count", "_offset"]
    );
    let care_team = resource("CareTeam");
    assert_eq!(
        codes(&care_team, "interaction", "code"),
        ["read", "search-type"]
    );
    assert_eq!(
        codes(&care_team, "searchParam", "name"),
        ["patient", "_count", "_offset"]
    );
    let questionnaire = resource("Questionnaire");
    assert_eq!(
        codes(&questionnaire, "searchParam", "name"),
        ["code", "url", "name", "title", "_count", "_offset"]
    );
    let response = resource("QuestionnaireResponse");
    assert_eq!(
        codes(&response, "interaction", "code"),
        ["create", "read", "search-type"]
    );
    assert_eq!(
        codes(&response, "searchParam", "name"),
        ["patient", "subject", "questionnaire", "_count", "_offset"]
    );
    let observation = resource("Observation");
    assert_eq!(
        codes(&observation, "interaction", "code"),
        ["create", "read", "search-type"]
    );
    assert_eq!(
        codes(&observation, "searchParam", "name"),
        [
            "patient", "subject", "code", "date", "category", "_count", "_offset"
        ]
    );
    let flag = resource("Flag");
    assert_eq!(codes(&flag, "interaction", "code"), ["read", "search-type"]);
    assert_eq!(
        codes(&flag, "searchParam", "name"),
        ["patient", "subject", "status", "_count", "_offset"]
    );
    // Eleven resources above, MedicationRequest and DetectedIssue (checked
    // in dump_medication.rs) and MedicationAdministration (dump_otp.rs).
    assert_eq!(rest["resource"].as_array().unwrap().len(), 14);
}

#[test]
fn a_care_team_names_its_patient_and_members() {
    let p = stored(full_demographics());
    let user = UserId(Uuid::from_u128(9));
    let members = [MemberView {
        user_id: user,
        display_name: "Dr. Min Lee",
        role: CareTeamRole::CareManager,
        start: date!(2026 - 01 - 05),
        end: Some(date!(2026 - 06 - 30)),
    }];
    let v = care_team_to_json(&p, &members);
    assert_eq!(v["id"], p.id.to_string());
    assert_eq!(v["status"], "active");
    assert_eq!(
        v["subject"],
        json!({"reference": format!("Patient/{}", p.id), "display": "Annie Rivera"})
    );
    let member = &v["participant"][0];
    assert_eq!(
        member["member"]["reference"],
        format!("Practitioner/{user}")
    );
    assert_eq!(member["role"][0]["coding"][0]["code"], "care_manager");
    assert_eq!(member["role"][0]["text"], "Care manager");
    assert_eq!(
        member["period"],
        json!({"start": "2026-01-05", "end": "2026-06-30"})
    );
    assert!(care_team_to_json(&p, &[]).get("participant").is_none());
}
