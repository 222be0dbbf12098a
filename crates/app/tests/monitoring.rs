//! Medication monitoring on both backends: lab results judged against the
//! content's ranges (edges inclusive), urine drug screens feeding the
//! naltrexone prerequisite of the order check both ways, side effects and
//! adherence recorded against an order and listed, bad input storing
//! nothing, and access off the care team refused and audited.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::*;

use tandem_app::{AppError, Caller, Forbidden, LabObservation, MedicationOrder, OrderOutcome};
use tandem_core::ids::PatientId;
use tandem_core::medication::prescription::{DocumentedFacts, NewOrder};
use tandem_core::medication::{Dose, Frequency, Route};
use tandem_core::monitoring::{
    AdherenceInput, Analyte, Effect, LabInput, RangeReading, Reporter, ScreenInput, Severity,
    SideEffectInput,
};
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use time::Date;
use time::macros::date;

impl World {
    fn order(&self, drug: &str, mg: f64) -> NewOrder {
        NewOrder {
            drug: self.rx(drug),
            daily_dose: Dose::mg(mg).unwrap(),
            route: Route::Oral,
            frequency: Frequency::OnceDaily,
            sig: format!("Take {mg} mg by mouth once a day"),
            start: TODAY,
            indication: None,
            cross_taper: false,
            first_day: None,
            induction: None,
            facts: DocumentedFacts::default(),
        }
    }

    async fn place(&self, by: &Caller, p: PatientId, o: &NewOrder) -> MedicationOrder {
        match self.app.place_order(by, p, o, None).await.unwrap() {
            OrderOutcome::Placed { order, .. } => *order,
            OrderOutcome::Stopped { contraindications } => {
                panic!("stopped: {contraindications:?}")
            }
        }
    }
}

fn invalid_fields(e: AppError) -> Vec<&'static str> {
    match e {
        AppError::Invalid(v) => v.0.iter().map(|f| f.field).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn lab(analyte: &str, value: &str) -> LabInput {
    LabInput {
        analyte: analyte.into(),
        value: value.into(),
        effective: "2026-11-22T08:00".into(),
    }
}

fn screen(pairs: &[(&str, &str)]) -> ScreenInput {
    ScreenInput {
        collected: "2026-11-22T08:15".into(),
        results: pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    }
}

/// Lithium levels at 0.6 and 1.2 are in range (the content's wording is
/// "0.6–1.2"), 1.3 is high and 0.5 low; each is read back with the range
/// and its source, and a creatinine clearance has no range to judge.
async fn lab_results_are_judged_against_the_content_range(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let mut readings = Vec::new();
    for v in ["0.6", "1.2", "1.3", "0.5"] {
        let r = w.app.record_lab(&dr, p, &lab("lithium", v)).await.unwrap();
        readings.push(r.reading);
    }
    assert_eq!(
        readings,
        vec![
            Some(RangeReading::InRange),
            Some(RangeReading::InRange),
            Some(RangeReading::High),
            Some(RangeReading::Low)
        ]
    );
    let v = w
        .app
        .record_lab(&dr, p, &lab("valproate", "100"))
        .await
        .unwrap();
    assert_eq!(v.reading, Some(RangeReading::InRange));
    let c = w
        .app
        .record_lab(&dr, p, &lab("creatinine-clearance", "45"))
        .await
        .unwrap();
    assert_eq!(c.reading, None);

    let view = w.app.medication_monitoring(&dr, p).await.unwrap();
    assert_eq!(view.labs.len(), 6);
    let li: Vec<&tandem_app::LabResult> = view
        .labs
        .iter()
        .filter(|l| l.analyte == Analyte::Lithium)
        .collect();
    assert_eq!(li.len(), 4);
    let high = li.iter().find(|l| l.value == 1.3).unwrap();
    assert!(high.out_of_range());
    let range = high.range.as_ref().unwrap();
    assert_eq!((range.low, range.high), (0.6, 1.2));
    assert!(range.source.contains("REFERENCE"));
    assert!(!li.iter().find(|l| l.value == 1.2).unwrap().out_of_range());

    // Read back one by one, as the FHIR API does.
    match w.app.read_lab_observation(&dr, high.id.0).await.unwrap() {
        LabObservation::Lab(l) => assert_eq!(l.reading, Some(RangeReading::High)),
        other => panic!("expected a lab, got {other:?}"),
    }
    let audit = w.audit(p).await;
    assert!(
        audit.iter().any(|e| e.record.action == "lab.record"
            && e.record.detail.as_deref() == Some("lithium (High)"))
    );
    assert!(audit.iter().any(|e| e.record.action == "lab.read"));
}

/// A recorded positive opioid screen stops naltrexone; after a negative
/// screen (opioids and fentanyl negative) with no other barrier it is placed.
async fn recorded_screens_feed_the_naltrexone_check(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let nal = w.order("naltrexone", 50.0);

    let s = w
        .app
        .record_drug_screen(
            &dr,
            p,
            &screen(&[("opioids", "negative"), ("fentanyl", "positive")]),
        )
        .await
        .unwrap();
    assert!(tandem_app::opioid_positive(&s));
    match w.app.place_order(&dr, p, &nal, None).await.unwrap() {
        OrderOutcome::Stopped { contraindications } => {
            assert_eq!(
                contraindications[0].rule_id,
                "naltrexone_positive_opioid_screen"
            );
        }
        OrderOutcome::Placed { .. } => panic!("naltrexone placed after a positive screen"),
    }

    // A later negative screen is the latest: the order goes through.
    w.clock.advance(time::Duration::hours(2));
    let neg = ScreenInput {
        collected: "2026-11-22T10:30".into(),
        ..screen(&[
            ("opioids", "negative"),
            ("fentanyl", "negative"),
            ("cannabis", "positive"),
        ])
    };
    w.app.record_drug_screen(&dr, p, &neg).await.unwrap();
    match w.app.place_order(&dr, p, &nal, None).await.unwrap() {
        OrderOutcome::Placed { issues, .. } => {
            assert!(
                issues
                    .iter()
                    .any(|i| i.rule_id == "naltrexone_negative_screen_accepted")
            );
        }
        OrderOutcome::Stopped { contraindications } => {
            panic!("stopped after a negative screen: {contraindications:?}")
        }
    }
}

/// With no screen recorded, the screen the prescriber typed on the order
/// still counts.
async fn typed_screen_is_the_fallback(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let mut nal = w.order("naltrexone", 50.0);
    nal.facts.opioid_screen = Some((TODAY, true));
    assert!(matches!(
        w.app.place_order(&dr, p, &nal, None).await.unwrap(),
        OrderOutcome::Stopped { .. }
    ));
    nal.facts.opioid_screen = Some((TODAY, false));
    assert!(matches!(
        w.app.place_order(&dr, p, &nal, None).await.unwrap(),
        OrderOutcome::Placed { .. }
    ));
}

/// A recorded lithium level above the range warns on a new lithium order.
async fn recorded_level_warns_on_a_new_order(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    w.app
        .record_lab(&dr, p, &lab("lithium", "1.4"))
        .await
        .unwrap();
    let OrderOutcome::Placed { issues, .. } = w
        .app
        .place_order(&dr, p, &w.order("lithium", 900.0), None)
        .await
        .unwrap()
    else {
        panic!("lithium stopped")
    };
    assert!(issues.iter().any(|i| i.rule_id == "lithium_level"));
}

/// Side effects and adherence are recorded against an order and listed
/// over time; adherence is taken ÷ expected from the order's frequency.
async fn side_effects_and_adherence_are_listed(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let mut o = w.order("sertraline", 50.0);
    o.frequency = Frequency::TwiceDaily;
    let order = w.place(&dr, p, &o).await;
    let fx = w
        .app
        .record_side_effects(
            &dr,
            p,
            order.id,
            &SideEffectInput {
                noted_on: "2026-11-20".into(),
                listed: vec![
                    ("nausea".into(), "moderate".into()),
                    ("headache".into(), String::new()),
                ],
                other: "vivid dreams".into(),
                other_severity: "mild".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(fx.len(), 2);
    let a = w
        .app
        .record_adherence(
            &dr,
            p,
            order.id,
            &AdherenceInput {
                week_ending: "2026-11-22".into(),
                missed: "1".into(),
                reporter: "patient".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(a.adherence.expected(), 14);
    assert_eq!(a.adherence.percent(), 93);

    let view = w.app.medication_monitoring(&dr, p).await.unwrap();
    let effects: Vec<(String, Severity, Date, String)> = view
        .side_effects
        .iter()
        .map(|e| {
            (
                e.effect.label().to_string(),
                e.severity,
                e.noted_on,
                e.drug_name.clone(),
            )
        })
        .collect();
    assert_eq!(
        effects,
        vec![
            (
                "Nausea (feeling sick to your stomach)".to_string(),
                Severity::Moderate,
                date!(2026 - 11 - 20),
                "sertraline".to_string()
            ),
            (
                "vivid dreams".to_string(),
                Severity::Mild,
                date!(2026 - 11 - 20),
                "sertraline".to_string()
            ),
        ]
    );
    assert!(matches!(
        &view.side_effects[0].effect,
        Effect::Listed { code, .. } if code == "nausea"
    ));
    assert_eq!(view.adherence.len(), 1);
    assert_eq!(view.adherence[0].reporter, Reporter::Patient);
    assert_eq!(view.adherence[0].adherence.percent(), 93);
}

/// Bad input names its field and stores nothing.
async fn bad_input_stores_nothing(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let order = w.place(&dr, p, &w.order("sertraline", 50.0)).await;
    let e = w
        .app
        .record_lab(&dr, p, &lab("lithium", "-1"))
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(e), ["value"]);
    let e = w
        .app
        .record_lab(
            &dr,
            p,
            &LabInput {
                effective: "2026-11-23T08:00".into(),
                ..lab("lithium", "0.8")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(e), ["effective"]);
    let e = w
        .app
        .record_drug_screen(&dr, p, &screen(&[("opioids", "maybe")]))
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(e), ["opioids"]);
    let e = w
        .app
        .record_adherence(
            &dr,
            p,
            order.id,
            &AdherenceInput {
                week_ending: "2026-11-22".into(),
                missed: "8".into(),
                reporter: "clinician".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(e), ["missed"]);
    let e = w
        .app
        .record_side_effects(
            &dr,
            p,
            order.id,
            &SideEffectInput {
                noted_on: "2026-11-22".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(e), ["listed"]);
    // Akathisia is on the antipsychotic checklist, not on sertraline's.
    let e = w
        .app
        .record_side_effects(
            &dr,
            p,
            order.id,
            &SideEffectInput {
                noted_on: "2026-11-22".into(),
                listed: vec![("akathisia".into(), "mild".into())],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(e), ["listed"]);
    // An order of another patient is not this patient's.
    let q = w.patient(&dr).await;
    let other = w.place(&dr, q, &w.order("sertraline", 50.0)).await;
    let e = w
        .app
        .record_adherence(
            &dr,
            p,
            other.id,
            &AdherenceInput {
                week_ending: "2026-11-22".into(),
                missed: "0".into(),
                reporter: "clinician".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(e), ["order"]);

    let view = w.app.medication_monitoring(&dr, p).await.unwrap();
    assert!(view.labs.is_empty());
    assert!(view.screens.is_empty());
    assert!(view.side_effects.is_empty());
    assert!(view.adherence.is_empty());
    let audit = w.audit(p).await;
    assert!(!audit.iter().any(|e| e.record.action.ends_with(".record")));
}

/// A clinician off the care team can neither record nor read, and each
/// refusal is audited as denied.
async fn outside_care_team_is_denied_and_audited(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let own = w
        .app
        .record_lab(&dr, p, &lab("lithium", "0.9"))
        .await
        .unwrap();
    let other = w.user("dr_far", Role::Prescriber).await;
    let e = w
        .app
        .record_lab(&other, p, &lab("lithium", "0.9"))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(Forbidden::NotOnCareTeam)));
    let e = w.app.medication_monitoring(&other, p).await.unwrap_err();
    assert!(matches!(e, AppError::Forbidden(Forbidden::NotOnCareTeam)));
    let e = w
        .app
        .read_lab_observation(&other, own.id.0)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(Forbidden::NotOnCareTeam)));
    let e = w.app.lab_observations(&other, p).await.unwrap_err();
    assert!(matches!(e, AppError::Forbidden(Forbidden::NotOnCareTeam)));
    let audit = w.audit(p).await;
    let denied: Vec<&str> = audit
        .iter()
        .filter(|e| e.record.outcome == "denied")
        .map(|e| e.record.action.as_str())
        .collect();
    assert_eq!(
        denied,
        ["lab.record", "monitoring.view", "lab.read", "lab.search"]
    );
    assert_eq!(
        w.app
            .medication_monitoring(&dr, p)
            .await
            .unwrap()
            .labs
            .len(),
        1
    );
}

/// On clozapine the page reminds when the next ANC is due, by the
/// prescribing information's schedule: on the start date with no count,
/// then a week after the latest count in the first months; two days after
/// a count in mild neutropenia.
async fn clozapine_anc_reminder_follows_the_label_schedule(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    assert!(
        w.app
            .medication_monitoring(&dr, p)
            .await
            .unwrap()
            .anc
            .is_none()
    );
    let mut o = w.order("clozapine", 12.5);
    o.start = date!(2026 - 11 - 15);
    match w
        .app
        .place_order(&dr, p, &o, Some("treatment-resistant; started by the team"))
        .await
        .unwrap()
    {
        OrderOutcome::Placed { .. } => {}
        OrderOutcome::Stopped { contraindications } => panic!("{contraindications:?}"),
    }
    let anc = w
        .app
        .medication_monitoring(&dr, p)
        .await
        .unwrap()
        .anc
        .unwrap();
    assert_eq!(anc.due_on, date!(2026 - 11 - 15));
    assert!(anc.overdue);
    assert!(anc.verified, "the schedule comes from the label");
    assert!(anc.why.contains("baseline"), "{}", anc.why);
    let count = async |value: &str, at: &str| {
        w.app
            .record_lab(
                &dr,
                p,
                &LabInput {
                    analyte: "anc".into(),
                    value: value.into(),
                    effective: at.into(),
                },
            )
            .await
            .unwrap();
        w.app
            .medication_monitoring(&dr, p)
            .await
            .unwrap()
            .anc
            .unwrap()
    };
    let anc = count("2100", "2026-11-20T08:00").await;
    assert_eq!(anc.due_on, date!(2026 - 11 - 27));
    assert!(!anc.overdue);
    assert!(anc.why.contains("weekly"), "{}", anc.why);
    assert!(!anc.below_range());
    let anc = count("1400", "2026-11-21T08:00").await;
    assert_eq!(anc.due_on, date!(2026 - 11 - 23));
    assert!(anc.below_range());
    assert!(anc.why.contains("mild neutropenia"), "{}", anc.why);
}

both_backends! {
    clozapine_anc => clozapine_anc_reminder_follows_the_label_schedule;
    labs => lab_results_are_judged_against_the_content_range;
    screens => recorded_screens_feed_the_naltrexone_check;
    typed_fallback => typed_screen_is_the_fallback;
    levels => recorded_level_warns_on_a_new_order;
    side_effects_adherence => side_effects_and_adherence_are_listed;
    bad_input => bad_input_stores_nothing;
    denied => outside_care_team_is_denied_and_audited;
}
