//! Care-team membership: who treats whom, in which role, from when to when.

use crate::{Result, Tx, on_tx, parse_col};
use sqlx::FromRow;
use tandem_core::ids::{CareTeamMemberId, OrgId, PatientId, UserId};
use tandem_core::role::CareTeamRole;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One membership, with the member's name for display.
#[derive(Clone, Debug)]
pub struct Member {
    pub id: CareTeamMemberId,
    pub patient_id: PatientId,
    pub user_id: UserId,
    pub display_name: String,
    pub username: String,
    pub role: CareTeamRole,
    pub start_date: Date,
    pub end_date: Option<Date>,
}

impl Member {
    pub fn active_on(&self, day: Date) -> bool {
        self.start_date <= day && self.end_date.is_none_or(|e| e >= day)
    }
}

#[derive(FromRow)]
struct Row {
    id: Uuid,
    patient_id: Uuid,
    user_id: Uuid,
    display_name: String,
    username: String,
    role: String,
    start_date: Date,
    end_date: Option<Date>,
}

#[allow(clippy::too_many_arguments)]
pub async fn add(
    tx: &mut Tx,
    org: OrgId,
    id: CareTeamMemberId,
    patient: PatientId,
    user: UserId,
    role: CareTeamRole,
    start: Date,
    now: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO care_team_members (org_id, id, patient_id, user_id, role, start_date, end_date, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)",
        )
        .bind(org.0).bind(id.0).bind(patient.0).bind(user.0).bind(role.as_str()).bind(start).bind(now)
        .execute(c).await?;
    });
    Ok(())
}

/// Ends a membership on `end`; false when there is no such open membership.
pub async fn end(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    id: CareTeamMemberId,
    end: Date,
) -> Result<bool> {
    let n = on_tx!(tx, c => {
        sqlx::query(
            "UPDATE care_team_members SET end_date = $4 WHERE org_id = $1 AND patient_id = $2 AND id = $3 AND end_date IS NULL",
        )
        .bind(org.0).bind(patient.0).bind(id.0).bind(end).execute(c).await?.rows_affected()
    });
    Ok(n == 1)
}

/// Every membership of a patient, current and past.
pub async fn for_patient(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<Vec<Member>> {
    let rows: Vec<Row> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT m.id, m.patient_id, m.user_id, u.display_name, u.username, m.role, m.start_date, m.end_date \
             FROM care_team_members m JOIN users u ON u.org_id = m.org_id AND u.id = m.user_id \
             WHERE m.org_id = $1 AND m.patient_id = $2 ORDER BY m.start_date, m.created_at",
        )
        .bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    rows.into_iter()
        .map(|r| {
            Ok(Member {
                id: CareTeamMemberId(r.id),
                patient_id: PatientId(r.patient_id),
                user_id: UserId(r.user_id),
                display_name: r.display_name,
                username: r.username,
                role: parse_col("care_team_members.role", &r.role)?,
                start_date: r.start_date,
                end_date: r.end_date,
            })
        })
        .collect()
}

/// Is the user on the patient's care team on `day`? An index lookup.
pub async fn is_member(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    user: UserId,
    day: Date,
) -> Result<bool> {
    let n: i64 = on_tx!(tx, c => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM care_team_members WHERE org_id = $1 AND user_id = $2 AND patient_id = $3 \
             AND start_date <= $4 AND (end_date IS NULL OR end_date >= $4)",
        )
        .bind(org.0).bind(user.0).bind(patient.0).bind(day).fetch_one(c).await?
    });
    Ok(n > 0)
}
