//! Results that bear on a new order: the latest QTc for a drug that
//! prolongs the QT interval (thresholds are unverified clinic settings), and
//! the latest serum level of a drug with a reference range.

use super::catalog::{Catalog, DrugIdx, Property};
use super::dose_limit::DoseLimits;
use super::finding::{Finding, FindingKind, Severity};
use super::order::PatientContext;
use super::settings::{QTC_CHANGE_TREATMENT_MS, QTC_DISCUSS_MS, Settings};

const QTC_SOURCE: &str = "REFERENCE §5 #10; Krantz et al., Ann Intern Med 2009 (QTc above 450 ms: discuss and monitor; above 500 ms: reduce, stop or change), clinic settings qtc_discuss_ms and qtc_change_treatment_ms";

pub(crate) fn findings(
    catalog: &Catalog,
    settings: &Settings,
    limits: &DoseLimits,
    drug: DrugIdx,
    patient: &PatientContext,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let d = catalog.drug(drug);
    if d.has(Property::QtProlonging)
        && let Some(qtc) = patient.latest_qtc_ms
    {
        let (change, change_verified) = settings.value(QTC_CHANGE_TREATMENT_MS);
        let (discuss, discuss_verified) = settings.value(QTC_DISCUSS_MS);
        let mark = |v: bool| if v { "" } else { ", unverified" };
        if qtc > change {
            out.push(Finding {
                severity: Severity::High,
                kind: FindingKind::Monitoring,
                rule_id: "qtc_change_treatment".into(),
                drugs: vec![d.name.clone()],
                text: format!(
                    "{} prolongs the QT interval, and the latest QTc is {qtc} ms, above the clinic's {change} ms threshold for changing treatment (clinic setting {QTC_CHANGE_TREATMENT_MS}{}).",
                    d.name,
                    mark(change_verified)
                ),
                advice: "Consider a drug that does not prolong the QT interval; check potassium and magnesium and repeat the ECG.".into(),
                source: QTC_SOURCE.into(),
                verified: change_verified,
            });
        } else if qtc > discuss {
            out.push(Finding {
                severity: Severity::Moderate,
                kind: FindingKind::Monitoring,
                rule_id: "qtc_discuss".into(),
                drugs: vec![d.name.clone()],
                text: format!(
                    "{} prolongs the QT interval, and the latest QTc is {qtc} ms, above the clinic's {discuss} ms threshold for discussion (clinic setting {QTC_DISCUSS_MS}{}).",
                    d.name,
                    mark(discuss_verified)
                ),
                advice: "Discuss the risks and benefits with the patient and the team; repeat the ECG.".into(),
                source: QTC_SOURCE.into(),
                verified: discuss_verified,
            });
        }
    }
    if let Some(range) = limits.levels.iter().find(|l| l.drug == drug) {
        // The latest level recorded for this drug (any of its codes).
        let latest = patient
            .levels
            .iter()
            .filter(|l| catalog.lookup(l.drug) == Some(drug))
            .max_by_key(|l| l.on);
        if let Some(level) = latest
            && level.value > range.high
        {
            out.push(Finding {
                severity: Severity::High,
                kind: FindingKind::Monitoring,
                rule_id: range.id.clone(),
                drugs: vec![d.name.clone()],
                text: format!(
                    "The latest {} level, {} {} on {}, is above the reference range of {}–{} {} ({}).",
                    d.name, level.value, range.unit, level.on, range.low, range.high, range.unit, range.note
                ),
                advice: format!(
                    "Check for toxicity and recheck the level before raising the {} dose.",
                    d.name
                ),
                source: range.source.clone(),
                verified: true,
            });
        }
    }
    out
}
