//! Education for patients: the leaflets that fit a patient's plan, each
//! readable and printable on its own, and the record of what was given.

use super::measures::parse_pid;
use super::patients::html;
use super::{Nav, when};
use crate::AppState;
use crate::error::PageError;
use crate::session::{WebUser, csrf_ok};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tandem_app::AppError;
use tandem_core::education::{Block, Leaflet, Span};

type PageResult = Result<Response, PageError>;

/// A run of text, emphasised or not.
pub struct SpanView {
    pub strong: bool,
    pub text: String,
}

/// One block of a leaflet: a heading, a paragraph (one item) or a list.
pub struct BlockView {
    pub kind: &'static str,
    pub items: Vec<Vec<SpanView>>,
}

pub struct LeafletView {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub blocks: Vec<BlockView>,
    pub sources: Vec<String>,
}

fn spans(s: &[Span]) -> Vec<SpanView> {
    s.iter()
        .map(|s| match s {
            Span::Text(t) => SpanView {
                strong: false,
                text: t.clone(),
            },
            Span::Strong(t) => SpanView {
                strong: true,
                text: t.clone(),
            },
        })
        .collect()
}

pub fn leaflet_view(l: &Leaflet) -> LeafletView {
    LeafletView {
        id: l.id.clone(),
        title: l.title.clone(),
        summary: l.summary.clone(),
        blocks: l
            .body
            .iter()
            .map(|b| match b {
                Block::Heading(s) => BlockView {
                    kind: "h",
                    items: vec![spans(s)],
                },
                Block::Paragraph(s) => BlockView {
                    kind: "p",
                    items: vec![spans(s)],
                },
                Block::List(items) => BlockView {
                    kind: "ul",
                    items: items.iter().map(|i| spans(i)).collect(),
                },
            })
            .collect(),
        sources: l.sources.clone(),
    }
}

pub struct ChosenRow {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub because: String,
    pub last_given: Option<String>,
}

pub struct GivenRow {
    pub title: String,
    pub by: String,
    pub at: String,
    pub plan_version: Option<i32>,
}

#[derive(Template)]
#[template(path = "education.html")]
struct EducationPage {
    nav: Option<Nav>,
    patient_id: String,
    patient: String,
    rows: Vec<ChosenRow>,
    given: Vec<GivenRow>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "leaflet.html")]
struct LeafletPage {
    nav: Option<Nav>,
    patient_id: String,
    patient: String,
    l: LeafletView,
}

#[derive(Deserialize, Default)]
pub struct Notice {
    notice: Option<String>,
}

async fn render(
    s: &AppState,
    auth: &crate::session::SignedIn,
    id: &str,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let pid = parse_pid(id)?;
    let ed = s.app.patient_education(&auth.caller, pid).await?;
    let lib = s.app.education_library();
    let title_of = |m: &str| {
        lib.get(m)
            .map_or_else(|| m.to_string(), |l| l.title.clone())
    };
    html(
        status,
        &EducationPage {
            nav: Some(Nav::new(auth, "patients")),
            patient_id: pid.to_string(),
            patient: ed.patient.demographics.display_name(),
            rows: ed
                .chosen
                .iter()
                .map(|c| ChosenRow {
                    id: c.leaflet.id.clone(),
                    title: c.leaflet.title.clone(),
                    summary: c.leaflet.summary.clone(),
                    because: c.because.join("; "),
                    last_given: c.last_given.map(when),
                })
                .collect(),
            given: ed
                .given
                .iter()
                .map(|g| GivenRow {
                    title: title_of(&g.material),
                    by: g.given_by_name.clone(),
                    at: when(g.given_at),
                    plan_version: g.plan_version,
                })
                .collect(),
            notice,
            error,
        },
    )
}

pub async fn page(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
) -> PageResult {
    let notice = q
        .notice
        .filter(|n| n == "given")
        .map(|_| "Recorded as given.".to_string());
    render(&s, &auth, &id, StatusCode::OK, notice, None).await
}

pub async fn leaflet(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path((id, leaflet)): Path<(String, String)>,
) -> PageResult {
    let pid = parse_pid(&id)?;
    let ed = s.app.patient_education(&auth.caller, pid).await?;
    let l = s
        .app
        .education_library()
        .get(&leaflet)
        .ok_or(PageError::App(AppError::NotFound("leaflet")))?;
    html(
        StatusCode::OK,
        &LeafletPage {
            nav: Some(Nav::new(&auth, "patients")),
            patient_id: pid.to_string(),
            patient: ed.patient.demographics.display_name(),
            l: leaflet_view(l),
        },
    )
}

/// The checked leaflets, as `material=a&material=b`.
pub async fn give(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut csrf = String::new();
    let mut materials = Vec::new();
    let mut back_to_summary = false;
    for (k, v) in pairs {
        match k.as_str() {
            "csrf" => csrf = v,
            "material" => materials.push(v),
            "back" => back_to_summary = v == "summary",
            _ => {}
        }
    }
    if !csrf_ok(&auth, &csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    match s.app.give_education(&auth.caller, pid, &materials).await {
        Ok(_) if back_to_summary => {
            Ok(Redirect::to(&format!("/patients/{pid}/plan/summary?notice=given")).into_response())
        }
        Ok(_) => {
            Ok(Redirect::to(&format!("/patients/{pid}/education?notice=given")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            render(
                &s,
                &auth,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(e.to_string()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
