//! Lab results and urine drug screens over FHIR on both backends:
//! laboratory Observations read by id and searched with
//! `category=laboratory` (and `code`), kept apart from the measurement
//! scores, which a search without a category still lists alone; a patient
//! off the care team refused with an OperationOutcome. Every resource the
//! API emits here is also written to TANDEM_FHIR_DUMP_DIR (when set) for the
//! independent R4 validator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::fhir::*;

use axum::http::StatusCode;
use serde_json::{Value, json};
use tandem_core::monitoring::{LabInput, ScreenInput};
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};

fn phq9(patient: &str) -> Value {
    let items: Vec<Value> = (1..=9)
        .map(|i| json!({"linkId": i.to_string(), "answer": [{"valueCoding": {"code": "1"}}]}))
        .collect();
    json!({
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "urn:tandem:questionnaire:phq9",
        "subject": {"reference": format!("Patient/{patient}")},
        "authored": "2026-11-20T10:00:00Z",
        "item": items,
    })
}

async fn labs_and_screens_are_laboratory_observations(db: TestDb) {
    let e = env(db, 23).await;
    let (dr, caller) = e.clinician("dr_lee").await;
    let pid = e.patient(&dr, "Rivera", None).await;
    let patient = pid.parse().unwrap();
    let lab = e
        .app
        .record_lab(
            &caller,
            patient,
            &LabInput {
                analyte: "lithium".into(),
                value: "1.3".into(),
                effective: "2026-11-21T08:00".into(),
            },
        )
        .await
        .unwrap();
    let screen = e
        .app
        .record_drug_screen(
            &caller,
            patient,
            &ScreenInput {
                collected: "2026-11-21T09:00".into(),
                results: vec![
                    ("opioids".into(), "negative".into()),
                    ("fentanyl".into(), "negative".into()),
                    ("cannabis".into(), "positive".into()),
                ],
            },
        )
        .await
        .unwrap();
    let r = e
        .post(&dr, "QuestionnaireResponse", &phq9(&pid).to_string())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Read by id.
    let r = e.get(&dr, &format!("Observation/{}", lab.id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let o = r.json();
    assert_eq!(o["category"][0]["coding"][0]["code"], "laboratory");
    assert_eq!(o["code"]["coding"][0]["code"], "14334-7");
    assert_eq!(o["valueQuantity"]["value"], 1.3);
    assert_eq!(o["interpretation"][0]["coding"][0]["code"], "H");
    assert_eq!(o["referenceRange"][0]["high"]["value"], 1.2);
    assert_eq!(o["subject"]["reference"], format!("Patient/{pid}"));
    let r = e.get(&dr, &format!("Observation/{}", screen.id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let s = r.json();
    let comps = s["component"].as_array().unwrap();
    assert_eq!(comps.len(), 9);
    let cannabis = comps
        .iter()
        .find(|c| c["code"]["coding"][0]["code"] == "uds-cannabis")
        .unwrap();
    assert_eq!(cannabis["valueCodeableConcept"]["coding"][0]["code"], "POS");

    // Searched by category, latest first; narrowed by code.
    let r = e
        .get(
            &dr,
            &format!("Observation?patient={pid}&category=laboratory"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.total(), 2);
    let ids: Vec<String> = r
        .entries()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, [screen.id.to_string(), lab.id.to_string()]);
    let r = e
        .get(
            &dr,
            &format!("Observation?patient={pid}&category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory&code=http://loinc.org|14334-7"),
        )
        .await;
    assert_eq!(r.total(), 1, "{}", r.body);
    assert_eq!(r.entries()[0]["id"], lab.id.to_string());
    let r = e
        .get(
            &dr,
            &format!("Observation?patient={pid}&category=laboratory&code=urine-drug-screen"),
        )
        .await;
    assert_eq!(r.total(), 1, "{}", r.body);
    assert_eq!(r.entries()[0]["id"], screen.id.to_string());

    // Scores are searched as before, alone; category=survey is the same.
    for q in ["", "&category=survey"] {
        let r = e.get(&dr, &format!("Observation?patient={pid}{q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.total() >= 1);
        assert!(
            r.entries()
                .iter()
                .all(|x| x["category"][0]["coding"][0]["code"] == "survey"),
            "{}",
            r.body
        );
    }
    let r = e
        .get(
            &dr,
            &format!("Observation?patient={pid}&category=vital-signs"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.total(), 0);

    // Off the care team: refused; an unknown id is not found.
    let far = e.token("dr_far", Role::Prescriber).await;
    let r = e.get(&far, &format!("Observation/{}", lab.id)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["resourceType"], "OperationOutcome");
    let r = e
        .get(
            &far,
            &format!("Observation?patient={pid}&category=laboratory"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = e
        .get(&dr, "Observation/0190a000-0000-7000-8000-000000000999")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

fn lithium(patient: &str, value: Value, unit: &str) -> String {
    json!({
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "14334-7"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": "2026-11-21T08:00:00Z",
        "valueQuantity": {"value": value, "unit": "mEq/L", "system": "http://unitsofmeasure.org", "code": unit},
    })
    .to_string()
}

/// A posted lab result is stored, judged and read back; a bad one is
/// refused naming the element, with nothing stored.
async fn lab_results_are_posted(db: TestDb) {
    let e = env(db, 23).await;
    let (dr, _) = e.clinician("dr_lee").await;
    let pid = e.patient(&dr, "Rivera", None).await;
    let r = e
        .post(&dr, "Observation", &lithium(&pid, json!(0.6), "meq/L"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let o = r.json();
    assert_eq!(o["interpretation"][0]["coding"][0]["code"], "N");
    assert_eq!(o["valueQuantity"]["value"], 0.6);
    let id = o["id"].as_str().unwrap().to_string();
    let r = e.get(&dr, &format!("Observation/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["effectiveDateTime"], "2026-11-21T08:00:00Z");

    let r = e
        .post(&dr, "Observation", &lithium(&pid, json!(0.9), "mg/dL"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.expressions(), ["Observation.valueQuantity.code"]);
    let r = e
        .post(&dr, "Observation", &lithium(&pid, json!(-1), "meq/L"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.expressions(), ["Observation.valueQuantity.value"]);
    let (far, _) = e.clinician("dr_far").await;
    let r = e
        .post(&far, "Observation", &lithium(&pid, json!(0.9), "meq/L"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = e
        .get(
            &dr,
            &format!("Observation?patient={pid}&category=laboratory"),
        )
        .await;
    assert_eq!(r.total(), 1, "{}", r.body);
}

/// A urine drug screen posted as an Observation: one component per
/// substance tested, POS or NEG.
fn screen(patient: &str, components: Value) -> String {
    json!({
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
        "code": {"coding": [{"system": "urn:tandem:lab", "code": "urine-drug-screen"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": "2026-11-21T09:30:00-05:00",
        "component": components,
    })
    .to_string()
}

fn result(substance: &str, value: &str) -> Value {
    json!({
        "code": {"coding": [{"system": "urn:tandem:lab", "code": format!("uds-{substance}")}]},
        "valueCodeableConcept": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": value}]},
    })
}

fn naltrexone(patient: &str) -> String {
    json!({
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "7243"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "dosageInstruction": [{
            "text": "Take one tablet by mouth daily",
            "timing": {"repeat": {"boundsPeriod": {"start": "2026-11-22"}, "frequency": 1, "period": 1, "periodUnit": "d"}},
            "route": {"coding": [{"system": "urn:tandem:route", "code": "oral"}]},
            "doseAndRate": [{"doseQuantity": {"value": 50, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}]
        }]
    })
    .to_string()
}

/// A drug screen posted over FHIR is stored, read back and feeds the
/// naltrexone check at once: a positive opioid screen stops the order, a
/// negative one lets it through. A bad screen is refused naming the
/// element, with nothing stored.
async fn drug_screens_are_posted(db: TestDb) {
    let e = env(db, 23).await;
    let (dr, _) = e.clinician("dr_lee").await;
    let pos = e.patient(&dr, "Rivera", None).await;
    let neg = e.patient(&dr, "Okafor", None).await;

    let r = e
        .post(
            &dr,
            "Observation",
            &screen(
                &pos,
                json!([result("opioids", "POS"), result("cannabis", "NEG")]),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let o = r.json();
    assert_eq!(o["code"]["coding"][0]["code"], "urine-drug-screen");
    // The zone is kept as the instant: 09:30 at UTC-5 is 14:30 UTC.
    assert_eq!(o["effectiveDateTime"], "2026-11-21T14:30:00Z");
    let id = o["id"].as_str().unwrap().to_string();
    let r = e.get(&dr, &format!("Observation/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let comps = r.json()["component"].as_array().unwrap().clone();
    let value_of = |substance: &str| {
        comps
            .iter()
            .find(|c| c["code"]["coding"][0]["code"] == format!("uds-{substance}"))
            .map(|c| {
                c["valueCodeableConcept"]["coding"][0]["code"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| c["dataAbsentReason"]["coding"][0]["code"].to_string())
            })
            .unwrap()
    };
    assert_eq!(value_of("opioids"), "POS");
    assert_eq!(value_of("cannabis"), "NEG");
    assert_eq!(value_of("cocaine"), "\"not-performed\"");

    let r = e.post(&dr, "MedicationRequest", &naltrexone(&pos)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_lowercase().contains("positive"), "{}", r.body);

    let r = e
        .post(
            &dr,
            "Observation",
            &screen(
                &neg,
                json!([result("opioids", "NEG"), result("fentanyl", "NEG")]),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = e.post(&dr, "MedicationRequest", &naltrexone(&neg)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Refusals name the element; none of them stores anything.
    let bad = [
        (
            json!([result("heroin", "POS")]),
            "Observation.component[0].code",
        ),
        (
            json!([result("opioids", "POS"), result("opioids", "NEG")]),
            "Observation.component[1].code",
        ),
        (
            json!([result("opioids", "H")]),
            "Observation.component[0].valueCodeableConcept",
        ),
        (json!([]), "Observation.component"),
    ];
    for (components, expr) in bad {
        let r = e.post(&dr, "Observation", &screen(&pos, components)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.expressions(), [expr], "{}", r.body);
    }
    let mut no_zone: Value =
        serde_json::from_str(&screen(&pos, json!([result("opioids", "NEG")]))).unwrap();
    no_zone["effectiveDateTime"] = json!("2026-11-21");
    let r = e.post(&dr, "Observation", &no_zone.to_string()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.expressions(), ["Observation.effectiveDateTime"]);
    let mut later: Value =
        serde_json::from_str(&screen(&pos, json!([result("opioids", "NEG")]))).unwrap();
    later["effectiveDateTime"] = json!("2026-11-23T09:00:00Z");
    let r = e.post(&dr, "Observation", &later.to_string()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.expressions(), ["Observation.effectiveDateTime"]);
    let (far, _) = e.clinician("dr_far").await;
    let r = e
        .post(
            &far,
            "Observation",
            &screen(&pos, json!([result("opioids", "NEG")])),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = e
        .get(
            &dr,
            &format!("Observation?patient={pos}&category=laboratory"),
        )
        .await;
    assert_eq!(r.total(), 1, "{}", r.body);
}

both_backends! {
    laboratory => labs_and_screens_are_laboratory_observations;
    posted => lab_results_are_posted;
    screens_posted => drug_screens_are_posted;
}
