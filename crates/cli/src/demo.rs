//! `tandem demo`: a synthetic clinic to click through. Every name, date and
//! number is made up; phone numbers use the fictional 555-01xx range.

use crate::open;
use anyhow::{Result, bail};
use std::net::SocketAddr;
use tandem_app::synthetic::{self, Course, Plan};
use tandem_app::{Actor, App, Caller, NewAccount, Operator, Source, Submission, User};
use tandem_core::audit::Channel;
use tandem_core::entropy::SeededEntropy;
use tandem_core::patient::DemographicsInput;
use tandem_core::role::Role;
use time::{Duration, OffsetDateTime};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "tandem-demo-password";

const STAFF: [(&str, Role, &str); 9] = [
    ("admin", Role::Admin, "Alex Morgan"),
    ("desk_amy", Role::FrontDesk, "Amy Chen"),
    ("t_kim", Role::Therapist, "Jordan Kim, LCSW"),
    ("t_ortiz", Role::Therapist, "Rosa Ortiz, PhD"),
    ("dr_lee", Role::Prescriber, "Dr. Maya Lee"),
    ("np_patel", Role::Prescriber, "Priya Patel, PMHNP"),
    ("n_park", Role::Nurse, "Sam Park, RN"),
    ("cm_jones", Role::CareManager, "Dana Jones"),
    ("audit_ray", Role::Auditor, "Ray Brooks"),
];

// The demo's names are the first ones of the synthetic lists, so existing
// demo clinics keep their patients' names.
const GIVEN_F: &[&str] = tandem_app::synthetic::GIVEN_F.split_at(20).0;
const GIVEN_M: &[&str] = tandem_app::synthetic::GIVEN_M.split_at(20).0;
const FAMILY: &[&str] = tandem_app::synthetic::FAMILY.split_at(30).0;
const STREETS: [&str; 8] = [
    "Maple Ave",
    "Cedar St",
    "Lincoln Rd",
    "Oak Ln",
    "River Dr",
    "Mission Blvd",
    "Elm St",
    "Sunset Way",
];
const CITIES: [(&str, &str, &str); 4] = [
    ("Springfield", "IL", "62701"),
    ("Riverton", "WY", "82501"),
    ("Fairview", "OR", "97024"),
    ("Salem", "MA", "01970"),
];
const LANGS: [&str; 10] = ["en", "en", "en", "en", "en", "en", "es", "es", "vi", "zh"];

fn caller(u: &User) -> Caller {
    Caller {
        actor: Actor {
            org: u.org,
            user_id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
        },
        channel: Channel::Cli,
    }
}

/// Wipes the demo database (SQLite) and fills it with a synthetic clinic.
pub async fn create(url: &str) -> Result<App> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    let app = open(url).await?;
    let op = Operator {
        name: "demo".into(),
    };
    let mut staff = Vec::new();
    for (username, role, name) in STAFF {
        let account = NewAccount {
            username: username.into(),
            display_name: Some(name.into()),
            role,
            password: DEMO_PASSWORD.into(),
        };
        match app.add_user_as_operator(&op, account).await {
            Ok(u) => staff.push(u),
            Err(tandem_app::AppError::Invalid(_)) => {
                bail!(
                    "{url} already holds a clinic; the demo needs an empty database (SQLite demo files are re-created)"
                )
            }
            Err(e) => return Err(e.into()),
        }
    }
    let by = |name: &str| staff.iter().find(|u| u.username == name).cloned();
    let (Some(t_kim), Some(t_ortiz), Some(dr_lee), Some(np_patel), Some(n_park), Some(cm_jones)) = (
        by("t_kim"),
        by("t_ortiz"),
        by("dr_lee"),
        by("np_patel"),
        by("n_park"),
        by("cm_jones"),
    ) else {
        bail!("demo staff missing");
    };
    let rng = SeededEntropy::new(2026);
    // Scores come from their own generator, so the people stay the same.
    let scores = SeededEntropy::new(2027);
    let today = app.clock().today();
    let therapists = [&t_kim, &t_ortiz];
    let prescribers = [&dr_lee, &np_patel];
    let mut clinic = Vec::new();
    for i in 0..60 {
        let female = rng.below(2) == 0;
        let given = if female {
            GIVEN_F[rng.below(GIVEN_F.len())]
        } else {
            GIVEN_M[rng.below(GIVEN_M.len())]
        };
        let family = FAMILY[rng.below(FAMILY.len())];
        let year = 1955 + rng.below(50) as i32;
        let (city, state, zip) = CITIES[rng.below(CITIES.len())];
        let input = DemographicsInput {
            family_name: family.into(),
            given_names: given.into(),
            preferred_name: if rng.below(6) == 0 {
                given.chars().take(3).collect()
            } else {
                String::new()
            },
            birth_date: format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
            sex_at_birth: if female { "female" } else { "male" }.into(),
            pronouns: match rng.below(10) {
                0 => "they/them".into(),
                1..=4 => if female { "she/her" } else { "he/him" }.into(),
                _ => String::new(),
            },
            preferred_language: LANGS[rng.below(LANGS.len())].into(),
            phone: format!("555-01{:02}", rng.below(100)),
            address_line: format!(
                "{} {}",
                100 + rng.below(9800),
                STREETS[rng.below(STREETS.len())]
            ),
            city: city.into(),
            state: state.into(),
            postal_code: zip.into(),
            emergency_name: if rng.below(3) > 0 {
                format!("{} {family}", GIVEN_F[rng.below(GIVEN_F.len())])
            } else {
                String::new()
            },
            emergency_relationship: "family".into(),
            emergency_phone: format!("555-01{:02}", rng.below(100)),
            ..Default::default()
        };
        let mut input = input;
        if input.emergency_name.is_empty() {
            input.emergency_relationship.clear();
            input.emergency_phone.clear();
        }
        let d = input
            .validate(today)
            .map_err(|e| anyhow::anyhow!("demo patient {i}: {e}"))?;
        // Most patients get therapy and medication together; some one of them.
        let therapist = therapists[i % 2];
        let prescriber = prescribers[(i / 2) % 2];
        let registrar = if i % 5 == 4 { prescriber } else { therapist };
        let p = app.register_patient(&caller(registrar), d).await?;
        let reg = caller(registrar);
        if i % 5 != 3 && registrar.id != prescriber.id {
            app.add_care_team_member(&reg, p.id, prescriber.id, None)
                .await?;
        }
        if i % 5 == 4 && i % 10 != 9 {
            app.add_care_team_member(&reg, p.id, therapist.id, None)
                .await?;
        }
        if i % 3 == 0 {
            app.add_care_team_member(&reg, p.id, cm_jones.id, None)
                .await?;
        }
        if i % 7 == 0 {
            app.add_care_team_member(&reg, p.id, n_park.id, None)
                .await?;
        }
        let mut first_measured = None;
        if let Some(plan) = plan(i, &scores) {
            for sub in history(i, &plan, app.now(), &scores) {
                first_measured.get_or_insert(sub.authored.date());
                app.record_response(&reg, p.id, sub).await?;
            }
        }
        clinic.push(crate::demo_care::DemoPatient {
            index: i,
            id: p.id,
            clinician: reg,
            first_measured,
        });
    }
    crate::demo_care::stages(&app, &clinic, &caller(&dr_lee), &caller(&n_park)).await?;
    app.sweep_overdue().await?;
    Ok(app)
}

/// Patients with a history: most of the clinic; every sixth is new and
/// not measured yet.
fn plan(i: usize, rng: &SeededEntropy) -> Option<Plan> {
    if i % 6 == 5 {
        return None;
    }
    // Every kind of course, and a few of each flag: one worsening patient,
    // one positive item 9 at the last visit, several who stopped coming.
    let course = match i {
        7 => Course::Worsening,
        12 => Course::NotImproving,
        _ => [
            Course::Remission,
            Course::Response,
            Course::NotImproving,
            Course::LateResponse,
            Course::Response,
            Course::Remission,
            Course::NotImproving,
        ][i % 7],
    };
    let baseline = match course {
        Course::Worsening => 10,
        Course::NotImproving => 14 + rng.below(7) as i32,
        _ => 12 + rng.below(10) as i32,
    };
    // Measured every two weeks for six months to a year.
    let measures = 13 + rng.below(14) as i64;
    let mut p = Plan::new(course, baseline, measures, 2, rng);
    if [3, 16, 28, 40, 50].contains(&i) {
        p.stopped_weeks = 6 + rng.below(5) as i64;
    }
    p.recent_item9 = i == 12;
    p.early_item9 = i == 20;
    Some(p)
}

/// The PHQ-9 and GAD-7 of the plan, plus for some patients an AUDIT-C
/// every three months, a monthly PCL-5, and after the positive item 9 a
/// C-SSRS screen at low risk.
fn history(i: usize, plan: &Plan, now: OffsetDateTime, rng: &SeededEntropy) -> Vec<Submission> {
    let mut out = plan.history(now, rng);
    let visits: Vec<OffsetDateTime> = out
        .iter()
        .filter(|s| s.instrument == "phq9")
        .map(|s| s.authored)
        .collect();
    let extra = |instrument: &str, answers, at: OffsetDateTime| Submission {
        instrument: instrument.into(),
        answers,
        authored: at + Duration::minutes(6),
        source: Source::Seed,
    };
    if i % 10 == 2 {
        for (k, at) in visits.iter().enumerate().filter(|(k, _)| k % 6 == 0) {
            let total = 7usize.saturating_sub(k / 3).max(2) as u8;
            out.push(extra("auditc", synthetic::items(3, 4, total, rng), *at));
        }
    }
    if i % 12 == 4 {
        for (k, at) in visits.iter().enumerate().filter(|(k, _)| k % 2 == 0) {
            let total = 48u8.saturating_sub(2 * k as u8).max(18);
            out.push(extra("pcl5", synthetic::items(20, 4, total, rng), *at));
        }
    }
    if plan.recent_item9
        && let Some(at) = visits.last()
    {
        let answers = [("1", "yes"), ("2", "no"), ("6", "no")]
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        out.push(extra("cssrs", answers, *at));
    }
    out.sort_by_key(|s| s.authored);
    out
}

pub fn banner(bind: SocketAddr) -> String {
    let mut s = format!(
        "\nTandem demo clinic is ready: http://{bind}\n\nSign in with any of these accounts (password: {DEMO_PASSWORD}):\n"
    );
    for (u, r, n) in STAFF {
        s.push_str(&format!("  {u:<10} {:<13} {n}\n", r.label()));
    }
    s.push_str("\nAll people and data are synthetic. Press Ctrl-C to stop.\n");
    s
}
