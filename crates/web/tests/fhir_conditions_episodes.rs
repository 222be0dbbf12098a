//! Diagnoses and episodes of care over FHIR and in the chart, on both
//! backends: Conditions posted, read and searched, each refusal naming its
//! element and storing nothing; EpisodeOfCare read and searched; the chart's
//! sections and their forms, including a refused one. Every resource the API
//! emits here is also written to TANDEM_FHIR_DUMP_DIR (when set) for the
//! independent R4 validator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;
use tandem_app::{App, AuditFilter, NewAccount, Operator, Settings};
use tandem_core::clock::FixedClock;
use tandem_core::entropy::SeededEntropy;
use tandem_core::episode::{DischargeInput, EnrolInput};
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use tandem_web::{WebConfig, router};
use time::macros::datetime;
use tower::ServiceExt;

const PASSWORD: &str = "Correct-Horse-Battery-9";
const ICD: &str = "http://hl7.org/fhir/sid/icd-10-cm";

struct Env {
    app: App,
    router: Router,
    _db: TestDb,
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

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

    fn entries(&self) -> Vec<Value> {
        let v = self.json();
        assert_eq!(v["type"], "searchset", "{}", self.body);
        v["entry"]
            .as_array()
            .map(|a| a.iter().map(|e| e["resource"].clone()).collect())
            .unwrap_or_default()
    }

    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }
}

async fn env(db: TestDb) -> Env {
    let app = App::with_store(
        db.store.clone(),
        Arc::new(FixedClock::new(datetime!(2026-11-22 09:00 UTC))),
        Arc::new(SeededEntropy::new(13)),
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
                    display_name: Some(format!("{username} name")),
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
            .uri(path)
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
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
            .await
            .unwrap();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, token: &str, path: &str) -> Resp {
        let auth = format!("Bearer {token}");
        self.send(
            Method::GET,
            &format!("/fhir/r4/{path}"),
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
        self.send(
            Method::POST,
            &format!("/fhir/r4/{path}"),
            &h,
            body.to_string(),
        )
        .await
    }

    async fn patient(&self, token: &str) -> String {
        let p = json!({"resourceType": "Patient", "name": [{"family": "Rivera", "given": ["Ana"]}],
            "birthDate": "1985-06-01"});
        let r = self.post(token, "Patient", &p.to_string()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["id"].as_str().unwrap().to_string()
    }

    async fn conditions(&self, token: &str, patient: &str) -> Vec<Value> {
        let r = self
            .get(token, &format!("Condition?patient={patient}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.entries()
    }

    async fn caller(&self, token: &str) -> tandem_app::Caller {
        self.app.authenticate_bearer(token).await.unwrap()
    }

    // Pages.

    async fn page(&self, method: Method, path: &str, cookie: &str, form: Option<String>) -> Resp {
        let mut h = vec![("cookie", cookie)];
        if form.is_some() {
            h.push(("content-type", "application/x-www-form-urlencoded"));
        }
        self.send(method, path, &h, form.unwrap_or_default()).await
    }

    async fn login(&self, username: &str) -> String {
        let r = self
            .send(
                Method::POST,
                "/login",
                &[("content-type", "application/x-www-form-urlencoded")],
                format!("username={username}&password={PASSWORD}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        r.header("set-cookie")
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }
}

fn condition(patient: &str, code: &str, extra: Value) -> String {
    let mut c = json!({
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "problem-list-item"}]}],
        "code": {"coding": [{"system": ICD, "code": code}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "onsetDateTime": "2026-05-01"
    });
    if let (Some(c), Some(x)) = (c.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            c.insert(k.clone(), v.clone());
        }
    }
    c.to_string()
}

fn primary() -> Value {
    json!({"extension": [{"url": "urn:tandem:fhir:extension:diagnosis-rank", "valueCode": "primary"}]})
}

async fn conditions_are_created_read_and_searched(db: TestDb) {
    let e = env(db).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let pid = e.patient(&dr).await;

    let r = e
        .post(&dr, "Condition", &condition(&pid, "F33.1", primary()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created = r.json();
    let dep = created["id"].as_str().unwrap().to_string();
    assert!(r.header("location").ends_with(&format!("/Condition/{dep}")));
    assert_eq!(
        created["code"]["coding"][0]["display"],
        "Major depressive disorder, recurrent, moderate"
    );
    assert_eq!(created["extension"][0]["valueCode"], "primary");
    assert_eq!(created["onsetDateTime"], "2026-05-01");

    let read = e.get(&dr, &format!("Condition/{dep}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json(), created);

    // A second primary makes the first secondary.
    let r = e
        .post(&dr, "Condition", &condition(&pid, "f11.20", primary()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["code"]["coding"][0]["code"], "F11.20");
    let read = e.get(&dr, &format!("Condition/{dep}")).await.json();
    assert_eq!(read["extension"][0]["valueCode"], "secondary");

    let resolved = json!({"clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "resolved"}]}});
    let r = e
        .post(&dr, "Condition", &condition(&pid, "F41.1", resolved))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    assert_eq!(e.conditions(&dr, &pid).await.len(), 3);
    let search = |q: String| {
        let e = &e;
        let dr = &dr;
        async move {
            let r = e.get(dr, &format!("Condition?{q}")).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
            r.entries()
                .iter()
                .map(|c| c["code"]["coding"][0]["code"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        search(format!("patient={pid}&clinical-status=active")).await,
        ["F11.20", "F33.1"],
        "primary first"
    );
    assert_eq!(
        search(format!("subject=Patient/{pid}&clinical-status=resolved")).await,
        ["F41.1"]
    );
    assert_eq!(search(format!("patient={pid}&code=F33.1")).await, ["F33.1"]);
    assert_eq!(
        search(format!("patient={pid}&code={}%7CF11.20", ICD)).await,
        ["F11.20"]
    );
    let bad = e
        .get(
            &dr,
            &format!("Condition?patient={pid}&clinical-status=relapse"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let other_system = e
        .get(
            &dr,
            &format!("Condition?patient={pid}&code=http://snomed.info/sct%7C1"),
        )
        .await;
    assert_eq!(other_system.status, StatusCode::BAD_REQUEST);
    let meta = e.get(&dr, "metadata").await.json();
    let types: Vec<&str> = meta["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"Condition") && types.contains(&"EpisodeOfCare"));
}

async fn refused_conditions_name_their_element_and_store_nothing(db: TestDb) {
    let e = env(db).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let kim = e.token("t_kim", Role::Therapist).await;
    let auditor = e.token("aud", Role::Auditor).await;
    let pid = e.patient(&dr).await;
    let unknown_patient = "0190a000-0000-7000-8000-00000000ffff";

    let r = e.post(&dr, "Condition", "{not json").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["resourceType"], "OperationOutcome");

    let relapse = json!({"clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "relapse"}]}});
    let provisional = json!({"verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "provisional"}]}});
    let cases = [
        (condition(&pid, "F99.9", json!({})), "Condition.code"),
        (
            condition(&pid, "F33.1", json!({"onsetDateTime": "2026-11-23"})),
            "Condition.onsetDateTime",
        ),
        (
            condition(&pid, "F33.1", relapse),
            "Condition.clinicalStatus",
        ),
        (
            condition(&pid, "F33.1", provisional),
            "Condition.verificationStatus",
        ),
        (
            condition(unknown_patient, "F33.1", json!({})),
            "Condition.subject",
        ),
    ];
    for (body, expression) in cases {
        let r = e.post(&dr, "Condition", &body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{expression}: {}",
            r.body
        );
        assert_eq!(r.expressions(), [expression], "{}", r.body);
    }
    // Off the care team: 403, and the attempt is in the audit log.
    let r = e
        .post(&kim, "Condition", &condition(&pid, "F33.1", json!({})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["issue"][0]["code"], "forbidden");
    assert!(e.conditions(&dr, &pid).await.is_empty(), "nothing stored");

    let ok = e
        .post(&dr, "Condition", &condition(&pid, "F33.1", json!({})))
        .await;
    let cid = ok.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        e.get(&kim, &format!("Condition/{cid}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.get(&dr, "Condition/0190a000-0000-7000-8000-00000000eeee")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let caller = e.caller(&auditor).await;
    let page = e
        .app
        .audit_view(
            &caller,
            &AuditFilter {
                patient: Some(pid.parse().unwrap()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let denied: Vec<(&str, &str)> = page
        .entries
        .iter()
        .filter(|x| x.record.outcome == "denied")
        .map(|x| (x.record.action.as_str(), x.record.actor.as_str()))
        .collect();
    assert!(denied.contains(&("diagnosis.add", "t_kim")), "{denied:?}");
    assert!(denied.contains(&("condition.read", "t_kim")), "{denied:?}");
}

async fn episodes_are_read_and_searched(db: TestDb) {
    let e = env(db).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let pid = e.patient(&dr).await;
    let p = pid.parse().unwrap();
    let none = e.get(&dr, &format!("EpisodeOfCare?patient={pid}")).await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(none.entries().is_empty());

    e.post(&dr, "Condition", &condition(&pid, "F11.20", primary()))
        .await;
    let c = e.caller(&dr).await;
    let ep = e
        .app
        .enrol_patient(
            &c,
            p,
            &EnrolInput {
                program: "otp".into(),
                level: "opioid_treatment_program".into(),
                on: "2026-11-02".into(),
            },
        )
        .await
        .unwrap();
    let r = e.get(&dr, &format!("EpisodeOfCare/{}", ep.id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "active");
    assert_eq!(v["patient"]["reference"], format!("Patient/{pid}"));
    assert_eq!(v["period"]["start"], "2026-11-02");
    assert_eq!(v["type"][0]["coding"][0]["code"], "otp");
    assert_eq!(
        v["type"][1]["coding"][0]["code"],
        "opioid_treatment_program"
    );
    assert_eq!(v["diagnosis"][0]["rank"], 1);

    let active = e
        .get(&dr, &format!("EpisodeOfCare?patient={pid}&status=active"))
        .await;
    assert_eq!(active.entries().len(), 1);
    assert!(
        e.get(&dr, &format!("EpisodeOfCare?patient={pid}&status=finished"))
            .await
            .entries()
            .is_empty()
    );
    e.app
        .discharge_patient(
            &c,
            p,
            &DischargeInput {
                on: "2026-11-20".into(),
                reason: "transferred".into(),
                summary: "Transferred to a program nearer home.".into(),
            },
        )
        .await
        .unwrap();
    let finished = e
        .get(&dr, &format!("EpisodeOfCare?patient={pid}&status=finished"))
        .await
        .entries();
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0]["status"], "finished");
    assert_eq!(finished[0]["period"]["end"], "2026-11-20");
    let bad = e
        .get(&dr, &format!("EpisodeOfCare?patient={pid}&status=onhold"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let kim = e.token("t_kim", Role::Therapist).await;
    assert_eq!(
        e.get(&kim, &format!("EpisodeOfCare/{}", ep.id))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

fn csrf_of(body: &str) -> String {
    let i = body.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    body[i..].split('"').next().unwrap().to_string()
}

async fn the_chart_sections_and_their_forms(db: TestDb) {
    let e = env(db).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let pid = e.patient(&dr).await;
    let cookie = e.login("dr_lee").await;
    let chart = format!("/patients/{pid}");

    let page = e.page(Method::GET, &chart, &cookie, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"diagnoses-h\">Diagnoses"));
    assert!(page.body.contains("id=\"episode-h\">Episode of care"));
    assert!(page.body.contains("Not in an episode of care."));
    assert!(
        page.body.contains("<option value=\"F33.1\">"),
        "the code list"
    );
    let csrf = csrf_of(&page.body);

    // Add: an unknown code is refused beside the field, what was typed kept.
    let r = e
        .page(
            Method::POST,
            &format!("{chart}/diagnoses"),
            &cookie,
            Some(format!(
                "csrf={csrf}&code=F99.9&rank=primary&clinical_status=active&onset="
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"dx-code-err\""), "{}", r.body);
    assert!(r.body.contains("F99.9 is not on Tandem"));
    assert!(r.body.contains("value=\"F99.9\""));
    assert!(e.conditions(&dr, &pid).await.is_empty());

    for (code, rank) in [
        ("F33.1+%E2%80%94+Major", "primary"),
        ("F10.20", "secondary"),
    ] {
        let r = e
            .page(
                Method::POST,
                &format!("{chart}/diagnoses"),
                &cookie,
                Some(format!(
                    "csrf={csrf}&code={code}&rank={rank}&clinical_status=active&onset=2026-01-15"
                )),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = e.page(Method::GET, &chart, &cookie, None).await;
    assert!(
        page.body.contains("id=\"dual-diagnosis\""),
        "dual diagnosis badge"
    );
    assert!(page.body.contains("<span class=\"badge dx-primary\">Primary</span> Major depressive disorder, recurrent, moderate"));
    assert!(page.body.contains("2026-01-15"));

    // Alcohol use in remission: no longer a dual diagnosis.
    let aud = e
        .conditions(&dr, &pid)
        .await
        .into_iter()
        .find(|c| c["code"]["coding"][0]["code"] == "F10.20")
        .unwrap();
    let r = e
        .page(
            Method::POST,
            &format!("{chart}/diagnoses/{}", aud["id"].as_str().unwrap()),
            &cookie,
            Some(format!("csrf={csrf}&clinical_status=remission")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = e.page(Method::GET, &chart, &cookie, None).await;
    assert!(!page.body.contains("id=\"dual-diagnosis\""));
    assert!(page.body.contains("In remission"));

    // Enrol with a level the program does not offer: 422 beside the level.
    let r = e
        .page(
            Method::POST,
            &format!("{chart}/episode/enrol"),
            &cookie,
            Some(format!(
                "csrf={csrf}&program=otp&level=residential&on=2026-11-01"
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"en-level-err\""));
    assert!(r.body.contains("does not offer Residential"));
    let r = e
        .page(
            Method::POST,
            &format!("{chart}/episode/enrol"),
            &cookie,
            Some(format!(
                "csrf={csrf}&program=co_occurring&level=residential&on=2026-11-01"
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = e.page(Method::GET, &chart, &cookie, None).await;
    assert!(page.body.contains("Co-occurring disorders"));
    assert!(page.body.contains("id=\"transition-form\""));
    assert!(
        !page.body.contains("id=\"enrol-form\""),
        "enrolled: no second enrolment"
    );

    // The same level again: refused beside the field.
    let r = e
        .page(
            Method::POST,
            &format!("{chart}/episode/transition"),
            &cookie,
            Some(format!(
                "csrf={csrf}&level=residential&on=2026-11-10&reason=why+not"
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"tr-level-err\""));
    assert!(r.body.contains("value=\"why not\""), "the reason is kept");
    let r = e
        .page(
            Method::POST,
            &format!("{chart}/episode/transition"),
            &cookie,
            Some(format!(
                "csrf={csrf}&level=intensive_outpatient&on=2026-11-10&reason=Stable+after+detox"
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = e.page(Method::GET, &chart, &cookie, None).await;
    assert!(page.body.contains(
        "<strong>Intensive outpatient</strong> <span class=\"muted\">since 2026-11-10</span>"
    ));
    assert!(
        page.body
            .contains("Residential → <strong>Intensive outpatient</strong>")
    );
    assert!(page.body.contains("Stable after detox"));

    let r = e
        .page(
            Method::POST,
            &format!("{chart}/episode/discharge"),
            &cookie,
            Some(format!(
                "csrf={csrf}&on=2026-11-21&reason=completed_treatment&summary="
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"dc-summary-err\""));
    let r = e
        .page(
            Method::POST,
            &format!("{chart}/episode/discharge"),
            &cookie,
            Some(format!(
                "csrf={csrf}&on=2026-11-21&reason=completed_treatment&summary=Goals+met"
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = e.page(Method::GET, &chart, &cookie, None).await;
    assert!(page.body.contains("Not in an episode of care."));
    assert!(page.body.contains("Earlier episodes"));
    assert!(page.body.contains("Completed treatment"));
    // A form without the session's token changes nothing.
    let r = e
        .page(
            Method::POST,
            &format!("{chart}/diagnoses"),
            &cookie,
            Some("csrf=nope&code=F41.1".into()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(e.conditions(&dr, &pid).await.len(), 2);
}

both_backends! {
    conditions_create_read_search => conditions_are_created_read_and_searched;
    condition_refusals => refused_conditions_name_their_element_and_store_nothing;
    episodes_read_search => episodes_are_read_and_searched;
    chart_sections => the_chart_sections_and_their_forms;
}
