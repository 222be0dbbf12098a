//! `MedicationAdministration` (read, search): the opioid treatment
//! program's dosing log. Doses are recorded on the dosing page.

use super::{
    Bearer, Outcome, err, fhir, none_if_unknown, patient_param, read_search, required_patient,
    resource_id, unknown_param,
};
use crate::AppState;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use tandem_app::DoseRecord;
use tandem_core::ids::DoseRecordId;
use tandem_core::patient::parse_date;
use tandem_fhir::medication_administration::{
    AdministrationView, medication_administration_to_json, parse_status,
};
use tandem_fhir::outcome::IssueCode;

const RESOURCE: &str = "MedicationAdministration";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/MedicationAdministration", get(search))
        .route("/MedicationAdministration/{id}", get(read))
}

pub fn administration_json(d: &DoseRecord) -> Value {
    medication_administration_to_json(&AdministrationView {
        id: d.id,
        patient: d.patient,
        order: d.order,
        drug: d.drug,
        drug_name: &d.drug_name,
        on: d.on,
        entry: &d.entry,
        given_at: d.given_at,
        note: d.note.as_deref(),
        performer: d.by,
        performer_name: &d.by_name,
        recorded_at: d.recorded_at,
    })
}

async fn read(State(s): State<AppState>, Bearer(c): Bearer, Path(id): Path<String>) -> Response {
    let run = async {
        let did: DoseRecordId = resource_id(RESOURCE, &id)?;
        let d = s.app.read_dose(&c, did).await?;
        Ok::<_, Outcome>(fhir(StatusCode::OK, &administration_json(&d)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn search(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let mut patient = None;
        let mut given = None;
        let mut on = None;
        let search = read_search(raw.as_deref(), |k, v| match k {
            "patient" => patient_param(k, v, &mut patient),
            "status" => {
                given = Some(parse_status(v).map_err(Outcome)?);
                Ok(())
            }
            "effective-time" => {
                let day = v.strip_prefix("eq").unwrap_or(v);
                on = Some(parse_date(day).ok_or_else(|| {
                    err(
                        400,
                        IssueCode::Value,
                        "effective-time takes one day, YYYY-MM-DD (or eqYYYY-MM-DD)",
                        Some("effective-time"),
                    )
                })?);
                Ok(())
            }
            _ => Err(unknown_param(k, RESOURCE)),
        })?;
        let pid = required_patient(patient, RESOURCE)?;
        let all =
            none_if_unknown(s.app.search_doses(&c, pid, given, on).await)?.unwrap_or_default();
        Ok::<_, Outcome>(search.page_bundle(&headers, RESOURCE, &all, administration_json))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}
