//! What an integrator sees when sending a Patient: accepted input maps to
//! the right demographics, refused input gets the right status and points
//! at the element to fix.
// Test helpers are allowed to fail loudly: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TODAY;
use serde_json::{Value, json};
use tandem_core::patient::{AdministrativeGender, Demographics, SexAtBirth};
use tandem_fhir::outcome::{FhirError, IssueCode};
use tandem_fhir::patient::parse_patient;
use time::macros::date;

fn parse(v: &Value) -> Result<Demographics, FhirError> {
    parse_patient(v.to_string().as_bytes(), None, TODAY)
}

fn refused(v: &Value) -> FhirError {
    parse(v).expect_err("the resource should have been refused")
}

/// A resource Tandem accepts, to vary one element at a time.
fn valid() -> Value {
    json!({
        "resourceType": "Patient",
        "name": [{"family": "Rivera", "given": ["Ana"]}],
        "birthDate": "1988-04-12",
        "gender": "female"
    })
}

fn with(key: &str, value: Value) -> Value {
    let mut v = valid();
    v[key] = value;
    v
}

fn issue_at<'a>(e: &'a FhirError, expression: &str) -> &'a tandem_fhir::Issue {
    e.issues
        .iter()
        .find(|i| i.expression.as_deref() == Some(expression))
        .unwrap_or_else(|| panic!("no issue at {expression}: {e}"))
}

#[test]
fn the_contract_examples_are_refused_with_an_operation_outcome() {
    let e = refused(&json!({"resourceType": "Patient", "birthDate": "12/04/1988"}));
    assert_eq!(e.status, 400);
    assert_eq!(issue_at(&e, "Patient.birthDate").code, IssueCode::Value);
    // The missing name is reported in the same response, not the next one.
    assert_eq!(issue_at(&e, "Patient.name").code, IssueCode::Required);
    assert_eq!(e.to_json()["resourceType"], "OperationOutcome");
    assert!(
        e.to_json()["issue"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["expression"][0] == "Patient.birthDate")
    );

    let e =
        refused(&json!({"resourceType": "Patient", "gender": "banana", "name": [{"family": "X"}]}));
    assert_eq!(e.status, 400);
    let gender = issue_at(&e, "Patient.gender");
    assert_eq!(gender.code, IssueCode::Value);
    for code in ["male", "female", "other", "unknown"] {
        assert!(gender.diagnostics.contains(code), "{}", gender.diagnostics);
    }

    let e = refused(&json!({"resourceType": "Observation"}));
    assert_eq!(e.status, 400);
    assert_eq!(e.issues.len(), 1);
    assert_eq!(e.issues[0].code, IssueCode::Invalid);
    assert_eq!(
        e.issues[0].expression.as_deref(),
        Some("Patient.resourceType")
    );
    assert_eq!(
        e.issues[0].diagnostics,
        "expected resourceType Patient, got Observation"
    );

    let e = parse_patient(b"{not json", None, TODAY).unwrap_err();
    assert_eq!(e.status, 400);
    assert_eq!(e.issues[0].code, IssueCode::Structure);
    assert_eq!(e.issues[0].expression, None);
    assert!(
        e.issues[0].diagnostics.contains("line 1 column 2"),
        "{}",
        e.issues[0].diagnostics
    );
    assert_eq!(e.to_json()["resourceType"], "OperationOutcome");
}

#[test]
fn json_that_is_not_a_resource_object_is_a_structure_error() {
    for body in ["[]", "\"Patient\"", "null", ""] {
        let e = parse_patient(body.as_bytes(), None, TODAY).unwrap_err();
        assert_eq!(
            (e.status, e.issues[0].code),
            (400, IssueCode::Structure),
            "{body}"
        );
    }
    let e = refused(&json!({"name": [{"family": "Rivera"}]}));
    assert_eq!(
        e.issues[0].expression.as_deref(),
        Some("Patient.resourceType")
    );
    assert!(e.issues[0].diagnostics.contains("missing"));
}

#[test]
fn the_registration_the_contract_checks_send_is_accepted() {
    let d = parse(&valid()).unwrap();
    assert_eq!(d.family_name, "Rivera");
    assert_eq!(d.given_names, "Ana");
    assert_eq!(d.birth_date, date!(1988 - 04 - 12));
    assert_eq!(d.gender, AdministrativeGender::Female);
    assert_eq!(d.sex_at_birth, SexAtBirth::Unknown);
    assert_eq!(d.preferred_name, None);
}

#[test]
fn wrongly_typed_elements_point_at_the_exact_element() {
    let cases = [
        (with("name", json!({"family": "Rivera"})), "Patient.name"),
        (with("birthDate", json!(19880412)), "Patient.birthDate"),
        (
            with("name", json!([{"family": "Rivera", "given": "Ana"}])),
            "Patient.name[0].given",
        ),
        (
            with("name", json!([{"family": "Rivera", "given": ["Ana", 7]}])),
            "Patient.name[0].given",
        ),
        (
            with("name", json!([{"family": ["Rivera"]}])),
            "Patient.name[0].family",
        ),
        (with("name", json!(["Rivera"])), "Patient.name[0]"),
        (with("gender", json!(null)), "Patient.gender"),
        (
            with(
                "telecom",
                json!([{"system": "phone", "value": 5552013344_u64}]),
            ),
            "Patient.telecom[0].value",
        ),
        (
            with("address", json!([{"line": "12 Main St"}])),
            "Patient.address[0].line",
        ),
        (
            with("identifier", json!({"value": "1"})),
            "Patient.identifier",
        ),
        (
            with("identifier", json!(["1000018"])),
            "Patient.identifier[0]",
        ),
        (with("meta", json!([])), "Patient.meta"),
        (
            with("multipleBirthInteger", json!("2")),
            "Patient.multipleBirthInteger",
        ),
        (with("active", json!("yes")), "Patient.active"),
        (
            with(
                "contact",
                json!([{"name": {"text": "Luis"}, "telecom": {"value": "x"}}]),
            ),
            "Patient.contact[0].telecom",
        ),
    ];
    for (body, expression) in cases {
        let e = refused(&body);
        assert_eq!(e.status, 400, "{body}");
        assert_eq!(
            issue_at(&e, expression).code,
            IssueCode::Structure,
            "{body}"
        );
    }
}

#[test]
fn unknown_elements_are_refused_by_name() {
    for key in ["birthdate", "foo"] {
        let e = refused(&with(key, json!("1988-04-12")));
        assert_eq!(e.status, 400);
        let issue = issue_at(&e, &format!("Patient.{key}"));
        assert_eq!(issue.code, IssueCode::Structure);
        assert_eq!(
            issue.diagnostics,
            format!("unknown element '{key}' for Patient")
        );
    }
    let e = refused(&with("name", json!([{"family": "Rivera", "first": "Ana"}])));
    assert_eq!(
        issue_at(&e, "Patient.name[0].first").diagnostics,
        "unknown element 'first' for HumanName"
    );
    let e = refused(&with("_foo", json!({})));
    issue_at(&e, "Patient._foo");
}

#[test]
fn r4_elements_tandem_does_not_keep_are_accepted_and_ignored() {
    let mut v = valid();
    let extra = json!({
        "id": "whatever-the-client-thinks",
        "meta": {"versionId": "9", "lastUpdated": "2020-01-01T00:00:00Z"},
        "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Ana</div>"},
        "language": "en",
        "contained": [{"resourceType": "Organization", "id": "o1"}],
        "active": true,
        "deceasedBoolean": false,
        "maritalStatus": {"text": "Married"},
        "multipleBirthBoolean": false,
        "photo": [{"contentType": "image/png"}],
        "generalPractitioner": [{"reference": "Practitioner/1"}],
        "managingOrganization": {"reference": "Organization/1"},
        "identifier": [{"system": "urn:other", "value": "A-1"}],
        "extension": [{"url": "http://example.org/other", "valueString": "kept elsewhere"}],
        "_birthDate": {"extension": [{"url": "http://example.org/x", "valueString": "y"}]},
        "_gender": {"id": "g"}
    });
    for (k, val) in extra.as_object().unwrap() {
        v[k] = val.clone();
    }
    assert_eq!(parse(&v).unwrap(), parse(&valid()).unwrap());
}

#[test]
fn modifier_elements_cannot_be_ignored() {
    let cases = [
        (with("active", json!(false)), "Patient.active"),
        (
            with("deceasedBoolean", json!(true)),
            "Patient.deceasedBoolean",
        ),
        (
            with("deceasedDateTime", json!("2020-01-01")),
            "Patient.deceasedDateTime",
        ),
        (
            with(
                "modifierExtension",
                json!([{"url": "http://example.org/m", "valueBoolean": true}]),
            ),
            "Patient.modifierExtension",
        ),
        (
            with("implicitRules", json!("http://example.org/rules")),
            "Patient.implicitRules",
        ),
        (
            with(
                "link",
                json!([{"other": {"reference": "Patient/2"}, "type": "replaced-by"}]),
            ),
            "Patient.link",
        ),
        (
            with(
                "communication",
                json!([{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es"}]}, "modifierExtension": [{"url": "http://example.org/m", "valueBoolean": true}]}]),
            ),
            "Patient.communication[0].modifierExtension",
        ),
    ];
    for (body, expression) in cases {
        let e = refused(&body);
        assert_eq!(e.status, 422, "{body}");
        assert_eq!(
            issue_at(&e, expression).code,
            IssueCode::NotSupported,
            "{body}"
        );
    }
}

#[test]
fn birth_dates_must_be_whole_real_and_plausible() {
    for partial in ["1988", "1988-04"] {
        let e = refused(&with("birthDate", json!(partial)));
        assert_eq!(e.status, 422, "{partial}");
        assert!(
            issue_at(&e, "Patient.birthDate")
                .diagnostics
                .contains("full date of birth")
        );
    }
    for malformed in [
        "12/04/1988",
        "1988-02-30",
        "1988-4-12",
        " 1988-04-12",
        "1988-13",
        "88-04-12",
        "",
    ] {
        let e = refused(&with("birthDate", json!(malformed)));
        assert_eq!(e.status, 400, "{malformed:?}");
        assert_eq!(issue_at(&e, "Patient.birthDate").code, IssueCode::Value);
        assert_eq!(e.issues.len(), 1, "said once: {e}");
    }
    for implausible in ["2026-11-23", "1899-12-31"] {
        let e = refused(&with("birthDate", json!(implausible)));
        assert_eq!(e.status, 422, "{implausible}");
        assert_eq!(issue_at(&e, "Patient.birthDate").code, IssueCode::Value);
    }
    assert!(
        parse(&with("birthDate", json!("2026-11-22"))).is_ok(),
        "born today"
    );
    let mut v = valid();
    v.as_object_mut().unwrap().remove("birthDate");
    let e = refused(&v);
    assert_eq!(
        (e.status, issue_at(&e, "Patient.birthDate").code),
        (422, IssueCode::Required)
    );
}

#[test]
fn a_family_name_is_required() {
    let e = refused(&with("name", json!([{"text": "Ana Rivera"}])));
    assert_eq!(e.status, 422);
    assert_eq!(
        issue_at(&e, "Patient.name[0].family").code,
        IssueCode::Required
    );

    let mut v = valid();
    v.as_object_mut().unwrap().remove("name");
    let e = refused(&v);
    assert_eq!(
        (e.status, issue_at(&e, "Patient.name").code),
        (422, IssueCode::Required)
    );

    let e = refused(&with(
        "name",
        json!([{"use": "usual", "given": ["Annie"]}, {"use": "official", "given": ["Ana"]}]),
    ));
    assert_eq!(
        issue_at(&e, "Patient.name[1].family").code,
        IssueCode::Required
    );
}

#[test]
fn the_official_name_is_the_legal_name_and_usual_gives_the_preferred_one() {
    let d = parse(&with(
        "name",
        json!([
            {"use": "old", "family": "Smith", "given": ["Ana"]},
            {"use": "usual", "given": ["Annie"]},
            {"use": "official", "family": "Rivera", "given": ["Ana", " Lucía "], "prefix": ["Ms"]}
        ]),
    ))
    .unwrap();
    assert_eq!(
        (d.family_name.as_str(), d.given_names.as_str()),
        ("Rivera", "Ana Lucía")
    );
    assert_eq!(d.preferred_name.as_deref(), Some("Annie"));

    // Without an official name, the first name with no use is the legal one.
    let d = parse(&with(
        "name",
        json!([{"use": "nickname", "family": "X"}, {"family": "Rivera"}]),
    ))
    .unwrap();
    assert_eq!(d.family_name, "Rivera");
    // An old name is never taken as the current one.
    let e = refused(&with("name", json!([{"use": "old", "family": "Smith"}])));
    assert_eq!(issue_at(&e, "Patient.name").code, IssueCode::Required);
    let e = refused(&with("name", json!([{"use": "nick", "family": "X"}])));
    assert_eq!(issue_at(&e, "Patient.name[0].use").code, IssueCode::Value);
}

#[test]
fn gender_must_be_an_r4_code_and_defaults_from_birth_sex() {
    let e = refused(&with("gender", json!("Female")));
    assert_eq!(
        (e.status, issue_at(&e, "Patient.gender").code),
        (400, IssueCode::Value)
    );

    let mut v = valid();
    v.as_object_mut().unwrap().remove("gender");
    v["extension"] = json!([{"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex", "valueCode": "M"}]);
    let d = parse(&v).unwrap();
    assert_eq!(
        (d.sex_at_birth, d.gender),
        (SexAtBirth::Male, AdministrativeGender::Male)
    );
}

#[test]
fn extensions_carry_birth_sex_gender_identity_and_pronouns() {
    let d = parse(&with(
        "extension",
        json!([
            {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex", "valueCode": "UNK"},
            {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-genderIdentity",
             "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "446141000124107", "display": "Identifies as female gender"}]}},
            {"url": "http://hl7.org/fhir/StructureDefinition/individual-pronouns",
             "valueCodeableConcept": {"text": "they/them"}}
        ]),
    ))
    .unwrap();
    assert_eq!(d.sex_at_birth, SexAtBirth::Unknown);
    assert_eq!(
        d.gender_identity.as_deref(),
        Some("Identifies as female gender")
    );
    assert_eq!(d.pronouns.as_deref(), Some("they/them"));

    let birth_sex = |code: &str| {
        with(
            "extension",
            json!([{"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex", "valueCode": code}]),
        )
    };
    let e = refused(&birth_sex("X"));
    assert_eq!(
        (e.status, issue_at(&e, "Patient.extension").code),
        (400, IssueCode::Value)
    );
    let e = refused(&with("extension", json!([{"valueString": "no url"}])));
    assert_eq!(
        issue_at(&e, "Patient.extension[0].url").code,
        IssueCode::Structure
    );
    let e = refused(&with(
        "extension",
        json!([{"url": "http://hl7.org/fhir/StructureDefinition/individual-pronouns"}]),
    ));
    assert_eq!(
        issue_at(&e, "Patient.extension[0]").code,
        IssueCode::Structure
    );
}

#[test]
fn every_domain_problem_is_reported_at_once_with_its_element() {
    let mut v = valid();
    v["telecom"] = json!([{"system": "email", "value": "ana@example.org"}, {"system": "phone", "value": "call me"}]);
    v["communication"] =
        json!([{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "Spanish"}]}}]);
    v["address"] = json!([{"use": "home", "city": "x".repeat(101), "postalCode": "85701"}]);
    v["contact"] = json!([{"name": {"text": "Luis Rivera"}}]);
    let e = refused(&v);
    assert_eq!(e.status, 422);
    assert_eq!(issue_at(&e, "Patient.telecom").code, IssueCode::Value);
    assert_eq!(
        issue_at(&e, "Patient.communication[0].language").code,
        IssueCode::Value
    );
    assert_eq!(
        issue_at(&e, "Patient.address[0].city").code,
        IssueCode::Value
    );
    assert_eq!(issue_at(&e, "Patient.contact[0]").code, IssueCode::Required);
    assert_eq!(e.issues.len(), 4, "{e}");
    assert!(e.issues.iter().all(|i| !i.diagnostics.is_empty()));
}

#[test]
fn contact_points_addresses_and_languages_are_chosen_sensibly() {
    let mut v = valid();
    v["telecom"] = json!([
        {"system": "phone", "value": "555-000-0000", "use": "old"},
        {"system": "email", "value": "ana@example.org"},
        {"system": "phone", "value": "555-201-3344", "use": "mobile"}
    ]);
    v["address"] = json!([
        {"use": "work", "city": "Phoenix"},
        {"use": "home", "line": ["12 Main St", "Apt 4"], "city": "Tucson", "state": "AZ", "postalCode": "85701", "country": "US"}
    ]);
    v["communication"] = json!([
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}},
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "zh-Hant"}], "text": "Chinese"}, "preferred": true}
    ]);
    let d = parse(&v).unwrap();
    assert_eq!(d.phone.as_deref(), Some("555-201-3344"));
    assert_eq!(d.address.line.as_deref(), Some("12 Main St, Apt 4"));
    assert_eq!(d.address.city.as_deref(), Some("Tucson"));
    assert_eq!(d.preferred_language.as_deref(), Some("zh-Hant"));

    let e = refused(&with(
        "communication",
        json!([{"language": {"text": "Spanish"}}]),
    ));
    assert_eq!(
        (
            e.status,
            issue_at(&e, "Patient.communication[0].language").code
        ),
        (422, IssueCode::Value)
    );
    let e = refused(&with("communication", json!([{"preferred": true}])));
    assert_eq!(
        (
            e.status,
            issue_at(&e, "Patient.communication[0].language").code
        ),
        (400, IssueCode::Structure)
    );
    let e = refused(&with(
        "telecom",
        json!([{"system": "telephone", "value": "555-201-3344"}]),
    ));
    assert_eq!(
        issue_at(&e, "Patient.telecom[0].system").code,
        IssueCode::Value
    );
}

#[test]
fn the_emergency_contact_is_the_contact_coded_as_one() {
    let d = parse(&with(
        "contact",
        json!([
            {"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "N", "display": "Next-of-Kin"}]}],
             "name": {"family": "Rivera", "given": ["Maria"]}, "telecom": [{"system": "phone", "value": "555-201-0000"}]},
            {"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "C"}], "text": "Emergency contact"}],
             "name": {"given": ["Luis"], "family": "Rivera"}, "telecom": [{"system": "phone", "value": "555-201-9999"}]}
        ]),
    ))
    .unwrap();
    let ec = d.emergency_contact.unwrap();
    assert_eq!(
        (ec.name.as_str(), ec.phone.as_str(), ec.relationship),
        ("Luis Rivera", "555-201-9999", None)
    );

    // With no coded emergency contact the first contact is used, keeping its relationship.
    let d = parse(&with(
        "contact",
        json!([{"relationship": [{"text": "sister"}], "name": {"text": "Maria"}, "telecom": [{"system": "phone", "value": "555-201-0000"}]}]),
    ))
    .unwrap();
    assert_eq!(
        d.emergency_contact.unwrap().relationship.as_deref(),
        Some("sister")
    );
}

#[test]
fn an_update_must_carry_the_id_from_the_url() {
    let id = "01900000-0000-7000-8000-000000000042";
    let mut v = valid();
    v["id"] = json!(id);
    let body = v.to_string();
    assert!(parse_patient(body.as_bytes(), Some(id), TODAY).is_ok());

    let e = parse_patient(
        body.as_bytes(),
        Some("01900000-0000-7000-8000-000000000043"),
        TODAY,
    )
    .unwrap_err();
    assert_eq!((e.status, e.expressions()), (400, vec!["Patient.id"]));

    let e = parse_patient(valid().to_string().as_bytes(), Some(id), TODAY).unwrap_err();
    assert_eq!(
        (e.status, issue_at(&e, "Patient.id").code),
        (400, IssueCode::Required)
    );

    // On create the server assigns the id, so whatever the body says is ignored.
    assert!(parse_patient(body.as_bytes(), None, TODAY).is_ok());
    let e = parse_patient(with("id", json!(42)).to_string().as_bytes(), None, TODAY).unwrap_err();
    assert_eq!(issue_at(&e, "Patient.id").code, IssueCode::Structure);
}
