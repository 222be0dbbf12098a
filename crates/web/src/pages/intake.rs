//! The intake page: the program's screening packet and where each
//! instrument stands, the structured assessment, ASAM ratings with the
//! level-of-care suggestion (decision support), and the pathway
//! recommendation with the clinician's accept or override.

use super::{Nav, when};
use crate::AppState;
use crate::chart::sev_class;
use crate::error::PageError;
use crate::pages::patients;
use crate::session::{SignedIn, WebUser, csrf_ok};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tandem_app::{AppError, Choice, DecisionRequest, Intake};
use tandem_core::ValidationErrors;
use tandem_core::asam::{NOTE_FIELDS, RATING_FIELDS, RatingsInput};
use tandem_core::assessment::{
    AssessmentInput, Frequency, MAX_SUBSTANCES, MedicationPreference, MseField,
    PrescribingCondition, RiskLevel, Route, Substance, SubstanceInput, SuicidalIdeation,
    YesNoUnknown,
};
use tandem_core::ids::{AssessmentId, PatientId};
use tandem_core::pathway::Pathway;

use super::choices::{self, Opt};

type PageResult = Result<Response, PageError>;

/// A labelled choice with a note beside it (prescribing conditions, MSE).
pub struct ChoiceRow {
    pub name: String,
    pub label: String,
    pub options: Vec<Opt>,
    /// The empty choice's text; `None` when there is no empty choice.
    pub blank: Option<&'static str>,
    pub note_name: String,
    pub note: String,
    pub error: Option<String>,
}

pub struct SubstanceRow {
    pub n: usize,
    pub substances: Vec<Opt>,
    pub routes: Vec<Opt>,
    pub frequencies: Vec<Opt>,
    pub last_use: String,
    pub unknown: bool,
    pub note: String,
    pub substance_error: Option<String>,
    pub last_use_error: Option<String>,
}

pub struct AssessmentForm {
    /// The open assessment being edited; empty for a new one.
    pub editing: String,
    pub reassessment: bool,
    pub presenting_problems: String,
    pub psychiatric_history: String,
    pub treatment_history: String,
    pub substances: Vec<SubstanceRow>,
    pub prescribing: Vec<ChoiceRow>,
    pub medications: String,
    pub mse: Vec<ChoiceRow>,
    pub mood: String,
    pub suicidal_ideation: Vec<Opt>,
    pub self_harm: Vec<Opt>,
    pub homicidal: Vec<Opt>,
    pub means: Vec<Opt>,
    pub overall_risk: Vec<Opt>,
    pub risk_notes: String,
    pub trauma: bool,
    pub strengths: String,
    pub medication_preference: Vec<Opt>,
    pub therapy_preference: String,
    pub errors: Vec<(String, String)>,
    pub presenting_error: Option<String>,
    pub si_error: Option<String>,
    pub overall_error: Option<String>,
}

impl AssessmentForm {
    /// The message for one field, shown next to it.
    fn err(errors: &ValidationErrors, field: &str) -> Option<String> {
        errors.for_field(field).map(sentence)
    }
}

pub struct PacketRow {
    pub id: String,
    pub name: String,
    pub title: String,
    pub score: Option<i32>,
    pub band: Option<String>,
    pub sev: &'static str,
    pub on: Option<String>,
}

pub struct DimensionRow {
    pub n: u8,
    pub name: String,
    pub field: &'static str,
    pub note_field: &'static str,
    /// `(rating, chosen)` for 0 to 4.
    pub choices: Vec<(u8, bool)>,
    pub note: String,
    pub error: Option<String>,
}

pub struct SuggestionView {
    pub level: String,
    pub asam_level: String,
    pub explain: String,
    pub driven_by: Vec<String>,
}

pub struct ReasonView {
    pub text: String,
    pub because: String,
    pub source: Option<String>,
    pub clinic_default: bool,
    pub applied: bool,
}

pub struct StepView {
    pub text: String,
    pub safety: bool,
}

pub struct DecisionView {
    pub accepted: bool,
    pub pathway: String,
    pub recommended: String,
    pub reason: Option<String>,
    pub by: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    nav: Option<Nav>,
    pid: String,
    patient_name: String,
    mrn: String,
    notice: Option<&'static str>,
    program_name: String,
    /// The program picked on the page, carried through the forms.
    program_id: String,
    enrolled: bool,
    programs: Vec<Opt>,
    packet: Vec<PacketRow>,
    trauma: bool,
    form: AssessmentForm,
    /// The open assessment's id: ASAM and the decision need one.
    open: Option<String>,
    dimensions: Vec<DimensionRow>,
    asam_errors: bool,
    suggestion: Option<SuggestionView>,
    asam_statement: String,
    asam_verified: bool,
    pathway: Option<String>,
    pathway_id: String,
    no_rule: bool,
    steps: Vec<StepView>,
    cautions: Vec<String>,
    reasons: Vec<ReasonView>,
    preference: String,
    therapy_preference: String,
    preference_conflict: Option<String>,
    decision: Option<DecisionView>,
    override_pathways: Vec<Opt>,
    override_reason: String,
    decision_errors: Vec<(String, String)>,
    pathway_error: Option<String>,
    reason_error: Option<String>,
    earlier: Vec<DecisionView>,
}

/// A message as a sentence.
fn sentence(m: &str) -> String {
    let mut c = m.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

fn assessment_form(
    input: &AssessmentInput,
    errors: &ValidationErrors,
    editing: Option<AssessmentId>,
    reassessment: bool,
) -> AssessmentForm {
    let e = |f: &str| AssessmentForm::err(errors, f);
    let shown_rows = (input.substances.len() + 2).clamp(3, MAX_SUBSTANCES);
    let substances = (0..shown_rows)
        .map(|i| {
            let blank = SubstanceInput::default();
            let s = input.substances.get(i).unwrap_or(&blank);
            SubstanceRow {
                n: i + 1,
                substances: choices::of(
                    Substance::ALL,
                    Substance::as_str,
                    Substance::label,
                    &s.substance,
                ),
                routes: choices::of(Route::ALL, Route::as_str, Route::label, &s.route),
                frequencies: choices::of(
                    Frequency::ALL,
                    Frequency::as_str,
                    Frequency::label,
                    &s.frequency,
                ),
                last_use: s.last_use.clone(),
                unknown: s.last_use_unknown,
                note: s.note.clone(),
                substance_error: e(tandem_core::assessment::SUBSTANCE_FIELDS[i]),
                last_use_error: e(tandem_core::assessment::LAST_USE_FIELDS[i]),
            }
        })
        .collect();
    let prescribing = PrescribingCondition::ALL
        .iter()
        .map(|&c| {
            let (answer, note) = input
                .prescribing
                .iter()
                .find(|(k, _, _)| *k == c)
                .map_or(("unknown", ""), |(_, a, n)| (a.as_str(), n.as_str()));
            ChoiceRow {
                name: c.field().to_string(),
                label: c.label().to_string(),
                options: choices::of(
                    YesNoUnknown::ALL,
                    YesNoUnknown::as_str,
                    YesNoUnknown::label,
                    answer,
                ),
                blank: None,
                note_name: format!("{}_note", c.field()),
                note: note.to_string(),
                error: e(c.field()),
            }
        })
        .collect();
    let mse_value = |f: MseField| {
        input
            .mental_status
            .iter()
            .find(|(k, _, _)| *k == f)
            .map_or((String::new(), String::new()), |(_, a, n)| {
                (a.clone(), n.clone())
            })
    };
    let mse = MseField::ALL
        .iter()
        .filter(|f| **f != MseField::Mood)
        .map(|&f| {
            let (finding, note) = mse_value(f);
            ChoiceRow {
                name: f.field().to_string(),
                label: f.label().to_string(),
                options: f
                    .options()
                    .iter()
                    .map(|(id, label)| Opt {
                        value: id.to_string(),
                        label: label.to_string(),
                        selected: *id == finding,
                    })
                    .collect(),
                blank: Some("Not examined"),
                note_name: format!("{}_note", f.field()),
                note,
                error: e(f.field()),
            }
        })
        .collect();
    let mut list: Vec<(String, String)> = errors
        .0
        .iter()
        .map(|x| (x.field.to_string(), sentence(&x.message)))
        .collect();
    list.dedup();
    AssessmentForm {
        editing: editing.map(|i| i.to_string()).unwrap_or_default(),
        reassessment,
        presenting_problems: input.presenting_problems.clone(),
        psychiatric_history: input.psychiatric_history.clone(),
        treatment_history: input.treatment_history.clone(),
        substances,
        prescribing,
        medications: input.medications.clone(),
        mse,
        mood: mse_value(MseField::Mood).1,
        suicidal_ideation: choices::of(
            SuicidalIdeation::ALL,
            SuicidalIdeation::as_str,
            SuicidalIdeation::label,
            &input.suicidal_ideation,
        ),
        self_harm: choices::of(
            YesNoUnknown::ALL,
            YesNoUnknown::as_str,
            YesNoUnknown::label,
            or_unknown(&input.self_harm_history),
        ),
        homicidal: choices::of(
            YesNoUnknown::ALL,
            YesNoUnknown::as_str,
            YesNoUnknown::label,
            or_unknown(&input.homicidal_ideation),
        ),
        means: choices::of(
            YesNoUnknown::ALL,
            YesNoUnknown::as_str,
            YesNoUnknown::label,
            or_unknown(&input.access_to_means),
        ),
        overall_risk: choices::of(
            RiskLevel::ALL,
            RiskLevel::as_str,
            RiskLevel::label,
            &input.overall_risk,
        ),
        risk_notes: input.risk_notes.clone(),
        trauma: input.trauma_reported,
        strengths: input.strengths.clone(),
        medication_preference: choices::of(
            MedicationPreference::ALL,
            MedicationPreference::as_str,
            MedicationPreference::label,
            if input.medication_preference.is_empty() {
                "not_stated"
            } else {
                &input.medication_preference
            },
        ),
        therapy_preference: input.therapy_preference.clone(),
        errors: list,
        presenting_error: e("presenting_problems"),
        si_error: e("suicidal_ideation"),
        overall_error: e("overall_risk"),
    }
}

fn or_unknown(v: &str) -> &str {
    if v.is_empty() { "unknown" } else { v }
}

fn decision_view(d: &tandem_app::DecisionRecord) -> DecisionView {
    DecisionView {
        accepted: d.accepted,
        pathway: d.pathway.label().to_string(),
        recommended: d
            .recommendation
            .pathway
            .map_or("no pathway".to_string(), |p| p.label().to_string()),
        reason: d.reason.clone(),
        by: d.by_name.clone().unwrap_or_else(|| "unknown".into()),
        at: when(d.at),
    }
}

/// Forms sent back with their problems.
#[derive(Default)]
struct Kept {
    assessment: Option<(AssessmentInput, ValidationErrors)>,
    asam: Option<(RatingsInput, ValidationErrors)>,
    /// `(pathway, reason, errors)` of a refused decision.
    decision: Option<(String, String, ValidationErrors)>,
}

fn render(
    s: &AppState,
    auth: &SignedIn,
    status: StatusCode,
    i: Intake,
    notice: Option<&'static str>,
    kept: Kept,
) -> PageResult {
    let pid = i.patient.id;
    let open = i.current.as_ref().filter(|c| c.decision.is_none());
    let form = match &kept.assessment {
        Some((input, errors)) => assessment_form(
            input,
            errors,
            open.map(|c| c.id),
            i.current.as_ref().is_some_and(|c| c.decision.is_some()),
        ),
        None => match &i.current {
            Some(c) => assessment_form(
                &AssessmentInput::from_assessment(&c.assessment),
                &ValidationErrors::default(),
                open.map(|c| c.id),
                c.decision.is_some(),
            ),
            None => assessment_form(
                &AssessmentInput::default(),
                &ValidationErrors::default(),
                None,
                false,
            ),
        },
    };
    let rules = s.app.asam_rules();
    let (asam_input, asam_errors) = match &kept.asam {
        Some((input, errors)) => (input.clone(), errors.clone()),
        None => (
            i.current
                .as_ref()
                .and_then(|c| c.asam.as_ref())
                .map(RatingsInput::from_ratings)
                .unwrap_or_default(),
            ValidationErrors::default(),
        ),
    };
    let dimensions = (0..tandem_core::asam::DIMENSIONS)
        .map(|d| DimensionRow {
            n: d as u8 + 1,
            name: rules.name(d as u8 + 1).to_string(),
            field: RATING_FIELDS[d],
            note_field: NOTE_FIELDS[d],
            choices: (0..=4u8)
                .map(|v| (v, asam_input.dimensions[d].0.trim() == v.to_string()))
                .collect(),
            note: asam_input.dimensions[d].1.clone(),
            error: asam_errors
                .for_field(RATING_FIELDS[d])
                .or_else(|| asam_errors.for_field(NOTE_FIELDS[d]))
                .map(sentence),
        })
        .collect();
    let suggestion = i.suggestion.as_ref().map(|g| SuggestionView {
        level: g.level.label().to_string(),
        asam_level: g.asam_level.clone(),
        explain: g.explain.clone(),
        driven_by: g
            .driven_by
            .iter()
            .map(|(n, v)| format!("Dimension {n} ({}) rated {v}", rules.name(*n)))
            .collect(),
    });
    let rec = &i.recommendation;
    let (override_pathway, override_reason, decision_errors) = match kept.decision {
        Some((p, r, e)) => (p, r, e),
        None => (String::new(), String::new(), ValidationErrors::default()),
    };
    let override_pathways = Pathway::ALL
        .iter()
        .filter(|p| Some(**p) != rec.pathway)
        .map(|&p| Opt {
            value: p.as_str().into(),
            label: p.label().into(),
            selected: p.as_str() == override_pathway,
        })
        .collect();
    let programs = s
        .app
        .programs()
        .programs
        .iter()
        .map(|p| Opt {
            value: p.id.clone(),
            label: p.name.clone(),
            selected: p.id == i.packet.program.id,
        })
        .collect();
    let therapy_preference = i
        .current
        .as_ref()
        .map(|c| c.assessment.preferences.therapy.clone())
        .unwrap_or_default();
    let page = IntakePage {
        nav: Some(Nav::new(auth, "")),
        pid: pid.to_string(),
        patient_name: i.patient.demographics.display_name(),
        mrn: i.patient.mrn.to_string(),
        notice,
        program_name: i.packet.program.name.clone(),
        program_id: if i.packet.enrolled {
            String::new()
        } else {
            i.packet.program.id.clone()
        },
        enrolled: i.packet.enrolled,
        programs,
        packet: i
            .packet
            .items
            .iter()
            .map(|it| PacketRow {
                id: it.instrument.clone(),
                name: it.name.clone(),
                title: it.title.clone(),
                score: it.done.as_ref().and_then(|d| d.score),
                band: it.done.as_ref().and_then(|d| d.band.clone()),
                sev: sev_class(it.done.as_ref().and_then(|d| d.severity.as_deref())),
                on: it.done.as_ref().map(|d| d.on.to_string()),
            })
            .collect(),
        trauma: i.packet.trauma_reported,
        form,
        open: open.map(|c| c.id.to_string()),
        dimensions,
        asam_errors: !asam_errors.is_empty(),
        suggestion,
        asam_statement: rules.statement.clone(),
        asam_verified: rules.verified,
        pathway: rec.pathway.map(|p| p.label().to_string()),
        pathway_id: rec.pathway.map_or("none", |p| p.as_str()).to_string(),
        no_rule: rec.no_rule_applies(),
        steps: rec
            .steps
            .iter()
            .map(|x| StepView {
                text: x.text.clone(),
                safety: x.safety,
            })
            .collect(),
        cautions: rec.cautions.clone(),
        reasons: rec
            .reasons
            .iter()
            .map(|r| ReasonView {
                text: r.text.clone(),
                because: r.because.join("; "),
                source: r.source.clone(),
                clinic_default: r.clinic_default,
                applied: r.applied,
            })
            .collect(),
        preference: rec.preference.label().to_string(),
        therapy_preference,
        preference_conflict: rec.preference_conflict.clone(),
        decision: i
            .current
            .as_ref()
            .and_then(|c| c.decision.as_ref())
            .map(decision_view),
        override_pathways,
        override_reason,
        pathway_error: decision_errors.for_field("pathway").map(sentence),
        reason_error: decision_errors.for_field("reason").map(sentence),
        decision_errors: decision_errors
            .0
            .iter()
            .filter(|e| e.field == "decision")
            .map(|e| (e.field.to_string(), sentence(&e.message)))
            .collect(),
        earlier: i
            .earlier
            .iter()
            .filter_map(|a| a.decision.as_ref())
            .map(decision_view)
            .collect(),
    };
    patients::html(status, &page)
}

fn parse_pid(id: &str) -> Result<PatientId, PageError> {
    id.parse()
        .map_err(|_| PageError::App(AppError::NotFound("patient")))
}

fn parse_assessment(id: &str) -> Result<Option<AssessmentId>, PageError> {
    match id.trim() {
        "" => Ok(None),
        s => s
            .parse()
            .map(Some)
            .map_err(|_| PageError::App(AppError::NotFound("assessment"))),
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    program: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

pub async fn page(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let pid = parse_pid(&id)?;
    let i = s
        .app
        .intake(&auth.caller, pid, q.program.as_deref())
        .await?;
    let notice = match q.saved.as_deref() {
        Some("assessment") => Some("Assessment saved."),
        Some("asam") => Some("ASAM ratings saved."),
        Some("decision") => Some("Decision recorded."),
        _ => None,
    };
    render(&s, &auth, StatusCode::OK, i, notice, Kept::default())
}

/// The fields of a posted form, by name.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }
}

fn assessment_input(f: &Fields) -> AssessmentInput {
    let substances = (1..=MAX_SUBSTANCES)
        .map(|n| SubstanceInput {
            substance: f.get(&format!("su{n}_substance")).into(),
            route: f.get(&format!("su{n}_route")).into(),
            frequency: f.get(&format!("su{n}_frequency")).into(),
            last_use: f.get(&format!("su{n}_last_use")).into(),
            last_use_unknown: f.has(&format!("su{n}_last_use_unknown")),
            note: f.get(&format!("su{n}_note")).into(),
        })
        .collect();
    AssessmentInput {
        presenting_problems: f.get("presenting_problems").into(),
        psychiatric_history: f.get("psychiatric_history").into(),
        treatment_history: f.get("treatment_history").into(),
        substances,
        prescribing: PrescribingCondition::ALL
            .iter()
            .map(|&c| {
                (
                    c,
                    f.get(c.field()).into(),
                    f.get(&format!("{}_note", c.field())).into(),
                )
            })
            .collect(),
        medications: f.get("medications").into(),
        mental_status: MseField::ALL
            .iter()
            .map(|&m| {
                (
                    m,
                    f.get(m.field()).into(),
                    f.get(&format!("{}_note", m.field())).into(),
                )
            })
            .collect(),
        suicidal_ideation: f.get("suicidal_ideation").into(),
        self_harm_history: f.get("self_harm_history").into(),
        homicidal_ideation: f.get("homicidal_ideation").into(),
        access_to_means: f.get("access_to_means").into(),
        overall_risk: f.get("overall_risk").into(),
        risk_notes: f.get("risk_notes").into(),
        trauma_reported: f.has("trauma_reported"),
        strengths: f.get("strengths").into(),
        medication_preference: f.get("medication_preference").into(),
        therapy_preference: f.get("therapy_preference").into(),
    }
}

/// Back to the page after a save, keeping the program picked there.
fn saved(pid: PatientId, f: &Fields, what: &str, anchor: &str) -> Response {
    let program = f.get("program");
    let pick = if !program.is_empty()
        && program
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        format!("&program={program}")
    } else {
        String::new()
    };
    Redirect::to(&format!(
        "/patients/{pid}/intake?saved={what}{pick}#{anchor}"
    ))
    .into_response()
}

/// The program picked on the page, if any.
fn picked(f: &Fields) -> Option<&str> {
    Some(f.get("program")).filter(|p| !p.is_empty())
}

pub async fn save_assessment(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(fields);
    if !csrf_ok(&auth, f.get("csrf")) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let editing = parse_assessment(f.get("assessment"))?;
    let input = assessment_input(&f);
    match s
        .app
        .save_assessment(&auth.caller, pid, editing, &input)
        .await
    {
        Ok(_) => Ok(saved(pid, &f, "assessment", "assessment")),
        Err(AppError::Invalid(errors)) => {
            let i = s.app.intake(&auth.caller, pid, picked(&f)).await?;
            render(
                &s,
                &auth,
                StatusCode::UNPROCESSABLE_ENTITY,
                i,
                None,
                Kept {
                    assessment: Some((input, errors)),
                    ..Kept::default()
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn save_asam(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(fields);
    if !csrf_ok(&auth, f.get("csrf")) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let assessment = parse_assessment(f.get("assessment"))?
        .ok_or(PageError::App(AppError::NotFound("assessment")))?;
    let input = RatingsInput {
        dimensions: std::array::from_fn(|d| {
            (
                f.get(RATING_FIELDS[d]).to_string(),
                f.get(NOTE_FIELDS[d]).to_string(),
            )
        }),
    };
    match s.app.save_asam(&auth.caller, pid, assessment, &input).await {
        Ok(_) => Ok(saved(pid, &f, "asam", "asam")),
        Err(AppError::Invalid(errors)) => {
            let i = s.app.intake(&auth.caller, pid, picked(&f)).await?;
            render(
                &s,
                &auth,
                StatusCode::UNPROCESSABLE_ENTITY,
                i,
                None,
                Kept {
                    asam: Some((input, errors)),
                    ..Kept::default()
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn decide(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(fields);
    if !csrf_ok(&auth, f.get("csrf")) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let assessment = parse_assessment(f.get("assessment"))?
        .ok_or(PageError::App(AppError::NotFound("assessment")))?;
    let shown = match f.get("shown") {
        "none" => None,
        p => Some(
            Pathway::parse(p)
                .ok_or_else(|| PageError::BadRequest("the form names no pathway shown".into()))?,
        ),
    };
    let (pathway, reason) = (f.get("pathway").to_string(), f.get("reason").to_string());
    let choice = match f.get("action") {
        "accept" => Choice::Accept,
        "override" => Choice::Override {
            pathway: pathway.clone(),
            reason: reason.clone(),
        },
        _ => return Err(PageError::BadRequest("accept or override?".into())),
    };
    let req = DecisionRequest {
        assessment,
        shown,
        choice,
    };
    match s.app.decide_pathway(&auth.caller, pid, &req).await {
        Ok(_) => Ok(saved(pid, &f, "decision", "recommendation")),
        Err(AppError::Invalid(errors)) => {
            let i = s.app.intake(&auth.caller, pid, picked(&f)).await?;
            render(
                &s,
                &auth,
                StatusCode::UNPROCESSABLE_ENTITY,
                i,
                None,
                Kept {
                    decision: Some((pathway, reason, errors)),
                    ..Kept::default()
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}
