//! The `CapabilityStatement` served at `/metadata`.
//!
//! It describes what the server does now, not what it plans to: a client
//! that reads it and tries an interaction listed here should succeed.

use crate::{FHIR_JSON, FHIR_VERSION, instant};
use serde_json::{Value, json};

struct Param {
    name: &'static str,
    type_: &'static str,
    /// The R4 SearchParameter it implements; result parameters have none.
    definition: Option<&'static str>,
    documentation: &'static str,
}

const fn param(
    name: &'static str,
    type_: &'static str,
    definition: &'static str,
    documentation: &'static str,
) -> Param {
    Param {
        name,
        type_,
        definition: Some(definition),
        documentation,
    }
}

const COUNT: Param = Param {
    name: "_count",
    type_: "number",
    definition: None,
    documentation: "Matches per page.",
};
const OFFSET: Param = Param {
    name: "_offset",
    type_: "number",
    definition: None,
    documentation: "Matches to skip before this page.",
};

fn search_params(params: &[Param]) -> Vec<Value> {
    params
        .iter()
        .map(|p| {
            let mut v = json!({"name": p.name, "type": p.type_, "documentation": p.documentation});
            if let (Some(definition), Some(obj)) = (p.definition, v.as_object_mut()) {
                obj.insert("definition".into(), json!(definition));
            }
            v
        })
        .collect()
}

fn interactions(codes: &[&str]) -> Vec<Value> {
    codes.iter().map(|c| json!({"code": c})).collect()
}

/// The CapabilityStatement for what the server supports now.
/// `software_version` is the binary's version; `now` becomes `date`.
pub fn capability_statement(software_version: &str, now: time::OffsetDateTime) -> Value {
    let patient_params = [
        param(
            "name",
            "string",
            "http://hl7.org/fhir/SearchParameter/Patient-name",
            "Matches the start of any word of any name.",
        ),
        param(
            "family",
            "string",
            "http://hl7.org/fhir/SearchParameter/individual-family",
            "Matches the start of the family name.",
        ),
        param(
            "given",
            "string",
            "http://hl7.org/fhir/SearchParameter/individual-given",
            "Matches the start of a given name.",
        ),
        param(
            "birthdate",
            "date",
            "http://hl7.org/fhir/SearchParameter/individual-birthdate",
            "The date of birth, YYYY-MM-DD.",
        ),
        param(
            "identifier",
            "token",
            "http://hl7.org/fhir/SearchParameter/Patient-identifier",
            "The MRN, as urn:tandem:mrn|value or the value alone.",
        ),
        COUNT,
        OFFSET,
    ];
    let practitioner_params = [
        param(
            "name",
            "string",
            "http://hl7.org/fhir/SearchParameter/Practitioner-name",
            "Matches the start of any word of the name.",
        ),
        COUNT,
        OFFSET,
    ];
    let care_team_params = [
        param(
            "patient",
            "reference",
            "http://hl7.org/fhir/SearchParameter/clinical-patient",
            "The patient whose care team to return, as Patient/id or the id alone.",
        ),
        COUNT,
        OFFSET,
    ];
    let questionnaire_params = [
        param(
            "code",
            "token",
            "http://hl7.org/fhir/SearchParameter/Questionnaire-code",
            "The instrument's LOINC panel code, as http://loinc.org|code or the code alone.",
        ),
        param(
            "url",
            "uri",
            "http://hl7.org/fhir/SearchParameter/Questionnaire-url",
            "The canonical URL, exactly.",
        ),
        param(
            "name",
            "string",
            "http://hl7.org/fhir/SearchParameter/Questionnaire-name",
            "Matches the start of the computer-friendly name, ignoring case.",
        ),
        param(
            "title",
            "string",
            "http://hl7.org/fhir/SearchParameter/Questionnaire-title",
            "Matches the start of the title or of any word in it, ignoring case.",
        ),
        COUNT,
        OFFSET,
    ];
    let response_params = [
        param(
            "patient",
            "reference",
            "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-patient",
            "Required (or subject): the patient who answered, as Patient/id or the id alone.",
        ),
        param(
            "subject",
            "reference",
            "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-subject",
            "The same as patient: Patient/id or the id alone.",
        ),
        param(
            "questionnaire",
            "reference",
            "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-questionnaire",
            "The instrument, as its canonical URL (urn:tandem:questionnaire:phq9) or Questionnaire/phq9.",
        ),
        COUNT,
        OFFSET,
    ];
    let observation_params = [
        param(
            "patient",
            "reference",
            "http://hl7.org/fhir/SearchParameter/clinical-patient",
            "Required (or subject): the patient, as Patient/id or the id alone.",
        ),
        param(
            "subject",
            "reference",
            "http://hl7.org/fhir/SearchParameter/Observation-subject",
            "The same as patient: Patient/id or the id alone.",
        ),
        param(
            "code",
            "token",
            "http://hl7.org/fhir/SearchParameter/clinical-code",
            "The score's code, as system|code (http://loinc.org|44261-6) or the code alone.",
        ),
        param(
            "date",
            "date",
            "http://hl7.org/fhir/SearchParameter/clinical-date",
            "When the patient answered, a day YYYY-MM-DD in UTC with an optional prefix eq, ge, le, gt or lt; repeat for a range.",
        ),
        param(
            "category",
            "token",
            "http://hl7.org/fhir/SearchParameter/Observation-category",
            "survey (the default: measurement scores) or laboratory (lab results and urine drug screens; with patient and code only). The two kinds are searched separately.",
        ),
        COUNT,
        OFFSET,
    ];
    let flag_params = [
        param(
            "patient",
            "reference",
            "http://hl7.org/fhir/SearchParameter/clinical-patient",
            "Required (or subject): the patient, as Patient/id or the id alone.",
        ),
        param(
            "subject",
            "reference",
            "http://hl7.org/fhir/SearchParameter/Flag-subject",
            "The same as patient: Patient/id or the id alone.",
        ),
        // R4 defines no status parameter for Flag; this one is Tandem's own.
        Param {
            name: "status",
            type_: "token",
            definition: None,
            documentation: "Flag.status: active or inactive.",
        },
        COUNT,
        OFFSET,
    ];
    let condition_params = [
        param(
            "patient",
            "reference",
            "http://hl7.org/fhir/SearchParameter/clinical-patient",
            "Required (or subject): the patient, as Patient/id or the id alone.",
        ),
        param(
            "subject",
            "reference",
            "http://hl7.org/fhir/SearchParameter/Condition-subject",
            "The same as patient: Patient/id or the id alone.",
        ),
        param(
            "clinical-status",
            "token",
            "http://hl7.org/fhir/SearchParameter/Condition-clinical-status",
            "active, remission or resolved; several separated by commas.",
        ),
        param(
            "code",
            "token",
            "http://hl7.org/fhir/SearchParameter/clinical-code",
            "The ICD-10-CM code, as http://hl7.org/fhir/sid/icd-10-cm|F33.1 or the code alone.",
        ),
    ];
    let episode_params = [
        param(
            "patient",
            "reference",
            "http://hl7.org/fhir/SearchParameter/clinical-patient",
            "Required: the patient, as Patient/id or the id alone.",
        ),
        param(
            "status",
            "token",
            "http://hl7.org/fhir/SearchParameter/EpisodeOfCare-status",
            "active (open) or finished (discharged).",
        ),
    ];
    let care_plan_params = [
        param(
            "patient",
            "reference",
            "http://hl7.org/fhir/SearchParameter/clinical-patient",
            "Required (or subject): the patient, as Patient/id or the id alone.",
        ),
        param(
            "subject",
            "reference",
            "http://hl7.org/fhir/SearchParameter/CarePlan-subject",
            "The same as patient: Patient/id or the id alone.",
        ),
        param(
            "status",
            "token",
            "http://hl7.org/fhir/SearchParameter/CarePlan-status",
            "active (the current version is signed) or draft.",
        ),
        COUNT,
        OFFSET,
    ];
    let goal_params = [
        param(
            "patient",
            "reference",
            "http://hl7.org/fhir/SearchParameter/clinical-patient",
            "Required (or subject): the patient, as Patient/id or the id alone.",
        ),
        param(
            "subject",
            "reference",
            "http://hl7.org/fhir/SearchParameter/Goal-subject",
            "The same as patient: Patient/id or the id alone.",
        ),
        param(
            "lifecycle-status",
            "token",
            "http://hl7.org/fhir/SearchParameter/Goal-lifecycle-status",
            "proposed, active, completed or cancelled.",
        ),
        COUNT,
        OFFSET,
    ];
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant::instant(now),
        "publisher": "Tandem",
        "kind": "instance",
        "software": {"name": "Tandem", "version": software_version},
        "implementation": {"description": "Tandem behavioural-health clinic system, FHIR R4 API"},
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [{
            "mode": "server",
            "security": {"description": "Bearer token"},
            "resource": [
                {
                    "type": "Patient",
                    "interaction": interactions(&["read", "create", "update", "search-type"]),
                    "versioning": "versioned-update",
                    "readHistory": false,
                    "updateCreate": false,
                    "conditionalCreate": false,
                    "conditionalUpdate": false,
                    "conditionalDelete": "not-supported",
                    "searchParam": search_params(&patient_params)
                },
                {
                    "type": "Practitioner",
                    "interaction": interactions(&["read", "search-type"]),
                    "searchParam": search_params(&practitioner_params)
                },
                {
                    "type": "CareTeam",
                    "interaction": interactions(&["read", "search-type"]),
                    "searchParam": search_params(&care_team_params)
                },
                {
                    "type": "Questionnaire",
                    "interaction": interactions(&["read", "search-type"]),
                    "searchParam": search_params(&questionnaire_params)
                },
                {
                    "type": "QuestionnaireResponse",
                    "interaction": interactions(&["create", "read", "search-type"]),
                    "conditionalCreate": false,
                    "searchParam": search_params(&response_params)
                },
                {
                    "type": "Observation",
                    "interaction": interactions(&["create", "read", "search-type"]),
                    "searchParam": search_params(&observation_params)
                },
                {
                    "type": "Flag",
                    "interaction": interactions(&["read", "search-type"]),
                    "searchParam": search_params(&flag_params)
                },
                {
                    "type": "Condition",
                    "interaction": interactions(&["create", "read", "search-type"]),
                    "conditionalCreate": false,
                    "searchParam": search_params(&condition_params)
                },
                {
                    "type": "EpisodeOfCare",
                    "interaction": interactions(&["read", "search-type"]),
                    "searchParam": search_params(&episode_params)
                },
                {
                    "type": "CarePlan",
                    "interaction": interactions(&["read", "search-type"]),
                    "searchParam": search_params(&care_plan_params)
                },
                {
                    "type": "Goal",
                    "interaction": interactions(&["read", "search-type"]),
                    "searchParam": search_params(&goal_params)
                },
                {
                    "type": "MedicationRequest",
                    "interaction": interactions(&["create", "read", "search-type"]),
                    "conditionalCreate": false,
                    "searchParam": search_params(&medication_request_params())
                },
                {
                    "type": "DetectedIssue",
                    "interaction": interactions(&["read", "search-type"]),
                    "searchParam": search_params(&detected_issue_params())
                },
                {
                    "type": "MedicationAdministration",
                    "interaction": interactions(&["read", "search-type"]),
                    "searchParam": search_params(&medication_administration_params())
                }
            ]
        }]
    })
}

/// Medication orders: create (checked for safety; a contraindication is
/// refused unless the `X-Tandem-Override-Reason` header gives a reason),
/// read, and search by patient and status.
fn medication_request_params() -> [Param; 5] {
    [
        param(
            "patient",
            "reference",
            "http://hl7.org/fhir/SearchParameter/clinical-patient",
            "Required (or subject): the patient, as Patient/id or the id alone.",
        ),
        param(
            "subject",
            "reference",
            "http://hl7.org/fhir/SearchParameter/MedicationRequest-subject",
            "The same as patient: Patient/id or the id alone.",
        ),
        param(
            "status",
            "token",
            "http://hl7.org/fhir/SearchParameter/medications-status",
            "active, on-hold, stopped or completed (a taper that has ended).",
        ),
        COUNT,
        OFFSET,
    ]
}

/// The opioid treatment program's dosing log: read, and search by patient,
/// status and day.
fn medication_administration_params() -> [Param; 5] {
    [
        param(
            "patient",
            "reference",
            "http://hl7.org/fhir/SearchParameter/clinical-patient",
            "Required: the patient, as Patient/id or the id alone.",
        ),
        param(
            "status",
            "token",
            "http://hl7.org/fhir/SearchParameter/medications-status",
            "completed (a dose given) or not-done (a missed day).",
        ),
        param(
            "effective-time",
            "date",
            "http://hl7.org/fhir/SearchParameter/MedicationAdministration-effective-time",
            "One day (YYYY-MM-DD, or eq with it): the day the dose is for.",
        ),
        COUNT,
        OFFSET,
    ]
}

/// Findings of the medication safety check, kept with the orders they concern.
fn detected_issue_params() -> [Param; 3] {
    [
        param(
            "patient",
            "reference",
            "http://hl7.org/fhir/SearchParameter/DetectedIssue-patient",
            "Required: the patient, as Patient/id or the id alone.",
        ),
        COUNT,
        OFFSET,
    ]
}
