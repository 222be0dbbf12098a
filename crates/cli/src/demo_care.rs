//! The demo clinic's intake and care-plan stages: diagnoses (some dual),
//! enrolments, intakes decided (one overridden by the clinician), care plans
//! with a few versions, a new intake still in progress, and a patient who
//! moved from residential to intensive outpatient to outpatient care.

use anyhow::{Context, Result};
use tandem_app::NewDose;
use tandem_app::{
    App, Caller, Choice, DecisionRequest, DiagnosisChange, OrderOutcome, Source, Submission,
};
use tandem_core::assessment::{AssessmentInput, SubstanceInput};
use tandem_core::care_plan::{Frequency, Goal, GoalStatus, Target};
use tandem_core::diagnosis::NewDiagnosisInput;
use tandem_core::episode::{EnrolInput, TransitionInput};
use tandem_core::ids::{GoalId, MedicationOrderId, PatientId};
use tandem_core::medication::dosing::{Entry, Given, Part, TakeHomeDay};
use tandem_core::medication::{
    Dose, Frequency as MedFrequency, Route, RxCui,
    prescription::{DocumentedFacts, DoseChange, DoseStep, NewOrder},
};
use tandem_core::monitoring::{LabInput, ScreenInput, SideEffectInput};
use time::{Date, Duration};

/// One demo patient as the clinical stages see it.
pub struct DemoPatient {
    pub index: usize,
    pub id: PatientId,
    /// The clinician who registered the patient (on the care team).
    pub clinician: Caller,
    /// The first measure's day, when the patient has a history.
    pub first_measured: Option<Date>,
}

fn diagnosis(code: &str, rank: &str) -> NewDiagnosisInput {
    NewDiagnosisInput {
        code: code.into(),
        rank: rank.into(),
        clinical_status: "active".into(),
        onset: String::new(),
        note: String::new(),
    }
}

fn assessment(presenting: &str, preference: &str) -> AssessmentInput {
    AssessmentInput {
        presenting_problems: presenting.into(),
        suicidal_ideation: "none".into(),
        overall_risk: "low".into(),
        medication_preference: preference.into(),
        strengths: "Supportive sister; wants to get back to work".into(),
        ..AssessmentInput::default()
    }
}

/// The diagnoses a patient with a history gets: depression for everyone,
/// anxiety for some, and for those with drinking or trauma histories the
/// matching code (which makes them dual-diagnosis patients).
fn codes(i: usize) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![(
        if i.is_multiple_of(2) {
            "F33.1"
        } else {
            "F32.1"
        },
        "primary",
    )];
    if i % 4 == 1 {
        out.push(("F41.1", "secondary"));
    }
    if i % 10 == 2 {
        out.push(("F10.20", "secondary"));
    }
    if i % 12 == 4 {
        out.push(("F43.10", "secondary"));
    }
    out
}

/// `prescriber` joins the care team of the patient on the addiction track,
/// for the medication evaluation the pathway asks for, and prescribes the
/// demo's medications.
pub async fn stages(
    app: &App,
    patients: &[DemoPatient],
    prescriber: &Caller,
    nurse: &Caller,
) -> Result<()> {
    let today = app.clock().today();
    // One intake is overridden by the clinician: the first recommendation
    // that asks for medication.
    let mut overridden = false;
    for p in patients {
        let c = &p.clinician;
        let Some(first) = p.first_measured else {
            continue;
        };
        for (code, rank) in codes(p.index) {
            app.add_diagnosis(c, p.id, &diagnosis(code, rank))
                .await
                .with_context(|| format!("demo diagnosis {code}"))?;
        }
        let program = if p.index % 10 == 2 {
            "co_occurring"
        } else {
            "mental_health"
        };
        app.enrol_patient(
            c,
            p.id,
            &EnrolInput {
                program: program.into(),
                level: "outpatient".into(),
                on: first.to_string(),
            },
        )
        .await
        .context("demo enrolment")?;
        // Half of the measured clinic has been through the intake with a
        // care plan; the rest were measured before Tandem's intake existed.
        if p.index >= 30 {
            continue;
        }
        let id = app
            .save_assessment(
                c,
                p.id,
                None,
                &assessment("Low mood, poor sleep", "open_to_medication"),
            )
            .await
            .context("demo assessment")?;
        let shown = app.intake(c, p.id, None).await?.recommendation.pathway;
        let Some(shown) = shown else {
            continue;
        };
        let choice = if !overridden && shown.includes_medication() {
            overridden = true;
            Choice::Override {
                pathway: "therapy".into(),
                reason: "Wants to start with therapy alone after a full discussion of the options; revisit medication at the 6-week review".into(),
            }
        } else {
            Choice::Accept
        };
        app.decide_pathway(
            c,
            p.id,
            &DecisionRequest {
                assessment: id,
                shown: Some(shown),
                choice,
            },
        )
        .await
        .context("demo decision")?;
        plan_with_versions(app, p, "Intake completed").await?;
    }

    // Two new intakes in progress: enrolled, the first measures of the
    // packet in, the assessment started, no decision yet.
    for p in patients.iter().filter(|p| [5, 11].contains(&p.index)) {
        let c = &p.clinician;
        app.enrol_patient(
            c,
            p.id,
            &EnrolInput {
                program: "mental_health".into(),
                level: "outpatient".into(),
                on: today.to_string(),
            },
        )
        .await?;
        let now = app.now();
        for (instrument, answers) in [
            ("phq9", [2u8, 2, 2, 1, 1, 1, 1, 0, 0].as_slice()),
            ("gad7", [2u8, 2, 1, 1, 1, 1, 1].as_slice()),
        ] {
            let answers = answers
                .iter()
                .enumerate()
                .map(|(k, a)| ((k + 1).to_string(), a.to_string()))
                .collect();
            app.record_response(
                c,
                p.id,
                Submission {
                    instrument: instrument.into(),
                    answers,
                    authored: now - Duration::minutes(30),
                    source: Source::Chart,
                },
            )
            .await?;
        }
        app.save_assessment(
            c,
            p.id,
            None,
            &assessment("Worry and low mood since a job loss", "not_stated"),
        )
        .await?;
    }

    // Residential → intensive outpatient → outpatient, for opioid use
    // disorder with depression: a dual-diagnosis patient on both tracks.
    if let Some(p) = patients.iter().find(|p| p.index == 23) {
        let c = &p.clinician;
        join_team(app, c, p.id, prescriber).await?;
        for (code, rank) in [("F11.20", "primary"), ("F32.1", "secondary")] {
            app.add_diagnosis(c, p.id, &diagnosis(code, rank)).await?;
        }
        let start = today - Duration::days(63);
        app.enrol_patient(
            c,
            p.id,
            &EnrolInput {
                program: "substance_use".into(),
                level: "residential".into(),
                on: start.to_string(),
            },
        )
        .await?;
        for (level, days_ago, reason) in [
            (
                "intensive_outpatient",
                35,
                "Completed the residential phase; stable housing arranged",
            ),
            (
                "outpatient",
                7,
                "Attending every IOP day for four weeks; no use; ready to step down",
            ),
        ] {
            app.change_level_of_care(
                c,
                p.id,
                &TransitionInput {
                    level: level.into(),
                    on: (today - Duration::days(days_ago)).to_string(),
                    reason: reason.into(),
                },
            )
            .await?;
        }
        // PHQ-9 every two weeks since admission, from moderately severe to mild.
        for (k, total) in [17u8, 15, 12, 10, 8].iter().enumerate() {
            let mut left = *total;
            let answers = (1..=9)
                .map(|item| {
                    let a = if item == 9 { 0 } else { left.min(3) };
                    left -= a;
                    (item.to_string(), a.to_string())
                })
                .collect();
            let at = (start + Duration::days(1 + 14 * k as i64))
                .midnight()
                .assume_utc()
                + Duration::hours(10);
            app.record_response(
                c,
                p.id,
                Submission {
                    instrument: "phq9".into(),
                    answers,
                    authored: at,
                    source: Source::Chart,
                },
            )
            .await?;
        }
        let mut a = assessment(
            "Daily heroin use for three years; low mood",
            "open_to_medication",
        );
        a.substances = vec![SubstanceInput {
            substance: "opioid_heroin".into(),
            route: "injected".into(),
            frequency: "daily".into(),
            last_use: (start - Duration::days(2)).to_string(),
            last_use_unknown: false,
            note: String::new(),
        }];
        let id = app.save_assessment(c, p.id, None, &a).await?;
        let shown = app.intake(c, p.id, None).await?.recommendation.pathway;
        app.decide_pathway(
            c,
            p.id,
            &DecisionRequest {
                assessment: id,
                shown,
                choice: Choice::Accept,
            },
        )
        .await?;
        plan_with_versions(app, p, "Intake completed in residential care").await?;
    }

    medications(app, patients, prescriber).await?;
    if let Some(p) = patients.iter().find(|p| p.index == 29) {
        opioid_treatment_program(app, p, prescriber, nurse).await?;
    }
    more_medications(app, patients, prescriber).await?;

    // One diagnosis moved to remission.
    if let Some(p) = patients.iter().find(|p| p.index == 1) {
        let dx = app.patient_diagnoses(&p.clinician, p.id).await?;
        if let Some(anx) = dx.conditions.iter().find(|c| c.code == "F41.1") {
            app.change_diagnosis(
                &p.clinician,
                p.id,
                anx.id,
                &DiagnosisChange {
                    clinical_status: Some("remission".into()),
                    rank: None,
                    onset: None,
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// The plan drafted from the intake, signed; for some patients a second
/// version (a SMART goal added) signed and agreed, and for others a third,
/// still a draft (sessions stepped down).
async fn plan_with_versions(app: &App, p: &DemoPatient, reason: &str) -> Result<()> {
    let c = &p.clinician;
    let Some(body) = app.draft_plan_from_intake(c, p.id).await? else {
        return Ok(());
    };
    let view = app.start_care_plan(c, p.id, body.clone(), reason).await?;
    app.sign_care_plan(c, p.id, view.current.number()).await?;
    if !p.index.is_multiple_of(3) && p.index != 23 {
        return Ok(());
    }
    let mut v2 = body;
    v2.goals.push(Goal {
        id: GoalId::generate(app.clock(), app.entropy()),
        problem: 0,
        target: Target::Smart {
            text: "Back at work three days a week".into(),
            due: Some(app.clock().today() + Duration::weeks(16)),
        },
        status: GoalStatus::Active,
    });
    for g in &mut v2.goals {
        g.status = GoalStatus::Active;
    }
    let n = app
        .revise_care_plan(
            c,
            p.id,
            1,
            v2.clone(),
            "Added a work goal agreed in session 4",
        )
        .await?;
    app.sign_care_plan(c, p.id, n).await?;
    app.record_plan_agreement(c, p.id, n, "Read through together; copy given")
        .await?;
    if p.index.is_multiple_of(5) || p.index == 23 {
        let mut v3 = v2;
        for t in &mut v3.therapy {
            t.frequency = Frequency::EveryTwoWeeks;
        }
        app.revise_care_plan(c, p.id, n, v3, "Stepping sessions down to every 2 weeks")
            .await?;
    }
    Ok(())
}

fn order(rxcui: u32, mg: f64, route: Route, sig: &str, start: Date) -> Result<NewOrder> {
    Ok(NewOrder {
        drug: RxCui::new(rxcui).context("demo RxCUI")?,
        daily_dose: Dose::mg(mg).context("demo dose")?,
        route,
        frequency: MedFrequency::OnceDaily,
        sig: sig.into(),
        start,
        indication: None,
        cross_taper: false,
        first_day: None,
        induction: None,
        facts: DocumentedFacts::default(),
    })
}

/// Sertraline started at 50 mg and titrated to 100 mg four weeks later for
/// the first patients whose plan has medication management with the
/// prescriber on the team; buprenorphine for the patient on the addiction
/// track; the side effects each noted, from the checklist of the order's
/// class. Codes from the verified catalog (sertraline 36437, buprenorphine
/// 1819).
async fn medications(app: &App, patients: &[DemoPatient], prescriber: &Caller) -> Result<()> {
    let today = app.clock().today();
    let mut started = 0;
    for p in patients {
        if started == 3 {
            break;
        }
        let Some(plan) = app.care_plan(prescriber, p.id).await.ok().flatten() else {
            continue;
        };
        let manages = plan
            .current
            .body()
            .medication
            .as_ref()
            .is_some_and(|m| m.prescriber == prescriber.actor.user_id);
        if !manages || p.index == 23 {
            continue;
        }
        let o = order(
            36437,
            50.0,
            Route::Oral,
            "Take one 50 mg tablet by mouth every morning",
            today - Duration::weeks(8),
        )?;
        let OrderOutcome::Placed { order: placed, .. } =
            app.place_order(prescriber, p.id, &o, None).await?
        else {
            continue;
        };
        app.change_dose(
            prescriber,
            p.id,
            placed.id,
            &DoseChange::Titrate(DoseStep {
                on: today - Duration::weeks(4),
                dose: Dose::mg(100.0).context("demo dose")?,
            }),
            "Partial response at 4 weeks and well tolerated; titrating to 100 mg",
            None,
        )
        .await?;
        side_effects(
            app,
            prescriber,
            p.id,
            placed.id,
            today - Duration::weeks(7),
            &[("nausea", "mild")],
        )
        .await?;
        if started == 0 {
            side_effects(
                app,
                prescriber,
                p.id,
                placed.id,
                today - Duration::weeks(2),
                &[("decreased-appetite", "mild"), ("headache", "mild")],
            )
            .await?;
        }
        started += 1;
    }
    if let Some(p) = patients.iter().find(|p| p.index == 23) {
        let o = order(
            1819,
            16.0,
            Route::Sublingual,
            "Dissolve 16 mg under the tongue once a day",
            today - Duration::days(56),
        )?;
        if let OrderOutcome::Placed { order: placed, .. } =
            app.place_order(prescriber, p.id, &o, None).await?
        {
            side_effects(
                app,
                prescriber,
                p.id,
                placed.id,
                today - Duration::days(50),
                &[("mouth-numbness", "mild"), ("constipation", "mild")],
            )
            .await?;
        }
    }
    Ok(())
}

/// Side effects noted on one day against an order, with codes of the
/// checklist of the order's class (`content/medications/side_effects.toml`).
async fn side_effects(
    app: &App,
    by: &Caller,
    patient: PatientId,
    order: MedicationOrderId,
    on: Date,
    listed: &[(&str, &str)],
) -> Result<()> {
    app.record_side_effects(
        by,
        patient,
        order,
        &SideEffectInput {
            noted_on: on.to_string(),
            listed: listed
                .iter()
                .map(|(code, severity)| ((*code).to_string(), (*severity).to_string()))
                .collect(),
            other: String::new(),
            other_severity: String::new(),
        },
    )
    .await
    .with_context(|| format!("demo side effects on {on}"))?;
    Ok(())
}

/// An opioid treatment program patient: enrolled 40 days ago, methadone
/// started at 30 mg and raised to 60 mg, observed doses every day but one
/// missed day, sweating that eases, the take-home criteria documented and a
/// weekend of take-home doses granted within the ceiling for day 40.
async fn opioid_treatment_program(
    app: &App,
    p: &DemoPatient,
    prescriber: &Caller,
    nurse: &Caller,
) -> Result<()> {
    let c = &p.clinician;
    let today = app.clock().today();
    let start = today - Duration::days(40);
    join_team(app, c, p.id, prescriber).await?;
    join_team(app, c, p.id, nurse).await?;
    app.add_diagnosis(c, p.id, &diagnosis("F11.20", "primary"))
        .await?;
    app.enrol_patient(
        c,
        p.id,
        &EnrolInput {
            program: "otp".into(),
            level: "opioid_treatment_program".into(),
            on: start.to_string(),
        },
    )
    .await?;
    let o = order(
        6813,
        30.0,
        Route::Oral,
        "Methadone 30 mg by mouth once a day, observed",
        start,
    )?;
    let OrderOutcome::Placed { order: placed, .. } =
        app.place_order(prescriber, p.id, &o, None).await?
    else {
        anyhow::bail!("the demo methadone order was stopped");
    };
    let raised_on = start + Duration::days(10);
    app.change_dose(
        prescriber,
        p.id,
        placed.id,
        &DoseChange::Titrate(DoseStep {
            on: raised_on,
            dose: Dose::mg(60.0).context("demo dose")?,
        }),
        "Withdrawal symptoms in the afternoons at 30 mg; raised in steps to 60 mg",
        None,
    )
    .await?;
    // Sweating from the methadone label's list, constipation from the
    // general one; the sweating eases by the fourth week.
    side_effects(
        app,
        prescriber,
        p.id,
        placed.id,
        start + Duration::days(6),
        &[("sweating", "moderate"), ("constipation", "mild")],
    )
    .await?;
    side_effects(
        app,
        prescriber,
        p.id,
        placed.id,
        start + Duration::days(27),
        &[("sweating", "mild")],
    )
    .await?;
    let missed = start + Duration::days(23);
    let mut day = start;
    while day <= today {
        let mg = if day < raised_on { 30.0 } else { 60.0 };
        let entry = if day == missed {
            Entry::Missed
        } else {
            Entry::Given {
                how: Given::Observed,
                amount: Dose::mg(mg).context("demo dose")?,
                part: Part::WHOLE,
            }
        };
        // Doses are given at 08:00, or now for a dose today before eight.
        let given_at = (day != missed)
            .then(|| (day.midnight().assume_utc() + Duration::hours(8)).min(app.now()));
        app.record_dose(
            nurse,
            p.id,
            &NewDose {
                order: placed.id,
                on: day,
                entry,
                given_at,
                note: if day == missed {
                    "Car broke down; called the clinic".into()
                } else {
                    String::new()
                },
            },
        )
        .await
        .with_context(|| format!("demo dose on {day}"))?;
        day += Duration::days(1);
    }
    let criteria: Vec<(String, Option<bool>, String)> = [
        "no_active_use",
        "attendance",
        "no_behavioural_problems",
        "no_diversion",
        "safe_transport_storage",
        "other_factors",
    ]
    .iter()
    .map(|id| ((*id).to_string(), Some(true), String::new()))
    .collect();
    app.review_take_home_criteria(prescriber, p.id, placed.id, &criteria)
        .await?;
    let weekend: Vec<TakeHomeDay> = (1..=2)
        .map(|d| TakeHomeDay {
            on: today + Duration::days(d),
            closure: false,
        })
        .collect();
    app.grant_take_home(prescriber, p.id, placed.id, &weekend)
        .await?;
    Ok(())
}

/// Adds `who` to the patient's care team unless already on it.
async fn join_team(app: &App, by: &Caller, patient: PatientId, who: &Caller) -> Result<()> {
    let today = app.clock().today();
    let on = app
        .care_team(by, patient)
        .await?
        .iter()
        .any(|m| m.user_id == who.actor.user_id && m.active_on(today));
    if !on {
        app.add_care_team_member(by, patient, who.actor.user_id, None)
            .await?;
    }
    Ok(())
}

fn at(d: Date, hour: i64) -> String {
    let t = d.midnight().assume_utc() + Duration::hours(hour);
    format!("{}T{:02}:{:02}", t.date(), t.hour(), t.minute())
}

/// An escitalopram taper after six months in remission, a naltrexone start
/// after a documented opioid-free month and a negative screen, and a
/// lithium patient whose latest level is above the range. Codes from the
/// verified catalog (escitalopram 321988, naltrexone 7243, lithium 6448).
async fn more_medications(app: &App, patients: &[DemoPatient], prescriber: &Caller) -> Result<()> {
    let today = app.clock().today();
    if let Some(p) = patients.iter().find(|p| p.index == 31) {
        join_team(app, &p.clinician, p.id, prescriber).await?;
        let o = order(
            321988,
            20.0,
            Route::Oral,
            "Take one 20 mg tablet by mouth every morning",
            today - Duration::weeks(30),
        )?;
        if let OrderOutcome::Placed { order: placed, .. } =
            app.place_order(prescriber, p.id, &o, None).await?
        {
            let step = |weeks: i64, mg: f64| -> Result<DoseStep> {
                Ok(DoseStep {
                    on: today + Duration::weeks(weeks),
                    dose: Dose::mg(mg).context("demo dose")?,
                })
            };
            app.change_dose(
                prescriber,
                p.id,
                placed.id,
                &DoseChange::Taper {
                    steps: vec![step(-2, 10.0)?, step(2, 5.0)?],
                    stop_on: Some(today + Duration::weeks(4)),
                },
                "In remission for six months; tapering off with the patient's agreement",
                None,
            )
            .await?;
        }
    }
    if let Some(p) = patients.iter().find(|p| p.index == 35) {
        let c = &p.clinician;
        join_team(app, c, p.id, prescriber).await?;
        app.add_diagnosis(c, p.id, &diagnosis("F11.21", "secondary"))
            .await?;
        let mut a = assessment(
            "Opioid use disorder in early remission; wants relapse prevention",
            "prefers_medication",
        );
        a.substances = vec![SubstanceInput {
            substance: "opioid_prescription".into(),
            route: "oral".into(),
            frequency: "daily".into(),
            last_use: (today - Duration::days(30)).to_string(),
            last_use_unknown: false,
            note: "Documented at intake".into(),
        }];
        app.save_assessment(c, p.id, None, &a).await?;
        app.record_drug_screen(
            prescriber,
            p.id,
            &ScreenInput {
                collected: at(today - Duration::days(1), 9),
                results: ["opioids", "fentanyl", "buprenorphine", "methadone"]
                    .iter()
                    .map(|s| ((*s).to_string(), "negative".to_string()))
                    .collect(),
            },
        )
        .await?;
        let o = order(
            7243,
            50.0,
            Route::Oral,
            "Take one 50 mg tablet by mouth once a day",
            today,
        )?;
        app.place_order(prescriber, p.id, &o, None).await?;
    }
    if let Some(p) = patients.iter().find(|p| p.index == 41) {
        let c = &p.clinician;
        join_team(app, c, p.id, prescriber).await?;
        app.add_diagnosis(c, p.id, &diagnosis("F31.81", "secondary"))
            .await?;
        let o = order(
            6448,
            900.0,
            Route::Oral,
            "Take 300 mg by mouth three times a day",
            today - Duration::weeks(12),
        )?;
        let placed = app.place_order(prescriber, p.id, &o, None).await?;
        for (weeks_ago, level) in [(10, "0.5"), (6, "0.8"), (0, "1.3")] {
            app.record_lab(
                prescriber,
                p.id,
                &LabInput {
                    analyte: "lithium".into(),
                    value: level.into(),
                    effective: at(today - Duration::weeks(weeks_ago) - Duration::days(1), 8),
                },
            )
            .await?;
        }
        // No label for lithium's class is on file: the tremor is from the
        // general list.
        if let OrderOutcome::Placed { order, .. } = placed {
            side_effects(
                app,
                prescriber,
                p.id,
                order.id,
                today - Duration::days(1),
                &[("tremor", "mild")],
            )
            .await?;
        }
    }
    Ok(())
}
