//! AUDIT, AUDIT-C, DAST-10, PCL-5, GAD-2 and EPDS. Every expected value here
//! is written from the published instruments and the project's clinical
//! reference (see content/README.md), not read from the files, so a wrong
//! number, code or score in a file makes a test fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

use proptest::prelude::*;
use tandem_core::instrument::definition::{LicenceStatus, Severity};
use tandem_core::instrument::scoring::{Context, ResponseError};
use tandem_core::instrument::{Answers, Instrument, Scored, score};
use tandem_core::patient::SexAtBirth;

/// Answers for items `1..=n` whose code is the score as text.
fn by_score(scores: &[i32]) -> Answers {
    scores
        .iter()
        .enumerate()
        .map(|(k, s)| ((k + 1).to_string(), s.to_string()))
        .collect()
}

/// Spreads `total` over `n` items scored 0..=max, in order.
fn spread(n: usize, max: i32, total: i32) -> Vec<i32> {
    let mut left = total;
    let v = (0..n)
        .map(|_| {
            let s = left.min(max);
            left -= s;
            s
        })
        .collect();
    assert_eq!(left, 0, "{total} does not fit in {n} items of {max}");
    v
}

fn ctx(band_model: Option<&str>, sex: SexAtBirth) -> Context<'_> {
    Context { band_model, sex }
}

fn scored_in(i: &Instrument, a: &Answers, c: Context<'_>) -> Scored {
    score(i, a, c).unwrap_or_else(|e| panic!("{}: {e:?}", i.id))
}

fn scored(i: &Instrument, a: &Answers) -> Scored {
    scored_in(i, a, Context::default())
}

/// (total, severity, bumped) under a band model (`None`: the default).
fn banded(i: &Instrument, a: &Answers, model: Option<&str>) -> (i32, Severity, bool) {
    let s = scored_in(i, a, ctx(model, SexAtBirth::Unknown));
    let b = s.band.expect("a band");
    (s.total.expect("a total"), b.severity, b.bumped)
}

// ---------------------------------------------------------------- library

#[test]
fn the_six_files_load_with_the_published_shape() {
    let lib = library();
    // (id, items, total min, total max)
    for (id, n, lo, hi) in [
        ("audit", 10, 0, 40),
        ("auditc", 3, 0, 12),
        ("dast10", 10, 0, 10),
        ("pcl5", 20, 0, 80),
        ("gad2", 2, 0, 6),
        ("epds", 10, 0, 30),
    ] {
        let i = lib.get(id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(i.items.len(), n, "{id} item count");
        let ids: Vec<String> = (1..=n).map(|k| k.to_string()).collect();
        let got: Vec<String> = i.items.iter().map(|it| it.id.clone()).collect();
        assert_eq!(got, ids, "{id} items are numbered 1..={n}");
        assert!(i.items.iter().all(|it| it.scored && it.required));
        let t = i.total.expect("a total");
        assert_eq!((t.min, t.max), (lo, hi), "{id} total range");
        assert!(!i.sources.is_empty());
    }
}

/// LOINC codes exactly as the reference confirms them; none where it marks
/// them unconfirmed (AUDIT panel 72110-0, GAD-2), and no item codes.
#[test]
fn codes_are_only_the_confirmed_ones() {
    let lib = library();
    let some = |s: &str| Some(s.to_string());
    for (id, panel, total) in [
        ("audit", None, some("75624-7")),
        ("auditc", some("72109-2"), some("75626-2")),
        ("dast10", some("82666-9"), some("82667-7")),
        ("pcl5", some("101697-1"), some("101698-9")),
        ("gad2", None, None),
        ("epds", some("71354-5"), some("99046-5")),
    ] {
        let i = lib.get(id).unwrap();
        assert_eq!(
            (i.loinc.panel.clone(), i.loinc.total.clone()),
            (panel, total),
            "{id} codes"
        );
        assert!(
            i.items.iter().all(|it| it.code.is_none()),
            "{id}: no item code is confirmed"
        );
    }
}

#[test]
fn licences_follow_the_reference() {
    let lib = library();
    for (id, status) in [
        ("audit", LicenceStatus::Unconfirmed),
        ("auditc", LicenceStatus::Unconfirmed),
        ("dast10", LicenceStatus::PermissionRequired),
        ("pcl5", LicenceStatus::Free),
        ("gad2", LicenceStatus::Free),
        ("epds", LicenceStatus::PermissionRequired),
    ] {
        let i = lib.get(id).unwrap();
        assert_eq!(i.licence.status, status, "{id} licence");
        assert!(!i.licence.text.is_empty(), "{id} licence text");
    }
    let dast = lib.get("dast10").unwrap();
    assert!(dast.licence.text.contains("non-commercial"));
    assert!(
        lib.get("epds")
            .unwrap()
            .licence
            .text
            .contains("Royal College of Psychiatrists")
    );
}

// ------------------------------------------------------------------ AUDIT

/// An AUDIT response with the given total that triggers no zone bump:
/// items 1, 2, 3, 7, 8 up to 4, then items 4-6 at most 1, items 9-10 at most 2.
fn audit_plain(total: i32) -> Answers {
    let mut s = [0i32; 10];
    let mut left = total;
    for k in [0, 1, 2, 6, 7] {
        s[k] = left.min(4);
        left -= s[k];
    }
    for k in [3, 4, 5] {
        s[k] = left.min(1);
        left -= s[k];
    }
    for k in [8, 9] {
        if left >= 2 {
            s[k] = 2;
            left -= 2;
        }
    }
    assert_eq!(left, 0, "AUDIT total {total} cannot be made without a bump");
    by_score(&s)
}

/// WHO zones (Babor 2001): I 0-7 low risk, II 8-15 hazardous, III 16-19
/// harmful, IV 20-40 possible dependence. WHO is the default model.
#[test]
fn audit_who_zone_edges() {
    let i = inst("audit");
    for (total, sev) in [
        (0, Severity::None),
        (7, Severity::None),
        (8, Severity::Mild),
        (15, Severity::Mild),
        (16, Severity::Moderate),
        (19, Severity::Moderate),
        (20, Severity::Severe),
    ] {
        let a = audit_plain(total);
        assert_eq!(
            banded(&i, &a, None),
            (total, sev, false),
            "AUDIT {total}, default model"
        );
        assert_eq!(banded(&i, &a, Some("who")), (total, sev, false));
    }
    let s = scored(&i, &audit_plain(3));
    assert_eq!(s.band.unwrap().model, "who", "WHO zones are the default");
    // The maximum: every item at its top answer.
    let top = by_score(&[4, 4, 4, 4, 4, 4, 4, 4, 4, 4]);
    assert_eq!(banded(&i, &top, None), (40, Severity::Severe, false));
    assert!(
        scored(&i, &top).critical.is_empty(),
        "AUDIT has no critical item"
    );
}

/// auditscreen.org: 0-7 low risk (the source's "1-7" plus 0), 8-14
/// hazardous/harmful, 15-40 likely dependence; no move-up rule.
#[test]
fn audit_auditscreen_edges() {
    let i = inst("audit");
    let m = Some("auditscreen");
    for (total, sev) in [
        (0, Severity::None),
        (7, Severity::None),
        (8, Severity::Moderate),
        (14, Severity::Moderate),
        (15, Severity::Severe),
        (40, Severity::Severe),
    ] {
        let a = if total == 40 {
            by_score(&[4; 10])
        } else {
            audit_plain(total)
        };
        assert_eq!(
            banded(&i, &a, m),
            (total, sev, false),
            "auditscreen {total}"
        );
    }
    // What bumps a WHO zone does not move this model.
    let a = by_score(&[3, 0, 0, 4, 0, 0, 0, 0, 0, 0]);
    assert_eq!(banded(&i, &a, m), (7, Severity::None, false));
    let a = by_score(&[0, 0, 0, 0, 0, 0, 0, 0, 4, 0]);
    assert_eq!(banded(&i, &a, m), (4, Severity::None, false));
}

/// Move up one WHO zone when any of items 4, 5, 6 scores 2 or more, or item
/// 9 or 10 scores 4; never past zone IV.
#[test]
fn audit_who_zone_bumps() {
    let i = inst("audit");
    let who = |s: &[i32]| banded(&i, &by_score(s), None);
    // Each of items 4, 5, 6 at 2 moves zone I (total 5) to zone II; at 1 it does not.
    for item in [3usize, 4, 5] {
        let mut s = [3, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        s[item] = 2;
        assert_eq!(who(&s), (5, Severity::Mild, true), "item {} at 2", item + 1);
        let mut s = [4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        s[item] = 1;
        assert_eq!(
            who(&s),
            (5, Severity::None, false),
            "item {} at 1",
            item + 1
        );
    }
    // Item 9 or 10 at 4 moves zone I to zone II; at 2 it does not.
    for item in [8usize, 9] {
        let mut s = [0; 10];
        s[item] = 4;
        assert_eq!(who(&s), (4, Severity::Mild, true), "item {} at 4", item + 1);
        let mut s = [2, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        s[item] = 2;
        assert_eq!(
            who(&s),
            (4, Severity::None, false),
            "item {} at 2",
            item + 1
        );
    }
    // Zone II (15) to III, zone III (19) to IV, one zone only.
    assert_eq!(
        who(&[4, 4, 4, 2, 0, 0, 1, 0, 0, 0]),
        (15, Severity::Moderate, true)
    );
    assert_eq!(
        who(&[4, 4, 4, 0, 0, 3, 4, 0, 0, 0]),
        (19, Severity::Severe, true)
    );
    // Several triggers together still move one zone.
    assert_eq!(
        who(&[0, 0, 0, 2, 2, 0, 0, 0, 0, 0]),
        (4, Severity::Mild, true),
        "zone I to II, not III"
    );
    assert_eq!(
        who(&[0, 0, 0, 2, 2, 2, 0, 0, 0, 4]),
        (10, Severity::Moderate, true),
        "zone II to III, not IV"
    );
    // Zone IV has nowhere higher to go.
    assert_eq!(
        who(&[4, 4, 4, 2, 0, 0, 4, 2, 0, 0]),
        (20, Severity::Severe, false)
    );
    assert_eq!(
        who(&[4, 4, 4, 0, 0, 0, 4, 0, 0, 4]),
        (20, Severity::Severe, false)
    );
}

/// Items 9 and 10 score only 0, 2 or 4: a 1 or a 3 is not an answer.
#[test]
fn audit_items_9_and_10_refuse_1_and_3() {
    let i = inst("audit");
    for item in ["9", "10"] {
        for bad in ["1", "3"] {
            let mut a = audit_plain(0);
            a.insert(item.into(), bad.into());
            let errs = score(&i, &a, Context::default()).unwrap_err();
            assert_eq!(errs.len(), 1, "{errs:?}");
            assert!(
                matches!(&errs[0], ResponseError::UnknownAnswer { item: it, code, .. }
                    if it == item && code == bad),
                "item {item} answer {bad}: {errs:?}"
            );
        }
        for good in [("0", 0), ("2", 2), ("4", 4)] {
            let mut a = audit_plain(0);
            a.insert(item.into(), good.0.into());
            assert_eq!(scored(&i, &a).total, Some(good.1));
        }
    }
    // Items 1-8 take 0-4 and nothing above.
    let mut a = audit_plain(0);
    a.insert("8".into(), "5".into());
    assert!(score(&i, &a, Context::default()).is_err());
}

// ---------------------------------------------------------------- AUDIT-C

/// Positive at women ≥3, men ≥4; with sex unknown the more sensitive ≥3,
/// said beside the result.
#[test]
fn auditc_sex_specific_screen() {
    let i = inst("auditc");
    let run = |total: i32, sex| {
        let s = scored_in(&i, &by_score(&spread(3, 4, total)), ctx(None, sex));
        assert_eq!(s.total, Some(total));
        assert!(s.band.is_none(), "AUDIT-C has no bands");
        s
    };
    for (total, female, male, unknown) in [
        (2, false, false, false),
        (3, true, false, true),
        (4, true, true, true),
    ] {
        let f = run(total, SexAtBirth::Female);
        let m = run(total, SexAtBirth::Male);
        let u = run(total, SexAtBirth::Unknown);
        assert_eq!(positive(&f, "screen"), female, "female {total}");
        assert_eq!(positive(&m, "screen"), male, "male {total}");
        assert_eq!(positive(&u, "screen"), unknown, "unknown {total}");
        assert!(f.rule("screen").unwrap().note.is_none());
        assert!(m.rule("screen").unwrap().note.is_none());
        let note = u.rule("screen").unwrap().note.clone().expect("a note");
        assert!(note.contains("≥3"), "{note}");
    }
    assert_eq!(run(12, SexAtBirth::Male).total, Some(12));
}

// ---------------------------------------------------------------- DAST-10

/// DAST-10 answers from item scores (0 or 1): "yes" scores 1, except item 3
/// ("always able to stop?"), where "no" scores 1.
fn dast(scores: &[i32; 10]) -> Answers {
    scores
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let yes_scores = k != 2;
            let code = match (*s == 1, yes_scores) {
                (true, true) | (false, false) => "yes",
                _ => "no",
            };
            ((k + 1).to_string(), code.to_string())
        })
        .collect()
}

fn dast_all(code: &str) -> Answers {
    (1..=10)
        .map(|k| (k.to_string(), code.to_string()))
        .collect()
}

#[test]
fn dast10_item3_is_reversed() {
    let i = inst("dast10");
    assert_eq!(
        scored(&i, &dast_all("no")).total,
        Some(1),
        "all no: item 3 scores"
    );
    assert_eq!(
        scored(&i, &dast_all("yes")).total,
        Some(9),
        "all yes: item 3 does not"
    );
    let mut a = dast_all("no");
    a.insert("3".into(), "yes".into());
    assert_eq!(scored(&i, &a).total, Some(0));
    let mut a = dast_all("yes");
    a.insert("3".into(), "no".into());
    assert_eq!(scored(&i, &a).total, Some(10));
}

/// 0 none; 1-2 low; 3-5 moderate; 6-8 substantial; 9-10 severe.
#[test]
fn dast10_band_edges() {
    let i = inst("dast10");
    for (total, sev) in [
        (0, Severity::None),
        (1, Severity::Mild),
        (2, Severity::Mild),
        (3, Severity::Moderate),
        (5, Severity::Moderate),
        (6, Severity::ModeratelySevere),
        (8, Severity::ModeratelySevere),
        (9, Severity::Severe),
        (10, Severity::Severe),
    ] {
        let mut s = [0i32; 10];
        for x in s.iter_mut().take(total as usize) {
            *x = 1;
        }
        assert_eq!(
            banded(&i, &dast(&s), None),
            (total, sev, false),
            "DAST {total}"
        );
    }
    assert!(scored(&i, &dast_all("yes")).critical.is_empty());
    let mut a = dast_all("no");
    a.insert("1".into(), "1".into());
    assert!(
        score(&i, &a, Context::default()).is_err(),
        "answers are yes/no"
    );
}

// ------------------------------------------------------------------ PCL-5

fn subscale(s: &Scored, id: &str) -> i32 {
    s.subscales
        .iter()
        .find(|x| x.id == id)
        .unwrap_or_else(|| panic!("no subscale {id}"))
        .score
}

/// Clusters: B items 1-5, C 6-7, D 8-14, E 15-20.
#[test]
fn pcl5_cluster_sums() {
    let i = inst("pcl5");
    let a = by_score(&[
        4, 3, 2, 1, 0, // B = 10
        1, 2, // C = 3
        0, 1, 2, 3, 4, 0, 1, // D = 11
        2, 2, 2, 2, 2, 3, // E = 13
    ]);
    let s = scored(&i, &a);
    assert_eq!(s.total, Some(37));
    assert_eq!(subscale(&s, "cluster_b"), 10);
    assert_eq!(subscale(&s, "cluster_c"), 3);
    assert_eq!(subscale(&s, "cluster_d"), 11);
    assert_eq!(subscale(&s, "cluster_e"), 13);
    assert_eq!(s.subscales.len(), 4);
    // One item at a time lands in its own cluster only.
    for (item, cluster) in [
        (5, "cluster_b"),
        (6, "cluster_c"),
        (7, "cluster_c"),
        (8, "cluster_d"),
        (14, "cluster_d"),
        (15, "cluster_e"),
        (20, "cluster_e"),
    ] {
        let mut v = [0i32; 20];
        v[item - 1] = 4;
        let s = scored(&i, &by_score(&v));
        for c in ["cluster_b", "cluster_c", "cluster_d", "cluster_e"] {
            assert_eq!(
                subscale(&s, c),
                if c == cluster { 4 } else { 0 },
                "item {item} in {c}"
            );
        }
    }
}

/// Provisional diagnosis by total at ≥33 (published range 31-33).
#[test]
fn pcl5_threshold_32_and_33() {
    let i = inst("pcl5");
    let s = scored(&i, &by_score(&spread(20, 4, 32)));
    assert_eq!(s.total, Some(32));
    assert!(!positive(&s, "provisional"));
    let s = scored(&i, &by_score(&spread(20, 4, 33)));
    assert_eq!(s.total, Some(33));
    assert!(positive(&s, "provisional"));
    let s = scored(&i, &by_score(&[4; 20]));
    assert_eq!(s.total, Some(80));
    assert!(s.band.is_none(), "the PCL-5 has no validated bands");
    assert!(s.critical.is_empty(), "the PCL-5 has no critical item");
}

/// DSM-5 rule: an item counts at ≥2; at least 1 B, 1 C, 2 D and 2 E items.
#[test]
fn pcl5_dsm5_rule_needs_every_cluster() {
    let i = inst("pcl5");
    // Exactly the minimum: items 1 (B), 6 (C), 8 and 9 (D), 15 and 16 (E) at 2.
    let mut min = [0i32; 20];
    for item in [1, 6, 8, 9, 15, 16] {
        min[item - 1] = 2;
    }
    let s = scored(&i, &by_score(&min));
    assert_eq!(s.total, Some(12));
    assert!(positive(&s, "dsm5"), "the minimum pattern is positive");
    assert!(!positive(&s, "provisional"), "the two methods are separate");
    // One just short in each cluster: that item at 1 instead of 2.
    for (item, cluster) in [(1, "B"), (6, "C"), (9, "D"), (16, "E")] {
        let mut v = min;
        v[item - 1] = 1;
        let s = scored(&i, &by_score(&v));
        assert!(!positive(&s, "dsm5"), "cluster {cluster} one short");
    }
    // Another cluster's surplus does not make up for a missing one.
    let mut no_c = [4i32; 20];
    no_c[5] = 1;
    no_c[6] = 1;
    let s = scored(&i, &by_score(&no_c));
    assert_eq!(s.total, Some(74));
    assert!(positive(&s, "provisional"));
    assert!(!positive(&s, "dsm5"), "no C item at 2 or more");
}

// ------------------------------------------------------------------ GAD-2

#[test]
fn gad2_screen_edge() {
    let i = inst("gad2");
    let s = scored(&i, &by_score(&[1, 1]));
    assert_eq!(s.total, Some(2));
    assert!(!positive(&s, "screen"));
    let s = scored(&i, &by_score(&[3, 0]));
    assert_eq!(s.total, Some(3));
    assert!(positive(&s, "screen"));
    let s = scored(&i, &by_score(&[3, 3]));
    assert_eq!(s.total, Some(6));
    assert!(s.band.is_none() && s.critical.is_empty());
    assert!(score(&i, &by_score(&[4, 0]), Context::default()).is_err());
}

// ------------------------------------------------------------------- EPDS

/// EPDS answers from item scores: options are coded a-d in printed order;
/// items 1, 2 and 4 score 0-3 top to bottom, the others 3-0.
fn epds(scores: &[i32; 10]) -> Answers {
    const DOWN: [&str; 4] = ["a", "b", "c", "d"];
    const UP: [&str; 4] = ["d", "c", "b", "a"];
    scores
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let codes = if [1, 2, 4].contains(&(k + 1)) {
                DOWN
            } else {
                UP
            };
            ((k + 1).to_string(), codes[*s as usize].to_string())
        })
        .collect()
}

fn epds_all(code: &str) -> Answers {
    (1..=10)
        .map(|k| (k.to_string(), code.to_string()))
        .collect()
}

#[test]
fn epds_reversed_items() {
    let i = inst("epds");
    // The first printed option scores 0 on items 1, 2, 4 and 3 on the other seven.
    assert_eq!(scored(&i, &epds_all("a")).total, Some(21));
    // The last printed option scores 3 on items 1, 2, 4 and 0 on the others.
    assert_eq!(scored(&i, &epds_all("d")).total, Some(9));
    let mut a = epds(&[0; 10]);
    assert_eq!(scored(&i, &a).total, Some(0));
    a.insert("3".into(), "a".into());
    assert_eq!(
        scored(&i, &a).total,
        Some(3),
        "item 3's first option scores 3"
    );
    let mut a = epds(&[0; 10]);
    a.insert("1".into(), "a".into());
    a.insert("4".into(), "d".into());
    assert_eq!(
        scored(&i, &a).total,
        Some(3),
        "item 4's last option scores 3"
    );
    for item in 1..=10 {
        for s in 0..=3 {
            let mut v = [0i32; 10];
            v[item - 1] = s;
            assert_eq!(scored(&i, &epds(&v)).total, Some(s), "item {item} at {s}");
        }
    }
    assert!(score(&i, &epds_all("e"), Context::default()).is_err());
    assert!(scored(&i, &epds(&[3; 10])).band.is_none());
    assert_eq!(scored(&i, &epds(&[3; 10])).total, Some(30));
}

/// ≥13 likely depression; ≥10 the more sensitive cut-off.
#[test]
fn epds_thresholds() {
    let i = inst("epds");
    // Item 10 kept at 0: the cut-offs are tested apart from the critical item.
    let at = |total: i32| {
        let mut v = [0i32; 10];
        v[..9].copy_from_slice(&spread(9, 3, total));
        let s = scored(&i, &epds(&v));
        assert_eq!(s.total, Some(total));
        assert!(!s.has_flag("suicide_risk"));
        (positive(&s, "sensitive"), positive(&s, "likely_depression"))
    };
    assert_eq!(at(9), (false, false));
    assert_eq!(at(10), (true, false));
    assert_eq!(at(12), (true, false));
    assert_eq!(at(13), (true, true));
    assert_eq!(at(27), (true, true));
}

/// Item 10 (self-harm) above 0 flags suicide risk whatever the total.
#[test]
fn epds_item10_is_critical_exactly_above_0() {
    let i = inst("epds");
    for s10 in 1..=3 {
        let mut v = [0i32; 10];
        v[9] = s10;
        let s = scored(&i, &epds(&v));
        assert_eq!(s.total, Some(s10));
        assert!(!positive(&s, "sensitive"), "the total stays low");
        assert!(
            s.has_flag("suicide_risk"),
            "item 10 at {s10}: a low total must not hide it"
        );
        assert_eq!(s.critical.len(), 1);
        assert_eq!(s.critical[0].source, "10");
    }
    // "Hardly ever" is the third printed option of item 10.
    let mut a = epds(&[0; 10]);
    a.insert("10".into(), "c".into());
    assert!(scored(&i, &a).has_flag("suicide_risk"));
    // "Never" (item 10 at 0) raises nothing, even at a high total.
    let mut v = [3i32; 10];
    v[9] = 0;
    let s = scored(&i, &epds(&v));
    assert_eq!(s.total, Some(27));
    assert!(positive(&s, "likely_depression"));
    assert!(s.critical.is_empty());
    // Other items at their maximum raise no flag.
    for item in 1..=9 {
        let mut v = [0i32; 10];
        v[item - 1] = 3;
        assert!(scored(&i, &epds(&v)).critical.is_empty(), "item {item}");
    }
}

// -------------------------------------------------------------- properties

proptest! {
    #[test]
    fn audit_totals_in_range(
        first in proptest::collection::vec(0i32..=4, 8),
        last in proptest::collection::vec(0i32..=2, 2),
    ) {
        let i = inst("audit");
        let mut s = first.clone();
        s.extend(last.iter().map(|x| x * 2));
        let want: i32 = s.iter().sum();
        for model in [None, Some("who"), Some("auditscreen")] {
            let r = scored_in(&i, &by_score(&s), ctx(model, SexAtBirth::Unknown));
            prop_assert_eq!(r.total, Some(want));
            prop_assert!((0..=40).contains(&want));
            prop_assert!(r.band.is_some());
        }
    }

    #[test]
    fn auditc_totals_in_range(s in proptest::collection::vec(0i32..=4, 3)) {
        let i = inst("auditc");
        let t = scored(&i, &by_score(&s)).total.unwrap();
        prop_assert_eq!(t, s.iter().sum::<i32>());
        prop_assert!((0..=12).contains(&t));
    }

    #[test]
    fn dast10_totals_in_range(bits in proptest::collection::vec(0i32..=1, 10)) {
        let i = inst("dast10");
        let mut s = [0i32; 10];
        s.copy_from_slice(&bits);
        let r = scored(&i, &dast(&s));
        prop_assert_eq!(r.total, Some(bits.iter().sum::<i32>()));
        prop_assert!((0..=10).contains(&r.total.unwrap()));
        prop_assert!(r.band.is_some());
    }

    #[test]
    fn pcl5_totals_in_range(s in proptest::collection::vec(0i32..=4, 20)) {
        let i = inst("pcl5");
        let r = scored(&i, &by_score(&s));
        let t = r.total.unwrap();
        prop_assert_eq!(t, s.iter().sum::<i32>());
        prop_assert!((0..=80).contains(&t));
        prop_assert_eq!(r.subscales.iter().map(|x| x.score).sum::<i32>(), t);
        prop_assert_eq!(positive(&r, "provisional"), t >= 33);
    }

    #[test]
    fn gad2_totals_in_range(s in proptest::collection::vec(0i32..=3, 2)) {
        let i = inst("gad2");
        let r = scored(&i, &by_score(&s));
        let t = r.total.unwrap();
        prop_assert_eq!(t, s.iter().sum::<i32>());
        prop_assert!((0..=6).contains(&t));
        prop_assert_eq!(positive(&r, "screen"), t >= 3);
    }

    #[test]
    fn epds_totals_in_range(v in proptest::collection::vec(0i32..=3, 10)) {
        let i = inst("epds");
        let mut s = [0i32; 10];
        s.copy_from_slice(&v);
        let r = scored(&i, &epds(&s));
        let t = r.total.unwrap();
        prop_assert_eq!(t, v.iter().sum::<i32>());
        prop_assert!((0..=30).contains(&t));
        prop_assert_eq!(r.has_flag("suicide_risk"), s[9] > 0);
        prop_assert_eq!(positive(&r, "likely_depression"), t >= 13);
        prop_assert_eq!(positive(&r, "sensitive"), t >= 10);
    }
}
