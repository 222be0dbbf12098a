//! Properties every shipped instrument with a total must have, whatever its
//! file says: totals stay within the stated range, a higher-scoring answer
//! never lowers the total or the band, and a critical flag is raised exactly
//! when its item reaches the critical score.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use proptest::prelude::*;
use tandem_core::instrument::{Answers, Instrument};

/// Instruments scored by a plain total over always-asked items.
fn totalled() -> Vec<Instrument> {
    let lib = library();
    lib.all()
        .filter(|i| i.total.is_some() && i.items.iter().all(|it| it.enable_when.is_none()))
        .cloned()
        .collect()
}

/// Answers choosing, for every item, the option at `picks[k] % options`.
fn answers_for(i: &Instrument, picks: &[usize]) -> Answers {
    i.items
        .iter()
        .enumerate()
        .map(|(k, it)| {
            let opts = i.options(it);
            let o = &opts[picks[k % picks.len()] % opts.len()];
            (it.id.clone(), o.code.clone())
        })
        .collect()
}

#[test]
fn the_property_tests_cover_the_scored_library() {
    let ids: Vec<String> = totalled().into_iter().map(|i| i.id).collect();
    for id in [
        "phq9", "gad7", "audit", "auditc", "dast10", "pcl5", "epds", "cows", "ciwa-ar",
    ] {
        assert!(
            ids.contains(&id.to_string()),
            "{id} is not covered: {ids:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn totals_ranges_monotonicity_and_critical_items(
        picks in proptest::collection::vec(0usize..16, 1..40),
        which in 0usize..64,
        bump in 0usize..64,
    ) {
        let all = totalled();
        let i = &all[which % all.len()];
        let a = answers_for(i, &picks);
        let s = scored(i, &a);
        let range = i.total.unwrap();
        let t = s.total.unwrap();
        prop_assert!((range.min..=range.max).contains(&t), "{}: {t} outside {range:?}", i.id);

        // Raise one item to an option with a higher score.
        let item = &i.items[bump % i.items.len()];
        let opts = i.options(item);
        let current = opts.iter().find(|o| o.code == a[&item.id]).unwrap();
        if let Some(higher) = opts.iter().filter(|o| o.score > current.score).min_by_key(|o| o.score) {
            let mut b = a.clone();
            b.insert(item.id.clone(), higher.code.clone());
            let s2 = scored(i, &b);
            let t2 = s2.total.unwrap();
            prop_assert!(t2 >= t, "{}: item {} up, total {t} -> {t2}", i.id, item.id);
            if item.scored {
                prop_assert_eq!(t2 - t, higher.score - current.score);
            }
            if let (Some(b1), Some(b2)) = (&s.band, &s2.band) {
                prop_assert!(b2.severity >= b1.severity, "{}: band fell {} -> {}", i.id, b1.label, b2.label);
            }
        }

        // Each critical rule fires exactly when its item reaches the score.
        for c in &i.critical {
            let it = i.item(&c.item).unwrap();
            let chosen = i.options(it).iter().find(|o| o.code == a[&c.item]).unwrap();
            let fired = s.critical.iter().any(|h| h.source == c.item && h.flag == c.flag);
            prop_assert_eq!(fired, chosen.score >= c.min_score, "{} item {}", i.id, c.item);
        }
    }
}
