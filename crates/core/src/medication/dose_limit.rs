//! Dose limits (`content/medications/dose_limits.toml`): daily maxima with
//! their conditions, the methadone first-day limit, and limits set by
//! kidney function; plus the catalog's usual daily maximum.

use super::catalog::{Catalog, DrugIdx, Property};
use super::finding::{Finding, FindingKind, Severity};
use super::order::{PatientContext, ProposedOrder};
use super::{ContentError, require};
use serde::Deserialize;

pub(crate) const FILE: &str = "content/medications/dose_limits.toml";

/// When a conditional limit applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Age in whole years strictly above this ("older than 60" starts at 61).
    OlderThan(u32),
    /// Another counted medication has this property.
    WithProperty(Property),
    HepaticImpairment,
    Cyp2c19PoorMetabolizer,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    id: String,
    drug: String,
    max_daily_mg: f64,
    when: Option<When>,
    severity: Severity,
    reason: String,
    advice: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFirstDay {
    id: String,
    drug: String,
    max_total_mg: f64,
    severity: Severity,
    reason: String,
    advice: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRenal {
    id: String,
    drug: String,
    contraindicated_at_or_below: u32,
    reduce_at_or_below: u32,
    reduced_max_daily_mg: f64,
    reduced_dose: String,
    reason: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    sources: Vec<String>,
    #[serde(default)]
    limits: Vec<RawLimit>,
    #[serde(default)]
    first_day: Vec<RawFirstDay>,
    #[serde(default)]
    renal: Vec<RawRenal>,
    #[serde(default)]
    levels: Vec<RawLevel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    id: String,
    drug: String,
    unit: String,
    low: f64,
    high: f64,
    note: String,
    source: String,
}

/// A serum level reference range.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelRange {
    pub id: String,
    pub drug: DrugIdx,
    pub unit: String,
    pub low: f64,
    pub high: f64,
    pub note: String,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    pub id: String,
    pub drug: DrugIdx,
    pub max_daily_mg: f64,
    pub when: Option<When>,
    pub severity: Severity,
    pub reason: String,
    pub advice: String,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FirstDayLimit {
    pub id: String,
    pub drug: DrugIdx,
    pub max_total_mg: f64,
    pub severity: Severity,
    pub reason: String,
    pub advice: String,
    pub source: String,
}

/// A limit by creatinine clearance (mL/min): at or below
/// `contraindicated_at_or_below` the drug is contraindicated; above it and
/// at or below `reduce_at_or_below` the daily dose should not exceed
/// `reduced_max_daily_mg`.
#[derive(Clone, Debug, PartialEq)]
pub struct RenalLimit {
    pub id: String,
    pub drug: DrugIdx,
    pub contraindicated_at_or_below: u32,
    pub reduce_at_or_below: u32,
    pub reduced_max_daily_mg: f64,
    pub reduced_dose: String,
    pub reason: String,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DoseLimits {
    pub sources: Vec<String>,
    pub limits: Vec<Limit>,
    pub first_day: Vec<FirstDayLimit>,
    pub renal: Vec<RenalLimit>,
    pub levels: Vec<LevelRange>,
}

fn positive(row: &str, field: &str, v: f64) -> Result<(), ContentError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(ContentError::new(
            FILE,
            row,
            format!("{field} must be above 0"),
        ))
    }
}

impl DoseLimits {
    pub fn parse(text: &str, catalog: &Catalog) -> Result<DoseLimits, ContentError> {
        let f: RawFile =
            toml::from_str(text).map_err(|e| ContentError::new(FILE, "file", e.to_string()))?;
        if f.sources.is_empty() {
            return Err(ContentError::new(
                FILE,
                "file",
                "the limits name no sources",
            ));
        }
        let mut ids = std::collections::BTreeSet::new();
        let mut unique = |row: &str| {
            if ids.insert(row.to_string()) {
                Ok(())
            } else {
                Err(ContentError::new(FILE, row, "the id is used twice"))
            }
        };
        let mut limits = Vec::new();
        for l in f.limits {
            let row = l.id.as_str();
            unique(row)?;
            for (field, v) in [
                ("reason", &l.reason),
                ("advice", &l.advice),
                ("source", &l.source),
            ] {
                require(FILE, row, field, v)?;
            }
            positive(row, "max_daily_mg", l.max_daily_mg)?;
            limits.push(Limit {
                drug: catalog.resolve(FILE, row, &l.drug)?,
                id: l.id,
                max_daily_mg: l.max_daily_mg,
                when: l.when,
                severity: l.severity,
                reason: l.reason,
                advice: l.advice,
                source: l.source,
            });
        }
        let mut first_day = Vec::new();
        for l in f.first_day {
            let row = l.id.as_str();
            unique(row)?;
            for (field, v) in [
                ("reason", &l.reason),
                ("advice", &l.advice),
                ("source", &l.source),
            ] {
                require(FILE, row, field, v)?;
            }
            positive(row, "max_total_mg", l.max_total_mg)?;
            first_day.push(FirstDayLimit {
                drug: catalog.resolve(FILE, row, &l.drug)?,
                id: l.id,
                max_total_mg: l.max_total_mg,
                severity: l.severity,
                reason: l.reason,
                advice: l.advice,
                source: l.source,
            });
        }
        let mut renal = Vec::new();
        for l in f.renal {
            let row = l.id.as_str();
            unique(row)?;
            for (field, v) in [
                ("reason", &l.reason),
                ("source", &l.source),
                ("reduced_dose", &l.reduced_dose),
            ] {
                require(FILE, row, field, v)?;
            }
            positive(row, "reduced_max_daily_mg", l.reduced_max_daily_mg)?;
            if l.reduce_at_or_below <= l.contraindicated_at_or_below {
                return Err(ContentError::new(
                    FILE,
                    row,
                    "reduce_at_or_below must be above contraindicated_at_or_below",
                ));
            }
            renal.push(RenalLimit {
                drug: catalog.resolve(FILE, row, &l.drug)?,
                id: l.id,
                contraindicated_at_or_below: l.contraindicated_at_or_below,
                reduce_at_or_below: l.reduce_at_or_below,
                reduced_max_daily_mg: l.reduced_max_daily_mg,
                reduced_dose: l.reduced_dose,
                reason: l.reason,
                source: l.source,
            });
        }
        let mut levels = Vec::new();
        for l in f.levels {
            let row = l.id.as_str();
            unique(row)?;
            for (field, v) in [("unit", &l.unit), ("note", &l.note), ("source", &l.source)] {
                require(FILE, row, field, v)?;
            }
            positive(row, "high", l.high)?;
            if !(l.low.is_finite() && l.low >= 0.0 && l.low < l.high) {
                return Err(ContentError::new(
                    FILE,
                    row,
                    "low must be at least 0 and below high",
                ));
            }
            let drug = catalog.resolve(FILE, row, &l.drug)?;
            if levels.iter().any(|x: &LevelRange| x.drug == drug) {
                return Err(ContentError::new(
                    FILE,
                    row,
                    "the drug already has a level range",
                ));
            }
            levels.push(LevelRange {
                drug,
                id: l.id,
                unit: l.unit,
                low: l.low,
                high: l.high,
                note: l.note,
                source: l.source,
            });
        }
        Ok(DoseLimits {
            sources: f.sources,
            limits,
            first_day,
            renal,
            levels,
        })
    }

    /// The renal limit of a drug, if it has one.
    pub fn renal_for(&self, drug: DrugIdx) -> Option<&RenalLimit> {
        self.renal.iter().find(|r| r.drug == drug)
    }

    /// Dose findings for the order. `counted` are the other medications that
    /// count on the start date (for "with a CYP2C19 inhibitor").
    pub(crate) fn findings(
        &self,
        catalog: &Catalog,
        drug: DrugIdx,
        order: &ProposedOrder,
        patient: &PatientContext,
        counted: &[DrugIdx],
        out: &mut Vec<Finding>,
    ) {
        let d = catalog.drug(drug);
        let daily_mg = order.daily_dose.in_mg();
        let applies = |w: Option<When>| match w {
            None => true,
            Some(When::OlderThan(age)) => patient.age_years > age,
            Some(When::WithProperty(p)) => counted
                .iter()
                .any(|o| *o != drug && catalog.drug(*o).has(p)),
            Some(When::HepaticImpairment) => patient.hepatic_impairment,
            Some(When::Cyp2c19PoorMetabolizer) => patient.cyp2c19_poor_metabolizer,
        };
        let mut limited = false;
        for l in self.limits.iter().filter(|l| l.drug == drug) {
            if !applies(l.when) {
                continue;
            }
            limited = true;
            match daily_mg {
                Some(mg) if mg > l.max_daily_mg => out.push(Finding {
                    severity: l.severity,
                    kind: FindingKind::DoseLimit,
                    rule_id: l.id.clone(),
                    drugs: vec![d.name.clone()],
                    text: format!(
                        "{} {} mg/day is above the maximum of {} mg/day: {}.",
                        d.name,
                        fmt_mg(mg),
                        fmt_mg(l.max_daily_mg),
                        l.reason
                    ),
                    advice: l.advice.clone(),
                    source: l.source.clone(),
                    verified: true,
                }),
                Some(_) => {}
                None => out.push(unit_not_comparable(&d.name, &l.id, &l.source)),
            }
        }
        // The catalog's usual maximum, unless a stated limit already spoke
        // for this drug.
        if !limited
            && let Some(range) = &d.daily_dose_mg
            && let Some(max) = range.max
        {
            match daily_mg {
                Some(mg) if mg > max => out.push(Finding {
                    severity: Severity::Moderate,
                    kind: FindingKind::DoseLimit,
                    rule_id: format!("catalog_usual_max.{}", d.id),
                    drugs: vec![d.name.clone()],
                    text: format!(
                        "{} {} mg/day is above the usual maximum of {} mg/day.",
                        d.name,
                        fmt_mg(mg),
                        fmt_mg(max)
                    ),
                    advice: "Check the dose; document the reason if it is intended.".into(),
                    source: range.source.clone(),
                    verified: true,
                }),
                Some(_) => {}
                None => out.push(unit_not_comparable(
                    &d.name,
                    &format!("catalog_usual_max.{}", d.id),
                    &range.source,
                )),
            }
        }
        if let Some(first) = &order.first_day {
            for l in self.first_day.iter().filter(|l| l.drug == drug) {
                match first.total.in_mg() {
                    Some(mg) if mg > l.max_total_mg && !first.higher_dose_justified => {
                        out.push(Finding {
                            severity: l.severity,
                            kind: FindingKind::DoseLimit,
                            rule_id: l.id.clone(),
                            drugs: vec![d.name.clone()],
                            text: format!(
                                "{} first-day total {} mg is above {} mg with no documented justification: {}.",
                                d.name,
                                fmt_mg(mg),
                                fmt_mg(l.max_total_mg),
                                l.reason
                            ),
                            advice: l.advice.clone(),
                            source: l.source.clone(),
                            verified: true,
                        });
                    }
                    Some(_) => {}
                    None => out.push(unit_not_comparable(&d.name, &l.id, &l.source)),
                }
            }
        }
        if let Some(r) = self.renal_for(drug)
            && let Some(crcl) = patient.creatinine_clearance
        {
            if crcl <= r.contraindicated_at_or_below {
                out.push(Finding {
                    severity: Severity::Contraindicated,
                    kind: FindingKind::DoseLimit,
                    rule_id: r.id.clone(),
                    drugs: vec![d.name.clone()],
                    text: format!(
                        "{} is contraindicated at a creatinine clearance of {crcl} mL/min (≤{} mL/min): {}.",
                        d.name, r.contraindicated_at_or_below, r.reason
                    ),
                    advice: format!("Do not start {}; choose another medicine.", d.name),
                    source: r.source.clone(),
                    verified: true,
                });
            } else if crcl <= r.reduce_at_or_below {
                match daily_mg {
                    Some(mg) if mg > r.reduced_max_daily_mg => out.push(Finding {
                        severity: Severity::High,
                        kind: FindingKind::DoseLimit,
                        rule_id: r.id.clone(),
                        drugs: vec![d.name.clone()],
                        text: format!(
                            "{} {} mg/day is above the reduced dose for a creatinine clearance of {crcl} mL/min ({}–{} mL/min): {}.",
                            d.name,
                            fmt_mg(mg),
                            r.contraindicated_at_or_below + 1,
                            r.reduce_at_or_below,
                            r.reason
                        ),
                        advice: format!("Use {} ({} mg/day).", r.reduced_dose, fmt_mg(r.reduced_max_daily_mg)),
                        source: r.source.clone(),
                        verified: true,
                    }),
                    Some(_) => {}
                    None => out.push(unit_not_comparable(&d.name, &r.id, &r.source)),
                }
            }
        }
    }
}

fn unit_not_comparable(name: &str, rule: &str, source: &str) -> Finding {
    Finding {
        severity: Severity::Moderate,
        kind: FindingKind::DoseLimit,
        rule_id: rule.to_string(),
        drugs: vec![name.to_string()],
        text: format!(
            "The {name} dose is not in a unit of mass, so its limit could not be checked."
        ),
        advice: "Enter the dose in mg to have it checked.".into(),
        source: source.to_string(),
        verified: true,
    }
}

/// 40 → "40", 2.5 → "2.5".
pub(crate) fn fmt_mg(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
