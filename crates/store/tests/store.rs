//! The storage suite: every test runs on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use tandem_core::audit::{AuditRecord, Verifier};
use tandem_core::clock::{Clock, FixedClock};
use tandem_core::entropy::SeededEntropy;
use tandem_core::ids::{CareTeamMemberId, DEFAULT_ORG, PatientId, UserId};
use tandem_core::mrn::Mrn;
use tandem_core::patient::{Demographics, DemographicsInput, PatientQuery};
use tandem_core::role::{CareTeamRole, Role};
use tandem_store::patients::Scope;
use tandem_store::{StoreError, audit, care_team, org, patients, users};
use tandem_testkit::{TestDb, both_backends};
use time::macros::{date, datetime};

fn clock() -> FixedClock {
    FixedClock::new(datetime!(2026-11-22 09:00 UTC))
}

fn demo(family: &str, given: &str, born: &str) -> Demographics {
    DemographicsInput {
        family_name: family.into(),
        given_names: given.into(),
        birth_date: born.into(),
        sex_at_birth: "female".into(),
        ..Default::default()
    }
    .validate(date!(2026 - 11 - 22))
    .unwrap()
}

async fn seed_user(db: &TestDb, username: &str, role: Role) -> UserId {
    let c = clock();
    let e = SeededEntropy::new(username.len() as u64 + 99);
    let id = UserId::generate(&c, &e);
    let mut tx = db.store.begin().await.unwrap();
    org::ensure(&mut tx, DEFAULT_ORG, "Test clinic", c.now())
        .await
        .unwrap();
    users::insert(
        &mut tx,
        &users::NewUser {
            org: DEFAULT_ORG,
            id,
            username,
            display_name: username,
            role,
            password_hash: "x",
            created_at: c.now(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn add_patient(db: &TestDb, d: &Demographics, seed: u64) -> PatientId {
    let c = clock();
    let id = PatientId::generate(&c, &SeededEntropy::new(seed));
    let mut tx = db.store.begin().await.unwrap();
    org::ensure(&mut tx, DEFAULT_ORG, "Test clinic", c.now())
        .await
        .unwrap();
    let n = org::next_counter(&mut tx, DEFAULT_ORG, "mrn")
        .await
        .unwrap();
    patients::insert(&mut tx, DEFAULT_ORG, id, &Mrn::from_sequence(n), d, c.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn patient_round_trip(db: TestDb) {
    let mut d = demo("Rivera", "Ana Lucía", "1988-04-12");
    d.preferred_name = Some("Annie".into());
    d.phone = Some("555-201-3344".into());
    let id = add_patient(&db, &d, 1).await;
    let mut tx = db.store.begin().await.unwrap();
    let p = patients::get(&mut tx, DEFAULT_ORG, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.demographics, d);
    assert_eq!(p.version, 1);
    assert_eq!(p.mrn, Mrn::from_sequence(1));
}

async fn update_checks_the_version(db: TestDb) {
    let id = add_patient(&db, &demo("Rivera", "Ana", "1988-04-12"), 2).await;
    let mut changed = demo("Rivera-Lopez", "Ana", "1988-04-12");
    changed.address.city = None;
    let c = clock();
    let mut tx = db.store.begin().await.unwrap();
    assert_eq!(
        patients::update(&mut tx, DEFAULT_ORG, id, 1, &changed, c.now())
            .await
            .unwrap(),
        Some(2)
    );
    assert_eq!(
        patients::update(&mut tx, DEFAULT_ORG, id, 1, &changed, c.now())
            .await
            .unwrap(),
        None,
        "stale version"
    );
    tx.commit().await.unwrap();
    let mut tx = db.store.begin().await.unwrap();
    let q = PatientQuery {
        family_prefix: Some("lopez".into()),
        limit: 10,
        ..Default::default()
    };
    let page = patients::search(&mut tx, DEFAULT_ORG, Scope::Organization, &q)
        .await
        .unwrap();
    assert_eq!(page.total, 1, "search tokens follow the update");
    let q = PatientQuery {
        family_prefix: Some("rivera".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        patients::search(&mut tx, DEFAULT_ORG, Scope::Organization, &q)
            .await
            .unwrap()
            .total,
        1
    );
}

async fn search_by_name_date_mrn_and_scope(db: TestDb) {
    let a = add_patient(&db, &demo("Rivera", "Ana", "1988-04-12"), 3).await;
    let _b = add_patient(&db, &demo("Rivas", "Bruno", "1990-01-01"), 4).await;
    let _c = add_patient(&db, &demo("Okafor", "Chidi", "1988-04-12"), 5).await;
    let mut tx = db.store.begin().await.unwrap();
    let s = |q: &str| PatientQuery::from_free_text(q);
    let total = |p: patients::Page| p.total;
    assert_eq!(
        total(
            patients::search(&mut tx, DEFAULT_ORG, Scope::Organization, &s("riv"))
                .await
                .unwrap()
        ),
        2
    );
    assert_eq!(
        total(
            patients::search(&mut tx, DEFAULT_ORG, Scope::Organization, &s("RIVERA"))
                .await
                .unwrap()
        ),
        1
    );
    assert_eq!(
        total(
            patients::search(&mut tx, DEFAULT_ORG, Scope::Organization, &s("1988-04-12"))
                .await
                .unwrap()
        ),
        2
    );
    assert_eq!(
        total(
            patients::search(&mut tx, DEFAULT_ORG, Scope::Organization, &s("ana riv"))
                .await
                .unwrap()
        ),
        1
    );
    let mrn = Mrn::from_sequence(3).to_string();
    let page = patients::search(&mut tx, DEFAULT_ORG, Scope::Organization, &s(&mrn))
        .await
        .unwrap();
    assert_eq!(page.patients.len(), 1);
    assert_eq!(page.patients[0].demographics.family_name, "Okafor");
    tx.commit().await.unwrap();

    // A therapist sees only the patients on whose care team they are.
    let t = seed_user(&db, "t_kim", Role::Therapist).await;
    let c = clock();
    let mut tx = db.store.begin().await.unwrap();
    let m = CareTeamMemberId::generate(&c, &SeededEntropy::new(77));
    care_team::add(
        &mut tx,
        DEFAULT_ORG,
        m,
        a,
        t,
        CareTeamRole::Therapist,
        c.today(),
        c.now(),
    )
    .await
    .unwrap();
    let scope = Scope::CareTeamOf {
        user: t,
        today: c.today(),
    };
    let mine = patients::search(&mut tx, DEFAULT_ORG, scope, &s("riv"))
        .await
        .unwrap();
    assert_eq!(mine.total, 1);
    assert_eq!(mine.patients[0].id, a);
    assert!(
        care_team::is_member(&mut tx, DEFAULT_ORG, a, t, c.today())
            .await
            .unwrap()
    );
    // Ending the membership ends the access the next day.
    assert!(
        care_team::end(&mut tx, DEFAULT_ORG, a, m, c.today())
            .await
            .unwrap()
    );
    let tomorrow = c.today().next_day().unwrap();
    assert!(
        care_team::is_member(&mut tx, DEFAULT_ORG, a, t, c.today())
            .await
            .unwrap()
    );
    assert!(
        !care_team::is_member(&mut tx, DEFAULT_ORG, a, t, tomorrow)
            .await
            .unwrap()
    );
    let later = Scope::CareTeamOf {
        user: t,
        today: tomorrow,
    };
    assert_eq!(
        patients::search(&mut tx, DEFAULT_ORG, later, &s("riv"))
            .await
            .unwrap()
            .total,
        0
    );
}

async fn paging_is_stable(db: TestDb) {
    for i in 0..7u64 {
        add_patient(
            &db,
            &demo("Paget", &format!("Pat{i}"), "1970-01-01"),
            100 + i,
        )
        .await;
    }
    let mut tx = db.store.begin().await.unwrap();
    let mut seen = Vec::new();
    for offset in [0u32, 3, 6] {
        let q = PatientQuery {
            family_prefix: Some("paget".into()),
            limit: 3,
            offset,
            ..Default::default()
        };
        let page = patients::search(&mut tx, DEFAULT_ORG, Scope::Organization, &q)
            .await
            .unwrap();
        assert_eq!(page.total, 7);
        seen.extend(page.patients.into_iter().map(|p| p.id));
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7);
}

async fn duplicate_username_is_refused(db: TestDb) {
    seed_user(&db, "dr_lee", Role::Prescriber).await;
    let c = clock();
    let mut tx = db.store.begin().await.unwrap();
    let err = users::insert(
        &mut tx,
        &users::NewUser {
            org: DEFAULT_ORG,
            id: UserId::generate(&c, &SeededEntropy::new(5)),
            username: "dr_lee",
            display_name: "Other",
            role: Role::Nurse,
            password_hash: "x",
            created_at: c.now(),
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate("username")), "{err:?}");
}

fn rec(action: &str, at: time::OffsetDateTime) -> AuditRecord {
    AuditRecord {
        org: DEFAULT_ORG,
        at,
        actor_id: None,
        actor: "dr_lee".into(),
        actor_role: "prescriber".into(),
        channel: "api".into(),
        action: action.into(),
        patient_id: None,
        resource: None,
        purpose: None,
        detail: None,
        outcome: "success".into(),
    }
}

async fn verify_all(db: &TestDb) -> Result<u64, tandem_core::audit::ChainBreak> {
    let mut tx = db.store.begin_read().await.unwrap();
    let (hs, hh) = audit::head(&mut tx, DEFAULT_ORG).await.unwrap();
    let mut v = Verifier::default();
    let mut after = 0;
    loop {
        let batch = audit::batch(&mut tx, DEFAULT_ORG, after, 100)
            .await
            .unwrap();
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            v.push(e)?;
            after = e.seq;
        }
    }
    v.finish(hs, &hh)
}

/// 32 writers at once: no "database is locked", no gaps, one unbroken chain.
async fn concurrent_audit_appends_form_one_chain(db: TestDb) {
    let c = Arc::new(clock());
    {
        let mut tx = db.store.begin().await.unwrap();
        org::ensure(&mut tx, DEFAULT_ORG, "Test clinic", c.now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..32 {
        let store = db.store.clone();
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..5 {
                let mut tx = store.begin().await?;
                audit::append(&mut tx, rec(&format!("test.w{w}.{i}"), c.now())).await?;
                tx.commit().await?;
            }
            Ok::<_, StoreError>(())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(verify_all(&db).await, Ok(160));
}

async fn rolled_back_work_leaves_no_audit(db: TestDb) {
    let c = clock();
    let mut tx = db.store.begin().await.unwrap();
    org::ensure(&mut tx, DEFAULT_ORG, "Test clinic", c.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.store.begin().await.unwrap();
    audit::append(&mut tx, rec("test.rolled_back", c.now()))
        .await
        .unwrap();
    drop(tx);
    let mut tx = db.store.begin().await.unwrap();
    assert_eq!(audit::count(&mut tx, DEFAULT_ORG).await.unwrap(), 0);
    assert_eq!(verify_all(&db).await, Ok(0));
}

both_backends! {
    patient_round_trips => patient_round_trip;
    patient_update_checks_version => update_checks_the_version;
    patient_search => search_by_name_date_mrn_and_scope;
    patient_paging => paging_is_stable;
    username_unique => duplicate_username_is_refused;
    audit_concurrency => concurrent_audit_appends_form_one_chain;
    audit_rollback => rolled_back_work_leaves_no_audit;
}

/// Both migration trees define the same tables and columns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemas_match() {
    let s = TestDb::sqlite().await;
    let p = TestDb::postgres().await;
    let a = s.store.columns().await.unwrap();
    let b = p.store.columns().await.unwrap();
    assert!(!a.is_empty());
    assert_eq!(a, b);
}
