//! The measurement schedule decides when a patient is overdue.

use super::Scheduled;
use crate::flag::Due;
use std::collections::BTreeMap;
use time::{Date, Duration};

/// The earliest-ending schedule: the last day every scheduled instrument is
/// still on time, and why. An instrument never measured in the episode
/// counts from `plan_started`. `None` for an empty schedule.
pub fn schedule_due(
    schedule: &[Scheduled],
    latest: &BTreeMap<String, Date>,
    plan_started: Date,
    name: impl Fn(&str) -> String,
) -> Option<Due> {
    schedule
        .iter()
        .map(|s| {
            let last = latest.get(&s.instrument).copied();
            let from = last.unwrap_or(plan_started);
            let until = from + Duration::weeks(i64::from(s.every_weeks));
            let reason = match last {
                Some(d) => format!(
                    "{} every {} weeks by the care plan; last measure {d}",
                    name(&s.instrument),
                    s.every_weeks
                ),
                None => format!(
                    "{} every {} weeks by the care plan; not measured since the plan began {from}",
                    name(&s.instrument),
                    s.every_weeks
                ),
            };
            Due {
                on_time_until: until,
                reason,
            }
        })
        .min_by_key(|d| d.on_time_until)
}
