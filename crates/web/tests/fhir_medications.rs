//! Medication orders over FHIR on both backends: MedicationRequests posted,
//! read and searched; every refusal (a drug outside the catalog, a dose of
//! zero or less, a patient off the care team, a contraindication, bad JSON)
//! answered with an OperationOutcome naming the element and nothing stored;
//! the override header; DetectedIssues for the findings. Every resource the
//! API emits here is also written to TANDEM_FHIR_DUMP_DIR (when set) for the
//! independent R4 validator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::fhir::*;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tandem_app::AuditFilter;
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};

const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
const SERTRALINE: &str = "36437";
const PHENELZINE: &str = "8123";
const METHADONE: &str = "6813";
const LORAZEPAM: &str = "6470";

/// A new order of `code`, `per_dose` mg once a day (or `times` a day).
fn order(patient: &str, code: &str, per_dose: f64, times: u32) -> Value {
    json!({
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "dosageInstruction": [{
            "text": "Take by mouth as directed",
            "timing": {"repeat": {"boundsPeriod": {"start": "2026-11-22"}, "frequency": times, "period": 1, "periodUnit": "d"}},
            "route": {"coding": [{"system": "urn:tandem:route", "code": "oral"}]},
            "doseAndRate": [{"doseQuantity": {"value": per_dose, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}]
        }]
    })
}

impl Env {
    /// An active diagnosis, as the diagnosis list stores it.
    async fn diagnose(&self, patient: &str, n: u128) -> String {
        let sql = "INSERT INTO conditions (org_id, id, patient_id, code, display, rank, clinical_status, recorded_at, updated_at) \
                   VALUES ($1, $2, $3, 'F32.1', 'Major depressive disorder, single episode, moderate', 'primary', 'active', $4, $4)";
        let id = uuid::Uuid::from_u128(0x4000_0000 + n);
        let pid: uuid::Uuid = patient.parse().unwrap();
        let org = self.app.org().0;
        match &self.db.store {
            tandem_app::Store::Sqlite { writer, .. } => {
                sqlx::query(sql)
                    .bind(org)
                    .bind(id)
                    .bind(pid)
                    .bind(NOW)
                    .execute(writer)
                    .await
                    .unwrap();
            }
            tandem_app::Store::Postgres(pool) => {
                sqlx::query(sql)
                    .bind(org)
                    .bind(id)
                    .bind(pid)
                    .bind(NOW)
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }
        id.to_string()
    }

    async fn orders(&self, token: &str, patient: &str) -> u64 {
        self.get(token, &format!("MedicationRequest?patient={patient}"))
            .await
            .total()
    }

    async fn post_with(&self, token: &str, path: &str, body: &str, extra: (&str, &str)) -> Resp {
        let auth = format!("Bearer {token}");
        let h = [
            ("authorization", auth.as_str()),
            ("content-type", "application/fhir+json"),
            extra,
        ];
        self.send(Method::POST, path, &h, body.to_string()).await
    }
}

/// An order is created (201, Location), read back with its RxNorm code,
/// dose, timing, route, requester and subject, and found by patient and
/// status.
async fn create_read_search(db: TestDb) {
    let e = env(db, 23).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let pid = e.patient(&dr, "Rivera", None).await;
    // 25 mg twice a day is a daily dose of 50 mg.
    let r = e
        .post(
            &dr,
            "MedicationRequest",
            &order(&pid, SERTRALINE, 25.0, 2).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(
        r.header("location").unwrap(),
        format!("http://tandem.test/fhir/r4/MedicationRequest/{id}")
    );
    let read = e.get(&dr, &format!("MedicationRequest/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    let m = read.json();
    assert_eq!(m["status"], "active");
    assert_eq!(m["intent"], "order");
    assert_eq!(
        m["medicationCodeableConcept"]["coding"][0]["system"],
        RXNORM
    );
    assert_eq!(
        m["medicationCodeableConcept"]["coding"][0]["code"],
        SERTRALINE
    );
    assert_eq!(
        m["medicationCodeableConcept"]["coding"][0]["display"],
        "sertraline"
    );
    assert_eq!(m["subject"]["reference"], format!("Patient/{pid}"));
    assert!(
        m["requester"]["reference"]
            .as_str()
            .unwrap()
            .starts_with("Practitioner/")
    );
    let d = &m["dosageInstruction"][0];
    assert_eq!(d["text"], "Take by mouth as directed");
    assert_eq!(d["timing"]["repeat"]["frequency"], 2);
    assert_eq!(d["timing"]["repeat"]["periodUnit"], "d");
    assert_eq!(d["route"]["coding"][0]["code"], "oral");
    assert_eq!(d["doseAndRate"][0]["doseQuantity"]["value"], 25);
    assert_eq!(d["doseAndRate"][0]["doseQuantity"]["code"], "mg");
    // The prescribing page shows the daily dose.
    let caller = e.app.authenticate_bearer(&dr).await.unwrap();
    let orders = e
        .app
        .search_medication_orders(&caller, pid.parse().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(orders[0].dose.quantity.get(), 50.0);

    let s = e
        .get(
            &dr,
            &format!("MedicationRequest?patient={pid}&status=active"),
        )
        .await;
    assert_eq!(s.total(), 1);
    assert_eq!(s.entries()[0]["id"], id.as_str());
    let s = e
        .get(
            &dr,
            &format!("MedicationRequest?subject=Patient/{pid}&status=stopped"),
        )
        .await;
    assert_eq!(s.total(), 0);
    let bad = e
        .get(
            &dr,
            &format!("MedicationRequest?patient={pid}&status=paused"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// Every refusal names its element, and nothing is stored.
async fn refusals_store_nothing(db: TestDb) {
    let e = env(db, 23).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let far = e.token("dr_far", Role::Prescriber).await;
    let auditor = e.token("audit_ray", Role::Auditor).await;
    let pid = e.patient(&dr, "Rivera", None).await;

    let r = e
        .post(
            &dr,
            "MedicationRequest",
            &order(&pid, "999999", 50.0, 1).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.expressions(),
        ["MedicationRequest.medicationCodeableConcept"]
    );

    for dose in [0.0, -5.0] {
        let r = e
            .post(
                &dr,
                "MedicationRequest",
                &order(&pid, SERTRALINE, dose, 1).to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(
            r.expressions(),
            ["MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity.value"]
        );
    }

    let r = e
        .post(
            &dr,
            "MedicationRequest",
            "{\"resourceType\": \"MedicationRequest\",",
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.json()["resourceType"], "OperationOutcome");

    let r = e
        .post(
            &far,
            "MedicationRequest",
            &order(&pid, SERTRALINE, 50.0, 1).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["issue"][0]["code"], "forbidden");
    assert_eq!(e.orders(&dr, &pid).await, 0);

    // A contraindication: phenelzine with sertraline.
    let r = e
        .post(
            &dr,
            "MedicationRequest",
            &order(&pid, SERTRALINE, 50.0, 1).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = e
        .post(
            &dr,
            "MedicationRequest",
            &order(&pid, PHENELZINE, 15.0, 3).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.expressions(),
        ["MedicationRequest.medicationCodeableConcept"]
    );
    let why = r.json()["issue"][0]["diagnostics"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        why.contains("phenelzine") && why.contains("sertraline"),
        "{why}"
    );
    assert!(why.contains("maoi_ssri_snri"), "{why}");
    assert_eq!(e.orders(&dr, &pid).await, 1);
    let issues = e.get(&dr, &format!("DetectedIssue?patient={pid}")).await;
    assert_eq!(issues.total(), 0);

    let caller = e.app.authenticate_bearer(&auditor).await.unwrap();
    let page = e
        .app
        .audit_view(
            &caller,
            &AuditFilter {
                patient: Some(pid.parse().unwrap()),
                action_prefix: Some("medication.order".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let denials: Vec<(&str, &str)> = page
        .entries
        .iter()
        .filter(|x| x.record.outcome == "denied")
        .map(|x| {
            (
                x.record.actor.as_str(),
                x.record.detail.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        denials.iter().any(|(who, _)| *who == "dr_far"),
        "{denials:?}"
    );
    assert!(
        denials
            .iter()
            .any(|(who, d)| *who == "dr_lee" && d.contains("maoi_ssri_snri")),
        "{denials:?}"
    );
}

/// The override header places a contraindicated order; the finding is a
/// DetectedIssue with the reason as its mitigation. Methadone with
/// lorazepam is placed with a high DetectedIssue advising not to withhold
/// treatment. Both are found by patient.
async fn override_and_detected_issues(db: TestDb) {
    let e = env(db, 23).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let pid = e.patient(&dr, "Rivera", None).await;
    let sert = e
        .post(
            &dr,
            "MedicationRequest",
            &order(&pid, SERTRALINE, 50.0, 1).to_string(),
        )
        .await;
    let sert_id = sert.json()["id"].as_str().unwrap().to_string();
    let reason = "switching under specialist supervision, inpatient";
    let r = e
        .post_with(
            &dr,
            "MedicationRequest",
            &order(&pid, PHENELZINE, 15.0, 3).to_string(),
            ("x-tandem-override-reason", reason),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mao_id = r.json()["id"].as_str().unwrap().to_string();
    // The created order names its findings.
    assert!(!r.json()["detectedIssue"].as_array().unwrap().is_empty());

    let issues = e.get(&dr, &format!("DetectedIssue?patient={pid}")).await;
    let list = issues.entries();
    let ci = list
        .iter()
        .find(|i| i["code"]["coding"][0]["code"] == "maoi_ssri_snri")
        .expect("the overridden finding");
    assert_eq!(ci["status"], "final");
    assert_eq!(ci["severity"], "high");
    assert_eq!(ci["patient"]["reference"], format!("Patient/{pid}"));
    let implicated: Vec<&str> = ci["implicated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["reference"].as_str().unwrap())
        .collect();
    assert_eq!(
        implicated,
        [
            format!("MedicationRequest/{mao_id}").as_str(),
            format!("MedicationRequest/{sert_id}").as_str()
        ]
    );
    assert!(
        ci["mitigation"][0]["action"]["text"]
            .as_str()
            .unwrap()
            .contains(reason)
    );
    let detail = ci["detail"].as_str().unwrap();
    assert!(
        detail.contains("phenelzine") && detail.contains("sertraline"),
        "{detail}"
    );
    let one = e
        .get(
            &dr,
            &format!("DetectedIssue/{}", ci["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["id"], ci["id"]);

    let p2 = e.patient(&dr, "Ito", None).await;
    e.post(
        &dr,
        "MedicationRequest",
        &order(&p2, LORAZEPAM, 1.0, 2).to_string(),
    )
    .await;
    let r = e
        .post(
            &dr,
            "MedicationRequest",
            &order(&p2, METHADONE, 30.0, 1).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let issues = e.get(&dr, &format!("DetectedIssue?patient={p2}")).await;
    let high = issues
        .entries()
        .into_iter()
        .find(|i| i["code"]["coding"][0]["code"] == "methadone_benzodiazepine")
        .expect("methadone with a benzodiazepine is found");
    assert_eq!(high["severity"], "high");
    assert!(high["detail"].as_str().unwrap().contains("Do not withhold"));
    assert!(high.get("mitigation").is_none());
    let bad = e.get(&dr, "DetectedIssue").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// `reasonReference` links the patient's own diagnosis and is read back
/// with its name; another patient's diagnosis is refused at the element.
async fn indication_is_a_condition(db: TestDb) {
    let e = env(db, 23).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let pid = e.patient(&dr, "Rivera", None).await;
    let other = e.patient(&dr, "Ito", None).await;
    let mine = e.diagnose(&pid, 1).await;
    let theirs = e.diagnose(&other, 2).await;
    let mut body = order(&pid, SERTRALINE, 50.0, 1);
    body["reasonReference"] = json!([{"reference": format!("Condition/{theirs}")}]);
    let r = e.post(&dr, "MedicationRequest", &body.to_string()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.expressions(), ["MedicationRequest.reasonReference[0]"]);
    assert_eq!(e.orders(&dr, &pid).await, 0);
    body["reasonReference"] = json!([{"reference": format!("Condition/{mine}")}]);
    let r = e.post(&dr, "MedicationRequest", &body.to_string()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    assert_eq!(
        v["reasonReference"][0]["reference"],
        format!("Condition/{mine}")
    );
    assert_eq!(
        v["reasonReference"][0]["display"],
        "Major depressive disorder, single episode, moderate"
    );
}

both_backends! {
    indication => indication_is_a_condition;
    create => create_read_search;
    refusals => refusals_store_nothing;
    detected => override_and_detected_issues;
}
