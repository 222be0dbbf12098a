//! The registry: "my caseload" for each clinician, the whole clinic for care
//! managers. Read from the per-patient status table, one indexed query per
//! page; the history is never rescanned.

use crate::{App, AppError, Caller, Forbidden, Result};
use tandem_core::access::{RegistryScope, registry_scope};
use tandem_core::audit::Outcome;
use tandem_core::flag::{self, FlagKind};
use tandem_core::ids::{PatientId, UserId};
use tandem_store::audit;
use tandem_store::measures::{self, MeasureStatus};
use tandem_store::registry::{self, FlagFilter, Query, Scope, Sort, Tracked};
use time::Date;

/// What the registry is asked for.
#[derive(Clone, Debug, Default)]
pub struct RegistryFilter {
    pub flag: Option<FlagKind>,
    /// A status label, e.g. "Not improving".
    pub status: Option<String>,
    /// Only this clinician's patients (care managers filtering the clinic).
    pub clinician: Option<UserId>,
    pub sort: Sort,
    pub descending: bool,
    pub limit: u32,
    pub offset: u32,
}

/// One registry row as shown.
#[derive(Clone, Debug)]
pub struct RegistryLine {
    pub patient_id: PatientId,
    pub mrn: String,
    pub family_name: String,
    pub given_names: String,
    pub episode_start: Date,
    pub weeks_in_treatment: i64,
    pub last_measured_on: Option<Date>,
    pub phq9: Tracked,
    pub gad7: Tracked,
    pub status: Option<String>,
    /// Active flags in priority order; "Overdue" read from the calendar.
    pub flags: Vec<FlagKind>,
    /// Latest scores of the other instruments in the episode.
    pub others: Vec<MeasureStatus>,
}

#[derive(Clone, Debug)]
pub struct RegistryPage {
    pub lines: Vec<RegistryLine>,
    pub total: u64,
    pub whole_clinic: bool,
}

impl App {
    /// One page of the registry. `export` marks a CSV download in the audit log.
    pub async fn registry(
        &self,
        caller: &Caller,
        f: &RegistryFilter,
        export: bool,
    ) -> Result<RegistryPage> {
        let action = if export {
            "registry.export"
        } else {
            "registry.read"
        };
        let Some(reach) = registry_scope(caller.actor.role) else {
            let mut tx = self.store.begin().await?;
            let mut rec = self.record(caller, action, Outcome::Denied);
            rec.detail = Some("role not permitted".into());
            audit::append(&mut tx, rec).await?;
            tx.commit().await?;
            return Err(AppError::Forbidden(Forbidden::Role));
        };
        let today = self.clock().today();
        let scope = match reach {
            RegistryScope::WholeClinic => Scope::WholeClinic,
            RegistryScope::OwnCaseload => Scope::CaseloadOf {
                user: caller.actor.user_id,
                today,
            },
        };
        let cadence = self.cadence();
        let since = flag::on_time_since(today, cadence);
        let q = Query {
            flag: f.flag.map(|k| match k {
                FlagKind::Overdue => FlagFilter::MeasuredBefore(since),
                k => FlagFilter::Bit(k.bit()),
            }),
            status: f.status.clone(),
            clinician: f.clinician,
            sort: f.sort,
            descending: f.descending,
            limit: f.limit,
            offset: f.offset,
        };
        let mut tx = self.store.begin().await?;
        let (rows, total) = registry::query(&mut tx, caller.actor.org, scope, today, &q).await?;
        let ids: Vec<PatientId> = rows.iter().map(|r| r.status.patient_id).collect();
        let mut others = measures::measures_for_patients(&mut tx, caller.actor.org, &ids).await?;
        others.retain(|m| m.instrument != "phq9" && m.instrument != "gad7");
        let lines = rows
            .into_iter()
            .map(|r| {
                let s = r.status;
                let last = s.last_measured_on.unwrap_or(s.episode_start);
                let mut kinds: Vec<FlagKind> = FlagKind::from_bits(s.flags)
                    .into_iter()
                    .filter(|k| *k != FlagKind::Overdue)
                    .collect();
                let overdue = match s.measures_due_on {
                    Some(due) => today > due,
                    None => flag::is_overdue(last, today, cadence),
                };
                if overdue {
                    kinds.push(FlagKind::Overdue);
                }
                kinds.sort_by_key(|k| FlagKind::ALL.iter().position(|x| x == k));
                RegistryLine {
                    patient_id: s.patient_id,
                    mrn: r.mrn,
                    family_name: r.family_name,
                    given_names: r.given_names,
                    episode_start: s.episode_start,
                    weeks_in_treatment: (today - s.episode_start).whole_weeks(),
                    last_measured_on: s.last_measured_on,
                    phq9: s.phq9,
                    gad7: s.gad7,
                    status: s.status,
                    flags: kinds,
                    others: others
                        .iter()
                        .filter(|m| m.patient_id == s.patient_id)
                        .cloned()
                        .collect(),
                }
            })
            .collect();
        let mut rec = self.record(caller, action, Outcome::Success);
        rec.resource = Some("Registry".into());
        rec.detail = Some(format!(
            "{}{}{}{} ({} found)",
            match reach {
                RegistryScope::WholeClinic => "clinic",
                RegistryScope::OwnCaseload => "caseload",
            },
            f.flag
                .map(|k| format!("&flag={}", k.as_str()))
                .unwrap_or_default(),
            f.status
                .as_ref()
                .map(|s| format!("&status={s}"))
                .unwrap_or_default(),
            f.clinician
                .map(|c| format!("&clinician={c}"))
                .unwrap_or_default(),
            total
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(RegistryPage {
            lines,
            total,
            whole_clinic: reach == RegistryScope::WholeClinic,
        })
    }
}
