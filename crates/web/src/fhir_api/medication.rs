//! `MedicationRequest` (create, read, search) and `DetectedIssue` (read,
//! search). A posted order goes through the same safety check as the
//! prescribing page; a contraindication is refused (422) naming the drugs,
//! the rule and why, unless `X-Tandem-Override-Reason` gives a reason.

use super::{
    Bearer, Outcome, base, check_content_type, err, fhir, none_if_unknown, patient_param,
    read_search, required_patient, resource_id, unknown_param, write_refused,
};
use crate::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use tandem_app::{AppError, DetectedIssue, MedicationOrder, OrderOutcome};
use tandem_core::ids::{DetectedIssueId, MedicationOrderId};
use tandem_core::medication::prescription::OrderStatus;
use tandem_fhir::medication_request::{
    DetectedIssueView, DoseStepView, MEDICATION_EXPRESSION, MedicationRequestView, contraindicated,
    detected_issue_to_json, medication_request_to_json, parse_medication_request,
};
use tandem_fhir::outcome::{Issue, IssueCode};

/// The header that overrides a contraindication, with the reason.
pub const OVERRIDE_HEADER: &str = "x-tandem-override-reason";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/MedicationRequest", get(search_orders).post(create_order))
        .route("/MedicationRequest/{id}", get(read_order))
        .route("/DetectedIssue", get(search_issues))
        .route("/DetectedIssue/{id}", get(read_issue))
}

pub fn order_json(o: &MedicationOrder) -> Value {
    let mut steps: Vec<DoseStepView> = o
        .history
        .iter()
        .filter(|s| s.kind.sets_dose())
        .filter_map(|s| s.dose.map(|dose| DoseStepView { on: s.on, dose }))
        .collect();
    steps.sort_by_key(|s| s.on);
    medication_request_to_json(&MedicationRequestView {
        id: o.id,
        patient: o.patient,
        drug: o.drug,
        drug_name: &o.drug_name,
        route: o.route,
        frequency: o.frequency,
        sig: &o.sig,
        status: o.status,
        status_reason: o.status_reason.as_deref(),
        steps,
        end: o.stopped_on.or(o.ends_on),
        prescriber: o.prescriber,
        prescriber_name: &o.prescriber_name,
        indication: o.indication.as_ref().map(|i| (i.id, i.display.as_str())),
        issues: o.issues.iter().map(|i| i.id).collect(),
        authored: o.created_at,
        updated: o.updated_at,
        version: o.version,
    })
}

pub fn issue_json(i: &DetectedIssue) -> Value {
    detected_issue_to_json(&DetectedIssueView {
        id: i.id,
        patient: i.patient,
        severity: i.severity,
        rule_id: &i.rule_id,
        kind: &i.kind,
        drugs: &i.drugs,
        detail: &i.detail,
        advice: &i.advice,
        verified: i.verified,
        implicated: &i.implicated,
        override_reason: i.override_reason.as_deref(),
        identified_by: i.identified_by,
        identified_at: i.identified_at,
    })
}

/// A refused order, naming the element each problem concerns.
fn order_refused(e: AppError) -> Outcome {
    write_refused(e, "MedicationRequest", |field, message| {
        let expression = match field {
            "drug" => Some(MEDICATION_EXPRESSION.to_string()),
            "indication" => Some("MedicationRequest.reasonReference[0]".into()),
            "sig" => Some("MedicationRequest.dosageInstruction[0].text".into()),
            "start" => Some(
                "MedicationRequest.dosageInstruction[0].timing.repeat.boundsPeriod.start".into(),
            ),
            "first_day_total" | "dose" => {
                Some("MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity".into())
            }
            // The override reason travels in a header, not an element.
            _ => None,
        };
        let message = if field == "override_reason" {
            format!("{OVERRIDE_HEADER}: {message}")
        } else {
            message.to_string()
        };
        Issue::error(IssueCode::Invalid, message, expression)
    })
}

async fn create_order(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = async {
        check_content_type(&headers)?;
        let parsed = parse_medication_request(
            &body,
            &s.app.medication_safety().catalog,
            s.app.clock().today(),
        )
        .map_err(Outcome)?;
        let over = match headers.get(OVERRIDE_HEADER) {
            Some(v) => Some(v.to_str().map_err(|_| {
                err(
                    400,
                    IssueCode::Invalid,
                    format!("{OVERRIDE_HEADER} must be plain text"),
                    None,
                )
            })?),
            None => None,
        };
        let outcome = s
            .app
            .place_order(&c, parsed.patient, &parsed.order, over)
            .await
            .map_err(order_refused)?;
        match outcome {
            OrderOutcome::Stopped { contraindications } => {
                Err(Outcome(contraindicated(&contraindications)))
            }
            OrderOutcome::Placed { order, .. } => {
                let mut r = fhir(StatusCode::CREATED, &order_json(&order));
                let location = format!("{}/MedicationRequest/{}", base(&headers), order.id);
                if let Ok(v) = HeaderValue::from_str(&location) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                Ok(r)
            }
        }
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn read_order(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        let oid: MedicationOrderId = resource_id("MedicationRequest", &id)?;
        let o = s
            .app
            .read_medication_order(&c, oid)
            .await
            .map_err(|e| match e {
                AppError::NotFound(_) => err(
                    404,
                    IssueCode::NotFound,
                    format!("MedicationRequest/{id} not found"),
                    None,
                ),
                other => other.into(),
            })?;
        Ok::<_, Outcome>(fhir(StatusCode::OK, &order_json(&o)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn search_orders(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let mut patient = None;
        let mut status = None;
        let search = read_search(raw.as_deref(), |k, v| match k {
            "patient" | "subject" => patient_param(k, v, &mut patient),
            "status" => {
                status = Some(OrderStatus::parse(v).ok_or_else(|| {
                    let msg =
                        format!("status must be active, on-hold, stopped or completed (got {v:?})");
                    err(400, IssueCode::Invalid, msg, None)
                })?);
                Ok(())
            }
            _ => Err(unknown_param(k, "MedicationRequest")),
        })?;
        let pid = required_patient(patient, "MedicationRequest")?;
        let all = none_if_unknown(s.app.search_medication_orders(&c, pid, status).await)?
            .unwrap_or_default();
        Ok::<_, Outcome>(search.page_bundle(&headers, "MedicationRequest", &all, order_json))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn read_issue(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        let iid: DetectedIssueId = resource_id("DetectedIssue", &id)?;
        let i = s.app.read_detected_issue(&c, iid).await?;
        Ok::<_, Outcome>(fhir(StatusCode::OK, &issue_json(&i)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn search_issues(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let mut patient = None;
        let search = read_search(raw.as_deref(), |k, v| match k {
            "patient" => patient_param(k, v, &mut patient),
            _ => Err(unknown_param(k, "DetectedIssue")),
        })?;
        let pid = required_patient(patient, "DetectedIssue")?;
        let all = none_if_unknown(s.app.detected_issues(&c, pid).await)?.unwrap_or_default();
        Ok::<_, Outcome>(search.page_bundle(&headers, "DetectedIssue", &all, issue_json))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}
