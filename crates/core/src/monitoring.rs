//! Medication monitoring: lab results, urine drug screens, side effects and
//! adherence, as a clinician records them between visits.
//!
//! Each form's text comes in through an `*Input::validate`, the only door:
//! every problem names its field, and nothing half-valid gets out. The
//! numbers that judge a result (serum level ranges) are content with their
//! sources (`content/medications/dose_limits.toml`); this module only
//! compares.

use crate::ValidationErrors;
use crate::medication::side_effects::{Checklist, SideEffects};
use crate::medication::{Frequency, ScreenResult};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// The results Tandem records: only those a check uses or a sourced range
/// judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Analyte {
    /// Serum lithium, 12-hour trough.
    Lithium,
    /// Total serum valproate, trough.
    Valproate,
    /// Creatinine clearance (the acamprosate kidney-function limit).
    CreatinineClearance,
    /// Absolute neutrophil count (clozapine).
    Anc,
    /// Corrected QT interval (QT-prolonging drugs).
    Qtc,
}

impl Analyte {
    pub const ALL: [Analyte; 5] = [
        Analyte::Lithium,
        Analyte::Valproate,
        Analyte::CreatinineClearance,
        Analyte::Anc,
        Analyte::Qtc,
    ];

    /// The stored code, also the code under Tandem's local code system.
    pub fn code(self) -> &'static str {
        match self {
            Analyte::Lithium => "lithium",
            Analyte::Valproate => "valproate",
            Analyte::CreatinineClearance => "creatinine-clearance",
            Analyte::Anc => "anc",
            Analyte::Qtc => "qtc",
        }
    }

    pub fn parse(code: &str) -> Option<Analyte> {
        Analyte::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Analyte::Lithium => "Lithium level",
            Analyte::Valproate => "Valproate level",
            Analyte::CreatinineClearance => "Creatinine clearance",
            Analyte::Anc => "Absolute neutrophil count",
            Analyte::Qtc => "QTc",
        }
    }

    /// The unit as people read it. Lithium and valproate use the unit of
    /// their reference range in the content (mEq/L equals mmol/L for
    /// lithium, a monovalent ion).
    pub fn unit(self) -> &'static str {
        match self {
            Analyte::Lithium => "mEq/L",
            Analyte::Valproate => "µg/mL",
            Analyte::CreatinineClearance => "mL/min",
            Analyte::Anc => "cells/µL",
            Analyte::Qtc => "ms",
        }
    }

    /// The unit in UCUM, for FHIR quantities.
    pub fn ucum(self) -> &'static str {
        match self {
            Analyte::Lithium => "meq/L",
            Analyte::Valproate => "ug/mL",
            Analyte::CreatinineClearance => "mL/min",
            Analyte::Anc => "/uL",
            Analyte::Qtc => "ms",
        }
    }

    /// LOINC only where a public source confirmed the code: 14334-7
    /// "Lithium [Moles/volume] in Serum or Plasma". The others travel under
    /// Tandem's local code system until one is confirmed.
    pub fn loinc(self) -> Option<&'static str> {
        match self {
            Analyte::Lithium => Some("14334-7"),
            _ => None,
        }
    }

    /// The catalog drug whose serum level this is, when it is one.
    pub fn level_of(self) -> Option<&'static str> {
        match self {
            Analyte::Lithium => Some("lithium"),
            Analyte::Valproate => Some("valproate"),
            _ => None,
        }
    }

    /// Results the checks take as whole numbers.
    fn whole(self) -> bool {
        matches!(
            self,
            Analyte::CreatinineClearance | Analyte::Qtc | Analyte::Anc
        )
    }
}

/// Where a result stands against a reference range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeReading {
    Low,
    InRange,
    High,
}

impl RangeReading {
    /// The HL7 v3 ObservationInterpretation code (`L`, `N`, `H`).
    pub fn code(self) -> &'static str {
        match self {
            RangeReading::Low => "L",
            RangeReading::InRange => "N",
            RangeReading::High => "H",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RangeReading::Low => "Low",
            RangeReading::InRange => "Normal",
            RangeReading::High => "High",
        }
    }
}

/// Compares a value with a range whose edges belong to it: the content
/// gives lithium "0.6–1.2 mEq/L", so 0.6 and 1.2 are in range.
pub fn compare(value: f64, low: f64, high: f64) -> RangeReading {
    if value < low {
        RangeReading::Low
    } else if value > high {
        RangeReading::High
    } else {
        RangeReading::InRange
    }
}

/// A lab result, well formed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NewLab {
    pub analyte: Analyte,
    pub value: f64,
    pub effective: OffsetDateTime,
}

/// A lab result as typed into a form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabInput {
    pub analyte: String,
    pub value: String,
    /// `YYYY-MM-DDTHH:MM`, UTC.
    pub effective: String,
}

impl LabInput {
    /// The result, or every problem by field. A result from the future is
    /// refused: it would be the "latest" for every check until then.
    pub fn validate(&self, now: OffsetDateTime) -> Result<NewLab, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let analyte = Analyte::parse(self.analyte.trim());
        if analyte.is_none() {
            e.add("analyte", "choose a test");
        }
        let value = self
            .value
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite());
        match (value, analyte) {
            (None, _) => e.add("value", "enter the result as a number"),
            (Some(v), _) if v < 0.0 => e.add("value", "a result cannot be negative"),
            (Some(v), Some(a)) if a.whole() && v.fract() != 0.0 => {
                e.add("value", format!("enter {} as a whole number", a.label()));
            }
            (Some(v), Some(a)) if v == 0.0 && a != Analyte::Anc => {
                e.add("value", "a result of zero is not possible for this test");
            }
            _ => {}
        }
        let effective = effective_at(&self.effective, now, "effective", &mut e);
        match (analyte, value, effective) {
            (Some(analyte), Some(value), Some(effective)) if e.is_empty() => Ok(NewLab {
                analyte,
                value,
                effective,
            }),
            _ => Err(e),
        }
    }
}

/// Parses a `datetime-local` value (UTC, with or without seconds); never
/// after `now`.
fn effective_at(
    text: &str,
    now: OffsetDateTime,
    field: &'static str,
    e: &mut ValidationErrors,
) -> Option<OffsetDateTime> {
    let Some(t) = parse_date_time(text.trim()) else {
        e.add(field, "enter the date and time (YYYY-MM-DD HH:MM)");
        return None;
    };
    let t = t.assume_utc();
    if t > now {
        e.add(field, "cannot be in the future");
        return None;
    }
    Some(t)
}

/// `YYYY-MM-DDTHH:MM[:SS]` or with a space in place of the `T`.
pub fn parse_date_time(s: &str) -> Option<PrimitiveDateTime> {
    let (d, t) = s.split_once(['T', ' '])?;
    let date = parse_day(d)?;
    let mut parts = t.split(':');
    let h: u8 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let sec: u8 = match parts.next() {
        Some(x) => x.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(PrimitiveDateTime::new(
        date,
        Time::from_hms(h, m, sec).ok()?,
    ))
}

fn parse_day(s: &str) -> Option<Date> {
    let mut p = s.split('-');
    let y: i32 = p.next()?.parse().ok()?;
    let m: u8 = p.next()?.parse().ok()?;
    let d: u8 = p.next()?.parse().ok()?;
    if p.next().is_some() || !(1000..=9999).contains(&y) {
        return None;
    }
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

/// The substances of the urine drug screen panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Substance {
    Opioids,
    Fentanyl,
    Buprenorphine,
    Methadone,
    Benzodiazepines,
    Cocaine,
    Amphetamines,
    Cannabis,
    /// Alcohol, as ethyl glucuronide (EtG).
    Alcohol,
}

impl Substance {
    pub const ALL: [Substance; 9] = [
        Substance::Opioids,
        Substance::Fentanyl,
        Substance::Buprenorphine,
        Substance::Methadone,
        Substance::Benzodiazepines,
        Substance::Cocaine,
        Substance::Amphetamines,
        Substance::Cannabis,
        Substance::Alcohol,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Substance::Opioids => "opioids",
            Substance::Fentanyl => "fentanyl",
            Substance::Buprenorphine => "buprenorphine",
            Substance::Methadone => "methadone",
            Substance::Benzodiazepines => "benzodiazepines",
            Substance::Cocaine => "cocaine",
            Substance::Amphetamines => "amphetamines",
            Substance::Cannabis => "cannabis",
            Substance::Alcohol => "alcohol",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Substance::Opioids => "Opioids",
            Substance::Fentanyl => "Fentanyl",
            Substance::Buprenorphine => "Buprenorphine",
            Substance::Methadone => "Methadone",
            Substance::Benzodiazepines => "Benzodiazepines",
            Substance::Cocaine => "Cocaine",
            Substance::Amphetamines => "Amphetamines",
            Substance::Cannabis => "Cannabis",
            Substance::Alcohol => "Alcohol (EtG)",
        }
    }

    pub fn parse(code: &str) -> Option<Substance> {
        Substance::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// One line of the panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScreenOutcome {
    Positive,
    Negative,
    NotTested,
}

impl ScreenOutcome {
    pub fn code(self) -> &'static str {
        match self {
            ScreenOutcome::Positive => "positive",
            ScreenOutcome::Negative => "negative",
            ScreenOutcome::NotTested => "not-tested",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ScreenOutcome::Positive => "Positive",
            ScreenOutcome::Negative => "Negative",
            ScreenOutcome::NotTested => "Not tested",
        }
    }

    pub fn parse(code: &str) -> Option<ScreenOutcome> {
        [
            ScreenOutcome::Positive,
            ScreenOutcome::Negative,
            ScreenOutcome::NotTested,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }
}

/// A urine drug screen: every substance of the panel with its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreenPanel {
    pub collected: OffsetDateTime,
    /// In the order of `Substance::ALL`.
    results: [ScreenOutcome; 9],
}

impl ScreenPanel {
    /// A panel from stored outcomes, in the order of `Substance::ALL`.
    pub fn new(collected: OffsetDateTime, results: [ScreenOutcome; 9]) -> ScreenPanel {
        ScreenPanel { collected, results }
    }

    pub fn outcome(&self, s: Substance) -> ScreenOutcome {
        let i = Substance::ALL.iter().position(|x| *x == s).unwrap_or(0);
        self.results[i]
    }

    pub fn results(&self) -> impl Iterator<Item = (Substance, ScreenOutcome)> + '_ {
        Substance::ALL.into_iter().zip(self.results)
    }

    /// What the panel says about opioids for the naltrexone prerequisite.
    /// Positive when any opioid line (opioids, fentanyl, buprenorphine,
    /// methadone) is positive: each shows opioid use. Negative only when
    /// both opioids and fentanyl were tested and negative, since the
    /// opiate immunoassay does not detect fentanyl. Otherwise the panel
    /// says nothing either way.
    pub fn opioid_result(&self) -> Option<ScreenResult> {
        let opioid_lines = [
            Substance::Opioids,
            Substance::Fentanyl,
            Substance::Buprenorphine,
            Substance::Methadone,
        ];
        if opioid_lines
            .iter()
            .any(|s| self.outcome(*s) == ScreenOutcome::Positive)
        {
            return Some(ScreenResult::Positive);
        }
        (self.outcome(Substance::Opioids) == ScreenOutcome::Negative
            && self.outcome(Substance::Fentanyl) == ScreenOutcome::Negative)
            .then_some(ScreenResult::Negative)
    }

    pub fn any_positive(&self) -> bool {
        self.results.contains(&ScreenOutcome::Positive)
    }
}

/// A drug screen as a form gives it: the collection time and, per
/// substance code, `positive`, `negative` or `not-tested`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScreenInput {
    pub collected: String,
    pub results: Vec<(String, String)>,
}

impl ScreenInput {
    /// A substance left out is "not tested"; a panel with nothing tested is
    /// refused, as is an unknown outcome.
    pub fn validate(&self, now: OffsetDateTime) -> Result<ScreenPanel, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let collected = effective_at(&self.collected, now, "collected", &mut e);
        let mut results = [ScreenOutcome::NotTested; 9];
        for (code, outcome) in &self.results {
            let Some(s) = Substance::parse(code.trim()) else {
                e.add("results", format!("{code:?} is not on the panel"));
                continue;
            };
            let Some(o) = ScreenOutcome::parse(outcome.trim()) else {
                e.add(
                    s.code(),
                    "choose positive, negative or not tested".to_string(),
                );
                continue;
            };
            let i = Substance::ALL.iter().position(|x| *x == s).unwrap_or(0);
            results[i] = o;
        }
        if e.is_empty() && results.iter().all(|o| *o == ScreenOutcome::NotTested) {
            e.add(
                "results",
                "record at least one substance as positive or negative",
            );
        }
        match collected {
            Some(c) if e.is_empty() => Ok(ScreenPanel::new(c, results)),
            _ => Err(e),
        }
    }
}

/// How bad a side effect is, as the patient and clinician rate it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Mild,
    Moderate,
    Severe,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Mild, Severity::Moderate, Severity::Severe];

    pub fn code(self) -> &'static str {
        match self {
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::Severe => "severe",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Mild => "Mild",
            Severity::Moderate => "Moderate",
            Severity::Severe => "Severe",
        }
    }

    pub fn parse(code: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// One side effect: a checklist item (its stored code and the label it reads
/// as) or free text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Listed { code: String, label: String },
    Other(String),
}

impl Effect {
    /// A stored code read back: its label from the checklist file, or the
    /// code itself for a code the file does not know, so nothing recorded is
    /// hidden.
    pub fn listed(code: &str, side_effects: &SideEffects) -> Effect {
        Effect::Listed {
            code: code.to_string(),
            label: side_effects.label(code).unwrap_or(code).to_string(),
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Effect::Listed { label, .. } => label,
            Effect::Other(text) => text,
        }
    }
}

/// Side effects noted on one day against one order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SideEffectReport {
    pub noted_on: Date,
    pub effects: Vec<(Effect, Severity)>,
}

/// The checklist as a form gives it: per checklist code the severity
/// chosen (an empty severity means "not present"), and a free-text effect
/// with its own severity. The codes accepted are those of the checklist of
/// the order's class.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SideEffectInput {
    pub noted_on: String,
    pub listed: Vec<(String, String)>,
    pub other: String,
    pub other_severity: String,
}

/// The longest free-text effect kept.
pub const OTHER_EFFECT_MAX: usize = 200;

impl SideEffectInput {
    pub fn validate(
        &self,
        today: Date,
        checklist: &Checklist<'_>,
    ) -> Result<SideEffectReport, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let noted_on = match parse_day(self.noted_on.trim()) {
            None => {
                e.add("noted_on", "enter the date (YYYY-MM-DD)");
                None
            }
            Some(d) if d > today => {
                e.add("noted_on", "cannot be in the future");
                None
            }
            Some(d) => Some(d),
        };
        let mut effects = Vec::new();
        for (code, severity) in &self.listed {
            let severity = severity.trim();
            if severity.is_empty() {
                continue;
            }
            let Some(item) = checklist.item(code) else {
                e.add(
                    "listed",
                    format!(
                        "{code:?} is not on the {} checklist",
                        checklist.class.label()
                    ),
                );
                continue;
            };
            match Severity::parse(severity) {
                Some(s) => effects.push((
                    Effect::Listed {
                        code: item.code.clone(),
                        label: item.label.clone(),
                    },
                    s,
                )),
                None => e.add("listed", "choose mild, moderate or severe"),
            }
        }
        let other = self.other.trim();
        let other_severity = self.other_severity.trim();
        if !other.is_empty() {
            if other.chars().count() > OTHER_EFFECT_MAX {
                e.add(
                    "other",
                    format!("keep it under {OTHER_EFFECT_MAX} characters"),
                );
            }
            match Severity::parse(other_severity) {
                Some(s) => effects.push((Effect::Other(other.to_string()), s)),
                None => e.add("other_severity", "choose how severe it is"),
            }
        } else if !other_severity.is_empty() {
            e.add("other", "describe the side effect, or clear its severity");
        }
        if e.is_empty() && effects.is_empty() {
            e.add(
                "listed",
                "choose a severity for at least one side effect, or describe another",
            );
        }
        match noted_on {
            Some(noted_on) if e.is_empty() => Ok(SideEffectReport { noted_on, effects }),
            _ => Err(e),
        }
    }
}

/// Who said how many doses were missed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reporter {
    Patient,
    Clinician,
}

impl Reporter {
    pub fn code(self) -> &'static str {
        match self {
            Reporter::Patient => "patient",
            Reporter::Clinician => "clinician",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Reporter::Patient => "Patient",
            Reporter::Clinician => "Clinician",
        }
    }

    pub fn parse(code: &str) -> Option<Reporter> {
        [Reporter::Patient, Reporter::Clinician]
            .into_iter()
            .find(|r| r.code() == code)
    }
}

/// How many doses an order's frequency expects in seven days. `None` where
/// a week has no fixed count: every other day (three or four), monthly,
/// as needed, or a frequency Tandem does not know.
pub fn doses_per_week(f: Frequency) -> Option<u32> {
    match f {
        Frequency::OnceDaily => Some(7),
        Frequency::TwiceDaily => Some(14),
        Frequency::ThreeTimesDaily => Some(21),
        Frequency::FourTimesDaily => Some(28),
        Frequency::Weekly => Some(1),
        Frequency::EveryOtherDay | Frequency::Monthly | Frequency::AsNeeded | Frequency::Other => {
            None
        }
    }
}

/// A week of adherence: doses missed out of those expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Adherence {
    missed: u32,
    expected: u32,
}

impl Adherence {
    /// `None` when nothing was expected or more doses were missed than
    /// expected.
    pub fn new(missed: u32, expected: u32) -> Option<Adherence> {
        (expected > 0 && missed <= expected).then_some(Adherence { missed, expected })
    }

    pub fn missed(self) -> u32 {
        self.missed
    }

    pub fn expected(self) -> u32 {
        self.expected
    }

    pub fn taken(self) -> u32 {
        self.expected - self.missed
    }

    /// Taken ÷ expected, in whole percent rounded to the nearest (half up):
    /// 1 missed of 7 is 86%, none missed is 100%, all missed is 0%.
    pub fn percent(self) -> u32 {
        (self.taken() * 200 + self.expected) / (2 * self.expected)
    }
}

/// A week's missed doses as a form gives them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdherenceInput {
    /// The last day of the week reported on.
    pub week_ending: String,
    pub missed: String,
    pub reporter: String,
}

/// A week's report, well formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdherenceReport {
    pub week_ending: Date,
    pub adherence: Adherence,
    pub reporter: Reporter,
}

impl AdherenceInput {
    /// `expected` comes from the order's frequency; `None` refuses the
    /// report, since a percentage would be invented.
    pub fn validate(
        &self,
        today: Date,
        expected: Option<u32>,
    ) -> Result<AdherenceReport, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let week_ending = match parse_day(self.week_ending.trim()) {
            None => {
                e.add("week_ending", "enter the date (YYYY-MM-DD)");
                None
            }
            Some(d) if d > today => {
                e.add("week_ending", "cannot be in the future");
                None
            }
            Some(d) => Some(d),
        };
        let reporter = Reporter::parse(self.reporter.trim());
        if reporter.is_none() {
            e.add("reporter", "choose who reported it");
        }
        let missed = self.missed.trim().parse::<u32>().ok();
        let adherence = match (missed, expected) {
            (None, _) => {
                e.add("missed", "enter the number of missed doses (0 or more)");
                None
            }
            (Some(_), None) => {
                e.add(
                    "missed",
                    "this order's frequency has no fixed number of doses a week",
                );
                None
            }
            (Some(m), Some(x)) => {
                let a = Adherence::new(m, x);
                if a.is_none() {
                    e.add(
                        "missed",
                        format!("the order expects {x} doses a week; missed cannot be more"),
                    );
                }
                a
            }
        };
        match (week_ending, adherence, reporter) {
            (Some(week_ending), Some(adherence), Some(reporter)) if e.is_empty() => {
                Ok(AdherenceReport {
                    week_ending,
                    adherence,
                    reporter,
                })
            }
            _ => Err(e),
        }
    }
}

/// The ANC monitoring schedule of the clozapine prescribing information, as
/// the content's settings give it: how often counts are due by time on
/// clozapine while the ANC is in the normal range, and how much sooner below
/// it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AncSchedule {
    /// Counts are weekly for this many months from the start…
    pub weekly_months: u32,
    pub weekly_days: u32,
    /// …then every `biweekly_days` until this many months…
    pub biweekly_until_months: u32,
    pub biweekly_days: u32,
    /// …then every this many months.
    pub later_months: u32,
    /// Below this ANC (/µL), mild neutropenia: counts every `mild_days`.
    pub mild_below: u32,
    pub mild_days: u32,
    /// Below this ANC, moderate or severe neutropenia: every `moderate_days`.
    pub moderate_below: u32,
    pub moderate_days: u32,
}

/// Where the latest ANC stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AncBand {
    /// No count since clozapine started: the baseline is due.
    Baseline,
    Normal,
    MildNeutropenia,
    ModerateOrSevereNeutropenia,
}

/// When the next ANC is due, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AncDue {
    pub due_on: Date,
    pub band: AncBand,
    /// The rule that set the date, in words.
    pub why: String,
}

/// `months` calendar months after `d`, on the same day of the month or the
/// month's last day.
pub fn add_months(d: Date, months: u32) -> Date {
    let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month()) - 1) + i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).unwrap_or(d.year());
    let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1))
        .unwrap_or(Month::January);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(d)
}

/// When the next ANC is due for a patient on clozapine, from the latest
/// count taken since the order started (its date and value in cells/µL):
/// on the start date with no count (the baseline); sooner when the count is
/// below the normal range; otherwise by time on clozapine at that count.
pub fn anc_due(start: Date, latest: Option<(Date, f64)>, s: &AncSchedule) -> AncDue {
    let Some((on, value)) = latest.filter(|(d, _)| *d >= start) else {
        return AncDue {
            due_on: start,
            band: AncBand::Baseline,
            why: "a baseline count before clozapine starts".into(),
        };
    };
    let days = |n: u32| on.saturating_add(time::Duration::days(i64::from(n)));
    if value < f64::from(s.moderate_below) {
        return AncDue {
            due_on: days(s.moderate_days),
            band: AncBand::ModerateOrSevereNeutropenia,
            why: format!(
                "the latest ANC is below {}/µL (moderate or severe neutropenia): count daily, interrupt clozapine and consult hematology",
                s.moderate_below
            ),
        };
    }
    if value < f64::from(s.mild_below) {
        return AncDue {
            due_on: days(s.mild_days),
            band: AncBand::MildNeutropenia,
            why: format!(
                "the latest ANC is below {}/µL (mild neutropenia): count three times a week until it is back in range",
                s.mild_below
            ),
        };
    }
    let (due_on, why) = if on < add_months(start, s.weekly_months) {
        (
            days(s.weekly_days),
            format!("weekly in the first {} months", s.weekly_months),
        )
    } else if on < add_months(start, s.biweekly_until_months) {
        (
            days(s.biweekly_days),
            format!(
                "every {} days from month {} to month {}",
                s.biweekly_days, s.weekly_months, s.biweekly_until_months
            ),
        )
    } else {
        (
            add_months(on, s.later_months),
            format!("monthly after month {}", s.biweekly_until_months),
        )
    };
    AncDue {
        due_on,
        band: AncBand::Normal,
        why,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use time::macros::{date, datetime};

    const NOW: OffsetDateTime = datetime!(2026-11-22 09:00 UTC);

    #[test]
    fn range_edges_are_in_range() {
        assert_eq!(compare(0.6, 0.6, 1.2), RangeReading::InRange);
        assert_eq!(compare(1.2, 0.6, 1.2), RangeReading::InRange);
        assert_eq!(compare(0.59, 0.6, 1.2), RangeReading::Low);
        assert_eq!(compare(1.21, 0.6, 1.2), RangeReading::High);
        assert_eq!(compare(100.0, 50.0, 100.0), RangeReading::InRange);
        assert_eq!(compare(100.5, 50.0, 100.0), RangeReading::High);
    }

    const LABEL: AncSchedule = AncSchedule {
        weekly_months: 6,
        weekly_days: 7,
        biweekly_until_months: 12,
        biweekly_days: 14,
        later_months: 1,
        mild_below: 1500,
        mild_days: 2,
        moderate_below: 1000,
        moderate_days: 1,
    };

    #[test]
    fn anc_is_due_by_time_on_clozapine_and_sooner_below_range() {
        let start = date!(2026 - 01 - 15);
        let due = |on: Date, v: f64| anc_due(start, Some((on, v)), &LABEL);
        // No count yet, or one from before clozapine: the baseline.
        assert_eq!(anc_due(start, None, &LABEL).due_on, start);
        assert_eq!(anc_due(start, None, &LABEL).band, AncBand::Baseline);
        assert_eq!(due(date!(2026 - 01 - 10), 2000.0).due_on, start);
        // Weekly before 6 months, every 2 weeks from month 6, monthly from
        // month 12 (edges on the month boundaries).
        assert_eq!(
            due(date!(2026 - 07 - 14), 2000.0).due_on,
            date!(2026 - 07 - 21)
        );
        assert_eq!(
            due(date!(2026 - 07 - 15), 2000.0).due_on,
            date!(2026 - 07 - 29)
        );
        assert_eq!(
            due(date!(2027 - 01 - 14), 2000.0).due_on,
            date!(2027 - 01 - 28)
        );
        assert_eq!(
            due(date!(2027 - 01 - 15), 2000.0).due_on,
            date!(2027 - 02 - 15)
        );
        assert_eq!(
            due(date!(2027 - 01 - 31), 2000.0).due_on,
            date!(2027 - 02 - 28)
        );
        // Below range, at any time: 1500 is normal, 1499 mild (every 2
        // days, three times a week), 999 moderate (daily).
        let late = date!(2027 - 06 - 01);
        assert_eq!(due(late, 1500.0).band, AncBand::Normal);
        assert_eq!(due(late, 1499.0).band, AncBand::MildNeutropenia);
        assert_eq!(due(late, 1499.0).due_on, date!(2027 - 06 - 03));
        assert_eq!(due(late, 1000.0).band, AncBand::MildNeutropenia);
        assert_eq!(due(late, 999.0).band, AncBand::ModerateOrSevereNeutropenia);
        assert_eq!(due(late, 999.0).due_on, date!(2027 - 06 - 02));
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 11 - 15), 2), date!(2027 - 01 - 15));
        assert_eq!(add_months(date!(2028 - 01 - 29), 1), date!(2028 - 02 - 29));
    }

    #[test]
    fn adherence_at_the_edges() {
        assert_eq!(Adherence::new(0, 7).unwrap().percent(), 100);
        assert_eq!(Adherence::new(7, 7).unwrap().percent(), 0);
        assert_eq!(Adherence::new(1, 7).unwrap().percent(), 86);
        // 13 of 14 = 92.86%; 1 of 2 = 50% exactly; 1 of 8 taken... 87.5 rounds up.
        assert_eq!(Adherence::new(1, 14).unwrap().percent(), 93);
        assert_eq!(Adherence::new(1, 8).unwrap().percent(), 88);
        assert_eq!(Adherence::new(0, 1).unwrap().percent(), 100);
        assert!(Adherence::new(8, 7).is_none());
        assert!(Adherence::new(0, 0).is_none());
        assert_eq!(doses_per_week(Frequency::TwiceDaily), Some(14));
        assert_eq!(doses_per_week(Frequency::AsNeeded), None);
    }

    #[test]
    fn adherence_form_refuses_more_missed_than_expected() {
        let i = AdherenceInput {
            week_ending: "2026-11-22".into(),
            missed: "8".into(),
            reporter: "patient".into(),
        };
        let e = i.validate(date!(2026 - 11 - 22), Some(7)).unwrap_err();
        assert!(e.for_field("missed").is_some());
        let e = i.validate(date!(2026 - 11 - 22), None).unwrap_err();
        assert!(e.for_field("missed").unwrap().contains("no fixed number"));
        let ok = AdherenceInput {
            missed: "2".into(),
            ..i
        }
        .validate(date!(2026 - 11 - 22), Some(14))
        .unwrap();
        assert_eq!(ok.adherence.percent(), 86);
        assert_eq!(ok.reporter, Reporter::Patient);
    }

    fn panel(pairs: &[(&str, &str)]) -> ScreenPanel {
        ScreenInput {
            collected: "2026-11-21T08:30".into(),
            results: pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
        .validate(NOW)
        .unwrap()
    }

    #[test]
    fn opioid_result_needs_opioids_and_fentanyl_negative() {
        let neg = panel(&[("opioids", "negative"), ("fentanyl", "negative")]);
        assert_eq!(neg.opioid_result(), Some(ScreenResult::Negative));
        let fent_untested = panel(&[("opioids", "negative"), ("cannabis", "positive")]);
        assert_eq!(fent_untested.opioid_result(), None);
        let fent = panel(&[("opioids", "negative"), ("fentanyl", "positive")]);
        assert_eq!(fent.opioid_result(), Some(ScreenResult::Positive));
        let bup = panel(&[
            ("opioids", "negative"),
            ("fentanyl", "negative"),
            ("buprenorphine", "positive"),
        ]);
        assert_eq!(bup.opioid_result(), Some(ScreenResult::Positive));
    }

    #[test]
    fn screen_form_refuses_nothing_tested_and_the_future() {
        let e = ScreenInput {
            collected: "2026-11-21T08:30".into(),
            results: vec![("opioids".into(), "not-tested".into())],
        }
        .validate(NOW)
        .unwrap_err();
        assert!(e.for_field("results").is_some());
        let e = ScreenInput {
            collected: "2026-11-23T08:30".into(),
            results: vec![("opioids".into(), "negative".into())],
        }
        .validate(NOW)
        .unwrap_err();
        assert_eq!(e.for_field("collected"), Some("cannot be in the future"));
    }

    #[test]
    fn lab_form_names_each_problem() {
        let e = LabInput {
            analyte: "lithium".into(),
            value: "abc".into(),
            effective: "yesterday".into(),
        }
        .validate(NOW)
        .unwrap_err();
        assert!(e.for_field("value").is_some());
        assert!(e.for_field("effective").is_some());
        let e = LabInput {
            analyte: "qtc".into(),
            value: "452.5".into(),
            effective: "2026-11-22T08:00".into(),
        }
        .validate(NOW)
        .unwrap_err();
        assert!(e.for_field("value").unwrap().contains("whole number"));
        let ok = LabInput {
            analyte: "lithium".into(),
            value: " 0.9 ".into(),
            effective: "2026-11-22 08:00".into(),
        }
        .validate(NOW)
        .unwrap();
        assert_eq!(ok.analyte, Analyte::Lithium);
        assert_eq!(ok.effective, datetime!(2026-11-22 08:00 UTC));
    }

    #[test]
    fn side_effects_need_one_effect_and_a_severity_for_free_text() {
        use crate::medication::DrugClass;
        use crate::medication::side_effects::{ChecklistItem, Provenance};
        let item = |code: &str, label: &str| ChecklistItem {
            code: code.into(),
            label: label.into(),
            provenance: Provenance::Unsourced,
        };
        let (nausea, tremor) = (item("nausea", "Nausea"), item("tremor", "Tremor"));
        let checklist = Checklist {
            class: DrugClass::Ssri,
            items: vec![&nausea, &tremor],
            labels: vec![],
        };
        let today = date!(2026 - 11 - 22);
        let e = SideEffectInput {
            noted_on: "2026-11-22".into(),
            listed: vec![("nausea".into(), String::new())],
            ..Default::default()
        }
        .validate(today, &checklist)
        .unwrap_err();
        assert!(e.for_field("listed").is_some());
        let e = SideEffectInput {
            noted_on: "2026-11-22".into(),
            other: "vivid dreams".into(),
            ..Default::default()
        }
        .validate(today, &checklist)
        .unwrap_err();
        assert!(e.for_field("other_severity").is_some());
        // A code off this checklist is refused by name, even with no severity
        // problem elsewhere.
        let e = SideEffectInput {
            noted_on: "2026-11-22".into(),
            listed: vec![
                ("nausea".into(), "mild".into()),
                ("akathisia".into(), "mild".into()),
            ],
            ..Default::default()
        }
        .validate(today, &checklist)
        .unwrap_err();
        assert_eq!(
            e.for_field("listed"),
            Some("\"akathisia\" is not on the SSRI checklist")
        );
        let ok = SideEffectInput {
            noted_on: "2026-11-20".into(),
            listed: vec![
                ("nausea".into(), "mild".into()),
                ("tremor".into(), String::new()),
            ],
            other: "vivid dreams".into(),
            other_severity: "moderate".into(),
        }
        .validate(today, &checklist)
        .unwrap();
        assert_eq!(
            ok.effects,
            vec![
                (
                    Effect::Listed {
                        code: "nausea".into(),
                        label: "Nausea".into()
                    },
                    Severity::Mild
                ),
                (Effect::Other("vivid dreams".into()), Severity::Moderate)
            ]
        );
    }
}
