//! The dosing log over FHIR on both backends: MedicationAdministration read
//! and searched by patient, status and day; a status Tandem does not record
//! and a caller off the care team answered with an OperationOutcome. Every
//! resource the API emits here is also written to TANDEM_FHIR_DUMP_DIR
//! (when set) for the independent R4 validator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;
use tandem_app::{App, NewAccount, NewDose, Operator, OrderOutcome, Settings};
use tandem_core::clock::FixedClock;
use tandem_core::entropy::SeededEntropy;
use tandem_core::medication::dosing::{Entry, Given, Part};
use tandem_core::medication::prescription::{DocumentedFacts, NewOrder};
use tandem_core::medication::{Dose, FirstDay, Frequency, Route};
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
        Arc::new(SeededEntropy::new(37)),
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

/// An observed dose today, a split part yesterday and a missed day before,
/// recorded on a methadone order started five days ago; then read back.
async fn read_and_search(db: TestDb) {
    let e = env(db).await;
    let tok = e.token("dr_lee", Role::Prescriber).await;
    let far = e.token("dr_far", Role::Prescriber).await;
    let pid = e.patient(&tok, "Rivera", None).await;
    let p = pid.parse().unwrap();
    let dr = e.app.authenticate_bearer(&tok).await.unwrap();
    let c = &e.app.medication_safety().catalog;
    let new = NewOrder {
        drug: c.drug(c.by_id("methadone").unwrap()).rxcui,
        daily_dose: Dose::mg(80.0).unwrap(),
        route: Route::Oral,
        frequency: Frequency::OnceDaily,
        sig: "Once a day at the clinic".into(),
        start: NOW.date() - time::Duration::days(5),
        indication: None,
        cross_taper: false,
        first_day: Some(FirstDay {
            total: Dose::mg(30.0).unwrap(),
            higher_dose_justified: false,
        }),
        induction: None,
        facts: DocumentedFacts::default(),
    };
    let OrderOutcome::Placed { order, .. } = e.app.place_order(&dr, p, &new, None).await.unwrap()
    else {
        panic!("stopped")
    };
    let day = |back: i64| NOW.date() - time::Duration::days(back);
    let given = |on, mg, part| NewDose {
        order: order.id,
        on,
        entry: Entry::Given {
            how: Given::Observed,
            amount: Dose::mg(mg).unwrap(),
            part,
        },
        given_at: None,
        note: String::new(),
    };
    let mut split = given(day(1), 40.0, Part::new(1, 2).unwrap());
    split.given_at = Some(datetime!(2026-11-21 08:00 UTC));
    let missed = NewDose {
        order: order.id,
        on: day(2),
        entry: Entry::Missed,
        given_at: None,
        note: "Did not come in".into(),
    };
    let today = e
        .app
        .record_dose(&dr, p, &given(day(0), 80.0, Part::WHOLE))
        .await
        .unwrap();
    e.app.record_dose(&dr, p, &split).await.unwrap();
    e.app.record_dose(&dr, p, &missed).await.unwrap();

    let r = e
        .get(&tok, &format!("MedicationAdministration?patient={pid}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.total(), 3);
    let r = e
        .get(
            &tok,
            &format!("MedicationAdministration?patient={pid}&status=not-done"),
        )
        .await;
    let entries = r.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["status"], "not-done");
    assert_eq!(entries[0]["statusReason"][0]["text"], "Did not come in");
    assert_eq!(entries[0]["effectiveDateTime"], "2026-11-20");
    let r = e
        .get(
            &tok,
            &format!("MedicationAdministration?patient={pid}&effective-time=2026-11-21"),
        )
        .await;
    let entries = r.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["dosage"]["text"], "Observed, split part 1 of 2");
    assert_eq!(entries[0]["dosage"]["dose"]["value"], 40);
    assert_eq!(entries[0]["effectiveDateTime"], "2026-11-21T08:00:00Z");

    let r = e
        .get(
            &tok,
            &format!("MedicationAdministration/{}", today.record.id),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "completed");
    assert_eq!(
        v["request"]["reference"],
        format!("MedicationRequest/{}", order.id)
    );
    assert_eq!(
        v["performer"][0]["actor"]["reference"],
        format!("Practitioner/{}", dr.actor.user_id)
    );
    assert_eq!(v["medicationCodeableConcept"]["coding"][0]["code"], "6813");
    assert_eq!(v["dosage"]["dose"]["code"], "mg");

    let r = e
        .get(
            &tok,
            &format!("MedicationAdministration?patient={pid}&status=active"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.expressions(), ["status"]);
    let r = e
        .get(
            &far,
            &format!("MedicationAdministration/{}", today.record.id),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["resourceType"], "OperationOutcome");
    let r = e
        .get(&far, &format!("MedicationAdministration?patient={pid}"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = e.get(&tok, "MedicationAdministration/not-an-id").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

both_backends! {
    read_search => read_and_search;
}
