//! Sample records shared by the integration tests.
#![allow(dead_code)]

use tandem_core::ids::PatientId;
use tandem_core::mrn::Mrn;
use tandem_core::patient::{
    Address, AdministrativeGender, Demographics, EmergencyContact, Patient, SexAtBirth,
};
use time::macros::{date, datetime};
use uuid::Uuid;

pub const TODAY: time::Date = date!(2026 - 11 - 22);

/// A patient with every field filled in.
pub fn full_demographics() -> Demographics {
    Demographics {
        family_name: "Rivera".into(),
        given_names: "Ana Lucía".into(),
        preferred_name: Some("Annie".into()),
        birth_date: date!(1988 - 04 - 12),
        sex_at_birth: SexAtBirth::Female,
        gender: AdministrativeGender::Female,
        gender_identity: Some("Woman".into()),
        pronouns: Some("she/her".into()),
        preferred_language: Some("es".into()),
        phone: Some("(555) 201-3344".into()),
        address: Address {
            line: Some("12 Main St".into()),
            city: Some("Tucson".into()),
            state: Some("AZ".into()),
            postal_code: Some("85701".into()),
        },
        emergency_contact: Some(EmergencyContact {
            name: "Luis Rivera".into(),
            relationship: Some("brother".into()),
            phone: "555-201-9999".into(),
        }),
    }
}

/// A patient with only what Tandem requires.
pub fn minimal_demographics() -> Demographics {
    Demographics {
        family_name: "Okafor".into(),
        given_names: String::new(),
        preferred_name: None,
        birth_date: date!(1950 - 01 - 31),
        sex_at_birth: SexAtBirth::Unknown,
        gender: AdministrativeGender::Unknown,
        gender_identity: None,
        pronouns: None,
        preferred_language: None,
        phone: None,
        address: Address::default(),
        emergency_contact: None,
    }
}

pub fn stored(demographics: Demographics) -> Patient {
    Patient {
        id: PatientId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0042)),
        mrn: Mrn::from_sequence(17),
        demographics,
        version: 3,
        created_at: datetime!(2026-11-01 09:30:00 UTC),
        updated_at: datetime!(2026-11-22 10:00:00.123456789 UTC),
    }
}
