//! `tandem seed`: a synthetic clinic at scale, for trying Tandem with a
//! realistic amount of data and for benchmarks. Patients go in batches
//! through `App::prepare_seed` (scoring and replaying histories, on a
//! blocking thread) and `App::write_seed` (one transaction of multi-row
//! inserts each); the next batch is prepared while the last one is written.

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tandem_app::{App, Operator, PreparedSeed, SeedReport, SeedStaff, synthetic};
use tandem_core::entropy::SeededEntropy;
use tandem_core::ids::UserId;
use tandem_core::role::Role;

/// The password of every seeded staff account.
pub const SEED_PASSWORD: &str = "tandem-seed-password";

/// Patients per therapist and per prescriber: caseloads of a collaborative-care clinic.
const PER_THERAPIST: u64 = 120;
const PER_PRESCRIBER: u64 = 600;

pub struct Options {
    pub patients: u64,
    pub weeks: i64,
    pub batch: usize,
    pub seed: u64,
}

struct Staff {
    care_manager: UserId,
    therapists: Vec<UserId>,
    prescribers: Vec<UserId>,
}

pub async fn run(app: &App, op: &Operator, o: &Options) -> Result<()> {
    if o.patients == 0 {
        bail!("--patients must be at least 1");
    }
    if !(1..=520).contains(&o.weeks) {
        bail!("--weeks must be between 1 and 520");
    }
    if app.patient_count().await? > 0 {
        bail!(
            "the database already holds patients; seed an empty database (synthetic data must not mix with a clinic's)"
        );
    }
    let started = Instant::now();
    let staff = add_staff(app, op, o.patients).await?;
    let rng = Arc::new(SeededEntropy::new(o.seed));
    let batches = o.patients.div_ceil(o.batch as u64);
    let progress = Progress::new(o.patients);
    let mut total = SeedReport::default();
    let mut next = Some(prepare(app, &rng, &staff, o, 0));
    let mut done = 0;
    while let Some(handle) = next.take() {
        let prepared = handle.await.context("preparing a batch")??;
        if done + 1 < batches {
            next = Some(prepare(app, &rng, &staff, o, done + 1));
        }
        let report = app.write_seed(op, prepared).await?;
        total.add(&report);
        done += 1;
        // PostgreSQL plans the foreign-key checks of each insert from the
        // table statistics; planned on empty tables they scan, and every
        // batch takes longer than the last. Refresh them as the tables
        // double.
        if done.is_power_of_two() {
            app.store().analyze().await?;
        }
        progress.advance(&total, started.elapsed());
    }
    progress.finish();
    // Nothing should change here: seeding raised every "Overdue" flag the
    // calendar would. Run anyway, as the server does at start-up.
    app.sweep_overdue().await?;
    app.store().analyze().await?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "Seeded {} patients with {} responses, {} observations, {} flags and {} notifications in {secs:.1} s: \
         {:.0} rows/s ({:.0} responses/s).",
        total.patients,
        total.responses,
        total.observations,
        total.flags,
        total.notifications,
        total.rows() as f64 / secs,
        total.responses as f64 / secs,
    );
    eprintln!(
        "Staff: seed_cm (care manager, whole clinic), seed_t_0001… ({} therapists), seed_rx_001… ({} prescribers); password: {SEED_PASSWORD}",
        staff.therapists.len(),
        staff.prescribers.len()
    );
    Ok(())
}

async fn add_staff(app: &App, op: &Operator, patients: u64) -> Result<Staff> {
    let therapists = patients.div_ceil(PER_THERAPIST).max(2);
    let prescribers = patients.div_ceil(PER_PRESCRIBER).max(1);
    let mut list = vec![SeedStaff {
        username: "seed_cm".into(),
        display_name: "Care Manager (seed)".into(),
        role: Role::CareManager,
    }];
    for i in 1..=therapists {
        list.push(SeedStaff {
            username: format!("seed_t_{i:04}"),
            display_name: format!("Therapist {i} (seed)"),
            role: Role::Therapist,
        });
    }
    for i in 1..=prescribers {
        list.push(SeedStaff {
            username: format!("seed_rx_{i:03}"),
            display_name: format!("Prescriber {i} (seed)"),
            role: Role::Prescriber,
        });
    }
    let users = app.seed_staff(op, &list, SEED_PASSWORD).await?;
    let ids = |role: Role| -> Vec<UserId> {
        users
            .iter()
            .filter(|u| u.role == role)
            .map(|u| u.id)
            .collect()
    };
    let care_manager = ids(Role::CareManager)
        .first()
        .copied()
        .context("the care manager was not created")?;
    Ok(Staff {
        care_manager,
        therapists: ids(Role::Therapist),
        prescribers: ids(Role::Prescriber),
    })
}

/// Generates and prepares batch `k` on a blocking thread.
fn prepare(
    app: &App,
    rng: &Arc<SeededEntropy>,
    staff: &Staff,
    o: &Options,
    k: u64,
) -> tokio::task::JoinHandle<Result<PreparedSeed, tandem_app::AppError>> {
    let app = app.clone();
    let rng = rng.clone();
    let first = k * o.batch as u64;
    let last = (first + o.batch as u64).min(o.patients);
    // Each patient: one therapist, one prescriber, and the care manager.
    let teams: Vec<Vec<UserId>> = (first..last)
        .map(|i| {
            vec![
                staff.therapists[(i % staff.therapists.len() as u64) as usize],
                staff.prescribers[(i % staff.prescribers.len() as u64) as usize],
                staff.care_manager,
            ]
        })
        .collect();
    let weeks = o.weeks;
    tokio::task::spawn_blocking(move || {
        let now = app.now();
        let patients = teams
            .into_iter()
            .map(|team| synthetic::patient(&rng, now, weeks, team))
            .collect();
        app.prepare_seed(patients)
    })
}

/// A bar on a terminal; elsewhere (a log, a pipe) a plain line every tenth.
struct Progress {
    bar: ProgressBar,
    total: u64,
    printed: std::cell::Cell<u64>,
}

impl Progress {
    fn new(total: u64) -> Progress {
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:40} {pos}/{len} patients, {msg} [{elapsed_precise}, about {eta} left]",
        ) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress {
            bar,
            total,
            printed: std::cell::Cell::new(0),
        }
    }

    fn advance(&self, r: &SeedReport, elapsed: Duration) {
        let rate = r.rows() as f64 / elapsed.as_secs_f64().max(1e-3);
        self.bar.set_position(r.patients);
        self.bar
            .set_message(format!("{} responses, {rate:.0} rows/s", r.responses));
        if self.bar.is_hidden() {
            let tenth = r.patients * 10 / self.total;
            if tenth > self.printed.get() {
                self.printed.set(tenth);
                eprintln!(
                    "seeded {}/{} patients ({}%), {} responses, {:.1} s, {rate:.0} rows/s",
                    r.patients,
                    self.total,
                    r.patients * 100 / self.total,
                    r.responses,
                    elapsed.as_secs_f64()
                );
            }
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
