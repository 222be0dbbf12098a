//! Registry latency at clinic scale: seeds a database with the bulk path
//! (`App::prepare_seed` / `App::write_seed`, as `tandem seed` does) unless it
//! already holds patients, then times `App::registry` for the care manager's
//! whole clinic and for one therapist's caseload, each beside the store's
//! query alone (same SQL in a transaction of its own on the same connection,
//! no access decision, no reading of the other instruments, no audit entry), and prints p50 and p99.
//!
//! ```text
//! cargo run --release -p tandem-app --example registry -- --database sqlite:///tmp/reg10k.db --patients 10000
//! cargo run --release -p tandem-app --example registry -- --database postgres://postgres@127.0.0.1:PORT/reg --patients 100000
//! ```
//!
//! Options: `--patients` (seeded when the database is empty, default
//! 10,000), `--weeks` (of weekly PHQ-9 and GAD-7, default 52), `--samples`
//! (per query, default 200). docs/performance.md has the figures.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};
use tandem_app::{
    Actor, App, Caller, Operator, RegistryFilter, RegistrySort, SeedStaff, Settings, synthetic,
};
use tandem_core::audit::Channel;
use tandem_core::clock::Clock;
use tandem_core::entropy::SeededEntropy;
use tandem_core::flag::{self, FlagKind};
use tandem_core::ids::UserId;
use tandem_core::role::Role;
use tandem_store::registry::{self, FlagFilter, Query, Scope};
use time::OffsetDateTime;

struct WallClock;

impl Clock for WallClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

struct Args {
    database: String,
    patients: u64,
    weeks: i64,
    samples: usize,
}

fn args() -> Args {
    let mut a = Args {
        database: String::new(),
        patients: 10_000,
        weeks: 52,
        samples: 200,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--database" => a.database = v,
            "--patients" => a.patients = v.parse().expect("--patients N"),
            "--weeks" => a.weeks = v.parse().expect("--weeks N"),
            "--samples" => a.samples = v.parse().expect("--samples N"),
            _ => panic!("unknown option {k}"),
        }
    }
    assert!(!a.database.is_empty(), "--database URL is required");
    a
}

const PER_THERAPIST: u64 = 120;
const PER_PRESCRIBER: u64 = 600;
const BATCH: u64 = 250;

#[tokio::main]
async fn main() {
    let a = args();
    let app = App::open(
        &a.database,
        Arc::new(WallClock),
        Arc::new(SeededEntropy::new(42)),
        Settings::default(),
    )
    .await
    .expect("open the database");
    let op = Operator {
        name: "registry-example".into(),
    };
    if app.patient_count().await.expect("count") == 0 {
        seed(&app, &op, &a).await;
    }
    let cm = caller(&app, "seed_cm").await;
    let t = caller(&app, "seed_t_0001").await;
    let patients = app.patient_count().await.expect("count");
    println!(
        "registry latency on {}: {patients} patients\n",
        app.store().backend().as_str()
    );
    println!(
        "{:<44} {:>8} {:>10} {:>10} {:>10}",
        "query (page of 50)", "found", "p50 ms", "p99 ms", "store p50"
    );
    let urgent = RegistryFilter {
        sort: RegistrySort::Urgency,
        descending: true,
        limit: 50,
        ..Default::default()
    };
    let not_improving = RegistryFilter {
        flag: Some(FlagKind::NotImproving),
        ..urgent.clone()
    };
    let overdue = RegistryFilter {
        flag: Some(FlagKind::Overdue),
        ..urgent.clone()
    };
    let by_name = RegistryFilter {
        sort: RegistrySort::Name,
        descending: false,
        ..urgent.clone()
    };
    for (label, who, f) in [
        ("clinic (care manager), most urgent first", &cm, &urgent),
        ("clinic, Not improving", &cm, &not_improving),
        ("clinic, Overdue", &cm, &overdue),
        ("clinic, by name", &cm, &by_name),
        ("caseload (therapist), most urgent first", &t, &urgent),
        ("caseload, Not improving", &t, &not_improving),
        ("caseload, by name", &t, &by_name),
    ] {
        time(&app, label, who, f, a.samples).await;
    }
}

async fn caller(app: &App, username: &str) -> Caller {
    let mut tx = app.store().begin_read().await.expect("begin");
    let u = tandem_store::users::by_username(&mut tx, app.org(), username)
        .await
        .expect("read user")
        .unwrap_or_else(|| panic!("no {username}: seed this database with `tandem seed`"));
    tx.commit().await.expect("commit");
    Caller {
        actor: Actor {
            org: u.org,
            user_id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
        },
        channel: Channel::Web,
    }
}

async fn time(app: &App, label: &str, who: &Caller, f: &RegistryFilter, samples: usize) {
    let mut app_times = Vec::with_capacity(samples);
    let mut store_times = Vec::with_capacity(samples);
    let mut found = 0;
    // One warm-up of each, then alternate so both see the same cache.
    app.registry(who, f, false).await.expect("registry");
    store_query(app, who, f).await;
    for _ in 0..samples {
        let t0 = Instant::now();
        found = app.registry(who, f, false).await.expect("registry").total;
        app_times.push(t0.elapsed());
        let t0 = Instant::now();
        let n = store_query(app, who, f).await;
        store_times.push(t0.elapsed());
        assert_eq!(n, found, "the store query finds what the app finds");
    }
    let (p50, p99) = percentiles(&mut app_times);
    let (s50, _) = percentiles(&mut store_times);
    println!(
        "{label:<44} {found:>8} {:>10.2} {:>10.2} {:>10.2}",
        ms(p50),
        ms(p99),
        ms(s50)
    );
}

/// The registry's query alone, as `App::registry` builds it.
async fn store_query(app: &App, who: &Caller, f: &RegistryFilter) -> u64 {
    let today = app.clock().today();
    let scope = if who.actor.role == Role::CareManager {
        Scope::WholeClinic
    } else {
        Scope::CaseloadOf {
            user: who.actor.user_id,
            today,
        }
    };
    let since = flag::on_time_since(today, app.cadence());
    let q = Query {
        flag: f.flag.map(|k| match k {
            FlagKind::Overdue => FlagFilter::MeasuredBefore(since),
            k => FlagFilter::Bit(k.bit()),
        }),
        status: f.status.clone(),
        clinician: f.clinician,
        sort: f.sort,
        descending: f.descending,
        limit: f.limit,
        offset: f.offset,
    };
    // The connection the app's own transaction uses (SQLite's writer).
    let mut tx = app.store().begin().await.expect("begin");
    let (_, total) = registry::query(&mut tx, app.org(), scope, today, &q)
        .await
        .expect("query");
    tx.commit().await.expect("commit");
    total
}

fn percentiles(v: &mut [Duration]) -> (Duration, Duration) {
    v.sort();
    let n = v.len();
    (v[n / 2], v[(n * 99 / 100).min(n - 1)])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Staff as `tandem seed` makes them, then the patients in batches, each
/// prepared on a blocking thread while the last is written.
async fn seed(app: &App, op: &Operator, a: &Args) {
    let started = Instant::now();
    let therapists = a.patients.div_ceil(PER_THERAPIST).max(2);
    let prescribers = a.patients.div_ceil(PER_PRESCRIBER).max(1);
    let mut staff = vec![SeedStaff {
        username: "seed_cm".into(),
        display_name: "Care Manager (seed)".into(),
        role: Role::CareManager,
    }];
    staff.extend((1..=therapists).map(|i| SeedStaff {
        username: format!("seed_t_{i:04}"),
        display_name: format!("Therapist {i} (seed)"),
        role: Role::Therapist,
    }));
    staff.extend((1..=prescribers).map(|i| SeedStaff {
        username: format!("seed_rx_{i:03}"),
        display_name: format!("Prescriber {i} (seed)"),
        role: Role::Prescriber,
    }));
    let users = app
        .seed_staff(op, &staff, "tandem-seed-password")
        .await
        .expect("seed staff");
    let of = |role: Role| -> Vec<UserId> {
        users
            .iter()
            .filter(|u| u.role == role)
            .map(|u| u.id)
            .collect()
    };
    let (cm, ts, rxs) = (
        of(Role::CareManager)[0],
        of(Role::Therapist),
        of(Role::Prescriber),
    );
    let rng = Arc::new(SeededEntropy::new(1));
    let batches = a.patients.div_ceil(BATCH);
    let spawn = |k: u64| {
        let app = app.clone();
        let rng = rng.clone();
        let teams: Vec<Vec<UserId>> = (k * BATCH..((k + 1) * BATCH).min(a.patients))
            .map(|i| {
                vec![
                    ts[(i % ts.len() as u64) as usize],
                    rxs[(i % rxs.len() as u64) as usize],
                    cm,
                ]
            })
            .collect();
        let weeks = a.weeks;
        tokio::task::spawn_blocking(move || {
            let now = app.now();
            let ps = teams
                .into_iter()
                .map(|team| synthetic::patient(&rng, now, weeks, team))
                .collect();
            app.prepare_seed(ps).expect("prepare")
        })
    };
    let mut next = Some(spawn(0));
    let mut responses = 0;
    for k in 0..batches {
        let prepared = next.take().expect("a batch").await.expect("join");
        if k + 1 < batches {
            next = Some(spawn(k + 1));
        }
        responses += app.write_seed(op, prepared).await.expect("write").responses;
        if (k + 1).is_power_of_two() {
            app.store().analyze().await.expect("analyze");
        }
        if (k + 1) % 40 == 0 {
            eprintln!(
                "seeded {}/{} patients, {:.0} s",
                ((k + 1) * BATCH).min(a.patients),
                a.patients,
                started.elapsed().as_secs_f64()
            );
        }
    }
    app.sweep_overdue().await.expect("sweep");
    app.store().analyze().await.expect("analyze");
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {} patients, {responses} responses in {secs:.0} s ({:.0} responses/s)\n",
        a.patients,
        responses as f64 / secs
    );
}
