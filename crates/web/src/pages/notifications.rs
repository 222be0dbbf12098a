//! Safety notifications: every safety flag raised for a patient on the
//! user's care teams, newest first.

use super::measures::flag_tone;
use super::{Nav, when};
use crate::AppState;
use crate::error::PageError;
use crate::pages::patients::html;
use crate::session::WebUser;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

pub struct NoteRow {
    pub patient_id: String,
    pub patient: String,
    pub mrn: String,
    pub flag: &'static str,
    pub tone: &'static str,
    pub reason: String,
    pub at: String,
    pub active: bool,
    pub cleared: Option<String>,
    pub acknowledged: bool,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    nav: Option<Nav>,
    rows: Vec<NoteRow>,
}

const LIMIT: u32 = 200;

pub async fn list(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
) -> Result<Response, PageError> {
    let list = s.app.notifications(&auth.caller, LIMIT).await?;
    let rows = list
        .into_iter()
        .map(|n| NoteRow {
            patient_id: n.patient_id.to_string(),
            patient: n.patient_name,
            mrn: n.mrn,
            flag: n.flag.kind.text(),
            tone: flag_tone(n.flag.kind),
            reason: n.flag.reason,
            at: when(n.flag.period_start),
            active: n.flag.active,
            cleared: n.flag.period_end.map(when),
            acknowledged: n.acknowledged,
            unread: n.read_at.is_none() && n.flag.active,
        })
        .collect();
    html(
        StatusCode::OK,
        &NotificationsPage {
            nav: Some(Nav::new(&auth, "notifications")),
            rows,
        },
    )
}
