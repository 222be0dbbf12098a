//! Plan versions. A draft and a signed version are different types: only a
//! draft can be signed, and neither lets its content change.

use super::PlanBody;
use crate::ids::{CarePlanId, UserId};
use time::OffsetDateTime;

/// Who made a version, when and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionMeta {
    pub plan: CarePlanId,
    /// 1 for the first version, then one more for each change.
    pub number: u32,
    pub author: UserId,
    pub created_at: OffsetDateTime,
    pub reason: String,
}

/// The patient's agreement with a version, as recorded by a staff member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    pub at: OffsetDateTime,
    pub note: String,
    pub recorded_by: UserId,
}

/// Marker: not signed yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft;

/// The responsible clinician's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub by: UserId,
    pub at: OffsetDateTime,
}

/// One version of a plan in state `S` ([`Draft`] or [`Signed`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version<S> {
    meta: VersionMeta,
    body: PlanBody,
    agreement: Option<Agreement>,
    state: S,
}

pub type DraftVersion = Version<Draft>;
pub type SignedVersion = Version<Signed>;

impl<S> Version<S> {
    pub fn meta(&self) -> &VersionMeta {
        &self.meta
    }

    pub fn body(&self) -> &PlanBody {
        &self.body
    }

    pub fn number(&self) -> u32 {
        self.meta.number
    }

    pub fn agreement(&self) -> Option<&Agreement> {
        self.agreement.as_ref()
    }

    /// Records the patient's agreement; a later record replaces an earlier
    /// one (the patient agreed again, or the first note was wrong).
    pub fn with_agreement(self, agreement: Agreement) -> Self {
        Version {
            agreement: Some(agreement),
            ..self
        }
    }

    /// The next version: a draft with new content, whatever this one's state.
    pub fn revise(
        &self,
        body: PlanBody,
        author: UserId,
        at: OffsetDateTime,
        reason: &str,
    ) -> DraftVersion {
        DraftVersion::new(
            VersionMeta {
                plan: self.meta.plan,
                number: self.meta.number + 1,
                author,
                created_at: at,
                reason: reason.trim().to_string(),
            },
            body,
        )
    }
}

impl DraftVersion {
    pub fn new(meta: VersionMeta, body: PlanBody) -> DraftVersion {
        Version {
            meta,
            body,
            agreement: None,
            state: Draft,
        }
    }

    /// Signs the draft. It is consumed: what remains is a signed version.
    pub fn sign(self, by: UserId, at: OffsetDateTime) -> SignedVersion {
        Version {
            meta: self.meta,
            body: self.body,
            agreement: self.agreement,
            state: Signed { by, at },
        }
    }
}

impl SignedVersion {
    pub fn signature(&self) -> &Signed {
        &self.state
    }
}

impl DraftVersion {
    /// A draft as it was stored.
    pub fn restore(
        meta: VersionMeta,
        body: PlanBody,
        agreement: Option<Agreement>,
    ) -> DraftVersion {
        Version {
            meta,
            body,
            agreement,
            state: Draft,
        }
    }
}

impl SignedVersion {
    /// A signed version as it was stored.
    pub fn restore(
        meta: VersionMeta,
        body: PlanBody,
        agreement: Option<Agreement>,
        signed: Signed,
    ) -> SignedVersion {
        Version {
            meta,
            body,
            agreement,
            state: signed,
        }
    }
}

/// A stored version in whichever state it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnyVersion {
    Draft(DraftVersion),
    Signed(SignedVersion),
}

impl AnyVersion {
    pub fn meta(&self) -> &VersionMeta {
        match self {
            AnyVersion::Draft(v) => v.meta(),
            AnyVersion::Signed(v) => v.meta(),
        }
    }

    pub fn body(&self) -> &PlanBody {
        match self {
            AnyVersion::Draft(v) => v.body(),
            AnyVersion::Signed(v) => v.body(),
        }
    }

    pub fn number(&self) -> u32 {
        self.meta().number
    }

    pub fn agreement(&self) -> Option<&Agreement> {
        match self {
            AnyVersion::Draft(v) => v.agreement(),
            AnyVersion::Signed(v) => v.agreement(),
        }
    }

    pub fn signature(&self) -> Option<&Signed> {
        match self {
            AnyVersion::Draft(_) => None,
            AnyVersion::Signed(v) => Some(v.signature()),
        }
    }

    pub fn revise(
        &self,
        body: PlanBody,
        author: UserId,
        at: OffsetDateTime,
        reason: &str,
    ) -> DraftVersion {
        match self {
            AnyVersion::Draft(v) => v.revise(body, author, at, reason),
            AnyVersion::Signed(v) => v.revise(body, author, at, reason),
        }
    }
}
