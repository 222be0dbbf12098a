//! The dosing page on both backends: it renders days in treatment, the
//! ceiling with its citation, the calendar and the unverified missed-doses
//! setting; a dose above the order comes back 422 with the message at the
//! field and the input kept, nothing stored; a dose, the criteria and a
//! take-home schedule are recorded through the forms; a therapist sees no
//! dose form.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use std::sync::Arc;
use tandem_app::{Actor, App, Caller, NewAccount, Operator, OrderOutcome, Settings};
use tandem_core::audit::Channel;
use tandem_core::clock::FixedClock;
use tandem_core::entropy::SeededEntropy;
use tandem_core::ids::MedicationOrderId;
use tandem_core::ids::PatientId;
use tandem_core::medication::prescription::{DocumentedFacts, NewOrder};
use tandem_core::medication::{Dose, FirstDay, Frequency, Route};
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
        Arc::new(SeededEntropy::new(31)),
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

/// A methadone (or buprenorphine) order of `mg` a day started `ago` days ago.
async fn order(
    e: &Env,
    dr: &Caller,
    p: PatientId,
    drug: &str,
    mg: f64,
    ago: i64,
) -> MedicationOrderId {
    let c = &e.app.medication_safety().catalog;
    let o = NewOrder {
        drug: c.drug(c.by_id(drug).unwrap()).rxcui,
        daily_dose: Dose::mg(mg).unwrap(),
        route: if drug == "methadone" {
            Route::Oral
        } else {
            Route::Sublingual
        },
        frequency: Frequency::OnceDaily,
        sig: "Once a day at the clinic".into(),
        start: date!(2026 - 11 - 22) - time::Duration::days(ago),
        indication: None,
        cross_taper: false,
        first_day: (drug == "methadone").then(|| FirstDay {
            total: Dose::mg(30.0).unwrap(),
            higher_dose_justified: false,
        }),
        induction: None,
        facts: DocumentedFacts::default(),
    };
    match e.app.place_order(dr, p, &o, None).await.unwrap() {
        OrderOutcome::Placed { order, .. } => order.id,
        OrderOutcome::Stopped { .. } => panic!("stopped"),
    }
}

/// The page shows the day in treatment, the ceiling with its citation and
/// the unverified setting; the dose form is prefilled with the order's
/// dose; a dose above the order comes back 422 with the message and the
/// input kept, and nothing is stored; a dose within it lands in the
/// calendar.
async fn page_and_dose_form(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let nurse = e.user("rn_ola", Role::Nurse).await;
    let p = e.patient(&dr, "Rivera", "Ana", &[&nurse]).await;
    let o = order(&e, &dr, p, "methadone", 60.0, 15).await;
    let cookie = e.login("rn_ola").await;
    let csrf = e.csrf(&cookie).await;

    let chart = e.get(&format!("/patients/{p}"), &cookie).await;
    assert!(chart.body.contains(&format!("href=\"/patients/{p}/otp\"")));
    let page = e.get(&format!("/patients/{p}/otp"), &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("day 15"), "days in treatment");
    assert!(page.body.contains("At most 14 take-home days"));
    assert!(page.body.contains("42 CFR 8.12(i)(3)"));
    assert!(page.body.contains("Unverified clinic setting"));
    assert!(page.body.contains(&format!(
        "id=\"amount-{o}\" name=\"amount\" inputmode=\"decimal\" value=\"60\""
    )));
    assert!(
        !page.body.contains(&format!("id=\"criteria-form-{o}\"")),
        "a nurse grants no take-home"
    );

    let form = |amount: &str, note: &str| {
        format!(
            "csrf={csrf}&order={o}&unit=mg&on=2026-11-22&kind=observed&amount={amount}&part=1&parts=1&time=08%3A30&note={note}"
        )
    };
    let r = e
        .post(
            &format!("/patients/{p}/otp/dose"),
            &cookie,
            form("75", "came+early"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("75 mg is more than the order&#39;s dose in force on this day (60 mg)")
            || r.body
                .contains("75 mg is more than the order's dose in force on this day (60 mg)"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"came early\""), "input kept");
    assert!(
        e.app
            .search_doses(&nurse, p, None, None)
            .await
            .unwrap()
            .is_empty()
    );

    let r = e
        .post(&format!("/patients/{p}/otp/dose"), &cookie, form("60", ""))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = e.get(&format!("/patients/{p}/otp"), &cookie).await;
    assert!(
        page.body.contains("otp-day observed today"),
        "{}",
        page.body
    );
    assert!(page.body.contains("60 mg · Observed"));

    // A missed day without a token is refused.
    let r = e
        .post(
            &format!("/patients/{p}/otp/dose"),
            &cookie,
            format!("order={o}&on=2026-11-21&kind=missed"),
        )
        .await;
    assert_ne!(r.status, StatusCode::SEE_OTHER);
}

/// The prescriber documents the criteria (a missing answer comes back 422
/// with the typed answers kept) and grants a schedule within the ceiling;
/// one above it comes back 422 naming the ceiling.
async fn criteria_and_schedule_forms(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Rivera", "Ana", &[]).await;
    let o = order(&e, &dr, p, "methadone", 60.0, 14).await;
    let cookie = e.login("dr_lee").await;
    let csrf = e.csrf(&cookie).await;
    let ids: Vec<String> = e
        .app
        .medication_safety()
        .take_home
        .criteria
        .items
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let mut partial = format!("csrf={csrf}&order={o}");
    for id in &ids[..5] {
        partial.push_str(&format!("&met_{id}=met&note_{id}=ok"));
    }
    let r = e
        .post(
            &format!("/patients/{p}/otp/criteria"),
            &cookie,
            partial.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(
            "Any other factor the practitioner judges relevant: say whether this criterion is met"
        ),
        "{}",
        r.body
    );
    assert!(r.body.contains(&format!("name=\"met_{}\" value=\"met\" aria-label=\"No active substance use or other condition that raises the risk of harm: met\" checked", ids[0])), "answers kept");

    let full = format!("{partial}&met_{0}=met&note_{0}=none", ids[5]);
    let r = e
        .post(&format!("/patients/{p}/otp/criteria"), &cookie, full)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let eight: Vec<String> = (23..=30).map(|d| format!("2026-11-{d}")).collect();
    let r = e
        .post(
            &format!("/patients/{p}/otp/take-home"),
            &cookie,
            format!("csrf={csrf}&order={o}&dates={}", enc(&eight.join("\n"))),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("8 take-home days on day 14 of treatment is above the ceiling of 7"),
        "{}",
        r.body
    );
    assert!(r.body.contains("2026-11-30</textarea>"), "dates kept");

    let r = e
        .post(
            &format!("/patients/{p}/otp/take-home"),
            &cookie,
            format!(
                "csrf={csrf}&order={o}&dates={}&closure_dates=2026-11-30",
                enc(&eight[..7].join("\n"))
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = e.get(&format!("/patients/{p}/otp"), &cookie).await;
    assert!(
        page.body
            .contains("2026-11-30 <span class=\"muted\">(clinic closed)</span>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("6 of 6 met"));
}

/// A therapist on the team reads the page without the dose form; a
/// buprenorphine order says the ceilings do not apply.
async fn therapist_reads_and_buprenorphine(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let t = e.user("t_kim", Role::Therapist).await;
    let p = e.patient(&dr, "Rivera", "Ana", &[&t]).await;
    let o = order(&e, &dr, p, "buprenorphine", 16.0, 3).await;
    let cookie = e.login("t_kim").await;
    let page = e.get(&format!("/patients/{p}/otp"), &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("The take-home ceilings do not apply to buprenorphine")
    );
    assert!(!page.body.contains(&format!("id=\"dose-form-{o}\"")));
}

both_backends! {
    page_and_dose => page_and_dose_form;
    criteria_and_schedule => criteria_and_schedule_forms;
    therapist_and_buprenorphine => therapist_reads_and_buprenorphine;
}
