//! Refusals and their `OperationOutcome`.
//!
//! A [`FhirError`] carries the HTTP status the web layer should answer with
//! and every issue found, so an integrator can fix a request in one go
//! rather than one error per round trip.

use serde_json::{Map, Value, json};
use std::fmt;

/// How bad an issue is (`OperationOutcome.issue.severity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    Fatal,
    Error,
    Warning,
    Information,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Fatal => "fatal",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
        }
    }
}

/// The R4 issue-type codes Tandem uses (`OperationOutcome.issue.code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IssueCode {
    Invalid,
    Structure,
    Required,
    Value,
    Invariant,
    BusinessRule,
    Security,
    Login,
    Forbidden,
    NotFound,
    Conflict,
    NotSupported,
    Exception,
    Processing,
    TooCostly,
}

impl IssueCode {
    pub fn as_str(self) -> &'static str {
        match self {
            IssueCode::Invalid => "invalid",
            IssueCode::Structure => "structure",
            IssueCode::Required => "required",
            IssueCode::Value => "value",
            IssueCode::Invariant => "invariant",
            IssueCode::BusinessRule => "business-rule",
            IssueCode::Security => "security",
            IssueCode::Login => "login",
            IssueCode::Forbidden => "forbidden",
            IssueCode::NotFound => "not-found",
            IssueCode::Conflict => "conflict",
            IssueCode::NotSupported => "not-supported",
            IssueCode::Exception => "exception",
            IssueCode::Processing => "processing",
            IssueCode::TooCostly => "too-costly",
        }
    }
}

/// One problem, pointing at the element it concerns when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub severity: Severity,
    pub code: IssueCode,
    pub diagnostics: String,
    /// A FHIRPath expression such as `Patient.name[0].family`.
    pub expression: Option<String>,
}

impl Issue {
    /// An `error` issue.
    pub fn error(
        code: IssueCode,
        diagnostics: impl Into<String>,
        expression: Option<String>,
    ) -> Self {
        Issue {
            severity: Severity::Error,
            code,
            diagnostics: diagnostics.into(),
            expression,
        }
    }

    fn to_json(&self) -> Value {
        let mut issue = Map::new();
        issue.insert("severity".into(), json!(self.severity.as_str()));
        issue.insert("code".into(), json!(self.code.as_str()));
        // R4 forbids empty strings, so an issue with nothing to say says nothing.
        if !self.diagnostics.trim().is_empty() {
            issue.insert("diagnostics".into(), json!(self.diagnostics));
        }
        if let Some(expr) = self.expression.as_deref().filter(|e| !e.trim().is_empty()) {
            issue.insert("expression".into(), json!([expr]));
        }
        Value::Object(issue)
    }
}

/// An input the server refuses. `status` is the HTTP status the web layer should send.
#[derive(Debug, Clone, PartialEq)]
pub struct FhirError {
    pub status: u16,
    pub issues: Vec<Issue>,
}

impl FhirError {
    /// A refusal with a single `error` issue.
    pub fn new(
        status: u16,
        code: IssueCode,
        diagnostics: impl Into<String>,
        expression: Option<String>,
    ) -> Self {
        FhirError {
            status,
            issues: vec![Issue::error(code, diagnostics, expression)],
        }
    }

    /// The `OperationOutcome` to send as the response body.
    pub fn to_json(&self) -> Value {
        operation_outcome(&self.issues)
    }

    /// The expressions of every issue, for tests and logs.
    pub fn expressions(&self) -> Vec<&str> {
        self.issues
            .iter()
            .filter_map(|i| i.expression.as_deref())
            .collect()
    }
}

impl fmt::Display for FhirError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        for (n, issue) in self.issues.iter().enumerate() {
            f.write_str(if n == 0 { ": " } else { "; " })?;
            if let Some(expr) = &issue.expression {
                write!(f, "{expr}: ")?;
            }
            f.write_str(&issue.diagnostics)?;
        }
        Ok(())
    }
}

impl std::error::Error for FhirError {}

/// An `OperationOutcome` holding `issues`.
///
/// R4 requires at least one issue, so an empty list becomes the conventional
/// single "all OK" information issue.
pub fn operation_outcome(issues: &[Issue]) -> Value {
    let issue: Vec<Value> = if issues.is_empty() {
        vec![json!({"severity": "information", "code": "informational", "diagnostics": "All OK"})]
    } else {
        issues.iter().map(Issue::to_json).collect()
    };
    json!({"resourceType": "OperationOutcome", "issue": issue})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_names_the_element_and_the_problem() {
        let e = FhirError::new(
            400,
            IssueCode::Value,
            "bad date",
            Some("Patient.birthDate".into()),
        );
        assert_eq!(
            e.to_json(),
            json!({"resourceType": "OperationOutcome", "issue": [{
                "severity": "error", "code": "value", "diagnostics": "bad date",
                "expression": ["Patient.birthDate"]}]})
        );
        assert_eq!(e.to_string(), "HTTP 400: Patient.birthDate: bad date");
    }

    #[test]
    fn empty_parts_are_left_out_rather_than_sent_empty() {
        let e = FhirError::new(500, IssueCode::Exception, "  ", Some(String::new()));
        assert_eq!(
            e.to_json()["issue"][0],
            json!({"severity": "error", "code": "exception"})
        );
        assert_eq!(operation_outcome(&[])["issue"][0]["code"], "informational");
    }

    #[test]
    fn issue_codes_are_the_r4_spellings() {
        assert_eq!(IssueCode::NotFound.as_str(), "not-found");
        assert_eq!(IssueCode::NotSupported.as_str(), "not-supported");
        assert_eq!(IssueCode::TooCostly.as_str(), "too-costly");
        assert_eq!(Severity::Information.as_str(), "information");
    }
}
