//! Sample MedicationAdministrations of the opioid treatment program's dosing
//! log (an observed dose, a take-home dose, a split part, a missed day), a
//! searchset and the refusal of a status Tandem does not record: checked
//! here for what integrators rely on and, when `TANDEM_FHIR_DUMP_DIR` is
//! set, written there for an independent R4 validator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::PathBuf;
use tandem_core::ids::{DoseRecordId, MedicationOrderId, PatientId, UserId};
use tandem_core::medication::dosing::{Entry, Given, Part};
use tandem_core::medication::{Dose, RxCui};
use tandem_fhir::bundle::{SearchPage, searchset};
use tandem_fhir::medication_administration::{
    AdministrationView, medication_administration_to_json, parse_status,
};
use time::macros::{date, datetime};
use uuid::Uuid;

const PATIENT: PatientId = PatientId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001));
const NURSE: UserId = UserId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0101));
const ORDER: MedicationOrderId =
    MedicationOrderId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0201));

fn record(n: u128, entry: &Entry, note: Option<&str>) -> Value {
    let observed = matches!(
        entry,
        Entry::Given {
            how: Given::Observed,
            ..
        }
    );
    medication_administration_to_json(&AdministrationView {
        id: DoseRecordId(Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0000_0300 + n,
        )),
        patient: PATIENT,
        order: ORDER,
        drug: RxCui::new(6813).unwrap(),
        drug_name: "methadone",
        on: if observed {
            date!(2026 - 11 - 22)
        } else {
            date!(2026 - 11 - 23)
        },
        entry,
        given_at: match entry {
            Entry::Missed => None,
            Entry::Given { .. } => Some(datetime!(2026-11-22 08:15 UTC)),
        },
        note,
        performer: NURSE,
        performer_name: "Ola Reyes, RN",
        recorded_at: datetime!(2026-11-22 08:16 UTC),
    })
}

fn given(how: Given, mg: f64, part: Part) -> Entry {
    Entry::Given {
        how,
        amount: Dose::mg(mg).unwrap(),
        part,
    }
}

fn samples() -> Vec<(&'static str, Value)> {
    let observed = record(1, &given(Given::Observed, 60.0, Part::WHOLE), None);
    let take_home = record(2, &given(Given::TakeHome, 60.0, Part::WHOLE), None);
    let split = record(
        3,
        &given(Given::Observed, 40.0, Part::new(1, 2).unwrap()),
        Some("second part due at 17:00"),
    );
    let missed = record(
        4,
        &Entry::Missed,
        Some("Did not come in; phoned, no answer"),
    );
    vec![
        ("medication-administration-observed", observed.clone()),
        ("medication-administration-take-home", take_home.clone()),
        ("medication-administration-split", split.clone()),
        ("medication-administration-missed", missed.clone()),
        (
            "medication-administration-searchset",
            searchset(
                "http://tandem.test/fhir/r4",
                "MedicationAdministration",
                &format!("patient={PATIENT}"),
                &SearchPage {
                    total: 4,
                    offset: 0,
                    count: 20,
                },
                vec![observed, take_home, split, missed],
            ),
        ),
        (
            "medication-administration-refusal",
            parse_status("active").unwrap_err().to_json(),
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

/// An observed dose is completed at its time, at the clinic, against its
/// order, with the dose in UCUM mg.
#[test]
fn an_observed_dose_names_its_order_drug_and_amount() {
    let v = record(1, &given(Given::Observed, 60.0, Part::WHOLE), None);
    assert_eq!(v["status"], "completed");
    assert_eq!(v["effectiveDateTime"], "2026-11-22T08:15:00Z");
    assert_eq!(
        v["request"]["reference"],
        format!("MedicationRequest/{ORDER}")
    );
    assert_eq!(
        v["performer"][0]["actor"]["reference"],
        format!("Practitioner/{NURSE}")
    );
    assert_eq!(v["medicationCodeableConcept"]["coding"][0]["code"], "6813");
    assert_eq!(v["dosage"]["dose"]["value"], 60);
    assert_eq!(v["dosage"]["dose"]["code"], "mg");
    assert_eq!(v["dosage"]["text"], "Observed");
    assert_eq!(v["category"]["coding"][0]["code"], "outpatient");
}

/// A take-home dose is for its day, taken in the community, and says so;
/// a split part says which part; a missed day is not-done with its reason
/// and no dose.
#[test]
fn take_home_split_and_missed_read_as_such() {
    let t = record(2, &given(Given::TakeHome, 60.0, Part::WHOLE), None);
    assert_eq!(t["effectiveDateTime"], "2026-11-23");
    assert_eq!(t["category"]["coding"][0]["code"], "community");
    assert!(
        t["note"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Take-home dose for 2026-11-23")
    );
    let s = record(
        3,
        &given(Given::Observed, 40.0, Part::new(1, 2).unwrap()),
        None,
    );
    assert_eq!(s["dosage"]["text"], "Observed, split part 1 of 2");
    let m = record(4, &Entry::Missed, Some("Did not come in"));
    assert_eq!(m["status"], "not-done");
    assert_eq!(m["statusReason"][0]["text"], "Did not come in");
    assert!(m.get("dosage").is_none());
    assert!(m.get("category").is_none());
}

#[test]
fn a_status_tandem_does_not_record_is_refused_naming_it() {
    assert_eq!(parse_status("completed"), Ok(true));
    assert_eq!(parse_status("not-done"), Ok(false));
    let e = parse_status("active").unwrap_err();
    assert_eq!(e.status, 400);
    assert!(
        e.to_json()["issue"][0]["diagnostics"]
            .as_str()
            .unwrap()
            .contains("not-done")
    );
}
