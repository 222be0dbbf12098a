//! The structured clinical assessment taken at intake: what brings the
//! patient, history, substance use with the date of last use, conditions
//! that matter for prescribing, current medications, the mental status
//! examination, the risk assessment, strengths and preferences.
//!
//! [`AssessmentInput::validate`] is the only way from a form to an
//! [`Assessment`]; every problem names its field so the form can show it in
//! place.

use crate::validation::ValidationErrors;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::Date;

use crate::choice::choice;

choice!(
    /// What was used. Opioids and stimulants are split by drug because
    /// prescribing safety differs (fentanyl and buprenorphine induction,
    /// for one).
    Substance {
        Alcohol = "alcohol", "Alcohol";
        Heroin = "opioid_heroin", "Opioids: heroin";
        Fentanyl = "opioid_fentanyl", "Opioids: fentanyl";
        PrescriptionOpioids = "opioid_prescription", "Opioids: prescription";
        Cocaine = "stimulant_cocaine", "Stimulants: cocaine";
        Methamphetamine = "stimulant_methamphetamine", "Stimulants: methamphetamine";
        Cannabis = "cannabis", "Cannabis";
        Sedatives = "benzodiazepine_sedative", "Benzodiazepines / sedatives";
        Tobacco = "tobacco_nicotine", "Tobacco / nicotine";
        Other = "other", "Other";
    }
);

impl Substance {
    pub fn is_opioid(self) -> bool {
        matches!(
            self,
            Substance::Heroin | Substance::Fentanyl | Substance::PrescriptionOpioids
        )
    }
}

choice!(
    Route {
        Oral = "oral", "Oral";
        Smoked = "smoked", "Smoked or vaped";
        Intranasal = "intranasal", "Intranasal";
        Injected = "injected", "Injected";
        Other = "other", "Other";
        Unknown = "unknown", "Unknown";
    }
);

choice!(
    Frequency {
        Daily = "daily", "Daily or almost daily";
        Weekly = "weekly", "Weekly";
        Monthly = "monthly", "Monthly or less";
        PastOnly = "past_only", "In the past, not now";
        Unknown = "unknown", "Unknown";
    }
);

choice!(
    YesNoUnknown {
        Yes = "yes", "Yes";
        No = "no", "No";
        Unknown = "unknown", "Unknown";
    }
);

choice!(
    /// Conditions a prescriber must know before choosing a medication.
    PrescribingCondition {
        Pregnancy = "pregnancy", "Pregnancy";
        Renal = "renal", "Renal impairment";
        Hepatic = "hepatic", "Hepatic impairment";
        Seizure = "seizure", "Seizure history";
        CardiacQt = "cardiac_qt", "Cardiac / QT history";
    }
);

impl PrescribingCondition {
    pub fn field(self) -> &'static str {
        match self {
            PrescribingCondition::Pregnancy => "rx_pregnancy",
            PrescribingCondition::Renal => "rx_renal",
            PrescribingCondition::Hepatic => "rx_hepatic",
            PrescribingCondition::Seizure => "rx_seizure",
            PrescribingCondition::CardiacQt => "rx_cardiac_qt",
        }
    }
}

choice!(
    SuicidalIdeation {
        None = "none", "None";
        Passive = "passive", "Passive (wish to be dead)";
        ActiveNoPlan = "active_no_plan", "Active, without plan";
        ActiveWithPlan = "active_with_plan", "Active, with plan or intent";
    }
);

choice!(
    RiskLevel {
        Low = "low", "Low";
        Moderate = "moderate", "Moderate";
        High = "high", "High";
    }
);

choice!(
    MedicationPreference {
        NotStated = "not_stated", "Not stated";
        Prefers = "prefers_medication", "Prefers medication";
        Open = "open_to_medication", "Open to medication";
        PrefersNone = "prefers_no_medication", "Prefers no medication";
    }
);

choice!(
    /// The parts of the mental status examination.
    MseField {
        Appearance = "appearance", "Appearance";
        Behaviour = "behaviour", "Behaviour";
        Speech = "speech", "Speech";
        Mood = "mood", "Mood (patient's words)";
        Affect = "affect", "Affect";
        ThoughtProcess = "thought_process", "Thought process";
        ThoughtContent = "thought_content", "Thought content";
        Perception = "perception", "Perception";
        Cognition = "cognition", "Cognition / orientation";
        Insight = "insight", "Insight";
        Judgment = "judgment", "Judgment";
    }
);

impl MseField {
    /// The findings to choose from, `(id, label)`. Mood has none: it is
    /// written in the patient's own words.
    pub fn options(self) -> &'static [(&'static str, &'static str)] {
        match self {
            MseField::Appearance => &[
                ("appropriate", "Appropriate, well groomed"),
                ("dishevelled", "Dishevelled"),
                ("poor_hygiene", "Poor hygiene"),
                ("unusual", "Unusual or bizarre"),
            ],
            MseField::Behaviour => &[
                ("cooperative", "Calm, cooperative"),
                ("guarded", "Guarded"),
                ("restless", "Restless"),
                ("agitated", "Agitated"),
                ("withdrawn", "Withdrawn"),
                ("psychomotor_slowing", "Psychomotor slowing"),
            ],
            MseField::Speech => &[
                ("normal", "Normal rate, volume and tone"),
                ("pressured", "Pressured"),
                ("slow", "Slow"),
                ("loud", "Loud"),
                ("soft", "Soft"),
                ("slurred", "Slurred"),
            ],
            MseField::Mood => &[],
            MseField::Affect => &[
                ("euthymic", "Euthymic, full range"),
                ("constricted", "Constricted"),
                ("blunted", "Blunted"),
                ("flat", "Flat"),
                ("labile", "Labile"),
                ("anxious", "Anxious"),
                ("irritable", "Irritable"),
                ("incongruent", "Incongruent with mood"),
            ],
            MseField::ThoughtProcess => &[
                ("linear", "Linear, goal-directed"),
                ("circumstantial", "Circumstantial"),
                ("tangential", "Tangential"),
                ("flight_of_ideas", "Flight of ideas"),
                ("loose", "Loose associations"),
                ("blocking", "Thought blocking"),
            ],
            MseField::ThoughtContent => &[
                ("unremarkable", "Unremarkable"),
                ("preoccupations", "Preoccupations"),
                ("obsessions", "Obsessions"),
                ("paranoid", "Paranoid ideation"),
                ("delusions", "Delusions"),
            ],
            MseField::Perception => &[
                ("none", "No perceptual disturbance"),
                ("auditory", "Auditory hallucinations"),
                ("visual", "Visual hallucinations"),
                ("other", "Other hallucinations"),
                ("illusions", "Illusions"),
            ],
            MseField::Cognition => &[
                ("oriented", "Alert, oriented to person, place and time"),
                ("disoriented", "Disoriented"),
                ("attention", "Impaired attention"),
                ("memory", "Impaired memory"),
            ],
            MseField::Insight | MseField::Judgment => {
                &[("good", "Good"), ("fair", "Fair"), ("poor", "Poor")]
            }
        }
    }

    pub fn field(self) -> &'static str {
        match self {
            MseField::Appearance => "mse_appearance",
            MseField::Behaviour => "mse_behaviour",
            MseField::Speech => "mse_speech",
            MseField::Mood => "mse_mood",
            MseField::Affect => "mse_affect",
            MseField::ThoughtProcess => "mse_thought_process",
            MseField::ThoughtContent => "mse_thought_content",
            MseField::Perception => "mse_perception",
            MseField::Cognition => "mse_cognition",
            MseField::Insight => "mse_insight",
            MseField::Judgment => "mse_judgment",
        }
    }

    pub fn option_label(self, id: &str) -> Option<&'static str> {
        self.options()
            .iter()
            .find(|(o, _)| *o == id)
            .map(|(_, l)| *l)
    }
}

/// When a substance was last used: a date, or explicitly unknown. Never
/// blank, so a later safety check can tell "not asked" from "not known".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum LastUse {
    On(Date),
    Unknown,
}

impl fmt::Display for LastUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LastUse::On(d) => d.fmt(f),
            LastUse::Unknown => f.write_str("unknown"),
        }
    }
}

impl From<LastUse> for String {
    fn from(l: LastUse) -> String {
        l.to_string()
    }
}

impl TryFrom<String> for LastUse {
    type Error = String;
    fn try_from(s: String) -> Result<LastUse, String> {
        if s == "unknown" {
            return Ok(LastUse::Unknown);
        }
        crate::patient::parse_date(&s)
            .map(LastUse::On)
            .ok_or_else(|| format!("{s:?} is neither a date nor \"unknown\""))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubstanceUse {
    pub substance: Substance,
    pub route: Route,
    pub frequency: Frequency,
    pub last_use: LastUse,
    /// What the "other" substance is, amounts, pattern.
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescribingEntry {
    pub condition: PrescribingCondition,
    pub answer: YesNoUnknown,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MseEntry {
    pub field: MseField,
    /// One of the field's options; `None` for mood, or not examined.
    pub finding: Option<String>,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAssessment {
    pub suicidal_ideation: SuicidalIdeation,
    pub self_harm_history: YesNoUnknown,
    pub homicidal_ideation: YesNoUnknown,
    pub access_to_means: YesNoUnknown,
    pub overall: RiskLevel,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    pub medication: MedicationPreference,
    pub therapy: String,
}

/// A validated assessment, as stored (`assessments.body`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub presenting_problems: String,
    pub psychiatric_history: String,
    pub treatment_history: String,
    pub substance_use: Vec<SubstanceUse>,
    /// Every [`PrescribingCondition`], in its order.
    pub prescribing: Vec<PrescribingEntry>,
    /// One medication per line, as the patient or the record states it.
    pub medications: Vec<String>,
    /// Every [`MseField`], in its order.
    pub mental_status: Vec<MseEntry>,
    pub risk: RiskAssessment,
    pub trauma_reported: bool,
    pub strengths: String,
    pub preferences: Preferences,
}

impl Assessment {
    /// The most recent date of last use recorded for a substance; an
    /// explicit "unknown" when that is all the assessment says.
    pub fn last_use(&self, substance: Substance) -> Option<LastUse> {
        let entries = self
            .substance_use
            .iter()
            .filter(|s| s.substance == substance);
        let mut best: Option<LastUse> = None;
        for e in entries {
            best = Some(match (best, e.last_use) {
                (Some(LastUse::On(a)), LastUse::On(b)) => LastUse::On(a.max(b)),
                (Some(LastUse::On(a)), LastUse::Unknown) => LastUse::On(a),
                (_, l) => l,
            });
        }
        best
    }

    pub fn prescribing(&self, c: PrescribingCondition) -> YesNoUnknown {
        self.prescribing
            .iter()
            .find(|p| p.condition == c)
            .map_or(YesNoUnknown::Unknown, |p| p.answer)
    }
}

/// How many substance rows a form offers.
pub const MAX_SUBSTANCES: usize = 8;

/// Field names of the substance rows, one per row, for messages in place.
pub const SUBSTANCE_FIELDS: [&str; MAX_SUBSTANCES] = [
    "su1_substance",
    "su2_substance",
    "su3_substance",
    "su4_substance",
    "su5_substance",
    "su6_substance",
    "su7_substance",
    "su8_substance",
];
pub const LAST_USE_FIELDS: [&str; MAX_SUBSTANCES] = [
    "su1_last_use",
    "su2_last_use",
    "su3_last_use",
    "su4_last_use",
    "su5_last_use",
    "su6_last_use",
    "su7_last_use",
    "su8_last_use",
];
pub const ROUTE_FIELDS: [&str; MAX_SUBSTANCES] = [
    "su1_route",
    "su2_route",
    "su3_route",
    "su4_route",
    "su5_route",
    "su6_route",
    "su7_route",
    "su8_route",
];
pub const FREQUENCY_FIELDS: [&str; MAX_SUBSTANCES] = [
    "su1_frequency",
    "su2_frequency",
    "su3_frequency",
    "su4_frequency",
    "su5_frequency",
    "su6_frequency",
    "su7_frequency",
    "su8_frequency",
];

/// One substance row as typed. A row with nothing in it is ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubstanceInput {
    pub substance: String,
    pub route: String,
    pub frequency: String,
    /// `YYYY-MM-DD`; empty when `last_use_unknown`.
    pub last_use: String,
    pub last_use_unknown: bool,
    pub note: String,
}

impl SubstanceInput {
    fn is_blank(&self) -> bool {
        self.substance.trim().is_empty()
            && self.route.trim().is_empty()
            && self.frequency.trim().is_empty()
            && self.last_use.trim().is_empty()
            && !self.last_use_unknown
            && self.note.trim().is_empty()
    }
}

/// A form's assessment, every field as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssessmentInput {
    pub presenting_problems: String,
    pub psychiatric_history: String,
    pub treatment_history: String,
    pub substances: Vec<SubstanceInput>,
    /// `(condition, answer id, note)`; a condition left out is unknown.
    pub prescribing: Vec<(PrescribingCondition, String, String)>,
    /// One per line.
    pub medications: String,
    /// `(field, finding id, note)`; a field left out was not examined.
    pub mental_status: Vec<(MseField, String, String)>,
    pub suicidal_ideation: String,
    pub self_harm_history: String,
    pub homicidal_ideation: String,
    pub access_to_means: String,
    pub overall_risk: String,
    pub risk_notes: String,
    pub trauma_reported: bool,
    pub strengths: String,
    pub medication_preference: String,
    pub therapy_preference: String,
}

const LONG_TEXT: usize = 10_000;
const NOTE: usize = 2_000;

/// Free text: trimmed, bounded, no control characters but line breaks and tabs.
fn text(e: &mut ValidationErrors, field: &'static str, v: &str, max: usize) -> String {
    let v = v.trim();
    if v.chars().count() > max {
        e.add(field, format!("keep this under {max} characters"));
    } else if v
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        e.add(field, "must not contain control characters");
    }
    v.replace("\r\n", "\n")
}

/// A choice from a closed list; `blank` is what an empty answer means, or
/// `None` when an answer is required.
fn pick<T: Copy>(
    e: &mut ValidationErrors,
    field: &'static str,
    v: &str,
    parse: impl Fn(&str) -> Option<T>,
    blank: Option<T>,
    required: &str,
) -> Option<T> {
    let v = v.trim();
    if v.is_empty() {
        if blank.is_none() {
            e.add(field, required.to_string());
        }
        return blank;
    }
    let got = parse(v);
    if got.is_none() {
        e.add(field, "choose one of the listed answers");
    }
    got
}

impl AssessmentInput {
    /// Checks every field at once. `today` bounds the dates of last use.
    pub fn validate(&self, today: Date) -> Result<Assessment, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let presenting_problems = text(
            &mut e,
            "presenting_problems",
            &self.presenting_problems,
            LONG_TEXT,
        );
        if presenting_problems.is_empty() {
            e.add(
                "presenting_problems",
                "say in a few words what brings the patient",
            );
        }
        let psychiatric_history = text(
            &mut e,
            "psychiatric_history",
            &self.psychiatric_history,
            LONG_TEXT,
        );
        let treatment_history = text(
            &mut e,
            "treatment_history",
            &self.treatment_history,
            LONG_TEXT,
        );

        let rows: Vec<(usize, &SubstanceInput)> = self
            .substances
            .iter()
            .filter(|s| !s.is_blank())
            .enumerate()
            .collect();
        if rows.len() > MAX_SUBSTANCES {
            e.add(
                SUBSTANCE_FIELDS[MAX_SUBSTANCES - 1],
                format!("at most {MAX_SUBSTANCES} substances; group the rest under \"other\""),
            );
        }
        let mut substance_use = Vec::new();
        for (i, s) in rows.into_iter().take(MAX_SUBSTANCES) {
            let substance = pick(
                &mut e,
                SUBSTANCE_FIELDS[i],
                &s.substance,
                Substance::parse,
                None,
                "choose the substance",
            );
            let route = pick(
                &mut e,
                ROUTE_FIELDS[i],
                &s.route,
                Route::parse,
                Some(Route::Unknown),
                "",
            );
            let frequency = pick(
                &mut e,
                FREQUENCY_FIELDS[i],
                &s.frequency,
                Frequency::parse,
                Some(Frequency::Unknown),
                "",
            );
            let field = LAST_USE_FIELDS[i];
            let last_use = match (s.last_use.trim(), s.last_use_unknown) {
                ("", false) => {
                    e.add(
                        field,
                        "give the date of last use, or tick \"unknown\" if the patient does not know",
                    );
                    None
                }
                ("", true) => Some(LastUse::Unknown),
                (_, true) => {
                    e.add(field, "give a date or tick \"unknown\", not both");
                    None
                }
                (d, false) => match crate::patient::parse_date(d) {
                    None => {
                        e.add(field, "give the date as YYYY-MM-DD, e.g. 2026-11-01");
                        None
                    }
                    Some(d) if d > today => {
                        e.add(field, "the date of last use is in the future");
                        None
                    }
                    Some(d) => Some(LastUse::On(d)),
                },
            };
            let note = text(&mut e, SUBSTANCE_FIELDS[i], &s.note, NOTE);
            if substance == Some(Substance::Other) && note.is_empty() {
                e.add(SUBSTANCE_FIELDS[i], "name the substance in the note");
            }
            if let (Some(substance), Some(route), Some(frequency), Some(last_use)) =
                (substance, route, frequency, last_use)
            {
                substance_use.push(SubstanceUse {
                    substance,
                    route,
                    frequency,
                    last_use,
                    note,
                });
            }
        }

        let mut prescribing = Vec::new();
        for &c in PrescribingCondition::ALL {
            let (answer, note) = self
                .prescribing
                .iter()
                .find(|(k, _, _)| *k == c)
                .map_or(("", ""), |(_, a, n)| (a.as_str(), n.as_str()));
            let answer = pick(
                &mut e,
                c.field(),
                answer,
                YesNoUnknown::parse,
                Some(YesNoUnknown::Unknown),
                "",
            )
            .unwrap_or(YesNoUnknown::Unknown);
            let note = text(&mut e, c.field(), note, NOTE);
            prescribing.push(PrescribingEntry {
                condition: c,
                answer,
                note,
            });
        }

        let medications: Vec<String> = text(&mut e, "medications", &self.medications, LONG_TEXT)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();

        let mut mental_status = Vec::new();
        for &f in MseField::ALL {
            let (finding, note) = self
                .mental_status
                .iter()
                .find(|(k, _, _)| *k == f)
                .map_or(("", ""), |(_, a, n)| (a.trim(), n.as_str()));
            let finding = if finding.is_empty() {
                None
            } else if f.option_label(finding).is_some() {
                Some(finding.to_string())
            } else {
                e.add(f.field(), "choose one of the listed findings");
                None
            };
            let note = text(&mut e, f.field(), note, NOTE);
            mental_status.push(MseEntry {
                field: f,
                finding,
                note,
            });
        }

        let si = pick(
            &mut e,
            "suicidal_ideation",
            &self.suicidal_ideation,
            SuicidalIdeation::parse,
            None,
            "record suicidal ideation (\"None\" if the patient denies it)",
        );
        let self_harm = pick(
            &mut e,
            "self_harm_history",
            &self.self_harm_history,
            YesNoUnknown::parse,
            Some(YesNoUnknown::Unknown),
            "",
        );
        let homicidal = pick(
            &mut e,
            "homicidal_ideation",
            &self.homicidal_ideation,
            YesNoUnknown::parse,
            Some(YesNoUnknown::Unknown),
            "",
        );
        let means = pick(
            &mut e,
            "access_to_means",
            &self.access_to_means,
            YesNoUnknown::parse,
            Some(YesNoUnknown::Unknown),
            "",
        );
        let overall = pick(
            &mut e,
            "overall_risk",
            &self.overall_risk,
            RiskLevel::parse,
            None,
            "give your overall judgement of risk",
        );
        let risk_notes = text(&mut e, "risk_notes", &self.risk_notes, LONG_TEXT);
        let strengths = text(&mut e, "strengths", &self.strengths, LONG_TEXT);
        let medication = pick(
            &mut e,
            "medication_preference",
            &self.medication_preference,
            MedicationPreference::parse,
            Some(MedicationPreference::NotStated),
            "",
        );
        let therapy = text(&mut e, "therapy_preference", &self.therapy_preference, NOTE);

        match (si, self_harm, homicidal, means, overall, medication) {
            (
                Some(suicidal_ideation),
                Some(self_harm_history),
                Some(homicidal_ideation),
                Some(access_to_means),
                Some(overall),
                Some(medication),
            ) if e.is_empty() => Ok(Assessment {
                presenting_problems,
                psychiatric_history,
                treatment_history,
                substance_use,
                prescribing,
                medications,
                mental_status,
                risk: RiskAssessment {
                    suicidal_ideation,
                    self_harm_history,
                    homicidal_ideation,
                    access_to_means,
                    overall,
                    notes: risk_notes,
                },
                trauma_reported: self.trauma_reported,
                strengths,
                preferences: Preferences {
                    medication,
                    therapy,
                },
            }),
            _ => Err(e),
        }
    }

    /// The form of a stored assessment, to edit it.
    pub fn from_assessment(a: &Assessment) -> AssessmentInput {
        AssessmentInput {
            presenting_problems: a.presenting_problems.clone(),
            psychiatric_history: a.psychiatric_history.clone(),
            treatment_history: a.treatment_history.clone(),
            substances: a
                .substance_use
                .iter()
                .map(|s| SubstanceInput {
                    substance: s.substance.as_str().into(),
                    route: s.route.as_str().into(),
                    frequency: s.frequency.as_str().into(),
                    last_use: match s.last_use {
                        LastUse::On(d) => d.to_string(),
                        LastUse::Unknown => String::new(),
                    },
                    last_use_unknown: s.last_use == LastUse::Unknown,
                    note: s.note.clone(),
                })
                .collect(),
            prescribing: a
                .prescribing
                .iter()
                .map(|p| (p.condition, p.answer.as_str().into(), p.note.clone()))
                .collect(),
            medications: a.medications.join("\n"),
            mental_status: a
                .mental_status
                .iter()
                .map(|m| {
                    (
                        m.field,
                        m.finding.clone().unwrap_or_default(),
                        m.note.clone(),
                    )
                })
                .collect(),
            suicidal_ideation: a.risk.suicidal_ideation.as_str().into(),
            self_harm_history: a.risk.self_harm_history.as_str().into(),
            homicidal_ideation: a.risk.homicidal_ideation.as_str().into(),
            access_to_means: a.risk.access_to_means.as_str().into(),
            overall_risk: a.risk.overall.as_str().into(),
            risk_notes: a.risk.notes.clone(),
            trauma_reported: a.trauma_reported,
            strengths: a.strengths.clone(),
            medication_preference: a.preferences.medication.as_str().into(),
            therapy_preference: a.preferences.therapy.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn last_use_reads_and_writes_as_text() {
        let on = LastUse::On(date!(2026 - 11 - 01));
        assert_eq!(String::from(on), "2026-11-01");
        assert_eq!(LastUse::try_from("2026-11-01".to_string()), Ok(on));
        assert_eq!(
            LastUse::try_from("unknown".to_string()),
            Ok(LastUse::Unknown)
        );
        assert!(LastUse::try_from("yesterday".to_string()).is_err());
    }

    #[test]
    fn choice_ids_are_unique_and_round_trip() {
        for s in Substance::ALL {
            assert_eq!(Substance::parse(s.as_str()), Some(*s));
        }
        for f in MseField::ALL {
            let ids: std::collections::BTreeSet<_> = f.options().iter().map(|o| o.0).collect();
            assert_eq!(ids.len(), f.options().len(), "{}", f.as_str());
        }
    }
}
