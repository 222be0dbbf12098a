//! The medications pages on both backends: the prescribing form, the
//! safety check's stop shown in red with both drugs, why and the advice
//! (HTTP 422, input kept, nothing stored), the override with a reason, the
//! warnings on the placed order, the dose change with a taper schedule, and
//! discontinuing with a reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::*;

use axum::http::StatusCode;
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};

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
    let e = env(db, 29).await;
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
    let e = env(db, 29).await;
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
    let e = env(db, 29).await;
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
    let e = env(db, 29).await;
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

    // The patient's copy: from today, each step with the day it starts, in
    // words, down to the stop; printable.
    assert!(page.body.contains(&format!("href=\"{base}/schedule\"")));
    let sched = e.get(&format!("{base}/schedule"), &cookie).await;
    assert_eq!(sched.status, StatusCode::OK, "{}", sched.body);
    let rows: Vec<String> = near(&sched.body, "schedule", "</table>")
        .split("<tr")
        .skip(1)
        .map(|r| {
            // The row's text, its two cells joined by " | ".
            let mut text = String::new();
            let mut in_tag = false;
            let cells = &r[r.find("<th").expect("a row heading")..];
            for c in cells.replace("</th><td>", " | ").chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.trim().to_string()
        })
        .collect();
    assert_eq!(
        rows,
        [
            "Today to Saturday, November 28, 2026 | Take 100 mg once a day.",
            "Sunday, November 29, 2026 to Saturday, December 5, 2026 | Take 50 mg once a day.",
            "Sunday, December 6, 2026 to Saturday, December 12, 2026 | Take 25 mg once a day.",
            "From Sunday, December 13, 2026 | Stop taking sertraline. Do not take any more.",
        ],
        "{}",
        sched.body
    );
    assert!(sched.body.contains("Call or text 988"));
    assert!(sched.body.contains("data-print"));

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
    let sched = e.get(&format!("{base}/schedule"), &cookie).await;
    assert!(
        sched.body.contains("id=\"schedule-paused\""),
        "{}",
        sched.body
    );
    assert!(sched.body.contains("You have stopped taking sertraline"));
    assert!(!sched.body.contains("id=\"schedule\""));
}

both_backends! {
    level => documented_level_reaches_the_check;
    prescribers_only => only_prescribers_prescribe;
    stop_and_override => the_stop_and_the_override;
    taper => taper_and_discontinue;
}
