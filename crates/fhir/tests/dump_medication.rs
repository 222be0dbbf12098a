//! Sample MedicationRequests, DetectedIssues, a searchset of orders and the
//! refusal of a contraindicated order: checked here for what integrators
//! rely on and, when `TANDEM_FHIR_DUMP_DIR` is set, written there as one
//! JSON file each so an independent R4 validator can check them too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use std::path::PathBuf;
use tandem_core::ids::{ConditionId, DetectedIssueId, MedicationOrderId, PatientId, UserId};
use tandem_core::medication::prescription::OrderStatus;
use tandem_core::medication::{
    ContentTexts, Dose, Finding, FindingKind, Frequency, MedicationSafety, Route, RxCui, Severity,
};
use tandem_fhir::bundle::{SearchPage, searchset};
use tandem_fhir::capability::capability_statement;
use tandem_fhir::medication_request::{
    DetectedIssueView, DoseStepView, MedicationRequestView, contraindicated,
    detected_issue_to_json, medication_request_to_json, parse_medication_request,
};
use time::macros::{date, datetime};
use uuid::Uuid;

const PATIENT: PatientId = PatientId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001));
const DR: UserId = UserId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0101));
const ORDER: MedicationOrderId =
    MedicationOrderId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0201));
const OTHER: MedicationOrderId =
    MedicationOrderId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0202));
const ISSUE: DetectedIssueId =
    DetectedIssueId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0301));
const CONDITION: ConditionId =
    ConditionId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0401));

fn safety() -> MedicationSafety {
    MedicationSafety::parse(&ContentTexts {
        catalog: tandem_content::MEDICATION_CATALOG,
        interactions: tandem_content::MEDICATION_INTERACTIONS,
        dose_limits: tandem_content::MEDICATION_DOSE_LIMITS,
        prerequisites: tandem_content::MEDICATION_PREREQUISITES,
        take_home: tandem_content::MEDICATION_TAKE_HOME,
        settings: tandem_content::MEDICATION_SETTINGS,
        side_effects: tandem_content::MEDICATION_SIDE_EFFECTS,
    })
    .unwrap()
}

/// Sertraline 100 mg a day tapered to 50 and 25 mg, ending on 13 Dec.
fn taper() -> Value {
    let mg = |v| Dose::mg(v).unwrap();
    medication_request_to_json(&MedicationRequestView {
        id: ORDER,
        patient: PATIENT,
        drug: RxCui::new(36437).unwrap(),
        drug_name: "sertraline",
        route: Route::Oral,
        frequency: Frequency::TwiceDaily,
        sig: "Take one tablet by mouth twice a day",
        status: OrderStatus::Active,
        status_reason: None,
        steps: vec![
            DoseStepView {
                on: date!(2026 - 11 - 01),
                dose: mg(100.0),
            },
            DoseStepView {
                on: date!(2026 - 11 - 22),
                dose: mg(50.0),
            },
            DoseStepView {
                on: date!(2026 - 11 - 29),
                dose: mg(25.0),
            },
        ],
        end: Some(date!(2026 - 12 - 13)),
        prescriber: DR,
        prescriber_name: "Dr. Min Lee",
        indication: Some((
            CONDITION,
            "Major depressive disorder, single episode, moderate",
        )),
        issues: vec![ISSUE],
        authored: datetime!(2026-11-01 10:00 UTC),
        updated: datetime!(2026-11-22 09:00 UTC),
        version: 3,
    })
}

fn stopped() -> Value {
    medication_request_to_json(&MedicationRequestView {
        id: OTHER,
        patient: PATIENT,
        drug: RxCui::new(6470).unwrap(),
        drug_name: "lorazepam",
        route: Route::Sublingual,
        frequency: Frequency::AsNeeded,
        sig: "One tablet under the tongue when needed for panic, at most twice a day",
        status: OrderStatus::Stopped,
        status_reason: Some("no longer needed"),
        steps: vec![DoseStepView {
            on: date!(2026 - 10 - 01),
            dose: Dose::mg(1.0).unwrap(),
        }],
        end: Some(date!(2026 - 11 - 20)),
        prescriber: DR,
        prescriber_name: "",
        indication: None,
        issues: vec![],
        authored: datetime!(2026-10-01 10:00 UTC),
        updated: datetime!(2026-11-20 09:00 UTC),
        version: 2,
    })
}

fn issue(overridden: Option<&str>) -> Value {
    let drugs = vec!["phenelzine".to_string(), "sertraline".to_string()];
    detected_issue_to_json(&DetectedIssueView {
        id: ISSUE,
        patient: PATIENT,
        severity: if overridden.is_some() {
            Severity::Contraindicated
        } else {
            Severity::High
        },
        rule_id: "maoi_ssri_snri",
        kind: "interaction",
        drugs: &drugs,
        detail: "phenelzine with sertraline can cause serotonin syndrome.",
        advice: "Do not combine.",
        verified: true,
        implicated: &[ORDER, OTHER],
        override_reason: overridden,
        identified_by: DR,
        identified_at: datetime!(2026-11-22 09:00 UTC),
    })
}

fn finding() -> Finding {
    Finding {
        severity: Severity::Contraindicated,
        kind: FindingKind::Interaction,
        rule_id: "maoi_ssri_snri".into(),
        drugs: vec!["phenelzine".into(), "sertraline".into()],
        text: "phenelzine with sertraline can cause serotonin syndrome.".into(),
        advice: "Do not combine.".into(),
        source: "REFERENCE §5".into(),
        verified: true,
    }
}

fn samples() -> Vec<(&'static str, Value)> {
    let page = SearchPage {
        total: 2,
        offset: 0,
        count: 20,
    };
    vec![
        ("medication-request-taper", taper()),
        ("medication-request-stopped", stopped()),
        ("detected-issue-warning", issue(None)),
        (
            "detected-issue-overridden",
            issue(Some("switching under specialist supervision")),
        ),
        (
            "medication-request-searchset",
            searchset(
                "http://tandem.test/fhir/r4",
                "MedicationRequest",
                &format!("patient={PATIENT}&status=active"),
                &page,
                vec![taper(), stopped()],
            ),
        ),
        (
            "detected-issue-searchset",
            searchset(
                "http://tandem.test/fhir/r4",
                "DetectedIssue",
                &format!("patient={PATIENT}"),
                &SearchPage {
                    total: 1,
                    offset: 0,
                    count: 20,
                },
                vec![issue(None)],
            ),
        ),
        (
            "medication-request-refusal",
            contraindicated(&[finding()]).to_json(),
        ),
        (
            "capability-with-medications",
            capability_statement("1.2.3", datetime!(2026-11-22 17:00 UTC)),
        ),
    ]
}

#[test]
fn samples_are_written_for_the_r4_validator_when_asked() {
    let Some(dir) = std::env::var_os("TANDEM_FHIR_DUMP_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, v) in samples() {
        let text = serde_json::to_string_pretty(&v).unwrap();
        std::fs::write(dir.join(format!("{name}.json")), text).unwrap();
    }
}

/// A taper reads as its dated schedule: one sequenced dosage instruction
/// per step, each ending the day before the next, the last on the day
/// before the order ends; doses per administration for twice a day.
#[test]
fn a_taper_is_a_dated_schedule() {
    let v = taper();
    let d = v["dosageInstruction"].as_array().unwrap();
    assert_eq!(d.len(), 3);
    let bounds: Vec<Value> = d
        .iter()
        .map(|x| x["timing"]["repeat"]["boundsPeriod"].clone())
        .collect();
    assert_eq!(
        bounds,
        [
            json!({"start": "2026-11-01", "end": "2026-11-21"}),
            json!({"start": "2026-11-22", "end": "2026-11-28"}),
            json!({"start": "2026-11-29", "end": "2026-12-12"}),
        ]
    );
    let per_dose: Vec<Value> = d
        .iter()
        .map(|x| x["doseAndRate"][0]["doseQuantity"]["value"].clone())
        .collect();
    assert_eq!(per_dose, [json!(50), json!(25), json!(12.5)]);
    assert_eq!(d[0]["timing"]["repeat"]["frequency"], 2);
    assert_eq!(
        v["reasonReference"][0]["reference"],
        format!("Condition/{CONDITION}")
    );
    assert_eq!(
        v["detectedIssue"][0]["reference"],
        format!("DetectedIssue/{ISSUE}")
    );
    let s = stopped();
    assert_eq!(s["status"], "stopped");
    assert_eq!(s["statusReason"]["text"], "no longer needed");
    assert_eq!(s["dosageInstruction"][0]["asNeededBoolean"], true);
    assert!(s["requester"].get("display").is_none());
}

/// An overridden contraindication says so, with the reason; a warning has
/// no mitigation.
#[test]
fn an_override_is_the_mitigation() {
    let o = issue(Some("switching under specialist supervision"));
    assert_eq!(o["severity"], "high");
    assert!(
        o["code"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Contraindicated")
    );
    assert!(
        o["mitigation"][0]["action"]["text"]
            .as_str()
            .unwrap()
            .contains("switching under specialist supervision")
    );
    let w = issue(None);
    assert!(w.get("mitigation").is_none());
    assert!(
        w["detail"]
            .as_str()
            .unwrap()
            .contains("Advice: Do not combine.")
    );
    let refusal = contraindicated(&[finding()]);
    assert_eq!(refusal.status, 422);
    assert!(
        refusal.issues[0]
            .diagnostics
            .contains("phenelzine + sertraline")
    );
}

/// A posted order is read back as the order the check will see: the
/// daily dose is the dose per administration times the doses a day, an
/// alias code becomes its ingredient, and a reason names a Condition.
#[test]
fn a_posted_order_is_read_as_a_daily_dose() {
    let s = safety();
    let body = json!({
        "resourceType": "MedicationRequest", "status": "active", "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "42351"}]},
        "subject": {"reference": format!("Patient/{PATIENT}")},
        "reasonReference": [{"reference": format!("Condition/{CONDITION}")}],
        "dosageInstruction": [{"text": "300 mg three times a day",
            "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
            "route": {"text": "Oral"},
            "doseAndRate": [{"doseQuantity": {"value": 300, "system": "http://unitsofmeasure.org", "code": "mg"}}]}]
    });
    let p = parse_medication_request(
        body.to_string().as_bytes(),
        &s.catalog,
        date!(2026 - 11 - 22),
    )
    .unwrap();
    assert_eq!(p.patient, PATIENT);
    assert_eq!(p.order.drug.get(), 6448);
    assert_eq!(p.order.daily_dose.quantity.get(), 900.0);
    assert_eq!(p.order.frequency, Frequency::ThreeTimesDaily);
    assert_eq!(p.order.route, Route::Oral);
    assert_eq!(p.order.indication, Some(CONDITION));
    assert_eq!(p.order.start, date!(2026 - 11 - 22));

    let mut weekly = body.clone();
    weekly["dosageInstruction"][0]["timing"]["repeat"] =
        json!({"frequency": 5, "period": 1, "periodUnit": "wk"});
    let e = parse_medication_request(
        weekly.to_string().as_bytes(),
        &s.catalog,
        date!(2026 - 11 - 22),
    )
    .unwrap_err();
    assert_eq!(
        e.expressions(),
        ["MedicationRequest.dosageInstruction[0].timing.repeat"]
    );
}
