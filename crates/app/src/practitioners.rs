//! The staff directory: clinicians as FHIR Practitioners, and the list a
//! care team is picked from. Not patient data, so not audited per read.

use crate::{App, AppError, Caller, Forbidden, Result};
use tandem_core::ids::UserId;
use tandem_core::role::Role;
use tandem_store::users::{self, User};

const CLINICAL: [Role; 4] = [
    Role::Therapist,
    Role::Prescriber,
    Role::Nurse,
    Role::CareManager,
];

impl App {
    fn may_read_directory(caller: &Caller) -> Result<()> {
        match caller.actor.role {
            Role::Auditor => Err(AppError::Forbidden(Forbidden::Role)),
            _ => Ok(()),
        }
    }

    /// Clinicians, optionally only those whose name or username starts with `name`.
    pub async fn practitioners(&self, caller: &Caller, name: Option<&str>) -> Result<Vec<User>> {
        Self::may_read_directory(caller)?;
        let mut tx = self.store.begin_read().await?;
        let all = users::list(&mut tx, caller.actor.org, &CLINICAL).await?;
        let needle = name
            .map(|n| n.trim().to_lowercase())
            .filter(|n| !n.is_empty());
        Ok(all
            .into_iter()
            .filter(|u| match &needle {
                None => true,
                Some(n) => {
                    u.username.starts_with(n.as_str())
                        || u.display_name
                            .to_lowercase()
                            .split_whitespace()
                            .any(|w| w.starts_with(n.as_str()))
                }
            })
            .collect())
    }

    pub async fn practitioner(&self, caller: &Caller, id: UserId) -> Result<User> {
        Self::may_read_directory(caller)?;
        let mut tx = self.store.begin_read().await?;
        users::by_id(&mut tx, caller.actor.org, id)
            .await?
            .filter(|u| u.role.is_clinician())
            .ok_or(AppError::NotFound("practitioner"))
    }
}
