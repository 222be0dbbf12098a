//! `QuestionnaireResponse`: a completed instrument posted by a client, read
//! against the instrument library; and a stored response back to JSON.
//!
//! Answers arrive as `valueCoding` in the instrument's answer system (what
//! the published Questionnaire offers), as `valueInteger` where the number
//! names exactly one of the item's options by its score, or as
//! `valueBoolean` for yes/no items. Groups (`item.item`) and answers'
//! nested items are flattened: every instrument is a flat list of items.
//! Every problem is reported at once, each naming its item as
//! `QuestionnaireResponse.item.where(linkId='9')`.

use crate::instant;
use crate::outcome::{FhirError, Issue, IssueCode};
use crate::questionnaire::{answer_system, canonical_url};
use crate::reading::{MALFORMED, Object, Problems, UNPROCESSABLE};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use tandem_core::ids::{PatientId, ResponseId, UserId};
use tandem_core::instrument::{Answers, Instrument, Library, ResponseError};
use time::OffsetDateTime;

const RESOURCE: &str = "QuestionnaireResponse";

/// A posted response, checked against its instrument.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedResponse {
    /// The instrument's id (`phq9`).
    pub instrument: String,
    pub patient: PatientId,
    /// When the patient answered, in UTC, to the microsecond.
    pub authored: OffsetDateTime,
    /// Answer codes by `linkId`.
    pub answers: Answers,
    /// Where each answered item sat in the request.
    locations: BTreeMap<String, String>,
}

impl ParsedResponse {
    /// The FHIRPath of an item as the client sent it (nested groups
    /// included); an item it did not send is named at the top level.
    pub fn item_expression(&self, link_id: &str) -> String {
        self.locations
            .get(link_id)
            .cloned()
            .unwrap_or_else(|| item_expression(link_id))
    }
}

/// `QuestionnaireResponse.item.where(linkId='…')`.
pub fn item_expression(link_id: &str) -> String {
    format!("{RESOURCE}.item.where(linkId={})", fhirpath_string(link_id))
}

/// A FHIRPath string literal.
fn fhirpath_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The refusal for problems scoring found in parsed answers (a required item
/// not answered, an item its skip rule leaves unasked…), each naming its
/// item where the client sent it.
pub fn scoring_problems(problems: &[ResponseError], parsed: Option<&ParsedResponse>) -> FhirError {
    let issues = problems
        .iter()
        .map(|e| {
            let (code, expression) = match e {
                ResponseError::Missing { item } => (
                    IssueCode::Required,
                    parsed.map_or_else(|| item_expression(item), |p| p.item_expression(item)),
                ),
                ResponseError::UnknownBandModel { .. } => (IssueCode::Processing, RESOURCE.into()),
                other => (
                    IssueCode::Value,
                    parsed.map_or_else(
                        || item_expression(other.item()),
                        |p| p.item_expression(other.item()),
                    ),
                ),
            };
            Issue::error(code, e.to_string(), Some(expression))
        })
        .collect();
    FhirError {
        status: UNPROCESSABLE,
        issues,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    String,
    Object,
    Objects,
}

/// R4 `QuestionnaireResponse` (besides `resourceType`).
const ELEMENTS: &[(&str, Shape)] = &[
    ("id", Shape::String),
    ("meta", Shape::Object),
    ("implicitRules", Shape::String),
    ("language", Shape::String),
    ("text", Shape::Object),
    ("contained", Shape::Objects),
    ("extension", Shape::Objects),
    ("modifierExtension", Shape::Objects),
    ("identifier", Shape::Object),
    ("basedOn", Shape::Objects),
    ("partOf", Shape::Objects),
    ("questionnaire", Shape::String),
    ("status", Shape::String),
    ("subject", Shape::Object),
    ("encounter", Shape::Object),
    ("authored", Shape::String),
    ("author", Shape::Object),
    ("source", Shape::Object),
    ("item", Shape::Objects),
];

const ITEM: &[(&str, Shape)] = &[
    ("id", Shape::String),
    ("extension", Shape::Objects),
    ("modifierExtension", Shape::Objects),
    ("linkId", Shape::String),
    ("definition", Shape::String),
    ("text", Shape::String),
    ("answer", Shape::Objects),
    ("item", Shape::Objects),
];

const ANSWER: &[(&str, Shape)] = &[
    ("id", Shape::String),
    ("extension", Shape::Objects),
    ("modifierExtension", Shape::Objects),
    ("item", Shape::Objects),
];

const REFERENCE: &[&str] = &[
    "id",
    "extension",
    "reference",
    "type",
    "identifier",
    "display",
];

/// R4's answer types (`QuestionnaireResponse.item.answer.value[x]`).
const ANSWER_TYPES: &[&str] = &[
    "valueBoolean",
    "valueDecimal",
    "valueInteger",
    "valueDate",
    "valueDateTime",
    "valueTime",
    "valueString",
    "valueUri",
    "valueAttachment",
    "valueCoding",
    "valueQuantity",
    "valueReference",
];

const STATUSES: &[&str] = &[
    "in-progress",
    "completed",
    "amended",
    "entered-in-error",
    "stopped",
];

/// Unknown elements, and the shape of every known one but those in `read`
/// (checked as they are read, so each problem is reported once). `choices`
/// are the allowed `value[x]` names, also read by the caller.
fn check_elements(
    p: &mut Problems,
    obj: &Object,
    path: &str,
    type_name: &str,
    elements: &[(&str, Shape)],
    read: &[&str],
    choices: &[&str],
) {
    for (key, value) in obj {
        let here = format!("{path}.{key}");
        let base = key.strip_prefix('_').unwrap_or(key);
        if choices.contains(&base) {
            continue;
        }
        let Some(shape) = elements.iter().find(|(n, _)| *n == base).map(|(_, s)| *s) else {
            p.structure(&here, format!("unknown element '{key}' for {type_name}"));
            continue;
        };
        if key.starts_with('_') || read.contains(&key.as_str()) {
            continue;
        }
        match shape {
            Shape::String => _ = p.string(value, &here),
            Shape::Object => _ = p.object(value, &here),
            Shape::Objects => _ = p.objects(value, &here),
        }
    }
}

/// Modifier elements change the meaning of everything else; recording the
/// rest while dropping them would record something false.
fn refuse_modifiers(p: &mut Problems, obj: &Object, path: &str) {
    if obj.contains_key("modifierExtension") {
        p.add(
            UNPROCESSABLE,
            IssueCode::NotSupported,
            format!("{path}.modifierExtension"),
            "Tandem does not support modifier extensions on a QuestionnaireResponse",
        );
    }
    if obj.contains_key("implicitRules") {
        p.add(
            UNPROCESSABLE,
            IssueCode::NotSupported,
            format!("{path}.implicitRules"),
            "Tandem cannot apply implicit rules; send the resource without them",
        );
    }
}

/// Parses a posted `QuestionnaireResponse` against the instrument library.
pub fn parse_questionnaire_response(
    body: &[u8],
    library: &Library,
) -> Result<ParsedResponse, FhirError> {
    let resource = &crate::reading::resource_body(body, RESOURCE)?;

    let mut p = Problems::default();
    let mut fields = ELEMENTS.to_vec();
    fields.push(("resourceType", Shape::String));
    check_elements(
        &mut p,
        resource,
        RESOURCE,
        RESOURCE,
        &fields,
        &["questionnaire", "status", "subject", "authored", "item"],
        &[],
    );
    refuse_modifiers(&mut p, resource, RESOURCE);
    read_status(&mut p, resource);
    let instrument = read_questionnaire(&mut p, resource, library);
    let patient = read_subject(&mut p, resource);
    let authored = read_authored(&mut p, resource);
    let mut reader = Items {
        instrument,
        answers: Answers::new(),
        locations: BTreeMap::new(),
    };
    if let Some(items) = resource.get("item") {
        reader.items(&mut p, items, RESOURCE);
    }
    if let Some(e) = p.into_error() {
        return Err(e);
    }
    match (instrument, patient, authored) {
        (Some(i), Some(patient), Some(authored)) => Ok(ParsedResponse {
            instrument: i.id.clone(),
            patient,
            authored,
            answers: reader.answers,
            locations: reader.locations,
        }),
        // Each missing part reported an issue of its own above.
        _ => Err(FhirError::new(
            UNPROCESSABLE,
            IssueCode::Invalid,
            "the QuestionnaireResponse could not be read",
            None,
        )),
    }
}

fn read_status(p: &mut Problems, r: &Object) {
    let path = format!("{RESOURCE}.status");
    let Some(v) = r.get("status") else {
        p.add(
            MALFORMED,
            IssueCode::Required,
            path,
            "status is required; Tandem records completed responses (status \"completed\")",
        );
        return;
    };
    let Some(status) = p.string(v, &path) else {
        return;
    };
    if status == "completed" {
        return;
    }
    if STATUSES.contains(&status) {
        p.add(
            UNPROCESSABLE,
            IssueCode::BusinessRule,
            path,
            format!(
                "only completed responses are recorded (status \"completed\"), not \"{status}\""
            ),
        );
    } else {
        p.add(
            MALFORMED,
            IssueCode::Value,
            path,
            format!(
                "'{status}' is not a QuestionnaireResponse status; use one of {}",
                STATUSES.join(", ")
            ),
        );
    }
}

fn read_questionnaire<'l>(
    p: &mut Problems,
    r: &Object,
    library: &'l Library,
) -> Option<&'l Instrument> {
    let path = format!("{RESOURCE}.questionnaire");
    let Some(v) = r.get("questionnaire") else {
        p.add(
            UNPROCESSABLE,
            IssueCode::Required,
            path,
            "questionnaire is required: the canonical URL of the instrument answered, e.g. urn:tandem:questionnaire:phq9",
        );
        return None;
    };
    let canonical = p.string(v, &path)?;
    let id = canonical
        .strip_prefix(&canonical_url(""))
        .or_else(|| canonical.strip_prefix("Questionnaire/"));
    let found = id.and_then(|id| library.get(id));
    if found.is_none() {
        p.add(
            UNPROCESSABLE,
            IssueCode::NotFound,
            path,
            format!(
                "'{canonical}' is not a questionnaire this server knows; use the url of one listed at /fhir/r4/Questionnaire"
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
            "subject is required: the patient who answered, as {\"reference\": \"Patient/<id>\"}",
        );
        return None;
    };
    let subject = p.object(v, &path)?;
    p.known_elements(subject, &path, "Reference", REFERENCE);
    if let Some(t) = p.string_at(subject, "type", &path)
        && t != "Patient"
    {
        p.add(
            UNPROCESSABLE,
            IssueCode::Value,
            format!("{path}.type"),
            format!("the subject must be a Patient, not {t}"),
        );
        return None;
    }
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

fn read_authored(p: &mut Problems, r: &Object) -> Option<OffsetDateTime> {
    let path = format!("{RESOURCE}.authored");
    let Some(v) = r.get("authored") else {
        p.add(
            UNPROCESSABLE,
            IssueCode::Required,
            path,
            "authored is required: when the patient answered, with time of day and zone, e.g. 2026-11-22T10:30:00-05:00",
        );
        return None;
    };
    let text = p.string(v, &path)?;
    match instant::parse_date_time(text) {
        Ok(t) => Some(t),
        Err(instant::DateTimeProblem::NoTime) => {
            p.add(
                UNPROCESSABLE,
                IssueCode::Value,
                path,
                format!(
                    "'{text}' has no time of day; send when the patient answered with time and zone, e.g. 2026-11-22T10:30:00-05:00"
                ),
            );
            None
        }
        Err(instant::DateTimeProblem::NotDateTime) => {
            p.add(
                MALFORMED,
                IssueCode::Value,
                path,
                format!("'{text}' is not a FHIR dateTime; expected e.g. 2026-11-22T10:30:00-05:00"),
            );
            None
        }
    }
}

/// Walks items and their nested items, collecting answers.
struct Items<'i> {
    instrument: Option<&'i Instrument>,
    answers: Answers,
    locations: BTreeMap<String, String>,
}

impl Items<'_> {
    /// The `item` array found at `parent` (`QuestionnaireResponse`, a group
    /// item, or an answer).
    fn items(&mut self, p: &mut Problems, items: &Value, parent: &str) {
        for (position, item) in p.objects(items, &format!("{parent}.item")) {
            self.item(p, item, parent, &position);
        }
    }

    fn item(&mut self, p: &mut Problems, item: &Object, parent: &str, position: &str) {
        let link_id = match item.get("linkId") {
            Some(v) => p.string(v, &format!("{position}.linkId")),
            None => {
                p.add(
                    MALFORMED,
                    IssueCode::Required,
                    format!("{position}.linkId"),
                    "every item needs its linkId",
                );
                None
            }
        };
        // Issues name the item by linkId wherever it can be named.
        let path = match link_id {
            Some(id) => format!("{parent}.item.where(linkId={})", fhirpath_string(id)),
            None => position.to_string(),
        };
        check_elements(
            p,
            item,
            &path,
            "QuestionnaireResponse.item",
            ITEM,
            &["linkId", "answer", "item"],
            &[],
        );
        if item.contains_key("modifierExtension") {
            p.add(
                UNPROCESSABLE,
                IssueCode::NotSupported,
                format!("{path}.modifierExtension"),
                "Tandem does not support modifier extensions on a QuestionnaireResponse",
            );
        }
        let answers = match item.get("answer") {
            Some(v) => p.objects(v, &format!("{path}.answer")),
            None => Vec::new(),
        };
        let children = item.get("item");
        if let Some(children) = children {
            self.items(p, children, &path);
        }
        let Some(link_id) = link_id else { return };
        let Some(inst) = self.instrument else { return };
        let Some(defined) = inst.item(link_id) else {
            // A group: items of the instrument nested in an item of the
            // client's own, with no answer of its own.
            if children.is_some() && answers.is_empty() {
                return;
            }
            p.add(
                UNPROCESSABLE,
                IssueCode::Value,
                path,
                format!("item '{link_id}' is not part of {}", inst.name),
            );
            return;
        };
        if answers.len() > 1 {
            p.add(
                UNPROCESSABLE,
                IssueCode::Value,
                format!("{path}.answer"),
                format!("item '{link_id}' takes one answer, not {}", answers.len()),
            );
        }
        let mut code = None;
        for (answer_path, answer) in &answers {
            if let Some(c) = self.answer(p, inst, defined, answer, answer_path, &path) {
                code = code.or(Some(c));
            }
        }
        if answers.len() > 1 {
            return;
        }
        // No answer: not answered. Scoring says whether it had to be.
        let Some(code) = code else { return };
        if self.answers.contains_key(link_id) {
            p.add(
                UNPROCESSABLE,
                IssueCode::Value,
                path,
                format!("item '{link_id}' is answered more than once"),
            );
            return;
        }
        self.answers.insert(link_id.to_string(), code);
        self.locations.insert(link_id.to_string(), path);
    }

    /// One answer's code among the item's options.
    fn answer(
        &mut self,
        p: &mut Problems,
        inst: &Instrument,
        item: &tandem_core::instrument::definition::Item,
        answer: &Object,
        path: &str,
        item_path: &str,
    ) -> Option<String> {
        check_elements(
            p,
            answer,
            path,
            "QuestionnaireResponse.item.answer",
            ANSWER,
            &["item"],
            ANSWER_TYPES,
        );
        let values: Vec<&str> = answer
            .keys()
            .map(String::as_str)
            .filter(|k| ANSWER_TYPES.contains(k))
            .collect();
        if answer.contains_key("modifierExtension") {
            p.add(
                UNPROCESSABLE,
                IssueCode::NotSupported,
                format!("{path}.modifierExtension"),
                "Tandem does not support modifier extensions on a QuestionnaireResponse",
            );
        }
        if let Some(nested) = answer.get("item") {
            // Items nested under an answer are flattened like groups.
            let parent = path.to_string();
            self.items(p, nested, &parent);
        }
        let options = inst.options(item);
        let offered = || {
            options
                .iter()
                .map(|o| format!("{} ({})", o.code, o.label))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (key, value) = match values.as_slice() {
            [] => {
                p.add(
                    UNPROCESSABLE,
                    IssueCode::Required,
                    item_path,
                    format!("item '{}': the answer has no value", item.id),
                );
                return None;
            }
            [one] => (*one, &answer[*one]),
            _ => {
                p.structure(
                    path,
                    format!("an answer has one value[x], not {}", values.len()),
                );
                return None;
            }
        };
        let value_path = format!("{path}.{key}");
        match key {
            "valueCoding" => {
                let coding = p.object(value, &value_path)?;
                p.known_elements(coding, &value_path, "Coding", crate::reading::CODING);
                let system = p.string_at(coding, "system", &value_path);
                let code = p.string_at(coding, "code", &value_path);
                let expected = answer_system(&inst.id);
                if let Some(s) = system
                    && s != expected
                {
                    p.add(
                        UNPROCESSABLE,
                        IssueCode::Value,
                        item_path,
                        format!(
                            "item '{}': answer codes of {} are in the system {expected}, not {s}",
                            item.id, inst.name
                        ),
                    );
                    return None;
                }
                let Some(code) = code else {
                    if !coding.contains_key("code") {
                        p.add(
                            UNPROCESSABLE,
                            IssueCode::Required,
                            item_path,
                            format!("item '{}': the answer's coding has no code", item.id),
                        );
                    }
                    return None;
                };
                if options.iter().any(|o| o.code == code) {
                    Some(code.to_string())
                } else {
                    p.add(
                        UNPROCESSABLE,
                        IssueCode::Value,
                        item_path,
                        format!(
                            "item '{}': '{code}' is not one of its answers: {}",
                            item.id,
                            offered()
                        ),
                    );
                    None
                }
            }
            "valueInteger" => {
                let n = p.integer(value, &value_path)?;
                let matching: Vec<_> = options.iter().filter(|o| i64::from(o.score) == n).collect();
                match matching.as_slice() {
                    [one] => Some(one.code.clone()),
                    [] => {
                        p.add(
                            UNPROCESSABLE,
                            IssueCode::Value,
                            item_path,
                            format!(
                                "item '{}': no answer scores {n}; its answers are {}",
                                item.id,
                                offered()
                            ),
                        );
                        None
                    }
                    _ => {
                        p.add(
                            UNPROCESSABLE,
                            IssueCode::Value,
                            item_path,
                            format!(
                                "item '{}': several answers score {n}, so a number cannot say which; send valueCoding with one of {}",
                                item.id,
                                offered()
                            ),
                        );
                        None
                    }
                }
            }
            "valueBoolean" => {
                let b = p.boolean(value, &value_path)?;
                let yes_no = options.len() == 2
                    && options.iter().any(|o| o.code == "yes")
                    && options.iter().any(|o| o.code == "no");
                if yes_no {
                    Some(if b { "yes" } else { "no" }.to_string())
                } else {
                    p.add(
                        UNPROCESSABLE,
                        IssueCode::Value,
                        item_path,
                        format!(
                            "item '{}' is not a yes/no question; send valueCoding with one of {}",
                            item.id,
                            offered()
                        ),
                    );
                    None
                }
            }
            other => {
                p.add(
                    UNPROCESSABLE,
                    IssueCode::Value,
                    item_path,
                    format!(
                        "item '{}' is a choice: send valueCoding (or valueInteger for the score), not {other}",
                        item.id
                    ),
                );
                None
            }
        }
    }
}

/// What the API shows of a stored response.
#[derive(Clone, Debug)]
pub struct ResponseView<'a> {
    pub id: ResponseId,
    pub patient: PatientId,
    /// The instrument's id, and its definition when the library still has it.
    pub instrument_id: &'a str,
    pub instrument: Option<&'a Instrument>,
    pub authored: OffsetDateTime,
    pub answers: &'a Answers,
    /// Who entered it; `None` for seeded data.
    pub recorded_by: Option<UserId>,
    pub recorded_at: OffsetDateTime,
}

/// A stored response as R4 JSON: answers as `valueCoding` in the
/// instrument's answer system, in the instrument's item order.
pub fn response_to_json(r: &ResponseView) -> Value {
    let mut q = Map::new();
    q.insert("resourceType".into(), json!(RESOURCE));
    q.insert("id".into(), json!(r.id.to_string()));
    q.insert(
        "meta".into(),
        json!({"lastUpdated": instant::instant(r.recorded_at)}),
    );
    q.insert(
        "questionnaire".into(),
        json!(canonical_url(r.instrument_id)),
    );
    q.insert("status".into(), json!("completed"));
    q.insert(
        "subject".into(),
        json!({"reference": format!("Patient/{}", r.patient)}),
    );
    q.insert("authored".into(), json!(instant::instant(r.authored)));
    if let Some(by) = r.recorded_by {
        q.insert(
            "author".into(),
            json!({"reference": format!("Practitioner/{by}")}),
        );
    }
    let system = answer_system(r.instrument_id);
    let item_json = |link_id: &str, code: &str| {
        let defined = r.instrument.and_then(|i| i.item(link_id));
        let option = r
            .instrument
            .zip(defined)
            .and_then(|(i, item)| i.options(item).iter().find(|o| o.code == code));
        let mut coding = Map::new();
        coding.insert("system".into(), json!(system));
        coding.insert("code".into(), json!(code));
        if let Some(o) = option.filter(|o| !o.label.trim().is_empty()) {
            coding.insert("display".into(), json!(o.label));
        }
        let mut it = Map::new();
        it.insert("linkId".into(), json!(link_id));
        if let Some(d) = defined.filter(|d| !d.text.trim().is_empty()) {
            it.insert("text".into(), json!(d.text));
        }
        it.insert("answer".into(), json!([{"valueCoding": coding}]));
        Value::Object(it)
    };
    let mut items = Vec::new();
    // The instrument's order first, then anything it no longer defines.
    if let Some(i) = r.instrument {
        for defined in &i.items {
            if let Some(code) = r.answers.get(&defined.id) {
                items.push(item_json(&defined.id, code));
            }
        }
    }
    for (link_id, code) in r.answers {
        if r.instrument.and_then(|i| i.item(link_id)).is_none() {
            items.push(item_json(link_id, code));
        }
    }
    if !items.is_empty() {
        q.insert("item".into(), Value::Array(items));
    }
    Value::Object(q)
}
