//! Measurement-based care over FHIR on both backends: QuestionnaireResponses
//! posted and read back, the score Observations and Flags they produce, and
//! every refusal naming its element and storing nothing. Every resource the
//! API emits here is also written to TANDEM_FHIR_DUMP_DIR (when set) for the
//! independent R4 validator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::fhir::*;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tandem_app::AuditFilter;
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use time::{Duration, OffsetDateTime};

const PHQ9: &str = "urn:tandem:questionnaire:phq9";
const PHQ9_TOTAL: &str = "http://loinc.org|44261-6";

impl Env {
    /// How many responses, observations and flags the patient has.
    async fn stored(&self, token: &str, patient: &str) -> (u64, u64, u64) {
        (
            self.get(token, &format!("QuestionnaireResponse?patient={patient}"))
                .await
                .total(),
            self.get(token, &format!("Observation?patient={patient}"))
                .await
                .total(),
            self.get(token, &format!("Flag?patient={patient}"))
                .await
                .total(),
        )
    }
}

fn coding(questionnaire: &str, code: &str) -> Value {
    json!({"valueCoding": {"system": format!("{questionnaire}:answer"), "code": code}})
}

/// A completed response to `questionnaire` with the given items.
fn response(questionnaire: &str, patient: &str, authored: &str, items: Vec<Value>) -> Value {
    json!({
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire,
        "status": "completed",
        "subject": {"reference": format!("Patient/{patient}")},
        "authored": authored,
        "item": items
    })
}

/// PHQ-9 items 1-9 answered with these codes.
fn phq9_items(codes: [u8; 9]) -> Vec<Value> {
    codes
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"linkId": (i + 1).to_string(), "answer": [coding(PHQ9, &c.to_string())]}))
        .collect()
}

/// PHQ-9 items adding up to `total` with item 9 at `item9`.
fn phq9_total(total: u8, item9: u8) -> Vec<Value> {
    let mut left = total - item9;
    let mut codes = [0u8; 9];
    codes[8] = item9;
    for slot in codes.iter_mut().take(8) {
        *slot = left.min(3);
        left -= *slot;
    }
    assert_eq!(left, 0);
    phq9_items(codes)
}

fn at(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn ids(resources: &[Value]) -> Vec<String> {
    resources
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// A PHQ-9 with item 9 positive: stored and read back, its total found by
/// LOINC code with the band label, "Suicide risk" raised, and ended by a
/// later PHQ-9 with item 9 "Not at all".
async fn phq9_item9_raises_and_clears_suicide_risk(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let pid = e.patient(&dr, "Rivera", Some("F")).await;

    let week_ago = at(NOW - Duration::days(7));
    let body = response(PHQ9, &pid, &week_ago, phq9_total(17, 1));
    let r = e
        .post(&dr, "QuestionnaireResponse", &body.to_string())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created = r.json();
    let rid = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        r.header("location").unwrap(),
        format!("http://tandem.test/fhir/r4/QuestionnaireResponse/{rid}")
    );
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/fhir+json")
    );
    assert_eq!(created["status"], "completed");
    assert_eq!(created["questionnaire"], PHQ9);
    assert_eq!(created["subject"]["reference"], format!("Patient/{pid}"));
    assert_eq!(created["authored"], "2026-11-15T09:00:00Z");
    assert!(
        created["author"]["reference"]
            .as_str()
            .unwrap()
            .starts_with("Practitioner/")
    );
    assert_eq!(created["meta"]["lastUpdated"], "2026-11-22T09:00:00Z");
    let item9 = &created["item"][8];
    assert_eq!(item9["linkId"], "9");
    assert_eq!(
        item9["answer"][0]["valueCoding"],
        json!({"system": "urn:tandem:questionnaire:phq9:answer", "code": "1", "display": "Several days"})
    );

    // Read back: the same resource.
    let r = e.get(&dr, &format!("QuestionnaireResponse/{rid}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), created);

    // The total, by system|code and by code alone.
    for code in [PHQ9_TOTAL, "44261-6"] {
        let r = e
            .get(&dr, &format!("Observation?patient={pid}&code={code}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.total(), 1, "{code}");
        let o = &r.entries()[0];
        assert_eq!(o["status"], "final");
        assert_eq!(o["category"][0]["coding"][0]["code"], "survey");
        assert_eq!(o["code"]["coding"][0]["system"], "http://loinc.org");
        assert_eq!(o["code"]["coding"][0]["code"], "44261-6");
        assert_eq!(o["valueInteger"], 17);
        assert_eq!(o["interpretation"][0]["text"], "Moderately severe");
        assert_eq!(
            o["derivedFrom"][0]["reference"],
            format!("QuestionnaireResponse/{rid}")
        );
        assert_eq!(o["effectiveDateTime"], "2026-11-15T09:00:00Z");
        assert_eq!(o["subject"]["reference"], format!("Patient/{pid}"));
    }
    // Another system's code of the same value finds nothing.
    let r = e
        .get(
            &dr,
            &format!("Observation?subject=Patient/{pid}&code=http://snomed.info/sct|44261-6"),
        )
        .await;
    assert_eq!(r.total(), 0);
    let r = e
        .get(&dr, &format!("Observation?patient={pid}&code=|44261-6"))
        .await;
    assert_eq!(r.total(), 0, "|code asks for a code without a system");
    // Read by id.
    let oid = ids(&e
        .get(&dr, &format!("Observation?patient={pid}"))
        .await
        .entries())[0]
        .clone();
    let r = e.get(&dr, &format!("Observation/{oid}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["valueInteger"], 17);

    // "Suicide risk" is active.
    let r = e
        .get(&dr, &format!("Flag?patient={pid}&status=active"))
        .await;
    assert_eq!(r.total(), 1);
    let flag = &r.entries()[0];
    assert_eq!(flag["code"]["text"], "Suicide risk");
    assert_eq!(flag["code"]["coding"][0]["code"], "suicide_risk");
    assert_eq!(flag["status"], "active");
    assert_eq!(flag["category"][0]["coding"][0]["code"], "clinical");
    assert_eq!(flag["period"]["start"], "2026-11-15T09:00:00Z");
    assert!(flag["period"].get("end").is_none());
    let fid = flag["id"].as_str().unwrap().to_string();

    // A later PHQ-9 with item 9 "Not at all" ends it.
    let body = response(PHQ9, &pid, &at(NOW), phq9_total(12, 0));
    let r = e
        .post(&dr, "QuestionnaireResponse", &body.to_string())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = e
        .get(&dr, &format!("Flag?patient={pid}&status=active"))
        .await;
    assert_eq!(r.total(), 0);
    let r = e
        .get(&dr, &format!("Flag?patient={pid}&status=inactive"))
        .await;
    assert_eq!(r.total(), 1);
    assert_eq!(r.entries()[0]["id"], fid);
    let r = e.get(&dr, &format!("Flag/{fid}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let flag = r.json();
    assert_eq!(flag["status"], "inactive");
    assert_eq!(flag["code"]["text"], "Suicide risk");
    assert_eq!(flag["period"]["end"], "2026-11-22T09:00:00Z");

    // Both responses, newest first; filtered by questionnaire.
    let r = e
        .get(&dr, &format!("QuestionnaireResponse?patient={pid}"))
        .await;
    assert_eq!(r.total(), 2);
    assert_eq!(r.entries()[1]["id"], rid.as_str());
    for q in [PHQ9, "Questionnaire/phq9"] {
        let r = e
            .get(
                &dr,
                &format!("QuestionnaireResponse?subject={pid}&questionnaire={q}"),
            )
            .await;
        assert_eq!(r.total(), 2, "{q}");
    }
    let r = e
        .get(
            &dr,
            &format!(
                "QuestionnaireResponse?patient={pid}&questionnaire=urn:tandem:questionnaire:gad7"
            ),
        )
        .await;
    assert_eq!(r.total(), 0);
    // Paging: one observation per page, with a next link.
    let r = e
        .get(&dr, &format!("Observation?patient={pid}&_count=1"))
        .await;
    assert_eq!((r.total(), r.entries().len()), (2, 1));
    let next = r.json()["link"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "next")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        next.contains("code=") || next.contains("patient="),
        "{next}"
    );
    let page2 = e.get(&dr, next.split("/fhir/r4/").nth(1).unwrap()).await;
    assert_eq!(page2.entries().len(), 1);
    assert_ne!(page2.entries()[0]["id"], r.entries()[0]["id"]);
}

/// A history posted in order with past `authored` times raises "Not
/// improving" at week 8 and clears it when the score falls; date searches
/// pick observations by when the patient answered.
async fn backloaded_history_raises_and_clears_not_improving(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let pid = e.patient(&dr, "Nguyen", Some("F")).await;
    let start = NOW - Duration::weeks(12);
    let post = async |week: i64, total: u8| {
        let body = response(
            PHQ9,
            &pid,
            &at(start + Duration::weeks(week)),
            phq9_total(total, 0),
        );
        let r = e
            .post(&dr, "QuestionnaireResponse", &body.to_string())
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "week {week}: {}", r.body);
    };
    let active = async || {
        e.get(&dr, &format!("Flag?patient={pid}&status=active"))
            .await
            .entries()
            .iter()
            .map(|f| f["code"]["text"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    post(0, 16).await;
    post(4, 15).await;
    assert!(active().await.is_empty());
    post(8, 14).await;
    assert_eq!(active().await, ["Not improving"]);
    post(10, 7).await;
    assert!(active().await.is_empty(), "a 50% drop is a response");
    let r = e
        .get(&dr, &format!("Flag?patient={pid}&status=inactive"))
        .await;
    let ended = &r.entries()[0];
    assert_eq!(ended["code"]["text"], "Not improving");
    assert_eq!(
        ended["period"]["start"],
        at(start + Duration::weeks(8)).replace("+00:00", "Z")
    );
    assert_eq!(
        ended["period"]["end"],
        at(start + Duration::weeks(10)).replace("+00:00", "Z")
    );

    // Dates: weeks 0, 4, 8, 10 fall on 2026-08-30, 09-27, 10-25, 11-08.
    let day = |week: i64| (start + Duration::weeks(week)).date().to_string();
    assert_eq!(day(4), "2026-09-27");
    let count = async |query: String| {
        let r = e
            .get(
                &dr,
                &format!("Observation?patient={pid}&code=44261-6&{query}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
        r.entries()
            .iter()
            .map(|o| o["valueInteger"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        count(format!("date=ge{}&date=le{}", day(4), day(8))).await,
        [14, 15]
    );
    assert_eq!(count(format!("date={}", day(4))).await, [15]);
    assert_eq!(count(format!("date=eq{}", day(4))).await, [15]);
    assert_eq!(count(format!("date=gt{}", day(8))).await, [7]);
    assert_eq!(count(format!("date=lt{}", day(4))).await, [16]);
    assert_eq!(count(format!("date=le{}", day(0))).await, [16]);
    assert!(count("date=ge2026-11-23".into()).await.is_empty());
    for bad in [
        "date=ne2026-09-27",
        "date=2026-09",
        "date=ge27/09/2026",
        "code=a,b",
        "colour=red",
    ] {
        let r = e
            .get(&dr, &format!("Observation?patient={pid}&{bad}"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.json()["resourceType"], "OperationOutcome");
    }
}

/// AUDIT-C for a patient whose sex is not recorded: the more sensitive
/// cut-off is used, and the interpretation says so.
async fn auditc_unknown_sex_says_which_cut_off(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let pid = e.patient(&dr, "Berg", None).await;
    let q = "urn:tandem:questionnaire:auditc";
    let items = (1..=3)
        .map(|i| json!({"linkId": i.to_string(), "answer": [coding(q, "1")]}))
        .collect();
    let body = response(q, &pid, &at(NOW), items);
    let r = e
        .post(&dr, "QuestionnaireResponse", &body.to_string())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = e
        .get(
            &dr,
            &format!("Observation?patient={pid}&code=http://loinc.org|75626-2"),
        )
        .await;
    let o = &r.entries()[0];
    assert_eq!(o["valueInteger"], 3);
    let text = o["interpretation"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("Positive"), "{text}");
    assert!(text.contains("more sensitive cut-off"), "{text}");
}

/// Scores as integers and yes/no as booleans are accepted where they name
/// one answer, and refused where they do not.
async fn integer_and_boolean_answers(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let pid = e.patient(&dr, "Haddad", Some("M")).await;

    let items: Vec<Value> = (1..=9)
        .map(|i| json!({"linkId": i.to_string(), "answer": [{"valueInteger": if i <= 3 { 2 } else { 0 }}]}))
        .collect();
    let r = e
        .post(
            &dr,
            "QuestionnaireResponse",
            &response(PHQ9, &pid, &at(NOW), items).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.json()["item"][0]["answer"][0]["valueCoding"]["display"],
        "More than half the days",
        "stored as the option's code"
    );
    let r = e
        .get(&dr, &format!("Observation?patient={pid}&code={PHQ9_TOTAL}"))
        .await;
    assert_eq!(r.entries()[0]["valueInteger"], 6);

    let cssrs = "urn:tandem:questionnaire:cssrs";
    let items = vec![
        json!({"linkId": "1", "answer": [{"valueBoolean": true}]}),
        json!({"linkId": "2", "answer": [{"valueBoolean": true}]}),
        json!({"linkId": "3", "answer": [{"valueBoolean": true}]}),
        json!({"linkId": "4", "answer": [{"valueBoolean": false}]}),
        json!({"linkId": "5", "answer": [{"valueInteger": 0}]}),
        json!({"linkId": "6", "answer": [coding(cssrs, "no")]}),
    ];
    let r = e
        .post(
            &dr,
            "QuestionnaireResponse",
            &response(cssrs, &pid, &at(NOW), items).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.json()["item"][2]["answer"][0]["valueCoding"]["code"],
        "yes"
    );
    // Moderate risk on the C-SSRS raises the flag.
    let r = e
        .get(&dr, &format!("Flag?patient={pid}&status=active"))
        .await;
    assert_eq!(r.entries()[0]["code"]["text"], "Suicide risk");

    let before = e.stored(&dr, &pid).await;
    let mut items = phq9_total(5, 1);
    items[1] = json!({"linkId": "2", "answer": [{"valueBoolean": true}]});
    items[2] = json!({"linkId": "3", "answer": [{"valueInteger": 7}]});
    items[3] = json!({"linkId": "4", "answer": [{"valueString": "sometimes"}]});
    let r = e
        .post(
            &dr,
            "QuestionnaireResponse",
            &response(PHQ9, &pid, &at(NOW), items).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let exprs = r.expressions();
    for item in ["2", "3", "4"] {
        let expr = format!("QuestionnaireResponse.item.where(linkId='{item}')");
        assert!(exprs.contains(&expr), "{expr} not in {exprs:?}");
    }
    assert_eq!(e.stored(&dr, &pid).await, before, "nothing stored");
}

/// Every refusal answers with an OperationOutcome naming the element, and
/// stores nothing: no response, score or flag.
async fn refusals_name_the_element_and_store_nothing(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let pid = e.patient(&dr, "Okafor", Some("F")).await;
    let now = at(NOW);
    // Item 9 positive throughout: had anything been stored, a flag would show.
    let good = response(PHQ9, &pid, &now, phq9_total(12, 2));
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        v.to_string()
    };
    let item = |id: &str| format!("QuestionnaireResponse.item.where(linkId='{id}')");
    let cases: Vec<(&str, String, StatusCode, Option<String>)> = vec![
        (
            "unknown linkId",
            with(&|v| {
                v["item"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"linkId": "11", "answer": [coding(PHQ9, "0")]}))
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(item("11")),
        ),
        (
            "answer not among the options",
            with(&|v| v["item"][2]["answer"][0] = coding(PHQ9, "4")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(item("3")),
        ),
        (
            "answer in another system",
            with(&|v| {
                v["item"][2]["answer"][0] =
                    json!({"valueCoding": {"system": "http://loinc.org", "code": "LA6569-3"}})
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(item("3")),
        ),
        (
            "required item missing",
            with(&|v| _ = v["item"].as_array_mut().unwrap().remove(8)),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(item("9")),
        ),
        (
            "required item without an answer",
            with(&|v| v["item"][8] = json!({"linkId": "9"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(item("9")),
        ),
        (
            "unknown questionnaire",
            with(&|v| v["questionnaire"] = json!("urn:tandem:questionnaire:phq99")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("QuestionnaireResponse.questionnaire".into()),
        ),
        (
            "no subject",
            with(&|v| _ = v.as_object_mut().unwrap().remove("subject")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("QuestionnaireResponse.subject".into()),
        ),
        (
            "subject not a patient",
            with(&|v| v["subject"] = json!({"reference": "Group/1"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("QuestionnaireResponse.subject.reference".into()),
        ),
        (
            "subject unknown",
            with(&|v| {
                v["subject"] = json!({"reference": "Patient/0192f000-0000-7000-8000-000000000000"})
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("QuestionnaireResponse.subject".into()),
        ),
        (
            "status not completed",
            with(&|v| v["status"] = json!("in-progress")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("QuestionnaireResponse.status".into()),
        ),
        (
            "status not a status",
            with(&|v| v["status"] = json!("finished")),
            StatusCode::BAD_REQUEST,
            Some("QuestionnaireResponse.status".into()),
        ),
        (
            "malformed JSON",
            "{\"resourceType\": \"QuestionnaireResponse\",".into(),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "wrong resourceType",
            with(&|v| v["resourceType"] = json!("Observation")),
            StatusCode::BAD_REQUEST,
            Some("QuestionnaireResponse.resourceType".into()),
        ),
        (
            "bad authored",
            with(&|v| v["authored"] = json!("22/11/2026 09:00")),
            StatusCode::BAD_REQUEST,
            Some("QuestionnaireResponse.authored".into()),
        ),
        (
            "authored without a time",
            with(&|v| v["authored"] = json!("2026-11-22")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("QuestionnaireResponse.authored".into()),
        ),
        (
            "authored missing",
            with(&|v| _ = v.as_object_mut().unwrap().remove("authored")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("QuestionnaireResponse.authored".into()),
        ),
        (
            "authored in the future",
            with(&|v| v["authored"] = json!("2026-11-23T09:00:00Z")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("QuestionnaireResponse.authored".into()),
        ),
        (
            "an item its skip rule leaves unasked",
            response(
                "urn:tandem:questionnaire:cssrs",
                &pid,
                &now,
                ["1", "2", "3", "6"]
                    .iter()
                    .zip(["yes", "no", "yes", "yes"])
                    .map(|(id, a)| {
                        json!({"linkId": id, "answer": [coding("urn:tandem:questionnaire:cssrs", a)]})
                    })
                    .collect(),
            )
            .to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(item("3")),
        ),
        (
            "unknown element",
            with(&|v| v["authoredOn"] = json!(now)),
            StatusCode::BAD_REQUEST,
            Some("QuestionnaireResponse.authoredOn".into()),
        ),
    ];
    for (what, body, status, expr) in cases {
        let r = e.post(&dr, "QuestionnaireResponse", &body).await;
        assert_eq!(r.status, status, "{what}: {}", r.body);
        let exprs = r.expressions();
        if let Some(expr) = expr {
            assert!(exprs.contains(&expr), "{what}: {expr} not in {exprs:?}");
        }
        assert_eq!(
            e.stored(&dr, &pid).await,
            (0, 0, 0),
            "{what}: stored something"
        );
    }
    // Every problem at once.
    let all = with(&|v| {
        v["status"] = json!("stopped");
        v["item"][0]["answer"][0] = coding(PHQ9, "9");
        v["item"][1]["answer"][0] = json!({"valueBoolean": true});
    });
    let r = e.post(&dr, "QuestionnaireResponse", &all).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.expressions(),
        ["QuestionnaireResponse.status", &item("1"), &item("2")]
    );
    // Only FHIR JSON is read.
    let auth = format!("Bearer {dr}");
    let r = e
        .send(
            Method::POST,
            "QuestionnaireResponse",
            &[("authorization", &auth), ("content-type", "text/plain")],
            good.to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.json()["resourceType"], "OperationOutcome");
    assert_eq!(e.stored(&dr, &pid).await, (0, 0, 0));
    // The same body, accepted, stores one of each.
    let r = e
        .post(&dr, "QuestionnaireResponse", &good.to_string())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(e.stored(&dr, &pid).await, (1, 1, 1));
}

/// Off the care team: 403 with an OperationOutcome, the denial audited, and
/// nothing stored or shown.
async fn off_the_care_team_is_refused_and_audited(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let t = e.token("t_kim", Role::Therapist).await;
    let desk = e.token("desk_amy", Role::FrontDesk).await;
    let auditor = e.token("audit_ray", Role::Auditor).await;
    let pid = e.patient(&dr, "Ito", Some("M")).await;
    let body = response(PHQ9, &pid, &at(NOW), phq9_total(20, 3)).to_string();

    for (who, token) in [("therapist off the team", &t), ("front desk", &desk)] {
        let r = e.post(token, "QuestionnaireResponse", &body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body);
        let v = r.json();
        assert_eq!(v["resourceType"], "OperationOutcome");
        assert_eq!(v["issue"][0]["code"], "forbidden");
    }
    assert_eq!(e.stored(&dr, &pid).await, (0, 0, 0));

    let caller = e.app.authenticate_bearer(&auditor).await.unwrap();
    let page = e
        .app
        .audit_view(
            &caller,
            &AuditFilter {
                patient: Some(pid.parse().unwrap()),
                action_prefix: Some("measure.record".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let denials: Vec<(&str, &str)> = page
        .entries
        .iter()
        .map(|x| (x.record.actor.as_str(), x.record.outcome.as_str()))
        .collect();
    assert!(denials.contains(&("t_kim", "denied")), "{denials:?}");
    assert!(denials.contains(&("desk_amy", "denied")), "{denials:?}");

    // What the team recorded stays out of reach, read or searched.
    let r = e.post(&dr, "QuestionnaireResponse", &body).await;
    let rid = r.json()["id"].as_str().unwrap().to_string();
    let oid = ids(&e
        .get(&dr, &format!("Observation?patient={pid}"))
        .await
        .entries())[0]
        .clone();
    let fid = ids(&e.get(&dr, &format!("Flag?patient={pid}")).await.entries())[0].clone();
    for path in [
        format!("QuestionnaireResponse/{rid}"),
        format!("Observation/{oid}"),
        format!("Flag/{fid}"),
        format!("QuestionnaireResponse?patient={pid}"),
        format!("Observation?patient={pid}"),
        format!("Flag?patient={pid}"),
    ] {
        let r = e.get(&t, &path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(r.json()["resourceType"], "OperationOutcome");
    }
}

/// Searches name their patient; unknown ids and parameters are refused.
async fn searches_and_reads_refuse_what_they_cannot_answer(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.token("dr_lee", Role::Prescriber).await;
    let pid = e.patient(&dr, "Paget", None).await;
    for path in [
        "QuestionnaireResponse".to_string(),
        "Observation?code=44261-6".to_string(),
        "Flag?status=active".to_string(),
        format!("Flag?patient={pid}&status=done"),
        format!("Flag?patient={pid}&category=clinical"),
        format!("QuestionnaireResponse?patient={pid}&questionnaire=phq9"),
        format!("QuestionnaireResponse?patient={pid}&author=x"),
        "Observation?patient=not-an-id".to_string(),
        format!("Observation?patient={pid}&subject=0192f000-0000-7000-8000-000000000000"),
    ] {
        let r = e.get(&dr, &path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert_eq!(r.json()["resourceType"], "OperationOutcome");
    }
    for path in [
        "QuestionnaireResponse/0192f000-0000-7000-8000-000000000000",
        "Observation/0192f000-0000-7000-8000-000000000000",
        "Flag/0192f000-0000-7000-8000-000000000000",
        "Flag/not-an-id",
    ] {
        let r = e.get(&dr, path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.json()["resourceType"], "OperationOutcome");
    }
    // Scores and flags are made by posting responses only (a posted
    // Observation is a lab result, and "{}" is not one).
    let auth = format!("Bearer {dr}");
    let r = e
        .send(
            Method::POST,
            "Observation",
            &[
                ("authorization", &auth),
                ("content-type", "application/fhir+json"),
            ],
            "{}".into(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.json()["resourceType"], "OperationOutcome");
    for (method, path) in [
        (Method::POST, "Flag"),
        (
            Method::DELETE,
            "QuestionnaireResponse/0192f000-0000-7000-8000-000000000000",
        ),
    ] {
        let r = e
            .send(
                method.clone(),
                path,
                &[
                    ("authorization", &auth),
                    ("content-type", "application/fhir+json"),
                ],
                "{}".into(),
            )
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(r.json()["resourceType"], "OperationOutcome");
    }
    // An empty result is still a Bundle, also for a patient who does not exist.
    let unknown = "0192f000-0000-7000-8000-000000000000";
    for path in [
        format!("Flag?subject=Patient/{pid}"),
        format!("Flag?patient={unknown}"),
        format!("Observation?patient={unknown}"),
        format!("QuestionnaireResponse?patient={unknown}"),
    ] {
        let r = e.get(&dr, &path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.total(), 0, "{path}");
    }
}

both_backends! {
    item9 => phq9_item9_raises_and_clears_suicide_risk;
    backloaded => backloaded_history_raises_and_clears_not_improving;
    auditc_unknown_sex => auditc_unknown_sex_says_which_cut_off;
    answer_types => integer_and_boolean_answers;
    refusals => refusals_name_the_element_and_store_nothing;
    off_team => off_the_care_team_is_refused_and_audited;
    bad_searches => searches_and_reads_refuse_what_they_cannot_answer;
}
