//! The dosing log over FHIR on both backends: MedicationAdministration read
//! and searched by patient, status and day; a status Tandem does not record
//! and a caller off the care team answered with an OperationOutcome. Every
//! resource the API emits here is also written to TANDEM_FHIR_DUMP_DIR
//! (when set) for the independent R4 validator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::fhir::*;

use axum::http::StatusCode;
use tandem_app::{NewDose, OrderOutcome};
use tandem_core::medication::dosing::{Entry, Given, Part};
use tandem_core::medication::prescription::{DocumentedFacts, NewOrder};
use tandem_core::medication::{Dose, FirstDay, Frequency, Route};
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use time::macros::datetime;

/// An observed dose today, a split part yesterday and a missed day before,
/// recorded on a methadone order started five days ago; then read back.
async fn read_and_search(db: TestDb) {
    let e = env(db, 37).await;
    let tok = e.token("dr_lee", Role::Prescriber).await;
    let far = e.token("dr_far", Role::Prescriber).await;
    let pid = e.patient(&tok, "Rivera", None).await;
    let p = pid.parse().unwrap();
    let dr = e.app.authenticate_bearer(&tok).await.unwrap();
    let c = &e.app.medication_safety().catalog;
    let new = NewOrder {
        drug: c.drug(c.by_id("methadone").unwrap()).rxcui,
        daily_dose: Dose::mg(80.0).unwrap(),
        route: Route::Oral,
        frequency: Frequency::OnceDaily,
        sig: "Once a day at the clinic".into(),
        start: NOW.date() - time::Duration::days(5),
        indication: None,
        cross_taper: false,
        first_day: Some(FirstDay {
            total: Dose::mg(30.0).unwrap(),
            higher_dose_justified: false,
        }),
        induction: None,
        facts: DocumentedFacts::default(),
    };
    let OrderOutcome::Placed { order, .. } = e.app.place_order(&dr, p, &new, None).await.unwrap()
    else {
        panic!("stopped")
    };
    let day = |back: i64| NOW.date() - time::Duration::days(back);
    let given = |on, mg, part| NewDose {
        order: order.id,
        on,
        entry: Entry::Given {
            how: Given::Observed,
            amount: Dose::mg(mg).unwrap(),
            part,
        },
        given_at: None,
        note: String::new(),
    };
    let mut split = given(day(1), 40.0, Part::new(1, 2).unwrap());
    split.given_at = Some(datetime!(2026-11-21 08:00 UTC));
    let missed = NewDose {
        order: order.id,
        on: day(2),
        entry: Entry::Missed,
        given_at: None,
        note: "Did not come in".into(),
    };
    let today = e
        .app
        .record_dose(&dr, p, &given(day(0), 80.0, Part::WHOLE))
        .await
        .unwrap();
    e.app.record_dose(&dr, p, &split).await.unwrap();
    e.app.record_dose(&dr, p, &missed).await.unwrap();

    let r = e
        .get(&tok, &format!("MedicationAdministration?patient={pid}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.total(), 3);
    let r = e
        .get(
            &tok,
            &format!("MedicationAdministration?patient={pid}&status=not-done"),
        )
        .await;
    let entries = r.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["status"], "not-done");
    assert_eq!(entries[0]["statusReason"][0]["text"], "Did not come in");
    assert_eq!(entries[0]["effectiveDateTime"], "2026-11-20");
    let r = e
        .get(
            &tok,
            &format!("MedicationAdministration?patient={pid}&effective-time=2026-11-21"),
        )
        .await;
    let entries = r.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["dosage"]["text"], "Observed, split part 1 of 2");
    assert_eq!(entries[0]["dosage"]["dose"]["value"], 40);
    assert_eq!(entries[0]["effectiveDateTime"], "2026-11-21T08:00:00Z");

    let r = e
        .get(
            &tok,
            &format!("MedicationAdministration/{}", today.record.id),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "completed");
    assert_eq!(
        v["request"]["reference"],
        format!("MedicationRequest/{}", order.id)
    );
    assert_eq!(
        v["performer"][0]["actor"]["reference"],
        format!("Practitioner/{}", dr.actor.user_id)
    );
    assert_eq!(v["medicationCodeableConcept"]["coding"][0]["code"], "6813");
    assert_eq!(v["dosage"]["dose"]["code"], "mg");

    let r = e
        .get(
            &tok,
            &format!("MedicationAdministration?patient={pid}&status=active"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.expressions(), ["status"]);
    let r = e
        .get(
            &far,
            &format!("MedicationAdministration/{}", today.record.id),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["resourceType"], "OperationOutcome");
    let r = e
        .get(&far, &format!("MedicationAdministration?patient={pid}"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = e.get(&tok, "MedicationAdministration/not-an-id").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

both_backends! {
    read_search => read_and_search;
}
