//! Recording a completed questionnaire through [`App::record_response`]
//! beside a baseline of bare SQL inserting the same response and score
//! observation rows, on SQLite and on PostgreSQL.
//!
//! ```text
//! cargo bench -p tandem-app --bench measurement            # both backends
//! cargo bench -p tandem-app --bench measurement -- sqlite  # one of them
//! ```
//!
//! PostgreSQL comes from `tandem_testkit` (a throwaway cluster, or
//! `TANDEM_TEST_DATABASE_URL`). docs/performance.md explains the figures.

#![allow(clippy::expect_used)]

mod support;

use divan::Bencher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tandem_app::{App, Caller, Source, Store, Submission, synthetic};
use tandem_core::clock::{Clock, FixedClock};
use tandem_core::entropy::SeededEntropy;
use tandem_core::ids::{DEFAULT_ORG, EpisodeId, ObservationId, PatientId, ResponseId};
use tandem_core::instrument::Answers;
use tandem_testkit::{Backend, TestDb};
use time::Duration;
use time::macros::datetime;

/// Patients whose charts the responses go to, in turn.
const PATIENTS: u64 = 200;
const PATIENTS_WHEN_TESTING: u64 = 20;

/// The same columns `tandem_store::measures::insert_response` writes.
const RAW_RESPONSE: &str = "INSERT INTO responses (org_id, id, patient_id, episode_id, instrument, authored, answers, \
     total, severity, interpretation, band_model, hits, source, recorded_by, recorded_at) \
     VALUES ($1, $2, $3, $4, 'phq9', $5, $6, $7, 'moderate', 'Moderate', 'kroenke2001', '[]', 'chart', NULL, $5)";
/// The same columns `tandem_store::measures::insert_observation` writes.
const RAW_OBSERVATION: &str = "INSERT INTO observations (org_id, id, patient_id, response_id, instrument, code_system, \
     code, display, value, effective, interpretation, subscale) \
     VALUES ($1, $2, $3, $4, 'phq9', 'http://loinc.org', '44261-6', 'PHQ-9 total score', $5, $6, 'Moderate', NULL)";

fn main() {
    divan::main();
    for fx in [SQLITE.get(), POSTGRES.get()].into_iter().flatten() {
        fx.rt.block_on(fx.db.store.close());
    }
}

struct Fixture {
    rt: tokio::runtime::Runtime,
    db: TestDb,
    app: App,
    clock: Arc<FixedClock>,
    caller: Caller,
    /// Each patient with their open episode.
    patients: Vec<(PatientId, EpisodeId)>,
    answers: Answers,
    answers_json: String,
    turn: AtomicU64,
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
        let clock = Arc::new(FixedClock::new(datetime!(2026-11-22 09:00 UTC)));
        let rng = SeededEntropy::new(5);
        // A moderate PHQ-9 (total 12), item 9 "Not at all": no safety flag.
        let answers = synthetic::phq9(12, 0, &rng);
        let (db, app, caller, patients) = rt.block_on(async {
            let db = TestDb::new(backend).await;
            let (app, caller) = support::app_with_prescriber(&db, clock.clone()).await;
            let n = if support::benchmarking() {
                PATIENTS
            } else {
                PATIENTS_WHEN_TESTING
            };
            let mut patients = Vec::new();
            for _ in 0..n {
                let p = app
                    .register_patient(&caller, synthetic::person(&rng, clock.today()))
                    .await
                    .expect("register");
                // A baseline eight weeks back opens the episode.
                let r = app
                    .record_response(
                        &caller,
                        p.id,
                        Submission {
                            instrument: "phq9".into(),
                            answers: synthetic::phq9(18, 0, &rng),
                            authored: clock.now() - Duration::weeks(8),
                            source: Source::Chart,
                        },
                    )
                    .await
                    .expect("baseline");
                patients.push((p.id, r.response.episode_id));
            }
            db.store.analyze().await.expect("analyze");
            (db, app, caller, patients)
        });
        let answers_json = serde_json::to_string(&answers).expect("answers as JSON");
        Fixture {
            rt,
            db,
            app,
            clock,
            caller,
            patients,
            answers,
            answers_json,
            turn: AtomicU64::new(0),
        }
    }

    fn next(&self) -> (PatientId, EpisodeId) {
        let i = self.turn.fetch_add(1, Ordering::Relaxed) as usize;
        self.patients[i % self.patients.len()]
    }
}

/// The baseline: the response row and its total-score observation, in a
/// transaction begun as the store begins its own.
async fn raw_insert(fx: &Fixture, patient: PatientId, episode: EpisodeId) {
    let now = fx.app.now();
    let rid = ResponseId::generate(fx.app.clock(), fx.app.entropy());
    let oid = ObservationId::generate(fx.app.clock(), fx.app.entropy());
    macro_rules! run {
        ($tx:expr) => {{
            sqlx::query(RAW_RESPONSE)
                .bind(DEFAULT_ORG.0)
                .bind(rid.0)
                .bind(patient.0)
                .bind(episode.0)
                .bind(now)
                .bind(fx.answers_json.as_str())
                .bind(12_i32)
                .execute(&mut *$tx)
                .await
                .expect("raw response");
            sqlx::query(RAW_OBSERVATION)
                .bind(DEFAULT_ORG.0)
                .bind(oid.0)
                .bind(patient.0)
                .bind(rid.0)
                .bind(12_i32)
                .bind(now)
                .execute(&mut *$tx)
                .await
                .expect("raw observation");
        }};
    }
    match &fx.db.store {
        Store::Sqlite { writer, .. } => {
            let mut tx = writer.begin_with("BEGIN IMMEDIATE").await.expect("begin");
            run!(tx);
            tx.commit().await.expect("commit");
        }
        Store::Postgres(pool) => {
            let mut tx = pool.begin().await.expect("begin");
            run!(tx);
            tx.commit().await.expect("commit");
        }
    }
}

fn record_app(b: Bencher, backend: Backend) {
    let fx = fixture(backend);
    b.with_inputs(|| fx.next()).bench_local_values(|(p, _)| {
        fx.clock.advance(Duration::microseconds(1));
        let sub = Submission {
            instrument: "phq9".into(),
            answers: fx.answers.clone(),
            authored: fx.clock.now(),
            source: Source::Chart,
        };
        fx.rt
            .block_on(fx.app.record_response(&fx.caller, p, sub))
            .expect("record")
    });
}

fn record_raw_insert(b: Bencher, backend: Backend) {
    let fx = fixture(backend);
    b.with_inputs(|| fx.next()).bench_local_values(|(p, e)| {
        fx.clock.advance(Duration::microseconds(1));
        fx.rt.block_on(raw_insert(fx, p, e));
    });
}

#[divan::bench_group(sample_count = 300, sample_size = 1, max_time = 5)]
mod sqlite {
    use super::*;

    /// `App::record_response` (PHQ-9): access, score, response and
    /// observation rows, trajectory, measure status, flags, registry row, audit.
    #[divan::bench]
    fn record_app(b: Bencher) {
        super::record_app(b, Backend::Sqlite);
    }

    /// Baseline: the response row and its observation, in a transaction.
    #[divan::bench]
    fn record_raw_insert(b: Bencher) {
        super::record_raw_insert(b, Backend::Sqlite);
    }
}

#[divan::bench_group(sample_count = 300, sample_size = 1, max_time = 5)]
mod postgres {
    use super::*;

    /// `App::record_response` (PHQ-9): access, score, response and
    /// observation rows, trajectory, measure status, flags, registry row, audit.
    #[divan::bench]
    fn record_app(b: Bencher) {
        super::record_app(b, Backend::Postgres);
    }

    /// Baseline: the response row and its observation, in a transaction.
    #[divan::bench]
    fn record_raw_insert(b: Bencher) {
        super::record_raw_insert(b, Backend::Postgres);
    }
}
