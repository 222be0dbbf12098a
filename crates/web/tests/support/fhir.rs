//! The kit the FHIR API tests share: an app at [`NOW`] behind the real
//! router, bearer tokens, and FHIR JSON requests and answers.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;
use tandem_app::{Actor, App, Caller, NewAccount, Operator, Settings};
use tandem_core::audit::Channel;
use tandem_core::clock::FixedClock;
use tandem_core::entropy::SeededEntropy;
use tandem_core::role::Role;
use tandem_testkit::TestDb;
use tandem_web::{WebConfig, router};
use tower::ServiceExt;

pub use super::{NOW, PASSWORD};

pub struct Env {
    pub app: App,
    pub router: Router,
    pub db: TestDb,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The expressions of an OperationOutcome's issues.
    pub fn expressions(&self) -> Vec<String> {
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
    pub fn entries(&self) -> Vec<Value> {
        let v = self.json();
        assert_eq!(v["type"], "searchset", "{}", self.body);
        v["entry"]
            .as_array()
            .map(|a| a.iter().map(|e| e["resource"].clone()).collect())
            .unwrap_or_default()
    }

    pub fn total(&self) -> u64 {
        self.json()["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("no total: {}", self.body))
    }
}

/// The app at [`NOW`] on `db`; `seed` fixes the ids it generates.
pub async fn env(db: TestDb, seed: u64) -> Env {
    let clock = Arc::new(FixedClock::new(NOW));
    let app = App::with_store(
        db.store.clone(),
        clock,
        Arc::new(SeededEntropy::new(seed)),
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
    Env { app, router, db }
}

impl Env {
    pub async fn token(&self, username: &str, role: Role) -> String {
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

    pub async fn send(
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

    pub async fn get(&self, token: &str, path: &str) -> Resp {
        let auth = format!("Bearer {token}");
        self.send(
            Method::GET,
            path,
            &[("authorization", &auth)],
            String::new(),
        )
        .await
    }

    pub async fn post(&self, token: &str, path: &str, body: &str) -> Resp {
        let auth = format!("Bearer {token}");
        let h = [
            ("authorization", auth.as_str()),
            ("content-type", "application/fhir+json"),
        ];
        self.send(Method::POST, path, &h, body.to_string()).await
    }

    /// Registers a patient; `sex` is the US Core birth sex code, if any.
    pub async fn patient(&self, token: &str, family: &str, sex: Option<&str>) -> String {
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
    pub async fn clinician(&self, username: &str) -> (String, Caller) {
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
