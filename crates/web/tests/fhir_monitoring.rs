//! Lab results and urine drug screens over FHIR on both backends:
//! laboratory Observations read by id and searched with
//! `category=laboratory` (and `code`), kept apart from the measurement
//! scores, which a search without a category still lists alone; a patient
//! off the care team refused with an OperationOutcome. Every resource the
//! API emits here is also written to TANDEM_FHIR_DUMP_DIR (when set) for the
//! independent R4 validator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;
use tandem_app::{Actor, App, Caller, NewAccount, Operator, Settings};
use tandem_core::audit::Channel;
use tandem_core::clock::FixedClock;
use tandem_core::entropy::SeededEntropy;
use tandem_core::monitoring::{LabInput, ScreenInput};
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use tandem_web::{WebConfig, router};
use time::OffsetDateTime;
use time::macros::datetime;
use tower::ServiceExt;

const PASSWORD: &str = "Correct-Horse-Battery-9";
const NOW: OffsetDateTime = datetime!(2026-11-22 09:00 UTC);

struct Env {
    app: App,
    router: Router,
    _db: TestDb,
}

struct Resp {
    status: StatusCode,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The expressions of an OperationOutcome's issues.
    fn expressions(&self) -> Vec<String> {
        let v = self.json();
        assert_eq!(v["resourceType"], "OperationOutcome", "{}", self.body);
        v["issue"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| i["expression"].as_array().cloned().unwrap_or_default())
            .filter_map(|e| e.as_str().map(str::to_string))
            .collect()
    }

    /// The resources of a searchset Bundle.
    fn entries(&self) -> Vec<Value> {
        let v = self.json();
        assert_eq!(v["type"], "searchset", "{}", self.body);
        v["entry"]
            .as_array()
            .map(|a| a.iter().map(|e| e["resource"].clone()).collect())
            .unwrap_or_default()
    }

    fn total(&self) -> u64 {
        self.json()["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("no total: {}", self.body))
    }
}

async fn env(db: TestDb) -> Env {
    let clock = Arc::new(FixedClock::new(NOW));
    let app = App::with_store(
        db.store.clone(),
        clock,
        Arc::new(SeededEntropy::new(23)),
        Settings::default(),
    )
    .await
    .unwrap();
    let router = router(
        app.clone(),
        WebConfig {
            secure_cookies: false,
            version: "test".into(),
        },
    );
    Env {
        app,
        router,
        _db: db,
    }
}

impl Env {
    async fn token(&self, username: &str, role: Role) -> String {
        let op = Operator {
            name: "test".into(),
        };
        self.app
            .add_user_as_operator(
                &op,
                NewAccount {
                    username: username.into(),
                    display_name: None,
                    role,
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
        let t = self.app.issue_token(&op, username, None).await.unwrap();
        t.secret.expose().to_string()
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("/fhir/r4/{path}"))
            .header(header::HOST, "tandem.test");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = self
            .router
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
            .await
            .unwrap();
        Resp {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, token: &str, path: &str) -> Resp {
        let auth = format!("Bearer {token}");
        self.send(
            Method::GET,
            path,
            &[("authorization", &auth)],
            String::new(),
        )
        .await
    }

    async fn post(&self, token: &str, path: &str, body: &str) -> Resp {
        let auth = format!("Bearer {token}");
        let h = [
            ("authorization", auth.as_str()),
            ("content-type", "application/fhir+json"),
        ];
        self.send(Method::POST, path, &h, body.to_string()).await
    }

    /// Registers a patient; `sex` is the US Core birth sex code, if any.
    async fn patient(&self, token: &str, family: &str, sex: Option<&str>) -> String {
        let mut p = json!({"resourceType": "Patient", "name": [{"family": family, "given": ["Sam"]}],
            "birthDate": "1985-06-01"});
        if let Some(code) = sex {
            p["extension"] = json!([{"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex", "valueCode": code}]);
        }
        let r = self.post(token, "Patient", &p.to_string()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["id"].as_str().unwrap().to_string()
    }
}

impl Env {
    /// A clinician: their bearer token and their caller for the app.
    async fn clinician(&self, username: &str) -> (String, Caller) {
        let op = Operator {
            name: "test".into(),
        };
        let u = self
            .app
            .add_user_as_operator(
                &op,
                NewAccount {
                    username: username.into(),
                    display_name: None,
                    role: Role::Prescriber,
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
        let t = self.app.issue_token(&op, username, None).await.unwrap();
        let caller = Caller {
            actor: Actor {
                org: u.org,
                user_id: u.id,
                username: u.username,
                display_name: u.display_name,
                role: Role::Prescriber,
            },
            channel: Channel::Web,
        };
        (t.secret.expose().to_string(), caller)
    }
}

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
    let e = env(db).await;
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
    let e = env(db).await;
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

both_backends! {
    laboratory => labs_and_screens_are_laboratory_observations;
    posted => lab_results_are_posted;
}
