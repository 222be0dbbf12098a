//! The care plan in the chart: the current plan with therapy and
//! medication side by side, the editor (start and revise, a reason every
//! time), signing, the patient's agreement, the versions and a comparison
//! of any two.

use super::patients::{Header, html};
use super::{Nav, when};
use crate::AppState;
use crate::error::PageError;
use crate::session::{SignedIn, WebUser, csrf_ok};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use tandem_app::{AppError, CarePlanView, PlanCard, PlanChoices};
use tandem_core::ValidationErrors;
use tandem_core::care_plan::{
    AnyVersion, Comparator, Diagnosis, Format, Frequency, Goal, GoalStatus, Medication, Modality,
    PlanBody, Problem, Scheduled, Setting, Target, Therapy, suggested_targets,
};
use tandem_core::ids::{GoalId, PatientId, UserId};
use time::Date;

type PageResult = Result<Response, PageError>;

fn parse_pid(id: &str) -> Result<PatientId, PageError> {
    id.parse()
        .map_err(|_| PageError::App(AppError::NotFound("patient")))
}

/// The chart's plan card.
pub struct PlanCardView {
    pub exists: bool,
    pub version: u32,
    pub signed: bool,
    pub review: Vec<String>,
}

/// The card for the chart: `None` for roles that see no clinical content.
pub fn card(clinical: bool, c: Option<&PlanCard>) -> Option<PlanCardView> {
    clinical.then(|| match c {
        Some(c) => PlanCardView {
            exists: true,
            version: c.version,
            signed: c.signed,
            review: c.review.iter().map(|r| r.text()).collect(),
        },
        None => PlanCardView {
            exists: false,
            version: 0,
            signed: false,
            review: Vec::new(),
        },
    })
}

// ---------------------------------------------------------------- the plan

pub struct GoalLine {
    pub text: String,
    pub status: &'static str,
    /// "12 on 2026-11-10", when the chart has a score for the instrument.
    pub latest: Option<String>,
    /// Whether the latest score meets the target.
    pub met: Option<bool>,
}

pub struct ProblemBlock {
    pub text: String,
    pub diagnosis: Option<String>,
    pub goals: Vec<GoalLine>,
}

pub struct VersionLine {
    pub number: u32,
    pub author: String,
    pub at: String,
    pub reason: String,
    pub signed: Option<String>,
    pub agreed: Option<String>,
}

#[derive(Template)]
#[template(path = "care_plan.html")]
struct PlanPage {
    nav: Option<Nav>,
    h: Header,
    plan: Option<PlanShown>,
    /// A refused sign or agreement form: its message.
    sign_error: Option<String>,
    agree_error: Option<String>,
    agree_note: String,
    notice: Option<String>,
}

struct PlanShown {
    version: u32,
    signed: Option<String>,
    agreement: Option<String>,
    review: Vec<String>,
    problems: Vec<ProblemBlock>,
    therapy: Vec<String>,
    medication: Option<String>,
    schedule: Vec<String>,
    review_every: u8,
    shared: String,
    versions: Vec<VersionLine>,
}

fn version_line(v: &AnyVersion, name: &dyn Fn(UserId) -> String) -> VersionLine {
    let m = v.meta();
    VersionLine {
        number: m.number,
        author: name(m.author),
        at: when(m.created_at),
        reason: m.reason.clone(),
        signed: v
            .signature()
            .map(|s| format!("{} · {}", name(s.by), when(s.at))),
        agreed: v.agreement().map(|a| {
            let mut t = format!("{} · recorded by {}", when(a.at), name(a.recorded_by));
            if !a.note.is_empty() {
                t.push_str(&format!(" · {}", a.note));
            }
            t
        }),
    }
}

fn shown(s: &AppState, v: &CarePlanView) -> PlanShown {
    let lib = s.app.instruments();
    let body = v.current.body();
    let problems = body
        .problems
        .iter()
        .enumerate()
        .map(|(i, p)| ProblemBlock {
            text: p.text.clone(),
            // A problem drafted from a diagnosis is worded as its title:
            // the chip then names the code alone rather than repeat it.
            diagnosis: p.diagnosis.as_ref().map(|d| {
                if p.text.trim() == d.display.trim() {
                    d.code.to_string()
                } else {
                    format!("{} {}", d.code, d.display)
                }
            }),
            goals: body
                .goals
                .iter()
                .filter(|g| g.problem == i)
                .map(|g| {
                    let (latest, met) = match &g.target {
                        Target::Measurable {
                            instrument,
                            comparator,
                            value,
                            ..
                        } => match v.latest.get(instrument) {
                            Some((score, on)) => (
                                Some(format!("{score} on {on}")),
                                Some(comparator.holds(*score, *value)),
                            ),
                            None => (None, None),
                        },
                        Target::Smart { .. } => (None, None),
                    };
                    GoalLine {
                        text: g.describe(lib),
                        status: g.status.label(),
                        latest,
                        met,
                    }
                })
                .collect(),
        })
        .collect();
    let therapy = body
        .therapy
        .iter()
        .map(|t| match t.clinician {
            Some(c) => format!("{} — with {}", t.describe(), v.name(c)),
            None => t.describe(),
        })
        .collect();
    let medication = body.medication.as_ref().map(|m| {
        let mut t = format!("Prescriber: {}", v.name(m.prescriber));
        if let Some(d) = m.evaluation_on {
            t.push_str(&format!(" · evaluation on {d}"));
        }
        if !m.notes.trim().is_empty() {
            t.push_str(&format!(" · {}", m.notes.trim()));
        }
        t
    });
    let schedule = body
        .schedule
        .iter()
        .map(|x| {
            let name = lib
                .get(&x.instrument)
                .map_or(x.instrument.clone(), |i| i.name.clone());
            format!("{name} every {} weeks", x.every_weeks)
        })
        .collect();
    let name = |u| v.name(u);
    let line = version_line(&v.current, &name);
    PlanShown {
        version: v.current.number(),
        signed: line.signed,
        agreement: line.agreed,
        review: v.review.iter().map(|r| r.text()).collect(),
        problems,
        therapy,
        medication,
        schedule,
        review_every: body.review_every_weeks,
        shared: body.shared_decisions.clone(),
        versions: v
            .versions
            .iter()
            .rev()
            .map(|x| version_line(x, &name))
            .collect(),
    }
}

#[derive(Deserialize, Default)]
pub struct PlanQuery {
    notice: Option<String>,
}

/// What the plan page shows beyond the plan: a refused form's message and
/// input, or the notice after a change.
#[derive(Default)]
struct PlanExtras {
    sign_error: Option<String>,
    agree_error: Option<String>,
    agree_note: String,
    notice: Option<String>,
}

async fn render_plan(
    s: &AppState,
    auth: &SignedIn,
    pid: PatientId,
    status: StatusCode,
    x: PlanExtras,
) -> PageResult {
    let view = s.app.care_plan(&auth.caller, pid).await?;
    let p = s.app.read_patient(&auth.caller, pid).await?;
    html(
        status,
        &PlanPage {
            nav: Some(Nav::new(auth, "")),
            h: Header::of(&p, s.app.clock().today()),
            plan: view.as_ref().map(|v| shown(s, v)),
            sign_error: x.sign_error,
            agree_error: x.agree_error,
            agree_note: x.agree_note,
            notice: x.notice,
        },
    )
}

pub async fn page(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Query(q): Query<PlanQuery>,
) -> PageResult {
    let pid = parse_pid(&id)?;
    let x = PlanExtras {
        notice: q.notice,
        ..Default::default()
    };
    render_plan(&s, &auth, pid, StatusCode::OK, x).await
}

#[derive(Deserialize)]
pub struct SignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    confirm: String,
}

pub async fn sign(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(f): Form<SignForm>,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let version: u32 = f
        .version
        .parse()
        .map_err(|_| PageError::BadRequest("which version?".into()))?;
    let refuse = async |msg: String| {
        let x = PlanExtras {
            sign_error: Some(msg),
            ..Default::default()
        };
        render_plan(&s, &auth, pid, StatusCode::UNPROCESSABLE_ENTITY, x).await
    };
    if f.confirm != "yes" {
        return refuse("Tick the box to confirm you reviewed this version.".into()).await;
    }
    match s.app.sign_care_plan(&auth.caller, pid, version).await {
        Ok(()) => Ok(Redirect::to(&format!("/patients/{pid}/plan?notice=signed")).into_response()),
        Err(AppError::Conflict(m)) => refuse(m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct AgreementForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    note: String,
}

pub async fn agreement(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(f): Form<AgreementForm>,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let version: u32 = f
        .version
        .parse()
        .map_err(|_| PageError::BadRequest("which version?".into()))?;
    let refuse = async |msg: String| {
        let x = PlanExtras {
            agree_error: Some(msg),
            agree_note: f.note.clone(),
            ..Default::default()
        };
        render_plan(&s, &auth, pid, StatusCode::UNPROCESSABLE_ENTITY, x).await
    };
    match s
        .app
        .record_plan_agreement(&auth.caller, pid, version, &f.note)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/patients/{pid}/plan?notice=agreed")).into_response()),
        Err(AppError::Invalid(v)) => {
            refuse(v.for_field("note").unwrap_or("check the note").to_string()).await
        }
        Err(AppError::Conflict(m)) => refuse(m).await,
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- versions

#[derive(Template)]
#[template(path = "care_plan_versions.html")]
struct VersionsPage {
    nav: Option<Nav>,
    h: Header,
    versions: Vec<VersionLine>,
    current: u32,
}

pub async fn versions(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
) -> PageResult {
    let pid = parse_pid(&id)?;
    let v = s.app.care_plan_versions(&auth.caller, pid).await?;
    let p = s.app.read_patient(&auth.caller, pid).await?;
    html(
        StatusCode::OK,
        &VersionsPage {
            nav: Some(Nav::new(&auth, "")),
            h: Header::of(&p, s.app.clock().today()),
            versions: {
                let name = |u| v.name(u);
                v.versions
                    .iter()
                    .rev()
                    .map(|x| version_line(x, &name))
                    .collect()
            },
            current: v.current.number(),
        },
    )
}

pub struct CompareRow {
    pub section: &'static str,
    pub what: String,
    pub before: String,
    pub after: String,
    pub changed: bool,
}

#[derive(Template)]
#[template(path = "care_plan_compare.html")]
struct ComparePage {
    nav: Option<Nav>,
    h: Header,
    a: VersionLine,
    b: VersionLine,
    rows: Vec<CompareRow>,
    changed: usize,
}

#[derive(Deserialize)]
pub struct CompareQuery {
    a: Option<String>,
    b: Option<String>,
}

pub async fn compare(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Query(q): Query<CompareQuery>,
) -> PageResult {
    let pid = parse_pid(&id)?;
    let num = |v: Option<String>, which: &str| {
        v.as_deref()
            .unwrap_or("")
            .trim()
            .parse::<u32>()
            .map_err(|_| PageError::BadRequest(format!("give version {which} as a number")))
    };
    let a = num(q.a, "a")?;
    let b = num(q.b, "b")?;
    let c = s.app.compare_care_plan(&auth.caller, pid, a, b).await?;
    let p = s.app.read_patient(&auth.caller, pid).await?;
    let name = |u: UserId| {
        c.names
            .get(&u)
            .cloned()
            .unwrap_or_else(|| "a former staff member".into())
    };
    let rows: Vec<CompareRow> = c
        .rows
        .iter()
        .map(|r| CompareRow {
            section: r.section.label(),
            what: r.what.clone(),
            before: r.before.clone().unwrap_or_default(),
            after: r.after.clone().unwrap_or_default(),
            changed: r.changed(),
        })
        .collect();
    html(
        StatusCode::OK,
        &ComparePage {
            nav: Some(Nav::new(&auth, "")),
            h: Header::of(&p, s.app.clock().today()),
            a: version_line(&c.a, &name),
            b: version_line(&c.b, &name),
            changed: c.changes.len(),
            rows,
        },
    )
}

// ---------------------------------------------------------------- editor

#[derive(Clone, Default)]
pub struct ProblemRow {
    pub text: String,
    pub dx: String,
}

#[derive(Clone, Default)]
pub struct GoalRow {
    pub id: String,
    pub problem: String,
    pub kind: String,
    pub instrument: String,
    pub comparator: String,
    pub value: String,
    pub text: String,
    pub due: String,
    pub status: String,
}

#[derive(Clone, Default)]
pub struct TherapyRow {
    pub modality: String,
    pub format: String,
    pub setting: String,
    pub frequency: String,
    pub clinician: String,
}

#[derive(Clone, Default)]
pub struct ScheduleRow {
    pub instrument: String,
    pub weeks: String,
}

/// The editor's fields as text, so a refused form comes back as typed.
#[derive(Clone, Default)]
pub struct EditorForm {
    pub based_on: u32,
    pub reason: String,
    pub review: String,
    pub shared: String,
    pub problems: Vec<ProblemRow>,
    pub goals: Vec<GoalRow>,
    pub therapy: Vec<TherapyRow>,
    pub med_prescriber: String,
    pub med_evaluation: String,
    pub med_notes: String,
    pub schedule: Vec<ScheduleRow>,
    /// Drafted from the intake decision: every row needs the clinician's look.
    pub from_intake: bool,
}

/// Blank rows offered for additions: the form needs no script.
const SPARE_ROWS: usize = 2;

impl EditorForm {
    fn of(body: &PlanBody, based_on: u32) -> EditorForm {
        EditorForm {
            based_on,
            from_intake: false,
            reason: String::new(),
            review: body.review_every_weeks.to_string(),
            shared: body.shared_decisions.clone(),
            problems: body
                .problems
                .iter()
                .map(|p| ProblemRow {
                    text: p.text.clone(),
                    dx: p
                        .diagnosis
                        .as_ref()
                        .map_or(String::new(), |d| d.condition.to_string()),
                })
                .collect(),
            goals: body
                .goals
                .iter()
                .map(|g| {
                    let mut r = GoalRow {
                        id: g.id.to_string(),
                        problem: (g.problem + 1).to_string(),
                        status: g.status.as_str().into(),
                        due: g.target.due().map_or(String::new(), |d| d.to_string()),
                        ..Default::default()
                    };
                    match &g.target {
                        Target::Measurable {
                            instrument,
                            comparator,
                            value,
                            ..
                        } => {
                            r.kind = "measurable".into();
                            r.instrument = instrument.clone();
                            r.comparator = comparator.as_str().into();
                            r.value = value.to_string();
                        }
                        Target::Smart { text, .. } => {
                            r.kind = "smart".into();
                            r.text = text.clone();
                        }
                    }
                    r
                })
                .collect(),
            therapy: body
                .therapy
                .iter()
                .map(|t| TherapyRow {
                    modality: t.modality.as_str().into(),
                    format: t.format.as_str().into(),
                    setting: t.setting.as_str().into(),
                    frequency: t.frequency.as_str().into(),
                    clinician: t.clinician.map_or(String::new(), |c| c.to_string()),
                })
                .collect(),
            med_prescriber: body
                .medication
                .as_ref()
                .map_or(String::new(), |m| m.prescriber.to_string()),
            med_evaluation: body
                .medication
                .as_ref()
                .and_then(|m| m.evaluation_on)
                .map_or(String::new(), |d| d.to_string()),
            med_notes: body
                .medication
                .as_ref()
                .map_or(String::new(), |m| m.notes.clone()),
            schedule: body
                .schedule
                .iter()
                .map(|x| ScheduleRow {
                    instrument: x.instrument.clone(),
                    weeks: x.every_weeks.to_string(),
                })
                .collect(),
        }
    }

    fn with_spare_rows(mut self) -> EditorForm {
        let add = |n: usize| n + SPARE_ROWS;
        self.problems
            .resize(add(self.problems.len()), ProblemRow::default());
        self.goals.resize(add(self.goals.len()), GoalRow::default());
        self.therapy
            .resize(add(self.therapy.len()), TherapyRow::default());
        self.schedule
            .resize(add(self.schedule.len()), ScheduleRow::default());
        self
    }

    fn from_fields(fields: &[(String, String)]) -> EditorForm {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map_or(String::new(), |(_, v)| v.trim().to_string())
        };
        let rows = |prefix: &str| {
            fields
                .iter()
                .filter_map(|(k, _)| {
                    k.strip_prefix(prefix)?
                        .rsplit('_')
                        .next()?
                        .parse::<usize>()
                        .ok()
                })
                .max()
                .map_or(0, |m| m + 1)
        };
        let at = |name: &str, i: usize| get(&format!("{name}_{i}"));
        EditorForm {
            based_on: get("based_on").parse().unwrap_or(0),
            from_intake: false,
            reason: get("reason"),
            review: get("review_every_weeks"),
            shared: get("shared_decisions"),
            problems: (0..rows("problem_"))
                .map(|i| ProblemRow {
                    text: at("problem_text", i),
                    dx: at("problem_dx", i),
                })
                .collect(),
            goals: (0..rows("goal_"))
                .map(|i| GoalRow {
                    id: at("goal_id", i),
                    problem: at("goal_problem", i),
                    kind: at("goal_kind", i),
                    instrument: at("goal_instrument", i),
                    comparator: at("goal_comparator", i),
                    value: at("goal_value", i),
                    text: at("goal_text", i),
                    due: at("goal_due", i),
                    status: at("goal_status", i),
                })
                .collect(),
            therapy: (0..rows("therapy_"))
                .map(|i| TherapyRow {
                    modality: at("therapy_modality", i),
                    format: at("therapy_format", i),
                    setting: at("therapy_setting", i),
                    frequency: at("therapy_frequency", i),
                    clinician: at("therapy_clinician", i),
                })
                .collect(),
            med_prescriber: get("med_prescriber"),
            med_evaluation: get("med_evaluation_on"),
            med_notes: get("med_notes"),
            schedule: (0..rows("schedule_"))
                .map(|i| ScheduleRow {
                    instrument: at("schedule_instrument", i),
                    weeks: at("schedule_weeks", i),
                })
                .collect(),
        }
    }

    /// The plan the form describes; blank rows are left out. Unreadable
    /// values are reported under the section's field name.
    fn body(
        &self,
        choices: &PlanChoices,
        new_goal: &mut dyn FnMut() -> GoalId,
    ) -> Result<PlanBody, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let date = |s: &str| {
            Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
        };
        let user = |s: &str| s.parse::<UserId>().ok();
        let mut problem_index: BTreeMap<usize, usize> = BTreeMap::new();
        let mut problems = Vec::new();
        for (i, p) in self.problems.iter().enumerate() {
            if p.text.is_empty() && p.dx.is_empty() {
                continue;
            }
            let diagnosis = if p.dx.is_empty() {
                None
            } else {
                match choices
                    .diagnoses
                    .iter()
                    .find(|d| d.condition.to_string() == p.dx)
                {
                    Some(d) => Some(d.clone()),
                    None => {
                        e.add(
                            "problems",
                            format!("problem {}: choose one of the listed diagnoses", i + 1),
                        );
                        None
                    }
                }
            };
            problem_index.insert(i + 1, problems.len());
            problems.push(Problem {
                text: p.text.clone(),
                diagnosis,
            });
        }
        let mut goals = Vec::new();
        for (i, g) in self.goals.iter().enumerate() {
            let n = i + 1;
            if g.instrument.is_empty() && g.text.is_empty() {
                continue;
            }
            // Words without an instrument are a SMART goal whatever the kind
            // select says: typed text is never dropped.
            let smart = g.kind == "smart" || g.instrument.is_empty();
            let problem = match g
                .problem
                .parse::<usize>()
                .ok()
                .and_then(|p| problem_index.get(&p))
            {
                Some(p) => *p,
                None => {
                    e.add(
                        "goals",
                        format!("goal {n}: choose the problem it belongs to"),
                    );
                    continue;
                }
            };
            let due = if g.due.is_empty() { None } else { date(&g.due) };
            if !g.due.is_empty() && due.is_none() {
                e.add(
                    "goals",
                    format!("goal {n}: give the target date as YYYY-MM-DD"),
                );
                continue;
            }
            let target = if smart {
                Target::Smart {
                    text: g.text.clone(),
                    due,
                }
            } else {
                let (Some(comparator), Ok(value)) =
                    (Comparator::parse(&g.comparator), g.value.parse::<i32>())
                else {
                    e.add(
                        "goals",
                        format!("goal {n}: give the target as a comparison and a whole number"),
                    );
                    continue;
                };
                let Some(due) = due else {
                    e.add(
                        "goals",
                        format!("goal {n}: a measurable goal needs a target date"),
                    );
                    continue;
                };
                Target::Measurable {
                    instrument: g.instrument.clone(),
                    comparator,
                    value,
                    due,
                }
            };
            let id = if g.id.is_empty() {
                new_goal()
            } else if let Ok(id) = g.id.parse() {
                id
            } else {
                e.add(
                    "goals",
                    format!("goal {n}: reload the editor and try again"),
                );
                continue;
            };
            goals.push(Goal {
                id,
                problem,
                target,
                status: GoalStatus::parse(&g.status).unwrap_or(GoalStatus::Proposed),
            });
        }
        let mut therapy = Vec::new();
        for (i, t) in self.therapy.iter().enumerate() {
            if t.modality.is_empty() {
                continue;
            }
            let parsed = (
                Modality::parse(&t.modality),
                Format::parse(&t.format),
                Setting::parse(&t.setting),
                Frequency::parse(&t.frequency),
            );
            let (Some(modality), Some(format), Some(setting), Some(frequency)) = parsed else {
                e.add(
                    "therapy",
                    format!(
                        "therapy {}: choose the format, setting and frequency",
                        i + 1
                    ),
                );
                continue;
            };
            let clinician = if t.clinician.is_empty() {
                None
            } else {
                user(&t.clinician)
            };
            therapy.push(Therapy {
                modality,
                format,
                setting,
                frequency,
                clinician,
            });
        }
        let medication = if self.med_prescriber.is_empty() {
            if !self.med_notes.is_empty() || !self.med_evaluation.is_empty() {
                e.add("medication", "choose the prescriber");
            }
            None
        } else {
            let evaluation_on = if self.med_evaluation.is_empty() {
                None
            } else {
                let d = date(&self.med_evaluation);
                if d.is_none() {
                    e.add("medication", "give the evaluation date as YYYY-MM-DD");
                }
                d
            };
            user(&self.med_prescriber).map(|prescriber| Medication {
                prescriber,
                evaluation_on,
                notes: self.med_notes.clone(),
            })
        };
        let mut schedule = Vec::new();
        for (i, x) in self.schedule.iter().enumerate() {
            if x.instrument.is_empty() {
                continue;
            }
            match x.weeks.parse::<u8>() {
                Ok(every_weeks) => schedule.push(Scheduled {
                    instrument: x.instrument.clone(),
                    every_weeks,
                }),
                Err(_) => e.add(
                    "schedule",
                    format!("row {}: give the weeks as a whole number", i + 1),
                ),
            }
        }
        let review_every_weeks = match self.review.parse::<u8>() {
            Ok(w) => w,
            Err(_) => {
                e.add("review_every_weeks", "give the weeks as a whole number");
                0
            }
        };
        e.finish(PlanBody {
            problems,
            goals,
            therapy,
            medication,
            schedule,
            review_every_weeks,
            shared_decisions: self.shared.clone(),
        })
    }
}

#[derive(Template)]
#[template(path = "care_plan_form.html")]
struct EditorPage {
    nav: Option<Nav>,
    h: Header,
    f: EditorForm,
    /// Messages by field name.
    errors: BTreeMap<String, Vec<String>>,
    diagnoses: Vec<(String, String)>,
    clinicians: Vec<(String, String)>,
    prescribers: Vec<(String, String)>,
    instruments: Vec<(String, String)>,
    /// "PHQ-9: below 5 (remission), below 10 (...)".
    suggestions: Vec<String>,
    modalities: Vec<(String, String)>,
    formats: Vec<(String, String)>,
    settings: Vec<(String, String)>,
    frequencies: Vec<(String, String)>,
    comparators: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
}

fn pairs<T: Copy>(
    all: &[T],
    id: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|c| (id(*c).to_string(), label(*c).to_string()))
        .collect()
}

async fn render_editor(
    s: &AppState,
    auth: &SignedIn,
    pid: PatientId,
    status: StatusCode,
    f: EditorForm,
    errors: &ValidationErrors,
) -> PageResult {
    let choices = s.app.care_plan_choices(&auth.caller, pid).await?;
    let p = s.app.read_patient(&auth.caller, pid).await?;
    let mut by_field: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &errors.0 {
        by_field
            .entry(e.field.to_string())
            .or_default()
            .push(e.message.clone());
    }
    let lib = s.app.instruments();
    let rules = s.app.trajectory_rules();
    let instruments: Vec<(String, String)> =
        lib.all().map(|i| (i.id.clone(), i.name.clone())).collect();
    let suggestions = lib
        .all()
        .filter_map(|i| {
            let t = suggested_targets(&i.id, rules);
            (!t.is_empty()).then(|| {
                let parts: Vec<String> = t
                    .iter()
                    .map(|x| format!("{} {} ({})", x.comparator.label(), x.value, x.meaning))
                    .collect();
                format!("{}: {} — {}", i.name, parts.join(", "), t[0].source)
            })
        })
        .collect();
    let clinicians: Vec<(String, String)> = choices
        .clinicians
        .iter()
        .map(|(id, name, role)| (id.to_string(), format!("{name} ({})", role.label())))
        .collect();
    let prescribers = choices
        .clinicians
        .iter()
        .filter(|(_, _, r)| *r == tandem_core::role::Role::Prescriber)
        .map(|(id, name, _)| (id.to_string(), name.clone()))
        .collect();
    let diagnoses = choices
        .diagnoses
        .iter()
        .map(|d: &Diagnosis| (d.condition.to_string(), format!("{} {}", d.code, d.display)))
        .collect();
    html(
        status,
        &EditorPage {
            nav: Some(Nav::new(auth, "")),
            h: Header::of(&p, s.app.clock().today()),
            f: f.with_spare_rows(),
            errors: by_field,
            diagnoses,
            clinicians,
            prescribers,
            instruments,
            suggestions,
            modalities: pairs(Modality::ALL, Modality::as_str, Modality::label),
            formats: pairs(Format::ALL, Format::as_str, Format::label),
            settings: pairs(Setting::ALL, Setting::as_str, Setting::label),
            frequencies: pairs(Frequency::ALL, Frequency::as_str, Frequency::label),
            comparators: pairs(Comparator::ALL, Comparator::as_str, Comparator::label),
            statuses: pairs(GoalStatus::ALL, GoalStatus::as_str, GoalStatus::label),
        },
    )
}

pub async fn edit_form(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
) -> PageResult {
    let pid = parse_pid(&id)?;
    let f = match s.app.care_plan(&auth.caller, pid).await? {
        Some(v) => EditorForm::of(v.current.body(), v.current.number()),
        None => match s.app.draft_plan_from_intake(&auth.caller, pid).await? {
            Some(body) => EditorForm {
                reason: "Intake completed".into(),
                from_intake: true,
                ..EditorForm::of(&body, 0)
            },
            None => EditorForm::default(),
        },
    };
    render_editor(
        &s,
        &auth,
        pid,
        StatusCode::OK,
        f,
        &ValidationErrors::default(),
    )
    .await
}

pub async fn save(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    if !csrf_ok(&auth, csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let f = EditorForm::from_fields(&fields);
    let choices = s.app.care_plan_choices(&auth.caller, pid).await?;
    let mut new_goal = || GoalId::generate(s.app.clock(), s.app.entropy());
    let body = match f.body(&choices, &mut new_goal) {
        Ok(b) => b,
        Err(e) => {
            return render_editor(&s, &auth, pid, StatusCode::UNPROCESSABLE_ENTITY, f, &e).await;
        }
    };
    let result = if f.based_on == 0 {
        s.app
            .start_care_plan(&auth.caller, pid, body, &f.reason)
            .await
            .map(|_| ())
    } else {
        s.app
            .revise_care_plan(&auth.caller, pid, f.based_on, body, &f.reason)
            .await
            .map(|_| ())
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/patients/{pid}/plan?notice=saved")).into_response()),
        Err(AppError::Invalid(e)) => {
            render_editor(&s, &auth, pid, StatusCode::UNPROCESSABLE_ENTITY, f, &e).await
        }
        Err(e) => Err(e.into()),
    }
}
