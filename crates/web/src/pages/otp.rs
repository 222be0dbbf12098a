//! The opioid treatment program's dosing page: today's dose form, the last
//! four weeks of the log as a calendar, days in treatment and the take-home
//! ceiling with its citation, the take-home criteria and schedule forms,
//! and the "Missed doses" flag with the clinic setting behind it.

use super::measures::parse_pid;
use super::patients::html;
use super::{Nav, when};
use crate::AppState;
use crate::error::PageError;
use crate::session::{SignedIn, WebUser, csrf_ok};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;
use tandem_app::{AppError, LOG_DAYS, NewDose, OtpChart, OtpOrder, fmt_qty};
use tandem_core::ids::{MedicationOrderId, PatientId};
use tandem_core::medication::dosing::{
    Entry, Given, Part, TakeHomeDay, can_grant_take_home, can_record_dose,
};
use tandem_core::medication::prescription::parse_amount;
use tandem_core::medication::take_home::Ceiling;
use tandem_core::medication::{Dose, DoseUnit};
use tandem_core::patient::parse_date;
use time::{Date, Duration, Time};

type PageResult = Result<Response, PageError>;

/// One day of the calendar.
pub struct DayView {
    pub on: String,
    pub weekday: &'static str,
    /// observed, take_home, missed, split or none: the cell's colour.
    pub tone: &'static str,
    pub text: String,
    pub today: bool,
}

pub struct CriterionView {
    pub id: String,
    pub text: String,
    /// "met", "not_met" or "" as last documented (or typed).
    pub answer: String,
    pub note: String,
}

pub struct OrderView {
    pub id: String,
    pub drug: String,
    pub dose_today: String,
    pub amount: String,
    pub unit: &'static str,
    pub start: String,
    pub days_in_treatment: u32,
    /// "At most N take-home days", or why the ladder does not apply.
    pub ceiling: String,
    pub laddered: bool,
    pub held: bool,
    pub missed_in_a_row: u32,
    pub days: Vec<DayView>,
    pub review: Option<String>,
    pub criteria: Vec<CriterionView>,
    pub take_home: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "otp.html")]
pub struct OtpPage {
    nav: Option<Nav>,
    pid: String,
    patient: String,
    today: String,
    orders: Vec<OrderView>,
    flag: Option<(String, String)>,
    threshold: u32,
    threshold_unit: String,
    threshold_verified: bool,
    threshold_note: String,
    citation: String,
    criteria_citation: String,
    can_dose: bool,
    can_grant: bool,
    /// Which order's form the errors and kept values belong to.
    form_order: String,
    /// dose, criteria or take_home.
    form: String,
    errors: BTreeMap<&'static str, String>,
    v: BTreeMap<String, String>,
}

impl OtpPage {
    fn err(&self, order: &str, form: &str, k: &str) -> Option<&str> {
        (self.form_order == order && self.form == form)
            .then(|| self.errors.get(k).map(String::as_str))
            .flatten()
    }

    /// A kept value of the form that failed, or the default.
    fn val<'a>(&'a self, order: &str, form: &str, k: &str, default: &'a str) -> &'a str {
        if self.form_order == order && self.form == form {
            self.v.get(k).map_or("", String::as_str)
        } else {
            default
        }
    }
}

fn dose_text(d: Dose) -> String {
    format!("{} {}", fmt_qty(d.quantity.get()), d.unit.label())
}

fn calendar(o: &OtpOrder, today: Date) -> Vec<DayView> {
    (0..LOG_DAYS)
        .rev()
        .map(|back| {
            let day = today - Duration::days(back);
            let recs: Vec<_> = o.log.iter().filter(|r| r.on == day).collect();
            let given: f64 = recs
                .iter()
                .filter_map(|r| match &r.entry {
                    Entry::Given { amount, .. } => Some(amount.quantity.get()),
                    Entry::Missed => None,
                })
                .sum();
            let (tone, text) = match recs.first().map(|r| &r.entry) {
                None => ("none", String::new()),
                Some(Entry::Missed) => ("missed", "Missed".to_string()),
                Some(Entry::Given { how, part, .. }) => {
                    let tone = match how {
                        Given::Observed if part.is_split() => "split",
                        Given::Observed => "observed",
                        Given::TakeHome => "take_home",
                    };
                    let label = if part.is_split() {
                        format!("{} parts of {}", recs.len(), part.of())
                    } else {
                        how.label().to_string()
                    };
                    (
                        tone,
                        format!("{} {} · {label}", fmt_qty(given), o.dose_today.unit.label()),
                    )
                }
            };
            DayView {
                on: day.to_string(),
                weekday: match day.weekday() {
                    time::Weekday::Monday => "Mon",
                    time::Weekday::Tuesday => "Tue",
                    time::Weekday::Wednesday => "Wed",
                    time::Weekday::Thursday => "Thu",
                    time::Weekday::Friday => "Fri",
                    time::Weekday::Saturday => "Sat",
                    time::Weekday::Sunday => "Sun",
                },
                tone,
                text,
                today: day == today,
            }
        })
        .collect()
}

fn order_view(chart: &OtpChart, o: &OtpOrder) -> OrderView {
    let review = o.review.as_ref();
    OrderView {
        id: o.order.id.to_string(),
        drug: o.order.drug_name.clone(),
        dose_today: dose_text(o.dose_today),
        amount: fmt_qty(o.dose_today.quantity.get()),
        unit: o.dose_today.unit.ucum(),
        start: o.order.start_on.to_string(),
        days_in_treatment: o.days_in_treatment,
        ceiling: match o.ceiling {
            Ceiling::Days(n) => format!("At most {n} take-home days"),
            Ceiling::NotApplicable => {
                "The take-home ceilings do not apply to buprenorphine".to_string()
            }
            Ceiling::NotCovered => "No take-home ceiling covers this drug".to_string(),
        },
        laddered: matches!(o.ceiling, Ceiling::Days(_)),
        held: o.order.status != tandem_core::medication::prescription::OrderStatus::Active,
        missed_in_a_row: o.missed_in_a_row,
        days: calendar(o, chart.today),
        review: review.map(|r| {
            let met = r.criteria.iter().filter(|c| c.met).count();
            format!(
                "{met} of {} met, documented by {} on {}",
                r.criteria.len(),
                r.by_name,
                when(r.at)
            )
        }),
        criteria: chart
            .criteria
            .iter()
            .map(|(id, text)| {
                let last = review.and_then(|r| r.criteria.iter().find(|c| &c.id == id));
                CriterionView {
                    id: id.clone(),
                    text: text.clone(),
                    answer: last
                        .map_or("", |c| if c.met { "met" } else { "not_met" })
                        .into(),
                    note: last.map_or_else(String::new, |c| c.note.clone()),
                }
            })
            .collect(),
        take_home: o
            .take_home
            .iter()
            .map(|t| (t.dose_on.to_string(), t.closure))
            .collect(),
    }
}

struct Failed {
    order: String,
    form: &'static str,
    errors: BTreeMap<&'static str, String>,
    v: BTreeMap<String, String>,
}

async fn render(
    s: &AppState,
    auth: &SignedIn,
    pid: PatientId,
    failed: Option<Failed>,
) -> PageResult {
    let chart = s.app.otp_dosing(&auth.caller, pid).await?;
    let setting = &chart.setting;
    let role = auth.caller.actor.role;
    let (status, form_order, form, errors, mut v) = match failed {
        Some(f) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            f.order,
            f.form.to_string(),
            f.errors,
            f.v,
        ),
        None => (
            StatusCode::OK,
            String::new(),
            String::new(),
            BTreeMap::new(),
            BTreeMap::new(),
        ),
    };
    // Criteria typed in a refused form come back as typed.
    let mut orders: Vec<OrderView> = chart.orders.iter().map(|o| order_view(&chart, o)).collect();
    if form == "criteria" {
        for o in orders.iter_mut().filter(|o| o.id == form_order) {
            for c in &mut o.criteria {
                c.answer = v.remove(&format!("met_{}", c.id)).unwrap_or_default();
                c.note = v.remove(&format!("note_{}", c.id)).unwrap_or_default();
            }
        }
    }
    html(
        status,
        &OtpPage {
            nav: Some(Nav::new(auth, "")),
            pid: pid.to_string(),
            patient: chart.patient.demographics.display_name(),
            today: chart.today.to_string(),
            orders,
            flag: chart
                .missed_flag
                .as_ref()
                .map(|f| (f.reason.clone(), when(f.period_start))),
            threshold: setting.threshold,
            threshold_unit: setting.unit.clone(),
            threshold_verified: setting.verified,
            threshold_note: setting.note.clone(),
            citation: chart.citation.clone(),
            criteria_citation: chart.criteria_citation.clone(),
            can_dose: can_record_dose(role),
            can_grant: can_grant_take_home(role),
            form_order,
            form,
            errors,
            v,
        },
    )
}

pub async fn page(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
) -> PageResult {
    let pid = parse_pid(&id)?;
    render(&s, &auth, pid, None).await
}

fn fields_map(fields: &[(String, String)]) -> BTreeMap<String, String> {
    fields
        .iter()
        .filter(|(k, _)| k != "csrf")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The form's token, its patient and its order.
fn open(
    auth: &SignedIn,
    id: &str,
    fields: &[(String, String)],
) -> Result<(PatientId, BTreeMap<String, String>), PageError> {
    let token = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    if !csrf_ok(auth, token) {
        return Err(PageError::Csrf);
    }
    Ok((parse_pid(id)?, fields_map(fields)))
}

fn order_id(v: &BTreeMap<String, String>) -> Result<MedicationOrderId, PageError> {
    v.get("order")
        .and_then(|o| o.parse().ok())
        .ok_or(PageError::App(AppError::NotFound("medication order")))
}

/// After a refused form: the same page with the messages next to the
/// fields and the input kept; anything else is the usual error page.
async fn outcome<T>(
    s: &AppState,
    auth: &SignedIn,
    pid: PatientId,
    form: &'static str,
    v: BTreeMap<String, String>,
    r: Result<T, AppError>,
) -> PageResult {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{pid}/otp")).into_response()),
        Err(AppError::Invalid(e)) => {
            let mut errors = BTreeMap::new();
            for x in e.0 {
                errors
                    .entry(x.field)
                    .and_modify(|m: &mut String| {
                        m.push_str("; ");
                        m.push_str(&x.message);
                    })
                    .or_insert(x.message);
            }
            let order = v.get("order").cloned().unwrap_or_default();
            render(
                s,
                auth,
                pid,
                Some(Failed {
                    order,
                    form,
                    errors,
                    v,
                }),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The dose form as typed: every problem with its field.
fn read_dose(
    v: &BTreeMap<String, String>,
    order: MedicationOrderId,
    unit: DoseUnit,
) -> Result<NewDose, AppError> {
    let get = |k: &str| v.get(k).map_or("", |s| s.trim());
    let mut e = tandem_core::ValidationErrors::default();
    let on = parse_date(get("on"));
    if on.is_none() {
        e.add("on", "give the day as YYYY-MM-DD");
    }
    let kind = get("kind");
    let part = match (get("part").parse::<u8>(), get("parts").parse::<u8>()) {
        (Ok(n), Ok(of)) => Part::new(n, of),
        _ if get("part").is_empty() && get("parts").is_empty() => Some(Part::WHOLE),
        _ => None,
    };
    if part.is_none() && kind != "missed" {
        e.add(
            "part",
            "the part must be between 1 and the number of parts (at most 4)",
        );
    }
    let amount = parse_amount(get("amount")).and_then(|a| Dose::new(a, unit));
    if amount.is_none() && kind != "missed" {
        e.add("amount", "give the dose given, a number above zero");
    }
    let time = get("time");
    let at = if time.is_empty() {
        None
    } else {
        let t = time
            .split_once(':')
            .and_then(|(h, m)| Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok());
        if t.is_none() {
            e.add("time", "give the time as HH:MM");
        }
        t
    };
    let how = match kind {
        "observed" => Some(Given::Observed),
        "take_home" => Some(Given::TakeHome),
        "missed" => None,
        _ => {
            e.add("kind", "choose observed, take-home or missed");
            None
        }
    };
    let (Some(on), true) = (on, e.0.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    let entry = match (how, amount, part) {
        (Some(how), Some(amount), Some(part)) => Entry::Given { how, amount, part },
        _ => Entry::Missed,
    };
    Ok(NewDose {
        order,
        on,
        entry,
        given_at: at.map(|t| on.with_time(t).assume_utc()),
        note: get("note").to_string(),
    })
}

pub async fn dose(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let (pid, v) = open(&auth, &id, &fields)?;
    let oid = order_id(&v)?;
    let unit = v
        .get("unit")
        .and_then(|u| DoseUnit::parse(u))
        .unwrap_or(DoseUnit::Mg);
    let r = match read_dose(&v, oid, unit) {
        Ok(d) => s.app.record_dose(&auth.caller, pid, &d).await.map(|_| ()),
        Err(e) => Err(e),
    };
    outcome(&s, &auth, pid, "dose", v, r).await
}

pub async fn criteria(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let (pid, v) = open(&auth, &id, &fields)?;
    let oid = order_id(&v)?;
    let answers: Vec<(String, Option<bool>, String)> = s
        .app
        .medication_safety()
        .take_home
        .criteria
        .items
        .iter()
        .map(|c| {
            let met = match v.get(&format!("met_{}", c.id)).map(String::as_str) {
                Some("met") => Some(true),
                Some("not_met") => Some(false),
                _ => None,
            };
            let note = v
                .get(&format!("note_{}", c.id))
                .cloned()
                .unwrap_or_default();
            (c.id.clone(), met, note)
        })
        .collect();
    let r = s
        .app
        .review_take_home_criteria(&auth.caller, pid, oid, &answers)
        .await;
    outcome(&s, &auth, pid, "criteria", v, r).await
}

/// Dates typed one a line (or separated by commas or spaces).
fn read_dates(
    text: &str,
    closure: bool,
    e: &mut tandem_core::ValidationErrors,
) -> Vec<TakeHomeDay> {
    let mut out = Vec::new();
    for t in text.split(|c: char| c.is_whitespace() || c == ',') {
        if t.is_empty() {
            continue;
        }
        match parse_date(t) {
            Some(on) => out.push(TakeHomeDay { on, closure }),
            None => {
                e.add("dates", format!("{t:?} is not a date (YYYY-MM-DD)"));
            }
        }
    }
    out
}

pub async fn take_home(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let (pid, v) = open(&auth, &id, &fields)?;
    let oid = order_id(&v)?;
    let mut e = tandem_core::ValidationErrors::default();
    let mut dates = read_dates(v.get("dates").map_or("", String::as_str), false, &mut e);
    dates.extend(read_dates(
        v.get("closure_dates").map_or("", String::as_str),
        true,
        &mut e,
    ));
    let r = if e.0.is_empty() {
        s.app
            .grant_take_home(&auth.caller, pid, oid, &dates)
            .await
            .map(|_| ())
    } else {
        Err(AppError::Invalid(e))
    };
    outcome(&s, &auth, pid, "take_home", v, r).await
}
