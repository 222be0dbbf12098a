//! Where in a Patient resource each domain field lives, so a domain
//! validation error can point at the element the client has to change.

use super::from_json::Located;
use crate::outcome::IssueCode;
use tandem_core::patient::DemographicsInput;

/// The issue code and FHIRPath expression for a domain validation error
/// about `field`. A field left empty is `required`; one filled in wrongly
/// is a bad `value`.
pub(super) fn for_field(
    field: &str,
    input: &DemographicsInput,
    at: &Located,
) -> (IssueCode, String) {
    let index = |i: Option<usize>| i.unwrap_or(0);
    let name = at.name.map(|i| format!("Patient.name[{i}]"));
    let address = format!("Patient.address[{}]", index(at.address));
    let contact = format!("Patient.contact[{}]", index(at.contact));
    let (value, expression) = match field {
        "family_name" => (
            &input.family_name,
            name.map_or("Patient.name".to_string(), |n| format!("{n}.family")),
        ),
        "given_names" => (
            &input.given_names,
            format!("{}.given", name.as_deref().unwrap_or("Patient.name[0]")),
        ),
        "preferred_name" => (&input.preferred_name, "Patient.name".to_string()),
        "birth_date" => (&input.birth_date, "Patient.birthDate".to_string()),
        "sex_at_birth" => (&input.sex_at_birth, "Patient.extension".to_string()),
        "gender" => (&input.gender, "Patient.gender".to_string()),
        "gender_identity" => (&input.gender_identity, "Patient.extension".to_string()),
        "pronouns" => (&input.pronouns, "Patient.extension".to_string()),
        "preferred_language" => (
            &input.preferred_language,
            format!(
                "Patient.communication[{}].language",
                index(at.communication)
            ),
        ),
        "phone" => (&input.phone, "Patient.telecom".to_string()),
        "address_line" => (&input.address_line, format!("{address}.line")),
        "city" => (&input.city, format!("{address}.city")),
        "state" => (&input.state, format!("{address}.state")),
        "postal_code" => (&input.postal_code, format!("{address}.postalCode")),
        "emergency_name" => (&input.emergency_name, contact),
        "emergency_relationship" => (&input.emergency_relationship, contact),
        "emergency_phone" => (&input.emergency_phone, contact),
        _ => return (IssueCode::Invalid, "Patient".to_string()),
    };
    let code = if value.trim().is_empty() {
        IssueCode::Required
    } else {
        IssueCode::Value
    };
    (code, expression)
}

/// The field's name in the words the diagnostics use.
pub(super) fn label(field: &str) -> &str {
    match field {
        "family_name" => "family name",
        "given_names" => "given names",
        "preferred_name" => "preferred name",
        "birth_date" => "date of birth",
        "sex_at_birth" => "sex at birth",
        "gender" => "gender",
        "gender_identity" => "gender identity",
        "pronouns" => "pronouns",
        "preferred_language" => "preferred language",
        "phone" => "phone",
        "address_line" => "address line",
        "city" => "city",
        "state" => "state",
        "postal_code" => "postal code",
        "emergency_name" => "emergency contact name",
        "emergency_relationship" => "emergency contact relationship",
        "emergency_phone" => "emergency contact phone",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_domain_field_has_an_element() {
        let input = DemographicsInput {
            family_name: "Rivera".into(),
            ..Default::default()
        };
        let at = Located {
            name: Some(1),
            address: Some(2),
            ..Default::default()
        };
        let fields = [
            ("family_name", IssueCode::Value, "Patient.name[1].family"),
            ("given_names", IssueCode::Required, "Patient.name[1].given"),
            ("birth_date", IssueCode::Required, "Patient.birthDate"),
            (
                "postal_code",
                IssueCode::Required,
                "Patient.address[2].postalCode",
            ),
            (
                "preferred_language",
                IssueCode::Required,
                "Patient.communication[0].language",
            ),
            ("emergency_phone", IssueCode::Required, "Patient.contact[0]"),
        ];
        for (field, code, expression) in fields {
            assert_eq!(
                for_field(field, &input, &at),
                (code, expression.to_string()),
                "{field}"
            );
        }
        let no_name = Located::default();
        assert_eq!(
            for_field("family_name", &DemographicsInput::default(), &no_name).1,
            "Patient.name"
        );
    }
}
