//! The R4 element names of `Patient` and of the data types Tandem reads
//! inside it, so that a misspelt element ("birthdate") is refused rather
//! than silently dropped.

/// The JSON shape an element must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    String,
    Boolean,
    Integer,
    Object,
    /// A repeating complex element: an array of objects.
    Objects,
}

/// Every element of R4 `Patient` (besides `resourceType`) and its shape.
pub(super) const PATIENT: [(&str, Shape); 27] = [
    ("id", Shape::String),
    ("meta", Shape::Object),
    ("implicitRules", Shape::String),
    ("language", Shape::String),
    ("text", Shape::Object),
    ("contained", Shape::Objects),
    ("extension", Shape::Objects),
    ("modifierExtension", Shape::Objects),
    ("identifier", Shape::Objects),
    ("active", Shape::Boolean),
    ("name", Shape::Objects),
    ("telecom", Shape::Objects),
    ("gender", Shape::String),
    ("birthDate", Shape::String),
    ("deceasedBoolean", Shape::Boolean),
    ("deceasedDateTime", Shape::String),
    ("address", Shape::Objects),
    ("maritalStatus", Shape::Object),
    ("multipleBirthBoolean", Shape::Boolean),
    ("multipleBirthInteger", Shape::Integer),
    ("photo", Shape::Objects),
    ("contact", Shape::Objects),
    ("communication", Shape::Objects),
    ("generalPractitioner", Shape::Objects),
    ("managingOrganization", Shape::Object),
    ("link", Shape::Objects),
    // Not an element, but every resource may carry it; listed so the
    // unknown-element check passes it.
    ("resourceType", Shape::String),
];

pub(super) const HUMAN_NAME: &[&str] = &[
    "id",
    "extension",
    "use",
    "text",
    "family",
    "given",
    "prefix",
    "suffix",
    "period",
];
pub(super) const CONTACT_POINT: &[&str] = &[
    "id",
    "extension",
    "system",
    "value",
    "use",
    "rank",
    "period",
];
pub(super) const ADDRESS: &[&str] = &[
    "id",
    "extension",
    "use",
    "type",
    "text",
    "line",
    "city",
    "district",
    "state",
    "postalCode",
    "country",
    "period",
];
pub(super) const PATIENT_CONTACT: &[&str] = &[
    "id",
    "extension",
    "modifierExtension",
    "relationship",
    "name",
    "telecom",
    "address",
    "gender",
    "organization",
    "period",
];
pub(super) const PATIENT_COMMUNICATION: &[&str] = &[
    "id",
    "extension",
    "modifierExtension",
    "language",
    "preferred",
];
pub(super) const CODEABLE_CONCEPT: &[&str] = &["id", "extension", "coding", "text"];
pub(super) const EXTENSION: &[&str] = &["id", "extension", "url", "value[x]"];
pub(super) const IDENTIFIER: &[&str] = &[
    "id",
    "extension",
    "use",
    "type",
    "system",
    "value",
    "period",
    "assigner",
];

pub(super) const NAME_USE: &[&str] = &[
    "usual",
    "official",
    "temp",
    "nickname",
    "anonymous",
    "old",
    "maiden",
];
pub(super) const CONTACT_POINT_SYSTEM: &[&str] =
    &["phone", "fax", "email", "pager", "url", "sms", "other"];
pub(super) const CONTACT_POINT_USE: &[&str] = &["home", "work", "temp", "old", "mobile"];
pub(super) const ADDRESS_USE: &[&str] = &["home", "work", "temp", "old", "billing"];

/// The shape of a `Patient` element, or `None` if R4 does not define it.
pub(super) fn patient_shape(name: &str) -> Option<Shape> {
    PATIENT.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}
