//! `CarePlan` and `Goal`: read and search by patient.

use super::{
    Bearer, Outcome, Paging, err, fhir, none_if_unknown, patient_param, read_search,
    required_patient, resource_id, unknown_param,
};
use crate::AppState;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use tandem_app::{CarePlanView, GoalView};
use tandem_core::ids::{CarePlanId, GoalId};
use tandem_fhir::care_plan::{CarePlanResource, care_plan_to_json, status};
use tandem_fhir::goal::{GoalResource, goal_to_json, lifecycle_status};
use tandem_fhir::outcome::IssueCode;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/CarePlan", get(search_care_plans))
        .route("/CarePlan/{id}", get(read_care_plan))
        .route("/Goal", get(search_goals))
        .route("/Goal/{id}", get(read_goal))
}

fn plan_json(s: &AppState, v: &CarePlanView) -> Value {
    let name = |u| v.name(u);
    care_plan_to_json(&CarePlanResource {
        id: v.plan.id,
        patient: v.plan.patient_id,
        created: v.plan.created_at,
        current: &v.current,
        signed: v.signed.as_ref(),
        name: &name,
        library: s.app.instruments(),
    })
}

fn goal_json(s: &AppState, g: &GoalView) -> Value {
    goal_to_json(&GoalResource {
        patient: g.patient,
        goal: &g.goal,
        problem: g.problem.as_ref(),
        current: g.current,
        version: g.version,
        library: s.app.instruments(),
    })
}

fn page<T>(list: Vec<T>, p: &Paging) -> (u64, Vec<T>) {
    let total = list.len() as u64;
    let kept = list
        .into_iter()
        .skip(p.offset as usize)
        .take(p.count as usize)
        .collect();
    (total, kept)
}

async fn read_care_plan(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        let pid: CarePlanId = resource_id("CarePlan", &id)?;
        let v = s.app.read_care_plan(&c, pid).await?;
        Ok::<_, Outcome>(fhir(StatusCode::OK, &plan_json(&s, &v)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn search_care_plans(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let mut patient = None;
        let mut wanted: Option<String> = None;
        let search = read_search(raw.as_deref(), |k, v| match k {
            "patient" | "subject" => patient_param(k, v, &mut patient),
            "status" => match v {
                "active" | "draft" => {
                    wanted = Some(v.to_string());
                    Ok(())
                }
                _ => Err(err(
                    400,
                    IssueCode::Invalid,
                    format!("status must be active or draft (got {v:?})"),
                    None,
                )),
            },
            _ => Err(unknown_param(k, "CarePlan")),
        })?;
        let pid = required_patient(patient, "CarePlan")?;
        let list = none_if_unknown(s.app.search_care_plans(&c, pid).await)?.unwrap_or_default();
        let list: Vec<CarePlanView> = list
            .into_iter()
            .filter(|v| wanted.as_deref().is_none_or(|w| status(&v.current) == w))
            .collect();
        let (total, list) = page(list, &search.paging);
        let entries = list.iter().map(|v| plan_json(&s, v)).collect();
        Ok::<_, Outcome>(search.bundle(&headers, "CarePlan", total, entries))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

async fn read_goal(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        let gid: GoalId = resource_id("Goal", &id)?;
        let g = s.app.read_goal(&c, gid).await?;
        Ok::<_, Outcome>(fhir(StatusCode::OK, &goal_json(&s, &g)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

const LIFECYCLE: [&str; 4] = ["proposed", "active", "completed", "cancelled"];

async fn search_goals(
    State(s): State<AppState>,
    Bearer(c): Bearer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let mut patient = None;
        let mut wanted: Option<String> = None;
        let search = read_search(raw.as_deref(), |k, v| match k {
            "patient" | "subject" => patient_param(k, v, &mut patient),
            "lifecycle-status" if LIFECYCLE.contains(&v) => {
                wanted = Some(v.to_string());
                Ok(())
            }
            "lifecycle-status" => Err(err(
                400,
                IssueCode::Invalid,
                format!(
                    "lifecycle-status must be one of {} (got {v:?})",
                    LIFECYCLE.join(", ")
                ),
                None,
            )),
            _ => Err(unknown_param(k, "Goal")),
        })?;
        let pid = required_patient(patient, "Goal")?;
        let list = none_if_unknown(s.app.search_goals(&c, pid).await)?.unwrap_or_default();
        let list: Vec<GoalView> = list
            .into_iter()
            .filter(|g| {
                wanted
                    .as_deref()
                    .is_none_or(|w| lifecycle_status(g.goal.status, g.current) == w)
            })
            .collect();
        let (total, list) = page(list, &search.paging);
        let entries = list.iter().map(|g| goal_json(&s, g)).collect();
        Ok::<_, Outcome>(search.bundle(&headers, "Goal", total, entries))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}
