//! Who may do what to which patient.
//!
//! The rule: access follows the care team. A clinician acts for the patients
//! whose care team they are on; anyone else's chart needs break-the-glass,
//! with a reason, and is audited as such. Front desk sees demographics and
//! scheduling data, never clinical content. Admins manage users and settings
//! but open no chart. Auditors read the audit log only.

use crate::role::Role;

/// Something done to one patient's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatientAction {
    /// Name, date of birth, contact details.
    ReadDemographics,
    EditDemographics,
    /// Clinical content: the chart.
    ReadChart,
    /// Adding clinical content: a measure, an acknowledgement.
    WriteChart,
    /// Add or end care-team memberships.
    ManageCareTeam,
}

/// How the acting user stands towards the patient, as the store found it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relationship {
    /// On the patient's care team today.
    pub on_care_team: bool,
    /// Holds an unexpired break-the-glass grant for this patient.
    pub break_glass: bool,
}

/// Why an access happened, as the audit log records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Treatment,
    Operations,
    BreakGlass,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Treatment => "treatment",
            Purpose::Operations => "operations",
            Purpose::BreakGlass => "break_glass",
        }
    }
}

/// Why an access was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denial {
    /// A clinician off the care team: break-the-glass is possible.
    NotOnCareTeam,
    /// The role never does this.
    RoleNotPermitted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow(Purpose),
    Deny(Denial),
}

/// Decides one access. Pure: the caller supplies the relationship.
pub fn decide(role: Role, rel: Relationship, action: PatientAction) -> Decision {
    use PatientAction::*;
    match role {
        Role::Therapist | Role::Prescriber | Role::Nurse | Role::CareManager => {
            if rel.on_care_team {
                Decision::Allow(Purpose::Treatment)
            } else if rel.break_glass {
                Decision::Allow(Purpose::BreakGlass)
            } else {
                Decision::Deny(Denial::NotOnCareTeam)
            }
        }
        Role::FrontDesk => match action {
            ReadDemographics | EditDemographics | ManageCareTeam => {
                Decision::Allow(Purpose::Operations)
            }
            ReadChart | WriteChart => Decision::Deny(Denial::RoleNotPermitted),
        },
        Role::Admin | Role::Auditor => Decision::Deny(Denial::RoleNotPermitted),
    }
}

/// May this role register new patients?
pub fn can_register(role: Role) -> bool {
    role.is_clinician() || role == Role::FrontDesk
}

/// May this role search the whole clinic's demographics (not just a panel)?
pub fn searches_whole_clinic(role: Role) -> bool {
    role == Role::FrontDesk
}

/// Which patients a role's registry lists: care managers watch the whole
/// clinic (population health is their job); other clinicians their own
/// caseload; everyone else none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistryScope {
    WholeClinic,
    OwnCaseload,
}

pub fn registry_scope(role: Role) -> Option<RegistryScope> {
    match role {
        Role::CareManager => Some(RegistryScope::WholeClinic),
        r if r.is_clinician() => Some(RegistryScope::OwnCaseload),
        _ => None,
    }
}

/// May this role open a chart off its care teams, with a reason?
pub fn can_break_glass(role: Role) -> bool {
    role.is_clinician()
}

pub fn can_manage_users(role: Role) -> bool {
    role == Role::Admin
}

pub fn can_read_audit(role: Role) -> bool {
    role == Role::Auditor
}

/// A break-the-glass reason must say something.
pub fn valid_break_glass_reason(reason: &str) -> Result<String, &'static str> {
    let r = reason.trim();
    if r.chars().count() < 10 {
        return Err("give the reason in a few words (at least 10 characters)");
    }
    if r.chars().count() > 500 {
        return Err("keep the reason under 500 characters");
    }
    Ok(r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use PatientAction::*;

    const ACTIONS: [PatientAction; 5] = [
        ReadDemographics,
        EditDemographics,
        ReadChart,
        WriteChart,
        ManageCareTeam,
    ];
    const ON: Relationship = Relationship {
        on_care_team: true,
        break_glass: false,
    };
    const OFF: Relationship = Relationship {
        on_care_team: false,
        break_glass: false,
    };
    const GLASS: Relationship = Relationship {
        on_care_team: false,
        break_glass: true,
    };

    #[test]
    fn clinicians_act_for_their_own_patients_only() {
        for role in [
            Role::Therapist,
            Role::Prescriber,
            Role::Nurse,
            Role::CareManager,
        ] {
            for a in ACTIONS {
                assert_eq!(decide(role, ON, a), Decision::Allow(Purpose::Treatment));
                assert_eq!(decide(role, OFF, a), Decision::Deny(Denial::NotOnCareTeam));
                assert_eq!(decide(role, GLASS, a), Decision::Allow(Purpose::BreakGlass));
            }
        }
    }

    #[test]
    fn front_desk_never_sees_the_chart() {
        for rel in [ON, OFF, GLASS] {
            for clinical in [ReadChart, WriteChart] {
                assert_eq!(
                    decide(Role::FrontDesk, rel, clinical),
                    Decision::Deny(Denial::RoleNotPermitted)
                );
            }
            assert_eq!(
                decide(Role::FrontDesk, rel, ReadDemographics),
                Decision::Allow(Purpose::Operations)
            );
        }
    }

    #[test]
    fn admins_and_auditors_open_no_chart_even_with_a_grant() {
        for role in [Role::Admin, Role::Auditor] {
            for rel in [ON, OFF, GLASS] {
                for a in ACTIONS {
                    assert_eq!(
                        decide(role, rel, a),
                        Decision::Deny(Denial::RoleNotPermitted)
                    );
                }
            }
        }
    }

    #[test]
    fn care_managers_watch_the_whole_clinic_other_clinicians_their_caseload() {
        assert_eq!(
            registry_scope(Role::CareManager),
            Some(RegistryScope::WholeClinic)
        );
        for r in [Role::Therapist, Role::Prescriber, Role::Nurse] {
            assert_eq!(registry_scope(r), Some(RegistryScope::OwnCaseload));
        }
        for r in [Role::FrontDesk, Role::Admin, Role::Auditor] {
            assert_eq!(registry_scope(r), None);
        }
    }

    #[test]
    fn only_clinicians_break_the_glass() {
        assert!(can_break_glass(Role::Nurse));
        assert!(!can_break_glass(Role::FrontDesk));
        assert!(!can_break_glass(Role::Admin));
        assert!(valid_break_glass_reason("  because ").is_err());
        assert!(valid_break_glass_reason("Covering for Dr Lee; patient in crisis").is_ok());
    }
}
