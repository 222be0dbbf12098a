//! Sample laboratory Observations (a lithium level out of range, a urine
//! drug screen panel), a searchset of them and a refusal: checked here for
//! what integrators rely on and, when `TANDEM_FHIR_DUMP_DIR` is set,
//! written there as one JSON file each so an independent R4 validator can
//! check them too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::PathBuf;
use tandem_core::ids::PatientId;
use tandem_core::monitoring::{Analyte, RangeReading, ScreenInput, ScreenPanel};
use tandem_fhir::bundle::{SearchPage, searchset};
use tandem_fhir::lab_observation::{LabView, RangeView, ScreenView, lab_to_json, screen_to_json};
use tandem_fhir::outcome::{FhirError, IssueCode};
use time::macros::datetime;
use uuid::Uuid;

const PATIENT: PatientId = PatientId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001));
const LAB: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0501);
const SCREEN: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0502);

fn lithium() -> Value {
    lab_to_json(&LabView {
        id: LAB,
        patient: PATIENT,
        analyte: Analyte::Lithium,
        value: 1.4,
        effective: datetime!(2026-11-21 08:00 UTC),
        issued: datetime!(2026-11-21 15:30 UTC),
        range: Some(RangeView {
            low: 0.6,
            high: 1.2,
            text: "12-hour trough, maintenance (REFERENCE §6 Lithium serum level)",
        }),
        reading: Some(RangeReading::High),
    })
}

fn panel() -> ScreenPanel {
    ScreenInput {
        collected: "2026-11-21T08:15".into(),
        results: vec![
            ("opioids".into(), "negative".into()),
            ("fentanyl".into(), "positive".into()),
            ("buprenorphine".into(), "negative".into()),
            ("cannabis".into(), "positive".into()),
        ],
    }
    .validate(datetime!(2026-11-22 09:00 UTC))
    .unwrap()
}

fn screen() -> Value {
    screen_to_json(&ScreenView {
        id: SCREEN,
        patient: PATIENT,
        panel: &panel(),
        issued: datetime!(2026-11-21 15:30 UTC),
    })
}

fn samples() -> Vec<(&'static str, Value)> {
    vec![
        ("observation-lithium-high", lithium()),
        ("observation-urine-drug-screen", screen()),
        (
            "observation-laboratory-searchset",
            searchset(
                "http://tandem.test/fhir/r4",
                "Observation",
                &format!("patient={PATIENT}&category=laboratory"),
                &SearchPage {
                    total: 2,
                    offset: 0,
                    count: 20,
                },
                vec![lithium(), screen()],
            ),
        ),
        (
            "observation-lab-refusal",
            FhirError::new(
                403,
                IssueCode::Forbidden,
                "you are not on this patient's care team",
                None,
            )
            .to_json(),
        ),
    ]
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

/// A lithium level carries LOINC and the local code, the quantity in
/// UCUM, the range from the content and the interpretation H.
#[test]
fn a_high_lithium_level_is_flagged_h_with_its_range() {
    let o = lithium();
    assert_eq!(o["category"][0]["coding"][0]["code"], "laboratory");
    assert_eq!(o["code"]["coding"][0]["system"], "http://loinc.org");
    assert_eq!(o["code"]["coding"][0]["code"], "14334-7");
    assert_eq!(o["code"]["coding"][1]["code"], "lithium");
    assert_eq!(o["valueQuantity"]["value"], 1.4);
    assert_eq!(o["valueQuantity"]["code"], "meq/L");
    assert_eq!(o["interpretation"][0]["coding"][0]["code"], "H");
    assert_eq!(o["referenceRange"][0]["low"]["value"], 0.6);
    assert_eq!(o["referenceRange"][0]["high"]["value"], 1.2);
    assert_eq!(o["effectiveDateTime"], "2026-11-21T08:00:00Z");
}

/// Creatinine clearance has no confirmed LOINC code and no range: the local
/// code only, and no interpretation.
#[test]
fn a_result_without_a_range_has_no_interpretation() {
    let o = lab_to_json(&LabView {
        id: LAB,
        patient: PATIENT,
        analyte: Analyte::CreatinineClearance,
        value: 45.0,
        effective: datetime!(2026-11-21 08:00 UTC),
        issued: datetime!(2026-11-21 08:00 UTC),
        range: None,
        reading: None,
    });
    assert_eq!(o["code"]["coding"].as_array().unwrap().len(), 1);
    assert_eq!(o["code"]["coding"][0]["system"], "urn:tandem:lab");
    assert!(o.get("interpretation").is_none());
    assert!(o.get("referenceRange").is_none());
}

/// The screen is one Observation: a component per substance, positive or
/// negative as a coded value, not tested as absent data.
#[test]
fn a_screen_is_one_observation_with_a_component_per_substance() {
    let o = screen();
    let c = o["component"].as_array().unwrap();
    assert_eq!(c.len(), 9);
    let find = |code: &str| {
        c.iter()
            .find(|x| x["code"]["coding"][0]["code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(
        find("uds-fentanyl")["valueCodeableConcept"]["coding"][0]["code"],
        "POS"
    );
    assert_eq!(
        find("uds-opioids")["valueCodeableConcept"]["coding"][0]["code"],
        "NEG"
    );
    let untested = find("uds-cocaine");
    assert!(untested.get("valueCodeableConcept").is_none());
    assert_eq!(
        untested["dataAbsentReason"]["coding"][0]["code"],
        "not-performed"
    );
    assert!(o.get("valueQuantity").is_none());
}
