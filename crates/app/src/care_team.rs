//! Care-team membership: who treats the patient. Membership is what grants
//! a clinician access, so every change is audited.

use crate::{App, AppError, Caller, Result};
use tandem_core::access::PatientAction;
use tandem_core::audit::Outcome;
use tandem_core::ids::{CareTeamMemberId, PatientId, UserId};
use tandem_store::{audit, care_team, users};
use time::Date;

impl App {
    /// The care team (current and past members).
    pub async fn care_team(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<Vec<care_team::Member>> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::ReadDemographics,
                "care_team.read",
            )
            .await?;
        let team = care_team::for_patient(&mut tx, caller.actor.org, patient).await?;
        let mut rec = self.record(caller, "care_team.read", Outcome::Success);
        rec.patient_id = Some(patient);
        rec.resource = Some(format!("CareTeam/{patient}"));
        rec.purpose = Some(purpose.as_str().into());
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(team)
    }

    /// Adds a clinician to the care team in the role their account has.
    pub async fn add_care_team_member(
        &self,
        caller: &Caller,
        patient: PatientId,
        user: UserId,
        start: Option<Date>,
    ) -> Result<()> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::ManageCareTeam,
                "care_team.add",
            )
            .await?;
        let org = caller.actor.org;
        let member = users::by_id(&mut tx, org, user)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let Some(role) = member.role.clinical().filter(|_| member.active) else {
            return Err(AppError::invalid(
                "user",
                "only active clinicians join care teams",
            ));
        };
        let today = self.clock().today();
        let start = start.unwrap_or(today);
        let team = care_team::for_patient(&mut tx, org, patient).await?;
        if team
            .iter()
            .any(|m| m.user_id == user && m.end_date.is_none())
        {
            return Err(AppError::invalid(
                "user",
                format!("{} is already on the care team", member.display_name),
            ));
        }
        let id = CareTeamMemberId::generate(self.clock(), self.entropy());
        care_team::add(&mut tx, org, id, patient, user, role, start, self.now()).await?;
        let mut rec = self.patient_record(caller, "care_team.add", patient, purpose);
        rec.detail = Some(format!(
            "{} as {} from {start}",
            member.username,
            role.as_str()
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends a membership (from the end of `end`, default today).
    pub async fn end_care_team_member(
        &self,
        caller: &Caller,
        patient: PatientId,
        member: CareTeamMemberId,
        end: Option<Date>,
    ) -> Result<()> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::ManageCareTeam,
                "care_team.end",
            )
            .await?;
        let end = end.unwrap_or(self.clock().today());
        let team = care_team::for_patient(&mut tx, caller.actor.org, patient).await?;
        let Some(m) = team.iter().find(|m| m.id == member) else {
            return Err(AppError::NotFound("care team member"));
        };
        if end < m.start_date {
            return Err(AppError::invalid(
                "end_date",
                "the end date is before the start date",
            ));
        }
        if !care_team::end(&mut tx, caller.actor.org, patient, member, end).await? {
            return Err(AppError::invalid(
                "member",
                "this membership has already ended",
            ));
        }
        let mut rec = self.patient_record(caller, "care_team.end", patient, purpose);
        rec.detail = Some(format!("{} ended {end}", m.username));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(())
    }
}
