//! Identifiers. Each kind of record has its own id type so a patient id can
//! never be passed where a user id is meant.

use crate::clock::Clock;
use crate::entropy::{Entropy, random_bytes};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id (UUIDv7): ids sort by creation, which
            /// keeps index inserts local on both databases.
            pub fn generate(clock: &dyn Clock, entropy: &dyn Entropy) -> Self {
                Self(new_v7(clock, entropy))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A patient.
    PatientId
);
id_type!(
    /// A staff user (clinician, front desk, admin, auditor).
    UserId
);
id_type!(
    /// An organization: a clinic, or one clinic of a network sharing a database.
    OrgId
);
id_type!(
    /// One membership of a user in a patient's care team.
    CareTeamMemberId
);
id_type!(
    /// An API bearer token (its id, never its secret).
    TokenId
);
id_type!(
    /// A break-the-glass grant.
    GrantId
);
id_type!(
    /// A lab result (an `Observation`, category laboratory).
    LabResultId
);
id_type!(
    /// A urine drug screen panel (an `Observation` with components).
    DrugScreenId
);
id_type!(
    /// One side effect noted against a medication order.
    SideEffectId
);
id_type!(
    /// One week's adherence report against a medication order.
    AdherenceReportId
);

id_type!(
    /// An episode of care: the span a measurement baseline belongs to.
    EpisodeId
);
id_type!(
    /// One completed questionnaire (a `QuestionnaireResponse`).
    ResponseId
);
id_type!(
    /// One score derived from a response (an `Observation`).
    ObservationId
);
id_type!(
    /// A clinical flag on a patient (a FHIR `Flag`).
    FlagId
);
id_type!(
    /// A clinician's acknowledgement of a flag.
    AcknowledgementId
);
id_type!(
    /// One entry of a staff member's notification list.
    NotificationId
);
id_type!(
    /// A medication order (a FHIR `MedicationRequest`).
    MedicationOrderId
);
id_type!(
    /// One entry of a medication order's dose history.
    OrderStepId
);
id_type!(
    /// A finding of the medication safety check, kept with the order it
    /// concerns (a FHIR `DetectedIssue`).
    DetectedIssueId
);

id_type!(
    /// One record of an opioid treatment program's dosing log: a dose or
    /// part of one given, or a missed day (a FHIR `MedicationAdministration`).
    DoseRecordId
);
id_type!(
    /// A practitioner's review of the take-home criteria.
    TakeHomeReviewId
);
id_type!(
    /// A take-home schedule granted at once; its dates share this id.
    TakeHomeGrantId
);
id_type!(
    /// One date of a take-home schedule.
    TakeHomeDayId
);

id_type!(
    /// A coded diagnosis on a patient's problem list (a FHIR `Condition`).
    ConditionId
);
id_type!(
    /// One structured clinical assessment (intake or reassessment).
    AssessmentId
);
id_type!(
    /// A patient's care plan; its content lives in numbered versions.
    CarePlanId
);
id_type!(
    /// A goal of a care plan (a FHIR `Goal`); stable across plan versions.
    GoalId
);
id_type!(
    /// One change of an episode's level of care.
    TransitionId
);
id_type!(
    /// One piece of education material given to a patient.
    EducationGivenId
);

/// The organization every single-clinic installation uses.
pub const DEFAULT_ORG: OrgId = OrgId(Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0001));

fn new_v7(clock: &dyn Clock, entropy: &dyn Entropy) -> Uuid {
    let millis = (clock.now().unix_timestamp_nanos() / 1_000_000).max(0) as u64;
    let rand: [u8; 10] = random_bytes(entropy);
    uuid::Builder::from_unix_timestamp_millis(millis, &rand).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::entropy::SeededEntropy;
    use time::macros::datetime;

    #[test]
    fn ids_sort_by_creation_time() {
        let clock = FixedClock::new(datetime!(2026-01-01 0:00 UTC));
        let e = SeededEntropy::new(7);
        let a = PatientId::generate(&clock, &e);
        clock.advance(time::Duration::milliseconds(1));
        let b = PatientId::generate(&clock, &e);
        assert!(a < b);
        assert_eq!(a.0.get_version_num(), 7);
    }

    #[test]
    fn ids_round_trip_through_text() {
        let clock = FixedClock::new(datetime!(2026-01-01 0:00 UTC));
        let id = UserId::generate(&clock, &SeededEntropy::new(1));
        assert_eq!(id.to_string().parse::<UserId>().ok(), Some(id));
        assert!("not-a-uuid".parse::<UserId>().is_err());
    }
}
