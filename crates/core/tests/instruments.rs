//! The instrument library. Every expected value here is written from the
//! published instruments (see content/README.md), not read from the files,
//! so a wrong number in a file makes a test fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

use proptest::prelude::*;
use tandem_core::instrument::definition::Severity;
use tandem_core::instrument::scoring::{Context, ResponseError};
use tandem_core::instrument::{Answers, Instrument, Library, score};
use tandem_core::patient::SexAtBirth;

/// Spreads `total` over `n` items scored 0..=max, in order.
fn spread(n: usize, max: i32, total: i32) -> Answers {
    let mut left = total;
    (1..=n)
        .map(|i| {
            let s = left.min(max);
            left -= s;
            (i.to_string(), s.to_string())
        })
        .collect()
}

fn band(i: &Instrument, a: &Answers) -> (i32, String, Severity) {
    let s = scored(i, a);
    let b = s.band.expect("a band");
    (s.total.expect("a total"), b.label, b.severity)
}

#[test]
fn every_shipped_file_loads() {
    let lib = library();
    for id in ["phq9", "phq2", "gad7"] {
        assert!(lib.get(id).is_some(), "{id} missing");
    }
    for i in lib.all() {
        assert!(!i.sources.is_empty(), "{} has no sources", i.id);
    }
}

/// PHQ-9 bands (Kroenke 2001): 0–4 none/minimal, 5–9 mild, 10–14 moderate,
/// 15–19 moderately severe, 20–27 severe.
#[test]
fn phq9_band_edges() {
    let i = inst("phq9");
    let cases = [
        (0, Severity::None),
        (4, Severity::None),
        (5, Severity::Mild),
        (9, Severity::Mild),
        (10, Severity::Moderate),
        (14, Severity::Moderate),
        (15, Severity::ModeratelySevere),
        (19, Severity::ModeratelySevere),
        (20, Severity::Severe),
        (27, Severity::Severe),
    ];
    for (total, sev) in cases {
        // Keep item 9 at 0 so the bands are tested apart from the critical item.
        let mut a = spread(8, 3, total.min(24));
        a.insert("9".into(), (total - total.min(24)).to_string());
        let (t, label, s) = band(&i, &a);
        assert_eq!((t, s), (total, sev), "PHQ-9 total {total} gave {label}");
    }
    assert_eq!(band(&i, &spread(9, 3, 17)).1, "Moderately severe");
}

/// Item 9 above 0 flags suicide risk whatever the total; item 10 is not scored.
#[test]
fn phq9_item9_and_item10() {
    let i = inst("phq9");
    let mut a = spread(9, 3, 0);
    a.insert("9".into(), "1".into());
    let s = scored(&i, &a);
    assert_eq!(s.total, Some(1));
    assert_eq!(
        s.band.as_ref().unwrap().severity,
        Severity::None,
        "the total stays minimal"
    );
    assert!(
        s.has_flag("suicide_risk"),
        "a low total must not hide item 9"
    );
    let mut a = spread(9, 3, 26);
    a.insert("9".into(), "0".into());
    assert!(!scored(&i, &a).has_flag("suicide_risk"));
    a.insert("10".into(), "3".into());
    assert_eq!(scored(&i, &a).total, Some(24), "item 10 adds nothing");
    let s = scored(&i, &spread(9, 3, 10));
    assert!(positive(&s, "screen"));
    assert!(!positive(&scored(&i, &spread(9, 3, 9)), "screen"));
}

#[test]
fn phq9_bad_responses_name_the_item() {
    let i = inst("phq9");
    let mut a = spread(9, 3, 5);
    a.remove("4");
    a.insert("9".into(), "7".into());
    a.insert("11".into(), "0".into());
    let errs = score(&i, &a, Context::default()).unwrap_err();
    let items: Vec<&str> = errs.iter().map(ResponseError::item).collect();
    assert!(items.contains(&"4"), "missing item named: {errs:?}");
    assert!(items.contains(&"9"), "bad answer named: {errs:?}");
    assert!(items.contains(&"11"), "unknown item named: {errs:?}");
    assert!(
        errs.iter()
            .any(|e| e.to_string().contains("not one of its answers"))
    );
}

/// GAD-7 (Spitzer 2006): 0–4 minimal, 5–9 mild, 10–14 moderate, 15–21 severe; screen ≥10.
#[test]
fn gad7_band_edges() {
    let i = inst("gad7");
    for (total, sev) in [
        (0, Severity::None),
        (4, Severity::None),
        (5, Severity::Mild),
        (9, Severity::Mild),
        (10, Severity::Moderate),
        (14, Severity::Moderate),
        (15, Severity::Severe),
        (21, Severity::Severe),
    ] {
        let (t, label, s) = band(&i, &spread(7, 3, total));
        assert_eq!((t, s), (total, sev), "GAD-7 {total} gave {label}");
    }
    assert!(positive(&scored(&i, &spread(7, 3, 10)), "screen"));
    assert!(!positive(&scored(&i, &spread(7, 3, 9)), "screen"));
    assert!(
        scored(&i, &spread(7, 3, 21)).critical.is_empty(),
        "GAD-7 has no critical item"
    );
}

/// PHQ-2 (Kroenke 2003; Arroll 2010): positive at ≥3.
#[test]
fn phq2_screen_edge() {
    let i = inst("phq2");
    assert!(!positive(&scored(&i, &spread(2, 3, 2)), "screen"));
    assert!(positive(&scored(&i, &spread(2, 3, 3)), "screen"));
    assert_eq!(scored(&i, &spread(2, 3, 6)).total, Some(6));
}

#[test]
fn a_band_model_setting_that_does_not_exist_is_an_error() {
    let i = inst("phq9");
    let ctx = Context {
        band_model: Some("kroenke2011"),
        sex: SexAtBirth::Unknown,
    };
    let e = score(&i, &spread(9, 3, 5), ctx).unwrap_err();
    assert!(
        e[0].to_string().contains("no band model \"kroenke2011\""),
        "{e:?}"
    );
}

#[test]
fn codes_are_the_confirmed_ones() {
    let l = library();
    let codes = |id: &str| {
        let i = l.get(id).unwrap();
        (i.loinc.panel.clone(), i.loinc.total.clone())
    };
    assert_eq!(
        codes("phq9"),
        (Some("44249-1".into()), Some("44261-6".into()))
    );
    assert_eq!(
        codes("gad7"),
        (Some("69737-5".into()), Some("70274-6".into()))
    );
    assert_eq!(codes("phq2").1, Some("55758-7".into()));
    let phq9 = l.get("phq9").unwrap();
    assert_eq!(
        phq9.item("9").unwrap().code,
        None,
        "item 9's code is unconfirmed, so none is sent"
    );
}

const GOOD: &str = r#"
id = "tiny"
name = "Tiny"
title = "A tiny instrument"
sources = ["made up for a test"]
licence = { status = "free", text = "test" }
answer_sets = [{ id = "yn", options = [{ code = "n", label = "No", score = 0 }, { code = "y", label = "Yes", score = 1 }] }]
items = [{ id = "1", text = "One?", answers = "yn" }, { id = "2", text = "Two?", answers = "yn" }]
total = { min = 0, max = 2 }
"#;

#[test]
fn malformed_files_are_refused_naming_the_problem() {
    assert!(Instrument::parse("tiny.toml", GOOD).is_ok());
    let cases = [
        (
            GOOD.replace("answers = \"yn\" }]", "answers = \"xx\" }]"),
            "unknown answer set",
        ),
        (GOOD.replace("max = 2", "max = 3"), "does not match"),
        (
            GOOD.replace("sources = [\"made up for a test\"]", "sources = []"),
            "no sources",
        ),
        (GOOD.replace("title =", "titel ="), "titel"),
        (
            format!(
                "{GOOD}\nband_models = [{{ id = \"m\", name = \"m\", source = \"s\", bands = [{{ min = 0, max = 0, label = \"a\", severity = \"none\" }}, {{ min = 2, max = 2, label = \"b\", severity = \"mild\" }}] }}]"
            ),
            "gaps",
        ),
        (
            format!(
                "{GOOD}\ncritical = [{{ item = \"3\", min_score = 1, flag = \"x\", source = \"s\" }}]"
            ),
            "unknown item",
        ),
        // A misspelt flag would silently raise nothing.
        (
            format!(
                "{GOOD}\ncritical = [{{ item = \"2\", min_score = 1, flag = \"suicidal\", source = \"s\" }}]"
            ),
            "unknown flag \"suicidal\"",
        ),
        (
            format!(
                "{GOOD}\nband_models = [{{ id = \"m\", name = \"m\", source = \"s\", bands = [{{ min = 0, max = 2, label = \"a\", severity = \"severe\", flag = \"overdue\" }}] }}]"
            ),
            "unknown flag \"overdue\"",
        ),
    ];
    for (text, needle) in cases {
        let e = Instrument::parse("tiny.toml", &text).unwrap_err();
        assert_eq!(e.file, "tiny.toml");
        assert!(e.to_string().contains(needle), "expected {needle:?} in {e}");
    }
    let dup = Library::from_files([("a.toml", GOOD), ("b.toml", GOOD)]).unwrap_err();
    assert_eq!(dup.file, "b.toml");
}

#[test]
fn sex_specific_thresholds_use_the_more_sensitive_one_when_sex_is_unknown() {
    let text = format!(
        "{GOOD}\nrules = [{{ kind = \"threshold\", id = \"s\", label = \"s\", at_least = 2, female = 1, male = 2, source = \"t\" }}]"
    );
    let i = Instrument::parse("t.toml", &text).unwrap();
    let one = answers(&[("1", "y"), ("2", "n")]);
    let ctx = |sex| Context {
        band_model: None,
        sex,
    };
    let r = |sex| score(&i, &one, ctx(sex)).unwrap();
    assert!(positive(&r(SexAtBirth::Female), "s"));
    assert!(!positive(&r(SexAtBirth::Male), "s"));
    let unknown = r(SexAtBirth::Unknown);
    assert!(positive(&unknown, "s"));
    assert!(
        unknown
            .rule("s")
            .unwrap()
            .note
            .as_deref()
            .unwrap()
            .contains("more sensitive")
    );
}

proptest! {
    /// Totals stay in range, rise with any single answer, and the critical
    /// flag is present exactly when item 9 is positive.
    #[test]
    fn phq9_properties(scores in proptest::collection::vec(0i32..=3, 9), bump in 0usize..9) {
        let i = inst("phq9");
        let a: Answers = scores.iter().enumerate().map(|(k, s)| ((k + 1).to_string(), s.to_string())).collect();
        let s = scored(&i, &a);
        let t = s.total.unwrap();
        prop_assert!((0..=27).contains(&t));
        prop_assert_eq!(s.has_flag("suicide_risk"), scores[8] > 0);
        if scores[bump] < 3 {
            let mut b = a.clone();
            b.insert((bump + 1).to_string(), (scores[bump] + 1).to_string());
            let higher = scored(&i, &b);
            prop_assert_eq!(higher.total.unwrap(), t + 1);
            prop_assert!(higher.band.unwrap().severity >= s.band.unwrap().severity);
        }
    }

    /// No input makes scoring panic.
    #[test]
    fn any_answers_are_scored_or_refused(pairs in proptest::collection::vec(("[0-9a-z]{0,3}", "[0-9a-z-]{0,3}"), 0..15)) {
        let i = inst("phq9");
        let a: Answers = pairs.into_iter().collect();
        let _ = score(&i, &a, Context::default());
    }
}
