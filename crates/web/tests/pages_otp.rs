//! The dosing page on both backends: it renders days in treatment, the
//! ceiling with its citation, the calendar and the sourced missed-doses
//! setting; a dose above the order comes back 422 with the message at the
//! field and the input kept, nothing stored; a dose, the criteria and a
//! take-home schedule are recorded through the forms; a therapist sees no
//! dose form.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::*;

use axum::http::StatusCode;
use tandem_app::{Caller, OrderOutcome};
use tandem_core::ids::MedicationOrderId;
use tandem_core::ids::PatientId;
use tandem_core::medication::prescription::{DocumentedFacts, NewOrder};
use tandem_core::medication::{Dose, FirstDay, Frequency, Route};
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use time::macros::date;

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
/// the missed-doses setting with its source; the dose form is prefilled with the order's
/// dose; a dose above the order comes back 422 with the message and the
/// input kept, and nothing is stored; a dose within it lands in the
/// calendar.
async fn page_and_dose_form(db: TestDb) {
    let e = env(db, 31).await;
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
    assert!(
        !page.body.contains("Unverified clinic setting"),
        "the missed-doses threshold has a source"
    );
    assert!(page.body.contains("National clinical guidelines"));
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
    let e = env(db, 31).await;
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
    let e = env(db, 31).await;
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
