//! The leaflets Tandem ships: each parses, names its sources, reads at
//! about a 6th–8th grade level, and links to things a plan can contain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tandem_core::education::{Context, Library};
use tandem_core::readability::grade_level;

fn library() -> Library {
    Library::from_files(tandem_content::EDUCATION.iter().copied()).unwrap()
}

/// The grade a patient-facing text may reach: "about a 6th–8th grade
/// reading level", with half a grade for the roughness of syllable counting.
const HIGHEST_GRADE: f64 = 8.5;

#[test]
fn every_leaflet_reads_at_about_grade_six_to_eight() {
    let lib = library();
    assert!(
        lib.all().len() >= 8,
        "the crisis, medicine and therapy leaflets are all there"
    );
    for l in lib.all() {
        let grade = grade_level(&l.plain_text()).unwrap();
        assert!(
            grade <= HIGHEST_GRADE,
            "{} reads at grade {grade:.1}; rewrite it in shorter sentences and plainer words",
            l.id
        );
    }
}

#[test]
fn every_patient_gets_the_crisis_leaflet_first() {
    let lib = library();
    let chosen = lib.select(&Context::default());
    assert_eq!(
        chosen.first().map(|c| c.leaflet.id.as_str()),
        Some("crisis")
    );
    let crisis = lib.get("crisis").unwrap().plain_text();
    assert!(crisis.contains("988") && crisis.contains("911"), "{crisis}");
}

#[test]
fn leaflets_follow_the_plan() {
    let lib = library();
    let ids = |ctx: &Context| -> Vec<String> {
        lib.select(ctx)
            .iter()
            .map(|c| c.leaflet.id.clone())
            .collect()
    };
    let oud = ids(&Context {
        diagnoses: vec!["F11.20".into()],
        ..Context::default()
    });
    assert!(
        oud.contains(&"medicines-for-opioid-use".to_string()),
        "{oud:?}"
    );
    assert!(
        !oud.contains(&"medicines-for-alcohol-use".to_string()),
        "{oud:?}"
    );

    let depression_both = ids(&Context {
        diagnoses: vec!["F33.1".into()],
        therapies: vec!["cbt".into()],
        medication_classes: vec!["ssri".into()],
        pathways: vec!["both".into()],
    });
    for want in [
        "depression",
        "cbt",
        "starting-an-antidepressant",
        "therapy-and-medicine-together",
    ] {
        assert!(
            depression_both.contains(&want.to_string()),
            "{want} missing: {depression_both:?}"
        );
    }
    let therapy_only = ids(&Context {
        diagnoses: vec!["F41.1".into()],
        therapies: vec!["cbt".into()],
        pathways: vec!["therapy".into()],
        ..Context::default()
    });
    assert!(!therapy_only.contains(&"starting-an-antidepressant".to_string()));
}

#[test]
fn leaflet_links_name_things_a_plan_can_hold() {
    use tandem_core::care_plan::Modality;
    use tandem_core::medication::DrugClass;
    for l in library().all() {
        for c in &l.medication_classes {
            assert!(
                DrugClass::ALL.iter().any(|k| k.id() == c),
                "{}: no medication class {c}",
                l.id
            );
        }
        for t in &l.therapies {
            assert!(Modality::parse(t).is_some(), "{}: no therapy {t}", l.id);
        }
        for d in &l.diagnoses {
            assert!(
                d.starts_with('F'),
                "{}: {d} is not an ICD-10-CM F code prefix",
                l.id
            );
        }
    }
}
