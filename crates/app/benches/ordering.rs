//! Placing a medication order through [`App::place_order`]: the patient's
//! other orders, the intake's last-use dates and the whole safety check
//! (interactions, dose limits, duplicate therapy, prerequisites) in the
//! order's transaction. The baseline is the same order for a patient on no
//! other medication, in the same run: the difference is what ten active
//! medications cost.
//!
//! ```text
//! cargo bench -p tandem-app --bench ordering            # both backends
//! cargo bench -p tandem-app --bench ordering -- sqlite  # one of them
//! ```
//!
//! The check alone, in core, is `cargo bench -p tandem-core --bench safety`.

#![allow(clippy::expect_used, clippy::panic)]

mod support;

use divan::Bencher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tandem_app::{App, Caller, OrderOutcome, synthetic};
use tandem_core::clock::{Clock, FixedClock};
use tandem_core::entropy::SeededEntropy;
use tandem_core::ids::PatientId;
use tandem_core::medication::prescription::{DocumentedFacts, NewOrder};
use tandem_core::medication::{Dose, Frequency, Route, RxCui};
use tandem_testkit::{Backend, TestDb};
use time::macros::datetime;

const PATIENTS: u64 = 100;
const PATIENTS_WHEN_TESTING: u64 = 4;

/// Ten medications a patient in an integrated clinic can be on together
/// (verified RxCUIs from the catalog), with daily doses in mg.
const TEN: [(u32, f64); 10] = [
    (36437, 100.0), // sertraline
    (28439, 200.0), // lamotrigine
    (51272, 100.0), // quetiapine
    (1827, 30.0),   // buspirone
    (8629, 2.0),    // prazosin
    (8787, 40.0),   // propranolol
    (25480, 900.0), // gabapentin
    (5553, 50.0),   // hydroxyzine
    (7646, 20.0),   // omeprazole
    (15996, 15.0),  // mirtazapine
];

/// What is ordered in every iteration: trazodone 50 mg at night.
const NEW: (u32, f64) = (10737, 50.0);

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
    caller: Caller,
    /// Patients on the ten medications.
    on_ten: Vec<PatientId>,
    /// Patients on none.
    on_none: Vec<PatientId>,
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

fn order(code: u32, mg: f64, start: time::Date) -> NewOrder {
    NewOrder {
        drug: RxCui::new(code).expect("a catalog code"),
        daily_dose: Dose::mg(mg).expect("a positive dose"),
        route: Route::Oral,
        frequency: Frequency::OnceDaily,
        sig: format!("{mg} mg by mouth once a day"),
        start,
        indication: None,
        cross_taper: false,
        first_day: None,
        induction: None,
        facts: DocumentedFacts::default(),
    }
}

impl Fixture {
    fn new(backend: Backend) -> Fixture {
        let rt = support::runtime();
        let clock = Arc::new(FixedClock::new(datetime!(2026-11-22 09:00 UTC)));
        let rng = SeededEntropy::new(5);
        let (db, app, caller, on_ten, on_none) = rt.block_on(async {
            let db = TestDb::new(backend).await;
            let (app, caller) = support::app_with_prescriber(&db, clock.clone()).await;
            let n = if support::benchmarking() {
                PATIENTS
            } else {
                PATIENTS_WHEN_TESTING
            };
            let today = clock.today();
            let (mut on_ten, mut on_none) = (Vec::new(), Vec::new());
            for k in 0..2 * n {
                let p = app
                    .register_patient(&caller, synthetic::person(&rng, today))
                    .await
                    .expect("register");
                if k % 2 == 0 {
                    for (code, mg) in TEN {
                        match app
                            .place_order(&caller, p.id, &order(code, mg, today), None)
                            .await
                            .expect("order")
                        {
                            OrderOutcome::Placed { .. } => {}
                            OrderOutcome::Stopped { contraindications } => {
                                panic!("the ten do not go together: {contraindications:?}")
                            }
                        }
                    }
                    on_ten.push(p.id);
                } else {
                    on_none.push(p.id);
                }
            }
            db.store.analyze().await.expect("analyze");
            (db, app, caller, on_ten, on_none)
        });
        Fixture {
            rt,
            db,
            app,
            caller,
            on_ten,
            on_none,
            turn: AtomicU64::new(0),
        }
    }

    fn next(&self, list: &[PatientId]) -> PatientId {
        let i = self.turn.fetch_add(1, Ordering::Relaxed) as usize;
        list[i % list.len()]
    }
}

fn place(b: Bencher, backend: Backend, ten: bool) {
    let fx = fixture(backend);
    let list = if ten { &fx.on_ten } else { &fx.on_none };
    b.with_inputs(|| fx.next(list)).bench_local_values(|p| {
        let o = order(NEW.0, NEW.1, fx.app.clock().today());
        fx.rt
            .block_on(fx.app.place_order(&fx.caller, p, &o, None))
            .expect("place")
    });
}

#[divan::bench_group(sample_count = 200, sample_size = 1, max_time = 5)]
mod sqlite {
    use super::*;

    /// `App::place_order` for a patient on ten active medications.
    #[divan::bench]
    fn on_ten_medications(b: Bencher) {
        super::place(b, Backend::Sqlite, true);
    }

    /// Baseline: the same order for a patient on none.
    #[divan::bench]
    fn on_no_medication(b: Bencher) {
        super::place(b, Backend::Sqlite, false);
    }
}

#[divan::bench_group(sample_count = 200, sample_size = 1, max_time = 5)]
mod postgres {
    use super::*;

    /// `App::place_order` for a patient on ten active medications.
    #[divan::bench]
    fn on_ten_medications(b: Bencher) {
        super::place(b, Backend::Postgres, true);
    }

    /// Baseline: the same order for a patient on none.
    #[divan::bench]
    fn on_no_medication(b: Bencher) {
        super::place(b, Backend::Postgres, false);
    }
}
