//! Patient pages: my patients, search, register, chart, edit, care team,
//! break-the-glass.

use super::Nav;
use crate::AppState;
use crate::error::PageError;
use crate::session::{SignedIn, WebUser, csrf_ok};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tandem_app::{AppError, Chart, Forbidden, PatientPage};
use tandem_core::ValidationErrors;
use tandem_core::access::Purpose;
use tandem_core::clock::age_on;
use tandem_core::ids::{CareTeamMemberId, PatientId, UserId};
use tandem_core::patient::{
    AdministrativeGender, COMMON_LANGUAGES, DemographicsInput, Patient, PatientQuery, SexAtBirth,
    language_label, parse_date,
};
use tandem_core::role::Role;

type PageResult = Result<Response, PageError>;

pub(super) fn html<T: Template>(status: StatusCode, t: &T) -> PageResult {
    let body = t
        .render()
        .map_err(|e| PageError::App(AppError::Internal(e.to_string())))?;
    Ok((status, Html(body)).into_response())
}

/// A patient as one row of a list.
pub struct Row {
    pub id: String,
    pub name: String,
    pub preferred: Option<String>,
    pub birth_date: String,
    pub age: i32,
    pub mrn: String,
    pub pronouns: Option<String>,
}

fn rows(page: &PatientPage, today: time::Date) -> Vec<Row> {
    page.patients
        .iter()
        .map(|p| {
            let d = &p.demographics;
            Row {
                id: p.id.to_string(),
                name: d.sort_name(),
                preferred: d.preferred_name.clone(),
                birth_date: d.birth_date.to_string(),
                age: age_on(d.birth_date, today),
                mrn: p.mrn.to_string(),
                pronouns: d.pronouns.clone(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "patients.html")]
struct PatientsPage {
    nav: Option<Nav>,
    title: String,
    q: String,
    rows: Vec<Row>,
    total: u64,
    prev: Option<String>,
    next: Option<String>,
    empty_text: String,
    searched: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    offset: Option<u32>,
}

const PAGE: u32 = 25;

fn paging(base: &str, q: &str, offset: u32, total: u64) -> (Option<String>, Option<String>) {
    let qs = if q.is_empty() {
        String::new()
    } else {
        format!("q={}&", crate::session::urlencode(q))
    };
    let prev = (offset > 0).then(|| format!("{base}?{qs}offset={}", offset.saturating_sub(PAGE)));
    let next =
        (u64::from(offset + PAGE) < total).then(|| format!("{base}?{qs}offset={}", offset + PAGE));
    (prev, next)
}

pub async fn home(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Query(lq): Query<ListQuery>,
) -> PageResult {
    let role = auth.caller.actor.role;
    match role {
        Role::Admin => return Ok(Redirect::to("/admin/users").into_response()),
        Role::Auditor => return Ok(Redirect::to("/audit").into_response()),
        _ => {}
    }
    let offset = lq.offset.unwrap_or(0);
    let page = s.app.my_patients(&auth.caller, PAGE, offset).await?;
    let (prev, next) = paging("/", "", offset, page.total);
    let (title, empty_text) = if role.is_clinician() {
        (
            "My patients",
            "No patients on your care teams yet. Register a patient, or ask to be added to a care team.",
        )
    } else {
        ("Patients", "No patients registered yet.")
    };
    html(
        StatusCode::OK,
        &PatientsPage {
            nav: Some(Nav::new(&auth, "home")),
            title: title.into(),
            q: String::new(),
            rows: rows(&page, s.app.clock().today()),
            total: page.total,
            prev,
            next,
            empty_text: empty_text.into(),
            searched: false,
        },
    )
}

pub async fn search(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Query(lq): Query<ListQuery>,
) -> PageResult {
    let q = lq.q.unwrap_or_default().trim().to_string();
    let offset = lq.offset.unwrap_or(0);
    let mut query = PatientQuery::from_free_text(&q);
    query.limit = PAGE;
    query.offset = offset;
    let page = if q.is_empty() {
        PatientPage {
            patients: vec![],
            total: 0,
        }
    } else {
        s.app.search_patients(&auth.caller, &query).await?
    };
    let (prev, next) = paging("/patients", &q, offset, page.total);
    let scope = if auth.caller.actor.role.is_clinician() {
        "your care teams' patients"
    } else {
        "the clinic's patients"
    };
    html(
        StatusCode::OK,
        &PatientsPage {
            nav: Some(Nav::new(&auth, "search")),
            title: "Find a patient".into(),
            rows: rows(&page, s.app.clock().today()),
            total: page.total,
            prev,
            next,
            empty_text: if q.is_empty() {
                format!("Search {scope} by name, date of birth (YYYY-MM-DD) or MRN.")
            } else {
                format!("No match among {scope}.")
            },
            searched: !q.is_empty(),
            q,
        },
    )
}

/// One input of the registration form.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub hint: &'static str,
    pub options: Vec<(String, String)>,
    pub required: bool,
}

pub struct Group {
    pub legend: &'static str,
    pub fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "patient_form.html")]
struct PatientForm {
    nav: Option<Nav>,
    title: String,
    action: String,
    submit: &'static str,
    groups: Vec<Group>,
    version: Option<i64>,
    error_count: usize,
    cancel: String,
}

/// Field messages start lower-case so they compose ("birth_date: enter …");
/// on the form each stands alone as a sentence.
fn sentence(m: &str) -> String {
    let mut c = m.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

fn groups(i: &DemographicsInput, e: &ValidationErrors) -> Vec<Group> {
    let f = |name: &'static str,
             label: &'static str,
             kind: &'static str,
             value: &str,
             hint: &'static str| Field {
        name,
        label,
        kind,
        value: value.to_string(),
        error: e.for_field(name).map(sentence),
        hint,
        options: vec![],
        required: false,
    };
    let select = |name: &'static str,
                  label: &'static str,
                  value: &str,
                  options: Vec<(String, String)>| Field {
        options,
        ..f(name, label, "select", value, "")
    };
    let req = |mut fl: Field| {
        fl.required = true;
        fl
    };
    let sexes = SexAtBirth::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.label().to_string()))
        .collect();
    let mut genders: Vec<(String, String)> = vec![(String::new(), "Same as sex at birth".into())];
    genders.extend(
        AdministrativeGender::ALL
            .iter()
            .map(|g| (g.as_str().to_string(), g.label().to_string())),
    );
    let mut langs: Vec<(String, String)> = vec![(String::new(), "Not recorded".into())];
    langs.extend(
        COMMON_LANGUAGES
            .iter()
            .map(|(t, l)| (t.to_string(), l.to_string())),
    );
    if !i.preferred_language.is_empty()
        && !COMMON_LANGUAGES
            .iter()
            .any(|(t, _)| *t == i.preferred_language)
    {
        langs.push((i.preferred_language.clone(), i.preferred_language.clone()));
    }
    let sex_value = if i.sex_at_birth.is_empty() {
        "unknown"
    } else {
        &i.sex_at_birth
    };
    vec![
        Group {
            legend: "Name and birth",
            fields: vec![
                req(f(
                    "family_name",
                    "Legal family name",
                    "text",
                    &i.family_name,
                    "",
                )),
                f(
                    "given_names",
                    "Legal given names",
                    "text",
                    &i.given_names,
                    "",
                ),
                f(
                    "preferred_name",
                    "Preferred name",
                    "text",
                    &i.preferred_name,
                    "What the patient likes to be called",
                ),
                req(f("birth_date", "Date of birth", "date", &i.birth_date, "")),
            ],
        },
        Group {
            legend: "Sex and gender",
            fields: vec![
                select("sex_at_birth", "Sex recorded at birth", sex_value, sexes),
                f(
                    "gender_identity",
                    "Gender identity",
                    "text",
                    &i.gender_identity,
                    "In the patient's words",
                ),
                f(
                    "pronouns",
                    "Pronouns",
                    "text",
                    &i.pronouns,
                    "e.g. she/her, he/him, they/them",
                ),
                select("gender", "Administrative gender", &i.gender, genders),
            ],
        },
        Group {
            legend: "Contact",
            fields: vec![
                select(
                    "preferred_language",
                    "Preferred language",
                    &i.preferred_language,
                    langs,
                ),
                f("phone", "Phone", "tel", &i.phone, "e.g. 555-201-3344"),
                f(
                    "address_line",
                    "Street address",
                    "text",
                    &i.address_line,
                    "",
                ),
                f("city", "City", "text", &i.city, ""),
                f("state", "State", "text", &i.state, ""),
                f("postal_code", "Postal code", "text", &i.postal_code, ""),
            ],
        },
        Group {
            legend: "Emergency contact",
            fields: vec![
                f("emergency_name", "Name", "text", &i.emergency_name, ""),
                f(
                    "emergency_relationship",
                    "Relationship",
                    "text",
                    &i.emergency_relationship,
                    "e.g. sister",
                ),
                f("emergency_phone", "Phone", "tel", &i.emergency_phone, ""),
            ],
        },
    ]
}

pub async fn new_form(WebUser(auth): WebUser) -> PageResult {
    if !tandem_core::access::can_register(auth.caller.actor.role) {
        return Err(AppError::Forbidden(Forbidden::Role).into());
    }
    html(
        StatusCode::OK,
        &PatientForm {
            nav: Some(Nav::new(&auth, "register")),
            title: "Register patient".into(),
            action: "/patients".into(),
            submit: "Register patient",
            groups: groups(&DemographicsInput::default(), &ValidationErrors::default()),
            version: None,
            error_count: 0,
            cancel: "/".into(),
        },
    )
}

#[derive(Deserialize)]
pub struct PatientFormData {
    #[serde(default)]
    csrf: String,
    version: Option<i64>,
    #[serde(flatten)]
    input: DemographicsInput,
}

pub async fn create(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Form(f): Form<PatientFormData>,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let invalid = |e: ValidationErrors| {
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PatientForm {
                nav: Some(Nav::new(&auth, "register")),
                title: "Register patient".into(),
                action: "/patients".into(),
                submit: "Register patient",
                error_count: e.0.len(),
                groups: groups(&f.input, &e),
                version: None,
                cancel: "/".into(),
            },
        )
    };
    let d = match f.input.validate(s.app.clock().today()) {
        Ok(d) => d,
        Err(e) => return invalid(e),
    };
    match s.app.register_patient(&auth.caller, d).await {
        Ok(p) => Ok(Redirect::to(&format!("/patients/{}", p.id)).into_response()),
        Err(AppError::Invalid(e)) => invalid(e),
        Err(e) => Err(e.into()),
    }
}

fn parse_id(id: &str) -> Result<PatientId, PageError> {
    id.parse()
        .map_err(|_| PageError::App(AppError::NotFound("patient")))
}

/// The chart header and the registration details.
pub struct Header {
    pub id: String,
    pub display_name: String,
    pub legal_name: String,
    pub age: i32,
    pub birth_date: String,
    pub pronouns: Option<String>,
    pub mrn: String,
    pub sex_at_birth: &'static str,
    pub gender_identity: Option<String>,
    pub language: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub emergency: Option<String>,
}

impl Header {
    pub(super) fn of(p: &Patient, today: time::Date) -> Header {
        let d = &p.demographics;
        let address = [
            &d.address.line,
            &d.address.city,
            &d.address.state,
            &d.address.postal_code,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>();
        Header {
            id: p.id.to_string(),
            display_name: d.display_name(),
            legal_name: format!("{} {}", d.given_names, d.family_name)
                .trim()
                .to_string(),
            age: age_on(d.birth_date, today),
            birth_date: d.birth_date.to_string(),
            pronouns: d.pronouns.clone(),
            mrn: p.mrn.to_string(),
            sex_at_birth: d.sex_at_birth.label(),
            gender_identity: d.gender_identity.clone(),
            language: d
                .preferred_language
                .as_deref()
                .map(|l| language_label(l).to_string()),
            phone: d.phone.clone(),
            address: (!address.is_empty()).then(|| address.join(", ")),
            emergency: d.emergency_contact.as_ref().map(|c| match &c.relationship {
                Some(r) => format!("{} ({r}) · {}", c.name, c.phone),
                None => format!("{} · {}", c.name, c.phone),
            }),
        }
    }
}

pub struct MemberRow {
    pub id: String,
    pub name: String,
    pub role: &'static str,
    pub start: String,
    pub end: Option<String>,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "chart.html")]
struct ChartPage {
    nav: Option<Nav>,
    h: Header,
    team: Vec<MemberRow>,
    break_glass: bool,
    can_edit: bool,
    can_manage_team: bool,
    candidates: Vec<(String, String)>,
    clinical: bool,
    notice: Option<String>,
    /// Flags, measure cards and the measure menu; for clinicians only.
    m: Option<super::measures::MeasuresView>,
    /// After a measure was recorded: "PHQ-9 recorded: 14 · Moderate".
    saved: Option<(String, String)>,
    /// Diagnoses and the episode of care; for clinicians only.
    dx: Option<super::dx::DxSection>,
    /// The care plan card; for clinicians only.
    plan: Option<super::care_plan::PlanCardView>,
}

#[derive(Template)]
#[template(path = "break_glass.html")]
struct BreakGlassPage {
    nav: Option<Nav>,
    id: String,
    error: Option<String>,
    reason: String,
    minutes: i64,
}

#[derive(Deserialize)]
pub struct ChartQuery {
    notice: Option<String>,
    /// The instrument just recorded.
    saved: Option<String>,
}

/// What a chart page shows beyond the chart itself.
pub struct ChartExtras {
    pub status: StatusCode,
    pub notice: Option<String>,
    pub saved: Option<String>,
    pub ack: Option<super::measures::AckError>,
    pub dx: Option<super::dx::DxError>,
}

impl Default for ChartExtras {
    fn default() -> Self {
        ChartExtras {
            status: StatusCode::OK,
            notice: None,
            saved: None,
            ack: None,
            dx: None,
        }
    }
}

pub async fn chart(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Query(cq): Query<ChartQuery>,
) -> PageResult {
    let pid = parse_id(&id)?;
    let chart = match s.app.open_chart(&auth.caller, pid).await {
        Ok(c) => c,
        Err(AppError::Forbidden(Forbidden::NotOnCareTeam)) => {
            return html(
                StatusCode::FORBIDDEN,
                &BreakGlassPage {
                    nav: Some(Nav::new(&auth, "")),
                    id: pid.to_string(),
                    error: None,
                    reason: String::new(),
                    minutes: s.app.settings().break_glass.whole_minutes(),
                },
            );
        }
        Err(e) => return Err(e.into()),
    };
    render_chart(
        &s,
        &auth,
        chart,
        ChartExtras {
            notice: cq.notice,
            saved: cq.saved,
            ..Default::default()
        },
    )
    .await
}

pub(super) async fn render_chart(
    s: &AppState,
    auth: &SignedIn,
    chart: Chart,
    x: ChartExtras,
) -> PageResult {
    let today = s.app.clock().today();
    let role = auth.caller.actor.role;
    let team: Vec<MemberRow> = chart
        .care_team
        .iter()
        .map(|m| MemberRow {
            id: m.id.0.to_string(),
            name: m.display_name.clone(),
            role: m.role.label(),
            start: m.start_date.to_string(),
            end: m.end_date.map(|d| d.to_string()),
            active: m.active_on(today),
        })
        .collect();
    let candidates = match s.app.practitioners(&auth.caller, None).await {
        Ok(all) => all
            .into_iter()
            .filter(|u| {
                u.active
                    && !chart
                        .care_team
                        .iter()
                        .any(|m| m.user_id == u.id && m.end_date.is_none())
            })
            .map(|u| {
                (
                    u.id.to_string(),
                    format!("{} ({})", u.display_name, u.role.label()),
                )
            })
            .collect(),
        Err(_) => vec![],
    };
    let clinical = role.is_clinician();
    let dx = if clinical {
        super::dx::section(s, auth, chart.patient.id, x.dx.as_ref()).await
    } else {
        None
    };
    let m = clinical.then(|| super::measures::view(&s.app, &chart.measures, x.ack.as_ref()));
    let plan = super::care_plan::card(clinical, chart.care_plan.as_ref());
    let saved = x.saved.as_deref().and_then(|id| {
        let card = m.as_ref()?.cards.iter().find(|c| c.id == id)?;
        let result = match (card.latest, &card.band) {
            (Some(t), Some(b)) => format!("{t} · {b}"),
            (Some(t), None) => t.to_string(),
            (None, Some(b)) => b.clone(),
            (None, None) => String::new(),
        };
        Some((card.name.clone(), result))
    });
    html(
        x.status,
        &ChartPage {
            nav: Some(Nav::new(auth, "")),
            h: Header::of(&chart.patient, today),
            team,
            break_glass: chart.purpose == Purpose::BreakGlass,
            can_edit: true,
            can_manage_team: true,
            candidates,
            clinical,
            notice: x.notice,
            m,
            saved,
            dx,
            plan,
        },
    )
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub async fn break_glass(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_id(&id)?;
    match s.app.break_glass(&auth.caller, pid, &f.reason).await {
        Ok(()) => Ok(Redirect::to(&format!("/patients/{pid}")).into_response()),
        Err(AppError::Invalid(e)) => html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &BreakGlassPage {
                nav: Some(Nav::new(&auth, "")),
                id: pid.to_string(),
                error: e.for_field("reason").map(str::to_string),
                reason: f.reason,
                minutes: s.app.settings().break_glass.whole_minutes(),
            },
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "break_glass_lookup.html")]
struct LookupPage {
    nav: Option<Nav>,
    mrn: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct MrnQuery {
    mrn: Option<String>,
}

pub async fn break_glass_lookup(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Query(q): Query<MrnQuery>,
) -> PageResult {
    let mrn = q.mrn.unwrap_or_default().trim().to_string();
    let mut error = None;
    if !mrn.is_empty() {
        match s.app.find_for_break_glass(&auth.caller, &mrn).await {
            Ok(id) => return Ok(Redirect::to(&format!("/patients/{id}")).into_response()),
            Err(AppError::Invalid(e)) => error = e.for_field("mrn").map(str::to_string),
            Err(AppError::NotFound(_)) => error = Some("No patient has this MRN.".into()),
            Err(e) => return Err(e.into()),
        }
    }
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html(
        status,
        &LookupPage {
            nav: Some(Nav::new(&auth, "break-glass")),
            mrn,
            error,
        },
    )
}

pub async fn edit_form(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
) -> PageResult {
    let pid = parse_id(&id)?;
    let p = match s.app.read_patient(&auth.caller, pid).await {
        Ok(p) => p,
        Err(AppError::Forbidden(Forbidden::NotOnCareTeam)) => {
            return Ok(Redirect::to(&format!("/patients/{pid}")).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    html(
        StatusCode::OK,
        &PatientForm {
            nav: Some(Nav::new(&auth, "")),
            title: format!("Edit {}", p.demographics.display_name()),
            action: format!("/patients/{pid}/edit"),
            submit: "Save changes",
            groups: groups(
                &DemographicsInput::from(&p.demographics),
                &ValidationErrors::default(),
            ),
            version: Some(p.version),
            error_count: 0,
            cancel: format!("/patients/{pid}"),
        },
    )
}

pub async fn update(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(f): Form<PatientFormData>,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_id(&id)?;
    let invalid = |e: ValidationErrors| {
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PatientForm {
                nav: Some(Nav::new(&auth, "")),
                title: "Edit patient".into(),
                action: format!("/patients/{pid}/edit"),
                submit: "Save changes",
                error_count: e.0.len(),
                groups: groups(&f.input, &e),
                version: f.version,
                cancel: format!("/patients/{pid}"),
            },
        )
    };
    let d = match f.input.validate(s.app.clock().today()) {
        Ok(d) => d,
        Err(e) => return invalid(e),
    };
    match s.app.update_patient(&auth.caller, pid, d, f.version).await {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{pid}?notice=saved")).into_response()),
        Err(AppError::Invalid(e)) => invalid(e),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    start_date: String,
}

pub async fn add_member(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(f): Form<MemberForm>,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_id(&id)?;
    let user: UserId = f
        .user_id
        .parse()
        .map_err(|_| PageError::BadRequest("Choose a clinician to add.".into()))?;
    let start =
        match f.start_date.trim() {
            "" => None,
            d => Some(parse_date(d).ok_or_else(|| {
                PageError::BadRequest("Give the start date as YYYY-MM-DD.".into())
            })?),
        };
    s.app
        .add_care_team_member(&auth.caller, pid, user, start)
        .await?;
    Ok(Redirect::to(&format!("/patients/{pid}?notice=team")).into_response())
}

#[derive(Deserialize)]
pub struct EndForm {
    #[serde(default)]
    csrf: String,
}

pub async fn end_member(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path((id, member)): Path<(String, String)>,
    Form(f): Form<EndForm>,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_id(&id)?;
    let member: CareTeamMemberId = member
        .parse()
        .map_err(|_| PageError::App(AppError::NotFound("care team member")))?;
    s.app
        .end_care_team_member(&auth.caller, pid, member, None)
        .await?;
    Ok(Redirect::to(&format!("/patients/{pid}?notice=team")).into_response())
}
