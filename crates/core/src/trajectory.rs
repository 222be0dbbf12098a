//! Reading a course of scores: baseline, latest, change, and a status the
//! team acts on (treat to target). The thresholds come from
//! `content/measurement/trajectory.toml`, each with its source.

use serde::Deserialize;
use std::collections::BTreeMap;
use time::Date;

/// The rules, as the content file states them.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrajectoryRules {
    pub defaults: Defaults,
    #[serde(default)]
    pub instruments: BTreeMap<String, Targets>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub response_drop_percent: u32,
    pub meaningful_change: i32,
    pub not_improving_after_weeks: i64,
    pub worsening_rise: i32,
    pub overdue_after_weeks: i64,
    pub sources: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    pub remission_below: Option<i32>,
    pub improved_below: Option<i32>,
    pub source: String,
}

impl TrajectoryRules {
    pub fn parse(text: &str) -> Result<TrajectoryRules, String> {
        let r: TrajectoryRules = toml::from_str(text).map_err(|e| e.to_string())?;
        if r.defaults.response_drop_percent == 0 || r.defaults.response_drop_percent > 100 {
            return Err("response_drop_percent must be 1 to 100".into());
        }
        if r.defaults.sources.is_empty() {
            return Err("the trajectory rules name no sources".into());
        }
        Ok(r)
    }
}

/// One score on one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub on: Date,
    pub score: i32,
}

/// Where a patient stands on one instrument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Only the baseline so far.
    Baseline,
    /// Below the instrument's remission threshold, having started at or above it.
    Remission,
    /// At least the response drop from baseline.
    Response,
    /// Down by at least the meaningful change, short of a response.
    Improving,
    /// Within the first weeks, no meaningful change yet.
    Unchanged,
    /// Past the review point with neither a response nor a score under the
    /// improvement threshold: the team should review the plan.
    NotImproving,
    /// Up by at least the worsening rise from baseline.
    Worsening,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Baseline,
        Status::Remission,
        Status::Response,
        Status::Improving,
        Status::Unchanged,
        Status::NotImproving,
        Status::Worsening,
    ];

    /// The status whose [`Status::label`] this is (labels are what is stored).
    pub fn from_label(label: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.label() == label)
    }

    /// How pressing a status is; the registry's "status" column shows the
    /// most pressing one across instruments. A new baseline on one
    /// instrument must not hide how another is going.
    pub fn urgency(self) -> i32 {
        match self {
            Status::Worsening => 7,
            Status::NotImproving => 6,
            Status::Unchanged => 5,
            Status::Improving => 4,
            Status::Baseline => 3,
            Status::Response => 2,
            Status::Remission => 1,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Baseline => "Baseline",
            Status::Remission => "Remission",
            Status::Response => "Response",
            Status::Improving => "Improving",
            Status::Unchanged => "No change yet",
            Status::NotImproving => "Not improving",
            Status::Worsening => "Worsening",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    pub baseline: Point,
    pub latest: Point,
    /// Latest minus baseline (negative is better on every instrument here).
    pub change: i32,
    /// Change as a percentage of the baseline; none when the baseline is 0.
    pub percent_change: Option<f64>,
    /// Whole weeks from baseline to latest.
    pub weeks: i64,
    pub status: Status,
    /// No score within the cadence, counted to `today`.
    pub overdue: bool,
}

/// Reads a course of scores of one instrument within one episode. The
/// baseline is the earliest point. `None` without any point.
pub fn trajectory(
    instrument: &str,
    points: &[Point],
    rules: &TrajectoryRules,
    today: Date,
) -> Option<Trajectory> {
    let baseline = *points.iter().min_by_key(|p| p.on)?;
    let latest = *points.iter().max_by_key(|p| p.on)?;
    let d = &rules.defaults;
    let targets = rules.instruments.get(instrument);
    let change = latest.score - baseline.score;
    let percent_change =
        (baseline.score != 0).then(|| f64::from(change) * 100.0 / f64::from(baseline.score));
    let weeks = (latest.on - baseline.on).whole_weeks();
    // Integer arithmetic for the response rule, so 50% is exactly 50%.
    let responded = baseline.score > 0
        && -change * 100 >= i32::try_from(d.response_drop_percent).unwrap_or(100) * baseline.score;
    let remission = targets
        .and_then(|t| t.remission_below)
        .is_some_and(|below| latest.score < below && baseline.score >= below);
    let improved_enough = targets
        .and_then(|t| t.improved_below)
        .is_some_and(|below| latest.score < below);
    let status = if points.len() < 2 || latest.on == baseline.on {
        Status::Baseline
    } else if change >= d.worsening_rise {
        Status::Worsening
    } else if remission {
        Status::Remission
    } else if responded {
        Status::Response
    } else if weeks >= d.not_improving_after_weeks && !improved_enough {
        Status::NotImproving
    } else if -change >= d.meaningful_change {
        Status::Improving
    } else {
        Status::Unchanged
    };
    let overdue = (today - latest.on).whole_days() > d.overdue_after_weeks * 7;
    Some(Trajectory {
        baseline,
        latest,
        change,
        percent_change,
        weeks,
        status,
        overdue,
    })
}
