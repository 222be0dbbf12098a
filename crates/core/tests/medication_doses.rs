//! Dose limits at their edges, written from the reference (REFERENCE §3 and
//! §6), not from the content files: citalopram 40 mg/day, 20 mg/day when
//! older than 60 (from age 61) or with a CYP2C19 inhibitor; acamprosate by
//! creatinine clearance (≤30 contraindicated, 31–50 333 mg three times
//! daily); methadone's first-day total of 50 mg; duplicate therapy. The
//! catalog's usual daily maxima are checked at their edge for every drug
//! that has one, and two of them are pinned from the FDA labels: sertraline
//! 200 mg/day and escitalopram 20 mg/day.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod medication_common;

use medication_common::{active, order, patient, safety, stopped_days_ago};
use tandem_core::medication::{
    CheckResult, Dose, DoseUnit, Drug, DrugIdx, FindingKind, FirstDay, PatientContext, Severity,
    check,
};

fn dose_ids(r: &CheckResult) -> Vec<String> {
    r.all()
        .filter(|f| f.kind == FindingKind::DoseLimit)
        .map(|f| f.rule_id.clone())
        .collect()
}

fn citalopram(mg: f64, p: &PatientContext) -> CheckResult {
    check(safety(), &order("citalopram", mg), p)
}

#[test]
fn citalopram_40_mg_is_the_maximum() {
    let p = patient(vec![]);
    assert!(dose_ids(&citalopram(40.0, &p)).is_empty());
    let r = citalopram(41.0, &p);
    assert_eq!(dose_ids(&r), vec!["citalopram_max"]);
    let f = &r.warnings[0];
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.text.contains("41 mg/day") && f.text.contains("40 mg/day"),
        "{}",
        f.text
    );
    assert!(f.source.contains("S45"));
    // The same dose in another unit of mass.
    let mut o = order("citalopram", 1.0);
    o.daily_dose = Dose::new(41_000.0, DoseUnit::Mcg).unwrap();
    assert_eq!(dose_ids(&check(safety(), &o, &p)), vec!["citalopram_max"]);
    o.daily_dose = Dose::new(40_000.0, DoseUnit::Mcg).unwrap();
    assert!(dose_ids(&check(safety(), &o, &p)).is_empty());
}

#[test]
fn citalopram_20_mg_from_age_61() {
    let mut p = patient(vec![]);
    p.age_years = 61;
    assert!(dose_ids(&citalopram(20.0, &p)).is_empty());
    assert_eq!(
        dose_ids(&citalopram(21.0, &p)),
        vec!["citalopram_max_older_than_60"]
    );
    // "Older than 60": 60 is not older than 60.
    p.age_years = 60;
    assert!(dose_ids(&citalopram(30.0, &p)).is_empty());
    p.age_years = 61;
    assert_eq!(
        dose_ids(&citalopram(30.0, &p)),
        vec!["citalopram_max_older_than_60"]
    );
    // Above 40 at 61: both limits are broken.
    assert_eq!(
        dose_ids(&citalopram(41.0, &p)),
        vec!["citalopram_max", "citalopram_max_older_than_60"]
    );
}

#[test]
fn citalopram_20_mg_with_a_cyp2c19_inhibitor_or_slow_clearance() {
    let p = patient(vec![active("cimetidine")]);
    assert!(dose_ids(&citalopram(20.0, &p)).is_empty());
    let r = citalopram(21.0, &p);
    assert_eq!(dose_ids(&r), vec!["citalopram_max_cyp2c19_inhibitor"]);
    // The interaction itself is named at any dose.
    assert!(
        citalopram(10.0, &p)
            .warnings
            .iter()
            .any(|f| f.rule_id == "citalopram_cyp2c19_inhibitor")
    );
    // A stopped inhibitor no longer limits the dose.
    let p = patient(vec![stopped_days_ago("cimetidine", 2)]);
    assert!(dose_ids(&citalopram(30.0, &p)).is_empty());
    let mut p = patient(vec![]);
    p.hepatic_impairment = true;
    assert_eq!(
        dose_ids(&citalopram(21.0, &p)),
        vec!["citalopram_max_hepatic_impairment"]
    );
    let mut p = patient(vec![]);
    p.cyp2c19_poor_metabolizer = true;
    assert_eq!(
        dose_ids(&citalopram(21.0, &p)),
        vec!["citalopram_max_cyp2c19_poor_metabolizer"]
    );
}

#[test]
fn a_dose_in_millilitres_cannot_be_compared_and_says_so() {
    let mut o = order("citalopram", 1.0);
    o.daily_dose = Dose::new(20.0, DoseUnit::Ml).unwrap();
    let r = check(safety(), &o, &patient(vec![]));
    assert!(
        r.warnings
            .iter()
            .any(|f| f.text.contains("not in a unit of mass"))
    );
}

#[test]
fn doses_must_be_positive() {
    assert!(Dose::mg(0.0).is_none());
    assert!(Dose::mg(-5.0).is_none());
    assert!(Dose::mg(f64::NAN).is_none());
    assert!(Dose::mg(f64::INFINITY).is_none());
}

fn acamprosate(mg: f64, crcl: Option<u32>) -> CheckResult {
    let mut p = patient(vec![]);
    p.creatinine_clearance = crcl;
    check(safety(), &order("acamprosate", mg), &p)
}

#[test]
fn acamprosate_by_creatinine_clearance() {
    assert!(dose_ids(&acamprosate(1998.0, Some(51))).is_empty());
    let r = acamprosate(1998.0, Some(50));
    assert!(!r.stops_order());
    let f = r
        .warnings
        .iter()
        .find(|f| f.rule_id == "acamprosate_creatinine_clearance")
        .unwrap();
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.advice.contains("333 mg three times daily"),
        "{}",
        f.advice
    );
    let r = acamprosate(1998.0, Some(31));
    assert!(!r.stops_order());
    assert_eq!(dose_ids(&r), vec!["acamprosate_creatinine_clearance"]);
    // Already on the reduced dose.
    assert!(dose_ids(&acamprosate(999.0, Some(40))).is_empty());
    // ≤30, not <30.
    let r = acamprosate(999.0, Some(30));
    assert!(r.stops_order());
    assert_eq!(
        r.contraindications[0].rule_id,
        "acamprosate_creatinine_clearance"
    );
    assert!(acamprosate(999.0, Some(0)).stops_order());
}

#[test]
fn acamprosate_above_its_usual_dose() {
    let r = acamprosate(2997.0, Some(90));
    let f = r
        .warnings
        .iter()
        .find(|f| f.kind == FindingKind::DoseLimit)
        .unwrap();
    assert_eq!(f.rule_id, "catalog_usual_max.acamprosate");
    assert_eq!(f.severity, Severity::Moderate);
    assert!(dose_ids(&acamprosate(1998.0, Some(90))).is_empty());
}

fn usual_max_findings(id: &str, mg: f64) -> Vec<tandem_core::medication::Finding> {
    let rule = format!("catalog_usual_max.{id}");
    check(safety(), &order(id, mg), &patient(vec![]))
        .all()
        .filter(|f| f.rule_id == rule)
        .cloned()
        .collect()
}

/// A drug whose daily limit is stated in dose_limits.toml (citalopram):
/// the stated limit speaks for it, not the catalog.
fn has_stated_limit(drug: DrugIdx) -> bool {
    safety().dose_limits.limits.iter().any(|l| l.drug == drug)
}

fn drugs_with_usual_max() -> Vec<(&'static Drug, f64)> {
    safety()
        .catalog
        .drugs()
        .filter_map(|(_, d)| Some((d, d.daily_dose_mg.as_ref()?.max?)))
        .collect()
}

#[test]
fn every_usual_maximum_is_allowed_and_one_mg_more_is_flagged() {
    let drugs = drugs_with_usual_max();
    let mut tested = 0;
    for (d, max) in &drugs {
        assert!(
            usual_max_findings(&d.id, *max).is_empty(),
            "{} at its usual maximum of {max} mg/day",
            d.id
        );
        let over = usual_max_findings(&d.id, max + 1.0);
        assert_eq!(over.len(), 1, "{} at {} mg/day", d.id, max + 1.0);
        let f = &over[0];
        assert_eq!(f.severity, Severity::Moderate, "{}", d.id);
        assert_eq!(f.kind, FindingKind::DoseLimit, "{}", d.id);
        assert_eq!(f.drugs, vec![d.name.clone()]);
        assert!(
            f.text.contains(&format!("usual maximum of {max} mg/day")),
            "{}",
            f.text
        );
        assert!(!f.source.is_empty(), "{} has no source", d.id);
        tested += 1;
    }
    assert_eq!(tested, drugs.len());
    // Acamprosate's from the reference and 23 from the FDA labels.
    assert!(tested >= 24, "only {tested} drugs have a usual maximum");
}

#[test]
fn sertraline_200_mg_a_day_is_the_usual_maximum() {
    assert!(usual_max_findings("sertraline", 200.0).is_empty());
    let f = usual_max_findings("sertraline", 201.0);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].text.contains("201 mg/day") && f[0].text.contains("200 mg/day"),
        "{}",
        f[0].text
    );
    assert!(f[0].source.contains("FDA label"), "{}", f[0].source);
    // The same amounts in micrograms.
    let mut o = order("sertraline", 1.0);
    o.daily_dose = Dose::new(201_000.0, DoseUnit::Mcg).unwrap();
    assert_eq!(
        dose_ids(&check(safety(), &o, &patient(vec![]))),
        vec!["catalog_usual_max.sertraline"]
    );
    o.daily_dose = Dose::new(200_000.0, DoseUnit::Mcg).unwrap();
    assert!(dose_ids(&check(safety(), &o, &patient(vec![]))).is_empty());
}

#[test]
fn escitalopram_20_mg_a_day_is_the_usual_maximum() {
    assert!(usual_max_findings("escitalopram", 20.0).is_empty());
    assert_eq!(usual_max_findings("escitalopram", 21.0).len(), 1);
    assert_eq!(
        dose_ids(&check(
            safety(),
            &order("escitalopram", 21.0),
            &patient(vec![])
        )),
        vec!["catalog_usual_max.escitalopram"]
    );
}

#[test]
fn a_drug_with_no_usual_maximum_gets_no_maximum_check() {
    let unlimited: Vec<&Drug> = safety()
        .catalog
        .drugs()
        .filter(|(idx, d)| {
            d.daily_dose_mg.as_ref().and_then(|r| r.max).is_none() && !has_stated_limit(*idx)
        })
        .map(|(_, d)| d)
        .collect();
    for d in &unlimited {
        assert!(
            dose_ids(&check(safety(), &order(&d.id, 10_000.0), &patient(vec![])))
                .iter()
                .all(|id| !id.starts_with("catalog_usual_max.")),
            "{}",
            d.id
        );
    }
    // Methadone, buprenorphine and the drugs whose labels give no plain
    // maximum stay unchecked.
    assert!(unlimited.iter().any(|d| d.id == "methadone"));
}

fn methadone_first_day(total: f64, justified: bool) -> CheckResult {
    let mut o = order("methadone", total);
    o.first_day = Some(FirstDay {
        total: Dose::mg(total).unwrap(),
        higher_dose_justified: justified,
    });
    check(safety(), &o, &patient(vec![]))
}

#[test]
fn methadone_first_day_above_50_mg_needs_a_documented_justification() {
    assert!(!methadone_first_day(50.0, false).stops_order());
    let r = methadone_first_day(51.0, false);
    assert!(r.stops_order());
    let f = &r.contraindications[0];
    assert_eq!(f.rule_id, "methadone_first_day");
    assert!(f.source.contains("8.12(h)(3)(ii)"));
    assert!(!methadone_first_day(51.0, true).stops_order());
    assert!(dose_ids(&methadone_first_day(51.0, true)).is_empty());
    // Not the first day: no first-day limit.
    assert!(
        dose_ids(&check(
            safety(),
            &order("methadone", 80.0),
            &patient(vec![])
        ))
        .is_empty()
    );
}

fn duplicate_ids(r: &CheckResult) -> Vec<String> {
    r.all()
        .filter(|f| f.kind == FindingKind::DuplicateTherapy)
        .map(|f| f.rule_id.clone())
        .collect()
}

#[test]
fn two_ssris_warn_unless_a_cross_taper_is_documented() {
    let p = patient(vec![active("escitalopram")]);
    let r = check(safety(), &order("sertraline", 50.0), &p);
    assert_eq!(duplicate_ids(&r), vec!["duplicate_therapy.ssri"]);
    let f = &r.warnings[0];
    assert_eq!(f.drugs, vec!["sertraline", "escitalopram"]);
    assert!(!r.stops_order());
    let mut o = order("sertraline", 50.0);
    o.cross_taper_documented = true;
    let r = check(safety(), &o, &p);
    assert_eq!(r, CheckResult::default());
}

#[test]
fn duplicate_therapy_counts_only_drugs_still_taken() {
    let p = patient(vec![stopped_days_ago("escitalopram", 1)]);
    assert!(duplicate_ids(&check(safety(), &order("sertraline", 50.0), &p)).is_empty());
    // The same drug again is a dose change, not a duplicate.
    let p = patient(vec![active("sertraline")]);
    assert!(duplicate_ids(&check(safety(), &order("sertraline", 100.0), &p)).is_empty());
    // Mood stabilizers are combined on purpose.
    let p = patient(vec![active("lithium")]);
    assert!(duplicate_ids(&check(safety(), &order("lamotrigine", 25.0), &p)).is_empty());
    // Two benzodiazepines.
    let p = patient(vec![active("clonazepam")]);
    assert_eq!(
        duplicate_ids(&check(safety(), &order("lorazepam", 2.0), &p)),
        vec!["duplicate_therapy.benzodiazepine"]
    );
}
