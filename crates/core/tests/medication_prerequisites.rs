//! Prerequisites of medications for opioid and alcohol use disorder, from
//! REFERENCE §3: naltrexone after at least 7 opioid-free days; disulfiram
//! after at least 12 hours without alcohol and with informed consent;
//! acamprosate with a creatinine clearance; a COWS score before a
//! buprenorphine induction.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod medication_common;

use medication_common::{START, active, order, patient, safety, stopped_days_ago};
use tandem_core::medication::{
    CheckResult, CowsScore, DrugScreen, FindingKind, Induction, PatientContext, ScreenResult,
    Severity, check,
};
use time::{Duration, PrimitiveDateTime, Time};

fn prereq_ids(r: &CheckResult) -> Vec<(String, Severity)> {
    r.all()
        .filter(|f| f.kind == FindingKind::Prerequisite)
        .map(|f| (f.rule_id.clone(), f.severity))
        .collect()
}

fn naltrexone(p: &PatientContext) -> CheckResult {
    check(safety(), &order("naltrexone", 50.0), p)
}

#[test]
fn naltrexone_needs_7_opioid_free_days() {
    let mut p = patient(vec![]);
    p.last_opioid_use = Some(START - Duration::days(6));
    let r = naltrexone(&p);
    assert!(r.stops_order());
    assert_eq!(
        prereq_ids(&r),
        vec![(
            "naltrexone_opioid_free_days".into(),
            Severity::Contraindicated
        )]
    );
    assert!(r.contraindications[0].text.contains("6 days"));
    p.last_opioid_use = Some(START - Duration::days(7));
    assert_eq!(naltrexone(&p), CheckResult::default());
}

#[test]
fn naltrexone_without_any_evidence_is_contraindicated() {
    let r = naltrexone(&patient(vec![]));
    assert!(r.stops_order());
    assert!(r.contraindications[0].text.contains("nothing shows them"));
}

#[test]
fn a_negative_screen_stands_in_under_the_clinic_setting_and_says_so() {
    let mut p = patient(vec![]);
    p.opioid_screen = Some(DrugScreen {
        on: START,
        result: ScreenResult::Negative,
    });
    let r = naltrexone(&p);
    assert!(!r.stops_order());
    let f = &r.warnings[0];
    assert_eq!(f.rule_id, "naltrexone_negative_screen_accepted");
    assert_eq!(f.severity, Severity::Low);
    assert!(!f.verified);
    assert!(f.text.contains("unverified"));
    // Within the shipped window of 1 day.
    p.opioid_screen = Some(DrugScreen {
        on: START - Duration::days(1),
        result: ScreenResult::Negative,
    });
    assert!(!naltrexone(&p).stops_order());
    // Too old.
    p.opioid_screen = Some(DrugScreen {
        on: START - Duration::days(2),
        result: ScreenResult::Negative,
    });
    assert!(naltrexone(&p).stops_order());
}

#[test]
fn a_positive_opioid_screen_is_a_contraindication() {
    let mut p = patient(vec![]);
    p.last_opioid_use = Some(START - Duration::days(30));
    p.opioid_screen = Some(DrugScreen {
        on: START,
        result: ScreenResult::Positive,
    });
    let r = naltrexone(&p);
    assert_eq!(
        prereq_ids(&r),
        vec![(
            "naltrexone_positive_opioid_screen".into(),
            Severity::Contraindicated
        )]
    );
}

#[test]
fn naltrexone_with_active_methadone_is_the_interaction_finding() {
    let r = naltrexone(&patient(vec![active("methadone")]));
    assert!(r.stops_order());
    let ids: Vec<_> = r
        .contraindications
        .iter()
        .map(|f| f.rule_id.as_str())
        .collect();
    assert_eq!(ids, vec!["naltrexone_opioid_agonist"]);
}

#[test]
fn a_recently_stopped_opioid_counts_as_opioid_use() {
    let mut p = patient(vec![stopped_days_ago("methadone", 5)]);
    p.last_opioid_use = Some(START - Duration::days(60));
    let r = naltrexone(&p);
    assert!(r.stops_order());
    assert!(r.contraindications[0].text.contains("5 days"));
    // From 7 days after buprenorphine or methadone: allowed, with a warning
    // until 14 days.
    let r = naltrexone(&patient(vec![stopped_days_ago("buprenorphine", 7)]));
    assert!(!r.stops_order());
    assert_eq!(
        prereq_ids(&r),
        vec![(
            "naltrexone_after_long_acting_opioid".into(),
            Severity::Moderate
        )]
    );
    let r = naltrexone(&patient(vec![stopped_days_ago("methadone", 13)]));
    assert_eq!(prereq_ids(&r).len(), 1);
    assert_eq!(
        naltrexone(&patient(vec![stopped_days_ago("methadone", 14)])),
        CheckResult::default()
    );
    // Short-acting opioids: 7 days is enough.
    assert_eq!(
        naltrexone(&patient(vec![stopped_days_ago("oxycodone", 7)])),
        CheckResult::default()
    );
}

fn at(hours_before_start_noon: i64) -> PrimitiveDateTime {
    PrimitiveDateTime::new(START, Time::from_hms(12, 0, 0).unwrap())
        - Duration::hours(hours_before_start_noon)
}

fn disulfiram(p: &PatientContext) -> CheckResult {
    let mut o = order("disulfiram", 250.0);
    o.first_dose_at = Some(at(0));
    check(safety(), &o, p)
}

#[test]
fn disulfiram_needs_12_hours_without_alcohol() {
    let mut p = patient(vec![]);
    p.disulfiram_consent_recorded = true;
    p.last_alcohol_use = Some(at(11));
    let r = disulfiram(&p);
    assert!(r.stops_order());
    assert_eq!(
        r.contraindications[0].rule_id,
        "disulfiram_hours_since_alcohol"
    );
    // 11 h 59 min is not 12 hours.
    p.last_alcohol_use = Some(at(12) + Duration::minutes(1));
    assert!(disulfiram(&p).stops_order());
    p.last_alcohol_use = Some(at(12));
    let r = disulfiram(&p);
    assert!(!r.stops_order());
    // The alcohol-products advice comes with every disulfiram order.
    assert_eq!(
        prereq_ids(&r),
        vec![("disulfiram_alcohol_products".into(), Severity::Low)]
    );
    assert!(r.warnings[0].advice.contains("mouthwash"));
    p.last_alcohol_use = None;
    assert!(disulfiram(&p).stops_order());
}

#[test]
fn without_a_first_dose_time_the_start_of_the_start_date_is_used() {
    let mut p = patient(vec![]);
    p.disulfiram_consent_recorded = true;
    // Noon the day before start: 12 hours before midnight.
    p.last_alcohol_use = Some(at(24));
    assert!(!check(safety(), &order("disulfiram", 250.0), &p).stops_order());
    p.last_alcohol_use = Some(at(23));
    assert!(check(safety(), &order("disulfiram", 250.0), &p).stops_order());
}

#[test]
fn disulfiram_needs_informed_consent() {
    let mut p = patient(vec![]);
    p.last_alcohol_use = Some(at(48));
    let r = disulfiram(&p);
    assert!(r.stops_order());
    assert_eq!(
        r.contraindications[0].rule_id,
        "disulfiram_informed_consent"
    );
    p.disulfiram_consent_recorded = true;
    assert!(!disulfiram(&p).stops_order());
}

#[test]
fn acamprosate_needs_a_creatinine_clearance() {
    let r = check(safety(), &order("acamprosate", 1998.0), &patient(vec![]));
    assert_eq!(
        prereq_ids(&r),
        vec![(
            "acamprosate_creatinine_clearance_required".into(),
            Severity::High
        )]
    );
    let mut p = patient(vec![]);
    p.creatinine_clearance = Some(90);
    assert_eq!(
        check(safety(), &order("acamprosate", 1998.0), &p),
        CheckResult::default()
    );
}

#[test]
fn buprenorphine_induction_records_a_cows_score() {
    let induct = |cows: Option<u8>| {
        let mut o = order("buprenorphine", 8.0);
        o.induction = Some(Induction {
            cows: cows.map(|c| CowsScore::new(c).unwrap()),
        });
        check(safety(), &o, &patient(vec![]))
    };
    let r = induct(None);
    assert_eq!(
        prereq_ids(&r),
        vec![("buprenorphine_induction_cows".into(), Severity::High)]
    );
    // Below the clinic's starting threshold (8, unverified).
    let r = induct(Some(7));
    let f = &r.warnings[0];
    assert_eq!(f.severity, Severity::Moderate);
    assert!(!f.verified);
    assert!(f.text.contains("unverified"));
    assert_eq!(induct(Some(8)), CheckResult::default());
    assert!(CowsScore::new(49).is_none());
    // Not an induction: no COWS asked for.
    assert_eq!(
        check(safety(), &order("buprenorphine", 16.0), &patient(vec![])),
        CheckResult::default()
    );
}
