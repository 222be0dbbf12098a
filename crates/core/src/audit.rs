//! The audit log's hash chain.
//!
//! Each entry's hash covers its own fields and the previous entry's hash, so
//! changing, removing or reordering any entry breaks every hash after it.
//! The store keeps the chain's head (last sequence number and hash) beside
//! the log, so cutting entries off the end is caught too.

use crate::ids::{OrgId, PatientId, UserId};
use sha2::{Digest, Sha256};
use std::fmt;
use time::OffsetDateTime;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Where an action came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Web,
    Api,
    Cli,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Api => "api",
            Channel::Cli => "cli",
        }
    }
}

/// How the action ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Denied,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// One thing that happened, before it is placed in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub org: OrgId,
    pub at: OffsetDateTime,
    pub actor_id: Option<UserId>,
    /// The username at the time (users can be renamed; the log cannot).
    pub actor: String,
    pub actor_role: String,
    pub channel: String,
    /// A dotted verb such as `patient.read`.
    pub action: String,
    pub patient_id: Option<PatientId>,
    /// A FHIR-style reference such as `Patient/…`.
    pub resource: Option<String>,
    /// `treatment`, `operations`, `break_glass`, …
    pub purpose: Option<String>,
    /// Free text: the break-the-glass reason, the denial's cause.
    pub detail: Option<String>,
    pub outcome: String,
}

/// A record in its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

fn put(h: &mut Sha256, field: &[u8]) {
    h.update((field.len() as u64).to_be_bytes());
    h.update(field);
}

fn put_opt(h: &mut Sha256, field: Option<&str>) {
    match field {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            put(h, s.as_bytes());
        }
    }
}

/// The hash of an entry: SHA-256 over the sequence number, the previous hash
/// and every field, each length-prefixed so no two entries share a pre-image.
pub fn entry_hash(seq: i64, prev_hash: &str, r: &AuditRecord) -> String {
    let mut h = Sha256::new();
    put(&mut h, b"tandem-audit-v1");
    h.update(seq.to_be_bytes());
    put(&mut h, prev_hash.as_bytes());
    put(&mut h, r.org.0.as_bytes());
    h.update((r.at.unix_timestamp_nanos() / 1000).to_be_bytes());
    put_opt(&mut h, r.actor_id.map(|u| u.to_string()).as_deref());
    put(&mut h, r.actor.as_bytes());
    put(&mut h, r.actor_role.as_bytes());
    put(&mut h, r.channel.as_bytes());
    put(&mut h, r.action.as_bytes());
    put_opt(&mut h, r.patient_id.map(|p| p.to_string()).as_deref());
    put_opt(&mut h, r.resource.as_deref());
    put_opt(&mut h, r.purpose.as_deref());
    put_opt(&mut h, r.detail.as_deref());
    put(&mut h, r.outcome.as_bytes());
    hex::encode(h.finalize())
}

/// Places a record after `(seq, hash)`, the chain's current head.
pub fn append(head_seq: i64, head_hash: &str, record: AuditRecord) -> AuditEntry {
    let seq = head_seq + 1;
    let hash = entry_hash(seq, head_hash, &record);
    AuditEntry {
        seq,
        record,
        prev_hash: head_hash.to_string(),
        hash,
    }
}

/// Where the chain broke, naming the first bad entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainBreak {
    /// An entry's content no longer matches its hash.
    Altered { seq: i64 },
    /// An entry does not point at the one before it.
    Unlinked { seq: i64 },
    /// Sequence numbers skip: entries were removed.
    Missing { expected: i64, found: i64 },
    /// The log ends before (or after) the recorded head.
    HeadMismatch { head_seq: i64, last_seq: i64 },
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainBreak::Altered { seq } => write!(
                f,
                "entry {seq} was altered: its content does not match its hash"
            ),
            ChainBreak::Unlinked { seq } => {
                write!(
                    f,
                    "entry {seq} does not follow the entry before it (reordered or replaced)"
                )
            }
            ChainBreak::Missing { expected, found } => {
                write!(
                    f,
                    "entry {expected} is missing (the next entry found is {found})"
                )
            }
            ChainBreak::HeadMismatch { head_seq, last_seq } => write!(
                f,
                "the chain head records entry {head_seq} but the log ends at entry {last_seq} (entries removed from the end)"
            ),
        }
    }
}

/// Checks a chain entry by entry, in sequence order, without holding it all.
#[derive(Debug)]
pub struct Verifier {
    expected_seq: i64,
    last_hash: String,
    checked: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            last_hash: GENESIS.to_string(),
            checked: 0,
        }
    }
}

impl Verifier {
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        if e.seq != self.expected_seq {
            return Err(ChainBreak::Missing {
                expected: self.expected_seq,
                found: e.seq,
            });
        }
        if e.prev_hash != self.last_hash {
            return Err(ChainBreak::Unlinked { seq: e.seq });
        }
        if entry_hash(e.seq, &e.prev_hash, &e.record) != e.hash {
            return Err(ChainBreak::Altered { seq: e.seq });
        }
        self.expected_seq += 1;
        self.last_hash = e.hash.clone();
        self.checked += 1;
        Ok(())
    }

    /// Compares the end of the log with the recorded head; returns the count.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<u64, ChainBreak> {
        let last_seq = self.expected_seq - 1;
        if head_seq != last_seq {
            return Err(ChainBreak::HeadMismatch { head_seq, last_seq });
        }
        if head_hash != self.last_hash {
            return Err(ChainBreak::Altered { seq: last_seq });
        }
        Ok(self.checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DEFAULT_ORG;
    use time::macros::datetime;

    fn record(i: i64) -> AuditRecord {
        AuditRecord {
            org: DEFAULT_ORG,
            at: datetime!(2026-11-22 10:00 UTC) + time::Duration::seconds(i),
            actor_id: None,
            actor: "dr_lee".into(),
            actor_role: "prescriber".into(),
            channel: "api".into(),
            action: "patient.read".into(),
            patient_id: None,
            resource: Some(format!("Patient/{i}")),
            purpose: Some("treatment".into()),
            detail: None,
            outcome: "success".into(),
        }
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let (s, h) = out
                .last()
                .map(|e| (e.seq, e.hash.clone()))
                .unwrap_or((0, GENESIS.to_string()));
            out.push(append(s, &h, record(i)));
        }
        out
    }

    fn verify(entries: &[AuditEntry], head: (i64, &str)) -> Result<u64, ChainBreak> {
        let mut v = Verifier::default();
        for e in entries {
            v.push(e)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let c = chain(5);
        let last = c.last().unwrap();
        assert_eq!(verify(&c, (last.seq, &last.hash)), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS)), Ok(0));
    }

    #[test]
    fn a_changed_field_is_found() {
        let mut c = chain(5);
        let head = (c[4].seq, c[4].hash.clone());
        c[2].record.outcome = "denied".into();
        assert_eq!(
            verify(&c, (head.0, &head.1)),
            Err(ChainBreak::Altered { seq: 3 })
        );
    }

    #[test]
    fn a_removed_entry_is_found() {
        let mut c = chain(5);
        let head = (c[4].seq, c[4].hash.clone());
        c.remove(1);
        assert_eq!(
            verify(&c, (head.0, &head.1)),
            Err(ChainBreak::Missing {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn a_truncated_tail_is_found() {
        let mut c = chain(5);
        let head = (c[4].seq, c[4].hash.clone());
        c.pop();
        assert_eq!(
            verify(&c, (head.0, &head.1)),
            Err(ChainBreak::HeadMismatch {
                head_seq: 5,
                last_seq: 4
            })
        );
    }

    #[test]
    fn swapped_entries_are_found() {
        let mut c = chain(5);
        let head = (c[4].seq, c[4].hash.clone());
        // Swap the content of two rows but keep their sequence numbers.
        let (a, b) = (c[1].record.clone(), c[2].record.clone());
        c[1].record = b;
        c[2].record = a;
        assert_eq!(
            verify(&c, (head.0, &head.1)),
            Err(ChainBreak::Altered { seq: 2 })
        );
    }

    #[test]
    fn a_rehashed_forgery_still_breaks_the_link() {
        let mut c = chain(5);
        let head = (c[4].seq, c[4].hash.clone());
        c[2].record.detail = Some("nothing to see".into());
        c[2].hash = entry_hash(c[2].seq, &c[2].prev_hash, &c[2].record);
        assert_eq!(
            verify(&c, (head.0, &head.1)),
            Err(ChainBreak::Unlinked { seq: 4 })
        );
    }

    #[test]
    fn optional_fields_are_not_ambiguous() {
        let mut a = record(1);
        let mut b = record(1);
        a.purpose = Some(String::new());
        b.purpose = None;
        assert_ne!(entry_hash(1, GENESIS, &a), entry_hash(1, GENESIS, &b));
    }
}
