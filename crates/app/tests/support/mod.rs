//! The kit the medication tests share: an app on a fixed clock, staff made
//! through the app, a patient, catalog codes by id and the patient's audit
//! trail as an auditor reads it.
//!
//! Each test file compiles its own copy of this module and uses only part
//! of it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tandem_app::{Actor, App, AuditFilter, Caller, NewAccount, Operator, Settings};
use tandem_core::audit::{AuditEntry, Channel};
use tandem_core::clock::FixedClock;
use tandem_core::entropy::SeededEntropy;
use tandem_core::ids::PatientId;
use tandem_core::medication::RxCui;
use tandem_core::patient::DemographicsInput;
use tandem_core::role::Role;
use tandem_testkit::TestDb;
use time::Date;
use time::macros::{date, datetime};

/// The day every test runs on (09:00 UTC).
pub const TODAY: Date = date!(2026 - 11 - 22);

pub struct World {
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub db: TestDb,
}

/// The app on `db` at 09:00 on [`TODAY`]; `seed` fixes the ids it makes.
pub async fn world(db: TestDb, seed: u64) -> World {
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-22 09:00 UTC)));
    let app = App::with_store(
        db.store.clone(),
        clock.clone(),
        Arc::new(SeededEntropy::new(seed)),
        Settings::default(),
    )
    .await
    .unwrap();
    World { app, clock, db }
}

static AUDITORS: AtomicU32 = AtomicU32::new(0);

impl World {
    /// A member of staff, as the app sees them when they act on the web.
    pub async fn user(&self, username: &str, role: Role) -> Caller {
        let u = self
            .app
            .add_user_as_operator(
                &Operator {
                    name: "test".into(),
                },
                NewAccount {
                    username: username.into(),
                    display_name: Some(format!("{username} name")),
                    role,
                    password: "Correct-Horse-Battery-9".into(),
                },
            )
            .await
            .unwrap();
        Caller {
            actor: Actor {
                org: u.org,
                user_id: u.id,
                username: u.username,
                display_name: u.display_name,
                role,
            },
            channel: Channel::Web,
        }
    }

    /// Ana Rivera, registered by `by`.
    pub async fn patient(&self, by: &Caller) -> PatientId {
        let d = DemographicsInput {
            family_name: "Rivera".into(),
            given_names: "Ana".into(),
            birth_date: "1988-04-12".into(),
            sex_at_birth: "female".into(),
            ..Default::default()
        }
        .validate(TODAY)
        .unwrap();
        self.app.register_patient(by, d).await.unwrap().id
    }

    /// The RxNorm code of a catalog drug, by its id.
    pub fn rx(&self, id: &str) -> RxCui {
        let c = &self.app.medication_safety().catalog;
        c.drug(c.by_id(id).unwrap()).rxcui
    }

    /// The patient's audit trail, oldest first, read by a new auditor.
    pub async fn audit(&self, p: PatientId) -> Vec<AuditEntry> {
        let n = AUDITORS.fetch_add(1, Ordering::Relaxed);
        let auditor = self.user(&format!("auditor{n}"), Role::Auditor).await;
        let page = self
            .app
            .audit_view(
                &auditor,
                &AuditFilter {
                    patient: Some(p),
                    limit: 500,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        page.entries.into_iter().rev().collect()
    }
}
