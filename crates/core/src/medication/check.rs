//! The check a new order passes before it is signed: interactions with the
//! patient's other medications (stopped ones still count within their
//! washout), dose limits, duplicate therapy and prerequisites. Contraindications
//! come back apart from warnings, so the caller can stop the order.

use super::MedicationSafety;
use super::catalog::{DrugIdx, RxCui};
use super::duplicate;
use super::finding::{Finding, FindingKind, Severity};
use super::interaction::{Condition, Other, counts};
use super::order::{MedStatus, PatientContext, ProposedOrder};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckResult {
    /// Each stops the order as it stands.
    pub contraindications: Vec<Finding>,
    /// High first, then moderate, then low.
    pub warnings: Vec<Finding>,
    /// Codes the catalog does not know: nothing was checked against them.
    pub not_checked: Vec<RxCui>,
}

impl CheckResult {
    pub fn stops_order(&self) -> bool {
        !self.contraindications.is_empty()
    }

    /// Every finding, contraindications first.
    pub fn all(&self) -> impl Iterator<Item = &Finding> {
        self.contraindications.iter().chain(&self.warnings)
    }
}

/// Checks `order` for `patient`. Pure: everything it needs comes in.
pub fn check(
    safety: &MedicationSafety,
    order: &ProposedOrder,
    patient: &PatientContext,
) -> CheckResult {
    let catalog = &safety.catalog;
    let mut result = CheckResult::default();
    let Some(drug) = catalog.lookup(order.drug) else {
        result.not_checked.push(order.drug);
        result.warnings.push(Finding {
            severity: Severity::High,
            kind: FindingKind::NotInCatalog,
            rule_id: "not_in_catalog".into(),
            drugs: Vec::new(),
            text: format!(
                "RxCUI {} is not in the medication catalog: no interaction, dose or prerequisite check ran.",
                order.drug
            ),
            advice: "Check the order by hand, or ask for the drug to be added to the catalog.".into(),
            source: "Tandem medication catalog".into(),
            verified: true,
        });
        return result;
    };
    let mut others: Vec<Other> = Vec::with_capacity(patient.medications.len());
    for m in &patient.medications {
        match catalog.lookup(m.drug) {
            // One drug listed twice (two codes, or a stopped and a current
            // entry) is one medication: the entry that counts longest wins.
            Some(d) => match others.iter_mut().find(|o| o.drug == d) {
                Some(o) => o.status = longest(o.status, m.status),
                None => others.push(Other {
                    drug: d,
                    status: m.status,
                }),
            },
            None => {
                if !result.not_checked.contains(&m.drug) {
                    result.not_checked.push(m.drug);
                }
            }
        }
    }
    // Those taken on the start date, with no washout: for duplicate therapy
    // and for "with a CYP2C19 inhibitor".
    let counted: Vec<DrugIdx> = others
        .iter()
        .filter(|o| counts(o.status, None, order.start))
        .map(|o| o.drug)
        .collect();
    let mut conditions = Vec::new();
    if patient.smoking_change {
        conditions.push(Condition::SmokingChange);
    }
    let mut findings = safety.interactions.findings(
        catalog,
        drug,
        &others,
        &conditions,
        order.start,
        &safety.settings.enable_unverified_rules,
    );
    safety
        .dose_limits
        .findings(catalog, drug, order, patient, &counted, &mut findings);
    duplicate::findings(
        &safety.interactions.duplicate_therapy,
        catalog,
        drug,
        &counted,
        order.cross_taper_documented,
        &mut findings,
    );
    let with_status: Vec<(DrugIdx, MedStatus)> =
        others.iter().map(|o| (o.drug, o.status)).collect();
    findings.extend(safety.prerequisites.findings(
        catalog,
        &safety.settings,
        drug,
        order,
        patient,
        &with_status,
    ));
    findings.extend(super::monitoring::findings(
        catalog,
        &safety.settings,
        &safety.dose_limits,
        drug,
        patient,
    ));
    for f in findings {
        if f.severity == Severity::Contraindicated {
            result.contraindications.push(f);
        } else {
            result.warnings.push(f);
        }
    }
    // Stable: within one severity, the order the checks ran in.
    result
        .warnings
        .sort_by_key(|f| std::cmp::Reverse(f.severity));
    result
}

/// Of two statuses of one drug, the one that counts for longer.
fn longest(a: MedStatus, b: MedStatus) -> MedStatus {
    match (a, b) {
        (MedStatus::Active, _) | (_, MedStatus::Active) => MedStatus::Active,
        (MedStatus::Held, _) | (_, MedStatus::Held) => MedStatus::Held,
        (MedStatus::Stopped { on: x }, MedStatus::Stopped { on: y }) => {
            MedStatus::Stopped { on: x.max(y) }
        }
    }
}
