//! The care plan: one plan per patient holding therapy and medication
//! together, its measurable goals, the measurement schedule that decides
//! when the patient is overdue, and the team's review cadence.
//!
//! Every change is a new version. A signed version is its own type
//! ([`SignedVersion`]) and offers no way to change its content: revising a
//! plan always makes a new [`DraftVersion`].

mod body;
mod diff;
mod review;
mod schedule;
mod version;

pub use body::{
    Comparator, Diagnosis, Format, Frequency, Goal, GoalStatus, Medication, Modality, PlanBody,
    Problem, Scheduled, Setting, SuggestedTarget, Target, Therapy, suggested_targets,
};
pub use diff::{Change, Section, diff, side_by_side};
pub use review::{ReviewReason, review_due};
pub use schedule::schedule_due;
pub use version::{
    Agreement, AnyVersion, Draft, DraftVersion, Signed, SignedVersion, Version, VersionMeta,
};

/// Longest free text accepted in one field of a plan.
pub const MAX_TEXT: usize = 2000;
/// The longest interval, in weeks, for a measurement schedule or a team
/// review: a year; anything longer is not a plan being followed.
pub const MAX_WEEKS: u8 = 52;
