//! Duplicate therapy: a new order of the same class as a drug the patient
//! already takes, in the classes where two at once is rarely intended
//! (`[duplicate_therapy]` in `content/medications/interactions.toml`).

use super::catalog::{Catalog, DrugIdx};
use super::finding::{Finding, FindingKind};
use super::interaction::DuplicateTherapy;

/// One finding per other drug of the same class among `counted` (the other
/// medications that count on the start date), unless the order is a
/// documented cross-taper.
pub(crate) fn findings(
    rules: &DuplicateTherapy,
    catalog: &Catalog,
    drug: DrugIdx,
    counted: &[DrugIdx],
    cross_taper_documented: bool,
    out: &mut Vec<Finding>,
) {
    let me = catalog.drug(drug);
    if cross_taper_documented || !rules.classes.contains(&me.class) {
        return;
    }
    let mut seen: Vec<DrugIdx> = Vec::new();
    for other in counted {
        if *other == drug || seen.contains(other) {
            continue;
        }
        let them = catalog.drug(*other);
        if them.class != me.class {
            continue;
        }
        seen.push(*other);
        out.push(Finding {
            severity: rules.severity,
            kind: FindingKind::DuplicateTherapy,
            rule_id: format!("duplicate_therapy.{}", class_id(me.class)),
            drugs: vec![me.name.clone(), them.name.clone()],
            text: format!(
                "{} and {} are both {}s: two drugs of one class at once is duplicate therapy.",
                me.name,
                them.name,
                me.class.label()
            ),
            advice: rules.advice.clone(),
            source: rules.source.clone(),
            verified: true,
        });
    }
}

fn class_id(c: super::catalog::DrugClass) -> String {
    c.label().replace([' ', '-'], "_").to_lowercase()
}
