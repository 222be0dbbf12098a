//! When the team should review a plan.

use time::{Date, Duration, OffsetDateTime};

/// Why a plan is due for review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReviewReason {
    /// The review cadence has passed since `since` (the last signature, or
    /// the plan's creation when never signed).
    Cadence { since: Date, weeks: u8 },
    /// A "Not improving" flag was raised after the last signature: treat to
    /// target means the plan changes when the patient does not improve.
    NotImproving { raised_on: Date },
}

impl ReviewReason {
    pub fn text(&self) -> String {
        match self {
            ReviewReason::Cadence { since, weeks } => {
                format!("{weeks} weeks have passed since {since}")
            }
            ReviewReason::NotImproving { raised_on } => {
                format!("\"Not improving\" was flagged on {raised_on}, after the last signature")
            }
        }
    }
}

/// The reasons a plan is due for review today; empty when it is not.
/// `not_improving_raised` is when the active "Not improving" flag, if any,
/// was raised.
pub fn review_due(
    created_at: OffsetDateTime,
    last_signed_at: Option<OffsetDateTime>,
    review_every_weeks: u8,
    not_improving_raised: Option<OffsetDateTime>,
    today: Date,
) -> Vec<ReviewReason> {
    let mut out = Vec::new();
    let since = last_signed_at.unwrap_or(created_at).date();
    if today >= since + Duration::weeks(i64::from(review_every_weeks)) {
        out.push(ReviewReason::Cadence {
            since,
            weeks: review_every_weeks,
        });
    }
    if let Some(raised) = not_improving_raised
        && last_signed_at.is_none_or(|s| raised > s)
    {
        out.push(ReviewReason::NotImproving {
            raised_on: raised.date(),
        });
    }
    out
}
