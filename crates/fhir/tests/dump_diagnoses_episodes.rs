//! Sample Conditions, EpisodeOfCares and a refused Condition, checked here
//! for the rules R4 puts on every resource and, when
//! `TANDEM_FHIR_DUMP_DIR` is set, written there one JSON file each for the
//! independent R4 validator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::PathBuf;
use tandem_core::diagnosis::{ClinicalStatus, DiagnosisList, Rank};
use tandem_core::ids::{ConditionId, EpisodeId, PatientId, UserId};
use tandem_core::level_of_care::LevelOfCare;
use tandem_fhir::condition::{ConditionView, condition_to_json, parse_condition};
use tandem_fhir::episode_of_care::{EpisodeView, episode_to_json};
use time::macros::{date, datetime};
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n)
}

fn samples() -> Vec<(&'static str, Value)> {
    let list = DiagnosisList::parse(tandem_content::DIAGNOSES).unwrap();
    let patient = PatientId(id(0x301));
    let primary = ConditionId(id(0x302));
    let secondary = ConditionId(id(0x303));
    let f3342 = list.get("F33.42").unwrap();
    let snomed = f3342
        .snomed
        .as_ref()
        .map(|s| (s.code.as_str(), s.display.as_str()));
    let condition = |cid, code: &str, rank, status, snomed| {
        let title = list.get(code).unwrap().title.as_str();
        condition_to_json(&ConditionView {
            id: cid,
            patient,
            code,
            display: title,
            snomed,
            rank,
            clinical_status: status,
            onset: Some(date!(2026 - 06 - 01)),
            note: Some("Sister's report of heavy use since 2024."),
            recorded_by: Some(UserId(id(0x101))),
            recorded_at: datetime!(2026-11-22 10:00 UTC),
            updated_at: datetime!(2026-11-22 11:00 UTC),
        })
    };
    let refused = parse_condition(
        format!(
            r#"{{"resourceType":"Condition","code":{{"coding":[{{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"F99.9"}}]}},"subject":{{"reference":"Patient/{}"}},"onsetDateTime":"2030-01-01"}}"#,
            patient.0
        )
        .as_bytes(),
        &list,
        date!(2026 - 11 - 22),
    )
    .unwrap_err();
    vec![
        (
            "condition-primary",
            condition(
                primary,
                "F11.20",
                Rank::Primary,
                ClinicalStatus::Active,
                None,
            ),
        ),
        (
            "condition-remission-snomed",
            condition(
                secondary,
                "F33.42",
                Rank::Secondary,
                ClinicalStatus::Remission,
                snomed,
            ),
        ),
        (
            "condition-resolved",
            condition(
                ConditionId(id(0x304)),
                "F41.1",
                Rank::Secondary,
                ClinicalStatus::Resolved,
                None,
            ),
        ),
        (
            "episode-open",
            episode_to_json(&EpisodeView {
                id: EpisodeId(id(0x305)),
                patient,
                started_on: date!(2026 - 11 - 01),
                ended_on: None,
                program: Some(("co_occurring", "Co-occurring disorders")),
                level: Some(LevelOfCare::IntensiveOutpatient),
                diagnoses: vec![primary, secondary],
                care_manager: Some((UserId(id(0x102)), "Jo Care")),
            }),
        ),
        (
            "episode-finished",
            episode_to_json(&EpisodeView {
                id: EpisodeId(id(0x306)),
                patient,
                started_on: date!(2025 - 01 - 10),
                ended_on: Some(date!(2025 - 06 - 30)),
                program: Some(("otp", "Opioid treatment program")),
                level: Some(LevelOfCare::OpioidTreatmentProgram),
                diagnoses: vec![primary],
                care_manager: None,
            }),
        ),
        (
            "episode-measure-started",
            episode_to_json(&EpisodeView {
                id: EpisodeId(id(0x307)),
                patient,
                started_on: date!(2026 - 11 - 20),
                ended_on: None,
                program: None,
                level: None,
                diagnoses: vec![],
                care_manager: None,
            }),
        ),
        ("outcome-condition", refused.to_json()),
    ]
}

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
        assert!(v["resourceType"].is_string(), "{name}");
        let mut found = Vec::new();
        empties(&v, name, &mut found);
        assert!(found.is_empty(), "{found:?}");
    }
}

#[test]
fn conditions_carry_rank_status_and_confirmed_codes() {
    let s = samples();
    let get = |n: &str| s.iter().find(|(k, _)| *k == n).unwrap().1.clone();
    let p = get("condition-primary");
    assert_eq!(p["extension"][0]["valueCode"], "primary");
    assert_eq!(p["code"]["coding"][0]["code"], "F11.20");
    assert_eq!(p["code"]["coding"].as_array().unwrap().len(), 1);
    assert_eq!(p["clinicalStatus"]["coding"][0]["code"], "active");
    assert_eq!(p["category"][0]["coding"][0]["code"], "problem-list-item");
    let r = get("condition-remission-snomed");
    assert_eq!(r["code"]["coding"][1]["system"], "http://snomed.info/sct");
    assert_eq!(r["code"]["coding"][1]["code"], "46244001");
    let e = get("episode-open");
    assert_eq!(e["status"], "active");
    assert_eq!(e["diagnosis"][0]["rank"], 1);
    assert_eq!(e["type"][1]["coding"][0]["code"], "intensive_outpatient");
    let f = get("episode-finished");
    assert_eq!(f["status"], "finished");
    assert_eq!(f["period"]["end"], "2025-06-30");
    assert!(f.get("diagnosis").is_none());
    let o = get("outcome-condition");
    let exprs: Vec<&str> = o["issue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["expression"][0].as_str().unwrap())
        .collect();
    assert_eq!(exprs, ["Condition.code", "Condition.onsetDateTime"]);
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
