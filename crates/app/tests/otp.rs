//! The opioid treatment program on both backends: the dosing log against a
//! methadone or buprenorphine order (a dose above the order, a second dose
//! the same day, split doses), the take-home ladder by days in treatment
//! with the criteria documented, buprenorphine outside the ceilings, the
//! "Missed doses" flag, who may record, and for whom.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::*;

use tandem_app::{AppError, Caller, Forbidden, MedicationOrder, NewDose, OrderOutcome};
use tandem_core::flag::FlagKind;
use tandem_core::ids::PatientId;
use tandem_core::medication::dosing::{Entry, Given, Part, TakeHomeDay};
use tandem_core::medication::prescription::{DocumentedFacts, NewOrder};
use tandem_core::medication::take_home::Ceiling;
use tandem_core::medication::{Dose, FirstDay, Frequency, Route};
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use time::macros::datetime;
use time::{Date, Duration};

fn days(n: i64) -> Duration {
    Duration::days(n)
}

impl World {
    /// An order of `drug` at `mg` a day that started `ago` days before today.
    async fn order(
        &self,
        dr: &Caller,
        p: PatientId,
        drug: &str,
        mg: f64,
        ago: i64,
    ) -> MedicationOrder {
        let o = NewOrder {
            drug: self.rx(drug),
            daily_dose: Dose::mg(mg).unwrap(),
            route: if drug == "buprenorphine" {
                Route::Sublingual
            } else {
                Route::Oral
            },
            frequency: Frequency::OnceDaily,
            sig: format!("Take {mg} mg once a day at the clinic"),
            start: TODAY - days(ago),
            indication: None,
            cross_taper: false,
            first_day: (drug == "methadone").then(|| FirstDay {
                total: Dose::mg(mg.min(30.0)).unwrap(),
                higher_dose_justified: false,
            }),
            induction: None,
            facts: DocumentedFacts::default(),
        };
        match self.app.place_order(dr, p, &o, None).await.unwrap() {
            OrderOutcome::Placed { order, .. } => *order,
            OrderOutcome::Stopped { contraindications } => {
                panic!("stopped: {contraindications:?}")
            }
        }
    }

    /// Every criterion answered met.
    fn all_met(&self) -> Vec<(String, Option<bool>, String)> {
        self.app
            .medication_safety()
            .take_home
            .criteria
            .items
            .iter()
            .map(|c| (c.id.clone(), Some(true), "reviewed at the visit".into()))
            .collect()
    }
}

fn observed(o: &MedicationOrder, on: Date, mg: f64, part: Part) -> NewDose {
    NewDose {
        order: o.id,
        on,
        entry: Entry::Given {
            how: Given::Observed,
            amount: Dose::mg(mg).unwrap(),
            part,
        },
        given_at: Some(on.midnight().assume_utc() + Duration::hours(8)),
        note: String::new(),
    }
}

fn missed(o: &MedicationOrder, on: Date) -> NewDose {
    NewDose {
        order: o.id,
        on,
        entry: Entry::Missed,
        given_at: None,
        note: "did not come in".into(),
    }
}

fn invalid(e: AppError) -> Vec<(&'static str, String)> {
    match e {
        AppError::Invalid(v) => v.0.into_iter().map(|f| (f.field, f.message)).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn dates(from: Date, n: i64) -> Vec<TakeHomeDay> {
    (1..=n)
        .map(|i| TakeHomeDay {
            on: from + days(i),
            closure: false,
        })
        .collect()
}

/// A nurse records today's observed dose; it reads back in the log and
/// over the search; a dose above the order is refused naming the limit and
/// nothing is stored; a second dose the same day is refused.
async fn dose_recorded_and_limits(db: TestDb) {
    let w = world(db, 23).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let nurse = w.user("rn_ola", Role::Nurse).await;
    let p = w.patient(&dr).await;
    w.app
        .add_care_team_member(&dr, p, nurse.actor.user_id, None)
        .await
        .unwrap();
    let o = w.order(&dr, p, "methadone", 60.0, 20).await;

    let too_much = w
        .app
        .record_dose(&nurse, p, &observed(&o, TODAY, 70.0, Part::WHOLE))
        .await
        .unwrap_err();
    assert_eq!(
        invalid(too_much),
        [(
            "amount",
            "70 mg is more than the order's dose in force on this day (60 mg); give at most 60 mg"
                .to_string()
        )]
    );
    assert!(
        w.app
            .search_doses(&nurse, p, None, None)
            .await
            .unwrap()
            .is_empty()
    );

    let r = w
        .app
        .record_dose(&nurse, p, &observed(&o, TODAY, 60.0, Part::WHOLE))
        .await
        .unwrap();
    let back = w.app.read_dose(&dr, r.record.id).await.unwrap();
    assert_eq!(back.on, TODAY);
    assert_eq!(back.drug_name, "methadone");
    assert_eq!(back.describe(), "Observed");
    assert_eq!(back.by, nurse.actor.user_id);
    let Entry::Given { amount, .. } = back.entry else {
        panic!("not a dose")
    };
    assert_eq!(amount.quantity.get(), 60.0);

    let again = w
        .app
        .record_dose(&nurse, p, &observed(&o, TODAY, 10.0, Part::WHOLE))
        .await
        .unwrap_err();
    assert_eq!(invalid(again)[0].0, "part");
    let chart = w.app.otp_dosing(&nurse, p).await.unwrap();
    assert_eq!(chart.orders.len(), 1);
    assert_eq!(chart.orders[0].log.len(), 1);
    assert_eq!(chart.orders[0].days_in_treatment, 20);
    assert_eq!(chart.orders[0].dose_today.quantity.get(), 60.0);
    assert!(
        chart.setting.verified,
        "the threshold comes from a guideline"
    );
}

/// Two parts of a split dose, each with its time, together within the
/// order; a third part is refused.
async fn split_doses(db: TestDb) {
    let w = world(db, 23).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let o = w.order(&dr, p, "methadone", 80.0, 40).await;
    let yesterday = TODAY - days(1);
    let mut first = observed(&o, yesterday, 40.0, Part::new(1, 2).unwrap());
    first.given_at = Some(datetime!(2026-11-21 08:00 UTC));
    let mut second = observed(&o, yesterday, 40.0, Part::new(2, 2).unwrap());
    second.given_at = Some(datetime!(2026-11-21 17:30 UTC));
    w.app.record_dose(&dr, p, &first).await.unwrap();
    w.app.record_dose(&dr, p, &second).await.unwrap();
    let log = w
        .app
        .search_doses(&dr, p, Some(true), Some(yesterday))
        .await
        .unwrap();
    let mut described: Vec<String> = log.iter().map(|d| d.describe()).collect();
    described.sort();
    assert_eq!(
        described,
        ["Observed, part 1 of 2", "Observed, part 2 of 2"]
    );
    // Split in two parts, the total already given: nothing more fits.
    let over = w
        .app
        .record_dose(
            &dr,
            p,
            &observed(&o, yesterday, 5.0, Part::new(2, 2).unwrap()),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid(over)[0].0, "part");
    // A split part above what is left of the day's dose.
    let mut a = observed(&o, TODAY, 50.0, Part::new(1, 2).unwrap());
    a.given_at = None;
    w.app.record_dose(&dr, p, &a).await.unwrap();
    let mut b = observed(&o, TODAY, 40.0, Part::new(2, 2).unwrap());
    b.given_at = None;
    let e = invalid(w.app.record_dose(&dr, p, &b).await.unwrap_err());
    assert_eq!(e[0].0, "amount");
    assert!(e[0].1.contains("give at most 30 mg"), "{e:?}");
}

/// The ladder through the app: day 14 allows 7 take-home days and refuses
/// 8; day 15 allows 14 with the criteria documented and refuses them
/// without; day 31 allows 28. A take-home dose is then recorded for a
/// granted date only.
async fn take_home_ladder(db: TestDb) {
    let w = world(db, 23).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let nurse = w.user("rn_ola", Role::Nurse).await;
    let p = w.patient(&dr).await;
    w.app
        .add_care_team_member(&dr, p, nurse.actor.user_id, None)
        .await
        .unwrap();

    let day14 = w.order(&dr, p, "methadone", 60.0, 14).await;
    w.app
        .review_take_home_criteria(&dr, p, day14.id, &w.all_met())
        .await
        .unwrap();
    let e = invalid(
        w.app
            .grant_take_home(&dr, p, day14.id, &dates(TODAY, 8))
            .await
            .unwrap_err(),
    );
    assert_eq!(e[0].0, "dates");
    assert!(
        e[0].1
            .contains("8 take-home days on day 14 of treatment is above the ceiling of 7"),
        "{e:?}"
    );
    assert!(e[0].1.contains("42 CFR 8.12(i)(3)"), "{e:?}");
    // Clinic-closure days do not count against the ceiling.
    let mut with_closure = dates(TODAY, 7);
    with_closure.push(TakeHomeDay {
        on: TODAY + days(8),
        closure: true,
    });
    let granted = w
        .app
        .grant_take_home(&dr, p, day14.id, &with_closure)
        .await
        .unwrap();
    assert_eq!(granted.len(), 8);

    let q = w.patient(&dr).await;
    let day15 = w.order(&dr, q, "methadone", 60.0, 15).await;
    let e = invalid(
        w.app
            .grant_take_home(&dr, q, day15.id, &dates(TODAY, 14))
            .await
            .unwrap_err(),
    );
    assert_eq!(e[0].0, "criteria");
    assert!(
        e[0].1.contains("Regular attendance for supervised doses"),
        "{e:?}"
    );
    let chart = w.app.otp_dosing(&dr, q).await.unwrap();
    assert_eq!(chart.orders[0].ceiling, Ceiling::Days(14));
    assert!(chart.orders[0].take_home.is_empty());

    // A criterion recorded as not met keeps the schedule refused.
    let mut answers = w.all_met();
    answers[3].1 = Some(false);
    w.app
        .review_take_home_criteria(&dr, q, day15.id, &answers)
        .await
        .unwrap();
    let e = invalid(
        w.app
            .grant_take_home(&dr, q, day15.id, &dates(TODAY, 14))
            .await
            .unwrap_err(),
    );
    assert!(
        e[0].1.contains("not met: No known recent diversion"),
        "{e:?}"
    );

    // The latest review counts.
    w.clock.advance(Duration::minutes(5));
    w.app
        .review_take_home_criteria(&dr, q, day15.id, &w.all_met())
        .await
        .unwrap();
    let granted = w
        .app
        .grant_take_home(&dr, q, day15.id, &dates(TODAY, 14))
        .await
        .unwrap();
    assert_eq!(granted.len(), 14);
    assert!(granted.iter().all(|g| g.days_in_treatment == 15));

    let tomorrow = TODAY + days(1);
    let th = NewDose {
        order: day15.id,
        on: tomorrow,
        entry: Entry::Given {
            how: Given::TakeHome,
            amount: Dose::mg(60.0).unwrap(),
            part: Part::WHOLE,
        },
        given_at: None,
        note: String::new(),
    };
    let r = w.app.record_dose(&nurse, q, &th).await;
    assert!(matches!(
        r,
        Err(AppError::Forbidden(Forbidden::NotOnCareTeam))
    ));
    let r = w.app.record_dose(&dr, q, &th).await.unwrap();
    assert_eq!(r.record.describe(), "Take-home");
    let mut outside = th.clone();
    outside.on = TODAY + days(20);
    let e = invalid(w.app.record_dose(&dr, q, &outside).await.unwrap_err());
    assert_eq!(e[0].0, "on");

    let s = w.patient(&dr).await;
    let day30 = w.order(&dr, s, "methadone", 60.0, 30).await;
    let day31 = w
        .order(&dr, w.patient(&dr).await, "methadone", 60.0, 31)
        .await;
    let c30 = w.app.otp_dosing(&dr, s).await.unwrap();
    assert_eq!(c30.orders[0].ceiling, Ceiling::Days(14));
    assert_eq!(c30.orders[0].order.id, day30.id);
    let c31 = w.app.otp_dosing(&dr, day31.patient).await.unwrap();
    assert_eq!(c31.orders[0].ceiling, Ceiling::Days(28));
    w.app
        .review_take_home_criteria(&dr, day31.patient, day31.id, &w.all_met())
        .await
        .unwrap();
    w.app
        .grant_take_home(&dr, day31.patient, day31.id, &dates(TODAY, 28))
        .await
        .unwrap();
}

/// Buprenorphine is dosed in the log too, but the ceilings and criteria do
/// not apply: 28 days on day 2 without a review are granted.
async fn buprenorphine_outside_the_ceilings(db: TestDb) {
    let w = world(db, 23).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let o = w.order(&dr, p, "buprenorphine", 16.0, 2).await;
    let chart = w.app.otp_dosing(&dr, p).await.unwrap();
    assert_eq!(chart.orders[0].ceiling, Ceiling::NotApplicable);
    let granted = w
        .app
        .grant_take_home(&dr, p, o.id, &dates(TODAY, 28))
        .await
        .unwrap();
    assert_eq!(granted.len(), 28);
    // Missed buprenorphine days are logged but the methadone setting does
    // not read them.
    for i in 0..=2 {
        let r = w
            .app
            .record_dose(&dr, p, &missed(&o, TODAY - days(i)))
            .await
            .unwrap();
        assert!(!r.flag_raised);
    }
}

/// The clinic's number of consecutive missed methadone doses raises
/// "Missed doses" (a safety flag: the care team is notified); a dose given
/// clears it.
async fn missed_doses_flag(db: TestDb) {
    let w = world(db, 23).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let nurse = w.user("rn_ola", Role::Nurse).await;
    let p = w.patient(&dr).await;
    w.app
        .add_care_team_member(&dr, p, nurse.actor.user_id, None)
        .await
        .unwrap();
    let o = w.order(&dr, p, "methadone", 60.0, 20).await;
    let threshold = i64::from(w.app.missed_doses_setting().threshold);
    assert_eq!(threshold, 3);
    w.app
        .record_dose(
            &nurse,
            p,
            &observed(&o, TODAY - days(threshold + 1), 60.0, Part::WHOLE),
        )
        .await
        .unwrap();
    for i in (1..=threshold).rev() {
        let r = w
            .app
            .record_dose(&nurse, p, &missed(&o, TODAY - days(i)))
            .await
            .unwrap();
        assert_eq!(r.flag_raised, i == 1, "after {} missed", threshold - i + 1);
    }
    let chart = w.app.otp_dosing(&nurse, p).await.unwrap();
    let flag = chart.missed_flag.expect("flag raised");
    assert_eq!(flag.kind.text(), "Missed doses");
    assert!(
        flag.reason.contains("3 missed methadone doses in a row"),
        "{}",
        flag.reason
    );
    assert!(
        !flag.reason.contains("unverified"),
        "the threshold comes from a guideline: {}",
        flag.reason
    );
    assert_eq!(chart.orders[0].missed_in_a_row, 3);
    let notes = w.app.notifications(&nurse, 10).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].flag.kind, FlagKind::MissedDoses);

    // A new measure reads the measures' flags only: "Missed doses" stays.
    let answers: std::collections::BTreeMap<String, String> =
        (1..=9).map(|i| (i.to_string(), "0".to_string())).collect();
    w.app
        .record_response(
            &nurse,
            p,
            tandem_app::Submission {
                instrument: "phq9".into(),
                answers,
                authored: datetime!(2026-11-22 08:00 UTC),
                source: tandem_app::Source::Chart,
            },
        )
        .await
        .unwrap();
    assert!(
        w.app
            .otp_dosing(&nurse, p)
            .await
            .unwrap()
            .missed_flag
            .is_some()
    );

    let r = w
        .app
        .record_dose(&nurse, p, &observed(&o, TODAY, 30.0, Part::WHOLE))
        .await
        .unwrap();
    assert!(r.flag_cleared);
    assert!(
        w.app
            .otp_dosing(&nurse, p)
            .await
            .unwrap()
            .missed_flag
            .is_none()
    );
}

/// A therapist on the team reads the log but records no dose, and the
/// refusal is audited; a nurse off the team is denied and audited; a
/// nurse grants no take-home days.
async fn who_may_record(db: TestDb) {
    let w = world(db, 23).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let t = w.user("t_kim", Role::Therapist).await;
    let outsider = w.user("rn_off", Role::Nurse).await;
    let nurse = w.user("rn_ola", Role::Nurse).await;
    let p = w.patient(&dr).await;
    for u in [&t, &nurse] {
        w.app
            .add_care_team_member(&dr, p, u.actor.user_id, None)
            .await
            .unwrap();
    }
    let o = w.order(&dr, p, "methadone", 60.0, 20).await;
    let dose = observed(&o, TODAY, 60.0, Part::WHOLE);
    assert!(matches!(
        w.app.record_dose(&t, p, &dose).await,
        Err(AppError::Forbidden(Forbidden::Role))
    ));
    assert!(matches!(
        w.app.record_dose(&outsider, p, &dose).await,
        Err(AppError::Forbidden(Forbidden::NotOnCareTeam))
    ));
    assert!(matches!(
        w.app
            .grant_take_home(&nurse, p, o.id, &dates(TODAY, 1))
            .await,
        Err(AppError::Forbidden(Forbidden::Role))
    ));
    assert!(w.app.otp_dosing(&t, p).await.is_ok());
    assert!(
        w.app
            .search_doses(&t, p, None, None)
            .await
            .unwrap()
            .is_empty()
    );
    let audit = w.audit(p).await;
    let denied: Vec<(String, String)> = audit
        .iter()
        .filter(|e| e.record.outcome == "denied")
        .map(|e| (e.record.action.clone(), e.record.actor.clone()))
        .collect();
    assert!(
        denied.contains(&("otp.dose".into(), "t_kim".into())),
        "{denied:?}"
    );
    assert!(
        denied.contains(&("otp.dose".into(), "rn_off".into())),
        "{denied:?}"
    );
    assert!(
        denied.contains(&("otp.take_home_schedule".into(), "rn_ola".into())),
        "{denied:?}"
    );
    assert!(
        audit
            .iter()
            .any(|e| e.record.action == "otp.read" && e.record.actor == "t_kim")
    );
}

both_backends! {
    recorded => dose_recorded_and_limits;
    split => split_doses;
    ladder => take_home_ladder;
    buprenorphine => buprenorphine_outside_the_ceilings;
    missed => missed_doses_flag;
    roles => who_may_record;
}
