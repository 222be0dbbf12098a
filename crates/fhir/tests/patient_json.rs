//! The Patient resource Tandem serves: what each domain field becomes.
// Test helpers are allowed to fail loudly: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{full_demographics, minimal_demographics, stored};
use serde_json::json;
use tandem_fhir::patient::patient_to_json;

#[test]
fn a_full_patient_maps_every_field() {
    let p = stored(full_demographics());
    let v = patient_to_json(&p);
    assert_eq!(v["resourceType"], "Patient");
    assert_eq!(v["id"], p.id.to_string());
    assert_eq!(
        v["meta"],
        json!({"versionId": "3", "lastUpdated": "2026-11-22T10:00:00.123456Z"})
    );
    assert_eq!(v["active"], true);
    assert_eq!(v["identifier"][0]["system"], tandem_fhir::MRN_SYSTEM);
    assert_eq!(v["identifier"][0]["value"], p.mrn.as_str());
    assert_eq!(v["identifier"][0]["type"]["coding"][0]["code"], "MR");
    assert_eq!(
        v["name"],
        json!([{"use": "official", "family": "Rivera", "given": ["Ana", "Lucía"]}, {"use": "usual", "given": ["Annie"]}])
    );
    assert_eq!(v["birthDate"], "1988-04-12");
    assert_eq!(v["gender"], "female");
    assert_eq!(
        v["telecom"],
        json!([{"system": "phone", "value": "(555) 201-3344", "use": "home"}])
    );
    assert_eq!(
        v["address"],
        json!([{"use": "home", "line": ["12 Main St"], "city": "Tucson", "state": "AZ", "postalCode": "85701"}])
    );
    assert_eq!(
        v["communication"][0]["language"]["coding"][0],
        json!({"system": "urn:ietf:bcp:47", "code": "es"})
    );
    assert_eq!(v["communication"][0]["language"]["text"], "Spanish");
    assert_eq!(v["communication"][0]["preferred"], true);
    assert_eq!(v["contact"][0]["relationship"][0]["coding"][0]["code"], "C");
    assert_eq!(v["contact"][0]["relationship"][0]["text"], "brother");
    assert_eq!(v["contact"][0]["name"], json!({"text": "Luis Rivera"}));
    assert_eq!(
        v["contact"][0]["telecom"],
        json!([{"system": "phone", "value": "555-201-9999"}])
    );
    let ext = v["extension"].as_array().unwrap();
    assert_eq!(
        ext[0],
        json!({"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex", "valueCode": "F"})
    );
    assert_eq!(ext[1]["valueCodeableConcept"], json!({"text": "Woman"}));
    assert_eq!(
        ext[2]["extension"],
        json!([{"url": "value", "valueCodeableConcept": {"text": "she/her"}}])
    );
}

#[test]
fn absent_fields_are_left_out_not_sent_empty() {
    let v = patient_to_json(&stored(minimal_demographics()));
    for absent in [
        "extension",
        "telecom",
        "address",
        "contact",
        "communication",
    ] {
        assert!(v.get(absent).is_none(), "{absent} present: {v}");
    }
    assert_eq!(v["name"], json!([{"use": "official", "family": "Okafor"}]));
    assert_eq!(v["gender"], "unknown");
}

#[test]
fn an_unrecorded_relationship_reads_as_emergency_contact() {
    let mut d = full_demographics();
    if let Some(ec) = d.emergency_contact.as_mut() {
        ec.relationship = None;
    }
    let v = patient_to_json(&stored(d));
    assert_eq!(
        v["contact"][0]["relationship"][0]["text"],
        "Emergency contact"
    );
}
