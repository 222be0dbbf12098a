//! Medication orders on both backends: the dose history keeps every step;
//! the safety check runs in the order's transaction, a contraindication
//! stops the order (nothing stored, the refusal audited) unless overridden
//! with a reason, and warnings are kept as detected issues; holds, resumes
//! and discontinuation; who may prescribe, and for whom.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::*;

use tandem_app::{AppError, Caller, Forbidden, MedicationOrder, OrderOutcome};
use tandem_core::assessment::{AssessmentInput, SubstanceInput};
use tandem_core::ids::{ConditionId, PatientId};
use tandem_core::medication::prescription::{
    DocumentedFacts, DoseChange, DoseStep, NewOrder, OrderStatus, StepKind,
};
use tandem_core::medication::{Dose, Frequency, Route, RxCui, Severity};
use tandem_core::role::Role;
use tandem_store::Store;
use tandem_testkit::{TestDb, both_backends};
use time::macros::datetime;
use time::{Date, Duration};

impl World {
    /// An active diagnosis, as the diagnosis list stores it.
    async fn diagnose(&self, p: PatientId, n: u128, code: &str) -> ConditionId {
        let sql = "INSERT INTO conditions (org_id, id, patient_id, code, display, rank, clinical_status, recorded_at, updated_at) \
                   VALUES ($1, $2, $3, $4, 'Major depressive disorder', 'primary', 'active', $5, $5)";
        let id = uuid::Uuid::from_u128(0x4000_0000 + n);
        let org = self.app.org().0;
        let now = datetime!(2026-11-22 09:00 UTC);
        match &self.db.store {
            Store::Sqlite { writer, .. } => {
                sqlx::query(sql)
                    .bind(org)
                    .bind(id)
                    .bind(p.0)
                    .bind(code)
                    .bind(now)
                    .execute(writer)
                    .await
                    .unwrap();
            }
            Store::Postgres(pool) => {
                sqlx::query(sql)
                    .bind(org)
                    .bind(id)
                    .bind(p.0)
                    .bind(code)
                    .bind(now)
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }
        ConditionId(id)
    }

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

    async fn orders(&self, by: &Caller, p: PatientId) -> Vec<MedicationOrder> {
        self.app
            .search_medication_orders(by, p, None)
            .await
            .unwrap()
    }

    async fn last_use(&self, by: &Caller, p: PatientId, substance: &str, on: &str) {
        let a = AssessmentInput {
            presenting_problems: "Opioid use".into(),
            suicidal_ideation: "none".into(),
            overall_risk: "low".into(),
            substances: vec![SubstanceInput {
                substance: substance.into(),
                route: "smoked".into(),
                frequency: "daily".into(),
                last_use: on.into(),
                ..SubstanceInput::default()
            }],
            ..AssessmentInput::default()
        };
        self.app.save_assessment(by, p, None, &a).await.unwrap();
    }
}

fn invalid_field(e: AppError) -> Vec<&'static str> {
    match e {
        AppError::Invalid(v) => v.0.iter().map(|f| f.field).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

/// Sertraline 50 mg, titrated to 100 mg: both steps stay in the history
/// with date, dose, who and why; a taper of dated steps is kept as the
/// schedule the patient reads, and the order completes when it ends.
async fn titration_keeps_every_step(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let o = w.place(&dr, p, &w.order("sertraline", 50.0)).await;
    assert_eq!(o.drug_name, "sertraline");
    assert_eq!(o.status, OrderStatus::Active);
    assert_eq!(o.prescriber, dr.actor.user_id);

    let later = TODAY + Duration::days(14);
    let r = w
        .app
        .change_dose(
            &dr,
            p,
            o.id,
            &DoseChange::Titrate(DoseStep {
                on: later,
                dose: Dose::mg(100.0).unwrap(),
            }),
            "partial response at 4 weeks",
            None,
        )
        .await
        .unwrap();
    let OrderOutcome::Placed { order, .. } = r else {
        panic!("titration stopped")
    };
    let doses: Vec<(StepKind, Date, Option<f64>, String)> = order
        .history
        .iter()
        .map(|s| {
            (
                s.kind,
                s.on,
                s.dose.map(|d| d.quantity.get()),
                s.by_name.clone(),
            )
        })
        .collect();
    assert_eq!(
        doses,
        vec![
            (
                StepKind::Start,
                TODAY,
                Some(50.0),
                "dr_lee name".to_string()
            ),
            (
                StepKind::Titrate,
                later,
                Some(100.0),
                "dr_lee name".to_string()
            ),
        ]
    );
    assert_eq!(
        order.history[1].reason.as_deref(),
        Some("partial response at 4 weeks")
    );
    // Today the patient still takes 50 mg; the titration is scheduled.
    assert_eq!(order.dose.quantity.get(), 50.0);
    assert_eq!(order.scheduled(TODAY).len(), 1);

    // A taper must start on or after the last step and go down by date.
    let bad = w
        .app
        .change_dose(
            &dr,
            p,
            o.id,
            &tandem_app::taper(vec![(later, Dose::mg(150.0).unwrap())], None),
            "taper",
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_field(bad), ["steps"]);
    let taper = tandem_app::taper(
        vec![
            (later + Duration::days(7), Dose::mg(50.0).unwrap()),
            (later + Duration::days(14), Dose::mg(25.0).unwrap()),
        ],
        Some(later + Duration::days(21)),
    );
    let OrderOutcome::Placed { order, .. } = w
        .app
        .change_dose(&dr, p, o.id, &taper, "side effects; stopping", None)
        .await
        .unwrap()
    else {
        panic!("taper stopped")
    };
    assert_eq!(order.history.len(), 4);
    assert_eq!(order.ends_on, Some(later + Duration::days(21)));
    assert_eq!(order.status, OrderStatus::Active);
    w.clock.advance(Duration::days(36));
    let again = w.orders(&dr, p).await;
    assert_eq!(again[0].status, OrderStatus::Completed);
    assert_eq!(again[0].dose.quantity.get(), 25.0);
    let audit = w.audit(p).await;
    assert!(audit.iter().any(|e| {
        e.record.action == "medication.dose_change"
            && e.record
                .detail
                .as_deref()
                .unwrap_or("")
                .contains("partial response")
    }));
}

/// Phenelzine after sertraline is contraindicated: refused with nothing
/// stored and the refusal audited; with an override reason it is placed,
/// the override audited with its reason, and the finding kept.
async fn contraindication_stops_the_order_unless_overridden(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let sert = w.place(&dr, p, &w.order("sertraline", 50.0)).await;
    let mao = w.order("phenelzine", 45.0);
    let r = w.app.place_order(&dr, p, &mao, None).await.unwrap();
    let OrderOutcome::Stopped { contraindications } = r else {
        panic!("phenelzine was placed")
    };
    assert!(
        contraindications
            .iter()
            .any(|f| f.drugs.contains(&"phenelzine".to_string())
                && f.drugs.contains(&"sertraline".to_string()))
    );
    assert_eq!(w.orders(&dr, p).await.len(), 1);
    assert!(w.app.detected_issues(&dr, p).await.unwrap().is_empty());
    let audit = w.audit(p).await;
    let refusal = audit
        .iter()
        .find(|e| e.record.action == "medication.order" && e.record.outcome == "denied")
        .expect("the refusal is audited");
    assert!(
        refusal
            .record
            .detail
            .as_deref()
            .unwrap()
            .contains("maoi_ssri_snri")
    );

    // A blank reason is no override.
    let r = w.app.place_order(&dr, p, &mao, Some("  ")).await.unwrap();
    assert!(matches!(r, OrderOutcome::Stopped { .. }));

    let reason = "sertraline stopped today; specialist advised, monitored inpatient";
    let OrderOutcome::Placed { order, issues } =
        w.app.place_order(&dr, p, &mao, Some(reason)).await.unwrap()
    else {
        panic!("override did not place the order")
    };
    let ci = issues
        .iter()
        .find(|i| i.severity == Severity::Contraindicated)
        .expect("the overridden finding is kept");
    assert_eq!(ci.override_reason.as_deref(), Some(reason));
    assert_eq!(ci.implicated, vec![order.id, sert.id]);
    let stored = w.app.detected_issues(&dr, p).await.unwrap();
    assert!(stored.iter().any(|i| i.id == ci.id));
    let audit = w.audit(p).await;
    let ok = audit
        .iter()
        .find(|e| {
            e.record.action == "medication.order"
                && e.record.outcome == "success"
                && e.record.resource.as_deref() == Some(&format!("MedicationRequest/{}", order.id))
        })
        .unwrap();
    let detail = ok.record.detail.as_deref().unwrap();
    assert!(
        detail.contains("overrode contraindication") && detail.contains(reason),
        "{detail}"
    );
}

/// Methadone with lorazepam on the list is placed, with a high finding
/// whose advice says not to withhold treatment of the opioid use disorder.
async fn warnings_never_block(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let lz = w.place(&dr, p, &w.order("lorazepam", 2.0)).await;
    let OrderOutcome::Placed { order, issues } = w
        .app
        .place_order(&dr, p, &w.order("methadone", 30.0), None)
        .await
        .unwrap()
    else {
        panic!("methadone was stopped")
    };
    let high = issues
        .iter()
        .find(|i| i.severity == Severity::High && i.rule_id == "methadone_benzodiazepine")
        .expect("a high finding");
    assert!(high.advice.contains("Do not withhold"), "{}", high.advice);
    assert_eq!(high.implicated, vec![order.id, lz.id]);
    assert!(high.override_reason.is_none());
    let listed = w.orders(&dr, p).await;
    assert_eq!(listed.len(), 2);
    let methadone = listed.iter().find(|o| o.id == order.id).unwrap();
    assert!(methadone.issues.iter().any(|i| i.id == high.id));
    // A dose change finds the same interaction: the order keeps it once.
    let OrderOutcome::Placed { issues, .. } = w
        .app
        .change_dose(
            &dr,
            p,
            order.id,
            &DoseChange::Titrate(DoseStep {
                on: TODAY + Duration::days(3),
                dose: Dose::mg(40.0).unwrap(),
            }),
            "still in withdrawal",
            None,
        )
        .await
        .unwrap()
    else {
        panic!("the titration was stopped")
    };
    assert!(
        issues
            .iter()
            .all(|i| i.rule_id != "methadone_benzodiazepine")
    );
    let listed = w.orders(&dr, p).await;
    let methadone = listed.iter().find(|o| o.id == order.id).unwrap();
    assert_eq!(
        methadone
            .issues
            .iter()
            .filter(|i| i.rule_id == "methadone_benzodiazepine")
            .count(),
        1
    );
    // The benzodiazepine's own order carries no finding of this check.
    assert!(
        listed
            .iter()
            .find(|o| o.id == lz.id)
            .unwrap()
            .issues
            .is_empty()
    );
}

/// Naltrexone needs 7 opioid-free days after the last use the intake
/// assessment documents: 6 days is refused, 7 allowed.
async fn naltrexone_counts_opioid_free_days(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    w.last_use(&dr, p, "opioid_fentanyl", "2026-11-16").await;
    let mut nal = w.order("naltrexone", 50.0);
    let r = w.app.place_order(&dr, p, &nal, None).await.unwrap();
    let OrderOutcome::Stopped { contraindications } = r else {
        panic!("naltrexone 6 days after opioid use was placed")
    };
    assert_eq!(contraindications[0].rule_id, "naltrexone_opioid_free_days");
    assert!(w.orders(&dr, p).await.is_empty());
    nal.start = TODAY + Duration::days(1);
    let r = w.app.place_order(&dr, p, &nal, None).await.unwrap();
    assert!(matches!(r, OrderOutcome::Placed { .. }), "{r:?}");
}

/// Discontinuing needs a reason; hold and resume move the status and add
/// steps to the history; a stopped order cannot be resumed.
async fn hold_resume_discontinue(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let o = w.place(&dr, p, &w.order("sertraline", 50.0)).await;
    let e = w
        .app
        .discontinue_order(&dr, p, o.id, " ")
        .await
        .unwrap_err();
    assert_eq!(invalid_field(e), ["reason"]);
    assert_eq!(w.orders(&dr, p).await[0].status, OrderStatus::Active);

    let held = w
        .app
        .hold_order(&dr, p, o.id, "surgery on Monday")
        .await
        .unwrap();
    assert_eq!(held.status, OrderStatus::OnHold);
    let resumed = w.app.resume_order(&dr, p, o.id, None).await.unwrap();
    assert_eq!(resumed.status, OrderStatus::Active);
    let stopped = w
        .app
        .discontinue_order(&dr, p, o.id, "no longer needed")
        .await
        .unwrap();
    assert_eq!(stopped.status, OrderStatus::Stopped);
    assert_eq!(stopped.stopped_on, Some(TODAY));
    assert_eq!(stopped.status_reason.as_deref(), Some("no longer needed"));
    let kinds: Vec<StepKind> = stopped.history.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            StepKind::Start,
            StepKind::Hold,
            StepKind::Resume,
            StepKind::Discontinue
        ]
    );
    assert!(matches!(
        w.app.resume_order(&dr, p, o.id, None).await,
        Err(AppError::Conflict(_))
    ));
    let only_stopped = w
        .app
        .search_medication_orders(&dr, p, Some(OrderStatus::Stopped))
        .await
        .unwrap();
    assert_eq!(only_stopped.len(), 1);
    assert!(
        w.app
            .search_medication_orders(&dr, p, Some(OrderStatus::Active))
            .await
            .unwrap()
            .is_empty()
    );
}

/// A prescriber off the care team is refused (audited), and so is a
/// therapist on it: only prescribers write orders. An alias code is stored
/// as its ingredient; a code outside the catalog is refused by field.
async fn who_may_prescribe(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let other = w.user("dr_far", Role::Prescriber).await;
    let t = w.user("t_kim", Role::Therapist).await;
    let p = w.patient(&dr).await;
    w.app
        .add_care_team_member(&dr, p, t.actor.user_id, None)
        .await
        .unwrap();
    let o = w.order("sertraline", 50.0);
    assert!(matches!(
        w.app.place_order(&other, p, &o, None).await,
        Err(AppError::Forbidden(Forbidden::NotOnCareTeam))
    ));
    assert!(matches!(
        w.app.place_order(&t, p, &o, None).await,
        Err(AppError::Forbidden(Forbidden::Role))
    ));
    assert!(w.orders(&dr, p).await.is_empty());
    // The therapist reads what the prescriber wrote.
    let placed = w.place(&dr, p, &o).await;
    assert_eq!(w.orders(&t, p).await[0].id, placed.id);
    let audit = w.audit(p).await;
    let denied: Vec<(&str, &str)> = audit
        .iter()
        .filter(|e| e.record.outcome == "denied")
        .map(|e| (e.record.action.as_str(), e.record.actor.as_str()))
        .collect();
    assert_eq!(
        denied,
        [
            ("medication.order", "dr_far"),
            ("medication.order", "t_kim")
        ]
    );

    let mut alias = w.order("lithium", 600.0);
    alias.drug = RxCui::new(42351).unwrap();
    let li = w.place(&dr, p, &alias).await;
    assert_eq!(li.drug, w.rx("lithium"));
    let mut unknown = w.order("sertraline", 50.0);
    unknown.drug = RxCui::new(999_999_999).unwrap();
    let e = w.app.place_order(&dr, p, &unknown, None).await.unwrap_err();
    assert_eq!(invalid_field(e), ["drug"]);
    assert_eq!(w.orders(&dr, p).await.len(), 2);
}

/// Methadone's first day above 50 mg stops the order until the higher dose
/// is documented as clinically indicated; a buprenorphine induction without
/// a COWS score is placed with a high finding; hepatic impairment recorded
/// at intake caps citalopram.
async fn opioid_treatment_and_intake_facts(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let mut m = w.order("methadone", 60.0);
    m.first_day = Some(tandem_core::medication::FirstDay {
        total: Dose::mg(60.0).unwrap(),
        higher_dose_justified: false,
    });
    let OrderOutcome::Stopped { contraindications } =
        w.app.place_order(&dr, p, &m, None).await.unwrap()
    else {
        panic!("60 mg on day one was placed without a justification")
    };
    assert_eq!(contraindications[0].rule_id, "methadone_first_day");
    m.first_day = Some(tandem_core::medication::FirstDay {
        total: Dose::mg(60.0).unwrap(),
        higher_dose_justified: true,
    });
    let placed = w.place(&dr, p, &m).await;
    assert_eq!(
        placed
            .first_day
            .map(|f| (f.total.quantity.get(), f.higher_dose_justified)),
        Some((60.0, true))
    );

    let q = w.patient(&dr).await;
    let mut bup = w.order("buprenorphine", 8.0);
    bup.route = Route::Sublingual;
    bup.induction = Some(tandem_core::medication::Induction { cows: None });
    let OrderOutcome::Placed { issues, order } =
        w.app.place_order(&dr, q, &bup, None).await.unwrap()
    else {
        panic!("an induction without COWS was stopped")
    };
    assert!(order.induction.is_some());
    assert!(
        issues
            .iter()
            .any(|i| i.rule_id == "buprenorphine_induction_cows" && i.severity == Severity::High)
    );

    let r = w.patient(&dr).await;
    let mut a = AssessmentInput {
        presenting_problems: "Low mood".into(),
        suicidal_ideation: "none".into(),
        overall_risk: "low".into(),
        ..AssessmentInput::default()
    };
    a.prescribing = vec![(
        tandem_core::assessment::PrescribingCondition::Hepatic,
        "yes".into(),
        "cirrhosis".into(),
    )];
    w.app.save_assessment(&dr, r, None, &a).await.unwrap();
    let OrderOutcome::Placed { issues, .. } = w
        .app
        .place_order(&dr, r, &w.order("citalopram", 40.0), None)
        .await
        .unwrap()
    else {
        panic!("citalopram was stopped")
    };
    assert!(
        issues
            .iter()
            .any(|i| i.rule_id == "citalopram_max_hepatic_impairment"),
        "{issues:?}"
    );
}

/// An order names the diagnosis it treats; a diagnosis of another patient
/// is refused by field and nothing is stored.
async fn indication_links_a_diagnosis(db: TestDb) {
    let w = world(db, 17).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let q = w.patient(&dr).await;
    let mine = w.diagnose(p, 1, "F32.1").await;
    let theirs = w.diagnose(q, 2, "F32.2").await;
    let mut o = w.order("sertraline", 50.0);
    o.indication = Some(theirs);
    let e = w.app.place_order(&dr, p, &o, None).await.unwrap_err();
    assert_eq!(invalid_field(e), ["indication"]);
    assert!(w.orders(&dr, p).await.is_empty());
    o.indication = Some(mine);
    let placed = w.place(&dr, p, &o).await;
    let i = placed.indication.unwrap();
    assert_eq!((i.id, i.code.as_str()), (mine, "F32.1"));
    let chart = w.app.medication_chart(&dr, p).await.unwrap();
    assert_eq!(chart.indications.len(), 1);
}

both_backends! {
    indication => indication_links_a_diagnosis;
    opioid_treatment => opioid_treatment_and_intake_facts;
    titration => titration_keeps_every_step;
    contraindication => contraindication_stops_the_order_unless_overridden;
    warnings => warnings_never_block;
    naltrexone => naltrexone_counts_opioid_free_days;
    status_changes => hold_resume_discontinue;
    prescribers => who_may_prescribe;
}
