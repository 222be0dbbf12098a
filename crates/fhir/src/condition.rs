//! `Condition`: a coded diagnosis on the problem list.
//!
//! - `code` carries the ICD-10-CM code (`http://hl7.org/fhir/sid/icd-10-cm`)
//!   with its official title, and SNOMED CT where Tandem's content confirms
//!   one. A posted code must be on Tandem's diagnosis list.
//! - `category` is always `problem-list-item`; `verificationStatus` always
//!   `confirmed` (Tandem records confirmed diagnoses only).
//! - `clinicalStatus` is `active`, `remission` or `resolved`.
//! - **Primary or secondary.** R4 ranks diagnoses only where they are used
//!   (`EpisodeOfCare.diagnosis.rank`, `Encounter.diagnosis.rank`), not on the
//!   Condition itself. Tandem keeps the rank on the problem list, so it is
//!   sent twice: on the Condition as the extension
//!   `urn:tandem:fhir:extension:diagnosis-rank` (`valueCode` `primary` or
//!   `secondary`; a posted Condition without it is secondary), and on the
//!   open `EpisodeOfCare` as `diagnosis.rank` (1 for the primary). The
//!   extension is a plain, non-modifier extension, so a client that does not
//!   know it loses nothing but the rank.

use crate::instant;
use crate::outcome::{FhirError, IssueCode};
use crate::reading::{MALFORMED, Object, Problems, UNPROCESSABLE};
use serde_json::{Map, Value, json};
use tandem_core::diagnosis::{
    ClinicalStatus, DiagnosisList, NewDiagnosisInput, Rank, normalize_code, valid_code_format,
};
use tandem_core::ids::{ConditionId, PatientId, UserId};
use tandem_core::patient::parse_date;
use time::{Date, OffsetDateTime};

const RESOURCE: &str = "Condition";

/// ICD-10-CM's FHIR system.
pub const ICD10CM_SYSTEM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
/// SNOMED CT's FHIR system.
pub const SNOMED_SYSTEM: &str = "http://snomed.info/sct";
pub const CLINICAL_STATUS_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
pub const VERIFICATION_STATUS_SYSTEM: &str =
    "http://terminology.hl7.org/CodeSystem/condition-ver-status";
pub const CATEGORY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
/// The rank of a diagnosis on the problem list (see the module doc).
pub const RANK_URL: &str = "urn:tandem:fhir:extension:diagnosis-rank";

/// R4 `condition-clinical` codes.
const CLINICAL_CODES: &[&str] = &[
    "active",
    "recurrence",
    "relapse",
    "inactive",
    "remission",
    "resolved",
];
/// R4 `condition-ver-status` codes.
const VERIFICATION_CODES: &[&str] = &[
    "unconfirmed",
    "provisional",
    "differential",
    "confirmed",
    "refuted",
    "entered-in-error",
];

/// R4 `Condition` elements Tandem reads or may safely pass over.
const ELEMENTS: &[&str] = &[
    "resourceType",
    "id",
    "meta",
    "language",
    "text",
    "extension",
    "clinicalStatus",
    "verificationStatus",
    "category",
    "code",
    "subject",
    "onsetDateTime",
    "recordedDate",
    "note",
];

/// R4 `Condition` elements Tandem does not record: refused rather than
/// dropped, so nothing a client sent is silently lost.
const NOT_RECORDED: &[&str] = &[
    "contained",
    "identifier",
    "severity",
    "bodySite",
    "encounter",
    "onsetAge",
    "onsetPeriod",
    "onsetRange",
    "onsetString",
    "abatementDateTime",
    "abatementAge",
    "abatementPeriod",
    "abatementRange",
    "abatementString",
    "recorder",
    "asserter",
    "stage",
    "evidence",
];

/// A posted Condition: whose it is and what to record, as the problem
/// list's input (checked again by the app).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedCondition {
    pub patient: PatientId,
    pub input: NewDiagnosisInput,
}

/// The FHIRPath of a field of [`NewDiagnosisInput`], for refusals the app
/// reports by field name.
pub fn field_expression(field: &str) -> String {
    let element = match field {
        "code" => "code",
        "rank" => "extension",
        "clinical_status" => "clinicalStatus",
        "onset" => "onsetDateTime",
        "note" => "note",
        other => other,
    };
    format!("{RESOURCE}.{element}")
}

/// Parses a posted `Condition`. `today` bounds the onset.
pub fn parse_condition(
    body: &[u8],
    list: &DiagnosisList,
    today: Date,
) -> Result<ParsedCondition, FhirError> {
    let r = &crate::reading::resource_body(body, RESOURCE)?;
    let mut p = Problems::default();
    for key in r.keys() {
        let base = key.strip_prefix('_').unwrap_or(key);
        if ELEMENTS.contains(&base) {
            continue;
        }
        if NOT_RECORDED.contains(&base) {
            p.add(
                UNPROCESSABLE,
                IssueCode::NotSupported,
                format!("{RESOURCE}.{key}"),
                format!(
                    "Tandem does not record {base} on a diagnosis; send the Condition without it"
                ),
            );
        } else if base == "modifierExtension" || base == "implicitRules" {
            p.add(
                UNPROCESSABLE,
                IssueCode::NotSupported,
                format!("{RESOURCE}.{key}"),
                format!("Tandem cannot apply {base}; send the Condition without it"),
            );
        } else {
            p.structure(
                &format!("{RESOURCE}.{key}"),
                format!("unknown element '{key}' for Condition"),
            );
        }
    }
    let clinical_status = read_clinical_status(&mut p, r);
    read_verification(&mut p, r);
    read_category(&mut p, r);
    let code = read_code(&mut p, r, list);
    let patient = read_subject(&mut p, r);
    let onset = read_onset(&mut p, r, today);
    let rank = read_rank(&mut p, r);
    let note = read_note(&mut p, r);
    if let Some(e) = p.into_error() {
        return Err(e);
    }
    match (code, patient) {
        (Some(code), Some(patient)) => Ok(ParsedCondition {
            patient,
            input: NewDiagnosisInput {
                code,
                rank: rank.as_str().to_string(),
                clinical_status: clinical_status.as_str().to_string(),
                onset: onset.map(instant::date).unwrap_or_default(),
                note,
            },
        }),
        _ => Err(FhirError::new(
            UNPROCESSABLE,
            IssueCode::Invalid,
            "the Condition could not be read",
            None,
        )),
    }
}

/// The codings of a CodeableConcept member, each with its path.
fn codings<'a>(p: &mut Problems, r: &'a Object, name: &str) -> Vec<(String, &'a Object)> {
    let path = format!("{RESOURCE}.{name}");
    let Some(cc) = p.object_at(r, name, RESOURCE) else {
        return Vec::new();
    };
    p.objects_at(cc, "coding", &path)
}

fn codes_in<'a>(
    p: &mut Problems,
    codings: &[(String, &'a Object)],
    system: &str,
) -> Vec<(String, &'a str)> {
    let mut out = Vec::new();
    for (path, c) in codings {
        if p.string_at(c, "system", path) == Some(system)
            && let Some(v) = p.string_at(c, "code", path)
        {
            out.push((path.clone(), v));
        }
    }
    out
}

fn read_clinical_status(p: &mut Problems, r: &Object) -> ClinicalStatus {
    let path = format!("{RESOURCE}.clinicalStatus");
    if !r.contains_key("clinicalStatus") {
        return ClinicalStatus::Active;
    }
    let cs = codings(p, r, "clinicalStatus");
    let codes = codes_in(p, &cs, CLINICAL_STATUS_SYSTEM);
    let Some((_, code)) = codes.first() else {
        p.add(
            UNPROCESSABLE,
            IssueCode::Required,
            path,
            format!("clinicalStatus needs a coding in {CLINICAL_STATUS_SYSTEM}: active, remission or resolved"),
        );
        return ClinicalStatus::Active;
    };
    match *code {
        "active" => ClinicalStatus::Active,
        "remission" => ClinicalStatus::Remission,
        "resolved" => ClinicalStatus::Resolved,
        "recurrence" | "relapse" => {
            p.add(
                UNPROCESSABLE,
                IssueCode::NotSupported,
                path,
                format!("Tandem records a {code} as active: send clinicalStatus active"),
            );
            ClinicalStatus::Active
        }
        "inactive" => {
            p.add(
                UNPROCESSABLE,
                IssueCode::NotSupported,
                path,
                "Tandem records an inactive diagnosis as remission or resolved: send one of those",
            );
            ClinicalStatus::Active
        }
        other => {
            p.add(
                MALFORMED,
                IssueCode::Value,
                path,
                format!(
                    "'{other}' is not a condition-clinical code; use one of {}",
                    CLINICAL_CODES.join(", ")
                ),
            );
            ClinicalStatus::Active
        }
    }
}

fn read_verification(p: &mut Problems, r: &Object) {
    if !r.contains_key("verificationStatus") {
        return;
    }
    let path = format!("{RESOURCE}.verificationStatus");
    let cs = codings(p, r, "verificationStatus");
    let codes = codes_in(p, &cs, VERIFICATION_STATUS_SYSTEM);
    match codes.first().map(|(_, c)| *c) {
        Some("confirmed") => {}
        Some(other) if VERIFICATION_CODES.contains(&other) => p.add(
            UNPROCESSABLE,
            IssueCode::BusinessRule,
            path,
            format!("Tandem records confirmed diagnoses only, not {other}"),
        ),
        Some(other) => p.add(
            MALFORMED,
            IssueCode::Value,
            path,
            format!(
                "'{other}' is not a condition-ver-status code; use one of {}",
                VERIFICATION_CODES.join(", ")
            ),
        ),
        None => p.add(
            UNPROCESSABLE,
            IssueCode::Required,
            path,
            format!(
                "verificationStatus needs a coding in {VERIFICATION_STATUS_SYSTEM} (confirmed)"
            ),
        ),
    }
}

fn read_category(p: &mut Problems, r: &Object) {
    let Some(v) = r.get("category") else {
        return;
    };
    let path = format!("{RESOURCE}.category");
    let mut problem_list = false;
    for (cpath, cc) in p.objects(v, &path) {
        for (kpath, coding) in p.objects_at(cc, "coding", &cpath) {
            if p.string_at(coding, "system", &kpath) == Some(CATEGORY_SYSTEM)
                && p.string_at(coding, "code", &kpath) == Some("problem-list-item")
            {
                problem_list = true;
            }
        }
    }
    if !problem_list && !p.reported(&path) {
        p.add(
            UNPROCESSABLE,
            IssueCode::BusinessRule,
            path,
            format!("Tandem keeps the problem list: category must include {CATEGORY_SYSTEM}|problem-list-item"),
        );
    }
}

fn read_code(p: &mut Problems, r: &Object, list: &DiagnosisList) -> Option<String> {
    let path = format!("{RESOURCE}.code");
    if !r.contains_key("code") {
        p.add(
            UNPROCESSABLE,
            IssueCode::Required,
            path,
            format!("code is required: an ICD-10-CM coding ({ICD10CM_SYSTEM})"),
        );
        return None;
    }
    let cs = codings(p, r, "code");
    let mut icd: Vec<String> = codes_in(p, &cs, ICD10CM_SYSTEM)
        .into_iter()
        .map(|(_, c)| normalize_code(c))
        .collect();
    icd.dedup();
    match icd.as_slice() {
        [] => {
            p.add(
                UNPROCESSABLE,
                IssueCode::Required,
                path,
                format!("code must carry an ICD-10-CM coding (system {ICD10CM_SYSTEM})"),
            );
            None
        }
        [one] => {
            if !valid_code_format(one) {
                p.add(
                    UNPROCESSABLE,
                    IssueCode::Value,
                    path,
                    format!("'{one}' is not an ICD-10-CM code (like F33.1)"),
                );
                None
            } else if list.get(one).is_none() {
                p.add(
                    UNPROCESSABLE,
                    IssueCode::NotSupported,
                    path,
                    format!("{one} is not on Tandem's diagnosis list"),
                );
                None
            } else {
                Some(one.clone())
            }
        }
        _ => {
            p.add(
                UNPROCESSABLE,
                IssueCode::BusinessRule,
                path,
                "code has more than one ICD-10-CM coding; send one diagnosis per Condition",
            );
            None
        }
    }
}

const REFERENCE: &[&str] = &[
    "id",
    "extension",
    "reference",
    "type",
    "identifier",
    "display",
];

fn read_subject(p: &mut Problems, r: &Object) -> Option<PatientId> {
    let path = format!("{RESOURCE}.subject");
    let Some(v) = r.get("subject") else {
        p.add(
            UNPROCESSABLE,
            IssueCode::Required,
            path,
            "subject is required: the patient, as {\"reference\": \"Patient/<id>\"}",
        );
        return None;
    };
    let subject = p.object(v, &path)?;
    p.known_elements(subject, &path, "Reference", REFERENCE);
    let reference_path = format!("{path}.reference");
    let Some(reference) = p.string_at(subject, "reference", &path) else {
        if !subject.contains_key("reference") {
            p.add(
                UNPROCESSABLE,
                IssueCode::Required,
                reference_path,
                "the subject must be a literal reference, Patient/<id>",
            );
        }
        return None;
    };
    let id = reference
        .strip_prefix("Patient/")
        .and_then(|id| id.parse::<PatientId>().ok());
    if id.is_none() {
        p.add(
            UNPROCESSABLE,
            IssueCode::Value,
            reference_path,
            format!("'{reference}' is not a Patient reference; expected Patient/<id>"),
        );
    }
    id
}

fn read_onset(p: &mut Problems, r: &Object, today: Date) -> Option<Date> {
    let path = format!("{RESOURCE}.onsetDateTime");
    let v = r.get("onsetDateTime")?;
    let s = p.string(v, &path)?;
    let day = match parse_date(s) {
        Some(d) => Some(d),
        None => match instant::parse_date_time(s) {
            Ok(_) => s.get(..10).and_then(parse_date),
            Err(instant::DateTimeProblem::NoTime) => {
                p.add(
                    UNPROCESSABLE,
                    IssueCode::Value,
                    path.clone(),
                    "Tandem records the onset as a full date: give YYYY-MM-DD",
                );
                return None;
            }
            Err(instant::DateTimeProblem::NotDateTime) => None,
        },
    };
    let Some(day) = day else {
        p.add(
            MALFORMED,
            IssueCode::Value,
            path,
            format!("'{s}' is not a FHIR dateTime"),
        );
        return None;
    };
    if day > today {
        p.add(
            UNPROCESSABLE,
            IssueCode::BusinessRule,
            path,
            "the onset date is in the future",
        );
        return None;
    }
    Some(day)
}

fn read_rank(p: &mut Problems, r: &Object) -> Rank {
    let mut rank = Rank::Secondary;
    for (path, ext) in p.objects_at(r, "extension", RESOURCE) {
        if p.string_at(ext, "url", &path) != Some(RANK_URL) {
            continue;
        }
        match p.string_at(ext, "valueCode", &path) {
            Some("primary") => rank = Rank::Primary,
            Some("secondary") => rank = Rank::Secondary,
            other => p.add(
                UNPROCESSABLE,
                IssueCode::Value,
                format!("{path}.valueCode"),
                format!(
                    "the diagnosis rank is valueCode primary or secondary, not {}",
                    other.unwrap_or("missing")
                ),
            ),
        }
    }
    rank
}

fn read_note(p: &mut Problems, r: &Object) -> String {
    let mut texts = Vec::new();
    for (path, n) in p.objects_at(r, "note", RESOURCE) {
        if let Some(t) = p.string_at(n, "text", &path) {
            let t = t.trim();
            if !t.is_empty() {
                texts.push(t.to_string());
            }
        }
    }
    texts.join("\n")
}

/// What the API shows of a recorded diagnosis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionView<'a> {
    pub id: ConditionId,
    pub patient: PatientId,
    pub code: &'a str,
    /// The ICD-10-CM title.
    pub display: &'a str,
    /// A SNOMED CT code and display, where content confirms one.
    pub snomed: Option<(&'a str, &'a str)>,
    pub rank: Rank,
    pub clinical_status: ClinicalStatus,
    pub onset: Option<Date>,
    pub note: Option<&'a str>,
    pub recorded_by: Option<UserId>,
    pub recorded_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

fn display_of(s: ClinicalStatus) -> &'static str {
    match s {
        ClinicalStatus::Active => "Active",
        ClinicalStatus::Remission => "Remission",
        ClinicalStatus::Resolved => "Resolved",
    }
}

pub fn condition_to_json(c: &ConditionView) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!(RESOURCE));
    r.insert("id".into(), json!(c.id.to_string()));
    r.insert(
        "meta".into(),
        json!({"lastUpdated": instant::instant(c.updated_at)}),
    );
    r.insert(
        "extension".into(),
        json!([{"url": RANK_URL, "valueCode": c.rank.as_str()}]),
    );
    r.insert(
        "clinicalStatus".into(),
        json!({"coding": [{"system": CLINICAL_STATUS_SYSTEM, "code": c.clinical_status.as_str(), "display": display_of(c.clinical_status)}]}),
    );
    r.insert(
        "verificationStatus".into(),
        json!({"coding": [{"system": VERIFICATION_STATUS_SYSTEM, "code": "confirmed", "display": "Confirmed"}]}),
    );
    r.insert(
        "category".into(),
        json!([{"coding": [{"system": CATEGORY_SYSTEM, "code": "problem-list-item", "display": "Problem List Item"}]}]),
    );
    let mut coding = vec![json!({"system": ICD10CM_SYSTEM, "code": c.code, "display": c.display})];
    if let Some((code, display)) = c.snomed {
        coding.push(json!({"system": SNOMED_SYSTEM, "code": code, "display": display}));
    }
    r.insert("code".into(), json!({"coding": coding, "text": c.display}));
    r.insert(
        "subject".into(),
        json!({"reference": format!("Patient/{}", c.patient)}),
    );
    if let Some(d) = c.onset {
        r.insert("onsetDateTime".into(), json!(instant::date(d)));
    }
    r.insert(
        "recordedDate".into(),
        json!(instant::instant(c.recorded_at)),
    );
    if let Some(u) = c.recorded_by {
        r.insert(
            "recorder".into(),
            json!({"reference": format!("Practitioner/{u}")}),
        );
    }
    if let Some(n) = c.note.map(str::trim).filter(|n| !n.is_empty()) {
        r.insert("note".into(), json!([{"text": n}]));
    }
    Value::Object(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 22);
    const PATIENT: &str = "0190a000-0000-7000-8000-000000000201";

    fn list() -> DiagnosisList {
        DiagnosisList::parse(
            "sources = [\"s\"]\n[[codes]]\ncode = \"F33.1\"\ntitle = \"T\"\ncategory = \"mental_health\"\ngroup = \"depression\"\nsource = \"s\"\n",
        )
        .unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn body(extra: &str) -> String {
        format!(
            r#"{{"resourceType":"Condition","code":{{"coding":[{{"system":"{ICD10CM_SYSTEM}","code":"F33.1"}}]}},"subject":{{"reference":"Patient/{PATIENT}"}}{extra}}}"#
        )
    }

    fn refused(extra: &str) -> FhirError {
        parse_condition(body(extra).as_bytes(), &list(), TODAY)
            .err()
            .unwrap_or_else(|| unreachable!("accepted {extra}"))
    }

    #[test]
    fn a_minimal_condition_is_an_active_secondary_diagnosis() {
        let c = parse_condition(body("").as_bytes(), &list(), TODAY)
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(c.input.code, "F33.1");
        assert_eq!(c.input.rank, "secondary");
        assert_eq!(c.input.clinical_status, "active");
        let c = parse_condition(
            body(&format!(
                r#","extension":[{{"url":"{RANK_URL}","valueCode":"primary"}}],"onsetDateTime":"2026-06-01T10:00:00-05:00","clinicalStatus":{{"coding":[{{"system":"{CLINICAL_STATUS_SYSTEM}","code":"remission"}}]}}"#
            ))
            .as_bytes(),
            &list(),
            TODAY,
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(c.input.rank, "primary");
        assert_eq!(c.input.onset, "2026-06-01");
        assert_eq!(c.input.clinical_status, "remission");
    }

    #[test]
    fn refusals_name_their_element() {
        let e = parse_condition(
            body("").replace("F33.1", "F99.9").as_bytes(),
            &list(),
            TODAY,
        )
        .err()
        .unwrap_or_else(|| unreachable!());
        assert_eq!((e.status, e.expressions()), (422, vec!["Condition.code"]));
        let e = refused(r#","onsetDateTime":"2026-11-23""#);
        assert_eq!(
            (e.status, e.expressions()),
            (422, vec!["Condition.onsetDateTime"])
        );
        let e = refused(&format!(
            r#","clinicalStatus":{{"coding":[{{"system":"{CLINICAL_STATUS_SYSTEM}","code":"relapse"}}]}}"#
        ));
        assert_eq!(
            (e.status, e.expressions()),
            (422, vec!["Condition.clinicalStatus"])
        );
        let e = refused(r#","bodySite":[{"text":"head"}]"#);
        assert_eq!(
            (e.status, e.expressions()),
            (422, vec!["Condition.bodySite"])
        );
        let e = refused(r#","banana":1"#);
        assert_eq!(e.status, 400);
        let e = parse_condition(b"{not json", &list(), TODAY)
            .err()
            .unwrap_or_else(|| unreachable!());
        assert_eq!(e.status, 400);
    }
}
