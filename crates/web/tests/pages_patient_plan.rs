//! From the intake to the patient's printable plan, on both backends: the
//! accepted pathway drafts the first plan; the patient's version of the plan
//! is in plain words with the crisis lines and the leaflets that fit; what
//! was given is recorded. Access follows the care team.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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
use tandem_testkit::{TestDb, both_backends};
use tandem_web::{WebConfig, router};
use time::macros::{date, datetime};
use tower::ServiceExt;

const PASSWORD: &str = "Correct-Horse-Battery-9";
const FORM: &str = "application/x-www-form-urlencoded";

struct Env {
    app: App,
    router: Router,
    _clock: Arc<FixedClock>,
    _db: TestDb,
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }
}

async fn env(db: TestDb) -> Env {
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-22 09:00 UTC)));
    let app = App::with_store(
        db.store.clone(),
        clock.clone(),
        Arc::new(SeededEntropy::new(11)),
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
        _clock: clock,
        _db: db,
    }
}

impl Env {
    async fn user(&self, username: &str, role: Role) -> Caller {
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

    async fn patient(&self, by: &Caller, family: &str, given: &str, team: &[&Caller]) -> PatientId {
        let d = DemographicsInput {
            family_name: family.into(),
            given_names: given.into(),
            birth_date: "1990-03-14".into(),
            sex_at_birth: "female".into(),
            ..Default::default()
        }
        .validate(date!(2026 - 11 - 22))
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

    async fn send(&self, method: Method, path: &str, cookie: &str, body: Option<String>) -> Resp {
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

    async fn get(&self, path: &str, cookie: &str) -> Resp {
        self.send(Method::GET, path, cookie, None).await
    }

    async fn post(&self, path: &str, cookie: &str, form: String) -> Resp {
        self.send(Method::POST, path, cookie, Some(form)).await
    }

    async fn login(&self, username: &str) -> String {
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
    async fn csrf(&self, cookie: &str) -> String {
        let r = self.get("/patients", cookie).await;
        csrf_of(&r.body)
    }

    /// Enters a PHQ-9 through the chart's form; `items` are the answers to 1-9.
    async fn enter_phq9(&self, cookie: &str, p: PatientId, items: [u8; 9]) -> Resp {
        let csrf = self.csrf(cookie).await;
        let mut f = format!("csrf={csrf}&authored=2026-11-22T08%3A30");
        for (i, a) in items.iter().enumerate() {
            f.push_str(&format!("&i_{}={a}", i + 1));
        }
        self.post(&format!("/patients/{p}/measures/phq9"), cookie, f)
            .await
    }
}

fn csrf_of(body: &str) -> String {
    let i = body.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    body[i..].split('"').next().unwrap().to_string()
}

/// A page's text with the two entities askama writes for `&` and `"`.
fn decoded(body: &str) -> String {
    body.replace("&#38;", "&")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
}

/// Form-encodes `(name, value)` pairs.
fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The text of the element that starts at `id="…"`, up to `until`.
fn near<'a>(body: &'a str, id: &str, until: &str) -> &'a str {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &body[start..];
    &rest[..rest.find(until).unwrap_or(rest.len())]
}

/// The open assessment's id, from the ASAM form.
fn open_assessment(body: &str) -> String {
    let f = near(body, "asam", "</form>");
    let key = "name=\"assessment\" value=\"";
    let i = f.find(key).expect("an open assessment") + key.len();
    f[i..].split('"').next().unwrap().to_string()
}

/// Severe depression with a diagnosis: the recommendation is "both"; the
/// clinician accepts; the plan editor comes drafted from it.
async fn intake_decision_drafts_the_plan_and_the_patient_reads_it(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let t = e.user("t_kim", Role::Therapist).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[&t]).await;
    e.app
        .add_diagnosis(
            &dr,
            p,
            &tandem_core::diagnosis::NewDiagnosisInput {
                code: "F33.2".into(),
                rank: "primary".into(),
                clinical_status: "active".into(),
                onset: String::new(),
                note: String::new(),
            },
        )
        .await
        .unwrap();
    let c = e.login("dr_lee").await;
    // PHQ-9 total 20: severe.
    let r = e.enter_phq9(&c, p, [3, 3, 3, 3, 2, 2, 2, 2, 0]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Before any decision the editor starts empty.
    let blank = e.get(&format!("/patients/{p}/plan/edit"), &c).await;
    assert_eq!(blank.status, StatusCode::OK);
    assert!(!blank.body.contains("id=\"from-intake\""));

    let csrf = e.csrf(&c).await;
    let r = e
        .post(
            &format!("/patients/{p}/intake/assessment"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("program", "mental_health"),
                ("assessment", ""),
                ("presenting_problems", "Low mood, not sleeping"),
                ("suicidal_ideation", "none"),
                ("overall_risk", "low"),
                ("medication_preference", "open_to_medication"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = e.get(&r.header("location"), &c).await.body;
    let aid = open_assessment(&page);
    let r = e
        .post(
            &format!("/patients/{p}/intake/decision"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("assessment", &aid),
                ("shown", "both"),
                ("action", "accept"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let intake = e.get(&r.header("location"), &c).await.body;
    assert!(
        intake.contains("id=\"to-plan\""),
        "the decision leads on to the plan"
    );

    let draft = e.get(&format!("/patients/{p}/plan/edit"), &c).await;
    assert_eq!(draft.status, StatusCode::OK);
    let b = decoded(&draft.body);
    assert!(b.contains("id=\"from-intake\""), "says it was drafted");
    assert!(
        b.contains("Intake pathway: Therapy and medication evaluation (recommendation accepted).")
    );
    assert!(b.contains("Patient's medication preference: Open to medication."));
    assert!(
        b.contains("value=\"Intake completed\""),
        "a reason to start from"
    );

    // What the editor was given, saved as the first version and signed.
    let body = e.app.draft_plan_from_intake(&dr, p).await.unwrap().unwrap();
    assert_eq!(body.problems[0].diagnosis.as_ref().unwrap().code, "F33.2");
    assert_eq!(body.therapy.len(), 1, "therapy is in the pathway");
    assert_eq!(body.therapy[0].clinician, Some(t.actor.user_id));
    assert_eq!(
        body.medication.as_ref().map(|m| m.prescriber),
        Some(dr.actor.user_id),
        "medication management with the team's prescriber"
    );
    assert_eq!(body.schedule.len(), 1, "only what the intake measured");
    assert_eq!(body.schedule[0].instrument, "phq9");
    let started = e
        .app
        .start_care_plan(&dr, p, body, "Intake completed")
        .await
        .unwrap();
    e.app
        .sign_care_plan(&dr, p, started.current.number())
        .await
        .unwrap();

    let sum = e.get(&format!("/patients/{p}/plan/summary"), &c).await;
    assert_eq!(sum.status, StatusCode::OK, "{}", sum.body);
    let s = decoded(&sum.body);
    for want in [
        "Your care plan",
        "Call or text 988",
        "This is version 1 of your plan.",
        "dr_lee name signed it on November 22, 2026.",
        "Bring your score on the PHQ-9 (mood check-in) below 5 by February 14, 2027.",
        "CBT with t_kim name, just you and your therapist, in person, every week.",
        "Medicine: dr_lee name looks after your medicine.",
        "Every 2 weeks, you fill in the PHQ-9 (mood check-in).",
        "Reading for you",
        "id=\"leaflet-crisis\"",
        "id=\"leaflet-depression\"",
        "id=\"leaflet-cbt\"",
        "id=\"leaflet-therapy-and-medicine-together\"",
        "/static/print.js",
    ] {
        assert!(s.contains(want), "summary lacks {want:?}");
    }
    assert!(
        !s.contains("id=\"leaflet-medicines-for-opioid-use\""),
        "no leaflet the plan does not call for"
    );
    assert!(
        s.find("leaflet-crisis") < s.find("leaflet-depression"),
        "the crisis leaflet comes first"
    );

    // Recording the leaflets as given from the summary comes back to it.
    let mut pairs = vec![("csrf", csrf.as_str()), ("back", "summary")];
    for m in ["crisis", "depression", "cbt"] {
        pairs.push(("material", m));
    }
    let r = e
        .post(&format!("/patients/{p}/education"), &c, form(&pairs))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location"),
        format!("/patients/{p}/plan/summary?notice=given")
    );
    let ed = e.app.patient_education(&dr, p).await.unwrap();
    assert_eq!(ed.given.len(), 3);
    assert!(
        ed.given
            .iter()
            .all(|g| g.plan_version == Some(1) && g.given_by == dr.actor.user_id)
    );
    let page = e.get(&format!("/patients/{p}/education"), &c).await;
    let b = decoded(&page.body);
    assert!(b.contains("id=\"given\""));
    assert!(b.contains("What is CBT?"));

    // One leaflet on its own page, printable.
    let l = e.get(&format!("/patients/{p}/education/cbt"), &c).await;
    assert_eq!(l.status, StatusCode::OK);
    assert!(l.body.contains("cognitive behavioral therapy"));
    assert!(l.body.contains("Sources"));
}

/// Unknown leaflets and empty choices are refused with a message and
/// nothing is recorded; outside the care team the pages are refused.
async fn refusals_store_nothing(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let other = e.user("dr_out", Role::Prescriber).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    let c = e.login("dr_lee").await;
    let csrf = e.csrf(&c).await;

    let r = e
        .post(
            &format!("/patients/{p}/education"),
            &c,
            form(&[("csrf", &csrf), ("material", "no-such-leaflet")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(decoded(&r.body).contains("there is no leaflet \"no-such-leaflet\""));
    let r = e
        .post(
            &format!("/patients/{p}/education"),
            &c,
            form(&[("csrf", &csrf)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("choose at least one leaflet"));
    let r = e
        .post(
            &format!("/patients/{p}/education"),
            &c,
            form(&[("csrf", "forged"), ("material", "crisis")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        e.app
            .patient_education(&dr, p)
            .await
            .unwrap()
            .given
            .is_empty()
    );

    let l = e.get(&format!("/patients/{p}/education/nope"), &c).await;
    assert_eq!(l.status, StatusCode::NOT_FOUND);
    // No plan yet: the summary says so and still gives the crisis lines.
    let s = e.get(&format!("/patients/{p}/plan/summary"), &c).await;
    assert_eq!(s.status, StatusCode::OK);
    assert!(s.body.contains("has not written your plan yet"));
    assert!(s.body.contains("988"));

    let oc = e.login("dr_out").await;
    for path in [
        format!("/patients/{p}/plan/summary"),
        format!("/patients/{p}/education"),
        format!("/patients/{p}/education/crisis"),
    ] {
        let r = e.get(&path, &oc).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert!(
        e.app.patient_education(&other, p).await.is_err(),
        "the app refuses too"
    );
}

both_backends! {
    flow => intake_decision_drafts_the_plan_and_the_patient_reads_it;
    refusals => refusals_store_nothing;
}
