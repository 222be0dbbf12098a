//! `MedicationRequest`: a medication order, read from a client against the
//! medication catalog and written back with its dose history; and
//! `DetectedIssue`: a finding of the safety check made when it was placed or
//! its dose changed.
//!
//! The order keeps a daily dose; FHIR's `doseQuantity` is the amount of one
//! administration. For schedules of n doses a day the two differ by n:
//! a posted `doseQuantity` is multiplied by the times per day, and the
//! rendered one divided. Every dose step of the order (the start, each
//! titration and taper step) is one `dosageInstruction` with its `sequence`
//! and `timing.repeat.boundsPeriod`, so a taper reads as the dated schedule
//! it is.

use crate::instant;
use crate::outcome::{FhirError, Issue, IssueCode};
use crate::reading::{MALFORMED, Object, Problems, UNPROCESSABLE};
use serde_json::{Map, Value, json};
use tandem_core::ids::{ConditionId, DetectedIssueId, MedicationOrderId, PatientId, UserId};
use tandem_core::medication::prescription::{DocumentedFacts, NewOrder, OrderStatus, ingredient};
use tandem_core::medication::{
    Catalog, Dose, DoseUnit, Finding, Frequency, Route, RxCui, Severity,
};
use time::{Date, OffsetDateTime};

const RESOURCE: &str = "MedicationRequest";

/// RxNorm's code system URL.
pub const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
/// UCUM, for dose units.
pub const UCUM: &str = "http://unitsofmeasure.org";
/// Tandem's route codes (`tandem_core::medication::Route::as_str`). SNOMED CT
/// route codes are left out until a checked source confirms them.
pub const ROUTE_SYSTEM: &str = "urn:tandem:route";
/// Tandem's safety rules, by rule id, on `DetectedIssue.code`.
pub const RULE_SYSTEM: &str = "urn:tandem:medication-rule";

/// The element to name when a drug is refused.
pub const MEDICATION_EXPRESSION: &str = "MedicationRequest.medicationCodeableConcept";

/// R4 `MedicationRequest` elements (besides `resourceType`).
const ELEMENTS: &[&str] = &[
    "id",
    "meta",
    "implicitRules",
    "language",
    "text",
    "contained",
    "extension",
    "modifierExtension",
    "identifier",
    "status",
    "statusReason",
    "intent",
    "category",
    "priority",
    "doNotPerform",
    "reported[x]",
    "reportedBoolean",
    "reportedReference",
    "medicationCodeableConcept",
    "medicationReference",
    "subject",
    "encounter",
    "supportingInformation",
    "authoredOn",
    "requester",
    "performer",
    "performerType",
    "recorder",
    "reasonCode",
    "reasonReference",
    "instantiatesCanonical",
    "instantiatesUri",
    "basedOn",
    "groupIdentifier",
    "courseOfTherapyType",
    "insurance",
    "note",
    "dosageInstruction",
    "dispenseRequest",
    "substitution",
    "priorPrescription",
    "detectedIssue",
    "eventHistory",
];

/// R4 `Dosage` elements.
const DOSAGE: &[&str] = &[
    "id",
    "extension",
    "modifierExtension",
    "sequence",
    "text",
    "additionalInstruction",
    "patientInstruction",
    "timing",
    "asNeededBoolean",
    "asNeededCodeableConcept",
    "site",
    "route",
    "method",
    "doseAndRate",
    "maxDosePerPeriod",
    "maxDosePerAdministration",
    "maxDosePerLifetime",
];

/// A posted order: the patient and the order as Tandem will check it.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedMedicationRequest {
    pub patient: PatientId,
    pub order: NewOrder,
}

fn dose_path(i: usize) -> String {
    format!("{RESOURCE}.dosageInstruction[0].doseAndRate[{i}].doseQuantity")
}

/// Parses a posted `MedicationRequest`. `today` is the start date when the
/// request gives none (`dosageInstruction[0].timing.repeat.boundsPeriod.start`).
pub fn parse_medication_request(
    body: &[u8],
    catalog: &Catalog,
    today: Date,
) -> Result<ParsedMedicationRequest, FhirError> {
    let r = &crate::reading::resource_body(body, RESOURCE)?;
    let mut p = Problems::default();
    let mut known = ELEMENTS.to_vec();
    known.push("resourceType");
    p.known_elements(r, RESOURCE, RESOURCE, &known);
    for m in ["modifierExtension", "implicitRules"] {
        if r.contains_key(m) {
            p.add(
                UNPROCESSABLE,
                IssueCode::NotSupported,
                format!("{RESOURCE}.{m}"),
                format!("Tandem does not support {m} on a MedicationRequest"),
            );
        }
    }
    if r.get("doNotPerform") == Some(&Value::Bool(true)) {
        p.add(
            UNPROCESSABLE,
            IssueCode::NotSupported,
            format!("{RESOURCE}.doNotPerform"),
            "Tandem records orders to give a medication, not orders not to",
        );
    }
    fixed_code(
        &mut p,
        r,
        "status",
        "active",
        "only new active orders are accepted",
    );
    fixed_code(
        &mut p,
        r,
        "intent",
        "order",
        "Tandem records orders (intent \"order\")",
    );
    if r.contains_key("medicationReference") {
        p.add(
            UNPROCESSABLE,
            IssueCode::NotSupported,
            format!("{RESOURCE}.medicationReference"),
            "send the drug as medicationCodeableConcept with its RxNorm code",
        );
    }
    let drug = read_drug(&mut p, r, catalog);
    let patient = read_subject(&mut p, r);
    let indication = read_reason(&mut p, r);
    let dosage = read_dosage(&mut p, r, today);
    if let Some(e) = p.into_error() {
        return Err(e);
    }
    match (drug, patient, dosage) {
        (Some(drug), Some(patient), Some(d)) => Ok(ParsedMedicationRequest {
            patient,
            order: NewOrder {
                drug,
                daily_dose: d.daily,
                route: d.route,
                frequency: d.frequency,
                sig: d.sig,
                start: d.start,
                indication,
                cross_taper: false,
                first_day: None,
                induction: None,
                facts: DocumentedFacts::default(),
            },
        }),
        // Each missing part reported an issue of its own above.
        _ => Err(FhirError::new(
            UNPROCESSABLE,
            IssueCode::Invalid,
            "the MedicationRequest could not be read",
            None,
        )),
    }
}

fn fixed_code(p: &mut Problems, r: &Object, name: &str, wanted: &str, why: &str) {
    let path = format!("{RESOURCE}.{name}");
    match r.get(name) {
        None => p.add(
            MALFORMED,
            IssueCode::Required,
            path,
            format!("{name} is required; {why}"),
        ),
        Some(v) => {
            if let Some(s) = p.string(v, &path)
                && s != wanted
            {
                p.add(
                    UNPROCESSABLE,
                    IssueCode::BusinessRule,
                    path,
                    format!("{name} must be \"{wanted}\", not \"{s}\": {why}"),
                );
            }
        }
    }
}

fn read_drug(p: &mut Problems, r: &Object, catalog: &Catalog) -> Option<RxCui> {
    let path = MEDICATION_EXPRESSION;
    let Some(v) = r.get("medicationCodeableConcept") else {
        if !r.contains_key("medicationReference") {
            p.add(
                UNPROCESSABLE,
                IssueCode::Required,
                path,
                "medicationCodeableConcept is required: the drug's RxNorm code",
            );
        }
        return None;
    };
    let cc = p.object(v, path)?;
    let codings = p.objects_at(cc, "coding", path);
    let mut rx_codes = Vec::new();
    for (cpath, c) in &codings {
        if p.string_at(c, "system", cpath) == Some(RXNORM)
            && let Some(code) = p.string_at(c, "code", cpath)
        {
            rx_codes.push(code.to_string());
        }
    }
    if rx_codes.is_empty() {
        p.add(
            UNPROCESSABLE,
            IssueCode::Required,
            path,
            format!("give the drug as a coding with system {RXNORM} and its RxCUI"),
        );
        return None;
    }
    let found = rx_codes
        .iter()
        .filter_map(|c| c.parse::<RxCui>().ok())
        .find_map(|c| ingredient(catalog, c));
    if found.is_none() {
        p.add(
            UNPROCESSABLE,
            IssueCode::NotFound,
            path,
            format!(
                "RxNorm {} is not in Tandem's medication catalog; order a drug the catalog lists by its ingredient RxCUI",
                rx_codes.join(", ")
            ),
        );
    }
    found
}

fn read_subject(p: &mut Problems, r: &Object) -> Option<PatientId> {
    let path = format!("{RESOURCE}.subject");
    let Some(v) = r.get("subject") else {
        p.add(
            UNPROCESSABLE,
            IssueCode::Required,
            path,
            "subject is required: {\"reference\": \"Patient/<id>\"}",
        );
        return None;
    };
    let s = p.object(v, &path)?;
    let rpath = format!("{path}.reference");
    let reference = p.string_at(s, "reference", &path);
    let id = reference
        .and_then(|x| x.strip_prefix("Patient/"))
        .and_then(|x| x.parse::<PatientId>().ok());
    if id.is_none() {
        p.add(
            UNPROCESSABLE,
            IssueCode::Value,
            rpath,
            "the subject must be a literal reference, Patient/<id>",
        );
    }
    id
}

fn read_reason(p: &mut Problems, r: &Object) -> Option<ConditionId> {
    let refs = p.objects_at(r, "reasonReference", RESOURCE);
    let (path, first) = refs.first()?;
    let reference = p.string_at(first, "reference", path)?;
    let id = reference
        .strip_prefix("Condition/")
        .and_then(|x| x.parse::<ConditionId>().ok());
    if id.is_none() {
        p.add(
            UNPROCESSABLE,
            IssueCode::Value,
            format!("{path}.reference"),
            "the reason must be a reference to one of the patient's diagnoses, Condition/<id>",
        );
    }
    if refs.len() > 1 {
        p.add(
            UNPROCESSABLE,
            IssueCode::NotSupported,
            format!("{RESOURCE}.reasonReference[1]"),
            "Tandem links one indication per order",
        );
    }
    id
}

struct Dosage {
    daily: Dose,
    route: Route,
    frequency: Frequency,
    sig: String,
    start: Date,
}

fn read_dosage(p: &mut Problems, r: &Object, today: Date) -> Option<Dosage> {
    let all = p.objects_at(r, "dosageInstruction", RESOURCE);
    let Some((path, d)) = all.first() else {
        p.add(
            UNPROCESSABLE,
            IssueCode::Required,
            format!("{RESOURCE}.dosageInstruction"),
            "dosageInstruction is required: the instructions, timing, route and dose",
        );
        return None;
    };
    if all.len() > 1 {
        p.add(
            UNPROCESSABLE,
            IssueCode::NotSupported,
            format!("{RESOURCE}.dosageInstruction[1]"),
            "post one dosage instruction; change the dose of a placed order in Tandem",
        );
    }
    p.known_elements(d, path, "Dosage", DOSAGE);
    let sig = match p.string_at(d, "text", path) {
        Some(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
        _ => {
            p.add(
                UNPROCESSABLE,
                IssueCode::Required,
                format!("{path}.text"),
                "the instructions as the patient reads them are required",
            );
            None
        }
    };
    let (frequency, start) = read_timing(p, d, path, today);
    let route = read_route(p, d, path);
    let doses = p.objects_at(d, "doseAndRate", path);
    let qty = doses.first().and_then(|(dpath, dr)| {
        let qpath = format!("{dpath}.doseQuantity");
        let Some(q) = p.object_at(dr, "doseQuantity", dpath) else {
            p.add(
                UNPROCESSABLE,
                IssueCode::Required,
                qpath,
                "give the dose as doseQuantity",
            );
            return None;
        };
        let value = match q.get("value") {
            Some(v) => match v.as_f64() {
                Some(x) => Some(x),
                None => {
                    p.structure(&format!("{qpath}.value"), "the dose value must be a number");
                    None
                }
            },
            None => None,
        };
        let code = q.get("code").and_then(Value::as_str);
        let system = q.get("system").and_then(Value::as_str);
        let unit = code
            .filter(|_| system == Some(UCUM))
            .and_then(DoseUnit::parse);
        if unit.is_none() {
            p.add(
                UNPROCESSABLE,
                IssueCode::Value,
                format!("{qpath}.code"),
                format!("give the dose unit as a UCUM code (system {UCUM}): mg, ug, g or mL"),
            );
        }
        match value {
            Some(v) if v > 0.0 && v.is_finite() => unit.and_then(|u| Dose::new(v, u)),
            Some(v) => {
                p.add(
                    UNPROCESSABLE,
                    IssueCode::Value,
                    format!("{qpath}.value"),
                    format!("the dose must be more than zero (got {v})"),
                );
                None
            }
            None => {
                p.add(
                    UNPROCESSABLE,
                    IssueCode::Required,
                    format!("{qpath}.value"),
                    "the dose needs its value",
                );
                None
            }
        }
    });
    if doses.is_empty() {
        p.add(
            UNPROCESSABLE,
            IssueCode::Required,
            dose_path(0),
            "give the dose as doseAndRate[0].doseQuantity",
        );
    }
    let frequency = frequency?;
    let per_dose = qty?;
    let times = per_day(frequency);
    let daily = Dose::new(per_dose.quantity.get() * f64::from(times), per_dose.unit)?;
    Some(Dosage {
        daily,
        route,
        frequency,
        sig: sig?,
        start: start?,
    })
}

/// How many administrations a day a schedule has; 1 for schedules that are
/// not counted per day, whose dose is the order's dose as given.
fn per_day(f: Frequency) -> u32 {
    match f.repeat() {
        Some((n, 1, "d")) => n,
        _ => 1,
    }
}

fn read_timing(
    p: &mut Problems,
    d: &Object,
    path: &str,
    today: Date,
) -> (Option<Frequency>, Option<Date>) {
    let as_needed = d.get("asNeededBoolean") == Some(&Value::Bool(true));
    let tpath = format!("{path}.timing");
    let Some(t) = p.object_at(d, "timing", path) else {
        return (
            Some(if as_needed {
                Frequency::AsNeeded
            } else {
                Frequency::Other
            }),
            Some(today),
        );
    };
    let rpath = format!("{tpath}.repeat");
    let Some(rep) = p.object_at(t, "repeat", &tpath) else {
        return (Some(Frequency::Other), Some(today));
    };
    let start = match rep.get("boundsPeriod").and_then(|b| b.get("start")) {
        Some(Value::String(s)) => {
            let day = s.get(..10).and_then(tandem_core::patient::parse_date);
            if day.is_none() {
                p.add(
                    MALFORMED,
                    IssueCode::Value,
                    format!("{rpath}.boundsPeriod.start"),
                    format!("'{s}' is not a date"),
                );
            }
            day
        }
        Some(_) => {
            p.structure(
                &format!("{rpath}.boundsPeriod.start"),
                "the start must be a date",
            );
            None
        }
        None => Some(today),
    };
    if as_needed {
        return (Some(Frequency::AsNeeded), start);
    }
    let n = rep.get("frequency").and_then(Value::as_u64);
    let period = rep.get("period").and_then(Value::as_f64);
    let unit = rep.get("periodUnit").and_then(Value::as_str);
    let f = match (n, period, unit) {
        (None, None, None) => Some(Frequency::Other),
        (Some(n), Some(per), Some(u)) if per.fract() == 0.0 => u32::try_from(n)
            .ok()
            .and_then(|n| Frequency::from_repeat(n, per as u32, u)),
        _ => None,
    };
    if f.is_none() {
        p.add(
            UNPROCESSABLE,
            IssueCode::Value,
            rpath,
            "Tandem knows 1-4 times a day (period 1 d), every other day (1 per 2 d), weekly (1 per 1 wk) and monthly (1 per 1 mo); describe other schedules in the text",
        );
    }
    (f, start)
}

fn read_route(p: &mut Problems, d: &Object, path: &str) -> Route {
    let Some(cc) = p.object_at(d, "route", path) else {
        return Route::Other;
    };
    let rpath = format!("{path}.route");
    for (cpath, c) in p.objects_at(cc, "coding", &rpath) {
        if p.string_at(c, "system", &cpath) == Some(ROUTE_SYSTEM)
            && let Some(r) = p.string_at(c, "code", &cpath).and_then(Route::parse)
        {
            return r;
        }
    }
    // A route by name only ("Oral") is read from its text.
    if let Some(t) = cc.get("text").and_then(Value::as_str)
        && let Some(r) = Route::ALL
            .into_iter()
            .find(|r| r.label().eq_ignore_ascii_case(t.trim()))
    {
        return r;
    }
    Route::Other
}

/// One dose step of an order, for rendering.
#[derive(Clone, Debug, PartialEq)]
pub struct DoseStepView {
    pub on: Date,
    pub dose: Dose,
}

/// What the API shows of an order.
#[derive(Clone, Debug, PartialEq)]
pub struct MedicationRequestView<'a> {
    pub id: MedicationOrderId,
    pub patient: PatientId,
    pub drug: RxCui,
    pub drug_name: &'a str,
    pub route: Route,
    pub frequency: Frequency,
    pub sig: &'a str,
    pub status: OrderStatus,
    pub status_reason: Option<&'a str>,
    /// Oldest first; the first is the start.
    pub steps: Vec<DoseStepView>,
    /// The first day without the drug: a stop date or the end of a taper.
    pub end: Option<Date>,
    pub prescriber: UserId,
    pub prescriber_name: &'a str,
    pub indication: Option<(ConditionId, &'a str)>,
    pub issues: Vec<DetectedIssueId>,
    pub authored: OffsetDateTime,
    pub updated: OffsetDateTime,
    pub version: i64,
}

/// A dose as JSON: whole numbers as integers, others to three decimals.
fn number(v: f64) -> Value {
    let r = (v * 1000.0).round() / 1000.0;
    if r.fract() == 0.0 && r.abs() < 1e15 {
        json!(r as i64)
    } else {
        json!(r)
    }
}

pub fn medication_request_to_json(m: &MedicationRequestView) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!(RESOURCE));
    r.insert("id".into(), json!(m.id.to_string()));
    r.insert(
        "meta".into(),
        json!({"versionId": m.version.to_string(), "lastUpdated": instant::instant(m.updated)}),
    );
    r.insert("status".into(), json!(m.status.as_str()));
    if let Some(reason) = m.status_reason.filter(|s| !s.trim().is_empty()) {
        r.insert("statusReason".into(), json!({"text": reason}));
    }
    r.insert("intent".into(), json!("order"));
    r.insert(
        "medicationCodeableConcept".into(),
        json!({
            "coding": [{"system": RXNORM, "code": m.drug.to_string(), "display": m.drug_name}],
            "text": m.drug_name
        }),
    );
    r.insert(
        "subject".into(),
        json!({"reference": format!("Patient/{}", m.patient)}),
    );
    r.insert("authoredOn".into(), json!(instant::instant(m.authored)));
    let mut requester = Map::new();
    requester.insert(
        "reference".into(),
        json!(format!("Practitioner/{}", m.prescriber)),
    );
    if !m.prescriber_name.trim().is_empty() {
        requester.insert("display".into(), json!(m.prescriber_name));
    }
    r.insert("requester".into(), Value::Object(requester));
    if let Some((id, display)) = m.indication {
        let mut rr = Map::new();
        rr.insert("reference".into(), json!(format!("Condition/{id}")));
        if !display.trim().is_empty() {
            rr.insert("display".into(), json!(display));
        }
        r.insert("reasonReference".into(), json!([Value::Object(rr)]));
    }
    let times = per_day(m.frequency);
    let dosage: Vec<Value> = m
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut d = Map::new();
            d.insert("sequence".into(), json!(i + 1));
            d.insert("text".into(), json!(m.sig));
            let mut repeat = Map::new();
            let mut bounds = Map::new();
            bounds.insert("start".into(), json!(instant::date(s.on)));
            // A step lasts until the day before the next one, or the end.
            let until = m
                .steps
                .get(i + 1)
                .map(|n| n.on)
                .or(m.end)
                .and_then(|d| d.previous_day())
                .filter(|d| *d >= s.on);
            if let Some(u) = until {
                bounds.insert("end".into(), json!(instant::date(u)));
            }
            repeat.insert("boundsPeriod".into(), Value::Object(bounds));
            if let Some((n, per, unit)) = m.frequency.repeat() {
                repeat.insert("frequency".into(), json!(n));
                repeat.insert("period".into(), json!(per));
                repeat.insert("periodUnit".into(), json!(unit));
            }
            d.insert("timing".into(), json!({"repeat": Value::Object(repeat)}));
            if m.frequency == Frequency::AsNeeded {
                d.insert("asNeededBoolean".into(), json!(true));
            }
            d.insert(
                "route".into(),
                json!({
                    "coding": [{"system": ROUTE_SYSTEM, "code": m.route.as_str(), "display": m.route.label()}],
                    "text": m.route.label()
                }),
            );
            let per_dose = s.dose.quantity.get() / f64::from(times);
            d.insert(
                "doseAndRate".into(),
                json!([{"doseQuantity": {
                    "value": number(per_dose),
                    "unit": s.dose.unit.label(),
                    "system": UCUM,
                    "code": s.dose.unit.ucum()
                }}]),
            );
            Value::Object(d)
        })
        .collect();
    if !dosage.is_empty() {
        r.insert("dosageInstruction".into(), Value::Array(dosage));
    }
    if !m.issues.is_empty() {
        let refs: Vec<Value> = m
            .issues
            .iter()
            .map(|i| json!({"reference": format!("DetectedIssue/{i}")}))
            .collect();
        r.insert("detectedIssue".into(), Value::Array(refs));
    }
    Value::Object(r)
}

/// What the API shows of a finding.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectedIssueView<'a> {
    pub id: DetectedIssueId,
    pub patient: PatientId,
    pub severity: Severity,
    pub rule_id: &'a str,
    /// "interaction", "dose_limit", …
    pub kind: &'a str,
    pub drugs: &'a [String],
    pub detail: &'a str,
    pub advice: &'a str,
    pub verified: bool,
    pub implicated: &'a [MedicationOrderId],
    pub override_reason: Option<&'a str>,
    pub identified_by: UserId,
    pub identified_at: OffsetDateTime,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "interaction" => "Drug interaction",
        "dose_limit" => "Dose limit",
        "duplicate_therapy" => "Duplicate therapy",
        "prerequisite" => "Prerequisite",
        "monitoring" => "Monitoring result",
        "take_home" => "Take-home doses",
        _ => "Safety check",
    }
}

/// R4 has high, moderate and low; a contraindication is high, and its code
/// text says it was a contraindication.
fn fhir_severity(s: Severity) -> &'static str {
    match s {
        Severity::Contraindicated | Severity::High => "high",
        Severity::Moderate => "moderate",
        Severity::Low => "low",
    }
}

pub fn detected_issue_to_json(d: &DetectedIssueView) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("DetectedIssue"));
    r.insert("id".into(), json!(d.id.to_string()));
    r.insert("status".into(), json!("final"));
    let mut text = format!("{}: {}", kind_label(d.kind), d.rule_id);
    if d.severity == Severity::Contraindicated {
        text = format!("Contraindicated. {text}");
    }
    if !d.verified {
        text.push_str(" (rests on an unverified rule or clinic setting)");
    }
    r.insert(
        "code".into(),
        json!({"coding": [{"system": RULE_SYSTEM, "code": d.rule_id}], "text": text}),
    );
    r.insert("severity".into(), json!(fhir_severity(d.severity)));
    r.insert(
        "patient".into(),
        json!({"reference": format!("Patient/{}", d.patient)}),
    );
    r.insert(
        "identifiedDateTime".into(),
        json!(instant::instant(d.identified_at)),
    );
    r.insert(
        "author".into(),
        json!({"reference": format!("Practitioner/{}", d.identified_by)}),
    );
    let implicated: Vec<Value> = d
        .implicated
        .iter()
        .map(|i| json!({"reference": format!("MedicationRequest/{i}")}))
        .collect();
    if !implicated.is_empty() {
        r.insert("implicated".into(), Value::Array(implicated));
    }
    let mut detail = String::new();
    if !d.drugs.is_empty() {
        detail.push_str(&format!("Drugs: {}. ", d.drugs.join(", ")));
    }
    detail.push_str(d.detail.trim());
    if !d.advice.trim().is_empty() {
        detail.push_str(&format!(" Advice: {}", d.advice.trim()));
    }
    r.insert("detail".into(), json!(detail));
    if let Some(reason) = d.override_reason.filter(|s| !s.trim().is_empty()) {
        r.insert(
            "mitigation".into(),
            json!([{
                "action": {"text": format!("Contraindication overridden by the prescriber. Reason: {reason}")},
                "date": instant::instant(d.identified_at),
                "author": {"reference": format!("Practitioner/{}", d.identified_by)}
            }]),
        );
    }
    Value::Object(r)
}

/// The refusal of an order the safety check stopped: one issue per
/// contraindication, naming the drugs, the rule, why and what to do.
pub fn contraindicated(findings: &[Finding]) -> FhirError {
    FhirError {
        status: UNPROCESSABLE,
        issues: findings
            .iter()
            .map(|f| {
                Issue::error(
                    IssueCode::BusinessRule,
                    format!(
                        "Contraindicated ({}; rule {}): {} Advice: {} To place the order anyway, send the header X-Tandem-Override-Reason with the reason.",
                        f.drugs.join(" + "),
                        f.rule_id,
                        f.text.trim(),
                        f.advice.trim()
                    ),
                    Some(MEDICATION_EXPRESSION.to_string()),
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doses_are_written_without_float_noise() {
        assert_eq!(number(50.0), json!(50));
        assert_eq!(number(100.0 / 3.0), json!(33.333));
        assert_eq!(per_day(Frequency::ThreeTimesDaily), 3);
        assert_eq!(per_day(Frequency::Weekly), 1);
    }
}
