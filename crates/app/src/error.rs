//! The use cases' one error type.

use tandem_core::ValidationErrors;
use tandem_store::StoreError;

/// Why an access was refused, in terms the caller can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Forbidden {
    /// A clinician off the care team; break-the-glass is open to them.
    NotOnCareTeam,
    /// The role never does this.
    Role,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in first")]
    Unauthenticated,
    #[error("{}", match .0 {
        Forbidden::NotOnCareTeam => "you are not on this patient's care team",
        Forbidden::Role => "your role does not allow this",
    })]
    Forbidden(Forbidden),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// A questionnaire response with problems, one per item.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Response(Vec<tandem_core::instrument::ResponseError>),
    #[error("the record changed since you read it (now version {current})")]
    VersionConflict { current: i64 },
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("configuration: {0}")]
    Configuration(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        AppError::Invalid(ValidationErrors::single(field, message))
    }
}

impl From<ValidationErrors> for AppError {
    fn from(e: ValidationErrors) -> Self {
        AppError::Invalid(e)
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
