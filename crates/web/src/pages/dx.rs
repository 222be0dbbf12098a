//! The chart's "Diagnoses" and "Episode of care" sections and their forms:
//! add a diagnosis, change its status or rank, enrol, change the level of
//! care, discharge. A refused form re-renders the chart with HTTP 422, the
//! message beside the field and what was typed kept.

use super::patients::{self, ChartExtras};
use crate::AppState;
use crate::error::PageError;
use crate::session::{SignedIn, WebUser, csrf_ok};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tandem_app::{AppError, DiagnosisChange, EpisodeOfCare};
use tandem_core::ValidationErrors;
use tandem_core::diagnosis::{ClinicalStatus, NewDiagnosisInput, Rank};
use tandem_core::episode::{DischargeInput, DischargeReason, EnrolInput, TransitionInput};
use tandem_core::ids::{ConditionId, PatientId};
use tandem_core::level_of_care::LevelOfCare;

type PageResult = Result<Response, PageError>;

/// Which of the section's forms was refused, with what was typed.
#[derive(Clone, Debug)]
pub enum DxForm {
    Add(NewDiagnosisInput),
    /// The diagnosis whose status or rank change was refused.
    Change(String),
    Enrol(EnrolInput),
    Transition(TransitionInput),
    Discharge(DischargeInput),
}

/// A refused form of this section.
#[derive(Clone, Debug)]
pub struct DxError {
    pub form: DxForm,
    pub errors: ValidationErrors,
}

pub struct DxRow {
    pub id: String,
    pub code: String,
    pub title: String,
    pub primary: bool,
    pub status: &'static str,
    pub status_label: &'static str,
    pub onset: Option<String>,
    pub category: &'static str,
    pub error: Option<String>,
}

pub struct TransitionRow {
    pub on: String,
    pub from: &'static str,
    pub to: &'static str,
    pub reason: String,
}

pub struct OpenEpisode {
    pub program: Option<String>,
    pub level: Option<&'static str>,
    pub since: String,
    pub started: String,
    pub transitions: Vec<TransitionRow>,
    /// Levels the program offers besides the current one.
    pub next_levels: Vec<(&'static str, &'static str)>,
}

pub struct PastEpisode {
    pub program: String,
    pub started: String,
    pub ended: String,
    pub reason: String,
}

pub struct ProgramOption {
    pub id: String,
    pub name: String,
    pub levels: String,
}

/// A form's field values and messages, by field name.
#[derive(Default)]
pub struct Fields {
    values: Vec<(&'static str, String)>,
    errors: Option<ValidationErrors>,
}

impl Fields {
    pub fn value(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The field's message as a sentence.
    pub fn error(&self, name: &str) -> Option<String> {
        self.errors
            .as_ref()
            .and_then(|e| e.for_field(name))
            .map(sentence)
    }

    pub fn is(&self, name: &str, value: &str) -> bool {
        self.value(name) == value
    }
}

/// What the section templates show.
pub struct DxSection {
    pub pid: String,
    pub today: String,
    pub rows: Vec<DxRow>,
    pub dual: bool,
    pub codes: Vec<(String, String)>,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub add: Fields,
    pub open: Option<OpenEpisode>,
    pub past: Vec<PastEpisode>,
    pub programs: Vec<ProgramOption>,
    pub levels: Vec<(&'static str, &'static str)>,
    pub reasons: Vec<(&'static str, &'static str)>,
    pub enrol: Fields,
    pub transition: Fields,
    pub discharge: Fields,
    /// The form refused, to open its `<details>`.
    pub refused: &'static str,
    /// The open episode has a program: enrolling again is not offered.
    pub enrolled: bool,
}

fn sentence(m: &str) -> String {
    let mut c = m.chars();
    match c.next() {
        Some(f) => {
            let s: String = f.to_uppercase().chain(c).collect();
            if s.ends_with('.') { s } else { s + "." }
        }
        None => String::new(),
    }
}

fn program_name(s: &AppState, id: &str) -> String {
    s.app
        .programs()
        .get(id)
        .map_or(id.to_string(), |p| p.name.clone())
}

/// The section for a chart; `None` when the caller may not read it.
pub async fn section(
    s: &AppState,
    auth: &SignedIn,
    pid: PatientId,
    refused: Option<&DxError>,
) -> Option<DxSection> {
    let care = s.app.care_summary(&auth.caller, pid).await.ok()?;
    let list = s.app.diagnosis_list();
    let change_error = match refused {
        Some(DxError {
            form: DxForm::Change(id),
            errors,
        }) => Some((id.clone(), errors.to_string())),
        _ => None,
    };
    let rows = care
        .diagnoses
        .conditions
        .iter()
        .map(|c| {
            let id = c.id.to_string();
            DxRow {
                code: c.code.clone(),
                title: c.display.clone(),
                primary: c.rank == Rank::Primary,
                status: c.clinical_status.as_str(),
                status_label: c.clinical_status.label(),
                onset: c.onset_on.map(|d| d.to_string()),
                category: list.get(&c.code).map_or("", |d| d.category.label()),
                error: change_error
                    .as_ref()
                    .filter(|(e, _)| *e == id)
                    .map(|(_, m)| m.clone()),
                id,
            }
        })
        .collect();
    let fields = |values: Vec<(&'static str, String)>, errors: &ValidationErrors| Fields {
        values,
        errors: Some(errors.clone()),
    };
    let (mut add, mut enrol, mut transition, mut discharge) = Default::default();
    let mut which = "";
    if let Some(r) = refused {
        match &r.form {
            DxForm::Add(i) => {
                which = "add";
                add = fields(
                    vec![
                        ("code", i.code.clone()),
                        ("rank", i.rank.clone()),
                        ("clinical_status", i.clinical_status.clone()),
                        ("onset", i.onset.clone()),
                        ("note", i.note.clone()),
                    ],
                    &r.errors,
                );
            }
            DxForm::Enrol(i) => {
                which = "enrol";
                enrol = fields(
                    vec![
                        ("program", i.program.clone()),
                        ("level", i.level.clone()),
                        ("on", i.on.clone()),
                    ],
                    &r.errors,
                );
            }
            DxForm::Transition(i) => {
                which = "transition";
                transition = fields(
                    vec![
                        ("level", i.level.clone()),
                        ("on", i.on.clone()),
                        ("reason", i.reason.clone()),
                    ],
                    &r.errors,
                );
            }
            DxForm::Discharge(i) => {
                which = "discharge";
                discharge = fields(
                    vec![
                        ("on", i.on.clone()),
                        ("reason", i.reason.clone()),
                        ("summary", i.summary.clone()),
                    ],
                    &r.errors,
                );
            }
            DxForm::Change(_) => which = "change",
        }
    }
    let open = care.open_episode().map(|e| open_view(s, e));
    let enrolled = care.open_episode().is_some_and(|e| e.program.is_some());
    let past = care
        .episodes
        .iter()
        .filter(|e| !e.is_open())
        .map(|e| PastEpisode {
            program: e
                .program
                .as_deref()
                .map_or("Measurement only".into(), |p| program_name(s, p)),
            started: e.started_on.to_string(),
            ended: e.ended_on.map(|d| d.to_string()).unwrap_or_default(),
            reason: e
                .discharge_reason
                .map(|r| r.label().to_string())
                .unwrap_or_default(),
        })
        .collect();
    Some(DxSection {
        pid: pid.to_string(),
        today: s.app.clock().today().to_string(),
        rows,
        dual: care.diagnoses.dual_diagnosis,
        codes: list
            .codes
            .iter()
            .map(|c| (c.code.clone(), c.title.clone()))
            .collect(),
        statuses: ClinicalStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        add,
        open,
        past,
        programs: s
            .app
            .programs()
            .programs
            .iter()
            .map(|p| ProgramOption {
                id: p.id.clone(),
                name: p.name.clone(),
                levels: p
                    .levels
                    .iter()
                    .map(|l| l.label())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        levels: LevelOfCare::ALL
            .iter()
            .map(|l| (l.as_str(), l.label()))
            .collect(),
        reasons: DischargeReason::ALL
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        enrol,
        transition,
        discharge,
        refused: which,
        enrolled,
    })
}

fn open_view(s: &AppState, e: &EpisodeOfCare) -> OpenEpisode {
    let program = e.program.as_deref().and_then(|p| s.app.programs().get(p));
    OpenEpisode {
        program: e.program.as_deref().map(|p| program_name(s, p)),
        level: e.level.map(LevelOfCare::label),
        since: e.level_since().to_string(),
        started: e.started_on.to_string(),
        transitions: e
            .transitions
            .iter()
            .map(|t| TransitionRow {
                on: t.on.to_string(),
                from: t.from.label(),
                to: t.to.label(),
                reason: t.reason.clone(),
            })
            .collect(),
        next_levels: program.map_or(vec![], |p| {
            p.levels
                .iter()
                .filter(|l| Some(**l) != e.level)
                .map(|l| (l.as_str(), l.label()))
                .collect()
        }),
    }
}

fn parse_pid(id: &str) -> Result<PatientId, PageError> {
    id.parse()
        .map_err(|_| PageError::App(AppError::NotFound("patient")))
}

/// After a change: back to the chart, at the section.
fn done(pid: PatientId, notice: &str, anchor: &str) -> PageResult {
    Ok(Redirect::to(&format!("/patients/{pid}?notice={notice}#{anchor}")).into_response())
}

/// The chart again, with a refused form's messages, HTTP 422.
async fn refused(s: &AppState, auth: &SignedIn, pid: PatientId, r: DxError) -> PageResult {
    let chart = s.app.open_chart(&auth.caller, pid).await?;
    patients::render_chart(
        s,
        auth,
        chart,
        ChartExtras {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            dx: Some(r),
            ..Default::default()
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    rank: String,
    #[serde(default)]
    clinical_status: String,
    #[serde(default)]
    onset: String,
    #[serde(default)]
    note: String,
}

/// The code from a datalist choice: "F33.1 — Major depressive …" or "F33.1".
fn code_of(text: &str) -> String {
    text.split_whitespace().next().unwrap_or("").to_string()
}

pub async fn add(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(f): Form<AddForm>,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let input = NewDiagnosisInput {
        code: code_of(&f.code),
        rank: f.rank,
        clinical_status: f.clinical_status,
        onset: f.onset,
        note: f.note,
    };
    match s.app.add_diagnosis(&auth.caller, pid, &input).await {
        Ok(_) => done(pid, "diagnosis", "diagnoses-h"),
        Err(AppError::Invalid(errors)) => {
            let form = DxForm::Add(NewDiagnosisInput {
                code: f.code,
                ..input
            });
            refused(&s, &auth, pid, DxError { form, errors }).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    clinical_status: Option<String>,
    rank: Option<String>,
}

pub async fn change(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path((id, cid)): Path<(String, String)>,
    Form(f): Form<ChangeForm>,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let cid: ConditionId = cid
        .parse()
        .map_err(|_| PageError::App(AppError::NotFound("diagnosis")))?;
    let change = DiagnosisChange {
        clinical_status: f.clinical_status,
        rank: f.rank,
        onset: None,
    };
    match s
        .app
        .change_diagnosis(&auth.caller, pid, cid, &change)
        .await
    {
        Ok(_) => done(pid, "diagnosis", "diagnoses-h"),
        Err(AppError::Invalid(errors)) => {
            let form = DxForm::Change(cid.to_string());
            refused(&s, &auth, pid, DxError { form, errors }).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    program: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    on: String,
}

pub async fn enrol(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(f): Form<EnrolForm>,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let input = EnrolInput {
        program: f.program,
        level: f.level,
        on: f.on,
    };
    match s.app.enrol_patient(&auth.caller, pid, &input).await {
        Ok(_) => done(pid, "enrolled", "episode-h"),
        Err(AppError::Invalid(errors)) => {
            let form = DxForm::Enrol(input);
            refused(&s, &auth, pid, DxError { form, errors }).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct TransitionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    reason: String,
}

pub async fn transition(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(f): Form<TransitionForm>,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let input = TransitionInput {
        level: f.level,
        on: f.on,
        reason: f.reason,
    };
    match s.app.change_level_of_care(&auth.caller, pid, &input).await {
        Ok(_) => done(pid, "level", "episode-h"),
        Err(AppError::Invalid(errors)) => {
            let form = DxForm::Transition(input);
            refused(&s, &auth, pid, DxError { form, errors }).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct DischargeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    summary: String,
}

pub async fn discharge(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(f): Form<DischargeForm>,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let input = DischargeInput {
        on: f.on,
        reason: f.reason,
        summary: f.summary,
    };
    match s.app.discharge_patient(&auth.caller, pid, &input).await {
        Ok(_) => done(pid, "discharged", "episode-h"),
        Err(AppError::Invalid(errors)) => {
            let form = DxForm::Discharge(input);
            refused(&s, &auth, pid, DxError { form, errors }).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datalist_choice_gives_its_code() {
        assert_eq!(code_of("F33.1 — Major depressive disorder"), "F33.1");
        assert_eq!(code_of("  f41.1 "), "f41.1");
        assert_eq!(code_of(""), "");
    }

    #[test]
    fn messages_read_as_sentences() {
        assert_eq!(sentence("give the date"), "Give the date.");
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(sentence(""), "");
    }
}
