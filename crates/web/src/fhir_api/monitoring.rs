//! Laboratory `Observation`s: lab results and urine drug screens, read by
//! id and searched by `patient` (and `code`) with `category=laboratory`.
//!
//! Measurement scores (category survey) and laboratory Observations share
//! `/Observation`, and are searched separately: a search without a
//! category, or with `category=survey`, lists scores as it always has; a
//! search with `category=laboratory` lists labs and screens. A read by id
//! finds either kind. `/Observation` is one route, so the measurement
//! handlers hand laboratory requests to `search_labs` and `read_lab`.

use super::{
    Outcome, err, fhir, none_if_unknown, params, patient_param, read_search, required_patient,
    unknown_param,
};
use crate::AppState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tandem_app::{Caller, LabObservation};
use tandem_core::monitoring::Analyte;
use tandem_fhir::lab_observation::{
    LAB_SYSTEM, LabView, RangeView, SCREEN_CODE, ScreenView, analyte_codes, lab_to_json,
    screen_to_json,
};
use tandem_fhir::outcome::IssueCode;
use uuid::Uuid;

pub fn observation_json(o: &LabObservation) -> Value {
    match o {
        LabObservation::Lab(l) => {
            let text = l
                .range
                .as_ref()
                .map(|r| format!("{} ({})", r.note, r.source));
            lab_to_json(&LabView {
                id: l.id.0,
                patient: l.patient,
                analyte: l.analyte,
                value: l.value,
                effective: l.effective,
                issued: l.recorded_at,
                range: l
                    .range
                    .as_ref()
                    .zip(text.as_deref())
                    .map(|(r, text)| RangeView {
                        low: r.low,
                        high: r.high,
                        text,
                    }),
                reading: l.reading,
            })
        }
        LabObservation::Screen(s) => screen_to_json(&ScreenView {
            id: s.id.0,
            patient: s.patient,
            panel: &s.panel,
            issued: s.recorded_at,
        }),
    }
}

/// `laboratory`, with or without the HL7 category system.
fn category(v: &str) -> &str {
    v.rsplit('|').next().unwrap_or(v)
}

/// Whether a search asks for the laboratory category.
pub fn wants_laboratory(raw: Option<&str>) -> bool {
    params(raw)
        .iter()
        .any(|(k, v)| k == "category" && category(v) == "laboratory")
}

/// Whether a laboratory Observation has the code searched for.
fn has_code(o: &LabObservation, system: Option<&str>, code: &str) -> bool {
    let codes: Vec<(&str, &str)> = match o {
        LabObservation::Lab(l) => analyte_codes(l.analyte),
        LabObservation::Screen(_) => vec![(LAB_SYSTEM, SCREEN_CODE)],
    };
    codes
        .iter()
        .any(|(s, c)| *c == code && system.is_none_or(|want| want == *s))
}

fn code_param(v: &str) -> Result<(Option<String>, String), Outcome> {
    let (system, code) = match v.split_once('|') {
        Some((s, c)) => (Some(s.to_string()), c),
        None => (None, v),
    };
    let known = code == SCREEN_CODE
        || Analyte::ALL
            .iter()
            .any(|a| a.code() == code || a.loinc() == Some(code));
    if !known {
        let msg = format!("code must be a laboratory code Tandem records (got {v:?})");
        return Err(err(400, IssueCode::Invalid, msg, None));
    }
    Ok((system, code.to_string()))
}

/// `GET /Observation?category=laboratory&patient=…[&code=…]`, latest first.
pub async fn search_labs(
    s: &AppState,
    c: &Caller,
    raw: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    let run = async {
        let mut patient = None;
        let mut code = None;
        let search = read_search(raw, |k, v| match k {
            "patient" | "subject" => patient_param(k, v, &mut patient),
            "category" if category(v) == "laboratory" => Ok(()),
            "category" => Err(err(
                400,
                IssueCode::NotSupported,
                "search one category at a time: survey or laboratory",
                None,
            )),
            "code" => {
                code = Some(code_param(v)?);
                Ok(())
            }
            _ => Err(unknown_param(k, "Observation")),
        })?;
        let pid = required_patient(patient, "Observation")?;
        let mut all = none_if_unknown(s.app.lab_observations(c, pid).await)?.unwrap_or_default();
        if let Some((system, code)) = &code {
            all.retain(|o| has_code(o, system.as_deref(), code));
        }
        Ok::<_, Outcome>(search.page_bundle(headers, "Observation", &all, observation_json))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /Observation/{id}` for an id that is not a score.
pub async fn read_lab(s: &AppState, c: &Caller, id: Uuid) -> Result<Response, Outcome> {
    let o = s.app.read_lab_observation(c, id).await?;
    Ok(fhir(StatusCode::OK, &observation_json(&o)))
}

/// A refused lab result or drug screen, naming the element each problem
/// concerns.
fn lab_refused(e: tandem_app::AppError) -> Outcome {
    super::write_refused(e, "Observation", |field, message| {
        let element = match field {
            "value" => "Observation.valueQuantity.value",
            "effective" | "collected" => "Observation.effectiveDateTime",
            "analyte" => "Observation.code",
            _ => "Observation.component",
        };
        tandem_fhir::outcome::Issue::error(
            IssueCode::Invalid,
            message.to_string(),
            Some(element.into()),
        )
    })
}

/// `POST /Observation`: a lab result or a urine drug screen, told apart by
/// its code. Answered 201 with the stored Observation (a lab result judged
/// against its range).
pub async fn create_lab(
    axum::extract::State(s): axum::extract::State<AppState>,
    super::Bearer(c): super::Bearer,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    use tandem_fhir::lab_observation::{PostedLabObservation, parse_posted};
    let run = async {
        super::check_content_type(&headers)?;
        let stored = match parse_posted(&body).map_err(Outcome)? {
            PostedLabObservation::Lab(p) => LabObservation::Lab(
                s.app
                    .record_lab(&c, p.patient, &p.input)
                    .await
                    .map_err(lab_refused)?,
            ),
            PostedLabObservation::Screen(p) => LabObservation::Screen(
                s.app
                    .record_drug_screen(&c, p.patient, &p.input)
                    .await
                    .map_err(lab_refused)?,
            ),
        };
        let id = match &stored {
            LabObservation::Lab(l) => l.id.0,
            LabObservation::Screen(s) => s.id.0,
        };
        let mut r = fhir(StatusCode::CREATED, &observation_json(&stored));
        let location = format!("{}/Observation/{id}", super::base(&headers));
        if let Ok(v) = axum::http::HeaderValue::from_str(&location) {
            r.headers_mut().insert(axum::http::header::LOCATION, v);
        }
        Ok::<_, Outcome>(r)
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}
