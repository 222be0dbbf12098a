//! The `tandem` binary end to end, on SQLite and on PostgreSQL: what an
//! operator types and what an API client sees, including crashes, token
//! revocation, audit-log tampering and restoring from a backup.

// Helpers outside #[test] functions report failure the way tests do: by panicking.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

mod support;

use support::{Db, PASSWORD, Server, names_entry, pg_tool, tandem};
use tandem_testkit::Backend;

/// One `sqlite` and one `postgres` test per `name => async fn(Backend)`.
macro_rules! on_both_backends {
    ($($name:ident => $test:ident;)*) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$test(super::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$test(super::Backend::Postgres).await
                }
            }
        )*
    };
}

on_both_backends! {
    acknowledged_patients_survive_kill_9 => durability;
    issued_tokens_work_until_revoked => tokens;
    revoking_a_dead_token_is_refused => revoke_twice;
    token_issue_refuses_bad_requests => token_refusals;
    user_add_enforces_its_rules => user_add;
    migrate_can_run_again => migrate_twice;
    audit_verify_finds_a_changed_column => tamper_changed_column;
    audit_verify_finds_a_deleted_middle_entry => tamper_deleted_middle;
    audit_verify_finds_swapped_entries => tamper_swapped;
    audit_verify_finds_a_deleted_last_entry => tamper_deleted_last;
    backup_while_serving_restores_elsewhere => backup_and_restore;
    seed_fills_an_empty_database_with_flagged_histories => seed;
    demo_clinic_has_histories_and_flags => demo;
}

const FAMILIES: [&str; 5] = ["Rivera", "Okafor", "Nguyen", "Silva", "Haddad"];
const GIVEN: [&str; 8] = ["Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hal"];

fn patient_name(i: usize) -> (&'static str, &'static str) {
    (
        FAMILIES[i / GIVEN.len() % FAMILIES.len()],
        GIVEN[i % GIVEN.len()],
    )
}

#[track_caller]
fn assert_intact(verify: &support::Run) {
    assert_eq!(
        verify.code(),
        Some(0),
        "audit verify should pass: {}",
        verify.output()
    );
    assert!(
        verify.stdout.contains("intact"),
        "audit verify should say the log is intact: {}",
        verify.output()
    );
}

async fn durability(backend: Backend) {
    let db = Db::new(backend);
    let token = db.prescriber_token("dr.lee").await;
    let server = Server::start(&db).await;
    let mut acknowledged = Vec::new();
    for i in 0..40 {
        let (family, given) = patient_name(i);
        let id = server.create_patient(&token, family, given).await;
        acknowledged.push((id, family, given));
    }
    server.crash();

    let server = Server::start(&db).await;
    for (id, family, given) in &acknowledged {
        let r = server.get(&format!("/fhir/r4/Patient/{id}"), &token).await;
        assert_eq!(
            r.status,
            200,
            "acknowledged Patient/{id} lost after kill -9: {}",
            r.text()
        );
        let p = r.json();
        assert_eq!(p["id"], id.as_str());
        assert_eq!(p["name"][0]["family"], *family, "{p}");
        assert_eq!(p["name"][0]["given"][0], *given, "{p}");
    }
    assert_eq!(server.patient_total(&token).await, 40);

    // Checked while the server is up, as a nightly job would.
    assert_intact(&db.run(&["audit", "verify"]).await);
    server.stop().await;
}

/// The id `token issue` reports on stderr ("Token ID for USER, valid until
/// …"), so a token can be revoked without anyone handling its secret.
#[track_caller]
fn issued_id(issued: &support::Run) -> String {
    issued
        .stderr
        .split_whitespace()
        .skip_while(|w| *w != "Token")
        .nth(1)
        .unwrap_or_else(|| panic!("token issue names the token's id: {}", issued.stderr))
        .to_string()
}

async fn tokens(backend: Backend) {
    let db = Db::new(backend);
    db.add_user("dr.lee", "prescriber", PASSWORD)
        .await
        .success();

    let issued = db
        .run(&["token", "issue", "--username", "dr.lee"])
        .await
        .success();
    let lines: Vec<&str> = issued.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "token issue must print only the token on stdout, so it can be captured: {:?}",
        issued.stdout
    );
    let token = lines[0].to_string();
    assert!(token.starts_with("tdm_"), "{token:?}");
    assert_eq!(token.trim(), token, "no stray whitespace: {token:?}");
    assert!(
        token.len() > "tdm_".len() + 20,
        "too short to be secret: {token:?}"
    );

    let second = db.run(&["token", "issue", "--username", "dr.lee"]).await;
    let second = second.success();
    let second_token = second.stdout.trim().to_string();
    assert_ne!(second_token, token, "every token is new");
    let second_id = issued_id(&second);

    let server = Server::start(&db).await;
    for t in [&token, &second_token] {
        let r = server.get("/fhir/r4/Patient", t).await;
        assert_eq!(r.status, 200, "a fresh token is accepted: {}", r.text());
    }

    db.run(&["token", "revoke", &token]).await.success();
    let r = server.get("/fhir/r4/Patient", &token).await;
    assert_eq!(
        r.status,
        401,
        "a revoked token must be refused by the running server: {}",
        r.text()
    );
    assert!(
        r.header("www-authenticate")
            .is_some_and(|v| v.starts_with("Bearer")),
        "a 401 tells the client to use a bearer token"
    );
    let r = server.get("/fhir/r4/Patient", &second_token).await;
    assert_eq!(
        r.status,
        200,
        "revoking one token leaves the other: {}",
        r.text()
    );

    db.run(&["token", "revoke", &second_id]).await.success();
    let r = server.get("/fhir/r4/Patient", &second_token).await;
    assert_eq!(r.status, 401, "revoked by id: {}", r.text());

    server.stop().await;
}

/// Revoking is reported once: an operator who revokes a token that is
/// already dead is told so, whether they name it by id or by secret.
async fn revoke_twice(backend: Backend) {
    let db = Db::new(backend);
    db.add_user("dr.lee", "prescriber", PASSWORD)
        .await
        .success();

    let by_id = db
        .run(&["token", "issue", "--username", "dr.lee"])
        .await
        .success();
    let id = issued_id(&by_id);
    db.run(&["token", "revoke", &id]).await.success();
    let again = db.run(&["token", "revoke", &id]).await.failure();
    assert!(
        again.stderr.contains("no such active token"),
        "revoking by id twice says the token is not active: {}",
        again.stderr
    );

    let secret = db.issue_token("dr.lee").await;
    db.run(&["token", "revoke", &secret]).await.success();
    let again = db.run(&["token", "revoke", &secret]).await.failure();
    assert!(
        again.stderr.contains("no such active token"),
        "revoking by secret twice says the token is not active: {}",
        again.stderr
    );
}

async fn token_refusals(backend: Backend) {
    let db = Db::new(backend);
    db.add_user("dr.lee", "prescriber", PASSWORD)
        .await
        .success();

    let r = db
        .run(&[
            "token",
            "issue",
            "--username",
            "dr.lee",
            "--expires-days",
            "0",
        ])
        .await
        .failure();
    assert!(
        r.stdout.trim().is_empty(),
        "no token is printed: {}",
        r.stdout
    );
    assert!(
        r.stderr.contains("expires_days") && r.stderr.contains("between 1 and 3650 days"),
        "the refusal says what is allowed: {}",
        r.stderr
    );

    let r = db
        .run(&["token", "issue", "--username", "nobody"])
        .await
        .failure();
    assert!(
        r.stdout.trim().is_empty(),
        "no token is printed: {}",
        r.stdout
    );
    assert!(
        r.stderr.contains("no user named \"nobody\""),
        "the unknown account is named: {}",
        r.stderr
    );

    // Neither refusal may have left a usable token or a log entry behind.
    let verify = db.run(&["audit", "verify"]).await;
    assert_intact(&verify);
    assert!(
        verify.stdout.contains(" 1 entries"),
        "only the user add was recorded: {}",
        verify.stdout
    );
}

async fn user_add(backend: Backend) {
    let db = Db::new(backend);

    let r = db.add_user("dr.lee", "prescriber", "eleven-char").await;
    let r = r.failure();
    assert!(
        r.stderr.contains("password") && r.stderr.contains("at least 12 characters"),
        "a short password is refused with the rule: {}",
        r.stderr
    );
    // Twelve characters is enough, and the refused attempt left no account behind.
    db.add_user("dr.lee", "prescriber", "twelve-chars")
        .await
        .success();

    let r = db.add_user("dr.lee", "nurse", PASSWORD).await.failure();
    assert!(
        r.stderr.contains("username") && r.stderr.contains("taken"),
        "a duplicate username is refused: {}",
        r.stderr
    );

    let r = db.add_user("dr.kim", "wizard", PASSWORD).await.failure();
    assert_eq!(r.code(), Some(2), "clap's usage error: {}", r.stderr);
    for role in [
        "admin",
        "front_desk",
        "therapist",
        "prescriber",
        "nurse",
        "care_manager",
        "auditor",
    ] {
        assert!(
            r.stderr.contains(role),
            "the error lists the role {role}: {}",
            r.stderr
        );
    }

    // Neither refusal created an account: the directory holds only the first.
    let t = db.issue_token("dr.lee").await;
    let server = Server::start(&db).await;
    let practitioners = server.get("/fhir/r4/Practitioner", &t).await;
    assert_eq!(practitioners.status, 200, "{}", practitioners.text());
    let b = practitioners.json();
    assert_eq!(b["total"], 1, "one account only: {b}");
    server.stop().await;
}

async fn migrate_twice(backend: Backend) {
    let db = Db::new(backend);
    for _ in 0..2 {
        let r = db.run(&["migrate"]).await.success();
        assert!(r.stderr.contains("up to date"), "{}", r.stderr);
    }
    db.add_user("dr.lee", "prescriber", PASSWORD)
        .await
        .success();
}

/// A database whose audit log holds entries 1 to 5 and verifies.
async fn five_entry_log(backend: Backend) -> Db {
    let db = Db::new(backend);
    db.add_user("dr.lee", "prescriber", PASSWORD)
        .await
        .success();
    for _ in 0..4 {
        db.issue_token("dr.lee").await;
    }
    let verify = db.run(&["audit", "verify"]).await;
    assert_intact(&verify);
    assert!(
        verify.stdout.contains(" 5 entries"),
        "one entry per command: {}",
        verify.stdout
    );
    db
}

#[track_caller]
fn assert_broken_at(verify: &support::Run, entry: i64) {
    assert_eq!(
        verify.code(),
        Some(2),
        "audit verify must fail on a tampered log: {}",
        verify.output()
    );
    assert!(!verify.output().contains("intact"), "{}", verify.output());
    assert!(
        names_entry(&verify.output(), entry),
        "the message names entry {entry}: {}",
        verify.output()
    );
}

async fn tamper_changed_column(backend: Backend) {
    let db = five_entry_log(backend).await;
    db.execute_sql(&["UPDATE audit_log SET detail = 'x' WHERE seq = 2"])
        .await;
    assert_broken_at(&db.run(&["audit", "verify"]).await, 2);
}

async fn tamper_deleted_middle(backend: Backend) {
    let db = five_entry_log(backend).await;
    db.execute_sql(&["DELETE FROM audit_log WHERE seq = 3"])
        .await;
    assert_broken_at(&db.run(&["audit", "verify"]).await, 3);
}

async fn tamper_swapped(backend: Backend) {
    let db = five_entry_log(backend).await;
    db.execute_sql(&[
        "UPDATE audit_log SET seq = -2 WHERE seq = 2",
        "UPDATE audit_log SET seq = 2 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = -2",
    ])
    .await;
    assert_broken_at(&db.run(&["audit", "verify"]).await, 2);
}

async fn tamper_deleted_last(backend: Backend) {
    let db = five_entry_log(backend).await;
    db.execute_sql(&["DELETE FROM audit_log WHERE seq = 5"])
        .await;
    assert_broken_at(&db.run(&["audit", "verify"]).await, 5);
}

async fn backup_and_restore(backend: Backend) {
    let db = Db::new(backend);
    let token = db.prescriber_token("dr.lee").await;
    let server = Server::start(&db).await;
    let mut saved = Vec::new();
    for i in 0..5 {
        let (family, given) = patient_name(i);
        saved.push(server.create_patient(&token, family, given).await);
    }

    let file = db.dir.path().join("tandem.backup");
    let file_arg = file.to_string_lossy().to_string();
    let r = db.run(&["backup", "--to", &file_arg]).await.success();
    assert!(r.stderr.contains("Backup written"), "{}", r.stderr);
    let written = std::fs::read(&file).expect("the backup file exists");
    assert!(!written.is_empty());

    // The server went on serving, and what it did next is not in the backup.
    let after = server.create_patient(&token, "Later", "Zoe").await;

    let r = db.run(&["backup", "--to", &file_arg]).await.failure();
    assert!(
        r.stderr.contains("already exists"),
        "an existing backup is never overwritten: {}",
        r.stderr
    );
    assert_eq!(
        std::fs::read(&file).expect("the backup file is still there"),
        written,
        "the refused backup left the old file untouched"
    );
    server.stop().await;

    let restored = Db::new(backend);
    match backend {
        Backend::Sqlite => {
            std::fs::copy(&file, restored.sqlite_file()).expect("copy the backup into place");
        }
        Backend::Postgres => {
            let out = std::process::Command::new(pg_tool("pg_restore"))
                .args(["--no-owner", "-d", &restored.url, &file_arg])
                .output()
                .expect("run pg_restore");
            assert!(
                out.status.success(),
                "pg_restore failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    let server = Server::start(&restored).await;
    for id in &saved {
        let r = server.get(&format!("/fhir/r4/Patient/{id}"), &token).await;
        assert_eq!(
            r.status,
            200,
            "Patient/{id} is in the restored copy: {}",
            r.text()
        );
    }
    let r = server
        .get(&format!("/fhir/r4/Patient/{after}"), &token)
        .await;
    assert_eq!(
        r.status,
        404,
        "a patient registered after the backup is not in it: {}",
        r.text()
    );
    assert_eq!(server.patient_total(&token).await, 5);
    server.stop().await;
    assert_intact(&restored.run(&["audit", "verify"]).await);
}

/// `tandem seed`: 30 patients with 12 weeks of weekly PHQ-9 and GAD-7, in
/// batches of 10. Off a terminal the progress is a plain line per tenth,
/// with no terminal escapes; the registry holds every patient, some of them
/// flagged; each batch is one audit entry; a second run is refused.
async fn seed(backend: Backend) {
    let db = Db::new(backend);
    let r = db
        .run(&["seed", "--patients", "30", "--weeks", "12", "--batch", "10"])
        .await
        .success();
    for done in [10, 20, 30] {
        assert!(
            r.stderr.contains(&format!("seeded {done}/30 patients")),
            "progress after each batch: {}",
            r.stderr
        );
    }
    assert!(
        !r.output().contains('\u{1b}'),
        "no terminal escapes off a terminal: {:?}",
        r.output()
    );
    assert!(
        r.stderr.contains("Seeded 30 patients") && r.stderr.contains("rows/s"),
        "the summary gives the rate: {}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);

    assert_eq!(db.count("SELECT COUNT(*) FROM patient_status").await, 30);
    assert!(db.count("SELECT COUNT(*) FROM responses").await > 30 * 2 * 6);
    assert!(
        db.count("SELECT COUNT(*) FROM flags WHERE status = 'active'")
            .await
            > 0,
        "a clinic of 30 has flagged patients"
    );
    assert!(
        db.count("SELECT COUNT(*) FROM patient_status WHERE flags <> 0")
            .await
            > 0
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'seed'")
            .await,
        4,
        "the staff, then one entry per batch"
    );
    assert_intact(&db.run(&["audit", "verify"]).await);

    // The care manager is on every care team.
    let token = db.issue_token("seed_cm").await;
    let server = Server::start(&db).await;
    assert_eq!(server.patient_total(&token).await, 30);
    server.stop().await;

    let again = db.run(&["seed", "--patients", "5"]).await.failure();
    assert!(
        again.stderr.contains("already holds patients"),
        "{}",
        again.stderr
    );
}

/// `tandem demo`: the synthetic clinic comes with months of scores, and the
/// flags they raise: "Suicide risk" with notifications to the care team,
/// "Not improving", one "Worsening", and several "Overdue".
async fn demo(backend: Backend) {
    let db = Db::new(backend);
    db.run(&["demo", "--no-serve"]).await.success();
    assert_eq!(db.count("SELECT COUNT(*) FROM patients").await, 60);
    assert!(db.count("SELECT COUNT(*) FROM patient_status").await >= 40);
    for (kind, at_least, sql) in [
        (
            "suicide_risk",
            1,
            "SELECT COUNT(*) FROM flags WHERE status = 'active' AND kind = 'suicide_risk'",
        ),
        (
            "not_improving",
            3,
            "SELECT COUNT(*) FROM flags WHERE status = 'active' AND kind = 'not_improving'",
        ),
        (
            "worsening",
            1,
            "SELECT COUNT(*) FROM flags WHERE status = 'active' AND kind = 'worsening'",
        ),
        (
            "overdue",
            3,
            "SELECT COUNT(*) FROM flags WHERE status = 'active' AND kind = 'overdue'",
        ),
    ] {
        let n = db.count(sql).await;
        assert!(n >= at_least, "{n} active {kind} flags in the demo");
    }
    assert!(
        db.count("SELECT COUNT(*) FROM notifications").await >= 2,
        "the care team is told of the suicide-risk flag"
    );
    assert!(
        db.count("SELECT COUNT(DISTINCT instrument) FROM responses")
            .await
            >= 5,
        "PHQ-9, GAD-7, AUDIT-C, PCL-5 and C-SSRS"
    );
    assert!(
        db.count("SELECT COUNT(*) FROM responses WHERE instrument = 'phq9'")
            .await
            > 40 * 10
    );
    // Every stage of the intake and the care plan.
    for (what, at_least, sql) in [
        (
            "patients with diagnoses",
            40,
            "SELECT COUNT(DISTINCT patient_id) FROM conditions",
        ),
        (
            "dual-diagnosis patients",
            2,
            "SELECT COUNT(DISTINCT c.patient_id) FROM conditions c JOIN conditions s \
             ON s.patient_id = c.patient_id AND s.code LIKE 'F1%' \
             WHERE c.code NOT LIKE 'F1%' AND c.clinical_status = 'active' AND s.clinical_status = 'active'",
        ),
        (
            "intakes in progress",
            2,
            "SELECT COUNT(*) FROM assessments WHERE decision IS NULL",
        ),
        (
            "intakes accepted",
            10,
            "SELECT COUNT(*) FROM assessments WHERE decision = 'accepted'",
        ),
        (
            "intakes overridden with a reason",
            1,
            "SELECT COUNT(*) FROM assessments WHERE decision = 'overridden' AND decision_reason <> ''",
        ),
        ("care plans", 10, "SELECT COUNT(*) FROM care_plans"),
        (
            "plans with three versions",
            2,
            "SELECT COUNT(*) FROM care_plans WHERE current_version >= 3",
        ),
        (
            "agreed versions",
            2,
            "SELECT COUNT(*) FROM care_plan_versions WHERE patient_agreed_at IS NOT NULL",
        ),
        (
            "residential to IOP to outpatient",
            2,
            "SELECT COUNT(*) FROM episode_transitions",
        ),
        (
            "sertraline titrations (two dose steps)",
            2,
            "SELECT COUNT(*) FROM medication_orders o WHERE o.drug_name = 'sertraline' \
             AND (SELECT COUNT(*) FROM medication_order_steps s WHERE s.order_id = o.id) = 2",
        ),
        (
            "observed methadone doses in the dosing log",
            30,
            "SELECT COUNT(*) FROM otp_doses WHERE kind = 'observed'",
        ),
        (
            "take-home days granted",
            2,
            "SELECT COUNT(*) FROM take_home_days",
        ),
        (
            "a taper of dated steps",
            1,
            "SELECT COUNT(*) FROM medication_orders o WHERE o.drug_name = 'escitalopram' \
             AND (SELECT COUNT(*) FROM medication_order_steps s WHERE s.order_id = o.id) >= 3",
        ),
        (
            "naltrexone after a negative opioid screen",
            1,
            "SELECT COUNT(*) FROM medication_orders WHERE drug_name = 'naltrexone'",
        ),
        (
            "lithium levels",
            3,
            "SELECT COUNT(*) FROM lab_results WHERE analyte = 'lithium'",
        ),
        (
            "buprenorphine for opioid use disorder",
            1,
            "SELECT COUNT(*) FROM medication_orders WHERE drug_name = 'buprenorphine'",
        ),
        (
            "side effects noted over time on the methadone order",
            3,
            "SELECT COUNT(*) FROM side_effects s JOIN medication_orders o ON o.id = s.order_id \
             WHERE o.drug_name = 'methadone'",
        ),
        (
            "side effects on sertraline orders",
            2,
            "SELECT COUNT(*) FROM side_effects s JOIN medication_orders o ON o.id = s.order_id \
             WHERE o.drug_name = 'sertraline'",
        ),
        (
            "a side effect on the lithium order",
            1,
            "SELECT COUNT(*) FROM side_effects s JOIN medication_orders o ON o.id = s.order_id \
             WHERE o.drug_name = 'lithium'",
        ),
    ] {
        let n = db.count(sql).await;
        assert!(n >= at_least, "{n} {what} in the demo");
    }
    assert_intact(&db.run(&["audit", "verify"]).await);
    // The clinic is served and its staff can use the API.
    let token = db.issue_token("dr_lee").await;
    let server = Server::start(&db).await;
    assert!(server.patient_total(&token).await > 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_lists_every_command() {
    let top = tandem(&["--help"], None).await.success();
    for command in [
        "serve", "demo", "seed", "user", "token", "migrate", "audit", "backup",
    ] {
        assert!(
            top.stdout
                .lines()
                .any(|l| l.split_whitespace().next() == Some(command)),
            "`tandem --help` lists {command}:\n{}",
            top.stdout
        );
    }
    for sub in [
        &["serve"][..],
        &["demo"],
        &["seed"],
        &["user"],
        &["user", "add"],
        &["token"],
        &["token", "issue"],
        &["token", "revoke"],
        &["migrate"],
        &["audit"],
        &["audit", "verify"],
        &["backup"],
    ] {
        let mut args = sub.to_vec();
        args.push("--help");
        let r = tandem(&args, None).await.success();
        let usage = format!("Usage: tandem {}", sub.join(" "));
        assert!(
            r.stdout.contains(&usage),
            "`tandem {} --help` shows its usage:\n{}",
            sub.join(" "),
            r.stdout
        );
    }
}
