//! Interaction rules: every shipped rule fires for its pair in both orders
//! of entry and no rule fires for a pair it does not name; washouts count
//! from the stop date; the named cases from the reference.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod medication_common;

use medication_common::{START, TEXTS, active, order, patient, rx, safety, stopped_days_ago};
use std::collections::BTreeSet;
use tandem_core::medication::interaction::Matches;
use tandem_core::medication::{
    CheckResult, FindingKind, MedStatus, MedicationSafety, OtherMedication, RxCui, Severity, check,
};

fn interaction_ids(r: &CheckResult) -> BTreeSet<String> {
    r.all()
        .filter(|f| f.kind == FindingKind::Interaction)
        .map(|f| f.rule_id.clone())
        .collect()
}

fn with_all_rules_enabled() -> MedicationSafety {
    let s = safety();
    let unverified: Vec<String> = s
        .interactions
        .rules()
        .iter()
        .filter(|r| !r.verified)
        .map(|r| format!("{:?}", r.id))
        .collect();
    assert!(!unverified.is_empty());
    let settings = TEXTS.settings.replace(
        "enable_unverified_rules = []",
        &format!("enable_unverified_rules = [{}]", unverified.join(", ")),
    );
    let mut t = TEXTS;
    t.settings = &settings;
    MedicationSafety::parse(&t).unwrap()
}

/// Every pair of catalog drugs, both ways round: the rules that fire are
/// exactly those with one drug on each side, and the same in either order.
#[test]
fn every_rule_fires_for_its_pairs_in_both_orders_and_no_other_pair() {
    let s = with_all_rules_enabled();
    let drugs: Vec<_> = s
        .catalog
        .drugs()
        .map(|(i, d)| (i, d.rxcui, d.id.clone()))
        .collect();
    let mut fired_rules = BTreeSet::new();
    let mut silent_pairs = 0;
    for (i, ci, _) in &drugs {
        for (j, cj, _) in &drugs {
            if i >= j {
                continue;
            }
            let expected: BTreeSet<String> = s
                .interactions
                .rules()
                .iter()
                .filter(|r| {
                    (r.a.contains(*i) && r.b.contains(*j)) || (r.a.contains(*j) && r.b.contains(*i))
                })
                .map(|r| r.id.clone())
                .collect();
            let mut o = medication_common::order("sertraline", 50.0);
            o.drug = *ci;
            let forward = check(
                &s,
                &o,
                &patient(vec![OtherMedication {
                    drug: *cj,
                    status: MedStatus::Active,
                }]),
            );
            o.drug = *cj;
            let backward = check(
                &s,
                &o,
                &patient(vec![OtherMedication {
                    drug: *ci,
                    status: MedStatus::Active,
                }]),
            );
            assert_eq!(interaction_ids(&forward), expected, "{ci} then {cj}");
            assert_eq!(interaction_ids(&backward), expected, "{cj} then {ci}");
            if expected.is_empty() {
                silent_pairs += 1;
            }
            fired_rules.extend(expected);
        }
    }
    // Every drug-pair rule fired for at least one pair.
    for r in s.interactions.rules() {
        if matches!(r.b.matches, Matches::Condition(_))
            || matches!(r.a.matches, Matches::Condition(_))
        {
            continue;
        }
        assert!(fired_rules.contains(&r.id), "{} never fired", r.id);
    }
    assert!(silent_pairs > 2000, "{silent_pairs}");
}

/// Each rule's severity and the names of both drugs in its text.
#[test]
fn each_rule_names_both_drugs_and_carries_its_severity() {
    let s = with_all_rules_enabled();
    for r in s.interactions.rules() {
        let (Some(a), Some(b)) = (r.a.drugs(), r.b.drugs()) else {
            continue;
        };
        let x = a.iter().next().unwrap();
        let y = b.iter().find(|y| *y != x).unwrap();
        let (dx, dy) = (s.catalog.drug(x), s.catalog.drug(y));
        let mut o = order("sertraline", 50.0);
        o.drug = dx.rxcui;
        let res = check(
            &s,
            &o,
            &patient(vec![OtherMedication {
                drug: dy.rxcui,
                status: MedStatus::Active,
            }]),
        );
        let f = res.all().find(|f| f.rule_id == r.id).unwrap();
        assert_eq!(f.severity, r.severity, "{}", r.id);
        assert_eq!(f.drugs, vec![dx.name.clone(), dy.name.clone()]);
        assert!(
            f.text.contains(&dx.name) && f.text.contains(&dy.name),
            "{}",
            f.text
        );
        assert_eq!(f.verified, r.verified);
        assert_eq!(
            res.contraindications.iter().any(|c| c.rule_id == r.id),
            r.severity == Severity::Contraindicated
        );
    }
}

#[test]
fn unconfirmed_rules_stay_silent_until_the_clinic_enables_them() {
    let p = patient(vec![active("tramadol")]);
    let off = check(safety(), &order("bupropion", 300.0), &p);
    assert!(!interaction_ids(&off).contains("bupropion_seizure_threshold"));
    let on = check(&with_all_rules_enabled(), &order("bupropion", 300.0), &p);
    let f = on
        .all()
        .find(|f| f.rule_id == "bupropion_seizure_threshold")
        .unwrap();
    assert!(!f.verified);
}

#[test]
fn sertraline_with_phenelzine_is_contraindicated_naming_both_and_the_washout() {
    let r = check(
        safety(),
        &order("sertraline", 50.0),
        &patient(vec![active("phenelzine")]),
    );
    assert!(r.stops_order());
    let f = &r.contraindications[0];
    assert_eq!(f.rule_id, "maoi_ssri_snri");
    assert_eq!(f.drugs, vec!["sertraline", "phenelzine"]);
    assert!(f.text.contains("sertraline") && f.text.contains("phenelzine"));
    assert!(f.text.contains("serotonin syndrome"));
    assert!(f.advice.contains("14 days"), "{}", f.advice);
    // The other order of entry.
    let r = check(
        safety(),
        &order("phenelzine", 45.0),
        &patient(vec![active("sertraline")]),
    );
    assert_eq!(r.contraindications[0].rule_id, "maoi_ssri_snri");
    assert_eq!(
        r.contraindications[0].drugs,
        vec!["phenelzine", "sertraline"]
    );
}

#[test]
fn a_stopped_maoi_counts_until_its_14_day_washout_ends() {
    let fires = |days| {
        let r = check(
            safety(),
            &order("sertraline", 50.0),
            &patient(vec![stopped_days_ago("phenelzine", days)]),
        );
        r.contraindications
            .iter()
            .any(|f| f.rule_id == "maoi_ssri_snri")
    };
    assert!(fires(0));
    assert!(fires(13));
    assert!(!fires(14));
    assert!(!fires(15));
    let r = check(
        safety(),
        &order("sertraline", 50.0),
        &patient(vec![stopped_days_ago("phenelzine", 13)]),
    );
    let text = &r.contraindications[0].text;
    assert!(text.contains("13 days before"), "{text}");
    assert!(text.contains("14-day washout ends on 2026-03-03"), "{text}");
}

#[test]
fn fluoxetine_counts_for_5_weeks_before_an_maoi() {
    let fires = |days| {
        let r = check(
            safety(),
            &order("phenelzine", 45.0),
            &patient(vec![stopped_days_ago("fluoxetine", days)]),
        );
        r.contraindications
            .iter()
            .any(|f| f.rule_id == "fluoxetine_maoi")
    };
    assert!(fires(28), "4 weeks after stopping fluoxetine");
    assert!(fires(34));
    assert!(!fires(35));
    // An MAOI stopped 20 days ago no longer stands in the way of fluoxetine.
    let r = check(
        safety(),
        &order("fluoxetine", 20.0),
        &patient(vec![stopped_days_ago("phenelzine", 20)]),
    );
    assert!(r.contraindications.is_empty());
    // Other SSRIs keep the 14-day washout.
    let r = check(
        safety(),
        &order("phenelzine", 45.0),
        &patient(vec![stopped_days_ago("sertraline", 20)]),
    );
    assert!(r.contraindications.is_empty());
}

#[test]
fn methadone_with_lorazepam_warns_high_and_says_not_to_withhold_treatment() {
    for (o, other) in [("methadone", "lorazepam"), ("lorazepam", "methadone")] {
        let r = check(safety(), &order(o, 2.0), &patient(vec![active(other)]));
        assert!(!r.stops_order());
        let f = r
            .warnings
            .iter()
            .find(|f| f.rule_id == "methadone_benzodiazepine")
            .unwrap();
        assert_eq!(f.severity, Severity::High);
        assert!(
            f.advice
                .contains("Do not withhold methadone or buprenorphine")
        );
        assert!(f.advice.contains("20 Sep 2017"));
    }
    // A benzodiazepine stopped yesterday has no washout in the rule.
    let r = check(
        safety(),
        &order("methadone", 30.0),
        &patient(vec![stopped_days_ago("lorazepam", 1)]),
    );
    assert!(r.all().all(|f| f.rule_id != "methadone_benzodiazepine"));
}

#[test]
fn naltrexone_with_buprenorphine_is_contraindicated() {
    let r = check(
        safety(),
        &order("naltrexone", 50.0),
        &patient(vec![active("buprenorphine")]),
    );
    assert!(
        r.contraindications
            .iter()
            .any(|f| f.rule_id == "naltrexone_opioid_agonist")
    );
    let r = check(
        safety(),
        &order("buprenorphine", 8.0),
        &patient(vec![active("naltrexone")]),
    );
    assert!(
        r.contraindications
            .iter()
            .any(|f| f.rule_id == "naltrexone_opioid_agonist")
    );
}

#[test]
fn unrelated_pairs_give_no_finding() {
    let r = check(
        safety(),
        &order("sertraline", 50.0),
        &patient(vec![active("lisinopril")]),
    );
    assert_eq!(r, CheckResult::default());
    let r = check(
        safety(),
        &order("buspirone", 30.0),
        &patient(vec![active("omeprazole"), active("propranolol")]),
    );
    assert_eq!(r, CheckResult::default());
}

#[test]
fn a_held_medication_counts_as_active() {
    let r = check(
        safety(),
        &order("sertraline", 50.0),
        &patient(vec![OtherMedication {
            drug: rx("phenelzine"),
            status: MedStatus::Held,
        }]),
    );
    assert!(r.stops_order());
}

#[test]
fn a_stop_date_after_the_start_date_still_counts() {
    let r = check(
        safety(),
        &order("methadone", 30.0),
        &patient(vec![stopped_days_ago("lorazepam", -3)]),
    );
    assert!(
        r.warnings
            .iter()
            .any(|f| f.rule_id == "methadone_benzodiazepine")
    );
}

#[test]
fn aliases_match_like_the_ingredient() {
    let mut p = patient(vec![OtherMedication {
        drug: RxCui::new(266856).unwrap(), // divalproex sodium
        status: MedStatus::Active,
    }]);
    let r = check(safety(), &order("lamotrigine", 25.0), &p);
    let f = r
        .warnings
        .iter()
        .find(|f| f.rule_id == "valproate_lamotrigine")
        .unwrap();
    assert!(f.advice.contains("25 mg every other day"));
    p.medications[0].drug = RxCui::new(42351).unwrap(); // lithium carbonate
    let r = check(safety(), &order("ibuprofen", 1200.0), &p);
    assert!(r.warnings.iter().any(|f| f.rule_id == "lithium_nsaid"));
}

#[test]
fn clozapine_with_a_change_in_smoking() {
    let mut p = patient(vec![]);
    let r = check(safety(), &order("clozapine", 300.0), &p);
    assert!(r.warnings.is_empty());
    p.smoking_change = true;
    let r = check(safety(), &order("clozapine", 300.0), &p);
    let f = r
        .warnings
        .iter()
        .find(|f| f.rule_id == "clozapine_smoking_change")
        .unwrap();
    assert_eq!(f.severity, Severity::High);
    assert!(f.text.contains("clozapine") && f.text.contains("smoking"));
}

#[test]
fn drugs_outside_the_catalog_are_reported_unchecked() {
    let unknown = RxCui::new(999_999_999).unwrap();
    let r = check(
        safety(),
        &order("sertraline", 50.0),
        &patient(vec![OtherMedication {
            drug: unknown,
            status: MedStatus::Active,
        }]),
    );
    assert_eq!(r.not_checked, vec![unknown]);
    let mut o = order("sertraline", 50.0);
    o.drug = unknown;
    let r = check(safety(), &o, &patient(vec![active("phenelzine")]));
    assert_eq!(r.not_checked, vec![unknown]);
    assert_eq!(r.warnings[0].rule_id, "not_in_catalog");
    assert!(!r.stops_order());
}

#[test]
fn findings_come_back_most_serious_first() {
    let r = check(
        safety(),
        &order("methadone", 30.0),
        &patient(vec![
            active("lorazepam"),
            active("escitalopram"),
            active("naltrexone"),
        ]),
    );
    assert!(r.stops_order());
    let sev: Vec<_> = r.warnings.iter().map(|f| f.severity).collect();
    let mut sorted = sev.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(sev, sorted);
    assert!(
        r.contraindications
            .iter()
            .all(|f| f.severity == Severity::Contraindicated)
    );
    assert_eq!(START, medication_common::START);
}

#[test]
fn one_drug_listed_twice_is_one_medication() {
    let p = patient(vec![
        stopped_days_ago("phenelzine", 30),
        active("phenelzine"),
        stopped_days_ago("phenelzine", 3),
    ]);
    let r = check(safety(), &order("sertraline", 50.0), &p);
    assert_eq!(r.contraindications.len(), 1);
    assert!(!r.contraindications[0].text.contains("was stopped"));
    let p = patient(vec![
        stopped_days_ago("phenelzine", 30),
        stopped_days_ago("phenelzine", 3),
    ]);
    let r = check(safety(), &order("sertraline", 50.0), &p);
    assert_eq!(r.contraindications.len(), 1);
    assert!(r.contraindications[0].text.contains("3 days before"));
}

mod properties {
    use super::medication_common::{START, order, patient, safety};
    use proptest::prelude::*;
    use tandem_core::medication::{MedStatus, OtherMedication, Severity, check};
    use time::Duration;

    fn status() -> impl Strategy<Value = MedStatus> {
        prop_oneof![
            Just(MedStatus::Active),
            Just(MedStatus::Held),
            (-10i64..60).prop_map(|d| MedStatus::Stopped {
                on: START - Duration::days(d)
            }),
        ]
    }

    proptest! {
        /// Any order against any ten medications: findings are split by
        /// severity, name the ordered drug first, and do not depend on the
        /// order of the medication list.
        #[test]
        fn findings_are_well_formed_and_independent_of_list_order(
            o in 0usize..93,
            meds in proptest::collection::vec((0usize..93, status()), 10),
        ) {
            let s = safety();
            let drugs: Vec<_> = s.catalog.drugs().map(|(_, d)| (d.rxcui, d.name.clone())).collect();
            let mut ord = order("sertraline", 50.0);
            ord.drug = drugs[o].0;
            let list: Vec<OtherMedication> = meds
                .iter()
                .map(|(i, st)| OtherMedication { drug: drugs[*i].0, status: *st })
                .collect();
            let mut p = patient(list.clone());
            let r = check(s, &ord, &p);
            prop_assert!(r.contraindications.iter().all(|f| f.severity == Severity::Contraindicated));
            prop_assert!(r.warnings.iter().all(|f| f.severity != Severity::Contraindicated));
            for f in r.all() {
                prop_assert!(f.drugs.is_empty() || f.drugs[0] == drugs[o].1);
                prop_assert!(!f.text.is_empty() && !f.advice.is_empty() && !f.source.is_empty());
            }
            let mut reversed = list;
            reversed.reverse();
            p.medications = reversed;
            let r2 = check(s, &ord, &p);
            let key = |r: &tandem_core::medication::CheckResult| {
                let mut v: Vec<_> = r.all().map(|f| (f.rule_id.clone(), f.drugs.clone())).collect();
                v.sort();
                v
            };
            prop_assert_eq!(key(&r), key(&r2));
        }
    }
}

/// The rules the codes in rxnorm-added.csv allow: each fires for its pair in
/// both orders of entry with its severity, and an unrelated pair stays
/// silent.
#[test]
fn rules_for_the_added_codes_fire_both_ways_with_their_severity() {
    let cases = [
        // #5: MAOI with meperidine or dextromethorphan, contraindicated.
        (
            "phenelzine",
            "meperidine",
            "maoi_serotonergic_opioid",
            Severity::Contraindicated,
        ),
        (
            "tranylcypromine",
            "dextromethorphan",
            "maoi_serotonergic_opioid",
            Severity::Contraindicated,
        ),
        (
            "selegiline",
            "meperidine",
            "maoi_serotonergic_opioid",
            Severity::Contraindicated,
        ),
        // Sumatriptan's labelling: with an MAOI, contraindicated.
        (
            "phenelzine",
            "sumatriptan",
            "maoi_sumatriptan",
            Severity::Contraindicated,
        ),
        // #23: lamotrigine with the inducer phenytoin, moderate.
        (
            "lamotrigine",
            "phenytoin",
            "lamotrigine_carbamazepine",
            Severity::Moderate,
        ),
        // #11: methadone with the inducers phenytoin and efavirenz, high.
        (
            "methadone",
            "phenytoin",
            "methadone_cyp3a4_inducer",
            Severity::High,
        ),
        (
            "methadone",
            "efavirenz",
            "methadone_cyp3a4_inducer",
            Severity::High,
        ),
        // #32: SSRI with a triptan, moderate.
        (
            "sertraline",
            "sumatriptan",
            "ssri_serotonergic",
            Severity::Moderate,
        ),
        (
            "escitalopram",
            "zolmitriptan",
            "ssri_serotonergic",
            Severity::Moderate,
        ),
        (
            "fluoxetine",
            "naratriptan",
            "ssri_serotonergic",
            Severity::Moderate,
        ),
        (
            "paroxetine",
            "eletriptan",
            "ssri_serotonergic",
            Severity::Moderate,
        ),
        // #33: SSRI or SNRI with warfarin or aspirin, high.
        ("sertraline", "warfarin", "ssri_snri_nsaid", Severity::High),
        ("citalopram", "aspirin", "ssri_snri_nsaid", Severity::High),
        ("venlafaxine", "warfarin", "ssri_snri_nsaid", Severity::High),
        ("duloxetine", "aspirin", "ssri_snri_nsaid", Severity::High),
    ];
    for (x, y, rule, severity) in cases {
        for (first, second) in [(x, y), (y, x)] {
            let r = check(
                safety(),
                &order(first, 10.0),
                &patient(vec![active(second)]),
            );
            let f = r
                .all()
                .find(|f| f.rule_id == rule)
                .unwrap_or_else(|| panic!("{rule} did not fire for {first} then {second}"));
            assert_eq!(f.severity, severity, "{first} then {second}");
            assert!(f.verified, "{rule}");
            assert_eq!(f.drugs, vec![first, second]);
            assert_eq!(
                r.contraindications.iter().any(|c| c.rule_id == rule),
                severity == Severity::Contraindicated,
                "{first} then {second}"
            );
        }
    }
    // Unrelated pairs stay silent.
    for (x, y) in [
        ("sumatriptan", "warfarin"),
        ("phenytoin", "sertraline"),
        ("efavirenz", "buprenorphine"),
        ("aspirin", "lithium"),
        ("dextromethorphan", "sertraline"),
        ("eletriptan", "venlafaxine"),
        ("warfarin", "mirtazapine"),
    ] {
        for (first, second) in [(x, y), (y, x)] {
            let r = check(
                safety(),
                &order(first, 10.0),
                &patient(vec![active(second)]),
            );
            assert!(
                interaction_ids(&r).is_empty(),
                "{first} then {second}: {:?}",
                interaction_ids(&r)
            );
        }
    }
    // The clozapine rule (#26, strong CYP3A4 inducers) takes in phenytoin,
    // which #26 names, in either order of entry; not efavirenz, which only
    // #11 names (for methadone).
    for (first, second) in [("clozapine", "phenytoin"), ("phenytoin", "clozapine")] {
        let r = check(
            safety(),
            &order(second, 100.0),
            &patient(vec![active(first)]),
        );
        assert!(
            interaction_ids(&r).contains("clozapine_cyp3a4_inducer"),
            "{first} then {second}: {:?}",
            interaction_ids(&r)
        );
    }
    let r = check(
        safety(),
        &order("clozapine", 100.0),
        &patient(vec![active("efavirenz")]),
    );
    assert!(!interaction_ids(&r).contains("clozapine_cyp3a4_inducer"));
}
