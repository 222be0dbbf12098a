//! The care plan over HTTP on both backends: FHIR `CarePlan` and `Goal`
//! (read, search, 403 off the care team, 404 unknown, each with an
//! OperationOutcome), and the pages: the editor refuses bad input with
//! messages next to the fields and the input kept, storing nothing; a saved
//! plan shows on the chart; signing; the comparison of two versions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;
use std::sync::Arc;
use tandem_app::{Actor, App, AuditFilter, Caller, NewAccount, Operator, Settings};
use tandem_core::audit::Channel;
use tandem_core::care_plan::{
    Comparator, Format, Frequency, Goal, GoalStatus, Modality, PlanBody, Problem, Scheduled,
    Setting, Target, Therapy,
};
use tandem_core::clock::FixedClock;
use tandem_core::entropy::SeededEntropy;
use tandem_core::ids::{GoalId, PatientId};
use tandem_core::patient::DemographicsInput;
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use tandem_web::{WebConfig, router};
use time::macros::{date, datetime};
use tower::ServiceExt;
use uuid::Uuid;

const PASSWORD: &str = "Correct-Horse-Battery-9";

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
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

async fn env(db: TestDb) -> Env {
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-22 09:00 UTC)));
    let app = App::with_store(
        db.store.clone(),
        clock.clone(),
        Arc::new(SeededEntropy::new(5)),
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

    async fn token(&self, username: &str) -> String {
        let op = Operator {
            name: "test".into(),
        };
        let t = self.app.issue_token(&op, username, None).await.unwrap();
        t.secret.expose().to_string()
    }

    async fn patient(&self, by: &Caller, family: &str) -> PatientId {
        let d = DemographicsInput {
            family_name: family.into(),
            given_names: "Ana".into(),
            birth_date: "1990-03-14".into(),
            sex_at_birth: "female".into(),
            ..Default::default()
        }
        .validate(date!(2026 - 11 - 22))
        .unwrap();
        self.app.register_patient(by, d).await.unwrap().id
    }

    async fn send(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
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

    async fn fhir(&self, token: &str, path: &str) -> Resp {
        let auth = format!("Bearer {token}");
        self.send(
            Method::GET,
            &format!("/fhir/r4/{path}"),
            &[("authorization", &auth)],
            String::new(),
        )
        .await
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
        r.headers
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }

    async fn page(&self, path: &str, cookie: &str) -> Resp {
        self.send(Method::GET, path, &[("cookie", cookie)], String::new())
            .await
    }

    async fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> Resp {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            Method::POST,
            path,
            &[
                ("cookie", cookie),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body,
        )
        .await
    }

    async fn csrf(&self, cookie: &str) -> String {
        let r = self.page("/patients", cookie).await;
        let i = r.body.find("name=\"csrf\" value=\"").expect("a form token") + 19;
        r.body[i..].split('"').next().unwrap().to_string()
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn body() -> PlanBody {
    PlanBody {
        problems: vec![Problem {
            text: "Low mood".into(),
            diagnosis: None,
        }],
        goals: vec![
            Goal {
                id: GoalId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001)),
                problem: 0,
                target: Target::Measurable {
                    instrument: "phq9".into(),
                    comparator: Comparator::Below,
                    value: 5,
                    due: date!(2027 - 02 - 01),
                },
                status: GoalStatus::Active,
            },
            Goal {
                id: GoalId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002)),
                problem: 0,
                target: Target::Smart {
                    text: "Walk three times a week".into(),
                    due: None,
                },
                status: GoalStatus::Proposed,
            },
        ],
        therapy: vec![Therapy {
            modality: Modality::Ipt,
            format: Format::Individual,
            setting: Setting::InPerson,
            frequency: Frequency::Weekly,
            clinician: None,
        }],
        medication: None,
        schedule: vec![Scheduled {
            instrument: "phq9".into(),
            every_weeks: 4,
        }],
        review_every_weeks: 8,
        shared_decisions: String::new(),
    }
}

fn outcome_says(r: &Resp, status: StatusCode) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.json()["resourceType"], "OperationOutcome", "{}", r.body);
}

/// CarePlan and Goal read and search, with their refusals.
async fn fhir_care_plans_and_goals(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    e.user("t_other", Role::Therapist).await;
    let auditor = e.user("audit_ray", Role::Auditor).await;
    let token = e.token("dr_lee").await;
    let other_token = e.token("t_other").await;
    let p = e.patient(&dr, "Rivera").await;
    let v = e
        .app
        .start_care_plan(&dr, p, body(), "Intake completed")
        .await
        .unwrap();
    let plan_id = v.plan.id;

    let r = e.fhir(&token, &format!("CarePlan/{plan_id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["status"], "draft");
    assert_eq!(j["meta"]["versionId"], "1");
    assert!(j.get("author").is_none(), "nobody signed yet");

    e.app.sign_care_plan(&dr, p, 1).await.unwrap();
    let j = e.fhir(&token, &format!("CarePlan/{plan_id}")).await.json();
    assert_eq!(j["status"], "active");
    assert_eq!(
        j["author"]["reference"],
        format!("Practitioner/{}", dr.actor.user_id)
    );

    let b = e
        .fhir(&token, &format!("CarePlan?patient={p}"))
        .await
        .json();
    assert_eq!(b["total"], 1);
    assert_eq!(b["entry"][0]["resource"]["id"], plan_id.to_string());
    let b = e
        .fhir(
            &token,
            &format!("CarePlan?subject=Patient/{p}&status=draft"),
        )
        .await
        .json();
    assert_eq!(b["total"], 0);
    outcome_says(
        &e.fhir(&token, &format!("CarePlan?patient={p}&status=finished"))
            .await,
        StatusCode::BAD_REQUEST,
    );

    let b = e.fhir(&token, &format!("Goal?patient={p}")).await.json();
    assert_eq!(b["total"], 2);
    let b = e
        .fhir(
            &token,
            &format!("Goal?patient={p}&lifecycle-status=proposed"),
        )
        .await
        .json();
    assert_eq!(b["total"], 1);
    assert_eq!(
        b["entry"][0]["resource"]["description"]["text"],
        "Walk three times a week"
    );
    let goal = &body().goals[0];
    let g = e.fhir(&token, &format!("Goal/{}", goal.id)).await;
    assert_eq!(g.status, StatusCode::OK, "{}", g.body);
    let g = g.json();
    // PHQ-9 total score: LOINC 44261-6 (clinical reference, section 1).
    assert_eq!(g["target"][0]["measure"]["coding"][0]["code"], "44261-6");
    assert_eq!(g["target"][0]["detailRange"]["high"]["value"], 4);
    assert_eq!(g["lifecycleStatus"], "active");

    outcome_says(
        &e.fhir(&token, "CarePlan/0190f000-0000-7000-8000-000000000000")
            .await,
        StatusCode::NOT_FOUND,
    );
    outcome_says(
        &e.fhir(&token, "Goal/0190f000-0000-7000-8000-000000000000")
            .await,
        StatusCode::NOT_FOUND,
    );
    outcome_says(
        &e.fhir(&other_token, &format!("CarePlan/{plan_id}")).await,
        StatusCode::FORBIDDEN,
    );
    outcome_says(
        &e.fhir(&other_token, &format!("Goal/{}", goal.id)).await,
        StatusCode::FORBIDDEN,
    );
    outcome_says(
        &e.fhir(&other_token, &format!("Goal?patient={p}")).await,
        StatusCode::FORBIDDEN,
    );
    let log = e
        .app
        .audit_view(
            &auditor,
            &AuditFilter {
                patient: Some(p),
                limit: 200,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let denied: Vec<String> = log
        .entries
        .iter()
        .filter(|x| x.record.outcome == "denied" && x.record.actor == "t_other")
        .map(|x| x.record.action.clone())
        .collect();
    assert!(denied.contains(&"care_plan.read".to_string()), "{denied:?}");
    assert!(denied.contains(&"goal.read".to_string()), "{denied:?}");

    let cs = e.fhir(&token, "metadata").await.json();
    let types: Vec<&str> = cs["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"CarePlan") && types.contains(&"Goal"));
}

/// The editor: a form without a reason or with an impossible target comes
/// back with the message next to the field and what was typed, and nothing
/// is stored; a good form makes version 1, shown on the chart and the plan
/// page with therapy and medication side by side.
async fn the_editor_keeps_input_and_stores_nothing_when_refused(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Okafor").await;
    let cookie = e.login("dr_lee").await;
    let csrf = e.csrf(&cookie).await;

    let empty = e.page(&format!("/patients/{p}/plan"), &cookie).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("no care plan yet"), "{}", empty.body);
    let chart = e.page(&format!("/patients/{p}"), &cookie).await;
    assert!(chart.body.contains("Start a care plan"));
    let form = e.page(&format!("/patients/{p}/plan/edit"), &cookie).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"goal_instrument_0\""));
    // PHQ-9 remission <5 is offered from the treat-to-target rules.
    assert!(form.body.contains("below 5 (remission)"), "{}", form.body);

    let dr_id = dr.actor.user_id.to_string();
    let base = |reason: &'static str, target: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", String::new()),
            ("based_on", "0".into()),
            ("reason", reason.into()),
            ("problem_text_0", "Panic on the bus".into()),
            ("problem_text_1", String::new()),
            ("goal_problem_0", "1".into()),
            ("goal_kind_0", "measurable".into()),
            ("goal_instrument_0", "phq9".into()),
            ("goal_comparator_0", "below".into()),
            ("goal_value_0", target.into()),
            ("goal_due_0", "2027-02-01".into()),
            ("goal_status_0", "active".into()),
            ("therapy_modality_0", "cbt".into()),
            ("therapy_format_0", "individual".into()),
            ("therapy_setting_0", "telehealth".into()),
            ("therapy_frequency_0", "weekly".into()),
            ("med_prescriber", String::new()),
            ("schedule_instrument_0", "phq9".into()),
            ("schedule_weeks_0", "4".into()),
            ("review_every_weeks", "8".into()),
            ("shared_decisions", "Prefers talking first".into()),
        ]
    };
    let post = async |fields: Vec<(&'static str, String)>, extra: &[(&str, &str)]| {
        let mut f: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| {
                if *k == "csrf" {
                    (*k, csrf.as_str())
                } else {
                    (*k, v.as_str())
                }
            })
            .collect();
        f.extend_from_slice(extra);
        e.post(&format!("/patients/{p}/plan"), &cookie, &f).await
    };

    let r = post(base("", "5"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"reason-err\""), "{}", r.body);
    assert!(r.body.contains("say why the plan changes"));
    assert!(r.body.contains("value=\"Panic on the bus\""), "input kept");
    assert!(r.body.contains("Prefers talking first"), "input kept");

    let r = post(base("Intake completed", "40"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("goal 1: the target must be between 0 and 27"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"40\""), "input kept");
    assert!(
        r.body
            .contains("<option value=\"1\" selected>1: Panic on the bus</option>"),
        "the goal keeps its problem"
    );
    assert!(
        e.app.care_plan(&dr, p).await.unwrap().is_none(),
        "nothing was stored"
    );

    let mut good = base("Intake completed", "5");
    good.retain(|(k, _)| *k != "med_prescriber");
    let r = post(
        good,
        &[
            ("med_prescriber", dr_id.as_str()),
            ("med_evaluation_on", "2026-12-01"),
            ("med_notes", "Consider sertraline"),
            // Words typed in a spare goal row with no instrument: kept as
            // a SMART goal.
            ("goal_problem_1", "1"),
            ("goal_kind_1", "measurable"),
            ("goal_text_1", "Ride the bus alone"),
            ("goal_status_1", "proposed"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let plan = e.page(&format!("/patients/{p}/plan"), &cookie).await;
    assert!(plan.body.contains("version 1"), "{}", plan.body);
    assert!(plan.body.contains("Draft"));
    assert!(
        plan.body
            .contains("CBT (cognitive behavioural therapy), individual, telehealth, weekly")
    );
    assert!(plan.body.contains("Prescriber: dr_lee name"));
    assert!(plan.body.contains("PHQ-9 below 5 by 2027-02-01"));
    assert!(plan.body.contains("Ride the bus alone"));
    assert!(
        plan.body
            .contains(&format!("href=\"/patients/{p}/plan/summary\""))
    );
    let chart = e.page(&format!("/patients/{p}"), &cookie).await;
    assert!(chart.body.contains("plan-card"), "{}", chart.body);
    assert!(chart.body.contains("Version 1"));

    e.user("t_other", Role::Therapist).await;
    let other = e.login("t_other").await;
    for path in ["plan", "plan/edit", "plan/versions"] {
        let r = e.page(&format!("/patients/{p}/{path}"), &other).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!r.body.contains("Panic on the bus"), "{path}");
    }
}

/// Signing needs the confirmation box; a signed version shows as signed;
/// a revision and the comparison page show both versions side by side with
/// the changed rows marked.
async fn signing_and_comparison_pages(db: TestDb) {
    let e = env(db).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Haddad").await;
    e.app
        .start_care_plan(&dr, p, body(), "Intake completed")
        .await
        .unwrap();
    let cookie = e.login("dr_lee").await;
    let csrf = e.csrf(&cookie).await;
    let sign = format!("/patients/{p}/plan/sign");
    let r = e
        .post(&sign, &cookie, &[("csrf", &csrf), ("version", "1")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"sign-err\""));
    let r = e
        .post(
            &sign,
            &cookie,
            &[("csrf", &csrf), ("version", "1"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = e.page(&format!("/patients/{p}/plan"), &cookie).await;
    assert!(page.body.contains("plan-signed"));
    assert!(page.body.contains("dr_lee name · 2026-11-22 09:00"));

    let r = e
        .post(
            &format!("/patients/{p}/plan/agreement"),
            &cookie,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("note", "Agreed in session"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let mut b = body();
    b.schedule[0].every_weeks = 2;
    e.app
        .revise_care_plan(&dr, p, 1, b, "Measure more often")
        .await
        .unwrap();
    let versions = e
        .page(&format!("/patients/{p}/plan/versions"), &cookie)
        .await;
    assert!(versions.body.contains("Measure more often"));
    assert!(versions.body.contains("Agreed in session"));
    let c = e
        .page(&format!("/patients/{p}/plan/compare?a=1&b=2"), &cookie)
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    assert!(c.body.contains("Version 1 and version 2"));
    assert!(c.body.contains("1 changed row"));
    let changed = c.body.find("class=\"changed\"").unwrap();
    let row = c.body[changed..].split("</tr>").next().unwrap();
    assert!(
        row.contains("every 4 weeks") && row.contains("every 2 weeks"),
        "{row}"
    );
    assert!(
        c.body.contains("Walk three times a week"),
        "unchanged rows shown too"
    );
    let bad = e
        .page(&format!("/patients/{p}/plan/compare?a=1&b=7"), &cookie)
        .await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
}

both_backends! {
    fhir => fhir_care_plans_and_goals;
    editor => the_editor_keeps_input_and_stores_nothing_when_refused;
    pages => signing_and_comparison_pages;
}
