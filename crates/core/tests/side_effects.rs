//! The side-effect checklist per class: the shipped file's SSRI list is the
//! sertraline label's most common adverse reactions, a code another class
//! lists is refused for an SSRI order, every class has a checklist, codes an
//! earlier checklist stored still read, and a malformed file is refused
//! naming the file and the row.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod medication_common;

use medication_common::{TEXTS, safety};
use tandem_core::medication::side_effects::Provenance;
use tandem_core::medication::{DrugClass, MedicationSafety};
use tandem_core::monitoring::{Effect, Severity, SideEffectInput};
use time::macros::date;

const FILE: &str = "content/medications/side_effects.toml";

fn codes(class: DrugClass) -> Vec<String> {
    safety()
        .side_effects
        .checklist(class)
        .items
        .iter()
        .map(|i| i.code.clone())
        .collect()
}

#[test]
fn the_ssri_checklist_starts_with_the_sertraline_label_items() {
    let s = &safety().side_effects;
    let c = s.checklist(DrugClass::Ssri);
    // The Highlights of the sertraline label: nausea, diarrhea/loose stool,
    // tremor, dyspepsia, decreased appetite, hyperhidrosis, ejaculation
    // failure, decreased libido.
    let from_label: Vec<&str> = c
        .items
        .iter()
        .take_while(|i| i.from_label())
        .map(|i| i.code.as_str())
        .collect();
    assert_eq!(
        from_label,
        [
            "nausea",
            "diarrhea",
            "tremor",
            "indigestion",
            "decreased-appetite",
            "sweating",
            "ejaculation-problems",
            "low-sex-drive"
        ]
    );
    for i in c.items.iter().take(from_label.len()) {
        let Provenance::Label { source, section } = &i.provenance else {
            panic!("{} has no label", i.code)
        };
        assert_eq!(source, "sertraline");
        assert!(section.contains("Highlights"), "{}: {section}", i.code);
    }
    // Then the general items it does not already have, each once.
    let rest = &c.items[from_label.len()..];
    assert!(!rest.is_empty());
    assert!(rest.iter().all(|i| i.provenance == Provenance::Unsourced));
    let all = codes(DrugClass::Ssri);
    for code in &all {
        assert_eq!(all.iter().filter(|c| *c == code).count(), 1, "{code}");
    }
    assert!(all.contains(&"headache".to_string()));
    // The page names the label the list comes from.
    let names: Vec<&str> = c.labels.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["sertraline"]);
    assert!(c.labels[0].url.starts_with("https://"));
}

#[test]
fn a_code_only_another_class_lists_is_refused_for_an_ssri_order() {
    let s = &safety().side_effects;
    // Akathisia is on the atypical antipsychotic list and on no other.
    assert!(codes(DrugClass::AtypicalAntipsychotic).contains(&"akathisia".to_string()));
    for class in DrugClass::ALL {
        if class != DrugClass::AtypicalAntipsychotic {
            assert!(
                !codes(class).contains(&"akathisia".to_string()),
                "{class:?}"
            );
        }
    }
    let input = SideEffectInput {
        noted_on: "2026-11-20".into(),
        listed: vec![
            ("nausea".into(), "mild".into()),
            ("akathisia".into(), "moderate".into()),
        ],
        ..Default::default()
    };
    let today = date!(2026 - 11 - 22);
    let e = input
        .validate(today, &s.checklist(DrugClass::Ssri))
        .unwrap_err();
    assert_eq!(
        e.for_field("listed"),
        Some("\"akathisia\" is not on the SSRI checklist")
    );
    // The same report is whole for an antipsychotic order: nausea comes from
    // the general list there.
    let ok = input
        .validate(today, &s.checklist(DrugClass::AtypicalAntipsychotic))
        .unwrap();
    assert_eq!(
        ok.effects[1],
        (
            Effect::Listed {
                code: "akathisia".into(),
                label: "Restless, cannot keep still (akathisia)".into()
            },
            Severity::Moderate
        )
    );
}

#[test]
fn every_class_has_a_checklist_and_a_class_without_a_label_says_so() {
    let s = &safety().side_effects;
    for class in DrugClass::ALL {
        let c = s.checklist(class);
        assert!(!c.items.is_empty(), "{class:?}");
        // Label items come only with the label they are from.
        assert_eq!(
            c.labels.is_empty(),
            c.items.iter().all(|i| !i.from_label()),
            "{class:?}"
        );
        for l in &c.labels {
            assert_eq!(safety().catalog.drug(l.drug).class, class, "{}", l.id);
        }
    }
    // No label on file for haloperidol's class: the general list alone.
    let c = s.checklist(DrugClass::TypicalAntipsychotic);
    assert!(c.labels.is_empty());
    assert!(
        c.items
            .iter()
            .all(|i| i.provenance == Provenance::Unsourced)
    );
    // Lithium's class names the lithium label, tremor first.
    let c = s.checklist(DrugClass::MoodStabilizer);
    let names: Vec<&str> = c.labels.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(names, ["lithium"]);
    assert_eq!(c.items[0].code, "tremor");
    assert!(c.items[0].from_label());
}

#[test]
fn every_code_of_the_earlier_checklist_still_reads() {
    // The twelve codes the earlier general checklist stored.
    let s = &safety().side_effects;
    for code in [
        "nausea",
        "headache",
        "insomnia",
        "sedation",
        "sexual-dysfunction",
        "weight-gain",
        "tremor",
        "restlessness",
        "dizziness",
        "constipation",
        "dry-mouth",
        "sweating",
    ] {
        let label = s
            .label(code)
            .unwrap_or_else(|| panic!("{code} has no label"));
        assert!(!label.is_empty());
    }
    // Retired codes read but are offered on no checklist.
    assert_eq!(s.label("sedation"), Some("Sedation"));
    for class in DrugClass::ALL {
        assert!(!codes(class).contains(&"sedation".to_string()), "{class:?}");
    }
    assert_eq!(s.label("no-such-code"), None);
    assert_eq!(
        Effect::listed("no-such-code", s).label(),
        "no-such-code",
        "an unknown stored code shows as itself"
    );
}

/// The shipped file with `from` replaced by `to` (once), parsed.
fn parse_with(from: &str, to: &str) -> tandem_core::medication::ContentError {
    let bad = TEXTS.side_effects.replacen(from, to, 1);
    assert_ne!(bad, TEXTS.side_effects, "{from:?} is not in the file");
    let mut t = TEXTS;
    t.side_effects = &bad;
    let e = MedicationSafety::parse(&t).unwrap_err();
    assert_eq!(e.file, FILE, "{e}");
    e
}

#[test]
fn a_malformed_file_is_refused_naming_the_file_and_row() {
    let e = parse_with("class = \"ssri\"", "class = \"ssris\"");
    assert_eq!(e.row, "class ssris");
    assert!(e.problem.contains("unknown class"), "{e}");

    // A code twice in one class.
    let e = parse_with(
        "{ code = \"diarrhea\", label = \"Diarrhea or loose stools\"",
        "{ code = \"nausea\", label = \"Nausea (feeling sick to your stomach)\"",
    );
    assert_eq!(e.row, "class ssri, nausea");
    assert!(e.problem.contains("twice"), "{e}");

    // An item without a source.
    let e = parse_with(
        ", source = \"sertraline: Highlights, most common adverse reactions: tremor\"",
        "",
    );
    assert_eq!(e.row, "class ssri, tremor");
    assert!(e.problem.contains("source is missing"), "{e}");

    // A class item may not be marked unsourced.
    let e = parse_with(
        "source = \"sertraline: Highlights, most common adverse reactions: tremor\"",
        "unsourced = true",
    );
    assert_eq!(e.row, "class ssri, tremor");

    // A source no label entry has.
    let e = parse_with(
        "source = \"sertraline: Highlights, most common adverse reactions: tremor\"",
        "source = \"zoloft: Highlights\"",
    );
    assert!(e.problem.contains("unknown source \"zoloft\""), "{e}");

    // An SSRI item citing the label of an SNRI.
    let e = parse_with(
        "source = \"sertraline: Highlights, most common adverse reactions: tremor\"",
        "source = \"venlafaxine: Highlights\"",
    );
    assert!(e.problem.contains("another class"), "{e}");

    // A code with two labels.
    let e = parse_with(
        "label = \"Shaking or trembling (tremor)\"",
        "label = \"Tremor\"",
    );
    assert!(e.problem.contains("labelled"), "{e}");

    // A general item with no mark either way.
    let e = parse_with(
        "code = \"headache\"\nlabel = \"Headache\"\nunsourced = true",
        "code = \"headache\"\nlabel = \"Headache\"",
    );
    assert_eq!(e.row, "general, headache");

    // A source naming a drug the catalog does not have.
    let e = parse_with("drug = \"sertraline\"", "drug = \"sertralin\"");
    assert_eq!(e.row, "source sertraline");

    // A retired code that is still offered.
    let e = parse_with("code = \"sedation\"", "code = \"nausea\"");
    assert_eq!(e.row, "retired nausea");
}
