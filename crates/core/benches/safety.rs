//! How long the medication safety check takes for one order, for a patient
//! on 10 active medications.
//!
//! ```text
//! cargo bench -p tandem-core --bench safety
//! ```
//!
//! Two knowledge sets:
//! - `shipped`: the content files as they ship (93 catalog drugs, the rules
//!   of REFERENCE §5);
//! - `scaled`: the shipped files plus a generated catalog and rule set, so
//!   that there are 160 drugs and 320 rules. The shipped rule count is lower
//!   than the 300+ a clinic's list may reach, so the generated part measures
//!   how the check scales. Its drugs carry made-up codes from 900000001 up,
//!   far from real RxNorm codes, and exist only in this benchmark.
//!
//! Measurement is kept short (at most 2 s per case) because the machine is
//! shared with other builds.
//!
//! Medians on a shared 2-core machine: one check 2.1 µs on the shipped
//! content, 4.7–5.5 µs on the scaled set; reading and indexing all the
//! shipped files 0.66 ms (once, at start-up).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use divan::Bencher;
use std::fmt::Write;
use std::sync::OnceLock;
use std::time::Duration;
use tandem_core::medication::{
    ContentTexts, Dose, Frequency, MedStatus, MedicationSafety, OtherMedication, PatientContext,
    ProposedOrder, Route, RxCui, check,
};
use time::macros::date;

fn main() {
    divan::Divan::from_args()
        .min_time(Duration::from_millis(200))
        .max_time(Duration::from_secs(2))
        .main();
}

const TEXTS: ContentTexts<'static> = ContentTexts {
    catalog: tandem_content::MEDICATION_CATALOG,
    interactions: tandem_content::MEDICATION_INTERACTIONS,
    dose_limits: tandem_content::MEDICATION_DOSE_LIMITS,
    prerequisites: tandem_content::MEDICATION_PREREQUISITES,
    take_home: tandem_content::MEDICATION_TAKE_HOME,
    settings: tandem_content::MEDICATION_SETTINGS,
    side_effects: tandem_content::MEDICATION_SIDE_EFFECTS,
};

const SYNTHETIC_DRUGS: usize = 67;
const CLASSES: [&str; 8] = [
    "ssri",
    "snri",
    "benzodiazepine",
    "opioid_agonist",
    "atypical_antipsychotic",
    "nsaid",
    "antibiotic",
    "mood_stabilizer",
];
const PROPERTIES: [&str; 4] = [
    "serotonergic",
    "qt_prolonging",
    "cns_depressant",
    "cyp3a4_inducer",
];

/// "syn_" and the number in letters: catalog ids are letters and underscores.
fn synthetic_id(n: usize) -> String {
    let mut s = String::from("syn_");
    let mut n = n;
    loop {
        s.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            break;
        }
    }
    s
}

struct Scaled {
    catalog: String,
    interactions: String,
}

/// The shipped files plus generated drugs and rules, deterministic.
fn scaled_texts(shipped_rules: usize) -> Scaled {
    let mut catalog = String::from(TEXTS.catalog);
    for n in 0..SYNTHETIC_DRUGS {
        let _ = write!(
            catalog,
            "\n[[drugs]]\nid = \"{}\"\nname = \"{}\"\nrxcui = {}\nrxcui_source = \"benchmark only\"\nclass = \"{}\"\nproperties = [\"{}\"]\nfacts_source = \"benchmark only\"\n",
            synthetic_id(n),
            synthetic_id(n),
            900_000_001 + n,
            CLASSES[n % CLASSES.len()],
            PROPERTIES[n % PROPERTIES.len()],
        );
    }
    let mut interactions = String::from(TEXTS.interactions);
    let extra = 320 - shipped_rules;
    for k in 0..extra {
        let a = synthetic_id(k % SYNTHETIC_DRUGS);
        let b = synthetic_id((k * 7 + 3) % SYNTHETIC_DRUGS);
        let side_b = match k % 3 {
            0 if a != b => format!("{{ drugs = [\"{b}\"], washout_days = 14 }}"),
            1 => format!("{{ classes = [\"{}\"] }}", CLASSES[k % CLASSES.len()]),
            _ => format!(
                "{{ properties = [\"{}\"] }}",
                PROPERTIES[k % PROPERTIES.len()]
            ),
        };
        let _ = write!(
            interactions,
            "\n[[rules]]\nid = \"synthetic_{k}\"\na = {{ drugs = [\"{a}\"] }}\nb = {side_b}\nseverity = \"moderate\"\nreason = \"benchmark only\"\nadvice = \"benchmark only\"\nsource = \"benchmark only\"\n"
        );
    }
    Scaled {
        catalog,
        interactions,
    }
}

fn shipped() -> &'static MedicationSafety {
    static S: OnceLock<MedicationSafety> = OnceLock::new();
    S.get_or_init(|| MedicationSafety::parse(&TEXTS).unwrap())
}

fn scaled() -> &'static MedicationSafety {
    static S: OnceLock<MedicationSafety> = OnceLock::new();
    S.get_or_init(|| {
        let texts = scaled_texts(shipped().interactions.rules().len());
        let mut t = TEXTS;
        t.catalog = &texts.catalog;
        t.interactions = &texts.interactions;
        let s = MedicationSafety::parse(&t).unwrap();
        assert_eq!(s.catalog.len(), 93 + SYNTHETIC_DRUGS);
        assert_eq!(s.interactions.rules().len(), 320);
        s
    })
}

fn code(s: &MedicationSafety, id: &str) -> RxCui {
    s.catalog.drug(s.catalog.by_id(id).unwrap()).rxcui
}

/// Ten medications that interact with the order and with each other, one
/// of them stopped recently so its washout is counted.
fn patient(s: &MedicationSafety, extra: &[&str]) -> PatientContext {
    let mut ids = vec![
        "phenelzine",
        "lorazepam",
        "lithium",
        "ibuprofen",
        "tramadol",
        "citalopram",
        "cimetidine",
        "ondansetron",
    ];
    ids.extend_from_slice(extra);
    ids.truncate(9);
    let mut medications: Vec<OtherMedication> = ids
        .iter()
        .map(|id| OtherMedication {
            drug: code(s, id),
            status: MedStatus::Active,
        })
        .collect();
    medications.push(OtherMedication {
        drug: code(s, "fluoxetine"),
        status: MedStatus::Stopped {
            on: date!(2026 - 02 - 20),
        },
    });
    assert_eq!(medications.len(), 10);
    PatientContext {
        age_years: 64,
        medications,
        ..PatientContext::default()
    }
}

fn order(s: &MedicationSafety, id: &str) -> ProposedOrder {
    ProposedOrder {
        drug: code(s, id),
        daily_dose: Dose::mg(50.0).unwrap(),
        route: Route::Oral,
        frequency: Frequency::OnceDaily,
        start: date!(2026 - 03 - 02),
        first_dose_at: None,
        cross_taper_documented: false,
        first_day: None,
        induction: None,
    }
}

#[divan::bench]
fn check_shipped_10_medications(b: Bencher) {
    let s = shipped();
    let p = patient(s, &["clozapine"]);
    let o = order(s, "sertraline");
    let r = check(s, &o, &p);
    assert!(r.stops_order());
    b.bench(|| {
        check(
            divan::black_box(s),
            divan::black_box(&o),
            divan::black_box(&p),
        )
    });
}

#[divan::bench]
fn check_scaled_10_medications(b: Bencher) {
    let s = scaled();
    let p = patient(s, &["syn_b"]);
    // syn_a is on side a of every 77th generated rule and matches classes
    // and properties of many others.
    let o = order(s, "syn_a");
    b.bench(|| {
        check(
            divan::black_box(s),
            divan::black_box(&o),
            divan::black_box(&p),
        )
    });
}

#[divan::bench]
fn check_scaled_methadone(b: Bencher) {
    let s = scaled();
    let p = patient(s, &["syn_d"]);
    let o = order(s, "methadone");
    b.bench(|| {
        check(
            divan::black_box(s),
            divan::black_box(&o),
            divan::black_box(&p),
        )
    });
}

#[divan::bench]
fn load_shipped_content(b: Bencher) {
    b.bench(|| MedicationSafety::parse(divan::black_box(&TEXTS)).unwrap());
}
