//! The intake's pathway recommendation, ASAM suggestion and assessment
//! checks, read with the shipped content files and real scoring of the
//! shipped instruments. Expected pathways come from the product's rules
//! (PHQ-9 bands from the clinical reference, section 1), not from the files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

use tandem_core::asam::{AsamRules, Ratings, RatingsInput};
use tandem_core::assessment::{
    AssessmentInput, LastUse, MedicationPreference, MseField, RiskLevel, Substance, SubstanceInput,
    SuicidalIdeation,
};
use tandem_core::flag::FlagKind;
use tandem_core::level_of_care::LevelOfCare;
use tandem_core::pathway::{
    Decision, Facts, MeasureFact, Pathway, PathwayRules, Recommendation, has_yes_no_rule,
};
use time::macros::date;

fn rules() -> PathwayRules {
    let lib = library();
    PathwayRules::parse(
        tandem_content::PATHWAY,
        |i| lib.get(i).is_some(),
        |i, r| lib.get(i).is_some_and(|inst| has_yes_no_rule(inst, r)),
    )
    .unwrap_or_else(|e| panic!("pathway.toml: {e}"))
}

/// A PHQ-9 with this total, scored by the shipped instrument.
fn phq9_total(total: u8) -> MeasureFact {
    let i = inst("phq9");
    let mut left = total;
    let codes: Vec<(String, String)> = (1..=9)
        .map(|n| {
            // Item 9 stays 0: a positive item 9 is a flag, tested apart.
            let a = if n == 9 { 0 } else { left.min(3) };
            left -= a;
            (n.to_string(), a.to_string())
        })
        .collect();
    assert_eq!(left, 0, "a PHQ-9 total of {total} needs item 9");
    let pairs: Vec<(&str, &str)> = codes
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let s = scored(&i, &answers(&pairs));
    assert_eq!(s.total, Some(i32::from(total)));
    MeasureFact::from_scored(&i, &s, None)
}

/// An MDQ with `yes` of the 13 Part 1 items, Part 2 and Part 3 as given.
fn mdq(yes: usize, together: &str, problem: &str) -> MeasureFact {
    let i = inst("mdq");
    let letters = "abcdefghijklm";
    let mut codes: Vec<(String, String)> = letters
        .chars()
        .enumerate()
        .map(|(n, c)| {
            (
                format!("1{c}"),
                if n < yes { "yes" } else { "no" }.to_string(),
            )
        })
        .collect();
    codes.push(("2".into(), together.into()));
    codes.push(("3".into(), problem.into()));
    let pairs: Vec<(&str, &str)> = codes
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    MeasureFact::from_scored(&i, &scored(&i, &answers(&pairs)), None)
}

fn with_measure(m: MeasureFact) -> Facts {
    Facts {
        measures: vec![m],
        ..Facts::default()
    }
}

fn with_diagnoses(codes: &[&str]) -> Facts {
    Facts {
        diagnoses: codes.iter().map(|c| c.to_string()).collect(),
        ..Facts::default()
    }
}

fn step_ids(r: &Recommendation) -> Vec<&str> {
    r.steps.iter().map(|s| s.id.as_str()).collect()
}

fn applied(r: &Recommendation) -> Vec<&str> {
    r.reasons
        .iter()
        .filter(|x| x.applied)
        .map(|x| x.rule.as_str())
        .collect()
}

#[test]
fn phq9_band_edges_set_the_pathway() {
    let r = rules();
    // 0-4 none/minimal: no rule; 5-14 mild and moderate: therapy first;
    // 15-27 moderately severe and severe: both.
    let cases = [
        (4, None),
        (5, Some(Pathway::Therapy)),
        (9, Some(Pathway::Therapy)),
        (10, Some(Pathway::Therapy)),
        (14, Some(Pathway::Therapy)),
        (15, Some(Pathway::Both)),
        (19, Some(Pathway::Both)),
        (20, Some(Pathway::Both)),
    ];
    for (total, want) in cases {
        let rec = r.recommend(&with_measure(phq9_total(total)));
        assert_eq!(rec.pathway, want, "PHQ-9 {total}");
        match want {
            None => {
                assert!(rec.no_rule_applies(), "PHQ-9 {total}");
                assert!(rec.steps.is_empty());
            }
            Some(Pathway::Therapy) => {
                assert_eq!(step_ids(&rec), ["therapy", "remeasure"], "PHQ-9 {total}");
                assert!(rec.reasons[0].because[0].starts_with("PHQ-9: "));
            }
            Some(_) => {
                assert!(step_ids(&rec).contains(&"medication_evaluation"));
                assert!(step_ids(&rec).contains(&"therapy"));
                assert!(!step_ids(&rec).contains(&"remeasure"));
            }
        }
    }
}

#[test]
fn diagnoses_trigger_by_code() {
    let r = rules();
    // Moderate/severe OUD (F11.2x) and AUD (F10.2x): MAT evaluation plus therapy.
    for code in ["F11.20", "F10.21", "F11.23"] {
        let rec = r.recommend(&with_diagnoses(&[code]));
        assert_eq!(rec.pathway, Some(Pathway::Both), "{code}");
        assert_eq!(step_ids(&rec), ["mat_evaluation", "therapy"], "{code}");
        assert_eq!(rec.reasons[0].because, [format!("diagnosis {code}")]);
    }
    // Mild opioid use disorder (F11.10) is not moderate or severe.
    let rec = r.recommend(&with_diagnoses(&["F11.10"]));
    assert_eq!(rec.pathway, None);
    assert!(rec.no_rule_applies());
    // Bipolar II: psychiatric evaluation before any antidepressant.
    let rec = r.recommend(&with_diagnoses(&["F31.81"]));
    assert_eq!(rec.pathway, Some(Pathway::Medication));
    assert_eq!(step_ids(&rec), ["psychiatric_evaluation"]);
    assert_eq!(rec.cautions.len(), 1);
    assert!(rec.cautions[0].contains("antidepressant"));
    // Moderate single episode: therapy first; severe: both.
    assert_eq!(
        r.recommend(&with_diagnoses(&["F32.1"])).pathway,
        Some(Pathway::Therapy)
    );
    assert_eq!(
        r.recommend(&with_diagnoses(&["F32.2"])).pathway,
        Some(Pathway::Both)
    );
    assert_eq!(
        r.recommend(&with_diagnoses(&["F33.3"])).pathway,
        Some(Pathway::Both)
    );
}

#[test]
fn mdq_positive_only_when_all_three_parts_hold() {
    let r = rules();
    let positive = r.recommend(&with_measure(mdq(7, "yes", "2")));
    assert_eq!(applied(&positive), ["bipolar_features"]);
    assert_eq!(step_ids(&positive), ["psychiatric_evaluation"]);
    assert_eq!(positive.reasons[0].because, ["MDQ: positive screen"]);
    for (yes, together, problem) in [(6, "yes", "3"), (13, "no", "3"), (13, "yes", "1")] {
        let rec = r.recommend(&with_measure(mdq(yes, together, problem)));
        assert!(
            rec.no_rule_applies(),
            "{yes} yes, part 2 {together}, part 3 {problem}"
        );
    }
}

#[test]
fn severe_depression_with_opioid_use_disorder_needs_both_and_a_mat_evaluation() {
    let r = rules();
    let f = Facts {
        measures: vec![phq9_total(20)],
        diagnoses: vec!["F11.20".into()],
        ..Facts::default()
    };
    let rec = r.recommend(&f);
    assert_eq!(rec.pathway, Some(Pathway::Both));
    let steps = step_ids(&rec);
    assert!(steps.contains(&"mat_evaluation"));
    assert!(steps.contains(&"medication_evaluation"));
    assert!(steps.contains(&"therapy"));
    assert_eq!(
        steps.iter().filter(|s| **s == "therapy").count(),
        1,
        "a step shared by two rules is listed once"
    );
    assert_eq!(applied(&rec).len(), 2);
}

#[test]
fn therapy_first_gives_way_when_another_rule_asks_for_medication() {
    let r = rules();
    let f = Facts {
        measures: vec![phq9_total(12)],
        diagnoses: vec!["F10.20".into()],
        ..Facts::default()
    };
    let rec = r.recommend(&f);
    assert_eq!(rec.pathway, Some(Pathway::Both));
    assert!(!step_ids(&rec).contains(&"remeasure"));
    let mild = rec
        .reasons
        .iter()
        .find(|x| x.because.iter().any(|b| b.starts_with("PHQ-9")))
        .expect("the depression rule is still shown");
    assert!(
        !mild.applied,
        "shown as not applied, never dropped silently"
    );
}

#[test]
fn suicide_risk_comes_first_whatever_else_applies() {
    let r = rules();
    let everything = Facts {
        measures: vec![phq9_total(22), mdq(9, "yes", "3")],
        diagnoses: vec!["F11.20".into(), "F31.81".into()],
        flags: vec![FlagKind::SuicideRisk],
        ..Facts::default()
    };
    let rec = r.recommend(&everything);
    assert!(rec.safety_first());
    assert_eq!(rec.steps[0].id, "same_day_safety");
    assert!(rec.steps.iter().skip(1).all(|s| !s.safety));
    assert_eq!(rec.pathway, Some(Pathway::Both));

    // The flag alone; the assessment's active ideation with a plan; a high
    // overall risk: each puts the safety step first.
    let alone = r.recommend(&Facts {
        flags: vec![FlagKind::SuicideRisk],
        ..Facts::default()
    });
    assert_eq!(step_ids(&alone), ["same_day_safety"]);
    assert_eq!(
        alone.pathway, None,
        "safety first; the pathway is still open"
    );
    assert!(!alone.no_rule_applies());
    for f in [
        Facts {
            suicidal_ideation: Some(SuicidalIdeation::ActiveWithPlan),
            measures: vec![phq9_total(6)],
            ..Facts::default()
        },
        Facts {
            overall_risk: Some(RiskLevel::High),
            measures: vec![phq9_total(6)],
            ..Facts::default()
        },
    ] {
        let rec = r.recommend(&f);
        assert_eq!(step_ids(&rec), ["same_day_safety", "therapy", "remeasure"]);
    }
    // Passive ideation, moderate overall risk and other flags do not.
    let rec = r.recommend(&Facts {
        suicidal_ideation: Some(SuicidalIdeation::Passive),
        overall_risk: Some(RiskLevel::Moderate),
        flags: vec![FlagKind::Worsening, FlagKind::SevereWithdrawal],
        measures: vec![phq9_total(6)],
        ..Facts::default()
    });
    assert!(!rec.safety_first());
}

#[test]
fn the_preference_is_shown_but_never_changes_the_recommendation() {
    let r = rules();
    let base = Facts {
        measures: vec![phq9_total(17)],
        ..Facts::default()
    };
    let none = r.recommend(&base);
    let prefers_none = r.recommend(&Facts {
        preference: MedicationPreference::PrefersNone,
        ..base.clone()
    });
    assert_eq!(prefers_none.pathway, none.pathway);
    assert_eq!(prefers_none.steps, none.steps);
    assert_eq!(prefers_none.reasons, none.reasons);
    assert_eq!(prefers_none.preference, MedicationPreference::PrefersNone);
    assert!(
        prefers_none
            .preference_conflict
            .as_deref()
            .is_some_and(|c| c.contains("prefers no medication")),
        "{prefers_none:?}"
    );
    assert_eq!(none.preference_conflict, None);
    let open = r.recommend(&Facts {
        preference: MedicationPreference::Open,
        ..base.clone()
    });
    assert_eq!(open.preference_conflict, None);
    // Therapy only for someone who wants medication is a point to discuss too.
    let wants = r.recommend(&Facts {
        measures: vec![phq9_total(7)],
        preference: MedicationPreference::Prefers,
        ..Facts::default()
    });
    assert_eq!(wants.pathway, Some(Pathway::Therapy));
    assert!(wants.preference_conflict.is_some());
}

#[test]
fn no_rule_means_the_clinician_decides() {
    let rec = rules().recommend(&Facts::default());
    assert_eq!(rec.pathway, None);
    assert!(rec.no_rule_applies());
    assert!(rec.reasons.is_empty());
    let e = Decision::accept(&rec).unwrap_err();
    assert!(e.for_field("decision").is_some());
    let d = Decision::overriding(&rec, "therapy", "patient asked for counselling").unwrap();
    assert_eq!(d.pathway(), Pathway::Therapy);
}

#[test]
fn an_override_needs_another_pathway_and_a_reason() {
    let rec = rules().recommend(&with_measure(phq9_total(16)));
    assert_eq!(
        Decision::accept(&rec).unwrap(),
        Decision::Accepted(Pathway::Both)
    );
    let e = Decision::overriding(&rec, "therapy", "  ").unwrap_err();
    assert!(e.for_field("reason").is_some());
    let e = Decision::overriding(&rec, "both", "agree").unwrap_err();
    assert!(e.for_field("pathway").is_some());
    let e = Decision::overriding(&rec, "surgery", "because").unwrap_err();
    assert!(e.for_field("pathway").is_some());
    let d = Decision::overriding(&rec, "therapy", "declines medication after discussion").unwrap();
    assert_eq!(d.as_str(), "overridden");
    assert_eq!(d.reason(), Some("declines medication after discussion"));
}

#[test]
fn every_shipped_rule_has_a_source_or_is_a_clinic_default() {
    let r = rules();
    for rule in &r.rules {
        assert!(rule.source.is_some() || rule.clinic_default, "{}", rule.id);
    }
    let lib = library();
    let unsourced = tandem_content::PATHWAY.replace("clinic_default = true\n", "");
    let unsourced = unsourced.replace(
        "source = \"F11.2x and F10.2x (opioid and alcohol dependence = moderate/severe use disorder): Tandem clinical reference, section 8\"\n",
        "",
    );
    let e = PathwayRules::parse(&unsourced, |i| lib.get(i).is_some(), |_, _| true).unwrap_err();
    assert!(e.contains("oud_aud"), "{e}");
    let bad_rule = tandem_content::PATHWAY.replace("rule = \"positive\"", "rule = \"maybe\"");
    let e = PathwayRules::parse(
        &bad_rule,
        |i| lib.get(i).is_some(),
        |i, r| lib.get(i).is_some_and(|inst| has_yes_no_rule(inst, r)),
    )
    .unwrap_err();
    assert!(e.contains("maybe"), "{e}");
}

fn asam() -> AsamRules {
    AsamRules::parse(tandem_content::ASAM).unwrap_or_else(|e| panic!("asam.toml: {e}"))
}

fn ratings(r: [u8; 6]) -> Ratings {
    RatingsInput {
        dimensions: r.map(|v| (v.to_string(), String::new())),
    }
    .validate()
    .unwrap()
}

#[test]
fn asam_suggestion_follows_the_content_mapping_and_says_what_it_is() {
    let a = asam();
    assert!(
        !a.verified,
        "shipped unverified until a clinician reviews it"
    );
    assert!(a.statement.contains("not the ASAM Criteria algorithm"));
    assert_eq!(a.name(1), "Acute intoxication and/or withdrawal potential");
    assert_eq!(a.name(6), "Recovery/living environment");

    let s = a.suggest(&ratings([3, 1, 2, 1, 2, 1])).unwrap();
    assert_eq!(s.level, LevelOfCare::WithdrawalManagement);
    assert_eq!(s.driven_by, [(1, 3)]);
    let s = a.suggest(&ratings([2, 0, 4, 1, 3, 1])).unwrap();
    assert_eq!(
        (s.level, s.asam_level.as_str()),
        (LevelOfCare::Residential, "3.7")
    );
    assert_eq!(s.driven_by, [(3, 4)]);
    let s = a.suggest(&ratings([1, 0, 3, 1, 3, 1])).unwrap();
    assert_eq!(
        (s.level, s.asam_level.as_str()),
        (LevelOfCare::Residential, "3.5")
    );
    assert_eq!(s.driven_by, [(3, 3), (5, 3)]);
    let s = a.suggest(&ratings([2, 1, 1, 1, 2, 0])).unwrap();
    assert_eq!(s.level, LevelOfCare::IntensiveOutpatient);
    let s = a.suggest(&ratings([1, 1, 0, 1, 1, 0])).unwrap();
    assert_eq!(
        (s.level, s.asam_level.as_str()),
        (LevelOfCare::Outpatient, "1")
    );

    // A level code the level does not span, or no catch-all rule, is refused.
    let bad = tandem_content::ASAM.replace("asam_level = \"2.1\"", "asam_level = \"2.5\"");
    assert!(AsamRules::parse(&bad).unwrap_err().contains("2.5"));
    let no_floor = tandem_content::ASAM.replace("at_least = 0", "at_least = 1");
    assert!(AsamRules::parse(&no_floor).is_err());
}

#[test]
fn asam_ratings_are_whole_numbers_from_0_to_4() {
    let mut input = RatingsInput {
        dimensions: [0, 1, 2, 3, 4, 0].map(|v| (v.to_string(), "ok".to_string())),
    };
    assert!(input.validate().is_ok());
    input.dimensions[1].0 = "5".into();
    input.dimensions[4].0 = String::new();
    let e = input.validate().unwrap_err();
    assert!(e.for_field("asam_d2").is_some());
    assert!(e.for_field("asam_d5").is_some());
    assert!(e.for_field("asam_d1").is_none());
}

fn minimal() -> AssessmentInput {
    AssessmentInput {
        presenting_problems: "Low mood for three months".into(),
        suicidal_ideation: "none".into(),
        overall_risk: "low".into(),
        ..AssessmentInput::default()
    }
}

fn heroin(last_use: &str, unknown: bool) -> SubstanceInput {
    SubstanceInput {
        substance: "opioid_heroin".into(),
        route: "injected".into(),
        frequency: "daily".into(),
        last_use: last_use.into(),
        last_use_unknown: unknown,
        note: String::new(),
    }
}

#[test]
fn the_date_of_last_use_is_a_past_date_or_explicitly_unknown() {
    let today = date!(2026 - 11 - 22);
    let mut a = minimal();
    a.substances = vec![heroin("2026-11-23", false)];
    let e = a.validate(today).unwrap_err();
    assert!(
        e.for_field("su1_last_use")
            .is_some_and(|m| m.contains("future")),
        "{e}"
    );
    a.substances = vec![heroin("", false)];
    assert!(
        a.validate(today)
            .unwrap_err()
            .for_field("su1_last_use")
            .is_some()
    );
    a.substances = vec![heroin("2026-11-20", true)];
    assert!(
        a.validate(today)
            .unwrap_err()
            .for_field("su1_last_use")
            .is_some()
    );

    a.substances = vec![
        SubstanceInput::default(),
        heroin("", true),
        heroin("2026-11-22", false),
    ];
    let ok = a.validate(today).unwrap();
    assert_eq!(ok.substance_use.len(), 2, "the blank row is ignored");
    assert_eq!(
        ok.last_use(Substance::Heroin),
        Some(LastUse::On(date!(2026 - 11 - 22))),
        "the known date wins over an unknown"
    );
    assert_eq!(ok.last_use(Substance::Alcohol), None);

    a.substances = vec![heroin("", true)];
    assert_eq!(
        a.validate(today).unwrap().last_use(Substance::Heroin),
        Some(LastUse::Unknown)
    );
}

#[test]
fn assessment_errors_name_their_fields() {
    let today = date!(2026 - 11 - 22);
    let a = AssessmentInput {
        mental_status: vec![(MseField::Affect, "sparkly".into(), String::new())],
        substances: vec![SubstanceInput {
            substance: "other".into(),
            last_use: "2026-01-01".into(),
            ..SubstanceInput::default()
        }],
        ..AssessmentInput::default()
    };
    let e = a.validate(today).unwrap_err();
    for field in [
        "presenting_problems",
        "suicidal_ideation",
        "overall_risk",
        "mse_affect",
        "su1_substance",
    ] {
        assert!(e.for_field(field).is_some(), "{field}: {e}");
    }
    // The form of a stored assessment validates back to the same assessment.
    let mut b = minimal();
    b.trauma_reported = true;
    b.mental_status = vec![(MseField::Mood, String::new(), "\"flat, tired\"".into())];
    b.substances = vec![heroin("2026-11-01", false)];
    b.medication_preference = "prefers_no_medication".into();
    let stored = b.validate(today).unwrap();
    let again = AssessmentInput::from_assessment(&stored)
        .validate(today)
        .unwrap();
    assert_eq!(again, stored);
    assert!(stored.trauma_reported);
}
