//! Flags, their acknowledgements, and the notifications safety flags send.

use crate::{Result, Tx, on_tx, parse_col};
use sqlx::FromRow;
use tandem_core::flag::FlagKind;
use tandem_core::ids::{AcknowledgementId, FlagId, NotificationId, OrgId, PatientId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub id: FlagId,
    pub patient_id: PatientId,
    pub kind: FlagKind,
    pub active: bool,
    pub reason: String,
    /// When the condition began (the measure's time, not the insert's).
    pub period_start: OffsetDateTime,
    pub period_end: Option<OffsetDateTime>,
    pub raised_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

#[derive(FromRow)]
struct FlagRow {
    id: Uuid,
    patient_id: Uuid,
    kind: String,
    status: String,
    reason: String,
    period_start: OffsetDateTime,
    period_end: Option<OffsetDateTime>,
    raised_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    version: i64,
}

impl TryFrom<FlagRow> for Flag {
    type Error = crate::StoreError;
    fn try_from(r: FlagRow) -> Result<Flag> {
        Ok(Flag {
            id: FlagId(r.id),
            patient_id: PatientId(r.patient_id),
            kind: parse_col("flags.kind", &r.kind)?,
            active: r.status == "active",
            reason: r.reason,
            period_start: r.period_start,
            period_end: r.period_end,
            raised_at: r.raised_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

const COLUMNS: &str = "id, patient_id, kind, status, reason, period_start, period_end, raised_at, updated_at, version";

fn convert(rows: Vec<FlagRow>) -> Result<Vec<Flag>> {
    rows.into_iter().map(Flag::try_from).collect()
}

pub async fn active_for(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<Vec<Flag>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM flags WHERE org_id = $1 AND patient_id = $2 AND status = 'active' ORDER BY period_start"
    );
    let rows: Vec<FlagRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    convert(rows)
}

pub async fn get(tx: &mut Tx, org: OrgId, id: FlagId) -> Result<Option<Flag>> {
    let sql = format!("SELECT {COLUMNS} FROM flags WHERE org_id = $1 AND id = $2");
    let row: Option<FlagRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(id.0).fetch_optional(c).await?
    });
    row.map(Flag::try_from).transpose()
}

/// A patient's flags, newest first; `active` filters by status.
pub async fn search(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    active: Option<bool>,
    limit: u32,
    offset: u32,
) -> Result<(Vec<Flag>, u64)> {
    let status = active.map(|a| if a { "active" } else { "inactive" });
    let filter = "FROM flags WHERE org_id = $1 AND patient_id = $2 AND ($3 IS NULL OR status = $3)";
    let sql =
        format!("SELECT {COLUMNS} {filter} ORDER BY period_start DESC, id LIMIT $4 OFFSET $5");
    let count = format!("SELECT COUNT(*) {filter}");
    let (rows, total): (Vec<FlagRow>, i64) = on_tx!(tx, c => {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).bind(status)
            .bind(i64::from(limit)).bind(i64::from(offset)).fetch_all(&mut *c).await?;
        let total = sqlx::query_scalar(sqlx::AssertSqlSafe(count.as_str())).bind(org.0).bind(patient.0).bind(status)
            .fetch_one(&mut *c).await?;
        (rows, total)
    });
    Ok((convert(rows)?, total.max(0) as u64))
}

#[allow(clippy::too_many_arguments)]
pub async fn raise(
    tx: &mut Tx,
    org: OrgId,
    id: FlagId,
    patient: PatientId,
    kind: FlagKind,
    reason: &str,
    since: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO flags (org_id, id, patient_id, kind, status, reason, period_start, period_end, raised_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, 'active', $5, $6, NULL, $7, $7, 1)",
        )
        .bind(org.0).bind(id.0).bind(patient.0).bind(kind.as_str()).bind(reason).bind(since).bind(now)
        .execute(c).await.map_err(crate::unique("active flag"))?;
    });
    Ok(())
}

/// Ends an active flag: its condition no longer holds as of `until`.
pub async fn clear(
    tx: &mut Tx,
    org: OrgId,
    id: FlagId,
    until: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "UPDATE flags SET status = 'inactive', period_end = $3, updated_at = $4, version = version + 1 \
             WHERE org_id = $1 AND id = $2 AND status = 'active'",
        )
        .bind(org.0).bind(id.0).bind(until).bind(now).execute(c).await?;
    });
    Ok(())
}

/// The reason changed while the flag stays active (e.g. a second instrument).
pub async fn update_reason(
    tx: &mut Tx,
    org: OrgId,
    id: FlagId,
    reason: &str,
    now: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "UPDATE flags SET reason = $3, updated_at = $4, version = version + 1 WHERE org_id = $1 AND id = $2",
        )
        .bind(org.0).bind(id.0).bind(reason).bind(now).execute(c).await?;
    });
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acknowledgement {
    pub id: AcknowledgementId,
    pub flag_id: FlagId,
    pub user_id: UserId,
    pub display_name: String,
    pub note: String,
    pub at: OffsetDateTime,
}

pub async fn acknowledge(
    tx: &mut Tx,
    org: OrgId,
    id: AcknowledgementId,
    flag: FlagId,
    user: UserId,
    note: &str,
    at: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO flag_acknowledgements (org_id, id, flag_id, user_id, note, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(org.0).bind(id.0).bind(flag.0).bind(user.0).bind(note).bind(at).execute(c).await?;
    });
    Ok(())
}

/// The acknowledgements of a patient's flags, oldest first.
pub async fn acknowledgements_for(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Vec<Acknowledgement>> {
    let rows: Vec<(Uuid, Uuid, Uuid, String, String, OffsetDateTime)> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT a.id, a.flag_id, a.user_id, u.display_name, a.note, a.at FROM flag_acknowledgements a \
             JOIN flags f ON f.org_id = a.org_id AND f.id = a.flag_id \
             JOIN users u ON u.org_id = a.org_id AND u.id = a.user_id \
             WHERE a.org_id = $1 AND f.patient_id = $2 ORDER BY a.at, a.id",
        )
        .bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, flag, user, name, note, at)| Acknowledgement {
            id: AcknowledgementId(id),
            flag_id: FlagId(flag),
            user_id: UserId(user),
            display_name: name,
            note,
            at,
        })
        .collect())
}

pub async fn notify(
    tx: &mut Tx,
    org: OrgId,
    id: NotificationId,
    user: UserId,
    patient: PatientId,
    flag: FlagId,
    now: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO notifications (org_id, id, user_id, patient_id, flag_id, created_at, read_at) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL)",
        )
        .bind(org.0).bind(id.0).bind(user.0).bind(patient.0).bind(flag.0).bind(now).execute(c).await?;
    });
    Ok(())
}

/// One entry of a notification list, with what the list shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: NotificationId,
    pub patient_id: PatientId,
    pub mrn: String,
    pub patient_name: String,
    pub flag: Flag,
    pub created_at: OffsetDateTime,
    pub read_at: Option<OffsetDateTime>,
    pub acknowledged: bool,
}

#[derive(FromRow)]
struct NotificationRow {
    n_id: Uuid,
    mrn: String,
    family_name: String,
    given_names: String,
    created_at_n: OffsetDateTime,
    read_at: Option<OffsetDateTime>,
    acks: i64,
    #[sqlx(flatten)]
    flag: FlagRow,
}

/// A user's notifications, newest first.
pub async fn notifications_for(
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    limit: u32,
) -> Result<Vec<Notification>> {
    let rows: Vec<NotificationRow> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT n.id AS n_id, p.mrn, p.family_name, p.given_names, n.created_at AS created_at_n, n.read_at, \
             (SELECT COUNT(*) FROM flag_acknowledgements a WHERE a.org_id = f.org_id AND a.flag_id = f.id) AS acks, \
             f.id, f.patient_id, f.kind, f.status, f.reason, f.period_start, f.period_end, f.raised_at, f.updated_at, f.version \
             FROM notifications n JOIN flags f ON f.org_id = n.org_id AND f.id = n.flag_id \
             JOIN patients p ON p.org_id = n.org_id AND p.id = n.patient_id \
             WHERE n.org_id = $1 AND n.user_id = $2 ORDER BY n.created_at DESC, n.id DESC LIMIT $3",
        )
        .bind(org.0).bind(user.0).bind(i64::from(limit)).fetch_all(c).await?
    });
    rows.into_iter()
        .map(|r| {
            Ok(Notification {
                id: NotificationId(r.n_id),
                patient_id: PatientId(r.flag.patient_id),
                mrn: r.mrn,
                patient_name: format!("{}, {}", r.family_name, r.given_names),
                created_at: r.created_at_n,
                read_at: r.read_at,
                acknowledged: r.acks > 0,
                flag: Flag::try_from(r.flag)?,
            })
        })
        .collect()
}

/// Unread notifications of active flags: the number on the badge.
pub async fn unread_count(tx: &mut Tx, org: OrgId, user: UserId) -> Result<i64> {
    Ok(on_tx!(tx, c => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications n JOIN flags f ON f.org_id = n.org_id AND f.id = n.flag_id \
             WHERE n.org_id = $1 AND n.user_id = $2 AND n.read_at IS NULL AND f.status = 'active'",
        )
        .bind(org.0).bind(user.0).fetch_one(c).await?
    }))
}

/// Marks a user's notifications about one flag read.
pub async fn mark_read(
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    flag: FlagId,
    now: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "UPDATE notifications SET read_at = $4 WHERE org_id = $1 AND user_id = $2 AND flag_id = $3 AND read_at IS NULL",
        )
        .bind(org.0).bind(user.0).bind(flag.0).bind(now).execute(c).await?;
    });
    Ok(())
}
