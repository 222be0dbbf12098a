//! A Patient resource to unchecked [`DemographicsInput`].
//!
//! This pass checks the JSON against the R4 structure and picks, among the
//! repeating elements, the one each domain field comes from; the domain's
//! own validation then judges the values. Where an element is wrong in a
//! way only FHIR can describe (a malformed date, an unknown gender code),
//! the problem is reported here, and the domain's message about the same
//! element is left out rather than said twice.

use super::elements::{self, Shape};
use super::{
    BCP47_SYSTEM, BIRTH_SEX_URL, CONTACT_ROLE_SYSTEM, EMERGENCY_CONTACT_TEXT, GENDER_IDENTITY_URL,
    PRONOUNS_URL,
};
use crate::outcome::IssueCode;
use crate::reading::{MALFORMED, Object, Problems, UNPROCESSABLE};
use serde_json::Value;
use tandem_core::patient::{AdministrativeGender, DemographicsInput, parse_date};

/// Which repetition of each repeating element a domain field was read from.
#[derive(Debug, Default)]
pub(super) struct Located {
    pub name: Option<usize>,
    pub address: Option<usize>,
    pub contact: Option<usize>,
    pub communication: Option<usize>,
}

/// The outcome of reading: the input and where it came from.
#[derive(Debug, Default)]
pub(super) struct Read {
    pub input: DemographicsInput,
    pub located: Located,
}

pub(super) fn read(resource: &Object, url_id: Option<&str>, p: &mut Problems) -> Read {
    let mut r = Read::default();
    check_elements(resource, p);
    check_id(resource, url_id, p);
    refuse_modifiers(resource, p);
    read_names(resource, p, &mut r);
    read_gender(resource, p, &mut r);
    read_birth_date(resource, p, &mut r);
    read_extensions(resource, p, &mut r);
    read_telecom(resource, p, &mut r);
    read_address(resource, p, &mut r);
    read_contact(resource, p, &mut r);
    read_communication(resource, p, &mut r);
    for (path, identifier) in p.objects_at(resource, "identifier", "Patient") {
        p.known_elements(identifier, &path, "Identifier", elements::IDENTIFIER);
    }
    r
}

/// Unknown elements, and the shape of the elements Tandem ignores (the
/// ones it reads are checked as they are read).
fn check_elements(resource: &Object, p: &mut Problems) {
    for (key, value) in resource {
        let path = format!("Patient.{key}");
        if let Some(base) = key.strip_prefix('_') {
            if elements::patient_shape(base).is_none() {
                p.structure(&path, format!("unknown element '{key}' for Patient"));
            }
            continue;
        }
        match elements::patient_shape(key) {
            None => p.structure(&path, format!("unknown element '{key}' for Patient")),
            Some(Shape::String) => _ = p.string(value, &path),
            Some(Shape::Boolean) => _ = p.boolean(value, &path),
            Some(Shape::Integer) => _ = p.integer(value, &path),
            Some(Shape::Object) => _ = p.object(value, &path),
            Some(Shape::Objects) => {
                // Read elements report their own items; checking them twice
                // would double every issue.
                if !matches!(
                    key.as_str(),
                    "name"
                        | "telecom"
                        | "address"
                        | "contact"
                        | "communication"
                        | "extension"
                        | "identifier"
                ) {
                    p.objects(value, &path);
                }
            }
        }
    }
}

fn check_id(resource: &Object, url_id: Option<&str>, p: &mut Problems) {
    let Some(url_id) = url_id else { return };
    match resource.get("id").and_then(Value::as_str) {
        Some(id) if id == url_id => {}
        Some(id) => p.add(
            MALFORMED,
            IssueCode::Value,
            "Patient.id",
            format!("the body's id '{id}' does not match the id in the URL '{url_id}'"),
        ),
        // A non-string id was already reported as a structure problem.
        None if resource.get("id").is_some() => {}
        None => p.add(
            MALFORMED,
            IssueCode::Required,
            "Patient.id",
            format!("an update must carry the resource's id; expected \"id\": \"{url_id}\""),
        ),
    }
}

/// Modifier elements change the meaning of everything else in the resource;
/// storing the rest while dropping them would record something false.
fn refuse_modifiers(resource: &Object, p: &mut Problems) {
    let mut refuse =
        |path: &str, why: &str| p.add(UNPROCESSABLE, IssueCode::NotSupported, path, why);
    if resource.get("active") == Some(&Value::Bool(false)) {
        refuse(
            "Patient.active",
            "Tandem keeps active patient records only; active=false cannot be stored",
        );
    }
    if resource.get("deceasedBoolean") == Some(&Value::Bool(true)) {
        refuse(
            "Patient.deceasedBoolean",
            "Tandem does not record a patient's death through this API",
        );
    }
    if resource.contains_key("deceasedDateTime") {
        refuse(
            "Patient.deceasedDateTime",
            "Tandem does not record a patient's death through this API",
        );
    }
    if resource.contains_key("modifierExtension") {
        refuse(
            "Patient.modifierExtension",
            "Tandem does not support modifier extensions on Patient",
        );
    }
    if resource.contains_key("implicitRules") {
        refuse(
            "Patient.implicitRules",
            "Tandem cannot apply implicit rules; send the resource without them",
        );
    }
    if resource.contains_key("link") {
        refuse(
            "Patient.link",
            "Tandem does not support links between Patient records",
        );
    }
}

struct Name<'a> {
    use_: Option<&'a str>,
    family: Option<&'a str>,
    given: Vec<&'a str>,
    text: Option<&'a str>,
}

fn read_name<'a>(name: &'a Object, path: &str, p: &mut Problems) -> Name<'a> {
    p.known_elements(name, path, "HumanName", elements::HUMAN_NAME);
    Name {
        use_: p.code_at(name, "use", path, elements::NAME_USE),
        family: p.string_at(name, "family", path),
        given: p.strings_at(name, "given", path),
        text: p.string_at(name, "text", path),
    }
}

/// Given names as the domain keeps them: one string, single spaced.
fn join_given(given: &[&str]) -> String {
    given
        .iter()
        .map(|g| g.trim())
        .filter(|g| !g.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn read_names(resource: &Object, p: &mut Problems, r: &mut Read) {
    let names: Vec<Name> = p
        .objects_at(resource, "name", "Patient")
        .into_iter()
        .map(|(path, n)| read_name(n, &path, p))
        .collect();
    // An old name is not the patient's name any more.
    let current = |n: &&Name| n.use_ != Some("old");
    let chosen = names
        .iter()
        .position(|n| n.use_ == Some("official"))
        .or_else(|| names.iter().position(|n| n.use_.is_none()))
        .or_else(|| names.iter().position(|n| current(&n)));
    r.located.name = chosen;
    if let Some(name) = chosen.and_then(|i| names.get(i)) {
        r.input.family_name = name.family.unwrap_or_default().to_string();
        r.input.given_names = join_given(&name.given);
    }
    let preferred = names
        .iter()
        .enumerate()
        .filter(|(i, n)| Some(*i) != chosen && n.use_ == Some("usual"))
        .find_map(|(_, n)| n.given.iter().map(|g| g.trim()).find(|g| !g.is_empty()));
    if let Some(preferred) = preferred {
        r.input.preferred_name = preferred.to_string();
    }
}

fn read_gender(resource: &Object, p: &mut Problems, r: &mut Read) {
    let Some(gender) = resource.get("gender").and_then(Value::as_str) else {
        return;
    };
    if gender.parse::<AdministrativeGender>().is_ok() {
        r.input.gender = gender.to_string();
    } else {
        let allowed: Vec<&str> = AdministrativeGender::ALL
            .iter()
            .map(|g| g.as_str())
            .collect();
        p.add(
            MALFORMED,
            IssueCode::Value,
            "Patient.gender",
            format!(
                "'{gender}' is not an administrative gender; use one of {}",
                allowed.join(", ")
            ),
        );
    }
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYY` or `YYYY-MM` as FHIR allows them.
fn is_partial_date(s: &str) -> bool {
    match s.split_once('-') {
        None => is_digits(s, 4),
        Some((year, month)) => {
            is_digits(year, 4)
                && is_digits(month, 2)
                && month.parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
        }
    }
}

fn read_birth_date(resource: &Object, p: &mut Problems, r: &mut Read) {
    let Some(birth_date) = resource.get("birthDate").and_then(Value::as_str) else {
        return;
    };
    if birth_date.len() == 10 && birth_date.trim() == birth_date && parse_date(birth_date).is_some()
    {
        r.input.birth_date = birth_date.to_string();
        return;
    }
    if is_partial_date(birth_date) {
        p.add(
            UNPROCESSABLE,
            IssueCode::Value,
            "Patient.birthDate",
            format!(
                "Tandem needs a full date of birth (YYYY-MM-DD) to tell patients apart; '{birth_date}' gives only part of it"
            ),
        );
    } else {
        p.add(
            MALFORMED,
            IssueCode::Value,
            "Patient.birthDate",
            format!("'{birth_date}' is not a FHIR date; write the date of birth as YYYY-MM-DD, e.g. 1988-04-12"),
        );
    }
}

/// The words of a CodeableConcept: its text, else its first coding's
/// display, else that coding's code.
fn concept_text(concept: &Object, path: &str, p: &mut Problems) -> Option<String> {
    p.known_elements(concept, path, "CodeableConcept", elements::CODEABLE_CONCEPT);
    let text = p.string_at(concept, "text", path);
    let codings = codings(concept, path, p);
    let from_coding = codings.first().and_then(|c| c.display.or(c.code));
    text.or(from_coding)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

struct Coding<'a> {
    system: Option<&'a str>,
    code: Option<&'a str>,
    display: Option<&'a str>,
}

fn codings<'a>(concept: &'a Object, path: &str, p: &mut Problems) -> Vec<Coding<'a>> {
    p.objects_at(concept, "coding", path)
        .into_iter()
        .map(|(path, c)| {
            p.known_elements(c, &path, "Coding", crate::reading::CODING);
            Coding {
                system: p.string_at(c, "system", &path),
                code: p.string_at(c, "code", &path),
                display: p.string_at(c, "display", &path),
            }
        })
        .collect()
}

fn read_extensions(resource: &Object, p: &mut Problems, r: &mut Read) {
    let (mut sex_seen, mut identity_seen, mut pronouns_seen) = (false, false, false);
    for (path, ext) in p.objects_at(resource, "extension", "Patient") {
        p.known_elements(ext, &path, "Extension", elements::EXTENSION);
        let Some(url) = p.string_at(ext, "url", &path) else {
            if !ext.contains_key("url") {
                p.structure(&format!("{path}.url"), "every extension needs a url");
            }
            continue;
        };
        match url {
            BIRTH_SEX_URL if !sex_seen => {
                sex_seen = true;
                read_birth_sex(ext, &path, p, r);
            }
            GENDER_IDENTITY_URL if !identity_seen => {
                identity_seen = true;
                if let Some(concept) = required_object(ext, "valueCodeableConcept", &path, p) {
                    let value_path = format!("{path}.valueCodeableConcept");
                    r.input.gender_identity =
                        concept_text(concept, &value_path, p).unwrap_or_default();
                }
            }
            PRONOUNS_URL if !pronouns_seen => {
                pronouns_seen = true;
                r.input.pronouns = read_pronouns(ext, &path, p).unwrap_or_default();
            }
            // Extensions are safe to ignore by definition; only modifier
            // extensions are not.
            _ => {}
        }
    }
}

fn required_object<'a>(
    obj: &'a Object,
    name: &str,
    path: &str,
    p: &mut Problems,
) -> Option<&'a Object> {
    if !obj.contains_key(name) {
        p.structure(&format!("{path}.{name}"), format!("{path} needs a {name}"));
    }
    p.object_at(obj, name, path)
}

fn read_birth_sex(ext: &Object, path: &str, p: &mut Problems, r: &mut Read) {
    let Some(code) = p.string_at(ext, "valueCode", path) else {
        if !ext.contains_key("valueCode") {
            p.structure(
                &format!("{path}.valueCode"),
                "the birth sex extension needs a valueCode (F, M or UNK)",
            );
        }
        return;
    };
    let sex = match code {
        "F" => "female",
        "M" => "male",
        "UNK" => "unknown",
        other => {
            p.add(
                MALFORMED,
                IssueCode::Value,
                "Patient.extension",
                format!("'{other}' is not a birth sex code; use F, M or UNK"),
            );
            return;
        }
    };
    r.input.sex_at_birth = sex.to_string();
}

/// The pronouns extension's `value` sub-extension; a plain
/// `valueCodeableConcept` on the extension itself is accepted too, as some
/// senders flatten it.
fn read_pronouns(ext: &Object, path: &str, p: &mut Problems) -> Option<String> {
    for (sub_path, sub) in p.objects_at(ext, "extension", path) {
        p.known_elements(sub, &sub_path, "Extension", elements::EXTENSION);
        if p.string_at(sub, "url", &sub_path) == Some("value") {
            let concept = required_object(sub, "valueCodeableConcept", &sub_path, p)?;
            return concept_text(concept, &format!("{sub_path}.valueCodeableConcept"), p);
        }
    }
    if let Some(concept) = p.object_at(ext, "valueCodeableConcept", path) {
        return concept_text(concept, &format!("{path}.valueCodeableConcept"), p);
    }
    p.structure(
        path,
        "the pronouns extension needs a 'value' sub-extension with a valueCodeableConcept",
    );
    None
}

struct ContactPoint<'a> {
    system: Option<&'a str>,
    value: Option<&'a str>,
    use_: Option<&'a str>,
}

fn contact_points<'a>(obj: &'a Object, path: &str, p: &mut Problems) -> Vec<ContactPoint<'a>> {
    p.objects_at(obj, "telecom", path)
        .into_iter()
        .map(|(path, t)| {
            p.known_elements(t, &path, "ContactPoint", elements::CONTACT_POINT);
            ContactPoint {
                system: p.code_at(t, "system", &path, elements::CONTACT_POINT_SYSTEM),
                value: p.string_at(t, "value", &path),
                use_: p.code_at(t, "use", &path, elements::CONTACT_POINT_USE),
            }
        })
        .collect()
}

/// The first current phone number.
fn first_phone<'a>(points: &[ContactPoint<'a>]) -> Option<&'a str> {
    points
        .iter()
        .find_map(|t| match (t.system, t.value, t.use_) {
            (Some("phone"), Some(v), use_) if use_ != Some("old") && !v.trim().is_empty() => {
                Some(v)
            }
            _ => None,
        })
}

fn read_telecom(resource: &Object, p: &mut Problems, r: &mut Read) {
    let points = contact_points(resource, "Patient", p);
    if let Some(phone) = first_phone(&points) {
        r.input.phone = phone.to_string();
    }
}

fn read_address(resource: &Object, p: &mut Problems, r: &mut Read) {
    struct Address<'a> {
        use_: Option<&'a str>,
        line: Vec<&'a str>,
        city: Option<&'a str>,
        state: Option<&'a str>,
        postal_code: Option<&'a str>,
    }
    let addresses: Vec<Address> = p
        .objects_at(resource, "address", "Patient")
        .into_iter()
        .map(|(path, a)| {
            p.known_elements(a, &path, "Address", elements::ADDRESS);
            Address {
                use_: p.code_at(a, "use", &path, elements::ADDRESS_USE),
                line: p.strings_at(a, "line", &path),
                city: p.string_at(a, "city", &path),
                state: p.string_at(a, "state", &path),
                postal_code: p.string_at(a, "postalCode", &path),
            }
        })
        .collect();
    let chosen = addresses
        .iter()
        .position(|a| a.use_ == Some("home"))
        .or_else(|| addresses.iter().position(|a| a.use_ != Some("old")));
    let Some(address) = chosen.and_then(|i| addresses.get(i)) else {
        return;
    };
    r.located.address = chosen;
    // The domain keeps one street line; several become one, in order.
    r.input.address_line = address
        .line
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    r.input.city = address.city.unwrap_or_default().to_string();
    r.input.state = address.state.unwrap_or_default().to_string();
    r.input.postal_code = address.postal_code.unwrap_or_default().to_string();
}

fn read_contact(resource: &Object, p: &mut Problems, r: &mut Read) {
    struct Contact<'a> {
        emergency: bool,
        relationship: Option<String>,
        name: Option<String>,
        phone: Option<&'a str>,
    }
    let contacts: Vec<Contact> = p
        .objects_at(resource, "contact", "Patient")
        .into_iter()
        .map(|(path, c)| {
            p.known_elements(c, &path, "Patient.contact", elements::PATIENT_CONTACT);
            if c.contains_key("modifierExtension") {
                p.add(
                    UNPROCESSABLE,
                    IssueCode::NotSupported,
                    format!("{path}.modifierExtension"),
                    "Tandem does not support modifier extensions on Patient.contact",
                );
            }
            let mut emergency = false;
            let mut relationship = None;
            for (rel_path, rel) in p.objects_at(c, "relationship", &path) {
                p.known_elements(
                    rel,
                    &rel_path,
                    "CodeableConcept",
                    elements::CODEABLE_CONCEPT,
                );
                let text = p.string_at(rel, "text", &rel_path);
                let codings = codings(rel, &rel_path, p);
                let is_emergency =
                    |c: &Coding| c.system == Some(CONTACT_ROLE_SYSTEM) && c.code == Some("C");
                emergency |= codings.iter().any(is_emergency);
                let words = text.or_else(|| {
                    codings
                        .iter()
                        .filter(|c| !is_emergency(c))
                        .find_map(|c| c.display)
                });
                let words = words
                    .map(str::trim)
                    .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case(EMERGENCY_CONTACT_TEXT));
                relationship = relationship.or(words.map(str::to_string));
            }
            let name = p.object_at(c, "name", &path).and_then(|n| {
                let name = read_name(n, &format!("{path}.name"), p);
                let parts = || {
                    let mut words = name.given.clone();
                    words.extend(name.family);
                    join_given(&words)
                };
                name.text
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .or_else(|| Some(parts()))
            });
            let phone = first_phone(&contact_points(c, &path, p));
            Contact {
                emergency,
                relationship,
                name,
                phone,
            }
        })
        .collect();
    let chosen = contacts
        .iter()
        .position(|c| c.emergency)
        .or(if contacts.is_empty() { None } else { Some(0) });
    let Some(contact) = chosen.and_then(|i| contacts.get(i)) else {
        return;
    };
    r.located.contact = chosen;
    r.input.emergency_name = contact.name.clone().unwrap_or_default();
    r.input.emergency_relationship = contact.relationship.clone().unwrap_or_default();
    r.input.emergency_phone = contact.phone.unwrap_or_default().to_string();
}

fn read_communication(resource: &Object, p: &mut Problems, r: &mut Read) {
    struct Communication {
        path: String,
        preferred: bool,
        /// Whether a language object is there at all; a missing one is
        /// already reported as a structure problem.
        has_language: bool,
        language: Option<String>,
    }
    let communications: Vec<Communication> = p
        .objects_at(resource, "communication", "Patient")
        .into_iter()
        .map(|(path, c)| {
            p.known_elements(
                c,
                &path,
                "Patient.communication",
                elements::PATIENT_COMMUNICATION,
            );
            if c.contains_key("modifierExtension") {
                p.add(
                    UNPROCESSABLE,
                    IssueCode::NotSupported,
                    format!("{path}.modifierExtension"),
                    "Tandem does not support modifier extensions on Patient.communication",
                );
            }
            let preferred = c
                .get("preferred")
                .and_then(|v| p.boolean(v, &format!("{path}.preferred")));
            let language = required_object(c, "language", &path, p).and_then(|lang| {
                let lang_path = format!("{path}.language");
                p.known_elements(
                    lang,
                    &lang_path,
                    "CodeableConcept",
                    elements::CODEABLE_CONCEPT,
                );
                p.string_at(lang, "text", &lang_path);
                let codings = codings(lang, &lang_path, p);
                let code = codings
                    .iter()
                    .find(|c| c.system == Some(BCP47_SYSTEM) && c.code.is_some())
                    .or_else(|| codings.iter().find(|c| c.code.is_some()))
                    .and_then(|c| c.code);
                code.map(str::to_string)
            });
            let has_language = c.get("language").is_some_and(Value::is_object);
            Communication {
                path,
                preferred: preferred == Some(true),
                has_language,
                language,
            }
        })
        .collect();
    let chosen = communications
        .iter()
        .position(|c| c.preferred)
        .or(if communications.is_empty() {
            None
        } else {
            Some(0)
        });
    let Some(communication) = chosen.and_then(|i| communications.get(i)) else {
        return;
    };
    r.located.communication = chosen;
    match &communication.language {
        Some(code) => r.input.preferred_language = code.clone(),
        None if !communication.has_language => {}
        None => {
            p.add(
                UNPROCESSABLE,
                IssueCode::Value,
                format!("{}.language", communication.path),
                format!("give the language as a BCP-47 code (coding system {BCP47_SYSTEM}), e.g. en or es"),
            );
        }
    }
}
