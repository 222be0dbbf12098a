//! What the app benchmarks share: the runtime, an app on a database with a
//! prescriber to act as, and whether this is a measured run.
#![allow(dead_code)]

use std::sync::Arc;
use tandem_app::{Actor, App, Caller, NewAccount, Operator, Settings};
use tandem_core::audit::Channel;
use tandem_core::clock::FixedClock;
use tandem_core::entropy::SeededEntropy;
use tandem_core::role::Role;
use tandem_testkit::TestDb;

/// `cargo bench` passes `--bench`; `cargo test --benches` does not, and
/// then the fixtures stay small.
pub fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// One thread: the benched future and the database driver share it, as
/// they would on a lightly loaded server, and no cross-thread wake-up is
/// counted against either the app or the baseline.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The app on `db` at `clock`, and a prescriber calling it over the API.
pub async fn app_with_prescriber(db: &TestDb, clock: Arc<FixedClock>) -> (App, Caller) {
    let app = App::with_store(
        db.store.clone(),
        clock,
        Arc::new(SeededEntropy::new(7)),
        Settings::default(),
    )
    .await
    .expect("open the app");
    let user = app
        .add_user_as_operator(
            &Operator {
                name: "bench".into(),
            },
            NewAccount {
                username: "dr_bench".into(),
                display_name: Some("Dr Bench".into()),
                role: Role::Prescriber,
                password: "a long enough bench password".into(),
            },
        )
        .await
        .expect("create the prescriber");
    let caller = Caller {
        actor: Actor {
            org: user.org,
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
        },
        channel: Channel::Api,
    };
    (app, caller)
}
