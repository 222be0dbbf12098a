//! Posted QuestionnaireResponses read against the shipped instruments:
//! every accepted answer form, every refusal naming its element, all
//! problems at once; and stored responses, scores and flags as R4 JSON.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tandem_core::flag::FlagKind;
use tandem_core::ids::{FlagId, ObservationId, ResponseId, UserId};
use tandem_core::instrument::{Library, ResponseError};
use tandem_fhir::flag::{FlagView, flag_to_json};
use tandem_fhir::observation::{ObservationView, observation_to_json};
use tandem_fhir::questionnaire_response::{
    ParsedResponse, ResponseView, item_expression, parse_questionnaire_response, response_to_json,
    scoring_problems,
};
use time::macros::datetime;
use uuid::Uuid;

const PATIENT: &str = "0192f000-0000-7000-8000-000000000001";

fn library() -> Library {
    Library::from_files(tandem_content::INSTRUMENTS.iter().copied()).unwrap()
}

fn coding(q: &str, code: &str) -> Value {
    json!({"valueCoding": {"system": format!("urn:tandem:questionnaire:{q}:answer"), "code": code}})
}

fn phq9_items(codes: [&str; 9]) -> Vec<Value> {
    codes
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"linkId": (i + 1).to_string(), "answer": [coding("phq9", c)]}))
        .collect()
}

fn response(questionnaire: &str, items: Vec<Value>) -> Value {
    json!({
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire,
        "status": "completed",
        "subject": {"reference": format!("Patient/{PATIENT}")},
        "authored": "2026-11-22T10:30:00-05:00",
        "item": items
    })
}

fn parse(v: &Value) -> Result<ParsedResponse, tandem_fhir::FhirError> {
    parse_questionnaire_response(v.to_string().as_bytes(), &library())
}

fn refused(v: &Value) -> (u16, Vec<String>) {
    let e = parse(v).expect_err(&v.to_string());
    (
        e.status,
        e.expressions().into_iter().map(str::to_string).collect(),
    )
}

#[test]
fn a_phq9_in_codings_is_read() {
    let v = response(
        "urn:tandem:questionnaire:phq9",
        phq9_items(["2", "2", "2", "2", "2", "2", "2", "2", "1"]),
    );
    let r = parse(&v).unwrap();
    assert_eq!(r.instrument, "phq9");
    assert_eq!(r.patient.to_string(), PATIENT);
    assert_eq!(r.authored, datetime!(2026-11-22 15:30 UTC));
    assert_eq!(r.answers.len(), 9);
    assert_eq!(r.answers["9"], "1");
    // The relative reference to the Questionnaire works too.
    let v = response(
        "Questionnaire/phq9",
        phq9_items(["0", "0", "0", "0", "0", "0", "0", "0", "0"]),
    );
    assert_eq!(parse(&v).unwrap().instrument, "phq9");
}

#[test]
fn integers_name_the_option_with_that_score_and_booleans_answer_yes_no_items() {
    let mut items = phq9_items(["0", "0", "0", "0", "0", "0", "0", "0", "0"]);
    items[2] = json!({"linkId": "3", "answer": [{"valueInteger": 3}]});
    let r = parse(&response("urn:tandem:questionnaire:phq9", items)).unwrap();
    assert_eq!(r.answers["3"], "3");

    let cssrs = response(
        "urn:tandem:questionnaire:cssrs",
        vec![
            json!({"linkId": "1", "answer": [{"valueBoolean": true}]}),
            json!({"linkId": "2", "answer": [{"valueBoolean": false}]}),
            json!({"linkId": "6", "answer": [coding("cssrs", "no")]}),
        ],
    );
    let r = parse(&cssrs).unwrap();
    assert_eq!(r.answers["1"], "yes");
    assert_eq!(r.answers["2"], "no");
    assert_eq!(r.answers["6"], "no");
}

#[test]
fn groups_and_items_nested_in_answers_are_flattened() {
    let v = response(
        "urn:tandem:questionnaire:cssrs",
        vec![json!({"linkId": "screen", "item": [
            {"linkId": "1", "answer": [coding("cssrs", "yes")]},
            {"linkId": "2", "answer": [{"valueCoding": {"code": "yes"}, "item": [
                {"linkId": "3", "answer": [coding("cssrs", "no")]},
                {"linkId": "4", "answer": [coding("cssrs", "no")]},
                {"linkId": "5", "answer": [coding("cssrs", "no")]}
            ]}]},
            {"linkId": "6", "answer": [coding("cssrs", "no")]}
        ]})],
    );
    let r = parse(&v).unwrap();
    assert_eq!(r.answers.len(), 6);
    assert_eq!(
        r.item_expression("3"),
        "QuestionnaireResponse.item.where(linkId='screen').item.where(linkId='2').answer[0].item.where(linkId='3')"
    );
    assert_eq!(r.item_expression("6b"), item_expression("6b"));
}

#[test]
fn every_item_problem_is_reported_at_once_naming_the_item() {
    let mut items = phq9_items(["0", "0", "0", "0", "0", "0", "0", "0", "0"]);
    items[2] = json!({"linkId": "3", "answer": [coding("phq9", "4")]});
    items[3] = json!({"linkId": "4", "answer": [{"valueString": "often"}]});
    items[4] = json!({"linkId": "5", "answer": [{"valueBoolean": true}]});
    items[5] = json!({"linkId": "6", "answer": [{"valueInteger": 7}]});
    items[6] = json!({"linkId": "7", "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6568-5"}}]});
    items[7] = json!({"linkId": "8", "answer": [coding("phq9", "0"), coding("phq9", "1")]});
    items.push(json!({"linkId": "11", "answer": [coding("phq9", "0")]}));
    let (status, exprs) = refused(&response("urn:tandem:questionnaire:phq9", items));
    assert_eq!(status, 422);
    for item in ["3", "4", "5", "6", "7", "11"] {
        assert!(
            exprs.contains(&item_expression(item)),
            "{item} not named in {exprs:?}"
        );
    }
    assert!(exprs.contains(&format!("{}.answer", item_expression("8"))));
}

/// An instrument whose options share a score, so a number is ambiguous.
const SHARED_SCORES: &str = r#"
id = "shared"
name = "Shared"
title = "Options sharing a score"
sources = ["test"]
[licence]
status = "free"
text = "test"
[[answer_sets]]
id = "s"
options = [
  { code = "a", label = "A", score = 0 },
  { code = "b", label = "B", score = 1 },
  { code = "c", label = "C", score = 1 },
]
[[items]]
id = "1"
text = "One"
answers = "s"
[total]
min = 0
max = 1
"#;

#[test]
fn integers_that_do_not_name_one_option_are_refused() {
    let lib = Library::from_files([("shared.toml", SHARED_SCORES)]).unwrap();
    let with = |n: i64| {
        response(
            "urn:tandem:questionnaire:shared",
            vec![json!({"linkId": "1", "answer": [{"valueInteger": n}]})],
        )
        .to_string()
    };
    let ok = parse_questionnaire_response(with(0).as_bytes(), &lib).unwrap();
    assert_eq!(ok.answers["1"], "a");
    for (n, says) in [(1, "several answers score 1"), (2, "no answer scores 2")] {
        let e = parse_questionnaire_response(with(n).as_bytes(), &lib).unwrap_err();
        assert_eq!(e.status, 422);
        assert_eq!(e.expressions(), vec![item_expression("1")]);
        assert!(e.issues[0].diagnostics.contains(says), "{e}");
    }
}

#[test]
fn the_resource_level_elements_are_checked() {
    let good = response(
        "urn:tandem:questionnaire:phq9",
        phq9_items(["0", "0", "0", "0", "0", "0", "0", "0", "0"]),
    );
    let with = |f: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut v = good.clone();
        f(v.as_object_mut().unwrap());
        v
    };
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            with(&|o| _ = o.insert("status".into(), json!("in-progress"))),
            422,
            "QuestionnaireResponse.status",
        ),
        (
            with(&|o| _ = o.insert("status".into(), json!("done"))),
            400,
            "QuestionnaireResponse.status",
        ),
        (
            with(&|o| _ = o.remove("status")),
            400,
            "QuestionnaireResponse.status",
        ),
        (
            with(&|o| {
                _ = o.insert(
                    "questionnaire".into(),
                    json!("urn:tandem:questionnaire:phq99"),
                )
            }),
            422,
            "QuestionnaireResponse.questionnaire",
        ),
        (
            with(&|o| _ = o.remove("questionnaire")),
            422,
            "QuestionnaireResponse.questionnaire",
        ),
        (
            with(&|o| _ = o.remove("subject")),
            422,
            "QuestionnaireResponse.subject",
        ),
        (
            with(&|o| _ = o.insert("subject".into(), json!({"reference": "Group/1"}))),
            422,
            "QuestionnaireResponse.subject.reference",
        ),
        (
            with(&|o| _ = o.insert("subject".into(), json!({"reference": "Patient/12"}))),
            422,
            "QuestionnaireResponse.subject.reference",
        ),
        (
            with(&|o| _ = o.insert("subject".into(), json!({"display": "Ana"}))),
            422,
            "QuestionnaireResponse.subject.reference",
        ),
        (
            with(&|o| _ = o.remove("authored")),
            422,
            "QuestionnaireResponse.authored",
        ),
        (
            with(&|o| _ = o.insert("authored".into(), json!("2026-11-22"))),
            422,
            "QuestionnaireResponse.authored",
        ),
        (
            with(&|o| _ = o.insert("authored".into(), json!("22/11/2026 10:30"))),
            400,
            "QuestionnaireResponse.authored",
        ),
        (
            with(&|o| _ = o.insert("authored".into(), json!(20261122))),
            400,
            "QuestionnaireResponse.authored",
        ),
        (
            with(&|o| _ = o.insert("resourceType".into(), json!("Observation"))),
            400,
            "QuestionnaireResponse.resourceType",
        ),
        (
            with(&|o| _ = o.insert("authoredOn".into(), json!("x"))),
            400,
            "QuestionnaireResponse.authoredOn",
        ),
        (
            with(&|o| {
                _ = o.insert(
                    "modifierExtension".into(),
                    json!([{"url": "urn:x", "valueBoolean": true}]),
                )
            }),
            422,
            "QuestionnaireResponse.modifierExtension",
        ),
        (
            with(&|o| _ = o.insert("item".into(), json!({"linkId": "1"}))),
            400,
            "QuestionnaireResponse.item",
        ),
    ];
    for (v, status, expr) in cases {
        let (got, exprs) = refused(&v);
        assert_eq!(got, status, "{expr}: {exprs:?}");
        assert!(exprs.iter().any(|e| e == expr), "{expr} not in {exprs:?}");
    }
    // Several resource-level problems come back together.
    let (status, exprs) = refused(&with(&|o| {
        o.remove("subject");
        o.insert("status".into(), json!("stopped"));
        o.insert("authored".into(), json!("2026"));
    }));
    assert_eq!(status, 422);
    assert_eq!(exprs.len(), 3, "{exprs:?}");
    // Not JSON, not an object.
    for body in ["{not json", "[1, 2]", "null"] {
        let e = parse_questionnaire_response(body.as_bytes(), &library()).unwrap_err();
        assert_eq!(e.status, 400);
        assert_eq!(e.to_json()["resourceType"], "OperationOutcome");
    }
}

#[test]
fn item_shape_problems_name_the_element() {
    let v = response(
        "urn:tandem:questionnaire:phq9",
        vec![
            json!({"answer": [coding("phq9", "0")]}),
            json!({"linkId": "2", "answer": [{"valueCoding": "0"}]}),
            json!({"linkId": "3", "answer": [{"valueCodin": {"code": "0"}}]}),
            json!({"linkId": "4", "answer": [{"valueInteger": 1, "valueBoolean": true}]}),
            json!({"linkId": "5", "colour": "red", "answer": [coding("phq9", "0")]}),
        ],
    );
    let (status, exprs) = refused(&v);
    assert_eq!(status, 400);
    for expected in [
        "QuestionnaireResponse.item[0].linkId",
        "QuestionnaireResponse.item.where(linkId='2').answer[0].valueCoding",
        "QuestionnaireResponse.item.where(linkId='3').answer[0].valueCodin",
        "QuestionnaireResponse.item.where(linkId='4').answer[0]",
        "QuestionnaireResponse.item.where(linkId='5').colour",
    ] {
        assert!(
            exprs.iter().any(|e| e == expected),
            "{expected} not in {exprs:?}"
        );
    }
}

#[test]
fn link_ids_are_quoted_as_fhirpath_strings() {
    assert_eq!(
        item_expression("it's"),
        "QuestionnaireResponse.item.where(linkId='it\\'s')"
    );
}

#[test]
fn scoring_problems_name_the_item_where_it_was_sent() {
    let v = response(
        "urn:tandem:questionnaire:cssrs",
        vec![json!({"linkId": "g", "item": [
            {"linkId": "1", "answer": [coding("cssrs", "no")]},
            {"linkId": "3", "answer": [coding("cssrs", "no")]}
        ]})],
    );
    let parsed = parse(&v).unwrap();
    let e = scoring_problems(
        &[
            ResponseError::Missing { item: "2".into() },
            ResponseError::NotAsked {
                item: "3".into(),
                because: "item \"2\" is \"yes\"".into(),
            },
        ],
        Some(&parsed),
    );
    assert_eq!(e.status, 422);
    assert_eq!(
        e.expressions(),
        vec![
            "QuestionnaireResponse.item.where(linkId='2')",
            "QuestionnaireResponse.item.where(linkId='g').item.where(linkId='3')",
        ]
    );
    assert_eq!(e.to_json()["issue"][0]["code"], "required");
}

#[test]
fn a_stored_response_shows_its_answers_with_their_labels() {
    let lib = library();
    let phq9 = lib.get("phq9").unwrap();
    let answers: BTreeMap<String, String> = (1..=9)
        .map(|i| (i.to_string(), if i == 9 { "1" } else { "2" }.to_string()))
        .collect();
    let id = ResponseId(Uuid::from_u128(5));
    let by = UserId(Uuid::from_u128(6));
    let v = response_to_json(&ResponseView {
        id,
        patient: PATIENT.parse().unwrap(),
        instrument_id: "phq9",
        instrument: Some(phq9),
        authored: datetime!(2026-11-22 15:30 UTC),
        answers: &answers,
        recorded_by: Some(by),
        recorded_at: datetime!(2026-11-22 16:00 UTC),
    });
    assert_eq!(v["resourceType"], "QuestionnaireResponse");
    assert_eq!(v["questionnaire"], "urn:tandem:questionnaire:phq9");
    assert_eq!(v["status"], "completed");
    assert_eq!(v["subject"]["reference"], format!("Patient/{PATIENT}"));
    assert_eq!(v["author"]["reference"], format!("Practitioner/{by}"));
    assert_eq!(v["authored"], "2026-11-22T15:30:00Z");
    assert_eq!(v["meta"]["lastUpdated"], "2026-11-22T16:00:00Z");
    let items = v["item"].as_array().unwrap();
    let ids: Vec<&str> = items
        .iter()
        .map(|i| i["linkId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    assert_eq!(
        items[8]["answer"][0]["valueCoding"],
        json!({"system": "urn:tandem:questionnaire:phq9:answer", "code": "1", "display": "Several days"})
    );
    // What it shows parses back to the same answers.
    let back = parse_questionnaire_response(v.to_string().as_bytes(), &lib).unwrap();
    assert_eq!(back.answers, answers);
    assert_eq!(back.authored, datetime!(2026-11-22 15:30 UTC));
}

#[test]
fn a_score_is_a_final_survey_observation_derived_from_its_response() {
    let v = observation_to_json(&ObservationView {
        id: ObservationId(Uuid::from_u128(1)),
        patient: PATIENT.parse().unwrap(),
        response: ResponseId(Uuid::from_u128(2)),
        system: "http://loinc.org",
        code: "44261-6",
        display: "PHQ-9 total score",
        value: 17,
        effective: datetime!(2026-11-22 15:30 UTC),
        interpretation: Some("Moderately severe"),
    });
    assert_eq!(v["status"], "final");
    assert_eq!(v["category"][0]["coding"][0]["code"], "survey");
    assert_eq!(v["code"]["coding"][0]["code"], "44261-6");
    assert_eq!(v["valueInteger"], 17);
    assert_eq!(v["effectiveDateTime"], "2026-11-22T15:30:00Z");
    assert_eq!(v["interpretation"], json!([{"text": "Moderately severe"}]));
    assert_eq!(
        v["derivedFrom"][0]["reference"],
        format!("QuestionnaireResponse/{}", ResponseId(Uuid::from_u128(2)))
    );
}

#[test]
fn a_flag_says_its_kind_in_exactly_the_agreed_words() {
    for kind in FlagKind::ALL {
        let v = flag_to_json(&FlagView {
            id: FlagId(Uuid::from_u128(3)),
            patient: PATIENT.parse().unwrap(),
            kind,
            active: false,
            period_start: datetime!(2026-11-01 10:00 UTC),
            period_end: Some(datetime!(2026-11-22 10:00 UTC)),
            updated_at: datetime!(2026-11-22 10:00 UTC),
            version: 2,
        });
        assert_eq!(v["code"]["text"], kind.text());
        assert_eq!(v["code"]["coding"][0]["code"], kind.as_str());
        assert_eq!(v["status"], "inactive");
        assert_eq!(v["category"][0]["coding"][0]["code"], "clinical");
        assert_eq!(v["period"]["end"], "2026-11-22T10:00:00Z");
        assert_eq!(v["meta"]["versionId"], "2");
    }
}

proptest! {
    /// Any JSON shaped roughly like a response is read or refused, never a
    /// panic, and a refusal always says something.
    #[test]
    fn arbitrary_items_never_panic(
        link in "[0-9a-z']{0,3}",
        code in "[0-9a-z]{0,3}",
        n in any::<i64>(),
        b in any::<bool>(),
        pick in 0usize..5,
    ) {
        let answer = match pick {
            0 => json!({"valueCoding": {"code": code}}),
            1 => json!({"valueInteger": n}),
            2 => json!({"valueBoolean": b}),
            3 => json!({"valueString": code}),
            _ => json!({}),
        };
        for q in ["urn:tandem:questionnaire:phq9", "urn:tandem:questionnaire:cssrs", "Questionnaire/auditc"] {
            let v = response(q, vec![json!({"linkId": link, "answer": [answer.clone()]})]);
            if let Err(e) = parse(&v) {
                prop_assert!(!e.issues.is_empty());
            }
        }
    }
}
