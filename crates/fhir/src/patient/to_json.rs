//! A stored [`Patient`] as an R4 `Patient` resource.
//!
//! Absent values are left out entirely: R4 forbids `null`, empty strings
//! and empty arrays or objects.

use super::{
    BCP47_SYSTEM, BIRTH_SEX_URL, CONTACT_ROLE_SYSTEM, EMERGENCY_CONTACT_TEXT, GENDER_IDENTITY_URL,
    IDENTIFIER_TYPE_SYSTEM, PRONOUNS_URL,
};
use crate::MRN_SYSTEM;
use crate::instant;
use serde_json::{Map, Value, json};
use tandem_core::patient::{Demographics, Patient, SexAtBirth, language_label};

pub(super) fn patient(p: &Patient) -> Value {
    let d = &p.demographics;
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Patient"));
    r.insert("id".into(), json!(p.id.to_string()));
    r.insert(
        "meta".into(),
        json!({"versionId": p.version.to_string(), "lastUpdated": instant::instant(p.updated_at)}),
    );
    put_array(&mut r, "extension", extensions(d));
    r.insert(
        "identifier".into(),
        json!([{
            "use": "usual",
            "type": {
                "coding": [{"system": IDENTIFIER_TYPE_SYSTEM, "code": "MR", "display": "Medical record number"}],
                "text": "MRN"
            },
            "system": MRN_SYSTEM,
            "value": p.mrn.as_str()
        }]),
    );
    r.insert("active".into(), json!(true));
    r.insert("name".into(), Value::Array(names(d)));
    if let Some(phone) = &d.phone {
        r.insert(
            "telecom".into(),
            json!([{"system": "phone", "value": phone, "use": "home"}]),
        );
    }
    r.insert("gender".into(), json!(d.gender.as_str()));
    r.insert("birthDate".into(), json!(instant::date(d.birth_date)));
    if !d.address.is_empty() {
        let mut a = Map::new();
        a.insert("use".into(), json!("home"));
        if let Some(line) = &d.address.line {
            a.insert("line".into(), json!([line]));
        }
        put_text(&mut a, "city", &d.address.city);
        put_text(&mut a, "state", &d.address.state);
        put_text(&mut a, "postalCode", &d.address.postal_code);
        r.insert("address".into(), json!([a]));
    }
    if let Some(ec) = &d.emergency_contact {
        let relationship = ec.relationship.as_deref().unwrap_or(EMERGENCY_CONTACT_TEXT);
        r.insert(
            "contact".into(),
            json!([{
                "relationship": [{
                    "coding": [{"system": CONTACT_ROLE_SYSTEM, "code": "C", "display": "Emergency Contact"}],
                    "text": relationship
                }],
                "name": {"text": ec.name},
                "telecom": [{"system": "phone", "value": ec.phone}]
            }]),
        );
    }
    if let Some(tag) = &d.preferred_language {
        r.insert(
            "communication".into(),
            json!([{
                "language": {"coding": [{"system": BCP47_SYSTEM, "code": tag}], "text": language_label(tag)},
                "preferred": true
            }]),
        );
    }
    Value::Object(r)
}

fn put_text(obj: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
        obj.insert(key.into(), json!(v));
    }
}

fn put_array(obj: &mut Map<String, Value>, key: &str, items: Vec<Value>) {
    if !items.is_empty() {
        obj.insert(key.into(), Value::Array(items));
    }
}

fn names(d: &Demographics) -> Vec<Value> {
    let mut official = Map::new();
    official.insert("use".into(), json!("official"));
    official.insert("family".into(), json!(d.family_name));
    let given: Vec<&str> = d.given_names.split_whitespace().collect();
    if !given.is_empty() {
        official.insert("given".into(), json!(given));
    }
    let mut names = vec![Value::Object(official)];
    if let Some(preferred) = &d.preferred_name {
        names.push(json!({"use": "usual", "given": [preferred]}));
    }
    names
}

fn extensions(d: &Demographics) -> Vec<Value> {
    let mut out = Vec::new();
    let birth_sex = match d.sex_at_birth {
        SexAtBirth::Female => Some("F"),
        SexAtBirth::Male => Some("M"),
        SexAtBirth::Unknown => None,
    };
    if let Some(code) = birth_sex {
        out.push(json!({"url": BIRTH_SEX_URL, "valueCode": code}));
    }
    if let Some(identity) = &d.gender_identity {
        out.push(json!({"url": GENDER_IDENTITY_URL, "valueCodeableConcept": {"text": identity}}));
    }
    if let Some(pronouns) = &d.pronouns {
        out.push(json!({
            "url": PRONOUNS_URL,
            "extension": [{"url": "value", "valueCodeableConcept": {"text": pronouns}}]
        }));
    }
    out
}
