//! The shipped medication content: it loads, every code is in the verified
//! RxNorm list or the list of codes added since (two sources a row), and
//! every rule names a source.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod medication_common;

use medication_common::{TEXTS, safety};
use std::collections::HashMap;
use tandem_core::medication::MedicationSafety;

#[test]
fn the_shipped_content_loads() {
    let s = safety();
    assert_eq!(s.catalog.len(), 93);
    assert!(s.interactions.rules().len() >= 30);
}

/// One row of a list: (rxcui, name, sources, confidence).
type Row = (u32, String, String, String);

/// The rows of one list, read with a CSV reader so the one quoted field is
/// read as the list means it. Both files have the same columns.
fn rows(text: &str) -> Vec<Row> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        ["name", "rxcui", "tty", "sources", "confidence"]
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[1].parse::<u32>().unwrap(),
                rec[0].to_string(),
                rec[3].to_string(),
                rec[4].to_string(),
            )
        })
        .collect()
}

/// (rxcui → name) from the union of the verified list and the added list.
fn verified_list() -> HashMap<u32, String> {
    rows(tandem_content::RXNORM_VERIFIED)
        .into_iter()
        .chain(rows(tandem_content::RXNORM_ADDED))
        .map(|(code, name, _, _)| (code, name))
        .collect()
}

/// The sources of a row: `repo:path@commit` entries separated by ` ; `.
fn sources(field: &str) -> Vec<&str> {
    field.split(" ; ").map(str::trim).collect()
}

#[test]
fn every_added_code_names_two_sources_and_no_code_or_name_is_in_both_lists() {
    let verified = rows(tandem_content::RXNORM_VERIFIED);
    let added = rows(tandem_content::RXNORM_ADDED);
    assert_eq!(added.len(), 10);
    for (code, name, src, confidence) in &added {
        let s = sources(src);
        assert!(s.len() >= 2, "{name} ({code}) names {} source(s)", s.len());
        for one in &s {
            // Each source is a repository file at a commit.
            let (repo_path, commit) = one
                .rsplit_once('@')
                .unwrap_or_else(|| panic!("{name}: {one}"));
            assert!(
                repo_path.contains('/') && repo_path.contains(':'),
                "{name}: {one}"
            );
            let commit = commit.split_whitespace().next().unwrap();
            assert!(
                commit.len() >= 7 && commit.bytes().all(|b| b.is_ascii_hexdigit()),
                "{name}: {one}"
            );
        }
        // Two sources from one repository are not independent.
        let repos: std::collections::HashSet<_> =
            s.iter().map(|x| x.split(':').next().unwrap()).collect();
        assert!(repos.len() >= 2, "{name}: {src}");
        assert!(
            confidence.starts_with("verified-") && confidence != "verified-1-source",
            "{name}: {confidence}"
        );
    }
    let mut codes = std::collections::HashSet::new();
    let mut names = std::collections::HashSet::new();
    for (code, name, _, _) in verified.iter().chain(&added) {
        assert!(codes.insert(*code), "RxCUI {code} is listed twice");
        assert!(names.insert(name.to_lowercase()), "{name} is listed twice");
    }
}

#[test]
fn every_catalog_code_is_in_the_verified_or_added_rxnorm_list() {
    let list = verified_list();
    assert_eq!(list.len(), 86 + 10);
    let mut seen = 0;
    for (_, d) in safety().catalog.drugs() {
        let listed = list
            .get(&d.rxcui.get())
            .unwrap_or_else(|| panic!("{}: RxCUI {} is not in the verified list", d.id, d.rxcui));
        assert!(
            listed.to_lowercase().starts_with(&d.name.to_lowercase()),
            "{}: RxCUI {} is {listed:?} in the verified list",
            d.id,
            d.rxcui
        );
        assert!(
            d.rxcui_source.contains(listed.as_str()),
            "{}: source names its row",
            d.id
        );
        // A code from the added list says so, and its sources are the row's.
        if let Some((_, _, src, _)) = rows(tandem_content::RXNORM_ADDED)
            .into_iter()
            .find(|(code, _, _, _)| *code == d.rxcui.get())
        {
            assert!(d.rxcui_source.contains("rxnorm-added.csv"), "{}", d.id);
            assert!(d.rxcui_source.ends_with(src.as_str()), "{}", d.id);
        }
        seen += 1;
        for a in &d.aliases {
            let listed = list.get(&a.rxcui.get()).unwrap_or_else(|| {
                panic!("{}: alias {} is not in the verified list", d.id, a.rxcui)
            });
            assert_eq!(listed, &a.name, "{}: alias {}", d.id, a.rxcui);
            seen += 1;
        }
    }
    // The whole list is in the catalog.
    assert_eq!(seen, list.len());
}

#[test]
fn other_forms_of_an_ingredient_are_the_same_drug() {
    let c = &safety().catalog;
    let code = |n| tandem_core::medication::RxCui::new(n).unwrap();
    let valproate = c.lookup(code(40254)).unwrap();
    assert_eq!(c.lookup(code(11118)), Some(valproate));
    assert_eq!(c.lookup(code(266856)), Some(valproate));
    let lithium = c.lookup(code(6448)).unwrap();
    assert_eq!(c.lookup(code(42351)), Some(lithium));
    assert_eq!(c.drug(lithium).name, "lithium");
}

/// A rule names the reference row it comes from or, outside the reference,
/// the product information it quotes and where it was read.
#[test]
fn every_rule_names_a_reference_row_and_a_source() {
    for r in safety().interactions.rules() {
        let from_label = r.source.contains("product information") && r.source.contains("https://");
        assert!(
            r.source.contains("REFERENCE §") || from_label,
            "{}: {}",
            r.id,
            r.source
        );
        if !r.verified {
            assert!(r.source.contains("UNCONFIRMED"), "{}", r.id);
        }
    }
}

/// A setting ships verified only with the value its cited source gives
/// (the missed-doses threshold from the national methadone guideline, the
/// QTc thresholds from the methadone QTc consensus, the clozapine ANC
/// schedule from its prescribing information); every other ships
/// unverified.
#[test]
fn unconfirmed_settings_ship_unverified() {
    let s = safety();
    let sourced = [
        ("methadone_missed_doses_review", 3, "section 3.5"),
        ("qtc_discuss_ms", 450, "Ann Intern Med 2009"),
        ("qtc_change_treatment_ms", 500, "Ann Intern Med 2009"),
        (
            "clozapine_anc_weekly_months",
            6,
            "Clozaril prescribing information",
        ),
        (
            "clozapine_anc_interval_days",
            7,
            "Clozaril prescribing information",
        ),
        (
            "clozapine_anc_biweekly_until_months",
            12,
            "Clozaril prescribing information",
        ),
        (
            "clozapine_anc_biweekly_days",
            14,
            "Clozaril prescribing information",
        ),
        (
            "clozapine_anc_later_months",
            1,
            "Clozaril prescribing information",
        ),
        (
            "clozapine_anc_mild_neutropenia_below",
            1500,
            "Clozaril prescribing information",
        ),
        (
            "clozapine_anc_mild_neutropenia_days",
            2,
            "Clozaril prescribing information",
        ),
        (
            "clozapine_anc_moderate_neutropenia_below",
            1000,
            "Clozaril prescribing information",
        ),
        (
            "clozapine_anc_moderate_neutropenia_days",
            1,
            "Clozaril prescribing information",
        ),
    ];
    for x in &s.settings.settings {
        match sourced.iter().find(|(id, _, _)| *id == x.id) {
            Some((_, value, cite)) => {
                assert!(x.verified, "{}", x.id);
                assert_eq!(x.value, *value, "{}", x.id);
                assert!(
                    x.note.contains(cite) && x.note.contains("https://"),
                    "{}",
                    x.note
                );
            }
            None => assert!(!x.verified, "{}", x.id),
        }
    }
    assert!(s.settings.enable_unverified_rules.is_empty());
}

#[test]
fn a_bad_file_is_refused_naming_the_file_and_row() {
    let bad = TEXTS.interactions.replace(
        "drugs = [\"clozapine\"] }\nb = { drugs = [\"fluvoxamine\"] }",
        "drugs = [\"clozapin\"] }\nb = { drugs = [\"fluvoxamine\"] }",
    );
    assert_ne!(bad, TEXTS.interactions);
    let mut t = TEXTS;
    t.interactions = &bad;
    let e = MedicationSafety::parse(&t).unwrap_err();
    assert_eq!(e.file, "content/medications/interactions.toml");
    assert_eq!(e.row, "clozapine_fluvoxamine");
    assert!(e.problem.contains("clozapin"), "{e}");

    // A side that matches no catalog drug makes a rule that can never fire.
    let bad = TEXTS.interactions.replace(
        "b = { classes = [\"thiazide\"] }",
        "b = { classes = [\"thiazide\"], except = [\"hydrochlorothiazide\"] }",
    );
    t.interactions = &bad;
    let e = MedicationSafety::parse(&t).unwrap_err();
    assert_eq!(e.row, "lithium_thiazide");
    assert!(e.problem.contains("matches no drug"), "{e}");

    // An unknown field is refused.
    let bad = TEXTS
        .catalog
        .replacen("class = \"ssri\"", "class = \"ssri\"\ncolour = \"blue\"", 1);
    t = TEXTS;
    t.catalog = &bad;
    let e = MedicationSafety::parse(&t).unwrap_err();
    assert_eq!(e.file, "content/medications/catalog.toml");
    assert!(e.problem.contains("colour"), "{e}");

    // A code used twice.
    let bad = TEXTS.catalog.replacen("rxcui = 4493", "rxcui = 36437", 1);
    t.catalog = &bad;
    let e = MedicationSafety::parse(&t).unwrap_err();
    assert_eq!(e.row, "fluoxetine");

    // A missing setting.
    let bad = TEXTS
        .settings
        .replace("id = \"qtc_discuss_ms\"", "id = \"qtc_discuss\"");
    t = TEXTS;
    t.settings = &bad;
    assert!(MedicationSafety::parse(&t).is_err());

    // Enabling a rule that does not exist.
    let bad = TEXTS.settings.replace(
        "enable_unverified_rules = []",
        "enable_unverified_rules = [\"no_such_rule\"]",
    );
    t.settings = &bad;
    let e = MedicationSafety::parse(&t).unwrap_err();
    assert_eq!(e.row, "no_such_rule");
}
