//! The medication catalog (`content/medications/catalog.toml`): each drug by
//! its RxNorm ingredient code, with the class and properties the safety
//! rules match on.

use super::{ContentError, require};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;

pub(crate) const FILE: &str = "content/medications/catalog.toml";

/// An RxNorm concept unique identifier. Never zero; only digits when read
/// from text, so "00123" style or signed values are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RxCui(NonZeroU32);

impl RxCui {
    pub fn new(value: u32) -> Option<RxCui> {
        NonZeroU32::new(value).map(RxCui)
    }

    pub fn get(self) -> u32 {
        self.0.get()
    }
}

impl fmt::Display for RxCui {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for RxCui {
    type Err = String;

    fn from_str(s: &str) -> Result<RxCui, String> {
        if s.is_empty() || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{s:?} is not an RxCUI"));
        }
        s.parse::<u32>()
            .ok()
            .and_then(RxCui::new)
            .ok_or_else(|| format!("{s:?} is not an RxCUI"))
    }
}

impl<'de> Deserialize<'de> for RxCui {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RxCui, D::Error> {
        let v = u32::deserialize(d)?;
        RxCui::new(v).ok_or_else(|| serde::de::Error::custom("an RxCUI cannot be 0"))
    }
}

/// The pharmacological class a rule or the duplicate-therapy check matches.
/// Non-psychiatric classes are here because interaction rules name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrugClass {
    Ssri,
    Snri,
    Tca,
    Maoi,
    OtherAntidepressant,
    AtypicalAntipsychotic,
    TypicalAntipsychotic,
    MoodStabilizer,
    Benzodiazepine,
    Hypnotic,
    Gabapentinoid,
    Stimulant,
    NonStimulantAdhd,
    Alpha2Agonist,
    BetaBlocker,
    OpioidAgonist,
    OpioidPartialAgonist,
    OpioidAntagonist,
    AlcoholUseDisorderAgent,
    SmokingCessation,
    Nsaid,
    Thiazide,
    AceInhibitor,
    Arb,
    Antibiotic,
    Triptan,
    Anticoagulant,
    Antiplatelet,
    Anticonvulsant,
    Antiretroviral,
    Antitussive,
    Antiemetic,
    H2Antagonist,
    ProtonPumpInhibitor,
    Herbal,
    Other,
}

impl DrugClass {
    /// Every class.
    pub const ALL: [DrugClass; 36] = [
        DrugClass::Ssri,
        DrugClass::Snri,
        DrugClass::Tca,
        DrugClass::Maoi,
        DrugClass::OtherAntidepressant,
        DrugClass::AtypicalAntipsychotic,
        DrugClass::TypicalAntipsychotic,
        DrugClass::MoodStabilizer,
        DrugClass::Benzodiazepine,
        DrugClass::Hypnotic,
        DrugClass::Gabapentinoid,
        DrugClass::Stimulant,
        DrugClass::NonStimulantAdhd,
        DrugClass::Alpha2Agonist,
        DrugClass::BetaBlocker,
        DrugClass::OpioidAgonist,
        DrugClass::OpioidPartialAgonist,
        DrugClass::OpioidAntagonist,
        DrugClass::AlcoholUseDisorderAgent,
        DrugClass::SmokingCessation,
        DrugClass::Nsaid,
        DrugClass::Thiazide,
        DrugClass::AceInhibitor,
        DrugClass::Arb,
        DrugClass::Antibiotic,
        DrugClass::Triptan,
        DrugClass::Anticoagulant,
        DrugClass::Antiplatelet,
        DrugClass::Anticonvulsant,
        DrugClass::Antiretroviral,
        DrugClass::Antitussive,
        DrugClass::Antiemetic,
        DrugClass::H2Antagonist,
        DrugClass::ProtonPumpInhibitor,
        DrugClass::Herbal,
        DrugClass::Other,
    ];

    /// The class's id as the content files write it (`ssri`,
    /// `opioid_partial_agonist`, …).
    pub fn id(self) -> &'static str {
        match self {
            DrugClass::Ssri => "ssri",
            DrugClass::Snri => "snri",
            DrugClass::Tca => "tca",
            DrugClass::Maoi => "maoi",
            DrugClass::OtherAntidepressant => "other_antidepressant",
            DrugClass::AtypicalAntipsychotic => "atypical_antipsychotic",
            DrugClass::TypicalAntipsychotic => "typical_antipsychotic",
            DrugClass::MoodStabilizer => "mood_stabilizer",
            DrugClass::Benzodiazepine => "benzodiazepine",
            DrugClass::Hypnotic => "hypnotic",
            DrugClass::Gabapentinoid => "gabapentinoid",
            DrugClass::Stimulant => "stimulant",
            DrugClass::NonStimulantAdhd => "non_stimulant_adhd",
            DrugClass::Alpha2Agonist => "alpha2_agonist",
            DrugClass::BetaBlocker => "beta_blocker",
            DrugClass::OpioidAgonist => "opioid_agonist",
            DrugClass::OpioidPartialAgonist => "opioid_partial_agonist",
            DrugClass::OpioidAntagonist => "opioid_antagonist",
            DrugClass::AlcoholUseDisorderAgent => "alcohol_use_disorder_agent",
            DrugClass::SmokingCessation => "smoking_cessation",
            DrugClass::Nsaid => "nsaid",
            DrugClass::Thiazide => "thiazide",
            DrugClass::AceInhibitor => "ace_inhibitor",
            DrugClass::Arb => "arb",
            DrugClass::Antibiotic => "antibiotic",
            DrugClass::Triptan => "triptan",
            DrugClass::Anticoagulant => "anticoagulant",
            DrugClass::Antiplatelet => "antiplatelet",
            DrugClass::Anticonvulsant => "anticonvulsant",
            DrugClass::Antiretroviral => "antiretroviral",
            DrugClass::Antitussive => "antitussive",
            DrugClass::Antiemetic => "antiemetic",
            DrugClass::H2Antagonist => "h2_antagonist",
            DrugClass::ProtonPumpInhibitor => "proton_pump_inhibitor",
            DrugClass::Herbal => "herbal",
            DrugClass::Other => "other",
        }
    }

    /// How the class reads in a finding.
    pub fn label(self) -> &'static str {
        match self {
            DrugClass::Ssri => "SSRI",
            DrugClass::Snri => "SNRI",
            DrugClass::Tca => "tricyclic antidepressant",
            DrugClass::Maoi => "MAOI",
            DrugClass::OtherAntidepressant => "antidepressant",
            DrugClass::AtypicalAntipsychotic => "atypical antipsychotic",
            DrugClass::TypicalAntipsychotic => "typical antipsychotic",
            DrugClass::MoodStabilizer => "mood stabilizer",
            DrugClass::Benzodiazepine => "benzodiazepine",
            DrugClass::Hypnotic => "hypnotic",
            DrugClass::Gabapentinoid => "gabapentinoid",
            DrugClass::Stimulant => "stimulant",
            DrugClass::NonStimulantAdhd => "non-stimulant ADHD medicine",
            DrugClass::Alpha2Agonist => "alpha-2 agonist",
            DrugClass::BetaBlocker => "beta blocker",
            DrugClass::OpioidAgonist => "opioid agonist",
            DrugClass::OpioidPartialAgonist => "opioid partial agonist",
            DrugClass::OpioidAntagonist => "opioid antagonist",
            DrugClass::AlcoholUseDisorderAgent => "alcohol use disorder medicine",
            DrugClass::SmokingCessation => "smoking cessation medicine",
            DrugClass::Nsaid => "NSAID",
            DrugClass::Thiazide => "thiazide",
            DrugClass::AceInhibitor => "ACE inhibitor",
            DrugClass::Arb => "ARB",
            DrugClass::Antibiotic => "antibiotic",
            DrugClass::Triptan => "triptan",
            DrugClass::Anticoagulant => "anticoagulant",
            DrugClass::Antiplatelet => "antiplatelet",
            DrugClass::Anticonvulsant => "anticonvulsant",
            DrugClass::Antiretroviral => "antiretroviral",
            DrugClass::Antitussive => "antitussive",
            DrugClass::Antiemetic => "antiemetic",
            DrugClass::H2Antagonist => "H2 antagonist",
            DrugClass::ProtonPumpInhibitor => "proton pump inhibitor",
            DrugClass::Herbal => "herbal product",
            DrugClass::Other => "other",
        }
    }
}

/// A property that interaction rules match across classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Property {
    Serotonergic,
    QtProlonging,
    CnsDepressant,
    LowersSeizureThreshold,
    Cyp3a4Inducer,
    Cyp3a4Inhibitor,
    Cyp1a2Inhibitor,
    Cyp2c19Inhibitor,
}

/// Another RxCUI for the same ingredient (a salt or precise-ingredient form).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alias {
    pub rxcui: RxCui,
    pub name: String,
    pub source: String,
}

/// The usual daily dose range in mg, where a source gives it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DailyRange {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drug {
    /// The id content files use to name the drug ("sertraline").
    pub id: String,
    pub name: String,
    pub rxcui: RxCui,
    pub rxcui_source: String,
    #[serde(default)]
    pub aliases: Vec<Alias>,
    pub class: DrugClass,
    #[serde(default)]
    pub properties: Vec<Property>,
    pub facts_source: String,
    /// Absent: the "above the usual daily maximum" check does not apply.
    pub daily_dose_mg: Option<DailyRange>,
    /// A usual daily dose the reference states, shown for information.
    pub usual_daily_mg: Option<u32>,
    pub usual_daily_mg_source: Option<String>,
}

impl Drug {
    pub fn has(&self, property: Property) -> bool {
        self.properties.contains(&property)
    }
}

/// The position of a drug in the catalog: the checks work on these dense
/// indices, so a rule's side is a bit set rather than a list of names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DrugIdx(pub(crate) u32);

impl DrugIdx {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    sources: Vec<String>,
    drugs: Vec<Drug>,
}

#[derive(Clone, Debug)]
pub struct Catalog {
    pub sources: Vec<String>,
    drugs: Vec<Drug>,
    by_rxcui: HashMap<RxCui, DrugIdx>,
    by_id: HashMap<String, DrugIdx>,
}

impl Catalog {
    pub fn parse(text: &str) -> Result<Catalog, ContentError> {
        let f: File =
            toml::from_str(text).map_err(|e| ContentError::new(FILE, "file", e.to_string()))?;
        if f.sources.is_empty() {
            return Err(ContentError::new(
                FILE,
                "file",
                "the catalog names no sources",
            ));
        }
        if f.drugs.is_empty() {
            return Err(ContentError::new(FILE, "file", "the catalog has no drugs"));
        }
        let mut by_rxcui = HashMap::new();
        let mut by_id = HashMap::new();
        for (i, d) in f.drugs.iter().enumerate() {
            let row = d.id.as_str();
            require(FILE, row, "id", &d.id)?;
            require(FILE, row, "name", &d.name)?;
            require(FILE, row, "rxcui_source", &d.rxcui_source)?;
            require(FILE, row, "facts_source", &d.facts_source)?;
            if !d.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                return Err(ContentError::new(
                    FILE,
                    row,
                    "an id is lower-case letters and underscores",
                ));
            }
            let idx = DrugIdx(
                u32::try_from(i)
                    .map_err(|_| ContentError::new(FILE, row, "the catalog has too many drugs"))?,
            );
            if by_id.insert(d.id.clone(), idx).is_some() {
                return Err(ContentError::new(FILE, row, "the id is used twice"));
            }
            for (code, what) in std::iter::once((d.rxcui, "rxcui"))
                .chain(d.aliases.iter().map(|a| (a.rxcui, "alias rxcui")))
            {
                if by_rxcui.insert(code, idx).is_some() {
                    return Err(ContentError::new(
                        FILE,
                        row,
                        format!("{what} {code} is already another catalog entry's code"),
                    ));
                }
            }
            for a in &d.aliases {
                require(FILE, row, "alias name", &a.name)?;
                require(FILE, row, "alias source", &a.source)?;
            }
            let mut props = d.properties.clone();
            props.sort();
            props.dedup();
            if props.len() != d.properties.len() {
                return Err(ContentError::new(FILE, row, "a property is listed twice"));
            }
            if let Some(r) = &d.daily_dose_mg {
                require(FILE, row, "daily_dose_mg.source", &r.source)?;
                let ok = |v: Option<f64>| v.is_none_or(|v| v.is_finite() && v > 0.0);
                if !ok(r.min) || !ok(r.max) || (r.min.is_none() && r.max.is_none()) {
                    return Err(ContentError::new(
                        FILE,
                        row,
                        "daily_dose_mg needs a positive min or max",
                    ));
                }
                if let (Some(lo), Some(hi)) = (r.min, r.max)
                    && lo > hi
                {
                    return Err(ContentError::new(
                        FILE,
                        row,
                        "daily_dose_mg.min is above its max",
                    ));
                }
            }
            if d.usual_daily_mg.is_some() != d.usual_daily_mg_source.is_some() {
                return Err(ContentError::new(
                    FILE,
                    row,
                    "usual_daily_mg and usual_daily_mg_source go together",
                ));
            }
        }
        Ok(Catalog {
            sources: f.sources,
            drugs: f.drugs,
            by_rxcui,
            by_id,
        })
    }

    /// The drug an RxCUI names, by its ingredient code or an alias.
    pub fn lookup(&self, rxcui: RxCui) -> Option<DrugIdx> {
        self.by_rxcui.get(&rxcui).copied()
    }

    /// The drug a content file names by id.
    pub fn by_id(&self, id: &str) -> Option<DrugIdx> {
        self.by_id.get(id).copied()
    }

    /// The drug at an index this catalog handed out.
    pub fn drug(&self, idx: DrugIdx) -> &Drug {
        // Indices come only from this catalog, so they are in range; the
        // first entry is a harmless fallback that keeps this free of panics.
        self.drugs.get(idx.index()).unwrap_or(&self.drugs[0])
    }

    pub fn drugs(&self) -> impl Iterator<Item = (DrugIdx, &Drug)> {
        self.drugs
            .iter()
            .enumerate()
            .map(|(i, d)| (DrugIdx(i as u32), d))
    }

    pub fn len(&self) -> usize {
        self.drugs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.drugs.is_empty()
    }

    /// Looks up a drug by id, for content files: an unknown id is an error
    /// naming the file and row that used it.
    pub(crate) fn resolve(
        &self,
        file: &'static str,
        row: &str,
        id: &str,
    ) -> Result<DrugIdx, ContentError> {
        self.by_id(id).ok_or_else(|| {
            ContentError::new(
                file,
                row,
                format!("names drug {id:?}, which the catalog does not have"),
            )
        })
    }
}

/// A set of catalog drugs, one bit each: a rule's side is tested against a
/// drug in constant time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DrugSet(Vec<u64>);

impl DrugSet {
    pub fn with_capacity(drugs: usize) -> DrugSet {
        DrugSet(vec![0; drugs.div_ceil(64)])
    }

    pub fn insert(&mut self, idx: DrugIdx) {
        let i = idx.index();
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    pub fn remove(&mut self, idx: DrugIdx) {
        let i = idx.index();
        if let Some(w) = self.0.get_mut(i / 64) {
            *w &= !(1 << (i % 64));
        }
    }

    pub fn contains(&self, idx: DrugIdx) -> bool {
        let i = idx.index();
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    pub fn iter(&self) -> impl Iterator<Item = DrugIdx> + '_ {
        self.0.iter().enumerate().flat_map(|(wi, w)| {
            (0..64u32)
                .filter(move |b| w & (1u64 << b) != 0)
                .map(move |b| DrugIdx(wi as u32 * 64 + b))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_id_reads_back_as_the_same_class() {
        #[derive(Deserialize)]
        struct Row {
            class: DrugClass,
        }
        for c in DrugClass::ALL {
            let row: Row = toml::from_str(&format!("class = {:?}", c.id()))
                .unwrap_or_else(|e| unreachable!("{c:?}: {e}"));
            assert_eq!(row.class, c);
        }
    }

    #[test]
    fn rxcuis_are_positive_digits() {
        assert_eq!("36437".parse::<RxCui>().map(RxCui::get), Ok(36437));
        for bad in ["", "0", "036437", "-5", "36 437", "3.5", "99999999999"] {
            assert!(bad.parse::<RxCui>().is_err(), "{bad:?}");
        }
        assert!(RxCui::new(0).is_none());
    }

    #[test]
    fn a_drug_set_holds_exactly_its_members() {
        let mut s = DrugSet::with_capacity(130);
        assert!(s.is_empty());
        for i in [0, 63, 64, 129] {
            s.insert(DrugIdx(i));
        }
        assert_eq!(
            s.iter().map(DrugIdx::index).collect::<Vec<_>>(),
            vec![0, 63, 64, 129]
        );
        assert!(!s.contains(DrugIdx(1)));
        s.remove(DrugIdx(64));
        assert!(!s.contains(DrugIdx(64)));
        // Out of range: ignored, never a panic.
        s.insert(DrugIdx(10_000));
        assert!(!s.contains(DrugIdx(10_000)));
    }
}
