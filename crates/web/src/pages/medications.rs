//! Medications in the chart: the patient's orders with their latest dose
//! and dose history, the prescribing form (the safety check's stop shown in
//! red, with an override reason), and each order's page with its dose-steps
//! chart and the forms to change the dose, hold, resume and discontinue.

use super::choices::{Opt, opts};
use super::measures::parse_pid;
use super::patients::html;
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
use tandem_app::{
    AppError, MedicationChart, MedicationOrder, OrderOutcome, fmt_qty, taper as taper_change,
};
use tandem_core::ids::MedicationOrderId;
use tandem_core::medication::prescription::{
    DoseChange, DoseStep, OrderInput, OrderStatus, can_prescribe, parse_amount,
};
use tandem_core::medication::{Dose, DoseUnit, Finding, Frequency, Route, Severity};
use tandem_core::patient::parse_date;
use time::Date;

type PageResult = Result<Response, PageError>;

/// How many dated steps the taper form offers.
const TAPER_ROWS: usize = 6;

fn severity_tone(s: Severity) -> &'static str {
    match s {
        Severity::Contraindicated | Severity::High => "danger",
        Severity::Moderate => "warn",
        Severity::Low => "note",
    }
}

fn dose_text(d: Dose) -> String {
    format!("{} {}", fmt_qty(d.quantity.get()), d.unit.label())
}

pub struct FindingView {
    pub severity: &'static str,
    pub tone: &'static str,
    pub rule: String,
    pub drugs: String,
    pub text: String,
    pub advice: String,
    pub verified: bool,
    pub override_reason: Option<String>,
}

fn finding_view(f: &Finding) -> FindingView {
    FindingView {
        severity: f.severity.as_str(),
        tone: severity_tone(f.severity),
        rule: f.rule_id.clone(),
        drugs: f.drugs.join(" + "),
        text: f.text.clone(),
        advice: f.advice.clone(),
        verified: f.verified,
        override_reason: None,
    }
}

pub struct StepView {
    pub kind: &'static str,
    pub on: String,
    pub dose: Option<String>,
    pub reason: String,
    pub by: String,
    pub at: String,
    pub scheduled: bool,
}

pub struct OrderView {
    pub id: String,
    pub drug: String,
    pub dose: String,
    pub route: &'static str,
    pub frequency: &'static str,
    pub sig: String,
    pub start: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub status_reason: Option<String>,
    pub ends_on: Option<String>,
    pub indication: Option<String>,
    pub prescriber: String,
    pub cross_taper: bool,
    pub steps: Vec<StepView>,
    pub issues: Vec<FindingView>,
    pub svg: Option<String>,
    pub active: bool,
    pub held: bool,
}

fn order_view(o: &MedicationOrder, today: Date) -> OrderView {
    OrderView {
        id: o.id.to_string(),
        drug: o.drug_name.clone(),
        dose: dose_text(o.dose),
        route: o.route.label(),
        frequency: o.frequency.label(),
        sig: o.sig.clone(),
        start: o.start_on.to_string(),
        status: o.status.as_str(),
        status_label: o.status.label(),
        status_reason: o.status_reason.clone(),
        ends_on: o.ends_on.map(|d| d.to_string()),
        indication: o
            .indication
            .as_ref()
            .map(|i| format!("{} {}", i.code, i.display)),
        prescriber: o.prescriber_name.clone(),
        cross_taper: o.cross_taper,
        steps: o
            .history
            .iter()
            .map(|s| StepView {
                kind: s.kind.label(),
                on: s.on.to_string(),
                dose: s.dose.map(dose_text),
                reason: s.reason.clone().unwrap_or_default(),
                by: s.by_name.clone(),
                at: when(s.at),
                scheduled: s.on > today,
            })
            .collect(),
        issues: o
            .issues
            .iter()
            .map(|i| FindingView {
                severity: i.severity.as_str(),
                tone: severity_tone(i.severity),
                rule: i.rule_id.clone(),
                drugs: i.drugs.join(" + "),
                text: i.detail.clone(),
                advice: i.advice.clone(),
                verified: i.verified,
                override_reason: i.override_reason.clone(),
            })
            .collect(),
        svg: dose_svg(o, today),
        active: o.status == OrderStatus::Active,
        held: o.status == OrderStatus::OnHold,
    }
}

/// The dose steps as a step line over time, with today marked: a taper
/// reads as stairs going down. Pure; numbers and fixed labels only.
pub fn dose_svg(o: &MedicationOrder, today: Date) -> Option<String> {
    let mut pts: Vec<(Date, f64)> = o
        .history
        .iter()
        .filter(|s| s.kind.sets_dose())
        .filter_map(|s| s.dose.map(|d| (s.on, d.quantity.get())))
        .collect();
    pts.sort_by_key(|p| p.0);
    let (first, _) = *pts.first()?;
    let last_step = pts.last()?.0;
    let end = o
        .stopped_on
        .or(o.ends_on)
        .unwrap_or(today.max(last_step))
        .max(last_step + time::Duration::days(7));
    let max = pts.iter().map(|p| p.1).fold(0.0, f64::max);
    if max <= 0.0 {
        return None;
    }
    let (w, h, left, top, bottom) = (560.0, 160.0, 52.0, 14.0, 26.0);
    let span = (end - first).whole_days().max(1) as f64;
    let x = |d: Date| left + (d - first).whole_days() as f64 / span * (w - left - 10.0);
    let y = |v: f64| top + (1.0 - v / (max * 1.1)) * (h - top - bottom);
    let mut path = String::new();
    for (i, (d, v)) in pts.iter().enumerate() {
        if i == 0 {
            path.push_str(&format!("M{:.1},{:.1}", x(*d), y(*v)));
        } else {
            path.push_str(&format!(" H{:.1} V{:.1}", x(*d), y(*v)));
        }
    }
    let stops = o.stopped_on.or(o.ends_on);
    path.push_str(&format!(" H{:.1}", x(end)));
    if stops.is_some() {
        path.push_str(&format!(" V{:.1}", y(0.0)));
    }
    let unit = o.dose.unit.label();
    let mut svg = format!(
        "<svg class=\"dose-chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Daily dose of {} over time\">",
        o.drug_name.replace(['<', '>', '&', '"'], "")
    );
    svg.push_str(&format!(
        "<line class=\"axis\" x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
        y(0.0),
        w - 10.0,
        y(0.0)
    ));
    svg.push_str(&format!(
        "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{} {unit}</text>",
        left - 6.0,
        y(max) + 4.0,
        fmt_qty(max)
    ));
    svg.push_str(&format!(
        "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">0</text>",
        left - 6.0,
        y(0.0) + 4.0
    ));
    if (first..=end).contains(&today) {
        svg.push_str(&format!(
            "<line class=\"today\" x1=\"{0:.1}\" y1=\"{top}\" x2=\"{0:.1}\" y2=\"{1:.1}\"/><text class=\"tick\" x=\"{0:.1}\" y=\"{2:.1}\" text-anchor=\"middle\">today</text>",
            x(today),
            y(0.0),
            h - 6.0
        ));
    }
    svg.push_str(&format!("<path class=\"dose-line\" d=\"{path}\"/>"));
    for (d, v) in &pts {
        svg.push_str(&format!(
            "<circle class=\"dose-point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\"><title>{d}: {} {unit} a day</title></circle><text class=\"dose-label\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x(*d),
            y(*v),
            fmt_qty(*v),
            x(*d) + 4.0,
            y(*v) - 6.0,
            fmt_qty(*v)
        ));
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[derive(Template)]
#[template(path = "medications.html")]
struct ListPage {
    nav: Option<Nav>,
    pid: String,
    patient: String,
    can_prescribe: bool,
    current: Vec<OrderView>,
    past: Vec<OrderView>,
    /// "Lithium level 1.3 mEq/L High (2026-11-21 08:00)", latest results out of range.
    lab_alerts: Vec<String>,
}

pub async fn list(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
) -> PageResult {
    let pid = parse_pid(&id)?;
    let chart = s.app.medication_chart(&auth.caller, pid).await?;
    let today = s.app.clock().today();
    let (current, past): (Vec<_>, Vec<_>) = chart
        .orders
        .iter()
        .map(|o| order_view(o, today))
        .partition(|o| o.active || o.held);
    html(
        StatusCode::OK,
        &ListPage {
            nav: Some(Nav::new(&auth, "")),
            pid: pid.to_string(),
            patient: chart.patient.demographics.display_name(),
            can_prescribe: can_prescribe(auth.caller.actor.role),
            current,
            past,
            lab_alerts: chart
                .lab_alerts
                .iter()
                .map(|l| {
                    format!(
                        "{} {} {} {} ({})",
                        l.analyte.label(),
                        fmt_qty(l.value),
                        l.analyte.unit(),
                        l.reading.map_or("", |r| r.label()),
                        when(l.effective)
                    )
                })
                .collect(),
        },
    )
}

pub struct DrugGroup {
    pub label: &'static str,
    pub drugs: Vec<Opt>,
}

fn drug_groups(s: &AppState, chosen: &str) -> Vec<DrugGroup> {
    let catalog = &s.app.medication_safety().catalog;
    let mut groups: Vec<DrugGroup> = Vec::new();
    let mut all: Vec<_> = catalog.drugs().map(|(_, d)| d).collect();
    all.sort_by(|a, b| {
        a.class
            .label()
            .cmp(b.class.label())
            .then(a.name.cmp(&b.name))
    });
    for d in all {
        let label = d.class.label();
        let opt = Opt {
            value: d.rxcui.to_string(),
            label: d.name.clone(),
            selected: d.rxcui.to_string() == chosen,
        };
        match groups.iter_mut().find(|g| g.label == label) {
            Some(g) => g.drugs.push(opt),
            None => groups.push(DrugGroup {
                label,
                drugs: vec![opt],
            }),
        }
    }
    groups
}

#[derive(Template)]
#[template(path = "medication_form.html")]
struct FormPage {
    nav: Option<Nav>,
    pid: String,
    patient: String,
    groups: Vec<DrugGroup>,
    units: Vec<Opt>,
    routes: Vec<Opt>,
    frequencies: Vec<Opt>,
    indications: Vec<Opt>,
    v: BTreeMap<String, String>,
    errors: BTreeMap<&'static str, String>,
    stop: Vec<FindingView>,
    override_reason: String,
}

impl FormPage {
    fn val(&self, k: &str) -> &str {
        self.v.get(k).map_or("", String::as_str)
    }

    fn checked(&self, k: &str) -> bool {
        !self.val(k).is_empty()
    }

    fn err(&self, k: &str) -> Option<&str> {
        self.errors.get(k).map(String::as_str)
    }
}

fn form_page(
    auth: &SignedIn,
    s: &AppState,
    chart: &MedicationChart,
    v: BTreeMap<String, String>,
    errors: BTreeMap<&'static str, String>,
    stop: Vec<FindingView>,
    override_reason: String,
) -> FormPage {
    let get = |k: &str| v.get(k).map_or("", String::as_str);
    FormPage {
        nav: Some(Nav::new(auth, "")),
        pid: chart.patient.id.to_string(),
        patient: chart.patient.demographics.display_name(),
        groups: drug_groups(s, get("drug")),
        units: opts(
            DoseUnit::ALL.iter().map(|u| (u.ucum(), u.label())),
            get("unit"),
        ),
        routes: opts(
            Route::ALL.iter().map(|r| (r.as_str(), r.label())),
            get("route"),
        ),
        frequencies: opts(
            Frequency::ALL.iter().map(|f| (f.as_str(), f.label())),
            get("frequency"),
        ),
        indications: {
            let list: Vec<(String, String)> = chart
                .indications
                .iter()
                .filter(|i| i.clinical_status == tandem_core::diagnosis::ClinicalStatus::Active)
                .map(|i| (i.id.to_string(), format!("{} {}", i.code, i.display)))
                .collect();
            opts(
                list.iter().map(|(a, b)| (a.as_str(), b.as_str())),
                get("indication"),
            )
        },
        v,
        errors,
        stop,
        override_reason,
    }
}

pub async fn new_form(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
) -> PageResult {
    let pid = parse_pid(&id)?;
    let chart = s.app.prescribing_form(&auth.caller, pid).await?;
    let mut v = BTreeMap::new();
    v.insert("start".into(), s.app.clock().today().to_string());
    v.insert("unit".into(), "mg".into());
    v.insert("route".into(), "oral".into());
    v.insert("frequency".into(), "once_daily".into());
    html(
        StatusCode::OK,
        &form_page(&auth, &s, &chart, v, BTreeMap::new(), vec![], String::new()),
    )
}

fn fields_map(fields: &[(String, String)]) -> BTreeMap<String, String> {
    fields
        .iter()
        .filter(|(k, _)| k != "csrf")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

pub async fn place(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let v = fields_map(&fields);
    let f = |k: &str| v.get(k).cloned().unwrap_or_default();
    if !csrf_ok(
        &auth,
        fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map_or("", |(_, x)| x),
    ) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let input = OrderInput {
        drug: f("drug"),
        dose: f("dose"),
        unit: f("unit"),
        route: f("route"),
        frequency: f("frequency"),
        sig: f("sig"),
        start: f("start"),
        indication: f("indication"),
        cross_taper: !f("cross_taper").is_empty(),
        first_day_total: f("first_day_total"),
        first_day_justified: !f("first_day_justified").is_empty(),
        induction: !f("induction").is_empty(),
        induction_cows: f("induction_cows"),
        screen_on: f("screen_on"),
        screen_result: f("screen_result"),
        creatinine_clearance: f("creatinine_clearance"),
        disulfiram_consent: !f("disulfiram_consent").is_empty(),
        qtc_ms: f("qtc_ms"),
        smoking_change: !f("smoking_change").is_empty(),
        cyp2c19_poor_metabolizer: !f("cyp2c19_poor_metabolizer").is_empty(),
        level_value: f("level_value"),
        level_on: f("level_on"),
    };
    let over = f("override_reason");
    let again = async |errors: BTreeMap<&'static str, String>, stop: Vec<FindingView>| {
        let chart = s.app.medication_chart(&auth.caller, pid).await?;
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&auth, &s, &chart, v.clone(), errors, stop, over.clone()),
        )
    };
    let order = match input.validate(&s.app.medication_safety().catalog, s.app.clock().today()) {
        Ok(o) => o,
        Err(e) => {
            return again(
                e.0.into_iter().map(|x| (x.field, x.message)).collect(),
                vec![],
            )
            .await;
        }
    };
    let reason = Some(over.as_str()).filter(|r| !r.trim().is_empty());
    match s.app.place_order(&auth.caller, pid, &order, reason).await {
        Ok(OrderOutcome::Placed { order, .. }) => Ok(Redirect::to(&format!(
            "/patients/{pid}/medications/{}?placed=1",
            order.id
        ))
        .into_response()),
        Ok(OrderOutcome::Stopped { contraindications }) => {
            again(
                BTreeMap::new(),
                contraindications.iter().map(finding_view).collect(),
            )
            .await
        }
        Err(AppError::Invalid(e)) => {
            again(
                e.0.into_iter().map(|x| (x.field, x.message)).collect(),
                vec![],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "medication_order.html")]
struct OrderPage {
    nav: Option<Nav>,
    pid: String,
    patient: String,
    o: OrderView,
    can_prescribe: bool,
    placed: bool,
    /// Which form a problem belongs to ("dose", "hold", "resume",
    /// "discontinue"), with the problems by field.
    form: String,
    errors: BTreeMap<&'static str, String>,
    stop: Vec<FindingView>,
    v: BTreeMap<String, String>,
    taper_rows: Vec<usize>,
}

impl OrderPage {
    fn val(&self, k: &str) -> &str {
        self.v.get(k).map_or("", String::as_str)
    }

    fn err(&self, k: &str) -> Option<&str> {
        self.errors.get(k).map(String::as_str)
    }
}

struct PageState {
    status: StatusCode,
    placed: bool,
    form: String,
    errors: BTreeMap<&'static str, String>,
    stop: Vec<FindingView>,
    v: BTreeMap<String, String>,
}

async fn render_order(
    s: &AppState,
    auth: &SignedIn,
    pid: tandem_core::ids::PatientId,
    oid: MedicationOrderId,
    st: PageState,
) -> PageResult {
    let chart = s.app.medication_chart(&auth.caller, pid).await?;
    let o = chart
        .orders
        .iter()
        .find(|o| o.id == oid)
        .ok_or(PageError::App(AppError::NotFound("medication order")))?;
    html(
        st.status,
        &OrderPage {
            nav: Some(Nav::new(auth, "")),
            pid: pid.to_string(),
            patient: chart.patient.demographics.display_name(),
            o: order_view(o, s.app.clock().today()),
            can_prescribe: can_prescribe(auth.caller.actor.role),
            placed: st.placed,
            form: st.form,
            errors: st.errors,
            stop: st.stop,
            v: st.v,
            taper_rows: (1..=TAPER_ROWS).collect(),
        },
    )
}

#[derive(Template)]
#[template(path = "medication_schedule.html")]
struct SchedulePage {
    nav: Option<Nav>,
    pid: String,
    oid: String,
    patient: String,
    clinic: String,
    printed: String,
    drug: String,
    /// "By mouth" and the like, when the route says something useful.
    how: String,
    /// Why there is no schedule to follow (on hold, stopped), if so.
    paused: Option<String>,
    lines: Vec<tandem_core::medication::schedule::Line>,
    prescriber: String,
}

/// The order's dose schedule for the patient to take home: from today, in
/// plain words with the day each change starts, down to a taper's stop.
pub async fn schedule_page(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path((id, order)): Path<(String, String)>,
) -> PageResult {
    use tandem_core::medication::schedule::Schedule;
    let pid = parse_pid(&id)?;
    let oid = parse_oid(&order)?;
    let chart = s.app.medication_chart(&auth.caller, pid).await?;
    let o = chart
        .orders
        .iter()
        .find(|o| o.id == oid)
        .ok_or(PageError::App(AppError::NotFound("medication order")))?;
    let today = s.app.clock().today();
    let (paused, lines) = match o.patient_schedule(today) {
        Schedule::Lines(lines) => (None, lines),
        Schedule::Paused(why) => (Some(why), Vec::new()),
    };
    html(
        StatusCode::OK,
        &SchedulePage {
            nav: Some(Nav::new(&auth, "")),
            pid: pid.to_string(),
            oid: oid.to_string(),
            patient: chart.patient.demographics.display_name(),
            clinic: s.app.settings().clinic_name.clone(),
            printed: tandem_core::patient_plan::long_date(today),
            drug: o.drug_name.clone(),
            how: o.route.patient_words().to_string(),
            paused,
            lines,
            prescriber: o.prescriber_name.clone(),
        },
    )
}

fn parse_oid(id: &str) -> Result<MedicationOrderId, PageError> {
    id.parse()
        .map_err(|_| PageError::App(AppError::NotFound("medication order")))
}

#[derive(Deserialize, Default)]
pub struct OrderQuery {
    placed: Option<String>,
}

pub async fn order_page(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path((id, order)): Path<(String, String)>,
    Query(q): Query<OrderQuery>,
) -> PageResult {
    let pid = parse_pid(&id)?;
    let oid = parse_oid(&order)?;
    render_order(
        &s,
        &auth,
        pid,
        oid,
        PageState {
            status: StatusCode::OK,
            placed: q.placed.is_some(),
            form: String::new(),
            errors: BTreeMap::new(),
            stop: vec![],
            v: BTreeMap::new(),
        },
    )
    .await
}

/// Reads the dose-change form: a titration (one date and dose) or a taper
/// (up to six dated steps and an optional stop date).
fn read_change(
    v: &BTreeMap<String, String>,
    unit: DoseUnit,
) -> Result<DoseChange, BTreeMap<&'static str, String>> {
    let mut errors = BTreeMap::new();
    let f = |k: &str| v.get(k).map_or("", |x| x.trim());
    let dose = |text: &str| parse_amount(text).and_then(|q| Dose::new(q, unit));
    let change = if f("mode") == "taper" {
        let mut steps = Vec::new();
        for i in 1..=TAPER_ROWS {
            let (on, q) = (f(&format!("step{i}_on")), f(&format!("step{i}_dose")));
            if on.is_empty() && q.is_empty() {
                continue;
            }
            match (parse_date(on), dose(q)) {
                (Some(on), Some(dose)) => steps.push((on, dose)),
                _ => {
                    errors.insert(
                        "steps",
                        format!("step {i}: give a date (YYYY-MM-DD) and a dose above zero"),
                    );
                }
            }
        }
        if steps.is_empty() && errors.is_empty() {
            errors.insert("steps", "give at least one dated step".to_string());
        }
        let stop_on = match f("stop_on") {
            "" => None,
            s => match parse_date(s) {
                Some(d) => Some(d),
                None => {
                    errors.insert("stop_on", "give the stop date as YYYY-MM-DD".into());
                    None
                }
            },
        };
        taper_change(steps, stop_on)
    } else {
        let on = parse_date(f("on"));
        if on.is_none() {
            errors.insert("on", "give the date as YYYY-MM-DD".into());
        }
        let d = dose(f("dose"));
        if d.is_none() {
            errors.insert("dose", "give the new daily dose, above zero".into());
        }
        match (on, d) {
            (Some(on), Some(dose)) => DoseChange::Titrate(DoseStep { on, dose }),
            _ => return Err(errors),
        }
    };
    if errors.is_empty() {
        Ok(change)
    } else {
        Err(errors)
    }
}

pub async fn change_dose(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path((id, order)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    if !csrf_ok(
        &auth,
        fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map_or("", |(_, x)| x),
    ) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let oid = parse_oid(&order)?;
    let v = fields_map(&fields);
    let again = async |errors: BTreeMap<&'static str, String>, stop: Vec<FindingView>| {
        render_order(
            &s,
            &auth,
            pid,
            oid,
            PageState {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                placed: false,
                form: "dose".into(),
                errors,
                stop,
                v: v.clone(),
            },
        )
        .await
    };
    let chart = s.app.medication_chart(&auth.caller, pid).await?;
    let unit = chart
        .orders
        .iter()
        .find(|o| o.id == oid)
        .map(|o| o.dose.unit)
        .ok_or(PageError::App(AppError::NotFound("medication order")))?;
    let change = match read_change(&v, unit) {
        Ok(c) => c,
        Err(e) => return again(e, vec![]).await,
    };
    let reason = v.get("reason").cloned().unwrap_or_default();
    let over = v
        .get("override_reason")
        .map(String::as_str)
        .filter(|r| !r.trim().is_empty());
    match s
        .app
        .change_dose(&auth.caller, pid, oid, &change, &reason, over)
        .await
    {
        Ok(OrderOutcome::Placed { .. }) => Ok(Redirect::to(&format!(
            "/patients/{pid}/medications/{oid}?placed=1"
        ))
        .into_response()),
        Ok(OrderOutcome::Stopped { contraindications }) => {
            again(
                BTreeMap::new(),
                contraindications.iter().map(finding_view).collect(),
            )
            .await
        }
        Err(AppError::Invalid(e)) => {
            again(
                e.0.into_iter().map(|x| (x.field, x.message)).collect(),
                vec![],
            )
            .await
        }
        Err(AppError::Conflict(m)) => {
            let mut e = BTreeMap::new();
            e.insert("form", m);
            again(e, vec![]).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn status_change(
    s: AppState,
    auth: SignedIn,
    id: String,
    order: String,
    f: StatusForm,
    which: &'static str,
) -> PageResult {
    if !csrf_ok(&auth, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let pid = parse_pid(&id)?;
    let oid = parse_oid(&order)?;
    let r = match which {
        "hold" => s.app.hold_order(&auth.caller, pid, oid, &f.reason).await,
        "resume" => {
            s.app
                .resume_order(&auth.caller, pid, oid, Some(f.reason.as_str()))
                .await
        }
        _ => {
            s.app
                .discontinue_order(&auth.caller, pid, oid, &f.reason)
                .await
        }
    };
    let problem = match r {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/patients/{pid}/medications/{oid}")).into_response());
        }
        Err(AppError::Invalid(e)) => e.0.into_iter().map(|x| (x.field, x.message)).collect(),
        Err(AppError::Conflict(m)) => BTreeMap::from([("reason", m)]),
        Err(e) => return Err(e.into()),
    };
    let mut v = BTreeMap::new();
    v.insert(format!("{which}_reason"), f.reason);
    render_order(
        &s,
        &auth,
        pid,
        oid,
        PageState {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            placed: false,
            form: which.into(),
            errors: problem,
            stop: vec![],
            v,
        },
    )
    .await
}

pub async fn hold(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path((id, order)): Path<(String, String)>,
    Form(f): Form<StatusForm>,
) -> PageResult {
    status_change(s, auth, id, order, f, "hold").await
}

pub async fn resume(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path((id, order)): Path<(String, String)>,
    Form(f): Form<StatusForm>,
) -> PageResult {
    status_change(s, auth, id, order, f, "resume").await
}

pub async fn discontinue(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Path((id, order)): Path<(String, String)>,
    Form(f): Form<StatusForm>,
) -> PageResult {
    status_change(s, auth, id, order, f, "discontinue").await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_app::DoseHistoryStep;
    use tandem_core::ids::{OrderStepId, PatientId, UserId};
    use tandem_core::medication::RxCui;
    use tandem_core::medication::prescription::{DocumentedFacts, StepKind};
    use time::macros::{date, datetime};
    use uuid::Uuid;

    fn step(kind: StepKind, on: Date, mg: Option<f64>) -> DoseHistoryStep {
        DoseHistoryStep {
            id: OrderStepId(Uuid::nil()),
            seq: 1,
            kind,
            on,
            dose: mg.and_then(Dose::mg),
            reason: None,
            by: UserId(Uuid::nil()),
            by_name: String::new(),
            at: datetime!(2026-11-01 09:00 UTC),
        }
    }

    fn order(history: Vec<DoseHistoryStep>, ends_on: Option<Date>) -> MedicationOrder {
        MedicationOrder {
            id: MedicationOrderId(Uuid::nil()),
            patient: PatientId(Uuid::nil()),
            drug: RxCui::new(36437).unwrap_or_else(|| unreachable!()),
            drug_name: "sertraline<script>".into(),
            dose: Dose::mg(100.0).unwrap_or_else(|| unreachable!()),
            route: Route::Oral,
            frequency: Frequency::OnceDaily,
            sig: String::new(),
            start_on: date!(2026 - 11 - 01),
            indication: None,
            cross_taper: false,
            first_day: None,
            induction: None,
            facts: DocumentedFacts::default(),
            status: OrderStatus::Active,
            status_reason: None,
            stopped_on: None,
            ends_on,
            prescriber: UserId(Uuid::nil()),
            prescriber_name: String::new(),
            created_at: datetime!(2026-11-01 09:00 UTC),
            updated_at: datetime!(2026-11-01 09:00 UTC),
            version: 1,
            history,
            issues: vec![],
        }
    }

    #[test]
    fn a_taper_draws_as_stairs_down_to_zero() {
        let o = order(
            vec![
                step(StepKind::Start, date!(2026 - 11 - 01), Some(100.0)),
                step(StepKind::Hold, date!(2026 - 11 - 05), None),
                step(StepKind::Taper, date!(2026 - 11 - 22), Some(50.0)),
                step(StepKind::Taper, date!(2026 - 11 - 29), Some(25.0)),
            ],
            Some(date!(2026 - 12 - 06)),
        );
        let svg = dose_svg(&o, date!(2026 - 11 - 22)).unwrap_or_default();
        // One point per dose step (the hold sets no dose), and the line
        // drops to zero on the stop date.
        assert_eq!(svg.matches("<circle").count(), 3);
        let path = svg
            .split("class=\"dose-line\" d=\"")
            .nth(1)
            .and_then(|p| p.split('"').next())
            .unwrap_or_default();
        assert_eq!(path.matches(" V").count(), 3);
        assert!(svg.contains("class=\"today\""));
        assert!(svg.contains(">25<"));
        // The drug name is the only text that comes from data; it is stripped
        // of markup.
        assert!(!svg.contains("<script>"));
    }

    #[test]
    fn no_dose_step_no_chart() {
        assert!(dose_svg(&order(vec![], None), date!(2026 - 11 - 22)).is_none());
    }
}
