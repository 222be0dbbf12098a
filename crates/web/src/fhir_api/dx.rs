//! `Condition` (create, read, search) and `EpisodeOfCare` (read, search).

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
use tandem_app::{AppError, Caller, Condition, EpisodeOfCare};
use tandem_core::diagnosis::ClinicalStatus;
use tandem_core::ids::{ConditionId, EpisodeId, PatientId};
use tandem_fhir::condition::{ConditionView, ICD10CM_SYSTEM, condition_to_json, field_expression};
use tandem_fhir::episode_of_care::{EpisodeView, episode_to_json};
use tandem_fhir::outcome::{Issue, IssueCode};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/Condition", get(search_conditions).post(create_condition))
        .route("/Condition/{id}", get(read_condition))
        .route("/EpisodeOfCare", get(search_episodes))
        .route("/EpisodeOfCare/{id}", get(read_episode))
}

fn condition_json(s: &AppState, c: &Condition) -> Value {
    let snomed = s
        .app
        .diagnosis_list()
        .get(&c.code)
        .and_then(|d| d.snomed.as_ref())
        .map(|sn| (sn.code.as_str(), sn.display.as_str()));
    condition_to_json(&ConditionView {
        id: c.id,
        patient: c.patient_id,
        code: &c.code,
        display: &c.display,
        snomed,
        rank: c.rank,
        clinical_status: c.clinical_status,
        onset: c.onset_on,
        note: c.note.as_deref(),
        recorded_by: c.recorded_by,
        recorded_at: c.recorded_at,
        updated_at: c.updated_at,
    })
}

/// A refused Condition, naming the element the app's field stands for.
fn refused(e: AppError) -> Outcome {
    write_refused(e, "Condition", |field, message| {
        Issue::error(
            IssueCode::Invalid,
            message.to_string(),
            Some(field_expression(field)),
        )
    })
}

async fn create_condition(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = async {
        check_content_type(&headers)?;
        let parsed = tandem_fhir::condition::parse_condition(
            &body,
            s.app.diagnosis_list(),
            s.app.clock().today(),
        )
        .map_err(Outcome)?;
        let saved = s
            .app
            .add_diagnosis(&c, parsed.patient, &parsed.input)
            .await
            .map_err(refused)?;
        let mut r = fhir(StatusCode::CREATED, &condition_json(&s, &saved));
        let location = format!("{}/Condition/{}", base(&headers), saved.id);
        if let Ok(v) = HeaderValue::from_str(&location) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        Ok::<_, Outcome>(r)
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn read_condition(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        let cid: ConditionId = resource_id("Condition", &id)?;
        let found = s.app.read_condition(&c, cid).await?;
        Ok::<_, Outcome>(fhir(StatusCode::OK, &condition_json(&s, &found)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `clinical-status`: one or more of active, remission, resolved.
fn statuses_param(v: &str, into: &mut Vec<ClinicalStatus>) -> Result<(), Outcome> {
    for code in v.split(',') {
        let code = code.rsplit('|').next().unwrap_or(code);
        let st = code.parse::<ClinicalStatus>().map_err(|()| {
            let msg = format!(
                "clinical-status must be active, remission or resolved (got {code:?}); Tandem records no other"
            );
            err(400, IssueCode::Invalid, msg, None)
        })?;
        if !into.contains(&st) {
            into.push(st);
        }
    }
    Ok(())
}

/// `code`: `F33.1` or `http://hl7.org/fhir/sid/icd-10-cm|F33.1`.
fn icd_param(v: &str) -> Result<String, Outcome> {
    let (system, code) = match v.split_once('|') {
        Some((s, c)) => (Some(s), c),
        None => (None, v),
    };
    if let Some(sys) = system.filter(|s| !s.is_empty() && *s != ICD10CM_SYSTEM) {
        let msg = format!("Tandem codes diagnoses in {ICD10CM_SYSTEM}, not {sys}");
        return Err(err(400, IssueCode::NotSupported, msg, None));
    }
    let code = tandem_core::diagnosis::normalize_code(code);
    if code.is_empty() || code.contains(',') {
        let msg = format!(
            "code must be one ICD-10-CM code, as system|code or the code alone (got {v:?})"
        );
        return Err(err(400, IssueCode::Invalid, msg, None));
    }
    Ok(code)
}

async fn search_conditions(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let mut patient = None;
        let mut statuses = Vec::new();
        let mut code = None;
        let search = read_search(raw.as_deref(), |k, v| match k {
            "patient" | "subject" => patient_param(k, v, &mut patient),
            "clinical-status" => statuses_param(v, &mut statuses),
            "code" => {
                if code.is_some() {
                    let msg = "give one code parameter";
                    return Err(err(400, IssueCode::NotSupported, msg, None));
                }
                code = Some(icd_param(v)?);
                Ok(())
            }
            _ => Err(unknown_param(k, "Condition")),
        })?;
        let pid = required_patient(patient, "Condition")?;
        let all = none_if_unknown(
            s.app
                .search_conditions(&c, pid, &statuses, code.as_deref())
                .await,
        )?
        .unwrap_or_default();
        Ok::<_, Outcome>(search.page_bundle(&headers, "Condition", &all, |x| condition_json(&s, x)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// The episodes as FHIR, with the patient's ranked active diagnoses on the
/// open one and the care manager.
async fn episodes_json(
    s: &AppState,
    c: &Caller,
    patient: PatientId,
    list: &[EpisodeOfCare],
) -> Result<Vec<Value>, Outcome> {
    let any_open = list.iter().any(EpisodeOfCare::is_open);
    let active: Vec<ConditionId> = if any_open {
        s.app
            .search_conditions(c, patient, &[ClinicalStatus::Active], None)
            .await?
            .iter()
            .map(|x| x.id)
            .collect()
    } else {
        Vec::new()
    };
    let manager = if any_open {
        s.app.care_manager_of(c, patient).await?
    } else {
        None
    };
    Ok(list
        .iter()
        .map(|e| {
            let program = e.program.as_deref().map(|id| {
                let name = s.app.programs().get(id).map_or(id, |p| p.name.as_str());
                (id, name)
            });
            episode_to_json(&EpisodeView {
                id: e.id,
                patient: e.patient_id,
                started_on: e.started_on,
                ended_on: e.ended_on,
                program,
                level: e.level,
                diagnoses: if e.is_open() { active.clone() } else { vec![] },
                care_manager: manager
                    .as_ref()
                    .filter(|_| e.is_open())
                    .map(|m| (m.user_id, m.display_name.as_str())),
            })
        })
        .collect())
}

async fn read_episode(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        let eid: EpisodeId = resource_id("EpisodeOfCare", &id)?;
        let e = s.app.read_episode(&c, eid).await?;
        let json = episodes_json(&s, &c, e.patient_id, std::slice::from_ref(&e)).await?;
        let body = json
            .into_iter()
            .next()
            .ok_or_else(|| err(404, IssueCode::NotFound, "EpisodeOfCare not found", None))?;
        Ok::<_, Outcome>(fhir(StatusCode::OK, &body))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn search_episodes(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let mut patient = None;
        let mut open = None;
        let search = read_search(raw.as_deref(), |k, v| match k {
            "patient" => patient_param(k, v, &mut patient),
            "status" => {
                open = Some(match v {
                    "active" => true,
                    "finished" => false,
                    _ => {
                        let msg = format!(
                            "status must be active or finished (got {v:?}); Tandem's episodes are one or the other"
                        );
                        return Err(err(400, IssueCode::Invalid, msg, None));
                    }
                });
                Ok(())
            }
            _ => Err(unknown_param(k, "EpisodeOfCare")),
        })?;
        let pid = required_patient(patient, "EpisodeOfCare")?;
        let all = none_if_unknown(s.app.search_episodes(&c, pid, open).await)?.unwrap_or_default();
        let page: Vec<EpisodeOfCare> = search.page(&all).cloned().collect();
        let entries = episodes_json(&s, &c, pid, &page).await?;
        Ok::<_, Outcome>(search.bundle(&headers, "EpisodeOfCare", all.len() as u64, entries))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}
