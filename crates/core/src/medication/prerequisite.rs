//! What must be true and recorded before a medication for opioid or alcohol
//! use disorder starts (`content/medications/prerequisites.toml`): opioid-free
//! days before naltrexone, time since alcohol and informed consent before
//! disulfiram, a creatinine clearance before acamprosate, a COWS score before
//! a buprenorphine induction.

use super::catalog::{Catalog, DrugClass, DrugIdx};
use super::finding::{Finding, FindingKind, Severity};
use super::order::{MedStatus, PatientContext, ProposedOrder, ScreenResult};
use super::settings::{
    BUPRENORPHINE_INDUCTION_COWS_MIN, NALTREXONE_NEGATIVE_SCREEN_WINDOW_DAYS, Settings,
};
use super::{ContentError, require};
use serde::Deserialize;
use time::{PrimitiveDateTime, Time};

pub(crate) const FILE: &str = "content/medications/prerequisites.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNaltrexone {
    drug: String,
    opioid_free_days: u32,
    after_long_acting: Vec<String>,
    after_long_acting_days: u32,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDisulfiram {
    drug: String,
    hours_since_alcohol: u32,
    alcohol_products_advice: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlain {
    drug: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    sources: Vec<String>,
    naltrexone: RawNaltrexone,
    disulfiram: RawDisulfiram,
    acamprosate: RawPlain,
    buprenorphine_induction: RawPlain,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Naltrexone {
    pub drug: DrugIdx,
    pub opioid_free_days: u32,
    /// Opioids after which more opioid-free days may be needed.
    pub after_long_acting: Vec<DrugIdx>,
    pub after_long_acting_days: u32,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disulfiram {
    pub drug: DrugIdx,
    pub hours_since_alcohol: u32,
    pub alcohol_products_advice: String,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plain {
    pub drug: DrugIdx,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prerequisites {
    pub sources: Vec<String>,
    pub naltrexone: Naltrexone,
    pub disulfiram: Disulfiram,
    pub acamprosate: Plain,
    pub buprenorphine_induction: Plain,
}

impl Prerequisites {
    pub fn parse(text: &str, catalog: &Catalog) -> Result<Prerequisites, ContentError> {
        let f: RawFile =
            toml::from_str(text).map_err(|e| ContentError::new(FILE, "file", e.to_string()))?;
        if f.sources.is_empty() {
            return Err(ContentError::new(
                FILE,
                "file",
                "the prerequisites name no sources",
            ));
        }
        require(FILE, "naltrexone", "source", &f.naltrexone.source)?;
        require(FILE, "disulfiram", "source", &f.disulfiram.source)?;
        require(
            FILE,
            "disulfiram",
            "alcohol_products_advice",
            &f.disulfiram.alcohol_products_advice,
        )?;
        require(FILE, "acamprosate", "source", &f.acamprosate.source)?;
        require(
            FILE,
            "buprenorphine_induction",
            "source",
            &f.buprenorphine_induction.source,
        )?;
        if f.naltrexone.after_long_acting_days < f.naltrexone.opioid_free_days {
            return Err(ContentError::new(
                FILE,
                "naltrexone",
                "after_long_acting_days is below opioid_free_days",
            ));
        }
        if f.naltrexone.opioid_free_days == 0 || f.disulfiram.hours_since_alcohol == 0 {
            return Err(ContentError::new(
                FILE,
                "file",
                "a waiting time of 0 is no waiting time",
            ));
        }
        let plain = |row: &str, p: RawPlain| -> Result<Plain, ContentError> {
            Ok(Plain {
                drug: catalog.resolve(FILE, row, &p.drug)?,
                source: p.source,
            })
        };
        Ok(Prerequisites {
            sources: f.sources,
            naltrexone: Naltrexone {
                drug: catalog.resolve(FILE, "naltrexone", &f.naltrexone.drug)?,
                opioid_free_days: f.naltrexone.opioid_free_days,
                after_long_acting: f
                    .naltrexone
                    .after_long_acting
                    .iter()
                    .map(|id| catalog.resolve(FILE, "naltrexone", id))
                    .collect::<Result<_, _>>()?,
                after_long_acting_days: f.naltrexone.after_long_acting_days,
                source: f.naltrexone.source,
            },
            disulfiram: Disulfiram {
                drug: catalog.resolve(FILE, "disulfiram", &f.disulfiram.drug)?,
                hours_since_alcohol: f.disulfiram.hours_since_alcohol,
                alcohol_products_advice: f.disulfiram.alcohol_products_advice,
                source: f.disulfiram.source,
            },
            acamprosate: plain("acamprosate", f.acamprosate)?,
            buprenorphine_induction: plain("buprenorphine_induction", f.buprenorphine_induction)?,
        })
    }

    /// `others` are every other medication the catalog knows, with status.
    pub(crate) fn findings(
        &self,
        catalog: &Catalog,
        settings: &Settings,
        drug: DrugIdx,
        order: &ProposedOrder,
        patient: &PatientContext,
        others: &[(DrugIdx, MedStatus)],
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        let name = catalog.drug(drug).name.clone();
        let finding =
            |severity, id: &str, text: String, advice: &str, source: &str, verified| Finding {
                severity,
                kind: FindingKind::Prerequisite,
                rule_id: id.to_string(),
                drugs: vec![name.clone()],
                text,
                advice: advice.to_string(),
                source: source.to_string(),
                verified,
            };
        if drug == self.naltrexone.drug {
            let n = &self.naltrexone;
            let opioid = |d: DrugIdx| {
                matches!(
                    catalog.drug(d).class,
                    DrugClass::OpioidAgonist | DrugClass::OpioidPartialAgonist
                )
            };
            let on_opioid = others.iter().any(|(d, s)| {
                opioid(*d)
                    && match s {
                        MedStatus::Active | MedStatus::Held => true,
                        MedStatus::Stopped { on } => *on > order.start,
                    }
            });
            // An opioid still taken is the interaction rule's finding
            // (naltrexone with an opioid agonist); counting days makes no
            // sense then.
            if !on_opioid {
                // A stopped opioid on the list is opioid use on its stop date.
                let last_use = others
                    .iter()
                    .filter_map(|(d, s)| match s {
                        MedStatus::Stopped { on } if opioid(*d) => Some(*on),
                        _ => None,
                    })
                    .chain(patient.last_opioid_use)
                    .max();
                let (window, window_verified) =
                    settings.value(NALTREXONE_NEGATIVE_SCREEN_WINDOW_DAYS);
                let screen_in_window = patient.opioid_screen.filter(|s| {
                    let age = (order.start - s.on).whole_days();
                    (0..=i64::from(window)).contains(&age)
                });
                let advice = "Confirm at least 7 opioid-free days (a documented date of last use, or a negative opioid screen); if in doubt, do a naloxone challenge.";
                if let Some(screen) = screen_in_window
                    && screen.result == ScreenResult::Positive
                {
                    out.push(finding(
                        Severity::Contraindicated,
                        "naltrexone_positive_opioid_screen",
                        format!(
                            "{name} is contraindicated: the opioid drug screen of {} is positive.",
                            screen.on
                        ),
                        advice,
                        &n.source,
                        true,
                    ));
                } else if let Some(last) = last_use {
                    let days = (order.start - last).whole_days();
                    let long_acting_stop = others
                        .iter()
                        .filter_map(|(d, s)| match s {
                            MedStatus::Stopped { on } if n.after_long_acting.contains(d) => {
                                Some((*d, *on))
                            }
                            _ => None,
                        })
                        .max_by_key(|(_, on)| *on)
                        .filter(|(_, on)| {
                            (order.start - *on).whole_days() < i64::from(n.after_long_acting_days)
                        });
                    if days >= i64::from(n.opioid_free_days)
                        && let Some((la, on)) = long_acting_stop
                    {
                        out.push(finding(
                            Severity::Moderate,
                            "naltrexone_after_long_acting_opioid",
                            format!(
                                "{name}: {} was stopped on {on}, {} days before this order starts; after methadone or buprenorphine up to about {} opioid-free days may be needed.",
                                catalog.drug(la).name,
                                (order.start - on).whole_days(),
                                n.after_long_acting_days
                            ),
                            "Check for withdrawal before the first dose; if in doubt, do a naloxone challenge.",
                            &n.source,
                            true,
                        ));
                    }
                    if days < i64::from(n.opioid_free_days) {
                        out.push(finding(
                            Severity::Contraindicated,
                            "naltrexone_opioid_free_days",
                            format!(
                                "{name} needs at least {} opioid-free days; the last opioid use was on {last}, {} days before this order starts. Starting now can bring on sudden (precipitated) withdrawal.",
                                n.opioid_free_days,
                                days.max(0)
                            ),
                            advice,
                            &n.source,
                            true,
                        ));
                    }
                } else if screen_in_window.is_some() {
                    // Accepted on a negative screen: say which setting that
                    // rests on, so it is never a silent default.
                    out.push(finding(
                        Severity::Low,
                        "naltrexone_negative_screen_accepted",
                        format!(
                            "{name}: no date of last opioid use is documented; opioid-free status rests on a negative opioid screen within the clinic's window of {window} days (clinic setting {NALTREXONE_NEGATIVE_SCREEN_WINDOW_DAYS}{}).",
                            if window_verified { "" } else { ", unverified" }
                        ),
                        "Document the date of last opioid use when it is known.",
                        &n.source,
                        window_verified,
                    ));
                } else {
                    out.push(finding(
                        Severity::Contraindicated,
                        "naltrexone_opioid_free_days",
                        format!(
                            "{name} needs at least {} opioid-free days, and nothing shows them: no date of last opioid use and no recent negative opioid screen is recorded.",
                            n.opioid_free_days
                        ),
                        advice,
                        &n.source,
                        true,
                    ));
                }
            }
        }
        if drug == self.disulfiram.drug {
            let d = &self.disulfiram;
            if !patient.disulfiram_consent_recorded {
                out.push(finding(
                    Severity::Contraindicated,
                    "disulfiram_informed_consent",
                    format!(
                        "{name} must never be given without the patient's full knowledge: no informed consent is recorded."
                    ),
                    "Explain the disulfiram–alcohol reaction and record the patient's informed consent before the first dose.",
                    &d.source,
                    true,
                ));
            }
            let first_dose = order
                .first_dose_at
                .unwrap_or_else(|| PrimitiveDateTime::new(order.start, Time::MIDNIGHT));
            match patient.last_alcohol_use {
                None => out.push(finding(
                    Severity::Contraindicated,
                    "disulfiram_hours_since_alcohol",
                    format!(
                        "{name} needs at least {} hours without alcohol before the first dose, and no time of last alcohol use is recorded.",
                        d.hours_since_alcohol
                    ),
                    "Record when the patient last drank; never give disulfiram to an intoxicated patient.",
                    &d.source,
                    true,
                )),
                Some(last) => {
                    let hours = (first_dose - last).whole_hours();
                    if hours < i64::from(d.hours_since_alcohol) {
                        out.push(finding(
                            Severity::Contraindicated,
                            "disulfiram_hours_since_alcohol",
                            format!(
                                "{name} needs at least {} hours without alcohol before the first dose; the last alcohol use was {} hours before it.",
                                d.hours_since_alcohol,
                                hours.max(0)
                            ),
                            "Wait until at least 12 hours have passed since the last drink; never give disulfiram to an intoxicated patient.",
                            &d.source,
                            true,
                        ));
                    }
                }
            }
            out.push(finding(
                Severity::Low,
                "disulfiram_alcohol_products",
                format!("{name} reacts with any alcohol, including alcohol in everyday products."),
                &d.alcohol_products_advice,
                &d.source,
                true,
            ));
        }
        if drug == self.acamprosate.drug && patient.creatinine_clearance.is_none() {
            out.push(finding(
                Severity::High,
                "acamprosate_creatinine_clearance_required",
                format!(
                    "{name}'s dose depends on kidney function, and no creatinine clearance is recorded."
                ),
                "Record a creatinine clearance: at 30–50 mL/min the dose is 333 mg three times daily, and at 30 mL/min or less acamprosate is contraindicated.",
                &self.acamprosate.source,
                true,
            ));
        }
        if drug == self.buprenorphine_induction.drug
            && let Some(induction) = order.induction
        {
            let src = &self.buprenorphine_induction.source;
            match induction.cows {
                None => out.push(finding(
                    Severity::High,
                    "buprenorphine_induction_cows",
                    format!("{name} induction: no COWS score is recorded before the first dose."),
                    "Rate the COWS before the first dose: starting buprenorphine before withdrawal has begun can bring on sudden (precipitated) withdrawal.",
                    src,
                    true,
                )),
                Some(cows) => {
                    let (min, verified) = settings.value(BUPRENORPHINE_INDUCTION_COWS_MIN);
                    if u32::from(cows.get()) < min {
                        out.push(finding(
                            Severity::Moderate,
                            "buprenorphine_induction_cows",
                            format!(
                                "{name} induction: the COWS score {} is below the clinic's starting threshold of {min} (clinic setting {BUPRENORPHINE_INDUCTION_COWS_MIN}{}).",
                                cows.get(),
                                if verified { "" } else { ", unverified" }
                            ),
                            "Wait for at least mild to moderate withdrawal and rate the COWS again before the first dose.",
                            src,
                            verified,
                        ));
                    }
                }
            }
        }
        out
    }
}
