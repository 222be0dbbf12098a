//! The audit log, for auditors: filter by user, patient and date.

use super::{Nav, when};
use crate::AppState;
use crate::error::PageError;
use crate::session::WebUser;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use tandem_app::AppError;
use tandem_app::AuditFilter as Filter;
use tandem_core::patient::parse_date;
use time::{OffsetDateTime, Time};

pub struct EntryRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub actor_id: Option<String>,
    pub role: String,
    pub channel: String,
    pub action: String,
    pub patient: Option<String>,
    pub purpose: String,
    pub outcome: String,
    pub detail: String,
}

pub struct GrantRow {
    pub at: String,
    pub user: String,
    pub patient: String,
    pub mrn: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Option<Nav>,
    rows: Vec<EntryRow>,
    grants: Vec<GrantRow>,
    users: Vec<(String, String)>,
    f: AuditQuery,
    error: Option<String>,
    older: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    patient: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: String,
}

const LIMIT: u32 = 200;

pub async fn log(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let mut filter = Filter {
        limit: LIMIT,
        ..Default::default()
    };
    let mut error = None;
    if !q.user.is_empty() {
        match q.user.parse() {
            Ok(u) => filter.actor = Some(u),
            Err(_) => error = Some("Unknown user.".to_string()),
        }
    }
    if !q.patient.trim().is_empty() {
        match q.patient.trim().parse() {
            Ok(p) => filter.patient = Some(p),
            Err(_) => {
                error = Some(
                    "The patient filter takes a patient id (follow a link in the table).".into(),
                )
            }
        }
    }
    let day = |s: &str| parse_date(s).map(|d| OffsetDateTime::new_utc(d, Time::MIDNIGHT));
    if !q.from.is_empty() {
        filter.from = day(&q.from);
        if filter.from.is_none() {
            error = Some("Give dates as YYYY-MM-DD.".into());
        }
    }
    if !q.to.is_empty() {
        filter.until = day(&q.to).map(|t| t + time::Duration::days(1));
        if filter.until.is_none() {
            error = Some("Give dates as YYYY-MM-DD.".into());
        }
    }
    filter.before_seq = q.before.parse().ok();
    let page = s.app.audit_view(&auth.caller, &filter).await?;
    let users = s
        .app
        .audit_actors(&auth.caller)
        .await?
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect();
    let older = (page.entries.len() as u32 == LIMIT).then(|| {
        let last = page.entries.last().map(|e| e.seq).unwrap_or(0);
        format!(
            "/audit?user={}&patient={}&from={}&to={}&before={last}",
            q.user,
            q.patient.trim(),
            q.from,
            q.to
        )
    });
    let rows = page
        .entries
        .into_iter()
        .map(|e| {
            let r = e.record;
            EntryRow {
                seq: e.seq,
                at: when(r.at),
                actor: r.actor,
                actor_id: r.actor_id.map(|a| a.to_string()),
                role: r.actor_role,
                channel: r.channel,
                action: r.action,
                patient: r.patient_id.map(|p| p.to_string()),
                purpose: r.purpose.unwrap_or_default(),
                outcome: r.outcome,
                detail: r.detail.unwrap_or_default(),
            }
        })
        .collect();
    let grants = page
        .break_glass
        .into_iter()
        .map(|g| GrantRow {
            at: when(g.granted_at),
            user: g.username,
            patient: g.patient_name,
            mrn: g.mrn,
            reason: g.reason,
        })
        .collect();
    let body = AuditPage {
        nav: Some(Nav::new(&auth, "audit")),
        rows,
        grants,
        users,
        f: q,
        error,
        older,
    }
    .render()
    .map_err(|e| PageError::App(AppError::Internal(e.to_string())))?;
    Ok((StatusCode::OK, Html(body)).into_response())
}
