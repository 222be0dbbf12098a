//! Search result pages: totals, entries and the links between pages.
// Test helpers are allowed to fail loudly: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use tandem_fhir::bundle::{SearchPage, searchset};

const BASE: &str = "http://host/fhir/r4";

fn links(b: &Value) -> Vec<(String, String)> {
    b["link"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["relation"].as_str().unwrap().to_string(),
                l["url"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn url(query: &str, count: u64, offset: u64) -> String {
    format!("{BASE}/Patient?{query}_count={count}&_offset={offset}")
}

fn page(total: u64, offset: u64, count: u64, n: usize) -> Value {
    let entries = (0..n)
        .map(|i| json!({"resourceType": "Patient", "id": format!("p{}", offset as usize + i)}))
        .collect();
    searchset(
        BASE,
        "Patient",
        "name=Rivera",
        &SearchPage {
            total,
            offset,
            count,
        },
        entries,
    )
}

#[test]
fn the_first_page_links_to_the_next() {
    let b = page(25, 0, 10, 10);
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "searchset");
    assert_eq!(b["total"], 25);
    let q = "name=Rivera&";
    assert_eq!(
        links(&b),
        vec![
            ("self".into(), url(q, 10, 0)),
            ("first".into(), url(q, 10, 0)),
            ("next".into(), url(q, 10, 10)),
        ]
    );
    let entries = b["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 10);
    assert_eq!(entries[0]["fullUrl"], format!("{BASE}/Patient/p0"));
    assert_eq!(entries[0]["resource"]["id"], "p0");
    assert_eq!(entries[0]["search"], json!({"mode": "match"}));
}

#[test]
fn a_middle_page_links_both_ways() {
    let b = page(25, 10, 10, 10);
    let q = "name=Rivera&";
    assert_eq!(
        links(&b),
        vec![
            ("self".into(), url(q, 10, 10)),
            ("first".into(), url(q, 10, 0)),
            ("previous".into(), url(q, 10, 0)),
            ("next".into(), url(q, 10, 20)),
        ]
    );
    assert_eq!(b["entry"][0]["resource"]["id"], "p10");
}

#[test]
fn the_last_page_has_no_next() {
    let b = page(25, 20, 10, 5);
    let rels: Vec<String> = links(&b).into_iter().map(|(r, _)| r).collect();
    assert_eq!(rels, ["self", "first", "previous"]);
    assert_eq!(links(&b)[2].1, url("name=Rivera&", 10, 10));
    // A page ending exactly on the total has no next either.
    let rels: Vec<String> = links(&page(20, 10, 10, 10))
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    assert_eq!(rels, ["self", "first", "previous"]);
    // An offset that is not a multiple of the page size goes back no further than 0.
    assert_eq!(
        links(&page(25, 5, 10, 10))[2],
        ("previous".into(), url("name=Rivera&", 10, 0))
    );
}

#[test]
fn an_empty_result_has_a_total_of_zero_and_no_entries() {
    let b = searchset(
        BASE,
        "Patient",
        "",
        &SearchPage {
            total: 0,
            offset: 0,
            count: 50,
        },
        Vec::new(),
    );
    assert_eq!(b["total"], 0);
    assert!(b.get("entry").is_none(), "R4 forbids an empty entry array");
    assert_eq!(
        links(&b),
        vec![
            ("self".into(), format!("{BASE}/Patient?_count=50&_offset=0")),
            (
                "first".into(),
                format!("{BASE}/Patient?_count=50&_offset=0")
            )
        ]
    );
}

#[test]
fn a_count_of_zero_asks_for_the_total_only() {
    let b = searchset(
        BASE,
        "Patient",
        "",
        &SearchPage {
            total: 7,
            offset: 0,
            count: 0,
        },
        Vec::new(),
    );
    assert_eq!(b["total"], 7);
    assert!(links(&b).iter().all(|(r, _)| r != "next"));
}

#[test]
fn a_trailing_slash_on_the_base_does_not_double() {
    let b = searchset(
        "http://host/fhir/r4/",
        "Practitioner",
        "",
        &SearchPage {
            total: 1,
            offset: 0,
            count: 10,
        },
        vec![json!({"resourceType": "Practitioner", "id": "u1"})],
    );
    assert_eq!(
        b["entry"][0]["fullUrl"],
        "http://host/fhir/r4/Practitioner/u1"
    );
    assert_eq!(
        links(&b)[0].1,
        "http://host/fhir/r4/Practitioner?_count=10&_offset=0"
    );
}
