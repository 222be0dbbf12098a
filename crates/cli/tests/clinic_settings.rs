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
        "TANDEM_PROGRAMS",
        "TANDEM_ASAM_RULES",
        "TANDEM_PATHWAY_RULES",
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

#[test]
fn a_programs_file_replaces_the_shipped_one_or_stops_the_start() {
    let dir = tandem_testkit::TempDir::new("programs");
    let shipped = include_str!("../../../content/intake/programs.toml");
    let good = dir.0.join("programs.toml");
    std::fs::write(
        &good,
        shipped.replace(
            "name = \"Adult mental health\"",
            "name = \"Adult counselling\"",
        ),
    )
    .unwrap();
    let (ok, out) = migrate(&[("TANDEM_PROGRAMS", good.to_str().unwrap())]);
    assert!(ok, "{out}");
    // A packet naming an instrument the library does not have.
    let bad = dir.0.join("bad-programs.toml");
    std::fs::write(&bad, shipped.replacen("\"gad7\"", "\"gad-77\"", 1)).unwrap();
    let (ok, out) = migrate(&[("TANDEM_PROGRAMS", bad.to_str().unwrap())]);
    assert!(!ok);
    assert!(
        out.contains("TANDEM_PROGRAMS")
            && out.contains("bad-programs.toml")
            && out.contains("gad-77"),
        "{out}"
    );
    let (ok, out) = migrate(&[("TANDEM_PROGRAMS", "/nonexistent/programs.toml")]);
    assert!(!ok);
    assert!(out.contains("cannot read"), "{out}");
}

#[test]
fn intake_rule_files_are_checked_when_given() {
    let dir = tandem_testkit::TempDir::new("intake-rules");
    let asam = include_str!("../../../content/intake/asam.toml");
    let bad = dir.0.join("asam.toml");
    std::fs::write(
        &bad,
        asam.replace("asam_level = \"2.1\"", "asam_level = \"9\""),
    )
    .unwrap();
    let (ok, out) = migrate(&[("TANDEM_ASAM_RULES", bad.to_str().unwrap())]);
    assert!(!ok);
    assert!(out.contains("TANDEM_ASAM_RULES"), "{out}");
    let pathway = include_str!("../../../content/intake/pathway.toml");
    let good = dir.0.join("pathway.toml");
    std::fs::write(&good, pathway).unwrap();
    let (ok, out) = migrate(&[("TANDEM_PATHWAY_RULES", good.to_str().unwrap())]);
    assert!(ok, "{out}");
}
