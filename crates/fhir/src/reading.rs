//! Reading untrusted JSON one element at a time.
//!
//! Every accessor takes the FHIRPath of the element it reads, so a problem
//! is reported where it is, and [`Problems`] keeps reading after the first
//! one: a client sending a resource wants to hear about all its mistakes at
//! once.

use crate::outcome::{FhirError, Issue, IssueCode};
use serde_json::{Map, Value};

/// HTTP status for JSON that does not have the shape FHIR defines.
pub(crate) const MALFORMED: u16 = 400;
/// HTTP status for well-formed FHIR that Tandem cannot accept.
pub(crate) const UNPROCESSABLE: u16 = 422;

pub(crate) type Object = Map<String, Value>;

/// Problems found so far, each with the status it calls for.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    found: Vec<(u16, Issue)>,
}

impl Problems {
    pub(crate) fn add(
        &mut self,
        status: u16,
        code: IssueCode,
        path: impl Into<String>,
        diagnostics: impl Into<String>,
    ) {
        let path = path.into();
        let expression = if path.is_empty() { None } else { Some(path) };
        self.found
            .push((status, Issue::error(code, diagnostics, expression)));
    }

    /// JSON that is not the FHIR structure (wrong type, unknown element).
    pub(crate) fn structure(&mut self, path: &str, diagnostics: impl Into<String>) {
        self.add(MALFORMED, IssueCode::Structure, path, diagnostics);
    }

    /// Whether some issue already points at `expression`.
    pub(crate) fn reported(&self, expression: &str) -> bool {
        self.found
            .iter()
            .any(|(_, i)| i.expression.as_deref() == Some(expression))
    }

    /// The refusal, if anything was found. A malformed request (400) is the
    /// first thing to fix, so it wins over an unprocessable one (422).
    pub(crate) fn into_error(self) -> Option<FhirError> {
        let status = self.found.iter().map(|(s, _)| *s).min()?;
        Some(FhirError {
            status,
            issues: self.found.into_iter().map(|(_, i)| i).collect(),
        })
    }

    fn wrong_type(&mut self, path: &str, expected: &str, got: &Value) {
        self.structure(
            path,
            format!("{path} must be {expected}, not {}", describe(got)),
        );
    }

    pub(crate) fn object<'a>(&mut self, v: &'a Value, path: &str) -> Option<&'a Object> {
        let o = v.as_object();
        if o.is_none() {
            self.wrong_type(path, "an object", v);
        }
        o
    }

    pub(crate) fn string<'a>(&mut self, v: &'a Value, path: &str) -> Option<&'a str> {
        let s = v.as_str();
        if s.is_none() {
            self.wrong_type(path, "a string", v);
        }
        s
    }

    pub(crate) fn boolean(&mut self, v: &Value, path: &str) -> Option<bool> {
        let b = v.as_bool();
        if b.is_none() {
            self.wrong_type(path, "true or false", v);
        }
        b
    }

    pub(crate) fn integer(&mut self, v: &Value, path: &str) -> Option<i64> {
        let i = v.as_i64();
        if i.is_none() {
            self.wrong_type(path, "an integer", v);
        }
        i
    }

    /// Every object of an array of objects, each with its own path
    /// (`path[i]`). Items that are not objects are reported and skipped.
    pub(crate) fn objects<'a>(&mut self, v: &'a Value, path: &str) -> Vec<(String, &'a Object)> {
        let Some(items) = v.as_array() else {
            self.wrong_type(path, "an array", v);
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            if let Some(o) = self.object(item, &item_path) {
                out.push((item_path, o));
            }
        }
        out
    }

    /// Every string of an array of strings. A repeating primitive is one
    /// element in FHIRPath, so problems with an item point at the array.
    pub(crate) fn strings<'a>(&mut self, v: &'a Value, path: &str) -> Vec<&'a str> {
        let Some(items) = v.as_array() else {
            self.wrong_type(path, "an array of strings", v);
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(s) => out.push(s),
                None => self.structure(
                    path,
                    format!(
                        "{path} must be an array of strings; item {i} is {}",
                        describe(item)
                    ),
                ),
            }
        }
        out
    }

    /// The string member `name` of `obj`, if present.
    pub(crate) fn string_at<'a>(
        &mut self,
        obj: &'a Object,
        name: &str,
        path: &str,
    ) -> Option<&'a str> {
        let v = obj.get(name)?;
        self.string(v, &format!("{path}.{name}"))
    }

    /// The object member `name` of `obj`, if present.
    pub(crate) fn object_at<'a>(
        &mut self,
        obj: &'a Object,
        name: &str,
        path: &str,
    ) -> Option<&'a Object> {
        let v = obj.get(name)?;
        self.object(v, &format!("{path}.{name}"))
    }

    /// The objects of the array member `name` of `obj` (none if absent).
    pub(crate) fn objects_at<'a>(
        &mut self,
        obj: &'a Object,
        name: &str,
        path: &str,
    ) -> Vec<(String, &'a Object)> {
        match obj.get(name) {
            Some(v) => self.objects(v, &format!("{path}.{name}")),
            None => Vec::new(),
        }
    }

    /// The strings of the array member `name` of `obj` (none if absent).
    pub(crate) fn strings_at<'a>(
        &mut self,
        obj: &'a Object,
        name: &str,
        path: &str,
    ) -> Vec<&'a str> {
        match obj.get(name) {
            Some(v) => self.strings(v, &format!("{path}.{name}")),
            None => Vec::new(),
        }
    }

    /// A code member restricted to `allowed`; anything else is reported.
    pub(crate) fn code_at<'a>(
        &mut self,
        obj: &'a Object,
        name: &str,
        path: &str,
        allowed: &[&str],
    ) -> Option<&'a str> {
        let code = self.string_at(obj, name, path)?;
        if allowed.contains(&code) {
            Some(code)
        } else {
            self.add(
                MALFORMED,
                IssueCode::Value,
                format!("{path}.{name}"),
                format!(
                    "'{code}' is not a valid {name} code; use one of {}",
                    allowed.join(", ")
                ),
            );
            None
        }
    }

    /// Reports members of `obj` that `type_name` does not define. A
    /// `_name` member (a primitive's id and extensions) is allowed for every
    /// defined `name`; the entry `value[x]` allows every `value…` member.
    pub(crate) fn known_elements(
        &mut self,
        obj: &Object,
        path: &str,
        type_name: &str,
        elements: &[&str],
    ) {
        for key in obj.keys() {
            let base = key.strip_prefix('_').unwrap_or(key);
            let known = elements.contains(&base)
                || (elements.contains(&"value[x]") && base.len() > 5 && base.starts_with("value"));
            if !known {
                self.structure(
                    &format!("{path}.{key}"),
                    format!("unknown element '{key}' for {type_name}"),
                );
            }
        }
    }
}

/// How a JSON value reads in a message: "a number", "null"...
/// A request body that must be one resource of `resource_type`: valid JSON,
/// an object, with that `resourceType`. Anything else is refused (400)
/// before any element is read.
pub(crate) fn resource_body(body: &[u8], resource_type: &str) -> Result<Object, FhirError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        FhirError::new(
            MALFORMED,
            IssueCode::Structure,
            format!("the request body is not valid JSON: {e}"),
            None,
        )
    })?;
    let resource = match value {
        Value::Object(m) => m,
        other => {
            return Err(FhirError::new(
                MALFORMED,
                IssueCode::Structure,
                format!(
                    "the request body must be a JSON object (a {resource_type} resource), not {}",
                    describe(&other)
                ),
                None,
            ));
        }
    };
    let wrong_type = match resource.get("resourceType") {
        Some(Value::String(t)) if t == resource_type => None,
        Some(Value::String(t)) => Some(format!("expected resourceType {resource_type}, got {t}")),
        Some(other) => Some(format!(
            "expected resourceType {resource_type}, got {}",
            describe(other)
        )),
        None => Some(format!(
            "resourceType is missing; expected resourceType {resource_type}"
        )),
    };
    match wrong_type {
        Some(diagnostics) => Err(FhirError::new(
            MALFORMED,
            IssueCode::Invalid,
            diagnostics,
            Some(format!("{resource_type}.resourceType")),
        )),
        None => Ok(resource),
    }
}

/// The elements of R4's `Coding` datatype.
pub(crate) const CODING: &[&str] = &[
    "id",
    "extension",
    "system",
    "version",
    "code",
    "display",
    "userSelected",
];

pub(crate) fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_problem_is_kept_with_its_path() {
        let mut p = Problems::default();
        let v = json!([{"a": 1}, 2, {"b": true}]);
        let items = p.objects(&v, "X.y");
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].0, "X.y[2]");
        p.strings(&json!(["a", 3]), "X.z");
        let e = p.into_error().unwrap();
        assert_eq!(e.status, 400);
        assert_eq!(e.expressions(), vec!["X.y[1]", "X.z"]);
    }

    #[test]
    fn malformed_outranks_unprocessable() {
        let mut p = Problems::default();
        p.add(UNPROCESSABLE, IssueCode::Value, "A", "later");
        assert_eq!(p.into_error().map(|e| e.status), Some(422));
        let mut p = Problems::default();
        p.add(UNPROCESSABLE, IssueCode::Value, "A", "later");
        p.structure("B", "first");
        assert_eq!(p.into_error().map(|e| e.status), Some(400));
        assert!(Problems::default().into_error().is_none());
    }

    #[test]
    fn primitive_siblings_and_choice_values_are_known() {
        let mut p = Problems::default();
        let o = json!({"url": "u", "_url": {}, "valueCode": "F", "valueFoo": 1, "value": 2, "other": 3});
        p.known_elements(
            o.as_object().unwrap(),
            "E",
            "Extension",
            &["url", "value[x]"],
        );
        assert_eq!(
            p.into_error().unwrap().expressions(),
            vec!["E.other", "E.value"]
        );
    }
}
