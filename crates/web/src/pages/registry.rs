//! The registry: "My caseload" for clinicians, "Clinic registry" for care
//! managers; one row per patient in treatment, filters, sortable columns,
//! paging, and the same list as CSV.

use super::measures::{change_tone, flag_tone, sev_class, signed, status_tone};
use super::{Nav, when};
use crate::AppState;
use crate::error::PageError;
use crate::pages::patients::html;
use crate::session::{WebUser, urlencode};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tandem_app::{App, MeasureStatus, RegistryFilter, RegistryLine, RegistrySort};
use tandem_core::flag::FlagKind;
use tandem_core::ids::UserId;
use tandem_core::trajectory::Status;

type PageResult = Result<Response, PageError>;

const PAGE: u32 = 50;

/// The URL name of every sortable column, and its first-click direction
/// (true: descending, the most pressing first).
const SORTS: [(RegistrySort, &str, bool); 10] = [
    (RegistrySort::Urgency, "urgency", true),
    (RegistrySort::Name, "name", false),
    (RegistrySort::Mrn, "mrn", false),
    (RegistrySort::Phq9, "phq9", true),
    (RegistrySort::Phq9Change, "phq9_change", true),
    (RegistrySort::Gad7, "gad7", true),
    (RegistrySort::Gad7Change, "gad7_change", true),
    (RegistrySort::Weeks, "weeks", true),
    (RegistrySort::LastMeasured, "last", false),
    (RegistrySort::Status, "status", true),
];

/// Statuses, most pressing first, as the filter offers them.
const STATUSES: [Status; 7] = [
    Status::Worsening,
    Status::NotImproving,
    Status::Unchanged,
    Status::Baseline,
    Status::Improving,
    Status::Response,
    Status::Remission,
];

#[derive(Deserialize, Default, Clone)]
pub struct RegistryQuery {
    #[serde(default)]
    flag: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    clinician: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    dir: String,
    offset: Option<u32>,
}

impl RegistryQuery {
    fn filter(&self, limit: u32) -> Result<RegistryFilter, PageError> {
        let flag = match self.flag.as_str() {
            "" => None,
            f => Some(
                f.parse::<FlagKind>()
                    .map_err(|_| PageError::BadRequest(format!("There is no flag {f:?}.")))?,
            ),
        };
        let status = match self.status.as_str() {
            "" => None,
            st if STATUSES.iter().any(|x| x.label() == st) => Some(st.to_string()),
            st => return Err(PageError::BadRequest(format!("There is no status {st:?}."))),
        };
        let clinician =
            match self.clinician.as_str() {
                "" => None,
                c => Some(c.parse::<UserId>().map_err(|_| {
                    PageError::BadRequest("Choose a clinician from the list.".into())
                })?),
            };
        let (sort, descending) = self.sort_dir();
        Ok(RegistryFilter {
            flag,
            status,
            clinician,
            sort,
            descending,
            limit,
            offset: self.offset.unwrap_or(0),
        })
    }

    fn sort_dir(&self) -> (RegistrySort, bool) {
        let (sort, _, first) = SORTS
            .iter()
            .find(|(_, name, _)| *name == self.sort)
            .copied()
            .unwrap_or(SORTS[0]);
        let descending = match self.dir.as_str() {
            "asc" => false,
            "desc" => true,
            _ => first,
        };
        (sort, descending)
    }

    /// The filters as a query string, ending in `&` when not empty.
    fn filters_qs(&self) -> String {
        let mut qs = String::new();
        for (k, v) in [
            ("flag", &self.flag),
            ("status", &self.status),
            ("clinician", &self.clinician),
        ] {
            if !v.is_empty() {
                qs.push_str(&format!("{k}={}&", urlencode(v)));
            }
        }
        qs
    }

    fn sort_qs(&self) -> String {
        let (sort, desc) = self.sort_dir();
        let name = SORTS
            .iter()
            .find(|(s, _, _)| *s == sort)
            .map_or("urgency", |(_, n, _)| n);
        format!("sort={name}&dir={}", if desc { "desc" } else { "asc" })
    }
}

pub struct TrackedView {
    pub score: Option<i32>,
    pub sev: &'static str,
    /// Severity and status in words, e.g. "moderate · Improving" (tooltip).
    pub severity: String,
    pub change: Option<String>,
    pub change_tone: &'static str,
}

fn tracked(
    score: Option<i32>,
    change: Option<i32>,
    severity: Option<&str>,
    status: Option<&str>,
) -> TrackedView {
    // A baseline has nothing to change from yet.
    let change = change.filter(|_| status != Some("Baseline"));
    let mut hint = severity.unwrap_or("").replace('_', " ");
    if let Some(st) = status {
        hint = if hint.is_empty() {
            st.to_string()
        } else {
            format!("{hint} · {st}")
        };
    }
    TrackedView {
        score,
        sev: sev_class(severity),
        severity: hint,
        change: change.map(signed),
        change_tone: change.map_or("same", change_tone),
    }
}

pub struct OtherView {
    pub name: String,
    pub value: String,
    pub sev: &'static str,
}

fn others(app: &App, ms: &[MeasureStatus]) -> Vec<OtherView> {
    ms.iter()
        .map(|m| OtherView {
            name: app
                .instruments()
                .get(&m.instrument)
                .map_or(m.instrument.clone(), |i| i.name.clone()),
            value: match (m.latest_score, &m.latest_interpretation) {
                (Some(s), _) => s.to_string(),
                (None, Some(i)) => i.clone(),
                (None, None) => "✓".into(),
            },
            sev: sev_class(m.latest_severity.as_deref()),
        })
        .collect()
}

pub struct LineView {
    pub id: String,
    pub name: String,
    pub mrn: String,
    pub phq9: TrackedView,
    pub gad7: TrackedView,
    pub others: Vec<OtherView>,
    pub weeks: i64,
    pub last: String,
    pub status: Option<String>,
    pub status_tone: &'static str,
    pub flags: Vec<(&'static str, &'static str)>,
}

fn line(app: &App, l: &RegistryLine) -> LineView {
    LineView {
        id: l.patient_id.to_string(),
        name: format!("{}, {}", l.family_name, l.given_names),
        mrn: l.mrn.clone(),
        phq9: tracked(
            l.phq9.score,
            l.phq9.change,
            l.phq9.severity.as_deref(),
            l.phq9.status.as_deref(),
        ),
        gad7: tracked(
            l.gad7.score,
            l.gad7.change,
            l.gad7.severity.as_deref(),
            l.gad7.status.as_deref(),
        ),
        others: others(app, &l.others),
        weeks: l.weeks_in_treatment,
        last: l
            .last_measured_on
            .map_or_else(|| "never".into(), |d| d.to_string()),
        status: l.status.clone(),
        status_tone: status_tone(l.status.as_deref()),
        flags: l.flags.iter().map(|k| (k.text(), flag_tone(*k))).collect(),
    }
}

/// A column header: its link toggles the direction when already sorted by it.
pub struct Column {
    pub label: &'static str,
    /// Read out after the label (the change columns show only "Δ").
    pub spoken: &'static str,
    pub href: String,
    /// `ascending`, `descending` or empty, for `aria-sort`.
    pub sorted: &'static str,
}

#[derive(Template)]
#[template(path = "registry.html")]
struct RegistryPageView {
    nav: Option<Nav>,
    title: &'static str,
    whole_clinic: bool,
    lines: Vec<LineView>,
    total: u64,
    shown_from: u64,
    shown_to: u64,
    paged: bool,
    columns: Vec<Column>,
    flags: Vec<(&'static str, &'static str)>,
    statuses: Vec<&'static str>,
    clinicians: Vec<(String, String)>,
    q: RegistryQuery,
    filtered: bool,
    csv: String,
    prev: Option<String>,
    next: Option<String>,
}

fn columns(q: &RegistryQuery) -> Vec<Column> {
    let (current, desc) = q.sort_dir();
    let filters = q.filters_qs();
    [
        ("Patient", "", RegistrySort::Name),
        ("PHQ-9", "", RegistrySort::Phq9),
        (
            "Δ",
            " PHQ-9 change since baseline",
            RegistrySort::Phq9Change,
        ),
        ("GAD-7", "", RegistrySort::Gad7),
        (
            "Δ",
            " GAD-7 change since baseline",
            RegistrySort::Gad7Change,
        ),
        ("Weeks", " in treatment", RegistrySort::Weeks),
        ("Last measure", "", RegistrySort::LastMeasured),
        ("Status", "", RegistrySort::Status),
        ("Flags", "", RegistrySort::Urgency),
    ]
    .into_iter()
    .map(|(label, spoken, sort)| {
        let (_, name, first) = SORTS
            .iter()
            .find(|(s, _, _)| *s == sort)
            .copied()
            .unwrap_or(SORTS[0]);
        let dir = if sort == current { !desc } else { first };
        Column {
            label,
            spoken,
            href: format!(
                "/registry?{filters}sort={name}&dir={}",
                if dir { "desc" } else { "asc" }
            ),
            sorted: match (sort == current, desc) {
                (false, _) => "",
                (true, true) => "descending",
                (true, false) => "ascending",
            },
        }
    })
    .collect()
}

pub async fn page(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Query(q): Query<RegistryQuery>,
) -> PageResult {
    let f = q.filter(PAGE)?;
    let page = s.app.registry(&auth.caller, &f, false).await?;
    let clinicians = if page.whole_clinic {
        s.app
            .practitioners(&auth.caller, None)
            .await?
            .into_iter()
            .filter(|u| u.active && u.role.is_clinician())
            .map(|u| (u.id.to_string(), u.display_name))
            .collect()
    } else {
        vec![]
    };
    let base = format!("/registry?{}{}", q.filters_qs(), q.sort_qs());
    let offset = f.offset;
    let prev = (offset > 0).then(|| format!("{base}&offset={}", offset.saturating_sub(PAGE)));
    let next = (u64::from(offset) + u64::from(PAGE) < page.total)
        .then(|| format!("{base}&offset={}", offset + PAGE));
    let lines: Vec<LineView> = page.lines.iter().map(|l| line(&s.app, l)).collect();
    html(
        StatusCode::OK,
        &RegistryPageView {
            nav: Some(Nav::new(&auth, "registry")),
            title: if page.whole_clinic {
                "Clinic registry"
            } else {
                "My caseload"
            },
            whole_clinic: page.whole_clinic,
            shown_from: u64::from(offset) + 1,
            shown_to: u64::from(offset) + lines.len() as u64,
            paged: page.total > lines.len() as u64,
            lines,
            total: page.total,
            columns: columns(&q),
            flags: FlagKind::ALL
                .iter()
                .map(|k| (k.as_str(), k.text()))
                .collect(),
            statuses: STATUSES.iter().map(|st| st.label()).collect(),
            clinicians,
            filtered: !q.filters_qs().is_empty(),
            csv: format!("/registry.csv?{}{}", q.filters_qs(), q.sort_qs()),
            q,
            prev,
            next,
        },
    )
}

/// A text cell, neutralised against formula injection: a spreadsheet must
/// never run a cell that starts like a formula.
fn text_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A number Tandem computed; never neutralised, so "-5" stays a number.
fn num_cell(n: Option<impl std::fmt::Display>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

pub const CSV_HEADER: &str = "MRN,Family name,Given names,PHQ-9,PHQ-9 change,PHQ-9 severity,GAD-7,GAD-7 change,GAD-7 severity,Other measures,Weeks in treatment,Episode start,Last measure,Status,Flags";

fn csv_row(app: &App, l: &RegistryLine) -> String {
    let others = others(app, &l.others)
        .into_iter()
        .map(|o| format!("{} {}", o.name, o.value))
        .collect::<Vec<_>>()
        .join("; ");
    [
        text_cell(&l.mrn),
        text_cell(&l.family_name),
        text_cell(&l.given_names),
        num_cell(l.phq9.score),
        num_cell(l.phq9.change),
        text_cell(l.phq9.severity.as_deref().unwrap_or("")),
        num_cell(l.gad7.score),
        num_cell(l.gad7.change),
        text_cell(l.gad7.severity.as_deref().unwrap_or("")),
        text_cell(&others),
        l.weeks_in_treatment.to_string(),
        l.episode_start.to_string(),
        num_cell(l.last_measured_on),
        text_cell(l.status.as_deref().unwrap_or("")),
        text_cell(
            &l.flags
                .iter()
                .map(|k| k.text())
                .collect::<Vec<_>>()
                .join("; "),
        ),
    ]
    .join(",")
}

/// The registry with the page's filters and sort, every row, as CSV.
/// Audited by the app as an export.
pub async fn csv(
    State(s): State<AppState>,
    WebUser(auth): WebUser,
    Query(q): Query<RegistryQuery>,
) -> PageResult {
    let mut f = q.filter(u32::MAX)?;
    f.offset = 0;
    let page = s.app.registry(&auth.caller, &f, true).await?;
    let mut body = String::from(CSV_HEADER);
    body.push_str("\r\n");
    for l in &page.lines {
        body.push_str(&csv_row(&s.app, l));
        body.push_str("\r\n");
    }
    let name = format!(
        "registry-{}.csv",
        when(s.app.now()).replace([' ', ':'], "-")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_quoted() {
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(text_cell("+1"), "'+1");
        assert_eq!(text_cell("-2"), "'-2");
        assert_eq!(text_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text_cell("O'Brien"), "O'Brien");
        assert_eq!(text_cell("Rivera, Ana"), "\"Rivera, Ana\"");
        assert_eq!(num_cell(Some(-5)), "-5");
        assert_eq!(num_cell(None::<i32>), "");
    }

    #[test]
    fn sorting_toggles_on_the_current_column() {
        let q = RegistryQuery {
            sort: "phq9".into(),
            dir: "desc".into(),
            flag: "suicide_risk".into(),
            ..Default::default()
        };
        let cols = columns(&q);
        let phq9 = cols.iter().find(|c| c.label == "PHQ-9").unwrap();
        assert_eq!(phq9.sorted, "descending");
        assert_eq!(phq9.href, "/registry?flag=suicide_risk&sort=phq9&dir=asc");
        let name = cols.iter().find(|c| c.label == "Patient").unwrap();
        assert_eq!(name.sorted, "");
        assert!(name.href.ends_with("sort=name&dir=asc"));
        assert_eq!(
            RegistryQuery::default().sort_dir(),
            (RegistrySort::Urgency, true)
        );
    }
}
