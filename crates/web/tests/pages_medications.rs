//! The medications pages on both backends: the prescribing form, the
//! safety check's stop shown in red with both drugs, why and the advice
//! (HTTP 422, input kept, nothing stored), the override with a reason, the
//! warnings on the placed order, the dose change with a taper schedule, and
//! discontinuing with a reason.
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
        Arc::new(SeededEntropy::new(29)),
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
}

fn csrf_of(body: &str) -> String {
    let i = body.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    body[i..].split('"').next().unwrap().to_string()
}

/// Form encoding of a value (spaces and punctuation escaped).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn order_form(csrf: &str, drug: &str, dose: &str, extra: &str) -> String {
    format!(
        "csrf={csrf}&drug={drug}&dose={dose}&unit=mg&route=oral&frequency=once_daily&sig={}&start=2026-11-22{extra}",
        enc("Take by mouth every morning")
    )
}

/// A contraindicated order comes back (422) with both drugs, why and the
/// advice in red and the input kept; nothing is stored; with an override
/// reason it is placed and the order page shows the finding.
async fn the_stop_and_the_override(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Rivera", "Ana", &[]).await;
    let cookie = e.login("dr_lee").await;
    let csrf = e.csrf(&cookie).await;

    let form = e
        .get(&format!("/patients/{p}/medications/new"), &cookie)
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("<optgroup label=\"SSRI\">"),
        "grouped by class"
    );

    let r = e
        .post(
            &format!("/patients/{p}/medications"),
            &cookie,
            order_form(&csrf, "36437", "50", ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = e.get(&format!("/patients/{p}/medications"), &cookie).await;
    assert!(
        list.body.contains("sertraline") && list.body.contains("50 mg"),
        "{}",
        list.body
    );

    let r = e
        .post(
            &format!("/patients/{p}/medications"),
            &cookie,
            order_form(&csrf, "8123", "45", ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"safety-stop\""));
    let stop = &r.body[r.body.find("id=\"safety-stop\"").unwrap()..];
    assert!(stop.contains("phenelzine + sertraline"), "{stop}");
    assert!(stop.contains("What to do: Do not combine."), "{stop}");
    assert!(r.body.contains("name=\"override_reason\""));
    // The input is kept.
    assert!(
        r.body
            .contains("<option value=\"8123\" selected>phenelzine</option>")
    );
    assert!(r.body.contains("value=\"45\""));
    let orders = e.app.search_medication_orders(&dr, p, None).await.unwrap();
    assert_eq!(orders.len(), 1);

    let reason = enc("switching under specialist supervision");
    let r = e
        .post(
            &format!("/patients/{p}/medications"),
            &cookie,
            order_form(&csrf, "8123", "45", &format!("&override_reason={reason}")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = e.get(&r.header("location"), &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("finding-badge danger"), "{}", page.body);
    assert!(
        page.body.contains(
            "Contraindication overridden. Reason: switching under specialist supervision"
        )
    );
    assert_eq!(
        e.app
            .search_medication_orders(&dr, p, None)
            .await
            .unwrap()
            .len(),
        2
    );
}

/// A therapist on the care team reads the medications but is refused the
/// prescribing form, and nothing is stored when the form is posted anyway.
async fn only_prescribers_prescribe(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let t = e.user("t_kim", Role::Therapist).await;
    let p = e.patient(&dr, "Rivera", "Ana", &[&t]).await;
    let cookie = e.login("t_kim").await;
    let list = e.get(&format!("/patients/{p}/medications"), &cookie).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("id=\"new-order\""));
    let form = e
        .get(&format!("/patients/{p}/medications/new"), &cookie)
        .await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    let csrf = e.csrf(&cookie).await;
    let r = e
        .post(
            &format!("/patients/{p}/medications"),
            &cookie,
            order_form(&csrf, "36437", "50", ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        e.app
            .search_medication_orders(&dr, p, None)
            .await
            .unwrap()
            .is_empty()
    );
}

/// What the form documents reaches the check: a lithium level above the
/// reference range is a high finding shown on the placed order.
async fn documented_level_reaches_the_check(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Rivera", "Ana", &[]).await;
    let cookie = e.login("dr_lee").await;
    let csrf = e.csrf(&cookie).await;
    let r = e
        .post(
            &format!("/patients/{p}/medications"),
            &cookie,
            order_form(&csrf, "6448", "900", "&level_value=1.6&level_on=2026-11-20"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = e.get(&r.header("location"), &cookie).await;
    assert!(page.body.contains("rule lithium_level"), "{}", page.body);
    assert!(page.body.contains("finding-badge danger"));
    let bad = e
        .post(
            &format!("/patients/{p}/medications"),
            &cookie,
            order_form(&csrf, "6448", "900", "&level_value=1.6&level_on=2027-01-01"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("not in the future"));
}

/// A taper of dated steps is scheduled from the order page and shown as
/// the schedule; discontinuing without a reason comes back with the
/// message at the field; with a reason the order is stopped.
async fn taper_and_discontinue(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Rivera", "Ana", &[]).await;
    let cookie = e.login("dr_lee").await;
    let csrf = e.csrf(&cookie).await;
    let r = e
        .post(
            &format!("/patients/{p}/medications"),
            &cookie,
            order_form(&csrf, "36437", "100", ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page_url = r.header("location");
    let base = page_url.split('?').next().unwrap().to_string();
    let bad = e
        .post(
            &format!("{base}/dose"),
            &cookie,
            format!("csrf={csrf}&mode=taper&step1_on=2026-11-29&step1_dose=150&reason=taper"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("each taper step must be lower"),
        "{}",
        bad.body
    );
    let ok = e
        .post(
            &format!("{base}/dose"),
            &cookie,
            format!(
                "csrf={csrf}&mode=taper&step1_on=2026-11-29&step1_dose=50&step2_on=2026-12-06&step2_dose=25&stop_on=2026-12-13&reason={}",
                enc("nausea; stopping")
            ),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = e.get(&base, &cookie).await;
    assert!(
        page.body
            .contains("2026-12-06 <span class=\"muted\">(scheduled)</span>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<svg class=\"dose-chart\""));
    assert!(page.body.contains("Taper ends"));

    let r = e
        .post(
            &format!("{base}/discontinue"),
            &cookie,
            format!("csrf={csrf}&reason="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("say why the order is discontinued"));
    let r = e
        .post(
            &format!("{base}/discontinue"),
            &cookie,
            format!("csrf={csrf}&reason={}", enc("rash")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = e.get(&base, &cookie).await;
    assert!(page.body.contains("med-status stopped"));
    assert!(
        !page.body.contains("id=\"dose-form\""),
        "a stopped order has no change forms"
    );
}

both_backends! {
    level => documented_level_reaches_the_check;
    prescribers_only => only_prescribers_prescribe;
    stop_and_override => the_stop_and_the_override;
    taper => taper_and_discontinue;
}
