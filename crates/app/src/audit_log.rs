//! Reading and verifying the audit log.

use crate::{App, AppError, Caller, Forbidden, Operator, Result};
use tandem_core::access::can_read_audit;
use tandem_core::audit::{AuditEntry, ChainBreak, Outcome, Verifier};
use tandem_store::audit::{self, Filter};
use tandem_store::grants;

/// One page of the auditor's view, newest first.
#[derive(Clone, Debug)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub break_glass: Vec<grants::Grant>,
}

/// The outcome of `tandem audit verify`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    pub entries: u64,
    pub broken: Option<ChainBreak>,
}

const BATCH: u32 = 2_000;

impl App {
    /// The auditor's view. Reading the log is itself audited.
    pub async fn audit_view(&self, caller: &Caller, filter: &Filter) -> Result<AuditPage> {
        let allowed = can_read_audit(caller.actor.role);
        let mut tx = self.store.begin().await?;
        let mut rec = self.record(
            caller,
            "audit.read",
            if allowed {
                Outcome::Success
            } else {
                Outcome::Denied
            },
        );
        rec.patient_id = filter.patient;
        audit::append(&mut tx, rec).await?;
        if !allowed {
            tx.commit().await?;
            return Err(AppError::Forbidden(Forbidden::Role));
        }
        let entries = audit::search(&mut tx, caller.actor.org, filter).await?;
        let break_glass = grants::recent(&mut tx, caller.actor.org, 50).await?;
        tx.commit().await?;
        Ok(AuditPage {
            entries,
            break_glass,
        })
    }

    /// Staff names for the auditor's filter.
    pub async fn audit_actors(
        &self,
        caller: &Caller,
    ) -> Result<Vec<(tandem_core::ids::UserId, String)>> {
        if !can_read_audit(caller.actor.role) {
            return Err(AppError::Forbidden(Forbidden::Role));
        }
        let mut tx = self.store.begin_read().await?;
        let users = tandem_store::users::list(&mut tx, caller.actor.org, &[]).await?;
        Ok(users.into_iter().map(|u| (u.id, u.username)).collect())
    }

    /// Walks every organization's chain in order, in batches, from one
    /// snapshot. Stops at the first bad entry.
    pub async fn verify_audit(&self, _op: &Operator) -> Result<VerifyReport> {
        let mut tx = self.store.begin_read().await?;
        let mut total = 0;
        for org in audit::orgs(&mut tx).await? {
            let (head_seq, head_hash) = audit::head(&mut tx, org).await?;
            let mut v = Verifier::default();
            let mut after = 0;
            loop {
                let batch = audit::batch(&mut tx, org, after, BATCH).await?;
                let Some(last) = batch.last() else { break };
                after = last.seq;
                for e in &batch {
                    if let Err(b) = v.push(e) {
                        return Ok(VerifyReport {
                            entries: total,
                            broken: Some(b),
                        });
                    }
                    total += 1;
                }
            }
            if let Err(b) = v.finish(head_seq, &head_hash) {
                return Ok(VerifyReport {
                    entries: total,
                    broken: Some(b),
                });
            }
        }
        Ok(VerifyReport {
            entries: total,
            broken: None,
        })
    }
}
