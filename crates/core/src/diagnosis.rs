//! Coded diagnoses: the ICD-10-CM list Tandem accepts
//! (`content/diagnoses/icd10cm.toml`), searching it, a diagnosis's clinical
//! status and rank, checking a new diagnosis, and the dual-diagnosis rule.

use crate::patient::parse_date;
use crate::validation::ValidationErrors;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use time::Date;

/// Whether a diagnosis is a mental-health or a substance-use disorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    MentalHealth,
    SubstanceUse,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::MentalHealth => "mental_health",
            Category::SubstanceUse => "substance_use",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::MentalHealth => "Mental health",
            Category::SubstanceUse => "Substance use",
        }
    }
}

/// A SNOMED CT concept for a code, where the clinical reference confirms it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snomed {
    pub code: String,
    pub display: String,
    pub source: String,
}

/// One code of the list.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnosisCode {
    /// ICD-10-CM, with its dot (`F33.1`).
    pub code: String,
    /// The official ICD-10-CM title.
    pub title: String,
    pub category: Category,
    /// A family of related codes (`depression`, `opioid_use`, …).
    pub group: String,
    pub source: String,
    #[serde(default)]
    pub snomed: Option<Snomed>,
}

/// The checked list of codes.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnosisList {
    pub sources: Vec<String>,
    pub codes: Vec<DiagnosisCode>,
}

/// Whether `code` has the shape of an ICD-10-CM code: a letter, a digit, a
/// letter or digit, then optionally a dot and one to four letters or digits
/// (`F32.A`, `F10.230`).
pub fn valid_code_format(code: &str) -> bool {
    let (head, tail) = match code.split_once('.') {
        Some((h, t)) => (h, Some(t)),
        None => (code, None),
    };
    let h = head.as_bytes();
    let head_ok = h.len() == 3
        && h[0].is_ascii_uppercase()
        && h[1].is_ascii_digit()
        && (h[2].is_ascii_digit() || h[2].is_ascii_uppercase());
    let tail_ok = tail.is_none_or(|t| {
        (1..=4).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    });
    head_ok && tail_ok
}

/// A code as people type it: any case, surrounding spaces.
pub fn normalize_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

impl DiagnosisList {
    /// Parses and checks the file: sources named, every code well-formed,
    /// titled, sourced and listed once.
    pub fn parse(text: &str) -> Result<DiagnosisList, String> {
        let list: DiagnosisList = toml::from_str(text).map_err(|e| e.to_string())?;
        if list.sources.iter().all(|s| s.trim().is_empty()) {
            return Err("the diagnosis list names no sources".into());
        }
        if list.codes.is_empty() {
            return Err("the diagnosis list has no codes".into());
        }
        let mut seen = BTreeSet::new();
        for c in &list.codes {
            if !valid_code_format(&c.code) {
                return Err(format!("{:?} is not an ICD-10-CM code", c.code));
            }
            if !seen.insert(c.code.as_str()) {
                return Err(format!("{} is listed twice", c.code));
            }
            if c.title.trim().is_empty() || c.group.trim().is_empty() {
                return Err(format!("{} needs a title and a group", c.code));
            }
            if c.source.trim().is_empty() {
                return Err(format!("{} names no source", c.code));
            }
            if let Some(s) = &c.snomed
                && (s.code.is_empty()
                    || !s.code.bytes().all(|b| b.is_ascii_digit())
                    || s.source.trim().is_empty())
            {
                return Err(format!(
                    "{}: a SNOMED CT code needs digits and a source",
                    c.code
                ));
            }
        }
        Ok(list)
    }

    /// The entry for a code, in any case.
    pub fn get(&self, code: &str) -> Option<&DiagnosisCode> {
        let code = normalize_code(code);
        self.codes.iter().find(|c| c.code == code)
    }

    /// Codes matching a search, in list order: the start of a code (with or
    /// without its dot), or words each of which starts a word of the title
    /// or names the group. Case does not matter; an empty search finds all.
    pub fn search(&self, query: &str) -> Vec<&DiagnosisCode> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return self.codes.iter().collect();
        }
        let undotted = |s: &str| s.replace('.', "").to_lowercase();
        let as_code = undotted(&q);
        let words: Vec<&str> = q.split_whitespace().collect();
        self.codes
            .iter()
            .filter(|c| {
                if undotted(&c.code).starts_with(&as_code) {
                    return true;
                }
                let title = c.title.to_lowercase();
                let title_words: Vec<&str> = title
                    .split(|ch: char| !ch.is_alphanumeric() && ch != '-')
                    .filter(|w| !w.is_empty())
                    .collect();
                let group = c.group.replace('_', " ");
                words.iter().all(|w| {
                    title_words.iter().any(|t| t.starts_with(w))
                        || group.split(' ').any(|g| g.starts_with(w))
                })
            })
            .collect()
    }
}

/// Where a diagnosis stands (FHIR `condition-clinical`, the subset Tandem records).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClinicalStatus {
    Active,
    Remission,
    Resolved,
}

impl ClinicalStatus {
    pub const ALL: [ClinicalStatus; 3] = [
        ClinicalStatus::Active,
        ClinicalStatus::Remission,
        ClinicalStatus::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClinicalStatus::Active => "active",
            ClinicalStatus::Remission => "remission",
            ClinicalStatus::Resolved => "resolved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ClinicalStatus::Active => "Active",
            ClinicalStatus::Remission => "In remission",
            ClinicalStatus::Resolved => "Resolved",
        }
    }
}

impl FromStr for ClinicalStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

impl fmt::Display for ClinicalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The diagnosis care is mainly for, or one beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rank {
    Primary,
    Secondary,
}

impl Rank {
    pub const ALL: [Rank; 2] = [Rank::Primary, Rank::Secondary];

    pub fn as_str(self) -> &'static str {
        match self {
            Rank::Primary => "primary",
            Rank::Secondary => "secondary",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rank::Primary => "Primary",
            Rank::Secondary => "Secondary",
        }
    }
}

impl FromStr for Rank {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

/// A diagnosis as a person typed it or an integrator sent it. Empty rank
/// means secondary, empty status active, empty onset unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewDiagnosisInput {
    pub code: String,
    pub rank: String,
    pub clinical_status: String,
    /// `YYYY-MM-DD`.
    pub onset: String,
    pub note: String,
}

/// A checked new diagnosis; made only by [`NewDiagnosisInput::validate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDiagnosis {
    code: DiagnosisCode,
    rank: Rank,
    status: ClinicalStatus,
    onset: Option<Date>,
    note: Option<String>,
}

impl NewDiagnosis {
    pub fn code(&self) -> &DiagnosisCode {
        &self.code
    }
    pub fn rank(&self) -> Rank {
        self.rank
    }
    pub fn status(&self) -> ClinicalStatus {
        self.status
    }
    pub fn onset(&self) -> Option<Date> {
        self.onset
    }
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
}

/// Checks an onset date: empty is unknown; otherwise a full date, not after `today`.
pub fn parse_onset(text: &str, today: Date) -> Result<Option<Date>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let d = parse_date(text).ok_or_else(|| "give the onset date as YYYY-MM-DD".to_string())?;
    if d > today {
        return Err("the onset date is in the future".into());
    }
    Ok(Some(d))
}

impl NewDiagnosisInput {
    /// Checks every field against the list and today's date; every problem
    /// names its field (`code`, `rank`, `clinical_status`, `onset`, `note`).
    pub fn validate(
        &self,
        list: &DiagnosisList,
        today: Date,
    ) -> Result<NewDiagnosis, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let code = normalize_code(&self.code);
        let found = if code.is_empty() {
            errors.add("code", "choose a diagnosis code");
            None
        } else if !valid_code_format(&code) {
            errors.add(
                "code",
                format!("{code:?} is not an ICD-10-CM code (like F33.1)"),
            );
            None
        } else {
            let f = list.get(&code).cloned();
            if f.is_none() {
                errors.add(
                    "code",
                    format!(
                        "{code} is not on Tandem's diagnosis list; search the list for the code"
                    ),
                );
            }
            f
        };
        let rank = match self.rank.trim() {
            "" => Some(Rank::Secondary),
            r => {
                let parsed = r.parse().ok();
                if parsed.is_none() {
                    errors.add("rank", "choose primary or secondary");
                }
                parsed
            }
        };
        let status = match self.clinical_status.trim() {
            "" => Some(ClinicalStatus::Active),
            s => {
                let parsed = s.parse().ok();
                if parsed.is_none() {
                    errors.add("clinical_status", "choose active, remission or resolved");
                }
                parsed
            }
        };
        let onset = parse_onset(&self.onset, today)
            .map_err(|m| errors.add("onset", m))
            .ok()
            .flatten();
        let note = self.note.trim();
        if note.chars().count() > 2000 {
            errors.add("note", "keep the note under 2,000 characters");
        }
        match (found, rank, status) {
            (Some(code), Some(rank), Some(status)) if errors.is_empty() => Ok(NewDiagnosis {
                code,
                rank,
                status,
                onset,
                note: (!note.is_empty()).then(|| note.to_string()),
            }),
            _ => Err(errors),
        }
    }
}

/// Dual diagnosis: at least one active mental-health and one active
/// substance-use diagnosis at once. Remission and resolved diagnoses do
/// not count.
pub fn dual_diagnosis(diagnoses: impl IntoIterator<Item = (Category, ClinicalStatus)>) -> bool {
    let mut mental = false;
    let mut substance = false;
    for (cat, status) in diagnoses {
        if status != ClinicalStatus::Active {
            continue;
        }
        match cat {
            Category::MentalHealth => mental = true,
            Category::SubstanceUse => substance = true,
        }
    }
    mental && substance
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 22);

    fn shipped() -> DiagnosisList {
        DiagnosisList::parse(tandem_content::DIAGNOSES).unwrap_or_else(|e| unreachable!("{e}"))
    }

    /// Every code the clinical reference's code table (section 8) names, by
    /// the category of its row there.
    const REFERENCE_MENTAL: &[&str] = &[
        "F32.0", "F32.1", "F32.2", "F32.3", "F32.4", "F32.5", "F32.9", "F32.A", "F33.0", "F33.1",
        "F33.2", "F33.3", "F33.40", "F33.41", "F33.42", "F33.8", "F33.9", "F41.1", "F43.10",
        "F43.11", "F43.12", "F31.0", "F31.10", "F31.11", "F31.12", "F31.13", "F31.2", "F31.30",
        "F31.31", "F31.32", "F31.81", "F31.9", "F90.0", "F90.1", "F90.2", "F90.8", "F90.9",
        "F42.2", "F42.3", "F42.4", "F42.8", "F42.9",
    ];
    const REFERENCE_SUBSTANCE: &[&str] = &[
        "F11.20", "F11.21", "F11.23", "F10.20", "F10.21", "F10.230", "F10.231", "F10.232",
        "F10.239",
    ];

    #[test]
    fn the_shipped_list_loads_with_every_reference_code_in_its_category() {
        let list = shipped();
        for (codes, cat) in [
            (REFERENCE_MENTAL, Category::MentalHealth),
            (REFERENCE_SUBSTANCE, Category::SubstanceUse),
        ] {
            for code in codes {
                let c = list
                    .get(code)
                    .unwrap_or_else(|| unreachable!("{code} missing from the list"));
                assert_eq!(c.category, cat, "{code}");
                assert!(!c.source.is_empty(), "{code}");
            }
        }
        // F42 alone is a category heading, not a billable code (reference, section 8).
        assert!(list.get("F42").is_none());
    }

    #[test]
    fn only_confirmed_snomed_codes_ship() {
        // The reference's confirmed ([C1]/[C2]) disorder codes; its `*` ones
        // (370143000, 35489007, 66344007, 21897009, 47505003, 75544000,
        // 66590003, 406506008, 191736004) must not appear.
        let confirmed = ["46244001", "13746004", "5703000", "191816009"];
        for c in &shipped().codes {
            if let Some(s) = &c.snomed {
                assert!(
                    confirmed.contains(&s.code.as_str()),
                    "{}: {}",
                    c.code,
                    s.code
                );
            }
        }
    }

    #[test]
    fn a_malformed_list_is_refused_naming_the_problem() {
        let row = |code: &str| {
            format!(
                "[[codes]]\ncode = \"{code}\"\ntitle = \"T\"\ncategory = \"mental_health\"\ngroup = \"g\"\nsource = \"s\"\n"
            )
        };
        let file = |rows: &str| format!("sources = [\"s\"]\n{rows}");
        assert!(DiagnosisList::parse(&file(&row("F33.1"))).is_ok());
        let twice = DiagnosisList::parse(&file(&format!("{}{}", row("F33.1"), row("F33.1"))));
        assert!(twice.err().unwrap_or_default().contains("twice"));
        let bad = DiagnosisList::parse(&file(&row("F3.31"))).err();
        assert!(bad.unwrap_or_default().contains("F3.31"));
        let unsourced = DiagnosisList::parse(&row("F33.1"));
        assert!(unsourced.is_err());
    }

    #[test]
    fn code_shapes() {
        for ok in ["F33.1", "F32.A", "F10.230", "F41", "Z00.0000"] {
            assert!(valid_code_format(ok), "{ok}");
        }
        for bad in [
            "",
            "f33.1",
            "F3.1",
            "F33.",
            "F33.12345",
            "33.1",
            "F33-1",
            "F33.1 ",
        ] {
            assert!(!valid_code_format(bad), "{bad:?}");
        }
    }

    #[test]
    fn search_finds_codes_by_prefix_and_titles_by_words() {
        let list = shipped();
        let codes =
            |q: &str| -> Vec<String> { list.search(q).iter().map(|c| c.code.clone()).collect() };
        assert_eq!(codes("f33.4"), ["F33.40", "F33.41", "F33.42"]);
        assert_eq!(codes("F334"), ["F33.40", "F33.41", "F33.42"]);
        assert_eq!(codes("f10.23").len(), 4);
        let opioid = codes("opioid withdrawal");
        assert_eq!(opioid, ["F11.23"]);
        let ptsd = codes("POST-TRAUMATIC chronic");
        assert_eq!(ptsd, ["F43.12"]);
        assert!(codes("hoard").contains(&"F42.3".to_string()));
        assert!(codes("bipolar").len() >= 10);
        assert!(codes("xylophone").is_empty());
        assert_eq!(codes("").len(), list.codes.len());
    }

    #[test]
    fn a_new_diagnosis_is_checked_field_by_field() {
        let list = shipped();
        let ok = NewDiagnosisInput {
            code: " f33.1 ".into(),
            rank: "primary".into(),
            onset: "2026-11-22".into(),
            ..Default::default()
        }
        .validate(&list, TODAY)
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(ok.code().code, "F33.1");
        assert_eq!(ok.rank(), Rank::Primary);
        assert_eq!(ok.status(), ClinicalStatus::Active);
        assert_eq!(ok.onset(), Some(TODAY));

        let bad = NewDiagnosisInput {
            code: "F99.9".into(),
            rank: "main".into(),
            clinical_status: "relapse".into(),
            onset: "2026-11-23".into(),
            note: String::new(),
        }
        .validate(&list, TODAY)
        .err()
        .unwrap_or_default();
        for field in ["code", "rank", "clinical_status", "onset"] {
            assert!(bad.for_field(field).is_some(), "{field}: {bad}");
        }
        assert!(bad.for_field("onset").unwrap_or("").contains("future"));
        let blank = NewDiagnosisInput::default()
            .validate(&list, TODAY)
            .err()
            .unwrap_or_default();
        assert!(blank.for_field("code").is_some());
    }

    #[test]
    fn dual_diagnosis_needs_both_kinds_active() {
        use Category::*;
        use ClinicalStatus::*;
        assert!(dual_diagnosis([
            (MentalHealth, Active),
            (SubstanceUse, Active)
        ]));
        assert!(!dual_diagnosis([
            (MentalHealth, Active),
            (MentalHealth, Active)
        ]));
        assert!(!dual_diagnosis([(SubstanceUse, Active)]));
        assert!(!dual_diagnosis([
            (MentalHealth, Active),
            (SubstanceUse, Remission)
        ]));
        assert!(!dual_diagnosis([
            (MentalHealth, Resolved),
            (SubstanceUse, Active)
        ]));
        assert!(dual_diagnosis([
            (SubstanceUse, Remission),
            (MentalHealth, Active),
            (SubstanceUse, Active)
        ]));
        assert!(!dual_diagnosis([]));
    }
}
