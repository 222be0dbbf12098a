//! HTTP behaviour on both backends: every FHIR success and error case, and
//! the web UI's sign-in, forms, CSRF and role pages. Every FHIR resource the
//! API emits here is also written to TANDEM_FHIR_DUMP_DIR (when set) for the
//! independent R4 validator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;
use tandem_app::{App, NewAccount, Operator, Settings};
use tandem_core::clock::FixedClock;
use tandem_core::entropy::SeededEntropy;
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use tandem_web::{WebConfig, router};
use time::macros::datetime;
use tower::ServiceExt;

const PASSWORD: &str = "Correct-Horse-Battery-9";

struct Env {
    app: App,
    router: Router,
    clock: Arc<FixedClock>,
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
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

async fn env(db: TestDb) -> Env {
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-22 09:00 UTC)));
    let app = App::with_store(
        db.store.clone(),
        clock.clone(),
        Arc::new(SeededEntropy::new(9)),
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
        clock,
        _db: db,
    }
}

impl Env {
    async fn user(&self, username: &str, role: Role) {
        self.app
            .add_user_as_operator(
                &Operator {
                    name: "test".into(),
                },
                NewAccount {
                    username: username.into(),
                    display_name: None,
                    role,
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
    }

    async fn token(&self, username: &str, role: Role) -> String {
        self.user(username, role).await;
        let t = self
            .app
            .issue_token(
                &Operator {
                    name: "test".into(),
                },
                username,
                None,
            )
            .await
            .unwrap();
        t.secret.expose().to_string()
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
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
            .oneshot(req.body(body.into()).unwrap())
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

    async fn fhir_get(&self, token: &str, path: &str) -> Resp {
        let auth = format!("Bearer {token}");
        self.send(
            Method::GET,
            &format!("/fhir/r4/{path}"),
            &[("authorization", &auth)],
            Body::empty(),
        )
        .await
    }

    async fn fhir_send(
        &self,
        method: Method,
        token: &str,
        path: &str,
        body: &str,
        extra: &[(&str, &str)],
    ) -> Resp {
        let auth = format!("Bearer {token}");
        let mut h: Vec<(&str, &str)> = vec![("authorization", &auth)];
        if !extra.iter().any(|(k, _)| *k == "content-type") {
            h.push(("content-type", "application/fhir+json"));
        }
        h.extend_from_slice(extra);
        self.send(method, &format!("/fhir/r4/{path}"), &h, body.to_string())
            .await
    }

    async fn total(&self, token: &str) -> u64 {
        self.fhir_get(token, "Patient").await.json()["total"]
            .as_u64()
            .unwrap()
    }
}

fn patient(family: &str, given: &str, born: &str) -> String {
    json!({"resourceType": "Patient", "name": [{"family": family, "given": [given]}], "birthDate": born, "gender": "female"})
        .to_string()
}

fn expressions(r: &Resp) -> Vec<String> {
    let v = r.json();
    assert_eq!(v["resourceType"], "OperationOutcome", "{}", r.body);
    v["issue"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["expression"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect()
}

async fn fhir_patient_lifecycle(db: TestDb) {
    let e = env(db).await;
    let tok = e.token("dr_lee", Role::Prescriber).await;

    let r = e
        .send(Method::GET, "/fhir/r4/metadata", &[], Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["resourceType"], "CapabilityStatement");
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/fhir+json")
    );

    // Create: 201, Location, id, versionId, lastUpdated, ETag.
    let r = e
        .fhir_send(
            Method::POST,
            &tok,
            "Patient",
            &patient("Rivera", "Ana", "1988-04-12"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p = r.json();
    let id = p["id"].as_str().unwrap().to_string();
    assert_eq!(p["meta"]["versionId"], "1");
    assert!(
        p["meta"]["lastUpdated"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-22T09:00:00")
    );
    assert_eq!(
        r.header("location").unwrap(),
        format!("http://tandem.test/fhir/r4/Patient/{id}/_history/1")
    );
    assert_eq!(r.header("etag").unwrap(), "W/\"1\"");
    assert!(
        p["identifier"][0]["value"].as_str().unwrap().len() >= 7,
        "an MRN is assigned"
    );

    // application/json is accepted too.
    let r = e
        .fhir_send(
            Method::POST,
            &tok,
            "Patient",
            &patient("Okafor", "Grace", "1990-03-14"),
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);

    // Read.
    let r = e.fhir_get(&tok, &format!("Patient/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["name"][0]["family"], "Rivera");
    assert_eq!(r.json()["birthDate"], "1988-04-12");

    // Update honours If-Match.
    let mut body = r.json();
    body["telecom"] = json!([{"system": "phone", "value": "555-201-3344"}]);
    let r = e
        .fhir_send(
            Method::PUT,
            &tok,
            &format!("Patient/{id}"),
            &body.to_string(),
            &[("if-match", "W/\"1\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["meta"]["versionId"], "2");
    let r = e
        .fhir_send(
            Method::PUT,
            &tok,
            &format!("Patient/{id}"),
            &body.to_string(),
            &[("if-match", "W/\"1\"")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::PRECONDITION_FAILED,
        "a stale version is refused"
    );
    assert_eq!(r.json()["resourceType"], "OperationOutcome");
    assert_eq!(
        e.fhir_get(&tok, &format!("Patient/{id}")).await.json()["meta"]["versionId"],
        "2"
    );
    // An id in the body that differs from the URL's is refused.
    let mut wrong = body.clone();
    wrong["id"] = json!("00000000-0000-7000-8000-000000000000");
    let r = e
        .fhir_send(
            Method::PUT,
            &tok,
            &format!("Patient/{id}"),
            &wrong.to_string(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(expressions(&r).contains(&"Patient.id".to_string()));

    // Unknown ids.
    assert_eq!(
        e.fhir_get(&tok, "Patient/0192f000-0000-7000-8000-000000000000")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        e.fhir_get(&tok, "Patient/not-a-uuid").await.status,
        StatusCode::NOT_FOUND
    );
    // Unsupported types and interactions answer with an OperationOutcome.
    let r = e.fhir_get(&tok, "Immunization").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["resourceType"], "OperationOutcome");
    let r = e
        .send(
            Method::DELETE,
            &format!("/fhir/r4/Patient/{id}"),
            &[("authorization", &format!("Bearer {tok}"))],
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.json()["resourceType"], "OperationOutcome");
}

async fn fhir_bad_input_stores_nothing(db: TestDb) {
    let e = env(db).await;
    let tok = e.token("dr_lee", Role::Prescriber).await;
    e.fhir_send(
        Method::POST,
        &tok,
        "Patient",
        &patient("Rivera", "Ana", "1988-04-12"),
        &[],
    )
    .await;
    let before = e.total(&tok).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "date",
            json!({"resourceType": "Patient", "name": [{"family": "X"}], "birthDate": "12/04/1988"}),
            "Patient.birthDate",
        ),
        (
            "gender",
            json!({"resourceType": "Patient", "gender": "banana", "name": [{"family": "X"}], "birthDate": "1988-04-12"}),
            "Patient.gender",
        ),
        (
            "type",
            json!({"resourceType": "Observation"}),
            "Patient.resourceType",
        ),
        (
            "element",
            json!({"resourceType": "Patient", "name": [{"family": "X"}], "birthDate": "1988-04-12", "birthdate": "1988-04-12"}),
            "Patient.birthdate",
        ),
        (
            "no family",
            json!({"resourceType": "Patient", "name": [{"given": ["X"]}], "birthDate": "1988-04-12"}),
            "Patient.name[0].family",
        ),
        (
            "future",
            json!({"resourceType": "Patient", "name": [{"family": "X"}], "birthDate": "2030-01-01"}),
            "Patient.birthDate",
        ),
        (
            "shape",
            json!({"resourceType": "Patient", "name": "X", "birthDate": "1988-04-12"}),
            "Patient.name",
        ),
    ];
    for (what, body, expr) in cases {
        let r = e
            .fhir_send(Method::POST, &tok, "Patient", &body.to_string(), &[])
            .await;
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            r.status
        );
        assert!(
            expressions(&r).iter().any(|x| x == expr),
            "{what}: expected {expr} in {}",
            r.body
        );
    }
    let r = e
        .fhir_send(Method::POST, &tok, "Patient", "{not json", &[])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["resourceType"], "OperationOutcome");
    let r = e
        .fhir_send(
            Method::POST,
            &tok,
            "Patient",
            &patient("Rivera", "Ana", "1988-04-12"),
            &[("content-type", "text/plain")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        e.total(&tok).await,
        before,
        "rejected input created nothing"
    );
}

async fn fhir_auth_and_care_team(db: TestDb) {
    let e = env(db).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let t = e.token("t_kim", Role::Therapist).await;
    let admin = e.token("admin", Role::Admin).await;
    let desk = e.token("desk_amy", Role::FrontDesk).await;

    assert_eq!(
        e.send(Method::GET, "/fhir/r4/Patient", &[], Body::empty())
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = e.fhir_get("not-a-token", "Patient").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["resourceType"], "OperationOutcome");
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));

    let id = e
        .fhir_send(
            Method::POST,
            &dr,
            "Patient",
            &patient("Rivera", "Ana", "1988-04-12"),
            &[],
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Off the care team: 403, and search does not reveal the patient.
    assert_eq!(
        e.fhir_get(&t, &format!("Patient/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.fhir_get(&t, "Patient?name=rivera").await.json()["total"],
        0
    );
    let mut change: Value = serde_json::from_str(&patient("Changed", "Ana", "1988-04-12")).unwrap();
    change["id"] = json!(id);
    let r = e
        .fhir_send(
            Method::PUT,
            &t,
            &format!("Patient/{id}"),
            &change.to_string(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Admin opens no chart; front desk reads demographics.
    assert_eq!(
        e.fhir_get(&admin, &format!("Patient/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.fhir_get(&desk, &format!("Patient/{id}")).await.status,
        StatusCode::OK
    );
    // A therapist who registers joins the team of that patient and reads it.
    let r = e
        .fhir_send(
            Method::POST,
            &t,
            "Patient",
            &patient("Okafor", "Grace", "1990-03-14"),
            &[],
        )
        .await;
    let gid = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        e.fhir_get(&t, &format!("Patient/{gid}")).await.status,
        StatusCode::OK
    );

    // CareTeam read and search by patient.
    let r = e.fhir_get(&dr, &format!("CareTeam/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["resourceType"], "CareTeam");
    assert_eq!(r.json()["participant"].as_array().unwrap().len(), 1);
    let r = e.fhir_get(&dr, &format!("CareTeam?patient={id}")).await;
    assert_eq!(r.json()["total"], 1);
    assert_eq!(
        e.fhir_get(&t, &format!("CareTeam?patient=Patient/{id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.fhir_get(&dr, "CareTeam").await.status,
        StatusCode::BAD_REQUEST
    );

    // Practitioner read and search.
    let r = e.fhir_get(&dr, "Practitioner?name=t_kim").await;
    assert_eq!(r.json()["total"], 1);
    let pid = r.json()["entry"][0]["resource"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        e.fhir_get(&dr, &format!("Practitioner/{pid}")).await.json()["resourceType"],
        "Practitioner"
    );
    assert_eq!(
        e.fhir_get(&dr, "Practitioner").await.json()["total"],
        2,
        "clinicians only"
    );
}

async fn fhir_search_and_paging(db: TestDb) {
    let e = env(db).await;
    let tok = e.token("dr_lee", Role::Prescriber).await;
    for i in 0..5 {
        e.fhir_send(
            Method::POST,
            &tok,
            "Patient",
            &patient(
                "Paget",
                &format!("Pat{i}"),
                "1970-01-0{}"
                    .replace("0{}", &format!("0{}", i + 1))
                    .as_str(),
            ),
            &[],
        )
        .await;
    }
    let r = e
        .fhir_send(
            Method::POST,
            &tok,
            "Patient",
            &patient("Rivera", "Ana", "1988-04-12"),
            &[],
        )
        .await;
    let mrn = r.json()["identifier"][0]["value"]
        .as_str()
        .unwrap()
        .to_string();

    let b = e
        .fhir_get(&tok, "Patient?family=paget&_count=2")
        .await
        .json();
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "searchset");
    assert_eq!(b["total"], 5);
    assert_eq!(b["entry"].as_array().unwrap().len(), 2);
    let links: Vec<String> = b["link"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["relation"].as_str().unwrap().to_string())
        .collect();
    assert!(links.contains(&"next".to_string()) && links.contains(&"self".to_string()));
    let next = b["link"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "next")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let path = next.split("/fhir/r4/").nth(1).unwrap().to_string();
    let b2 = e.fhir_get(&tok, &path).await.json();
    assert_eq!(b2["entry"].as_array().unwrap().len(), 2);
    assert!(
        b2["link"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["relation"] == "previous")
    );

    assert_eq!(
        e.fhir_get(&tok, "Patient?name=riv").await.json()["total"],
        1
    );
    assert_eq!(
        e.fhir_get(&tok, "Patient?given=pat3").await.json()["total"],
        1
    );
    assert_eq!(
        e.fhir_get(&tok, "Patient?birthdate=1988-04-12")
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        e.fhir_get(&tok, &format!("Patient?identifier={mrn}"))
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        e.fhir_get(&tok, &format!("Patient?identifier=urn:tandem:mrn|{mrn}"))
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        e.fhir_get(&tok, "Patient?family=paget&birthdate=1970-01-02")
            .await
            .json()["total"],
        1
    );
    for bad in [
        "Patient?birthdate=12/04/1988",
        "Patient?colour=red",
        "Patient?_count=many",
        "Patient?identifier=http://x|1",
    ] {
        let r = e.fhir_get(&tok, bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.json()["resourceType"], "OperationOutcome");
    }
}

fn cookie_of(r: &Resp) -> String {
    let c = r.header("set-cookie").expect("a session cookie");
    c.split(';').next().unwrap().to_string()
}

fn csrf_of(body: &str) -> String {
    let i = body.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    body[i..].split('"').next().unwrap().to_string()
}

async fn login(e: &Env, username: &str) -> String {
    let form = format!("username={username}&password={PASSWORD}");
    let r = e
        .send(
            Method::POST,
            "/login",
            &[("content-type", "application/x-www-form-urlencoded")],
            form,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    cookie_of(&r)
}

const FORM: &str = "application/x-www-form-urlencoded";

async fn ui_sign_in_and_register(db: TestDb) {
    let e = env(db).await;
    e.user("dr_lee", Role::Prescriber).await;

    let r = e.send(Method::GET, "/", &[], Body::empty()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location").unwrap(), "/login");
    let r = e
        .send(Method::GET, "/patients/new", &[], Body::empty())
        .await;
    assert_eq!(r.header("location").unwrap(), "/login?next=/patients/new");

    // A wrong password gets the generic message and no cookie.
    let r = e
        .send(
            Method::POST,
            "/login",
            &[("content-type", FORM)],
            "username=dr_lee&password=nope-nope-nope",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("did not work"));
    assert!(r.header("set-cookie").is_none());

    let r = e
        .send(
            Method::POST,
            "/login",
            &[("content-type", FORM)],
            format!("username=dr_lee&password={PASSWORD}"),
        )
        .await;
    let set = r.header("set-cookie").unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"));
    let cookie = cookie_of(&r);
    let r = e
        .send(
            Method::POST,
            "/login",
            &[("content-type", FORM), ("x-forwarded-proto", "https")],
            format!("username=dr_lee&password={PASSWORD}"),
        )
        .await;
    assert!(
        r.header("set-cookie").unwrap().contains("Secure"),
        "behind TLS the cookie is Secure"
    );

    let home = e
        .send(Method::GET, "/", &[("cookie", &cookie)], Body::empty())
        .await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("My patients"));
    assert!(home.header("cache-control").unwrap().contains("no-store"));
    assert!(
        home.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    let csrf = csrf_of(&home.body);

    // Without the form token nothing is registered.
    let r = e
        .send(
            Method::POST,
            "/patients",
            &[("cookie", &cookie), ("content-type", FORM)],
            "family_name=Okafor&birth_date=1990-03-14",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A cross-site post is refused before it reaches the handler.
    let r = e
        .send(
            Method::POST,
            "/patients",
            &[
                ("cookie", &cookie),
                ("content-type", FORM),
                ("sec-fetch-site", "cross-site"),
            ],
            format!("csrf={csrf}&family_name=Okafor&birth_date=1990-03-14"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Invalid input: 422, inline messages, the typed values kept.
    let r = e
        .send(
            Method::POST,
            "/patients",
            &[("cookie", &cookie), ("content-type", FORM)],
            format!("csrf={csrf}&family_name=Okafor&given_names=Grace&birth_date="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("class=\"field-error\" id=\"e-birth_date\""));
    assert!(r.body.contains("value=\"Okafor\""));
    let page = e
        .send(Method::GET, "/", &[("cookie", &cookie)], Body::empty())
        .await;
    assert!(!page.body.contains("Okafor"), "nothing was registered");

    let r = e
        .send(Method::POST, "/patients", &[("cookie", &cookie), ("content-type", FORM)], format!("csrf={csrf}&family_name=Okafor&given_names=Grace&birth_date=1990-03-14&sex_at_birth=female&pronouns=she%2Fher"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let chart_url = r.header("location").unwrap();
    let chart = e
        .send(
            Method::GET,
            &chart_url,
            &[("cookie", &cookie)],
            Body::empty(),
        )
        .await;
    assert_eq!(chart.status, StatusCode::OK);
    assert!(chart.body.contains("Grace Okafor") && chart.body.contains("she/her"));
    let home = e
        .send(Method::GET, "/", &[("cookie", &cookie)], Body::empty())
        .await;
    assert!(home.body.contains("Okafor, Grace"));
    let found = e
        .send(
            Method::GET,
            "/patients?q=oka",
            &[("cookie", &cookie)],
            Body::empty(),
        )
        .await;
    assert!(found.body.contains("Okafor, Grace"));

    // Edit keeps the version; a stale form is refused.
    let edit = e
        .send(
            Method::GET,
            &format!("{chart_url}/edit"),
            &[("cookie", &cookie)],
            Body::empty(),
        )
        .await;
    assert!(edit.body.contains("name=\"version\" value=\"1\""));
    let save = |v: &str| {
        format!(
            "csrf={csrf}&version={v}&family_name=Okafor&given_names=Grace&birth_date=1990-03-14&phone=555-201-3344"
        )
    };
    let r = e
        .send(
            Method::POST,
            &format!("{chart_url}/edit"),
            &[("cookie", &cookie), ("content-type", FORM)],
            save("1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = e
        .send(
            Method::POST,
            &format!("{chart_url}/edit"),
            &[("cookie", &cookie), ("content-type", FORM)],
            save("1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Sign out ends the session.
    let r = e
        .send(
            Method::POST,
            "/logout",
            &[("cookie", &cookie), ("content-type", FORM)],
            format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = e
        .send(Method::GET, "/", &[("cookie", &cookie)], Body::empty())
        .await;
    assert_eq!(r.header("location").unwrap(), "/login");

    // Sessions expire when idle.
    let cookie = login(&e, "dr_lee").await;
    e.clock.advance(time::Duration::minutes(16));
    let r = e
        .send(Method::GET, "/", &[("cookie", &cookie)], Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

async fn ui_roles(db: TestDb) {
    let e = env(db).await;
    for (u, r) in [
        ("dr_lee", Role::Prescriber),
        ("t_kim", Role::Therapist),
        ("desk_amy", Role::FrontDesk),
        ("admin", Role::Admin),
        ("audit_ray", Role::Auditor),
    ] {
        e.user(u, r).await;
    }
    let dr = login(&e, "dr_lee").await;
    let csrf = csrf_of(
        &e.send(Method::GET, "/", &[("cookie", &dr)], Body::empty())
            .await
            .body,
    );
    let r = e
        .send(
            Method::POST,
            "/patients",
            &[("cookie", &dr), ("content-type", FORM)],
            format!("csrf={csrf}&family_name=Okafor&given_names=Grace&birth_date=1990-03-14"),
        )
        .await;
    let chart = r.header("location").unwrap();

    // Front desk sees registration, not clinical content.
    let desk = login(&e, "desk_amy").await;
    let r = e
        .send(Method::GET, &chart, &[("cookie", &desk)], Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Okafor")
            && r.body
                .contains("Clinical content is visible to the care team only")
    );

    // A therapist off the team gets the break-the-glass form, then the chart.
    let t = login(&e, "t_kim").await;
    let r = e
        .send(Method::GET, &chart, &[("cookie", &t)], Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("name=\"reason\""));
    let tcsrf = csrf_of(&r.body);
    let r = e
        .send(
            Method::POST,
            &format!("{chart}/break-glass"),
            &[("cookie", &t), ("content-type", FORM)],
            format!("csrf={tcsrf}&reason=short"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = e
        .send(
            Method::POST,
            &format!("{chart}/break-glass"),
            &[("cookie", &t), ("content-type", FORM)],
            format!("csrf={tcsrf}&reason=Covering+crisis+call+for+Dr+Lee"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = e
        .send(Method::GET, &chart, &[("cookie", &t)], Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Break-the-glass access"));

    // Admin: users page, no chart. Auditor: audit log, no chart.
    let admin = login(&e, "admin").await;
    assert_eq!(
        e.send(Method::GET, "/", &[("cookie", &admin)], Body::empty())
            .await
            .header("location")
            .unwrap(),
        "/admin/users"
    );
    let users = e
        .send(
            Method::GET,
            "/admin/users",
            &[("cookie", &admin)],
            Body::empty(),
        )
        .await;
    assert!(users.body.contains("desk_amy"));
    assert_eq!(
        e.send(Method::GET, &chart, &[("cookie", &admin)], Body::empty())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.send(
            Method::GET,
            "/admin/users",
            &[("cookie", &dr)],
            Body::empty()
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let acsrf = csrf_of(&users.body);
    let r = e
        .send(
            Method::POST,
            "/admin/users",
            &[("cookie", &admin), ("content-type", FORM)],
            format!(
                "csrf={acsrf}&username=n_park&display_name=Sam+Park&role=nurse&password={PASSWORD}"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Account n_park created"));

    let auditor = login(&e, "audit_ray").await;
    let log = e
        .send(
            Method::GET,
            "/audit",
            &[("cookie", &auditor)],
            Body::empty(),
        )
        .await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(log.body.contains("patient.create") && log.body.contains("break_glass.open"));
    assert!(log.body.contains("Covering crisis call for Dr Lee"));
    assert_eq!(
        e.send(Method::GET, &chart, &[("cookie", &auditor)], Body::empty())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.send(Method::GET, "/audit", &[("cookie", &dr)], Body::empty())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

async fn health_and_metrics(db: TestDb) {
    let e = env(db).await;
    assert_eq!(
        e.send(Method::GET, "/healthz", &[], Body::empty())
            .await
            .status,
        StatusCode::OK
    );
    e.send(Method::GET, "/login", &[], Body::empty()).await;
    let m = e.send(Method::GET, "/metrics", &[], Body::empty()).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(
        m.body.contains(
            "tandem_http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"} 1"
        ),
        "{}",
        m.body
    );
    assert!(
        m.body
            .contains("tandem_http_request_duration_seconds_bucket")
    );
    assert!(m.body.contains("tandem_db_pool_connections"));
    assert_eq!(
        e.send(Method::GET, "/static/tandem.css", &[], Body::empty())
            .await
            .status,
        StatusCode::OK
    );
}

/// Every role against every patient route, on and off the care team.
async fn role_route_matrix(db: TestDb) {
    let e = env(db).await;
    let roles = [
        ("p_on", Role::Prescriber),
        ("t_on", Role::Therapist),
        ("n_on", Role::Nurse),
        ("cm_on", Role::CareManager),
        ("p_off", Role::Prescriber),
        ("t_off", Role::Therapist),
        ("n_off", Role::Nurse),
        ("cm_off", Role::CareManager),
        ("desk", Role::FrontDesk),
        ("admin", Role::Admin),
        ("auditor", Role::Auditor),
    ];
    let mut tokens = std::collections::HashMap::new();
    for (u, r) in roles {
        tokens.insert(u, e.token(u, r).await);
    }
    let r = e
        .fhir_send(
            Method::POST,
            &tokens["p_on"],
            "Patient",
            &patient("Rivera", "Ana", "1988-04-12"),
            &[],
        )
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let users = e
        .fhir_get(&tokens["p_on"], "Practitioner?_count=100")
        .await
        .json();
    let user_id = |name: &str| {
        users["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| &x["resource"])
            .find(|r| r["identifier"][0]["value"] == name)
            .map(|r| r["id"].as_str().unwrap().to_string())
            .unwrap()
    };
    let dr = login(&e, "p_on").await;
    let csrf = csrf_of(
        &e.send(Method::GET, "/", &[("cookie", &dr)], Body::empty())
            .await
            .body,
    );
    for u in ["t_on", "n_on", "cm_on"] {
        let form = format!("csrf={csrf}&user_id={}", user_id(u));
        let r = e
            .send(
                Method::POST,
                &format!("/patients/{id}/care-team"),
                &[("cookie", &dr), ("content-type", FORM)],
                form,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "adding {u}");
    }

    // (user, chart page, edit page, FHIR read, FHIR CareTeam)
    let expect: [(&str, u16, u16, u16, u16); 11] = [
        ("p_on", 200, 200, 200, 200),
        ("t_on", 200, 200, 200, 200),
        ("n_on", 200, 200, 200, 200),
        ("cm_on", 200, 200, 200, 200),
        ("p_off", 403, 303, 403, 403),
        ("t_off", 403, 303, 403, 403),
        ("n_off", 403, 303, 403, 403),
        ("cm_off", 403, 303, 403, 403),
        ("desk", 200, 200, 200, 200),
        ("admin", 403, 403, 403, 403),
        ("auditor", 403, 403, 403, 403),
    ];
    for (u, chart, edit, read, team) in expect {
        let c = login(&e, u).await;
        let got = (
            e.send(
                Method::GET,
                &format!("/patients/{id}"),
                &[("cookie", &c)],
                Body::empty(),
            )
            .await
            .status
            .as_u16(),
            e.send(
                Method::GET,
                &format!("/patients/{id}/edit"),
                &[("cookie", &c)],
                Body::empty(),
            )
            .await
            .status
            .as_u16(),
            e.fhir_get(&tokens[u], &format!("Patient/{id}"))
                .await
                .status
                .as_u16(),
            e.fhir_get(&tokens[u], &format!("CareTeam/{id}"))
                .await
                .status
                .as_u16(),
        );
        assert_eq!(
            got,
            (chart, edit, read, team),
            "{u}: (chart, edit, FHIR read, FHIR CareTeam)"
        );
        // Writes: only the care team and front desk may change demographics.
        let page = e
            .send(Method::GET, "/patients", &[("cookie", &c)], Body::empty())
            .await;
        let form_token = if page.body.contains("name=\"csrf\"") {
            csrf_of(&page.body)
        } else {
            String::new()
        };
        let body = format!(
            "csrf={form_token}&family_name=Rivera&given_names=Ana&birth_date=1988-04-12&phone=555-201-3344"
        );
        let w = e
            .send(
                Method::POST,
                &format!("/patients/{id}/edit"),
                &[("cookie", &c), ("content-type", FORM)],
                body,
            )
            .await;
        let may_write = read == 200;
        assert_eq!(
            w.status == StatusCode::SEE_OTHER,
            may_write,
            "{u}: edit form post gave {}",
            w.status
        );
    }
    // Break-the-glass opens the chart for an off-team clinician only.
    let c = login(&e, "n_off").await;
    let page = e
        .send(
            Method::GET,
            &format!("/patients/{id}"),
            &[("cookie", &c)],
            Body::empty(),
        )
        .await;
    let t = csrf_of(&page.body);
    let r = e
        .send(
            Method::POST,
            &format!("/patients/{id}/break-glass"),
            &[("cookie", &c), ("content-type", FORM)],
            format!("csrf={t}&reason=Night+shift+medication+question"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        e.send(
            Method::GET,
            &format!("/patients/{id}"),
            &[("cookie", &c)],
            Body::empty()
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        e.fhir_get(&tokens["n_off"], &format!("Patient/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    let c = login(&e, "admin").await;
    let page = e
        .send(
            Method::GET,
            "/admin/users",
            &[("cookie", &c)],
            Body::empty(),
        )
        .await;
    let t = csrf_of(&page.body);
    let r = e
        .send(
            Method::POST,
            &format!("/patients/{id}/break-glass"),
            &[("cookie", &c), ("content-type", FORM)],
            format!("csrf={t}&reason=Admin+wants+to+look+around"),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "admins cannot break the glass"
    );
}

/// Instruments as Questionnaires: searchable, scores in ordinalValue.
async fn questionnaires(db: TestDb) {
    let e = env(db).await;
    let tok = e.token("t_kim", Role::Therapist).await;
    assert_eq!(
        e.send(Method::GET, "/fhir/r4/Questionnaire", &[], Body::empty())
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let all = e.fhir_get(&tok, "Questionnaire?_count=100").await.json();
    assert!(
        all["total"].as_u64().unwrap() >= 14,
        "every shipped instrument is published"
    );

    let b = e.fhir_get(&tok, "Questionnaire?code=44249-1").await.json();
    assert_eq!(b["total"], 1);
    let q = &b["entry"][0]["resource"];
    assert_eq!(q["id"], "phq9");
    assert_eq!(q["url"], "urn:tandem:questionnaire:phq9");
    assert_eq!(
        e.fhir_get(&tok, "Questionnaire?code=http://loinc.org|44249-1")
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        e.fhir_get(&tok, "Questionnaire?code=http://snomed.info/sct|44249-1")
            .await
            .json()["total"],
        0
    );
    // Item 1 carries its LOINC code; every option its score.
    let item1 = &q["item"][0];
    assert_eq!(item1["code"][0]["code"], "44250-9");
    let scores: Vec<f64> = item1["answerOption"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let ext = &o["valueCoding"]["extension"][0];
            assert_eq!(
                ext["url"],
                "http://hl7.org/fhir/StructureDefinition/ordinalValue"
            );
            ext["valueDecimal"].as_f64().unwrap()
        })
        .collect();
    assert_eq!(scores, vec![0.0, 1.0, 2.0, 3.0]);

    let r = e
        .fhir_get(&tok, "Questionnaire?url=urn:tandem:questionnaire:gad7")
        .await
        .json();
    assert_eq!(r["entry"][0]["resource"]["id"], "gad7");
    let names: Vec<String> = e.fhir_get(&tok, "Questionnaire?name=phq").await.json()["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["resource"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["phq2".to_string(), "phq9".to_string()]);
    assert!(
        e.fhir_get(&tok, "Questionnaire?title=anxiety").await.json()["total"]
            .as_u64()
            .unwrap()
            >= 2
    );

    // Skip logic travels as enableWhen.
    let c = e.fhir_get(&tok, "Questionnaire/cssrs").await.json();
    let item3 = c["item"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["linkId"] == "3")
        .unwrap();
    assert_eq!(item3["enableWhen"][0]["question"], "2");
    assert_eq!(
        e.fhir_get(&tok, "Questionnaire/nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        e.fhir_get(&tok, "Questionnaire?colour=red").await.status,
        StatusCode::BAD_REQUEST
    );
}

/// Every search parameter the CapabilityStatement lists is accepted.
async fn capability_statement_tells_the_truth(db: TestDb) {
    let e = env(db).await;
    let tok = e.token("dr_lee", Role::Prescriber).await;
    let pid = e
        .fhir_send(
            Method::POST,
            &tok,
            "Patient",
            &patient("Rivera", "Ana", "1988-04-12"),
            &[],
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A PHQ-9 with item 9 positive: a response, its score and a flag to read.
    let answers: Vec<Value> = (1..=9)
        .map(|i| {
            json!({"linkId": i.to_string(), "answer": [{"valueCoding": {
                "system": "urn:tandem:questionnaire:phq9:answer", "code": if i == 9 { "1" } else { "0" }}}]})
        })
        .collect();
    let qr = json!({"resourceType": "QuestionnaireResponse", "status": "completed",
        "questionnaire": "urn:tandem:questionnaire:phq9", "subject": {"reference": format!("Patient/{pid}")},
        "authored": "2026-11-22T08:00:00Z", "item": answers});
    let r = e
        .fhir_send(
            Method::POST,
            &tok,
            "QuestionnaireResponse",
            &qr.to_string(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let response_id = r.json()["id"].as_str().unwrap().to_string();
    let first_id = |path: String| {
        let e = &e;
        let tok = &tok;
        async move {
            e.fhir_get(tok, &path).await.json()["entry"][0]["resource"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let observation_id = first_id(format!("Observation?patient={pid}")).await;
    let flag_id = first_id(format!("Flag?patient={pid}")).await;
    // The response started an episode; a diagnosis to read.
    let episode_id = first_id(format!("EpisodeOfCare?patient={pid}")).await;
    let dx = json!({"resourceType": "Condition", "subject": {"reference": format!("Patient/{pid}")},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F41.1"}]}});
    let r = e
        .fhir_send(Method::POST, &tok, "Condition", &dx.to_string(), &[])
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let condition_id = r.json()["id"].as_str().unwrap().to_string();
    // A care plan with one goal: a plan and a goal to read.
    let dr = e.app.authenticate_bearer(&tok).await.unwrap();
    let goal = tandem_core::care_plan::Goal {
        id: tandem_core::ids::GoalId(uuid::Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0000_0001,
        )),
        problem: 0,
        target: tandem_core::care_plan::Target::Smart {
            text: "Back at work".into(),
            due: None,
        },
        status: tandem_core::care_plan::GoalStatus::Active,
    };
    let goal_id = goal.id.to_string();
    let body = tandem_core::care_plan::PlanBody {
        problems: vec![tandem_core::care_plan::Problem {
            text: "Low mood".into(),
            diagnosis: None,
        }],
        goals: vec![goal],
        therapy: vec![],
        medication: None,
        schedule: vec![],
        review_every_weeks: 8,
        shared_decisions: String::new(),
    };
    let plan_id = e
        .app
        .start_care_plan(&dr, pid.parse().unwrap(), body, "Intake")
        .await
        .unwrap()
        .plan
        .id
        .to_string();
    // Methadone with lorazepam on the list: two orders and a finding to read.
    for (code, mg) in [("6470", 1), ("6813", 30)] {
        let mr = json!({"resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": code}]},
            "subject": {"reference": format!("Patient/{pid}")},
            "dosageInstruction": [{"text": "as directed", "doseAndRate": [{"doseQuantity": {"value": mg, "system": "http://unitsofmeasure.org", "code": "mg"}}]}]});
        let r = e
            .fhir_send(
                Method::POST,
                &tok,
                "MedicationRequest",
                &mr.to_string(),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let order_id = first_id(format!("MedicationRequest?patient={pid}")).await;
    let issue_id = first_id(format!("DetectedIssue?patient={pid}")).await;
    // A missed day of the methadone order: a dosing record to read.
    let methadone = e
        .app
        .search_medication_orders(&dr, pid.parse().unwrap(), None)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.drug_name == "methadone")
        .unwrap();
    let dose_id = e
        .app
        .record_dose(
            &dr,
            pid.parse().unwrap(),
            &tandem_app::NewDose {
                order: methadone.id,
                on: e.app.clock().today(),
                entry: tandem_core::medication::dosing::Entry::Missed,
                given_at: None,
                note: String::new(),
            },
        )
        .await
        .unwrap()
        .record
        .id
        .to_string();
    let cs = e
        .send(Method::GET, "/fhir/r4/metadata", &[], Body::empty())
        .await
        .json();
    for res in cs["rest"][0]["resource"].as_array().unwrap() {
        let kind = res["type"].as_str().unwrap();
        for p in res["searchParam"].as_array().unwrap() {
            let name = p["name"].as_str().unwrap();
            let value = match (p["type"].as_str().unwrap(), name) {
                ("number", _) => "5".to_string(),
                ("date", _) => "1988-04-12".to_string(),
                ("reference", "questionnaire") => "urn:tandem:questionnaire:phq9".to_string(),
                ("reference", _) => format!("Patient/{pid}"),
                ("uri", _) => "urn:tandem:questionnaire:phq9".to_string(),
                ("token", "identifier") => "1000018".to_string(),
                ("token", "status") if kind == "MedicationAdministration" => "not-done".to_string(),
                ("token", "status") | ("token", "lifecycle-status") => "active".to_string(),
                ("token", "clinical-status") => "active".to_string(),
                ("token", _) => "44249-1".to_string(),
                _ => "a".to_string(),
            };
            // Searches of a patient's records always name the patient.
            let per_patient = [
                "CareTeam",
                "QuestionnaireResponse",
                "Observation",
                "Flag",
                "Condition",
                "EpisodeOfCare",
                "CarePlan",
                "Goal",
                "MedicationRequest",
                "DetectedIssue",
                "MedicationAdministration",
            ];
            let also = if per_patient.contains(&kind) && name != "patient" && name != "subject" {
                format!("&patient={pid}")
            } else {
                String::new()
            };
            let r = e
                .fhir_get(&tok, &format!("{kind}?{name}={value}{also}"))
                .await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "{kind}?{name}={value}{also}: {}",
                r.body
            );
        }
        for i in res["interaction"].as_array().unwrap() {
            let path = match i["code"].as_str().unwrap() {
                "read" if kind == "Questionnaire" => "Questionnaire/phq9".to_string(),
                "read" if kind == "Practitioner" => continue,
                "read" if kind == "QuestionnaireResponse" => format!("{kind}/{response_id}"),
                "read" if kind == "Observation" => format!("{kind}/{observation_id}"),
                "read" if kind == "Flag" => format!("{kind}/{flag_id}"),
                "read" if kind == "Condition" => format!("{kind}/{condition_id}"),
                "read" if kind == "EpisodeOfCare" => format!("{kind}/{episode_id}"),
                "read" if kind == "CarePlan" => format!("{kind}/{plan_id}"),
                "read" if kind == "Goal" => format!("{kind}/{goal_id}"),
                "read" if kind == "MedicationRequest" => format!("{kind}/{order_id}"),
                "read" if kind == "DetectedIssue" => format!("{kind}/{issue_id}"),
                "read" if kind == "MedicationAdministration" => format!("{kind}/{dose_id}"),
                "read" => format!("{kind}/{pid}"),
                _ => continue,
            };
            assert_eq!(
                e.fhir_get(&tok, &path).await.status,
                StatusCode::OK,
                "{path}"
            );
        }
    }
}

both_backends! {
    questionnaire => questionnaires;
    capability => capability_statement_tells_the_truth;
    role_matrix => role_route_matrix;
    fhir_lifecycle => fhir_patient_lifecycle;
    fhir_bad_input => fhir_bad_input_stores_nothing;
    fhir_access => fhir_auth_and_care_team;
    fhir_search => fhir_search_and_paging;
    ui_register => ui_sign_in_and_register;
    ui_role_pages => ui_roles;
    health => health_and_metrics;
}
