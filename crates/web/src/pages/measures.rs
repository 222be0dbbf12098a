//! Measurement in the chart: the flag strip, one card per instrument with
//! its trajectory chart, the entry form, and acknowledging a safety flag.

use super::{Nav, when};
use crate::chart;
use crate::error::PageError;
use crate::session::{SignedIn, WebUser, csrf_ok};
use crate::{AppState, pages::patients};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tandem_app::{
    App, AppError, ChartMeasures, Forbidden, MeasureStatus, Source, Submission, parse_answers,
};
use tandem_core::flag::FlagKind;
use tandem_core::ids::{FlagId, PatientId};
use tandem_core::instrument::definition::{Instrument, LicenceStatus, Rule};
use tandem_core::instrument::{Answers, ResponseError};
use tandem_core::patient::Patient;
use time::OffsetDateTime;
use time::macros::format_description;

type PageResult = Result<Response, PageError>;

pub use crate::chart::sev_class;

/// How a trajectory status looks: good news green, a plan to review amber,
/// getting worse red.
pub fn status_tone(s: Option<&str>) -> &'static str {
    match s {
        Some("Remission") | Some("Response") | Some("Improving") => "ok",
        Some("Not improving") => "warn",
        Some("Worsening") => "danger",
        _ => "neutral",
    }
}

/// Red for safety flags, amber for the rest.
pub fn flag_tone(k: FlagKind) -> &'static str {
    if k.is_safety() { "danger" } else { "warn" }
}

/// A change in points, with a real minus sign; lower is better on every
/// instrument Tandem reads to a target.
pub fn signed(n: i32) -> String {
    match n {
        0 => "±0".into(),
        n if n < 0 => format!("−{}", -n),
        n => format!("+{n}"),
    }
}

pub fn change_tone(n: i32) -> &'static str {
    match n {
        n if n < 0 => "better",
        0 => "same",
        _ => "worse",
    }
}

/// The severity of a stored response: its band's, or for a screener with
/// risk levels (C-SSRS) the level's.
fn severity_of(inst: Option<&Instrument>, severity: Option<&str>, interp: Option<&str>) -> String {
    if let Some(s) = severity {
        return s.to_string();
    }
    let (Some(inst), Some(interp)) = (inst, interp) else {
        return String::new();
    };
    for r in &inst.rules {
        if let Rule::Levels { levels, .. } = r
            && let Some(l) = levels.iter().find(|l| l.name == interp)
        {
            return l.severity.as_str().to_string();
        }
    }
    String::new()
}

pub struct AckView {
    pub who: String,
    pub at: String,
    pub note: String,
}

pub struct FlagView {
    pub id: String,
    pub text: &'static str,
    pub tone: &'static str,
    pub reason: String,
    pub since: String,
    pub safety: bool,
    pub acks: Vec<AckView>,
    /// The acknowledgement form's message and note, after a refusal.
    pub error: Option<String>,
    pub note: String,
}

pub struct AnswerView {
    pub item: String,
    pub text: String,
    pub answer: String,
    pub score: Option<i32>,
}

pub struct ResponseView {
    pub at: String,
    pub total: Option<i32>,
    pub band: Option<String>,
    pub sev: &'static str,
    pub answers: Vec<AnswerView>,
}

pub struct MeasureCard {
    pub id: String,
    pub name: String,
    pub title: String,
    pub latest: Option<i32>,
    pub max: Option<i32>,
    pub band: Option<String>,
    pub sev: &'static str,
    pub latest_on: String,
    pub change: Option<String>,
    pub change_tone: &'static str,
    pub percent: Option<String>,
    pub weeks: i64,
    pub baseline: Option<i32>,
    pub baseline_on: String,
    pub status: Option<String>,
    pub status_tone: &'static str,
    pub svg: Option<String>,
    /// Newest first.
    pub responses: Vec<ResponseView>,
}

pub struct InstrumentLink {
    pub id: String,
    pub name: String,
    pub title: String,
}

/// The clinical part of the chart page.
pub struct MeasuresView {
    pub flags: Vec<FlagView>,
    pub cards: Vec<MeasureCard>,
    pub instruments: Vec<InstrumentLink>,
    pub episode_start: Option<String>,
}

/// Every instrument of the library, as a menu.
pub fn instrument_links(app: &App) -> Vec<InstrumentLink> {
    let mut v: Vec<InstrumentLink> = app
        .instruments()
        .all()
        .map(|i| InstrumentLink {
            id: i.id.clone(),
            name: i.name.clone(),
            title: i.title.clone(),
        })
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// Item text and the chosen answer of one stored response.
fn answers_of(inst: Option<&Instrument>, json: &str) -> Vec<AnswerView> {
    let answers = parse_answers(json);
    let Some(inst) = inst else {
        return answers
            .into_iter()
            .map(|(item, code)| AnswerView {
                text: String::new(),
                item,
                answer: code,
                score: None,
            })
            .collect();
    };
    inst.items
        .iter()
        .filter_map(|it| {
            let code = answers.get(&it.id)?;
            let opt = inst.options(it).iter().find(|o| &o.code == code);
            Some(AnswerView {
                item: it.id.clone(),
                text: it.text.clone(),
                answer: opt.map_or(code.clone(), |o| o.label.clone()),
                score: opt.filter(|_| it.scored).map(|o| o.score),
            })
        })
        .collect()
}

fn card(app: &App, m: &MeasureStatus, history: &[tandem_app::Response]) -> MeasureCard {
    let inst = app.instruments().get(&m.instrument);
    let name = inst.map_or(m.instrument.clone(), |i| i.name.clone());
    let sev = sev_class(Some(&severity_of(
        inst,
        m.latest_severity.as_deref(),
        m.latest_interpretation.as_deref(),
    )));
    let svg = inst.and_then(|i| {
        let range = i.total?;
        let latest_model = history.iter().rev().find_map(|r| r.band_model.as_deref());
        let model = latest_model
            .and_then(|id| i.band_model(Some(id)))
            .or_else(|| i.band_model(app.settings().band_models.get(&i.id).map(String::as_str)));
        let marks: Vec<chart::Mark> = history
            .iter()
            .filter_map(|r| {
                Some(chart::Mark {
                    at: r.authored,
                    score: r.total?,
                    band: r.interpretation.clone(),
                    severity: r.severity.clone(),
                })
            })
            .collect();
        if marks.is_empty() {
            return None;
        }
        Some(chart::svg(&chart::Plot {
            name: name.clone(),
            min: range.min,
            max: range.max,
            bands: model.map_or(vec![], |m| {
                m.bands
                    .iter()
                    .map(|b| chart::Area {
                        min: b.min,
                        max: b.max,
                        label: b.label.clone(),
                        severity: b.severity.as_str().to_string(),
                    })
                    .collect()
            }),
            baseline: m.baseline_score,
            target_below: app
                .trajectory_rules()
                .instruments
                .get(&i.id)
                .and_then(|t| t.remission_below),
            marks,
        }))
    });
    MeasureCard {
        id: m.instrument.clone(),
        title: inst.map_or(String::new(), |i| i.title.clone()),
        latest: m.latest_score,
        max: inst.and_then(|i| i.total).map(|t| t.max),
        band: m.latest_interpretation.clone(),
        sev,
        latest_on: m.latest_on.to_string(),
        change: m.change.filter(|_| m.responses > 1).map(signed),
        change_tone: m.change.map_or("same", change_tone),
        percent: m
            .percent_change
            .filter(|p| p.is_finite() && m.responses > 1)
            .map(|p| {
                let p = p.round() as i64;
                if p < 0 {
                    format!("−{}%", -p)
                } else if p > 0 {
                    format!("+{p}%")
                } else {
                    "±0%".into()
                }
            }),
        weeks: m.weeks,
        baseline: m.baseline_score,
        baseline_on: m.baseline_on.to_string(),
        status: m.status.clone(),
        status_tone: status_tone(m.status.as_deref()),
        svg,
        responses: history
            .iter()
            .rev()
            .map(|r| ResponseView {
                at: when(r.authored),
                total: r.total,
                band: r.interpretation.clone(),
                sev: sev_class(Some(&severity_of(
                    inst,
                    r.severity.as_deref(),
                    r.interpretation.as_deref(),
                ))),
                answers: answers_of(inst, &r.answers),
            })
            .collect(),
        name,
    }
}

/// A refused acknowledgement, shown at its flag.
pub struct AckError {
    pub flag: String,
    pub message: String,
    pub note: String,
}

pub fn view(app: &App, m: &ChartMeasures, ack: Option<&AckError>) -> MeasuresView {
    let mut flags: Vec<_> = m.active_flags.iter().collect();
    flags.sort_by_key(|f| FlagKind::ALL.iter().position(|k| *k == f.kind));
    let flags = flags
        .into_iter()
        .map(|f| {
            let id = f.id.to_string();
            let err = ack.filter(|a| a.flag == id);
            FlagView {
                text: f.kind.text(),
                tone: flag_tone(f.kind),
                reason: f.reason.clone(),
                since: when(f.period_start),
                safety: f.kind.is_safety(),
                acks: m
                    .acknowledgements
                    .iter()
                    .filter(|a| a.flag_id == f.id)
                    .map(|a| AckView {
                        who: a.display_name.clone(),
                        at: when(a.at),
                        note: a.note.clone(),
                    })
                    .collect(),
                error: err.map(|a| a.message.clone()),
                note: err.map(|a| a.note.clone()).unwrap_or_default(),
                id,
            }
        })
        .collect();
    let mut ms: Vec<&MeasureStatus> = m.measures.iter().collect();
    ms.sort_by(|a, b| {
        b.latest_on
            .cmp(&a.latest_on)
            .then(a.instrument.cmp(&b.instrument))
    });
    let cards = ms
        .into_iter()
        .map(|s| {
            card(
                app,
                s,
                m.history
                    .get(&s.instrument)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
            )
        })
        .collect();
    MeasuresView {
        flags,
        cards,
        instruments: instrument_links(app),
        episode_start: m.episode_start.map(|d| d.to_string()),
    }
}

// ---------------------------------------------------------------------------
// The entry form.

pub struct OptionView {
    pub code: String,
    pub label: String,
    pub score: i32,
    pub checked: bool,
    pub key: String,
    /// The label is only the score ("2"): the score chip says it all.
    pub bare: bool,
}

pub struct ItemView {
    pub id: String,
    pub text: String,
    pub scored: bool,
    pub required: bool,
    /// (item, code, that answer's label): asked only then.
    pub enable_when: Option<(String, String, String)>,
    pub options: Vec<OptionView>,
    /// A "not asked" choice for items a skip rule may leave out.
    pub blank: bool,
    pub blank_checked: bool,
    pub error: Option<String>,
}

pub struct BandView {
    pub min: i32,
    pub max: i32,
    pub label: String,
    pub sev: &'static str,
}

pub struct CriticalView {
    pub item: String,
    pub min_score: i32,
    pub text: &'static str,
}

pub struct LevelView {
    pub name: String,
    pub sev: &'static str,
    /// `item=code` pairs, space-separated.
    pub any: String,
}

pub struct LicenceView {
    pub status: &'static str,
    pub tone: &'static str,
    pub text: String,
}

#[derive(Template)]
#[template(path = "measure_form.html")]
struct EntryPage {
    nav: Option<Nav>,
    pid: String,
    patient_name: String,
    mrn: String,
    id: String,
    name: String,
    title: String,
    recall: Option<String>,
    licence: Option<LicenceView>,
    items: Vec<ItemView>,
    total: Option<(i32, i32)>,
    bands: Vec<BandView>,
    bump: Vec<(String, i32)>,
    critical: Vec<CriticalView>,
    levels: Vec<LevelView>,
    otherwise: Option<String>,
    authored: String,
    now: String,
    authored_error: Option<String>,
    problems: Vec<(String, String)>,
    previous: Option<String>,
}

const MINUTE: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]");
const SECOND: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

/// The value of a `datetime-local` input, in UTC as every time Tandem shows.
fn local_value(t: OffsetDateTime) -> String {
    t.format(MINUTE).unwrap_or_default()
}

/// Parses a `datetime-local` value (UTC), with or without seconds.
fn parse_local(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim().replace(' ', "T");
    time::PrimitiveDateTime::parse(&s, MINUTE)
        .or_else(|_| time::PrimitiveDateTime::parse(&s, SECOND))
        .ok()
        .map(|p| p.assume_utc())
}

fn instrument<'a>(s: &'a AppState, id: &str) -> Result<&'a Instrument, PageError> {
    s.app
        .instruments()
        .get(id)
        .ok_or(PageError::App(AppError::NotFound("questionnaire")))
}

/// A problem in words for the person at the form, and the item it belongs to.
fn problem_text(e: &ResponseError, inst: &Instrument) -> (Option<String>, String) {
    let label = |item: &str, code: &str| {
        inst.item(item)
            .and_then(|it| inst.options(it).iter().find(|o| o.code == code))
            .map_or(code.to_string(), |o| o.label.clone())
    };
    match e {
        ResponseError::Missing { item } => (Some(item.clone()), "Not answered.".into()),
        ResponseError::UnknownAnswer { item, code, .. } => (
            Some(item.clone()),
            format!("“{code}” is not one of this item's answers; choose one."),
        ),
        ResponseError::NotAsked { item, .. } => {
            let why = inst
                .item(item)
                .and_then(|it| it.enable_when.as_ref())
                .map(|w| {
                    format!(
                        "only asked when item {} is “{}”",
                        w.item,
                        label(&w.item, &w.code)
                    )
                })
                .unwrap_or_else(|| "not asked here".into());
            (
                Some(item.clone()),
                format!("This item is {why}: choose “Not asked”."),
            )
        }
        other => (None, sentence(&other.to_string())),
    }
}

fn sentence(m: &str) -> String {
    let mut c = m.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

struct FormState<'a> {
    answers: &'a Answers,
    authored: String,
    authored_error: Option<String>,
    problems: &'a [ResponseError],
}

fn render_entry(
    s: &AppState,
    auth: &SignedIn,
    status: StatusCode,
    p: &Patient,
    inst: &Instrument,
    previous: Option<&tandem_app::Response>,
    st: FormState<'_>,
) -> PageResult {
    let mut item_errors: std::collections::BTreeMap<String, String> = Default::default();
    let mut problems = Vec::new();
    for e in st.problems {
        let (item, text) = problem_text(e, inst);
        match item {
            Some(item) if inst.item(&item).is_some() => {
                problems.push((format!("item-{item}"), format!("Item {item}: {text}")));
                item_errors.entry(item).or_insert(text);
            }
            _ => problems.push(("measure-form".into(), text)),
        }
    }
    if let Some(e) = &st.authored_error {
        problems.insert(0, ("authored".into(), format!("Answered at: {e}")));
    }
    let items = inst
        .items
        .iter()
        .map(|it| {
            let chosen = st.answers.get(&it.id);
            let options = inst.options(it);
            // Type the score to choose, where scores are unique and one digit.
            let unique = options.iter().all(|o| {
                (0..=9).contains(&o.score)
                    && options.iter().filter(|x| x.score == o.score).count() == 1
            });
            ItemView {
                id: it.id.clone(),
                text: it.text.clone(),
                scored: it.scored && inst.total.is_some(),
                required: it.required,
                enable_when: it.enable_when.as_ref().map(|w| {
                    let label = inst
                        .item(&w.item)
                        .and_then(|p| inst.options(p).iter().find(|o| o.code == w.code))
                        .map_or(w.code.clone(), |o| o.label.clone());
                    (w.item.clone(), w.code.clone(), label)
                }),
                options: options
                    .iter()
                    .map(|o| OptionView {
                        code: o.code.clone(),
                        label: o.label.clone(),
                        score: o.score,
                        checked: chosen == Some(&o.code),
                        bare: it.scored && inst.total.is_some() && o.label == o.score.to_string(),
                        key: if unique {
                            o.score.to_string()
                        } else {
                            String::new()
                        },
                    })
                    .collect(),
                blank: !it.required || it.enable_when.is_some(),
                blank_checked: chosen.is_none(),
                error: item_errors.get(&it.id).cloned(),
            }
        })
        .collect();
    let model = inst.band_model(
        s.app
            .settings()
            .band_models
            .get(&inst.id)
            .map(String::as_str),
    );
    let bands = model.map_or(vec![], |m| {
        m.bands
            .iter()
            .map(|b| BandView {
                min: b.min,
                max: b.max,
                label: b.label.clone(),
                sev: sev_class(Some(b.severity.as_str())),
            })
            .collect()
    });
    let bump = model.map_or(vec![], |m| {
        m.bump_up_when
            .iter()
            .map(|c| (c.item.clone(), c.min_score))
            .collect()
    });
    let critical = inst
        .critical
        .iter()
        .map(|c| CriticalView {
            item: c.item.clone(),
            min_score: c.min_score,
            text: c.flag.parse::<FlagKind>().map_or("Flag", |k| k.text()),
        })
        .collect();
    let (levels, otherwise) = inst
        .rules
        .iter()
        .find_map(|r| match r {
            Rule::Levels {
                levels, otherwise, ..
            } => Some((
                levels
                    .iter()
                    .map(|l| LevelView {
                        name: l.name.clone(),
                        sev: sev_class(Some(l.severity.as_str())),
                        any: l
                            .any
                            .iter()
                            .map(|a| format!("{}={}", a.item, a.code))
                            .collect::<Vec<_>>()
                            .join(" "),
                    })
                    .collect(),
                Some(otherwise.clone()),
            )),
            _ => None,
        })
        .unwrap_or((vec![], None));
    let licence = match inst.licence.status {
        LicenceStatus::Free => None,
        LicenceStatus::Terms => Some(("Use under the holder's terms", "note")),
        LicenceStatus::PermissionRequired => Some(("Permission required", "warn")),
        LicenceStatus::Unconfirmed => Some(("Licence not confirmed", "warn")),
    }
    .map(|(status, tone)| LicenceView {
        status,
        tone,
        text: inst.licence.text.clone(),
    });
    let previous = previous.map(|r| {
        let score = r.total.map(|t| t.to_string());
        let label = r.interpretation.clone();
        let what = match (score, label) {
            (Some(s), Some(l)) => format!("{s} · {l}"),
            (Some(s), None) => s,
            (None, Some(l)) => l,
            (None, None) => "recorded".into(),
        };
        format!("{what} on {}", r.authored.date())
    });
    let page = EntryPage {
        nav: Some(Nav::new(auth, "")),
        pid: p.id.to_string(),
        patient_name: p.demographics.display_name(),
        mrn: p.mrn.to_string(),
        id: inst.id.clone(),
        name: inst.name.clone(),
        title: inst.title.clone(),
        recall: inst.recall.clone(),
        licence,
        items,
        total: inst.total.map(|t| (t.min, t.max)),
        bands,
        bump,
        critical,
        levels,
        otherwise,
        authored: st.authored,
        now: local_value(s.app.now()),
        authored_error: st.authored_error,
        problems,
        previous,
    };
    patients::html(status, &page)
}

pub(super) fn parse_pid(id: &str) -> Result<PatientId, PageError> {
    id.parse()
        .map_err(|_| PageError::App(AppError::NotFound("patient")))
}

pub async fn entry_form(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path((id, instrument_id)): Path<(String, String)>,
) -> PageResult {
    let pid = parse_pid(&id)?;
    let inst = instrument(&s, &instrument_id)?;
    // Reading the instrument's history is a chart read: the app refuses
    // (and audits) roles that see no clinical content.
    let previous = match s
        .app
        .patient_responses(&auth.caller, pid, Some(&inst.id))
        .await
    {
        Ok(list) => list,
        Err(AppError::Forbidden(Forbidden::NotOnCareTeam)) => {
            return Ok(Redirect::to(&format!("/patients/{pid}")).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let p = s.app.read_patient(&auth.caller, pid).await?;
    render_entry(
        &s,
        &auth,
        StatusCode::OK,
        &p,
        inst,
        previous.last(),
        FormState {
            answers: &Answers::new(),
            authored: local_value(s.app.now()),
            authored_error: None,
            problems: &[],
        },
    )
}

pub async fn record(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path((id, instrument_id)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    if !csrf_ok(&auth, field("csrf")) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let inst = instrument(&s, &instrument_id)?;
    let answers: Answers = fields
        .iter()
        .filter_map(|(k, v)| {
            let item = k.strip_prefix("i_")?;
            (!v.trim().is_empty()).then(|| (item.to_string(), v.trim().to_string()))
        })
        .collect();
    let authored_text = field("authored").trim().to_string();
    let authored = if authored_text.is_empty() {
        Some(s.app.now())
    } else {
        parse_local(&authored_text)
    };
    let invalid = async |authored_error: Option<String>, problems: &[ResponseError]| {
        let p = s.app.read_patient(&auth.caller, pid).await?;
        render_entry(
            &s,
            &auth,
            StatusCode::UNPROCESSABLE_ENTITY,
            &p,
            inst,
            None,
            FormState {
                answers: &answers,
                authored: authored_text.clone(),
                authored_error,
                problems,
            },
        )
    };
    let Some(authored) = authored else {
        return invalid(
            Some("give the date and time as YYYY-MM-DD HH:MM.".into()),
            &[],
        )
        .await;
    };
    let sub = Submission {
        instrument: inst.id.clone(),
        answers: answers.clone(),
        authored,
        source: Source::Chart,
    };
    match s.app.record_response(&auth.caller, pid, sub).await {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{pid}?saved={}", inst.id)).into_response()),
        Err(AppError::Response(problems)) => invalid(None, &problems).await,
        Err(AppError::Invalid(v)) if v.for_field("authored").is_some() => {
            invalid(v.for_field("authored").map(sentence), &[]).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct AckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

pub async fn acknowledge(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path((id, flag)): Path<(String, String)>,
    Form(f): Form<AckForm>,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let fid: FlagId = flag
        .parse()
        .map_err(|_| PageError::App(AppError::NotFound("flag")))?;
    match s
        .app
        .acknowledge_flag(&auth.caller, pid, fid, &f.note)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/patients/{pid}?notice=acknowledged")).into_response()),
        Err(AppError::Invalid(e)) => {
            let chart = s.app.open_chart(&auth.caller, pid).await?;
            patients::render_chart(
                &s,
                &auth,
                chart,
                patients::ChartExtras {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    ack: Some(AckError {
                        flag: fid.to_string(),
                        message: e.for_field("note").map_or_else(|| e.to_string(), sentence),
                        note: f.note,
                    }),
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn answered_at_round_trips_in_utc() {
        let t = datetime!(2026-11-22 09:05 UTC);
        assert_eq!(local_value(t), "2026-11-22T09:05");
        assert_eq!(parse_local("2026-11-22T09:05"), Some(t));
        assert_eq!(parse_local("2026-11-22 09:05"), Some(t));
        assert_eq!(parse_local("2026-11-22T09:05:00"), Some(t));
        assert_eq!(parse_local("22/11/2026"), None);
    }

    #[test]
    fn changes_read_at_a_glance() {
        assert_eq!(signed(-5), "−5");
        assert_eq!(signed(3), "+3");
        assert_eq!(signed(0), "±0");
        assert_eq!(change_tone(-1), "better");
        assert_eq!(status_tone(Some("Worsening")), "danger");
        assert_eq!(flag_tone(FlagKind::SuicideRisk), "danger");
        assert_eq!(flag_tone(FlagKind::Overdue), "warn");
        assert_eq!(sev_class(Some("<script>")), "sev-unknown");
    }
}
