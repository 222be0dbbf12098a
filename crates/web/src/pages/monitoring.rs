//! The monitoring page of a chart: the integrated medication timeline
//! (dose steps, PHQ-9 and GAD-7, side effects, adherence on one axis) with
//! its tables, the latest lab results with out-of-range badges, drug
//! screens, and the forms that record each. A form with a problem comes
//! back (422) with the message beside the field and the input kept.

use super::choices::{self, Opt};
use super::measures::parse_pid;
use super::patients::html;
use super::{Nav, when};
use crate::AppState;
use crate::error::PageError;
use crate::session::{SignedIn, WebUser, csrf_ok};
use crate::timeline::{self, DoseLane, EffectMark, ScoreMark, Timeline};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use tandem_app::{AppError, MonitoringView, fmt_qty, opioid_positive};
use tandem_core::ids::{MedicationOrderId, PatientId};
use tandem_core::medication::side_effects::Checklist;
use tandem_core::monitoring::{
    AdherenceInput, Analyte, LabInput, ScreenInput, ScreenOutcome, Severity, SideEffectInput,
    Substance,
};

type PageResult = Result<Response, PageError>;

pub struct LabLine {
    pub id: String,
    pub test: &'static str,
    pub value: String,
    pub unit: &'static str,
    pub at: String,
    /// `Low`, `Normal` or `High` where a range applies.
    pub reading: Option<&'static str>,
    pub out_of_range: bool,
    pub range: Option<String>,
    pub source: Option<String>,
}

pub struct ScreenLine {
    pub id: String,
    pub at: String,
    pub positives: String,
    pub negatives: String,
    pub opioid_positive: bool,
}

pub struct EffectLine {
    pub on: String,
    pub drug: String,
    pub effect: String,
    pub severity: &'static str,
    pub tone: &'static str,
}

pub struct AdherenceLine {
    pub week_ending: String,
    pub drug: String,
    pub missed: u32,
    pub expected: u32,
    pub percent: u32,
    pub reporter: &'static str,
}

pub struct ScoreLine {
    pub at: String,
    pub instrument: &'static str,
    pub total: i32,
}

pub struct DoseLine {
    pub drug: String,
    pub on: String,
    pub dose: String,
}

/// A row of the screen or side-effect checklist, with its posted choice.
pub struct Row {
    pub name: String,
    pub label: String,
    pub choices: Vec<Opt>,
}

/// A label a checklist was read from, as a link.
pub struct SourceLink {
    pub name: String,
    pub url: String,
}

/// The side-effect form of one order: the checklist of its class (label
/// items, then the general items apart), with the posted values and errors
/// when this is the form that was sent back.
pub struct EffectForm {
    /// Numbers the form's element ids.
    pub n: usize,
    pub order: String,
    pub drug: String,
    pub open: bool,
    pub label_items: Vec<Row>,
    pub general_items: Vec<Row>,
    /// Where the list comes from, in a sentence.
    pub source_line: String,
    pub sources: Vec<SourceLink>,
    pub noted_on: String,
    pub other: String,
    pub other_severities: Vec<Opt>,
    pub errors: BTreeMap<&'static str, String>,
}

impl EffectForm {
    fn err(&self, k: &str) -> Option<&str> {
        self.errors.get(k).map(String::as_str)
    }
}

/// "sertraline", "sertraline and venlafaxine", "a, b and c".
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn source_line(c: &Checklist<'_>) -> String {
    let names: Vec<&str> = c.labels.iter().map(|l| l.name.as_str()).collect();
    if names.is_empty() {
        format!(
            "No FDA label for this kind of medicine ({}) is on file: the list below is a general one, not from a label.",
            c.class.label()
        )
    } else {
        let s = if names.len() == 1 { "" } else { "s" };
        format!(
            "Common side effects named in the FDA label{s} of {}.",
            and_list(&names)
        )
    }
}

#[derive(Template)]
#[template(path = "monitoring.html")]
struct Page {
    nav: Option<Nav>,
    pid: String,
    patient: String,
    saved: Option<&'static str>,
    anc: Option<tandem_app::AncReminder>,
    timeline: Option<String>,
    summary: String,
    latest: Vec<LabLine>,
    labs: Vec<LabLine>,
    screens: Vec<ScreenLine>,
    effects: Vec<EffectLine>,
    adherence: Vec<AdherenceLine>,
    scores: Vec<ScoreLine>,
    doses: Vec<DoseLine>,
    analytes: Vec<Opt>,
    effect_forms: Vec<EffectForm>,
    /// A side-effect post naming no order of this patient.
    effect_order_error: Option<String>,
    orders_ad: Vec<Opt>,
    reporters: Vec<Opt>,
    substances: Vec<Row>,
    /// The form the errors belong to.
    form: &'static str,
    v: BTreeMap<String, String>,
    errors: BTreeMap<&'static str, String>,
}

impl Page {
    fn val(&self, k: &str) -> &str {
        self.v.get(k).map_or("", String::as_str)
    }

    fn err(&self, form: &str, k: &str) -> Option<&str> {
        if form != self.form {
            return None;
        }
        self.errors.get(k).map(String::as_str)
    }
}

fn opts(items: &[(&str, &str)], chosen: &str) -> Vec<Opt> {
    choices::opts(items.iter().copied(), chosen)
}

fn severity_tone(s: Severity) -> &'static str {
    match s {
        Severity::Mild => "note",
        Severity::Moderate => "warn",
        Severity::Severe => "danger",
    }
}

fn instrument_label(id: &str) -> &'static str {
    match id {
        "phq9" => "PHQ-9",
        "gad7" => "GAD-7",
        _ => "score",
    }
}

fn lab_line(l: &tandem_app::LabResult) -> LabLine {
    LabLine {
        id: l.id.to_string(),
        test: l.analyte.label(),
        value: fmt_qty(l.value),
        unit: l.analyte.unit(),
        at: when(l.effective),
        reading: l.reading.map(|r| r.label()),
        out_of_range: l.out_of_range(),
        range: l.range.as_ref().map(|r| {
            format!(
                "{}–{} {} ({})",
                fmt_qty(r.low),
                fmt_qty(r.high),
                r.unit,
                r.note
            )
        }),
        source: l.range.as_ref().map(|r| r.source.clone()),
    }
}

fn timeline_of(m: &MonitoringView, today: time::Date) -> Timeline {
    let lanes = m
        .orders
        .iter()
        .rev()
        .map(|o| {
            let mut steps: Vec<(time::Date, f64)> = o
                .history
                .iter()
                .filter(|s| s.kind.sets_dose())
                .filter_map(|s| s.dose.map(|d| (s.on, d.quantity.get())))
                .collect();
            steps.sort_by_key(|s| s.0);
            DoseLane {
                drug: o.drug_name.clone(),
                unit: o.dose.unit.label().to_string(),
                steps,
                ends: o.stopped_on.or(o.ends_on),
            }
        })
        .collect();
    Timeline {
        lanes,
        effects: m
            .side_effects
            .iter()
            .map(|e| EffectMark {
                on: e.noted_on,
                label: format!("{} ({})", e.effect.label(), e.drug_name),
                severity: e.severity.code().to_string(),
            })
            .collect(),
        adherence: m
            .adherence
            .iter()
            .map(|a| (a.week_ending, a.adherence.percent()))
            .collect(),
        scores: m
            .scores
            .iter()
            .map(|s| ScoreMark {
                on: s.at.date(),
                instrument: s.instrument.clone(),
                total: s.total,
            })
            .collect(),
        today: Some(today),
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    app: &tandem_app::App,
    auth: &SignedIn,
    m: &MonitoringView,
    today: time::Date,
    saved: Option<&'static str>,
    form: &'static str,
    v: BTreeMap<String, String>,
    errors: BTreeMap<&'static str, String>,
) -> Page {
    let get = |k: &str| v.get(k).map_or("", String::as_str).to_string();
    let t = timeline_of(m, today);
    let orders: Vec<(String, String)> = m
        .orders
        .iter()
        .map(|o| {
            (
                o.id.to_string(),
                format!("{} (from {})", o.drug_name, o.start_on),
            )
        })
        .collect();
    let order_opts = |chosen: &str| {
        let refs: Vec<(&str, &str)> = orders
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        opts(&refs, chosen)
    };
    let analytes: Vec<(&str, &str)> = Analyte::ALL.iter().map(|a| (a.code(), a.label())).collect();
    let outcome_choices: Vec<(&str, &str)> = [
        ScreenOutcome::NotTested,
        ScreenOutcome::Negative,
        ScreenOutcome::Positive,
    ]
    .iter()
    .map(|o| (o.code(), o.label()))
    .collect();
    let mut severity_choices: Vec<(&str, &str)> = vec![("", "—")];
    severity_choices.extend(Severity::ALL.iter().map(|s| (s.code(), s.label())));
    let mut doses = Vec::new();
    for lane in &t.lanes {
        for (d, q) in &lane.steps {
            doses.push(DoseLine {
                drug: lane.drug.clone(),
                on: d.to_string(),
                dose: format!("{} {}/day", fmt_qty(*q), lane.unit),
            });
        }
    }
    // The form sent back with problems, if a side-effect form was.
    let sent = (form == "side-effects").then(|| get("se_order"));
    let mut effect_forms = Vec::new();
    for (n, o) in m.orders.iter().enumerate() {
        let order = o.id.to_string();
        let this = sent.as_deref() == Some(order.as_str());
        // Only the form sent back keeps what was typed.
        let value = |k: &str| {
            if this { get(k) } else { String::new() }
        };
        let c = app.side_effect_checklist(o.drug);
        let row = |code: &str, label: &str| {
            let name = format!("fx_{code}");
            Row {
                choices: opts(&severity_choices, &value(&name)),
                name,
                label: label.to_string(),
            }
        };
        effect_forms.push(EffectForm {
            n,
            drug: format!("{} (from {})", o.drug_name, o.start_on),
            open: this || m.orders.len() == 1,
            label_items: c
                .items
                .iter()
                .filter(|i| i.from_label())
                .map(|i| row(&i.code, &i.label))
                .collect(),
            general_items: c
                .items
                .iter()
                .filter(|i| !i.from_label())
                .map(|i| row(&i.code, &i.label))
                .collect(),
            source_line: source_line(&c),
            sources: c
                .labels
                .iter()
                .map(|l| SourceLink {
                    name: l.name.clone(),
                    url: l.url.clone(),
                })
                .collect(),
            noted_on: if this {
                get("noted_on")
            } else {
                today.to_string()
            },
            other: value("other"),
            other_severities: opts(&severity_choices, &value("other_severity")),
            errors: if this {
                errors.clone()
            } else {
                BTreeMap::new()
            },
            order,
        });
    }
    let effect_order_error = match &sent {
        Some(o) if !m.orders.iter().any(|x| &x.id.to_string() == o) => errors.get("order").cloned(),
        _ => None,
    };
    Page {
        nav: Some(Nav::new(auth, "")),
        pid: m.patient.id.to_string(),
        patient: m.patient.demographics.display_name(),
        saved,
        anc: m.anc.clone(),
        timeline: timeline::svg(&t),
        summary: t.summary(),
        latest: m.latest_labs().into_iter().map(lab_line).collect(),
        labs: m.labs.iter().map(lab_line).collect(),
        screens: m
            .screens
            .iter()
            .map(|s| {
                let list = |want: ScreenOutcome| {
                    s.panel
                        .results()
                        .filter(|(_, o)| *o == want)
                        .map(|(x, _)| x.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                ScreenLine {
                    id: s.id.to_string(),
                    at: when(s.panel.collected),
                    positives: list(ScreenOutcome::Positive),
                    negatives: list(ScreenOutcome::Negative),
                    opioid_positive: opioid_positive(s),
                }
            })
            .collect(),
        effects: m
            .side_effects
            .iter()
            .rev()
            .map(|e| EffectLine {
                on: e.noted_on.to_string(),
                drug: e.drug_name.clone(),
                effect: e.effect.label().to_string(),
                severity: e.severity.label(),
                tone: severity_tone(e.severity),
            })
            .collect(),
        adherence: m
            .adherence
            .iter()
            .rev()
            .map(|a| AdherenceLine {
                week_ending: a.week_ending.to_string(),
                drug: a.drug_name.clone(),
                missed: a.adherence.missed(),
                expected: a.adherence.expected(),
                percent: a.adherence.percent(),
                reporter: a.reporter.label(),
            })
            .collect(),
        scores: m
            .scores
            .iter()
            .rev()
            .map(|s| ScoreLine {
                at: when(s.at),
                instrument: instrument_label(&s.instrument),
                total: s.total,
            })
            .collect(),
        doses,
        analytes: opts(&analytes, &get("analyte")),
        effect_forms,
        effect_order_error,
        orders_ad: order_opts(&get("ad_order")),
        reporters: opts(
            &[("patient", "Patient"), ("clinician", "Clinician")],
            &get("reporter"),
        ),
        substances: Substance::ALL
            .iter()
            .map(|x| {
                let name = format!("s_{}", x.code());
                let chosen = v.get(&name).map_or("not-tested", String::as_str);
                Row {
                    choices: opts(&outcome_choices, chosen),
                    name,
                    label: x.label().to_string(),
                }
            })
            .collect(),
        form,
        v,
        errors,
    }
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn saved_text(q: Option<&str>) -> Option<&'static str> {
    match q? {
        "lab" => Some("Lab result recorded."),
        "screen" => Some("Drug screen recorded."),
        "side-effects" => Some("Side effects recorded."),
        "adherence" => Some("Adherence recorded."),
        _ => None,
    }
}

fn defaults(today: time::Date, now: time::OffsetDateTime) -> BTreeMap<String, String> {
    let stamp = format!("{}T{:02}:{:02}", now.date(), now.hour(), now.minute());
    let mut v = BTreeMap::new();
    v.insert("effective".into(), stamp.clone());
    v.insert("collected".into(), stamp);
    v.insert("noted_on".into(), today.to_string());
    v.insert("week_ending".into(), today.to_string());
    v
}

pub async fn page(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let pid = parse_pid(&id)?;
    let m = s.app.medication_monitoring(&auth.caller, pid).await?;
    let today = s.app.clock().today();
    let v = defaults(today, s.app.now());
    html(
        StatusCode::OK,
        &build(
            &s.app,
            &auth,
            &m,
            today,
            saved_text(q.saved.as_deref()),
            "",
            v,
            BTreeMap::new(),
        ),
    )
}

/// The posted fields without the form token, after checking it.
fn fields(
    auth: &SignedIn,
    posted: &[(String, String)],
) -> Result<BTreeMap<String, String>, PageError> {
    let token = posted
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, x)| x.as_str());
    if !csrf_ok(auth, token) {
        return Err(PageError::Csrf);
    }
    Ok(posted
        .iter()
        .filter(|(k, _)| k != "csrf")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect())
}

/// After a save: the page again, saying what was saved.
fn done(pid: PatientId, what: &str) -> PageResult {
    Ok(Redirect::to(&format!("/patients/{pid}/monitoring?saved={what}")).into_response())
}

/// The outcome of a save: back to the page, or the page again (422) with
/// the problems beside the fields of `form`.
async fn settle<T>(
    s: &AppState,
    auth: &SignedIn,
    pid: PatientId,
    form: &'static str,
    v: BTreeMap<String, String>,
    r: tandem_app::Result<T>,
) -> PageResult {
    match r {
        Ok(_) => done(pid, form),
        Err(AppError::Invalid(e)) => {
            let m = s.app.medication_monitoring(&auth.caller, pid).await?;
            let errors = e.0.into_iter().map(|x| (x.field, x.message)).collect();
            html(
                StatusCode::UNPROCESSABLE_ENTITY,
                &build(
                    &s.app,
                    auth,
                    &m,
                    s.app.clock().today(),
                    None,
                    form,
                    v,
                    errors,
                ),
            )
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn record_lab(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> PageResult {
    let v = fields(&auth, &posted)?;
    let pid = parse_pid(&id)?;
    let f = |k: &str| v.get(k).cloned().unwrap_or_default();
    let input = LabInput {
        analyte: f("analyte"),
        value: f("value"),
        effective: f("effective"),
    };
    let r = s.app.record_lab(&auth.caller, pid, &input).await;
    settle(&s, &auth, pid, "lab", v, r).await
}

pub async fn record_screen(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> PageResult {
    let v = fields(&auth, &posted)?;
    let pid = parse_pid(&id)?;
    let input = ScreenInput {
        collected: v.get("collected").cloned().unwrap_or_default(),
        results: v
            .iter()
            .filter_map(|(k, x)| Some((k.strip_prefix("s_")?.to_string(), x.clone())))
            .collect(),
    };
    let r = s.app.record_drug_screen(&auth.caller, pid, &input).await;
    settle(&s, &auth, pid, "screen", v, r).await
}

/// The order a form names; an unreadable one is "no order chosen".
fn order_of(v: &BTreeMap<String, String>, k: &str) -> Result<MedicationOrderId, AppError> {
    v.get(k)
        .and_then(|x| x.parse().ok())
        .ok_or_else(|| AppError::invalid("order", "choose the medication"))
}

pub async fn record_side_effects(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> PageResult {
    let v = fields(&auth, &posted)?;
    let pid = parse_pid(&id)?;
    let f = |k: &str| v.get(k).cloned().unwrap_or_default();
    let input = SideEffectInput {
        noted_on: f("noted_on"),
        listed: v
            .iter()
            .filter_map(|(k, x)| Some((k.strip_prefix("fx_")?.to_string(), x.clone())))
            .collect(),
        other: f("other"),
        other_severity: f("other_severity"),
    };
    let r = match order_of(&v, "se_order") {
        Ok(order) => {
            s.app
                .record_side_effects(&auth.caller, pid, order, &input)
                .await
        }
        Err(e) => Err(e),
    };
    settle(&s, &auth, pid, "side-effects", v, r).await
}

pub async fn record_adherence(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> PageResult {
    let v = fields(&auth, &posted)?;
    let pid = parse_pid(&id)?;
    let f = |k: &str| v.get(k).cloned().unwrap_or_default();
    let input = AdherenceInput {
        week_ending: f("week_ending"),
        missed: f("missed"),
        reporter: f("reporter"),
    };
    let r = match order_of(&v, "ad_order") {
        Ok(order) => {
            s.app
                .record_adherence(&auth.caller, pid, order, &input)
                .await
        }
        Err(e) => Err(e),
    };
    settle(&s, &auth, pid, "adherence", v, r).await
}
