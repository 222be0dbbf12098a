//! The patient's version of the care plan: plain words, large type, the
//! leaflets that go with it, and a print stylesheet that leaves only the
//! text on paper.

use super::Nav;
use super::education::{LeafletView, leaflet_view};
use super::measures::parse_pid;
use super::patients::html;
use crate::AppState;
use crate::error::PageError;
use crate::session::WebUser;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tandem_core::care_plan::AnyVersion;
use tandem_core::patient_plan::{PlainSection, PlanFacts, long_date, summary};

#[derive(Template)]
#[template(path = "plan_summary.html")]
struct SummaryPage {
    nav: Option<Nav>,
    clinic: String,
    patient_id: String,
    patient: String,
    printed: String,
    has_plan: bool,
    sections: Vec<PlainSection>,
    leaflets: Vec<LeafletView>,
    /// Leaflet ids, to record them as given.
    leaflet_ids: Vec<String>,
    notice: bool,
}

#[derive(Deserialize, Default)]
pub struct Notice {
    notice: Option<String>,
}

pub async fn page(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    let pid = parse_pid(&id)?;
    let sum = s.app.patient_plan_summary(&auth.caller, pid).await?;
    let sections = match &sum.plan {
        Some(view) => {
            // The patient reads what the team signed; a draft in progress
            // shows only when nothing was ever signed.
            let shown = view
                .versions
                .iter()
                .rev()
                .find(|v| matches!(v, AnyVersion::Signed(_)))
                .unwrap_or(&view.current);
            let body = shown.body();
            let signed = match shown {
                AnyVersion::Signed(v) => {
                    let sig = v.signature();
                    Some((view.name(sig.by), sig.at.date()))
                }
                AnyVersion::Draft(_) => None,
            };
            // The next look is counted from the last signature, or from
            // the plan's start when it was never signed.
            let from = view
                .signed
                .as_ref()
                .map_or(view.plan.created_at.date(), |s| s.at.date());
            let facts = PlanFacts {
                version: shown.number(),
                signed,
                agreed_on: shown.agreement().map(|a| a.at.date()),
                next_review: from
                    .checked_add(time::Duration::weeks(i64::from(body.review_every_weeks))),
            };
            summary(body, s.app.instruments(), &facts, &|u| view.name(u))
        }
        None => Vec::new(),
    };
    let today = s.app.clock().today();
    html(
        StatusCode::OK,
        &SummaryPage {
            nav: Some(Nav::new(&auth, "patients")),
            clinic: s.app.settings().clinic_name.clone(),
            patient_id: pid.to_string(),
            patient: sum.patient.demographics.display_name(),
            printed: long_date(today),
            has_plan: sum.plan.is_some(),
            sections,
            leaflet_ids: sum.leaflets.iter().map(|c| c.leaflet.id.clone()).collect(),
            leaflets: sum
                .leaflets
                .iter()
                .map(|c| leaflet_view(&c.leaflet))
                .collect(),
            notice: q.notice.as_deref() == Some("given"),
        },
    )
}
