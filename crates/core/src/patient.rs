//! Patients and their demographics.
//!
//! [`DemographicsInput`] is what a person typed or an integrator sent: all
//! text, possibly wrong. [`Demographics`] is what we keep: every field
//! checked. The only way from one to the other is [`DemographicsInput::validate`].

use crate::ids::PatientId;
use crate::mrn::Mrn;
use crate::validation::ValidationErrors;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use time::{Date, OffsetDateTime, macros::date};

/// Sex recorded at birth (the US Core birth-sex values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SexAtBirth {
    Female,
    Male,
    Unknown,
}

impl SexAtBirth {
    pub const ALL: [SexAtBirth; 3] = [SexAtBirth::Female, SexAtBirth::Male, SexAtBirth::Unknown];
    pub fn as_str(self) -> &'static str {
        match self {
            SexAtBirth::Female => "female",
            SexAtBirth::Male => "male",
            SexAtBirth::Unknown => "unknown",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SexAtBirth::Female => "Female",
            SexAtBirth::Male => "Male",
            SexAtBirth::Unknown => "Unknown / not recorded",
        }
    }
}

impl FromStr for SexAtBirth {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

/// Administrative gender as FHIR R4 defines it (`Patient.gender`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdministrativeGender {
    Female,
    Male,
    Other,
    Unknown,
}

impl AdministrativeGender {
    pub const ALL: [AdministrativeGender; 4] = [
        AdministrativeGender::Female,
        AdministrativeGender::Male,
        AdministrativeGender::Other,
        AdministrativeGender::Unknown,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AdministrativeGender::Female => "female",
            AdministrativeGender::Male => "male",
            AdministrativeGender::Other => "other",
            AdministrativeGender::Unknown => "unknown",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            AdministrativeGender::Female => "Female",
            AdministrativeGender::Male => "Male",
            AdministrativeGender::Other => "Other",
            AdministrativeGender::Unknown => "Unknown",
        }
    }
}

impl FromStr for AdministrativeGender {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

/// Languages offered in the registration form, as BCP-47 tags. Any other
/// well-formed tag is accepted too.
pub const COMMON_LANGUAGES: [(&str, &str); 14] = [
    ("en", "English"),
    ("es", "Spanish"),
    ("zh", "Chinese"),
    ("vi", "Vietnamese"),
    ("tl", "Tagalog"),
    ("ar", "Arabic"),
    ("fr", "French"),
    ("ko", "Korean"),
    ("ru", "Russian"),
    ("ht", "Haitian Creole"),
    ("pt", "Portuguese"),
    ("de", "German"),
    ("pl", "Polish"),
    ("ase", "American Sign Language"),
];

/// A display name for a BCP-47 tag, falling back to the tag itself.
pub fn language_label(tag: &str) -> &str {
    COMMON_LANGUAGES
        .iter()
        .find(|(t, _)| *t == tag)
        .map(|(_, l)| *l)
        .unwrap_or(tag)
}

/// A postal address; every part optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        self.line.is_none()
            && self.city.is_none()
            && self.state.is_none()
            && self.postal_code.is_none()
    }
}

/// Who to call in an emergency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyContact {
    pub name: String,
    pub relationship: Option<String>,
    pub phone: String,
}

/// Checked demographics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Demographics {
    /// Legal family name.
    pub family_name: String,
    /// Legal given names, space separated.
    pub given_names: String,
    pub preferred_name: Option<String>,
    pub birth_date: Date,
    pub sex_at_birth: SexAtBirth,
    pub gender: AdministrativeGender,
    pub gender_identity: Option<String>,
    pub pronouns: Option<String>,
    /// BCP-47 tag.
    pub preferred_language: Option<String>,
    pub phone: Option<String>,
    pub address: Address,
    pub emergency_contact: Option<EmergencyContact>,
}

impl Demographics {
    /// "Family, Given" as lists show it.
    pub fn sort_name(&self) -> String {
        if self.given_names.is_empty() {
            self.family_name.clone()
        } else {
            format!("{}, {}", self.family_name, self.given_names)
        }
    }

    /// The name to greet the patient by.
    pub fn display_name(&self) -> String {
        let first = self.preferred_name.as_deref().unwrap_or(&self.given_names);
        format!("{first} {}", self.family_name).trim().to_string()
    }

    /// Lower-cased words of every name, for prefix search.
    pub fn name_tokens(&self) -> Vec<String> {
        let mut words: Vec<String> = [
            Some(&self.family_name),
            Some(&self.given_names),
            self.preferred_name.as_ref(),
        ]
        .into_iter()
        .flatten()
        .flat_map(|s| search_tokens(s))
        .collect();
        words.sort();
        words.dedup();
        words
    }
}

/// Normalises text into search tokens: lower case, split on anything that is
/// not a letter or digit ("O'Brien-Smith" gives "o", "brien", "smith" and "obrien").
pub fn search_tokens(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut out: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    for word in lower.split_whitespace() {
        let joined: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
        if !joined.is_empty() && !out.contains(&joined) {
            out.push(joined);
        }
    }
    out
}

/// A stored patient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patient {
    pub id: PatientId,
    pub mrn: Mrn,
    pub demographics: Demographics,
    /// Starts at 1, goes up by one on every change; FHIR `meta.versionId`.
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Demographics as typed or sent: unchecked text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DemographicsInput {
    pub family_name: String,
    pub given_names: String,
    pub preferred_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub sex_at_birth: String,
    pub gender: String,
    pub gender_identity: String,
    pub pronouns: String,
    pub preferred_language: String,
    pub phone: String,
    pub address_line: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub emergency_name: String,
    pub emergency_relationship: String,
    pub emergency_phone: String,
}

const EARLIEST_BIRTH: Date = date!(1900 - 01 - 01);

fn text(
    errors: &mut ValidationErrors,
    field: &'static str,
    value: &str,
    max: usize,
    required: Option<&str>,
) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        if let Some(msg) = required {
            errors.add(field, msg);
        }
        return None;
    }
    if v.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters"));
        return None;
    }
    if v.chars().any(char::is_control) {
        errors.add(field, "must not contain control characters");
        return None;
    }
    Some(v.to_string())
}

/// Checks a phone number loosely: what matters is that a person can dial it.
fn phone(errors: &mut ValidationErrors, field: &'static str, value: &str) -> Option<String> {
    let v = text(errors, field, value, 30, None)?;
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let allowed = v
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !allowed || !(7..=15).contains(&digits) {
        errors.add(
            field,
            "enter a phone number of 7 to 15 digits, e.g. 555-201-3344",
        );
        return None;
    }
    Some(v)
}

/// Parses `YYYY-MM-DD` strictly.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = s.get(0..4)?.parse().ok()?;
    let m: u8 = s.get(5..7)?.parse().ok()?;
    let d: u8 = s.get(8..10)?.parse().ok()?;
    let month = time::Month::try_from(m).ok()?;
    Date::from_calendar_date(y, month, d).ok()
}

/// Is this a well-formed BCP-47 language tag (the common subset)?
pub fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let Some(primary) = parts.next() else {
        return false;
    };
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

impl DemographicsInput {
    /// Checks everything at once so the form can show every problem together.
    pub fn validate(&self, today: Date) -> Result<Demographics, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let family_name = text(
            &mut e,
            "family_name",
            &self.family_name,
            100,
            Some("enter the legal family name"),
        );
        let given_names =
            text(&mut e, "given_names", &self.given_names, 100, None).unwrap_or_default();
        let preferred_name = text(&mut e, "preferred_name", &self.preferred_name, 100, None);
        let birth_date = if self.birth_date.trim().is_empty() {
            e.add(
                "birth_date",
                "enter the date of birth (two identifiers keep patients apart)",
            );
            None
        } else {
            match parse_date(&self.birth_date) {
                None => {
                    e.add(
                        "birth_date",
                        "enter the date of birth as YYYY-MM-DD, e.g. 1988-04-12",
                    );
                    None
                }
                Some(d) if d > today => {
                    e.add("birth_date", "the date of birth is in the future");
                    None
                }
                Some(d) if d < EARLIEST_BIRTH => {
                    e.add("birth_date", "the date of birth is before 1900");
                    None
                }
                Some(d) => Some(d),
            }
        };
        let sex_at_birth = match self.sex_at_birth.trim() {
            "" => SexAtBirth::Unknown,
            s => s.parse().unwrap_or_else(|()| {
                e.add("sex_at_birth", "choose female, male or unknown");
                SexAtBirth::Unknown
            }),
        };
        let gender = match self.gender.trim() {
            "" => match sex_at_birth {
                SexAtBirth::Female => AdministrativeGender::Female,
                SexAtBirth::Male => AdministrativeGender::Male,
                SexAtBirth::Unknown => AdministrativeGender::Unknown,
            },
            s => s.parse().unwrap_or_else(|()| {
                e.add("gender", "choose female, male, other or unknown");
                AdministrativeGender::Unknown
            }),
        };
        let gender_identity = text(&mut e, "gender_identity", &self.gender_identity, 100, None);
        let pronouns = text(&mut e, "pronouns", &self.pronouns, 40, None);
        let preferred_language = match text(
            &mut e,
            "preferred_language",
            &self.preferred_language,
            35,
            None,
        ) {
            Some(tag) if is_language_tag(&tag) => Some(tag),
            Some(_) => {
                e.add(
                    "preferred_language",
                    "use a language code such as en, es or zh-Hant",
                );
                None
            }
            None => None,
        };
        let phone_no = phone(&mut e, "phone", &self.phone);
        let address = Address {
            line: text(&mut e, "address_line", &self.address_line, 200, None),
            city: text(&mut e, "city", &self.city, 100, None),
            state: text(&mut e, "state", &self.state, 50, None),
            postal_code: text(&mut e, "postal_code", &self.postal_code, 20, None),
        };
        let ec_name = text(&mut e, "emergency_name", &self.emergency_name, 100, None);
        let ec_rel = text(
            &mut e,
            "emergency_relationship",
            &self.emergency_relationship,
            50,
            None,
        );
        let ec_phone = phone(&mut e, "emergency_phone", &self.emergency_phone);
        let emergency_contact = match (ec_name, ec_phone) {
            (Some(name), Some(phone)) => Some(EmergencyContact {
                name,
                relationship: ec_rel,
                phone,
            }),
            (None, None) => {
                if ec_rel.is_some() {
                    e.add(
                        "emergency_name",
                        "enter the emergency contact's name and phone",
                    );
                }
                None
            }
            (Some(_), None) => {
                if e.for_field("emergency_phone").is_none() {
                    e.add(
                        "emergency_phone",
                        "enter a phone number for the emergency contact",
                    );
                }
                None
            }
            (None, Some(_)) => {
                e.add("emergency_name", "enter the emergency contact's name");
                None
            }
        };
        match (family_name, birth_date) {
            (Some(family_name), Some(birth_date)) if e.is_empty() => Ok(Demographics {
                family_name,
                given_names,
                preferred_name,
                birth_date,
                sex_at_birth,
                gender,
                gender_identity,
                pronouns,
                preferred_language,
                phone: phone_no,
                address,
                emergency_contact,
            }),
            _ => Err(e),
        }
    }
}

impl From<&Demographics> for DemographicsInput {
    fn from(d: &Demographics) -> Self {
        let ec = d.emergency_contact.as_ref();
        DemographicsInput {
            family_name: d.family_name.clone(),
            given_names: d.given_names.clone(),
            preferred_name: d.preferred_name.clone().unwrap_or_default(),
            birth_date: d.birth_date.to_string(),
            sex_at_birth: d.sex_at_birth.as_str().to_string(),
            gender: d.gender.as_str().to_string(),
            gender_identity: d.gender_identity.clone().unwrap_or_default(),
            pronouns: d.pronouns.clone().unwrap_or_default(),
            preferred_language: d.preferred_language.clone().unwrap_or_default(),
            phone: d.phone.clone().unwrap_or_default(),
            address_line: d.address.line.clone().unwrap_or_default(),
            city: d.address.city.clone().unwrap_or_default(),
            state: d.address.state.clone().unwrap_or_default(),
            postal_code: d.address.postal_code.clone().unwrap_or_default(),
            emergency_name: ec.map(|c| c.name.clone()).unwrap_or_default(),
            emergency_relationship: ec.and_then(|c| c.relationship.clone()).unwrap_or_default(),
            emergency_phone: ec.map(|c| c.phone.clone()).unwrap_or_default(),
        }
    }
}

/// What a patient search looks for. Empty fields are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PatientQuery {
    /// Prefixes that must each match the start of some name word.
    pub name_prefixes: Vec<String>,
    pub family_prefix: Option<String>,
    pub given_prefix: Option<String>,
    pub birth_date: Option<Date>,
    pub mrn: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

impl PatientQuery {
    /// Builds a query from a free-text box: a date is a birth date, digits an
    /// MRN, anything else name prefixes.
    pub fn from_free_text(q: &str) -> Self {
        let mut query = PatientQuery {
            limit: 50,
            ..Default::default()
        };
        for word in q.split_whitespace() {
            if let Some(d) = parse_date(word) {
                query.birth_date = Some(d);
            } else if word.len() >= 5 && word.chars().all(|c| c.is_ascii_digit()) {
                query.mrn = Some(word.to_string());
            } else {
                query.name_prefixes.extend(search_tokens(word));
            }
        }
        query
    }

    pub fn is_empty(&self) -> bool {
        self.name_prefixes.is_empty()
            && self.family_prefix.is_none()
            && self.given_prefix.is_none()
            && self.birth_date.is_none()
            && self.mrn.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn ana() -> DemographicsInput {
        DemographicsInput {
            family_name: "Rivera".into(),
            given_names: "Ana Lucía".into(),
            birth_date: "1988-04-12".into(),
            sex_at_birth: "female".into(),
            ..Default::default()
        }
    }

    const TODAY: Date = date!(2026 - 11 - 22);

    #[test]
    fn a_minimal_patient_is_valid() {
        let d = ana().validate(TODAY).unwrap();
        assert_eq!(d.family_name, "Rivera");
        assert_eq!(
            d.gender,
            AdministrativeGender::Female,
            "gender defaults from sex at birth"
        );
        assert_eq!(d.display_name(), "Ana Lucía Rivera");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let input = DemographicsInput {
            birth_date: "12/04/1988".into(),
            phone: "call me".into(),
            ..Default::default()
        };
        let e = input.validate(TODAY).unwrap_err();
        assert!(e.for_field("family_name").is_some());
        assert!(e.for_field("birth_date").unwrap().contains("YYYY-MM-DD"));
        assert!(e.for_field("phone").is_some());
    }

    #[test]
    fn birth_dates_must_be_real_and_past() {
        for bad in [
            "1988-02-30",
            "1988-13-01",
            "2027-01-01",
            "1899-12-31",
            "88-04-12",
            "1988-4-12",
        ] {
            let e = DemographicsInput {
                birth_date: bad.into(),
                ..ana()
            }
            .validate(TODAY)
            .unwrap_err();
            assert!(e.for_field("birth_date").is_some(), "{bad} accepted");
        }
        assert!(
            DemographicsInput {
                birth_date: "2026-11-22".into(),
                ..ana()
            }
            .validate(TODAY)
            .is_ok()
        );
        assert!(
            DemographicsInput {
                birth_date: "1900-01-01".into(),
                ..ana()
            }
            .validate(TODAY)
            .is_ok()
        );
    }

    #[test]
    fn unknown_codes_are_refused() {
        let e = DemographicsInput {
            gender: "banana".into(),
            ..ana()
        }
        .validate(TODAY)
        .unwrap_err();
        assert!(e.for_field("gender").is_some());
        let e = DemographicsInput {
            preferred_language: "English!".into(),
            ..ana()
        }
        .validate(TODAY)
        .unwrap_err();
        assert!(e.for_field("preferred_language").is_some());
        assert!(
            DemographicsInput {
                preferred_language: "zh-Hant".into(),
                ..ana()
            }
            .validate(TODAY)
            .is_ok()
        );
    }

    #[test]
    fn emergency_contact_needs_name_and_phone() {
        let e = DemographicsInput {
            emergency_name: "Luis".into(),
            ..ana()
        }
        .validate(TODAY)
        .unwrap_err();
        assert!(e.for_field("emergency_phone").is_some());
        let ok = DemographicsInput {
            emergency_name: "Luis Rivera".into(),
            emergency_phone: "(555) 201-3344".into(),
            emergency_relationship: "brother".into(),
            ..ana()
        }
        .validate(TODAY)
        .unwrap();
        assert_eq!(
            ok.emergency_contact.unwrap().relationship.as_deref(),
            Some("brother")
        );
    }

    #[test]
    fn input_round_trips_through_demographics() {
        let d = DemographicsInput {
            phone: "555 201 3344".into(),
            city: "Tucson".into(),
            ..ana()
        }
        .validate(TODAY)
        .unwrap();
        assert_eq!(DemographicsInput::from(&d).validate(TODAY).unwrap(), d);
    }

    #[test]
    fn name_tokens_cover_every_name_part() {
        let d = DemographicsInput {
            family_name: "O'Brien-Smith".into(),
            preferred_name: "Annie".into(),
            ..ana()
        }
        .validate(TODAY)
        .unwrap();
        let t = d.name_tokens();
        for w in [
            "o",
            "brien",
            "smith",
            "obriensmith",
            "ana",
            "lucía",
            "annie",
        ] {
            assert!(t.contains(&w.to_string()), "{w} missing from {t:?}");
        }
    }

    #[test]
    fn free_text_search_recognises_dates_and_mrns() {
        let q = PatientQuery::from_free_text("Riv 1988-04-12 1000018");
        assert_eq!(q.name_prefixes, vec!["riv".to_string()]);
        assert_eq!(q.birth_date, Some(date!(1988 - 04 - 12)));
        assert_eq!(q.mrn.as_deref(), Some("1000018"));
    }
}
