//! The intake page on both backends: the screening packet with each
//! instrument's status, the assessment form, ASAM ratings with the
//! suggestion labelled as decision support, the pathway recommendation with
//! its reasons, and accepting or overriding it. Bad forms come back as 422
//! with the message next to the field, the input kept and nothing stored.
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
    body.replace("&#38;", "&").replace("&#34;", "\"")
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

/// The packet lists the program's instruments with their status; the
/// recommendation shows its pathway, steps in order and reasons with
/// sources; the chart links to the page.
async fn the_page_shows_the_packet_and_the_recommendation(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    let c = e.login("dr_lee").await;
    // PHQ-9 total 17 (moderately severe) with a positive item 9.
    let r = e.enter_phq9(&c, p, [3, 3, 3, 3, 2, 1, 1, 0, 1]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let chart = e.get(&format!("/patients/{p}"), &c).await;
    assert!(
        chart
            .body
            .contains(&format!("href=\"/patients/{p}/intake\""))
    );

    let page = e.get(&format!("/patients/{p}/intake"), &c).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let b = decoded(&page.body);
    let phq = near(&b, "packet-phq9", "</tr>");
    assert!(
        phq.contains("Done") && phq.contains("<strong>17</strong>"),
        "{phq}"
    );
    assert!(phq.contains("Moderately severe"));
    let gad = near(&b, "packet-gad7", "</tr>");
    assert!(
        gad.contains(&format!("href=\"/patients/{p}/measures/gad7\"")),
        "{gad}"
    );
    assert!(gad.contains(">Enter<"));
    assert!(
        !b.contains("id=\"packet-pcl5\""),
        "no PCL-5 before trauma is reported"
    );
    assert!(
        b.contains("Adult mental health"),
        "the first program by default"
    );

    let rec = near(&b, "recommendation", "</section>");
    assert!(
        rec.contains("class=\"pathway-badge pathway-both\">Therapy and medication evaluation<"),
        "{rec}"
    );
    // The safety step comes first, in red.
    let steps = near(&b, "recommendation", "</ol>");
    let first = &steps[steps.find("<li").unwrap()..];
    assert!(
        first.starts_with("<li class=\"step safety\">Same-day safety assessment"),
        "{first}"
    );
    assert!(rec.contains("Because: active flag: Suicide risk"));
    assert!(rec.contains("Because: PHQ-9: Moderately severe"));
    assert!(rec.contains("Source: PHQ-9 bands 15-19 and 20-27"));
    assert!(rec.contains("what follows from it: clinic default"));
    assert!(rec.contains("Save the assessment to decide on the pathway."));

    // A program picked while not enrolled changes the packet shown.
    let other = e
        .get(&format!("/patients/{p}/intake?program=otp"), &c)
        .await;
    assert!(other.body.contains("<option value=\"otp\" selected>"));
}

/// The assessment, the ASAM ratings and the decision are posted through
/// the page and shown back.
async fn posting_the_forms(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    let c = e.login("dr_lee").await;
    let r = e.enter_phq9(&c, p, [3, 3, 3, 3, 2, 1, 1, 0, 0]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let csrf = e.csrf(&c).await;

    let r = e
        .post(
            &format!("/patients/{p}/intake/assessment"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("program", "co_occurring"),
                ("assessment", ""),
                ("presenting_problems", "Low mood & poor sleep since July"),
                ("su1_substance", "opioid_heroin"),
                ("su1_route", "injected"),
                ("su1_frequency", "daily"),
                ("su1_last_use", "2026-11-20"),
                ("su2_substance", "alcohol"),
                ("su2_last_use_unknown", "1"),
                ("rx_pregnancy", "no"),
                ("mse_affect", "constricted"),
                ("mse_mood_note", "\"empty\""),
                ("suicidal_ideation", "passive"),
                ("overall_risk", "moderate"),
                ("trauma_reported", "1"),
                ("medication_preference", "prefers_no_medication"),
                ("therapy_preference", "evenings"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location"),
        format!("/patients/{p}/intake?saved=assessment&program=co_occurring#assessment"),
        "the program picked on the page is kept"
    );
    let page = e.get(&r.header("location"), &c).await;
    let b = decoded(&page.body);
    assert!(b.contains("Assessment saved."));
    assert!(b.contains("<option value=\"co_occurring\" selected>"));
    assert!(b.contains("Low mood & poor sleep since July"));
    assert!(b.contains("value=\"2026-11-20\""));
    assert!(b.contains("id=\"packet-pcl5\""), "trauma adds the PCL-5");
    assert!(b.contains("<option value=\"constricted\" selected>"));
    let pref = near(&b, "recommendation", "</aside>");
    assert!(pref.contains("Prefers no medication"));
    assert!(
        pref.contains("discuss it together"),
        "the conflict is a point to discuss"
    );
    let aid = open_assessment(&b);

    let mut asam: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("assessment".into(), aid.clone()),
    ];
    for (d, v) in [3, 1, 2, 2, 3, 1].iter().enumerate() {
        asam.push((format!("asam_d{}", d + 1), v.to_string()));
        asam.push((format!("asam_d{}_note", d + 1), "seen".into()));
    }
    let pairs: Vec<(&str, &str)> = asam.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = e
        .post(&format!("/patients/{p}/intake/asam"), &c, form(&pairs))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b = e.get(&r.header("location"), &c).await.body;
    let s = near(&b, "asam-suggestion", "</div>");
    assert!(
        s.contains("Decision support — clinic default, not validated"),
        "{s}"
    );
    assert!(s.contains("Withdrawal management"));
    assert!(s.contains("Dimension 1 (Acute intoxication and/or withdrawal potential) rated 3"));
    assert!(s.contains("not the ASAM Criteria algorithm"));

    let r = e
        .post(
            &format!("/patients/{p}/intake/decision"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("assessment", &aid),
                ("shown", "both"),
                ("action", "override"),
                ("pathway", "therapy"),
                ("reason", "Declines medication after discussion"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b = e.get(&r.header("location"), &c).await.body;
    let d = near(&b, "decision", "</div>");
    assert!(d.contains("Overridden: Therapy"), "{d}");
    assert!(d.contains("by dr_lee name, 2026-11-22 09:00"));
    assert!(d.contains("recommended was Therapy and medication evaluation"));
    assert!(d.contains("Reason: Declines medication after discussion"));
    assert!(
        !b.contains("class=\"override-form\""),
        "decided: no more decision forms"
    );
    let decided = e.app.decided_pathway(&dr, p).await.unwrap().unwrap();
    assert_eq!(
        decided.decision.reason.as_deref(),
        Some("Declines medication after discussion")
    );
    assert!(
        b.contains("Start reassessment"),
        "a reassessment is a new record"
    );
}

/// Wrong input comes back as 422 with the message at the field and the
/// input kept; nothing is stored. A missing form token is refused.
async fn bad_forms_store_nothing(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    let c = e.login("dr_lee").await;
    let csrf = e.csrf(&c).await;
    let bad = [
        ("csrf", csrf.as_str()),
        ("presenting_problems", "Cravings"),
        ("su1_substance", "opioid_fentanyl"),
        ("su1_last_use", "2026-11-23"),
        ("suicidal_ideation", "none"),
    ];
    let r = e
        .post(&format!("/patients/{p}/intake/assessment"), &c, form(&bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let b = decoded(&r.body);
    assert!(b.contains("Nothing was saved."));
    let row = near(&b, "su1_last_use", "</td>");
    assert!(
        row.contains("The date of last use is in the future."),
        "{row}"
    );
    assert!(row.contains("value=\"2026-11-23\""), "the input is kept");
    let risk = near(&b, "overall_risk", "</div>\n      <div");
    assert!(risk.contains("field-error"), "{risk}");
    assert!(b.contains("<option value=\"opioid_fentanyl\" selected>"));
    assert!(b.contains(">Cravings</textarea>"));
    assert!(e.app.intake(&dr, p, None).await.unwrap().current.is_none());

    // Without a form token nothing happens.
    let mut no_token = bad;
    no_token[0] = ("csrf", "");
    no_token[3] = ("su1_last_use", "2026-11-20");
    let r = e
        .post(
            &format!("/patients/{p}/intake/assessment"),
            &c,
            form(&no_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(e.app.intake(&dr, p, None).await.unwrap().current.is_none());

    // An override without a reason: 422 at the reason, nothing decided;
    // then accepting works.
    let r = e
        .post(
            &format!("/patients/{p}/intake/assessment"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("presenting_problems", "Cravings"),
                ("suicidal_ideation", "none"),
                ("overall_risk", "low"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = e.enter_phq9(&c, p, [1, 1, 1, 1, 1, 1, 0, 0, 0]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = e.get(&format!("/patients/{p}/intake"), &c).await;
    let aid = open_assessment(&page.body);
    assert!(page.body.contains("pathway-therapy"));

    // A rating out of range: 422 at that dimension, the others kept.
    let r = e
        .post(
            &format!("/patients/{p}/intake/asam"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("assessment", &aid),
                ("asam_d1", "1"),
                ("asam_d2", "7"),
                ("asam_d3", "2"),
                ("asam_d4", "0"),
                ("asam_d5", "1"),
                ("asam_d6", "0"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let d2 = near(&r.body, "asam_d2", "</fieldset>");
    assert!(
        d2.contains("A rating is a whole number from 0 to 4."),
        "{d2}"
    );
    let d3 = near(&r.body, "asam_d3", "</fieldset>");
    assert!(d3.contains("value=\"2\" checked"), "{d3}");
    let stored = e.app.intake(&dr, p, None).await.unwrap();
    assert!(stored.current.unwrap().asam.is_none());
    assert!(stored.suggestion.is_none());
    let r = e
        .post(
            &format!("/patients/{p}/intake/decision"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("assessment", &aid),
                ("shown", "therapy"),
                ("action", "override"),
                ("pathway", "both"),
                ("reason", ""),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let reason = near(&r.body, "reason", "</div>");
    assert!(reason.contains("class=\"field-error\""), "{reason}");
    assert!(reason.contains("Give the reason"), "{reason}");
    assert!(
        r.body.contains("<option value=\"both\" selected>"),
        "the choice is kept"
    );
    assert!(e.app.decided_pathway(&dr, p).await.unwrap().is_none());

    let r = e
        .post(
            &format!("/patients/{p}/intake/decision"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("assessment", &aid),
                ("shown", "therapy"),
                ("action", "accept"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b = e.get(&r.header("location"), &c).await.body;
    assert!(near(&b, "decision", "</div>").contains("Accepted: Therapy"));
}

/// Off the care team the page is refused, and front desk never sees it.
async fn access_follows_the_care_team(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    e.user("t_other", Role::Therapist).await;
    e.user("desk", Role::FrontDesk).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    for who in ["t_other", "desk"] {
        let c = e.login(who).await;
        let r = e.get(&format!("/patients/{p}/intake"), &c).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        let csrf = e.csrf(&c).await;
        let r = e
            .post(
                &format!("/patients/{p}/intake/assessment"),
                &c,
                form(&[
                    ("csrf", &csrf),
                    ("presenting_problems", "x"),
                    ("suicidal_ideation", "none"),
                    ("overall_risk", "low"),
                ]),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    assert!(e.app.intake(&dr, p, None).await.unwrap().current.is_none());
}

both_backends! {
    page => the_page_shows_the_packet_and_the_recommendation;
    forms => posting_the_forms;
    bad_forms => bad_forms_store_nothing;
    access => access_follows_the_care_team;
}
