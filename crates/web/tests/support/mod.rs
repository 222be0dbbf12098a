//! The kit the page tests share: an app on a fixed clock behind the real
//! router, staff and patients made through the app, and requests sent as a
//! browser sends them (a session cookie, form bodies, the CSRF token read
//! from a page).
//!
//! Each test file compiles its own copy of this module and uses only part
//! of it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use std::sync::Arc;
use tandem_app::{Actor, App, Caller, NewAccount, Operator, Settings};
use tandem_core::audit::Channel;
use tandem_core::clock::FixedClock;
use tandem_core::entropy::SeededEntropy;
use tandem_core::ids::PatientId;
use tandem_core::patient::DemographicsInput;
use tandem_core::role::Role;
use tandem_testkit::TestDb;
use tandem_web::{WebConfig, router};
use time::OffsetDateTime;
use time::macros::datetime;
use tower::ServiceExt;

pub mod fhir;

pub const PASSWORD: &str = "Correct-Horse-Battery-9";
pub const FORM: &str = "application/x-www-form-urlencoded";
/// The moment every page test runs at.
pub const NOW: OffsetDateTime = datetime!(2026-11-22 09:00 UTC);

pub struct Env {
    pub app: App,
    pub router: Router,
    pub clock: Arc<FixedClock>,
    pub db: TestDb,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }
}

/// The app at [`NOW`] on `db`; `seed` fixes the ids it generates.
pub async fn env(db: TestDb, seed: u64) -> Env {
    let clock = Arc::new(FixedClock::new(NOW));
    let app = App::with_store(
        db.store.clone(),
        clock.clone(),
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
    Env {
        app,
        router,
        clock,
        db,
    }
}

impl Env {
    /// A member of staff, as the app sees them when they act on the web.
    pub async fn user(&self, username: &str, role: Role) -> Caller {
        let u = self
            .app
            .add_user_as_operator(
                &Operator {
                    name: "test".into(),
                },
                NewAccount {
                    username: username.into(),
                    display_name: Some(format!("{username} name")),
                    role,
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
        Caller {
            actor: Actor {
                org: u.org,
                user_id: u.id,
                username: u.username,
                display_name: u.display_name,
                role,
            },
            channel: Channel::Web,
        }
    }

    /// A patient registered by `by`, with `team` added to the care team.
    pub async fn patient(
        &self,
        by: &Caller,
        family: &str,
        given: &str,
        team: &[&Caller],
    ) -> PatientId {
        let d = DemographicsInput {
            family_name: family.into(),
            given_names: given.into(),
            birth_date: "1990-03-14".into(),
            sex_at_birth: "female".into(),
            ..Default::default()
        }
        .validate(NOW.date())
        .unwrap();
        let p = self.app.register_patient(by, d).await.unwrap();
        for m in team {
            self.app
                .add_care_team_member(by, p.id, m.actor.user_id, None)
                .await
                .unwrap();
        }
        p.id
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        cookie: &str,
        body: Option<String>,
    ) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "tandem.test");
        if !cookie.is_empty() {
            req = req.header(header::COOKIE, cookie);
        }
        let body = match body {
            Some(b) => {
                req = req.header(header::CONTENT_TYPE, FORM);
                Body::from(b)
            }
            None => Body::empty(),
        };
        let res = self
            .router
            .clone()
            .oneshot(req.body(body).unwrap())
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

    pub async fn get(&self, path: &str, cookie: &str) -> Resp {
        self.send(Method::GET, path, cookie, None).await
    }

    pub async fn post(&self, path: &str, cookie: &str, form: String) -> Resp {
        self.send(Method::POST, path, cookie, Some(form)).await
    }

    /// Signs in through the login form; the answer is the session cookie.
    pub async fn login(&self, username: &str) -> String {
        let r = self
            .post(
                "/login",
                "",
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

    /// The session's form token, read from any page with a form.
    pub async fn csrf(&self, cookie: &str) -> String {
        let r = self.get("/patients", cookie).await;
        csrf_of(&r.body)
    }

    /// Enters a PHQ-9 through the chart's form at `at` (`YYYY-MM-DDTHH:MM`);
    /// `items` are the answers to 1-9.
    pub async fn enter_phq9_at(
        &self,
        cookie: &str,
        p: PatientId,
        items: [u8; 9],
        at: &str,
    ) -> Resp {
        let csrf = self.csrf(cookie).await;
        let mut f = format!("csrf={csrf}&authored={}", enc(at));
        for (i, a) in items.iter().enumerate() {
            f.push_str(&format!("&i_{}={a}", i + 1));
        }
        self.post(&format!("/patients/{p}/measures/phq9"), cookie, f)
            .await
    }

    /// Enters a PHQ-9 through the chart's form, this morning.
    pub async fn enter_phq9(&self, cookie: &str, p: PatientId, items: [u8; 9]) -> Resp {
        self.enter_phq9_at(cookie, p, items, "2026-11-22T08:30")
            .await
    }
}

pub fn csrf_of(body: &str) -> String {
    let i = body.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    body[i..].split('"').next().unwrap().to_string()
}

/// A page's text with the entities askama writes for `&`, `"` and `'`.
pub fn decoded(body: &str) -> String {
    body.replace("&#38;", "&")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
}

/// Form-encodes `(name, value)` pairs.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The text of the element that starts at `id="…"`, up to `until`.
pub fn near<'a>(body: &'a str, id: &str, until: &str) -> &'a str {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &body[start..];
    &rest[..rest.find(until).unwrap_or(rest.len())]
}
