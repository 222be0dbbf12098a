//! Results that bear on a new order: the QTc for a QT-prolonging drug
//! (thresholds 450 and 500 ms are UNCONFIRMED in REFERENCE §5 #10, so they
//! ship as unverified clinic settings) and serum levels above their
//! reference range (REFERENCE §6: lithium 0.6–1.2 mEq/L, valproate
//! 50–100 µg/mL).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod medication_common;

use medication_common::{START, order, patient, rx, safety};
use tandem_core::medication::{CheckResult, DrugLevel, FindingKind, RxCui, Severity, check};
use time::Duration;

fn monitoring(r: &CheckResult) -> Vec<(String, Severity, bool)> {
    r.all()
        .filter(|f| f.kind == FindingKind::Monitoring)
        .map(|f| (f.rule_id.clone(), f.severity, f.verified))
        .collect()
}

#[test]
fn qtc_thresholds_follow_the_methadone_qtc_consensus() {
    let at = |qtc| {
        let mut p = patient(vec![]);
        p.latest_qtc_ms = Some(qtc);
        monitoring(&check(safety(), &order("methadone", 60.0), &p))
    };
    assert!(at(450).is_empty());
    assert_eq!(
        at(451),
        vec![("qtc_discuss".into(), Severity::Moderate, true)]
    );
    assert_eq!(
        at(500),
        vec![("qtc_discuss".into(), Severity::Moderate, true)]
    );
    assert_eq!(
        at(501),
        vec![("qtc_change_treatment".into(), Severity::High, true)]
    );
    // Not a QT-prolonging drug.
    let mut p = patient(vec![]);
    p.latest_qtc_ms = Some(520);
    assert!(monitoring(&check(safety(), &order("sertraline", 50.0), &p)).is_empty());
}

#[test]
fn a_level_above_the_range_warns_and_the_latest_level_counts() {
    let level = |drug: RxCui, value, days_ago| DrugLevel {
        drug,
        value,
        on: START - Duration::days(days_ago),
    };
    let mut p = patient(vec![]);
    p.levels = vec![level(rx("lithium"), 1.2, 3)];
    assert!(monitoring(&check(safety(), &order("lithium", 900.0), &p)).is_empty());
    p.levels = vec![level(rx("lithium"), 1.3, 3), level(rx("lithium"), 0.9, 10)];
    assert_eq!(
        monitoring(&check(safety(), &order("lithium", 900.0), &p)),
        vec![("lithium_level".into(), Severity::High, true)]
    );
    // Recorded under lithium carbonate's code: the same drug.
    p.levels = vec![level(RxCui::new(42351).unwrap(), 1.5, 1)];
    assert_eq!(
        monitoring(&check(safety(), &order("lithium", 900.0), &p)).len(),
        1
    );
    // An older high level followed by one in range.
    p.levels = vec![level(rx("lithium"), 1.6, 20), level(rx("lithium"), 0.8, 2)];
    assert!(monitoring(&check(safety(), &order("lithium", 900.0), &p)).is_empty());
    p.levels = vec![level(RxCui::new(11118).unwrap(), 101.0, 2)];
    assert_eq!(
        monitoring(&check(safety(), &order("valproate", 1000.0), &p)),
        vec![("valproate_level".into(), Severity::High, true)]
    );
}
