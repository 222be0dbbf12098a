//! Staff roles and care-team roles.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a staff account is for. It decides what the account may ever do;
/// care-team membership then decides for which patients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    FrontDesk,
    Therapist,
    Prescriber,
    Nurse,
    CareManager,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::FrontDesk,
        Role::Therapist,
        Role::Prescriber,
        Role::Nurse,
        Role::CareManager,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::FrontDesk => "front_desk",
            Role::Therapist => "therapist",
            Role::Prescriber => "prescriber",
            Role::Nurse => "nurse",
            Role::CareManager => "care_manager",
            Role::Auditor => "auditor",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::FrontDesk => "Front desk",
            Role::Therapist => "Therapist",
            Role::Prescriber => "Prescriber",
            Role::Nurse => "Nurse",
            Role::CareManager => "Care manager",
            Role::Auditor => "Auditor",
        }
    }

    /// The care-team role a clinician of this kind takes, if any.
    pub fn clinical(self) -> Option<CareTeamRole> {
        match self {
            Role::Therapist => Some(CareTeamRole::Therapist),
            Role::Prescriber => Some(CareTeamRole::Prescriber),
            Role::Nurse => Some(CareTeamRole::Nurse),
            Role::CareManager => Some(CareTeamRole::CareManager),
            Role::Admin | Role::FrontDesk | Role::Auditor => None,
        }
    }

    pub fn is_clinician(self) -> bool {
        self.clinical().is_some()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown role name.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown role `{0}` (expected one of: admin, front_desk, therapist, prescriber, nurse, care_manager, auditor)"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// The part a clinician plays on one patient's care team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CareTeamRole {
    Therapist,
    Prescriber,
    CareManager,
    Nurse,
}

impl CareTeamRole {
    pub const ALL: [CareTeamRole; 4] = [
        CareTeamRole::Therapist,
        CareTeamRole::Prescriber,
        CareTeamRole::CareManager,
        CareTeamRole::Nurse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CareTeamRole::Therapist => "therapist",
            CareTeamRole::Prescriber => "prescriber",
            CareTeamRole::CareManager => "care_manager",
            CareTeamRole::Nurse => "nurse",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CareTeamRole::Therapist => "Therapist",
            CareTeamRole::Prescriber => "Prescriber",
            CareTeamRole::CareManager => "Care manager",
            CareTeamRole::Nurse => "Nurse",
        }
    }
}

impl FromStr for CareTeamRole {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CareTeamRole::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().ok(), Some(r));
        }
        for r in CareTeamRole::ALL {
            assert_eq!(r.as_str().parse::<CareTeamRole>().ok(), Some(r));
        }
        assert!("doctor".parse::<Role>().is_err());
    }

    #[test]
    fn only_clinicians_join_care_teams() {
        assert_eq!(Role::Prescriber.clinical(), Some(CareTeamRole::Prescriber));
        assert!(!Role::FrontDesk.is_clinician());
        assert!(!Role::Admin.is_clinician());
        assert!(!Role::Auditor.is_clinician());
    }
}
