//! Clinic settings from the environment: a wrong band model or rules file
//! stops the start, naming the problem, instead of silently scoring with
//! a default.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn migrate(env: &[(&str, &str)]) -> (bool, String) {
    let dir = tandem_testkit::TempDir::new("settings");
    let url = format!("sqlite://{}", dir.0.join("t.db").display());
    let mut c = Command::new(env!("CARGO_BIN_EXE_tandem"));
    c.args(["migrate", "--database", &url]);
    for var in [
        "TANDEM_DATABASE_URL",
        "TANDEM_BAND_MODELS",
        "TANDEM_MEASUREMENT_RULES",
        "RUST_BACKTRACE",
    ] {
        c.env_remove(var);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run tandem");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn band_models_are_checked_against_the_library() {
    let (ok, out) = migrate(&[(
        "TANDEM_BAND_MODELS",
        "audit=auditscreen,ciwa-ar=original_va",
    )]);
    assert!(ok, "{out}");
    let (ok, out) = migrate(&[("TANDEM_BAND_MODELS", "ciwa-ar=va")]);
    assert!(!ok);
    assert!(out.contains("ciwa-ar has no band model \"va\""), "{out}");
    assert!(
        out.contains("asam2020"),
        "the message lists the known models: {out}"
    );
    let (ok, out) = migrate(&[("TANDEM_BAND_MODELS", "phq-99=x")]);
    assert!(!ok);
    assert!(out.contains("unknown instrument \"phq-99\""), "{out}");
}

#[test]
fn a_measurement_rules_file_replaces_the_shipped_one_or_stops_the_start() {
    let dir = tandem_testkit::TempDir::new("rules");
    let good = dir.0.join("rules.toml");
    let shipped = include_str!("../../../content/measurement/trajectory.toml");
    std::fs::write(
        &good,
        shipped.replace("overdue_after_weeks = 4", "overdue_after_weeks = 2"),
    )
    .unwrap();
    let (ok, out) = migrate(&[("TANDEM_MEASUREMENT_RULES", good.to_str().unwrap())]);
    assert!(ok, "{out}");
    let bad = dir.0.join("bad.toml");
    std::fs::write(
        &bad,
        shipped.replace("response_drop_percent = 50", "response_drop_percent = 150"),
    )
    .unwrap();
    let (ok, out) = migrate(&[("TANDEM_MEASUREMENT_RULES", bad.to_str().unwrap())]);
    assert!(!ok);
    assert!(
        out.contains("bad.toml") && out.contains("response_drop_percent"),
        "{out}"
    );
}
