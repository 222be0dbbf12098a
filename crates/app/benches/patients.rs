//! Registering and searching patients through [`App`], each beside a
//! baseline of bare SQL doing the core storage work, on SQLite and on
//! PostgreSQL, so the figures read as "what the app adds over the database".
//!
//! ```text
//! cargo bench -p tandem-app --bench patients            # both backends
//! cargo bench -p tandem-app --bench patients -- sqlite  # one of them
//! ```
//!
//! PostgreSQL comes from `tandem_testkit` (a throwaway cluster, or
//! `TANDEM_TEST_DATABASE_URL`). docs/performance.md explains the figures.

// A bench that cannot set itself up has nothing to measure, so failing loudly
// with the reason is the right response.
#![allow(clippy::expect_used)]

mod support;

use divan::Bencher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tandem_app::{App, Caller, Store};
use tandem_core::clock::FixedClock;
use tandem_core::ids::{DEFAULT_ORG, PatientId};
use tandem_core::mrn::Mrn;
use tandem_core::patient::{
    Address, AdministrativeGender, Demographics, EmergencyContact, PatientQuery, SexAtBirth,
};
use tandem_testkit::{Backend, TestDb};
use time::macros::datetime;
use time::{Date, Duration, Month};
use uuid::Uuid;

/// Patients in the clinic before anything is measured, so a search walks an
/// index and sorts a result set of a realistic size.
const SEEDED: u64 = 2_000;
/// Under `cargo test --benches` each bench runs once; a small clinic with
/// every name in it will do.
const SEEDED_WHEN_TESTING: u64 = 200;
/// A FHIR search page (the API's default `_count`).
const PAGE: u32 = 20;

/// Seeded patients: every family name is shared by about 100 of them, every
/// given name by about 200.
const FAMILIES: [&str; 20] = [
    "Garcia",
    "Nguyen",
    "Smith",
    "Johnson",
    "Martinez",
    "Kim",
    "Patel",
    "Brown",
    "Lopez",
    "Williams",
    "Chen",
    "Davis",
    "Hernandez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Okafor",
    "Jackson",
    "Rossi",
    "Walker",
];
const GIVEN: [&str; 10] = [
    "Ana", "Luis", "Maria", "James", "Mei", "Omar", "Sofia", "David", "Priya", "Samuel",
];
/// What the search benches look for, in turn: a family prefix, a short prefix
/// that hits family and given names alike, a whole given name, and so on.
const SEARCHES: [&str; 4] = ["gar", "ma", "sofia", "ngu"];

/// Patients the create benches add. None of their names starts with a search
/// term, so the search benches that run after them see the seeded clinic only.
const NEW_FAMILIES: [&str; 6] = ["Quispe", "Yilmaz", "Eze", "Varga", "Bauer", "Ueda"];
const NEW_GIVEN: [&str; 6] = ["Ravi", "Beatriz", "Kofi", "Ingrid", "Pablo", "Yuki"];

/// The same columns `tandem_store::patients::insert` writes.
const RAW_INSERT: &str = "INSERT INTO patients (org_id, id, mrn, family_name, given_names, preferred_name, \
     birth_date, sex_at_birth, gender, gender_identity, pronouns, preferred_language, phone, address_line, city, \
     state, postal_code, emergency_name, emergency_relationship, emergency_phone, version, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22)";

/// A name-prefix search through the token index, one page, in the order the
/// app sorts by. A semi-join rather than a plain join: a patient whose family
/// and given names both start with the prefix must come back once.
const RAW_SEARCH: &str = "SELECT p.id, p.mrn, p.family_name, p.given_names, p.preferred_name, p.birth_date, \
     p.sex_at_birth, p.gender, p.gender_identity, p.pronouns, p.preferred_language, p.phone, p.address_line, p.city, \
     p.state, p.postal_code, p.emergency_name, p.emergency_relationship, p.emergency_phone, p.version, p.created_at, \
     p.updated_at FROM patients p WHERE p.org_id = $1 AND p.id IN (SELECT t.patient_id FROM patient_name_tokens t \
     WHERE t.org_id = $1 AND t.token >= $2 AND t.token < $3) \
     ORDER BY lower(p.family_name), lower(p.given_names), p.id LIMIT $4";

/// MRNs of raw rows start far above anything the app's counter reaches here.
const RAW_MRN_BASE: i64 = 10_000_000;

fn main() {
    divan::main();
    // Statics are never dropped, so the databases are removed here.
    for fx in [SQLITE.get(), POSTGRES.get()].into_iter().flatten() {
        fx.finish();
    }
}

/// One backend's clinic, built on first use and shared by its benches.
struct Fixture {
    rt: tokio::runtime::Runtime,
    db: TestDb,
    app: App,
    clock: Arc<FixedClock>,
    caller: Caller,
    /// Numbers the patients the create benches make.
    made: AtomicU64,
    /// Turns through [`SEARCHES`].
    searched: AtomicU64,
}

static SQLITE: OnceLock<Fixture> = OnceLock::new();
static POSTGRES: OnceLock<Fixture> = OnceLock::new();

fn fixture(backend: Backend) -> &'static Fixture {
    let cell = match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    };
    cell.get_or_init(|| Fixture::new(backend))
}

impl Fixture {
    fn new(backend: Backend) -> Fixture {
        let rt = support::runtime();
        let clock = Arc::new(FixedClock::new(datetime!(2026-03-02 09:00 UTC)));
        let (db, app, caller) = rt.block_on(async {
            let db = TestDb::new(backend).await;
            let (app, caller) = support::app_with_prescriber(&db, clock.clone()).await;
            let n = if support::benchmarking() {
                SEEDED
            } else {
                SEEDED_WHEN_TESTING
            };
            for i in 0..n {
                clock.advance(Duration::microseconds(1));
                app.register_patient(&caller, seeded_person(i))
                    .await
                    .expect("seed a patient");
            }
            // Autovacuum would have analyzed the tables within a minute of
            // this load. Without statistics the planner checks care-team
            // membership by rescanning the whole panel for every match, and
            // searches take about forty times longer (docs/performance.md).
            if let Store::Postgres(pool) = &db.store {
                sqlx::query("ANALYZE").execute(pool).await.expect("analyze");
            }
            (db, app, caller)
        });
        let fx = Fixture {
            rt,
            db,
            app,
            clock,
            caller,
            made: AtomicU64::new(0),
            searched: AtomicU64::new(0),
        };
        fx.check_baseline();
        fx
    }

    /// A baseline is only worth comparing with if it finds what the app finds.
    fn check_baseline(&self) {
        for prefix in SEARCHES {
            let app: Vec<Uuid> = self
                .rt
                .block_on(self.app.search_patients(&self.caller, &query(prefix)))
                .expect("search")
                .patients
                .iter()
                .map(|p| p.id.0)
                .collect();
            let raw = self.rt.block_on(raw_search(self, prefix));
            assert!(!app.is_empty(), "the search for {prefix:?} found nothing");
            assert_eq!(app, raw, "app and raw search differ for {prefix:?}");
        }
    }

    fn next_new_person(&self) -> (u64, Demographics) {
        let i = self.made.fetch_add(1, Ordering::Relaxed);
        (i, new_person(i))
    }

    fn next_search(&self) -> &'static str {
        let i = self.searched.fetch_add(1, Ordering::Relaxed);
        SEARCHES[(i % SEARCHES.len() as u64) as usize]
    }

    fn finish(&self) {
        self.rt.block_on(async {
            self.db.store.close().await;
            match self.db.backend {
                Backend::Sqlite => {
                    if let Some(dir) = self.db.store.sqlite_file().and_then(|f| f.parent()) {
                        let _ = std::fs::remove_dir_all(dir);
                    }
                }
                Backend::Postgres => drop_postgres_database(&self.db.url).await,
            }
        });
    }
}

/// The bench's database lives in a server that may outlive this process.
async fn drop_postgres_database(url: &str) {
    use sqlx::Connection;
    let Some(name) = url
        .rsplit('/')
        .next()
        .map(|n| n.split('?').next().unwrap_or(n))
    else {
        return;
    };
    if !name.starts_with("tandem_t_") {
        return;
    }
    let admin = tandem_testkit::postgres_admin_url();
    if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
        let sql = sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"));
        let _ = sqlx::query(sql).execute(&mut c).await;
        let _ = c.close().await;
    }
}

fn person(family: &str, given: String, i: u64) -> Demographics {
    let female = i.is_multiple_of(2);
    Demographics {
        family_name: family.into(),
        given_names: given,
        preferred_name: None,
        birth_date: Date::from_calendar_date(
            1940 + (i % 66) as i32,
            Month::January.nth_next((i % 12) as u8),
            1 + (i % 28) as u8,
        )
        .expect("a real date"),
        sex_at_birth: if female {
            SexAtBirth::Female
        } else {
            SexAtBirth::Male
        },
        gender: if female {
            AdministrativeGender::Female
        } else {
            AdministrativeGender::Male
        },
        gender_identity: None,
        pronouns: Some(if female { "she/her" } else { "he/him" }.into()),
        preferred_language: Some("en".into()),
        phone: Some(format!("555-{:03}-{:04}", i % 1000, i % 10_000)),
        address: Address {
            line: Some(format!("{} Main Street", 1 + i % 900)),
            city: Some("Tucson".into()),
            state: Some("AZ".into()),
            postal_code: Some("85701".into()),
        },
        emergency_contact: Some(EmergencyContact {
            name: "Alex Contact".into(),
            relationship: Some("sibling".into()),
            phone: "555-201-3344".into(),
        }),
    }
}

fn seeded_person(i: u64) -> Demographics {
    let family = FAMILIES[(i % FAMILIES.len() as u64) as usize];
    let given = GIVEN[((i / FAMILIES.len() as u64) % GIVEN.len() as u64) as usize];
    person(family, given.into(), i)
}

fn new_person(i: u64) -> Demographics {
    let family = NEW_FAMILIES[(i % NEW_FAMILIES.len() as u64) as usize];
    let given = NEW_GIVEN[((i / NEW_FAMILIES.len() as u64) % NEW_GIVEN.len() as u64) as usize];
    person(family, given.into(), i)
}

/// Binds a patient row to [`RAW_INSERT`]; the same calls on either backend.
macro_rules! bind_row {
    ($id:expr, $mrn:expr, $d:expr, $now:expr) => {{
        let d: &Demographics = $d;
        let ec = d.emergency_contact.as_ref();
        sqlx::query(RAW_INSERT)
            .bind(DEFAULT_ORG.0)
            .bind($id.0)
            .bind($mrn)
            .bind(d.family_name.clone())
            .bind(d.given_names.clone())
            .bind(d.preferred_name.clone())
            .bind(d.birth_date)
            .bind(d.sex_at_birth.as_str())
            .bind(d.gender.as_str())
            .bind(d.gender_identity.clone())
            .bind(d.pronouns.clone())
            .bind(d.preferred_language.clone())
            .bind(d.phone.clone())
            .bind(d.address.line.clone())
            .bind(d.address.city.clone())
            .bind(d.address.state.clone())
            .bind(d.address.postal_code.clone())
            .bind(ec.map(|c| c.name.clone()))
            .bind(ec.and_then(|c| c.relationship.clone()))
            .bind(ec.map(|c| c.phone.clone()))
            .bind(1_i64)
            .bind($now)
    }};
}

/// The baseline for registering: the patient row alone, in a transaction of
/// its own, begun the way the store begins its transactions.
async fn raw_insert(fx: &Fixture, i: u64, d: &Demographics) {
    let id = PatientId::generate(fx.app.clock(), fx.app.entropy());
    let mrn = Mrn::from_sequence(RAW_MRN_BASE + i as i64).to_string();
    let now = fx.app.now();
    match &fx.db.store {
        Store::Sqlite { writer, .. } => {
            let mut tx = writer.begin_with("BEGIN IMMEDIATE").await.expect("begin");
            bind_row!(id, mrn, d, now)
                .execute(&mut *tx)
                .await
                .expect("raw insert");
            tx.commit().await.expect("commit");
        }
        Store::Postgres(pool) => {
            let mut tx = pool.begin().await.expect("begin");
            bind_row!(id, mrn, d, now)
                .execute(&mut *tx)
                .await
                .expect("raw insert");
            tx.commit().await.expect("commit");
        }
    }
}

/// The baseline for searching: one page of rows for a name prefix, with no
/// transaction, scope, count or audit entry. Rows are fetched but not turned
/// into `Patient`s; that conversion is part of what the app adds.
async fn raw_search(fx: &Fixture, prefix: &str) -> Vec<Uuid> {
    use sqlx::Row;
    let hi = format!("{prefix}\u{10FFFF}");
    match &fx.db.store {
        Store::Sqlite { writer, .. } => sqlx::query(RAW_SEARCH)
            .bind(DEFAULT_ORG.0)
            .bind(prefix.to_string())
            .bind(hi)
            .bind(i64::from(PAGE))
            .fetch_all(writer)
            .await
            .expect("raw search")
            .iter()
            .map(|r| r.get(0))
            .collect(),
        Store::Postgres(pool) => sqlx::query(RAW_SEARCH)
            .bind(DEFAULT_ORG.0)
            .bind(prefix.to_string())
            .bind(hi)
            .bind(i64::from(PAGE))
            .fetch_all(pool)
            .await
            .expect("raw search")
            .iter()
            .map(|r| r.get(0))
            .collect(),
    }
}

fn query(prefix: &str) -> PatientQuery {
    PatientQuery {
        name_prefixes: vec![prefix.to_string()],
        limit: PAGE,
        ..Default::default()
    }
}

fn create_app(b: Bencher, backend: Backend) {
    let fx = fixture(backend);
    b.with_inputs(|| fx.next_new_person().1)
        .bench_local_values(|d| {
            fx.clock.advance(Duration::microseconds(1));
            fx.rt
                .block_on(fx.app.register_patient(&fx.caller, d))
                .expect("register")
        });
}

fn create_raw_insert(b: Bencher, backend: Backend) {
    let fx = fixture(backend);
    b.with_inputs(|| fx.next_new_person())
        .bench_local_values(|(i, d)| {
            fx.clock.advance(Duration::microseconds(1));
            fx.rt.block_on(raw_insert(fx, i, &d));
        });
}

fn search_app(b: Bencher, backend: Backend) {
    let fx = fixture(backend);
    b.with_inputs(|| query(fx.next_search()))
        .bench_local_refs(|q| {
            fx.clock.advance(Duration::microseconds(1));
            let page = fx
                .rt
                .block_on(fx.app.search_patients(&fx.caller, q))
                .expect("search");
            page.patients.len()
        });
}

fn search_raw_select(b: Bencher, backend: Backend) {
    let fx = fixture(backend);
    b.with_inputs(|| fx.next_search())
        .bench_local_values(|prefix| fx.rt.block_on(raw_search(fx, prefix)));
}

// Every bench is one operation per sample; 200 samples give a steady median
// and the cap keeps a slow disk from stretching the run.
#[divan::bench_group(sample_count = 200, sample_size = 1, max_time = 5)]
mod sqlite {
    use super::*;

    /// `App::register_patient`: MRN counter, row, name tokens, care team, audit.
    #[divan::bench]
    fn create_app(b: Bencher) {
        super::create_app(b, Backend::Sqlite);
    }

    /// Baseline: `INSERT INTO patients` in its own transaction.
    #[divan::bench]
    fn create_raw_insert(b: Bencher) {
        super::create_raw_insert(b, Backend::Sqlite);
    }

    /// `App::search_patients` by name prefix: care-team scope, count, page, audit.
    #[divan::bench]
    fn search_app(b: Bencher) {
        super::search_app(b, Backend::Sqlite);
    }

    /// Baseline: one page of the token-index prefix search.
    #[divan::bench]
    fn search_raw_select(b: Bencher) {
        super::search_raw_select(b, Backend::Sqlite);
    }
}

#[divan::bench_group(sample_count = 200, sample_size = 1, max_time = 5)]
mod postgres {
    use super::*;

    /// `App::register_patient`: MRN counter, row, name tokens, care team, audit.
    #[divan::bench]
    fn create_app(b: Bencher) {
        super::create_app(b, Backend::Postgres);
    }

    /// Baseline: `INSERT INTO patients` in its own transaction.
    #[divan::bench]
    fn create_raw_insert(b: Bencher) {
        super::create_raw_insert(b, Backend::Postgres);
    }

    /// `App::search_patients` by name prefix: care-team scope, count, page, audit.
    #[divan::bench]
    fn search_app(b: Bencher) {
        super::search_app(b, Backend::Postgres);
    }

    /// Baseline: one page of the token-index prefix search.
    #[divan::bench]
    fn search_raw_select(b: Bencher) {
        super::search_raw_select(b, Backend::Postgres);
    }
}
