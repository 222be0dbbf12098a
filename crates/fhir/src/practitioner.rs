//! `Practitioner`: a staff account as FHIR sees it.
//!
//! R4 has no element for a staff member's job on `Practitioner` itself (that
//! is `PractitionerRole`, a resource of its own), so the Tandem role travels
//! in a documented local extension.

use crate::{STAFF_ROLE_SYSTEM, USERNAME_SYSTEM};
use serde_json::{Map, Value, json};
use tandem_core::ids::UserId;
use tandem_core::role::Role;

/// Extension on `Practitioner` holding the Tandem staff role as a `valueCoding`.
pub const STAFF_ROLE_URL: &str = "urn:tandem:fhir:extension:staff-role";

/// What the FHIR API shows of a staff account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PractitionerView<'a> {
    pub id: UserId,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub active: bool,
}

pub fn practitioner_to_json(p: &PractitionerView) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Practitioner"));
    r.insert("id".into(), json!(p.id.to_string()));
    r.insert(
        "extension".into(),
        json!([{
            "url": STAFF_ROLE_URL,
            "valueCoding": {"system": STAFF_ROLE_SYSTEM, "code": p.role.as_str(), "display": p.role.label()}
        }]),
    );
    if !p.username.trim().is_empty() {
        r.insert(
            "identifier".into(),
            json!([{"use": "usual", "system": USERNAME_SYSTEM, "value": p.username}]),
        );
    }
    r.insert("active".into(), json!(p.active));
    // A display name is one string with no reliable family/given split, so
    // it goes in `text` rather than being guessed apart.
    let name = p.display_name.trim();
    if !name.is_empty() {
        r.insert("name".into(), json!([{"text": name}]));
    }
    Value::Object(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_practitioner_shows_name_username_and_role() {
        let id = UserId(Uuid::from_u128(7));
        let v = practitioner_to_json(&PractitionerView {
            id,
            username: "dr_lee",
            display_name: "Dr. Min Lee",
            role: Role::Prescriber,
            active: true,
        });
        assert_eq!(v["id"], id.to_string());
        assert_eq!(v["name"][0]["text"], "Dr. Min Lee");
        assert_eq!(v["identifier"][0]["value"], "dr_lee");
        assert_eq!(v["extension"][0]["valueCoding"]["code"], "prescriber");
        assert_eq!(v["active"], true);
    }

    #[test]
    fn blank_names_are_left_out() {
        let v = practitioner_to_json(&PractitionerView {
            id: UserId(Uuid::from_u128(8)),
            username: "",
            display_name: "  ",
            role: Role::Admin,
            active: false,
        });
        assert!(v.get("name").is_none());
        assert!(v.get("identifier").is_none());
        assert_eq!(v["active"], false);
    }
}
