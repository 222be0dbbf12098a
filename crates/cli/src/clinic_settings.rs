//! Clinic settings read from the environment at start-up. A wrong value
//! stops the start with a message naming it: a typo must not silently fall
//! back to a default that changes what a score means.

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use tandem_app::Settings;
use tandem_core::trajectory::TrajectoryRules;

/// `TANDEM_BAND_MODELS`: `instrument=model` pairs separated by commas, e.g.
/// `audit=auditscreen,ciwa-ar=original_va`. The instruments and models are
/// checked against the library when the app opens.
pub const BAND_MODELS: &str = "TANDEM_BAND_MODELS";
/// `TANDEM_MEASUREMENT_RULES`: a file in the format of
/// `content/measurement/trajectory.toml` replacing the shipped rules.
pub const MEASUREMENT_RULES: &str = "TANDEM_MEASUREMENT_RULES";
/// `TANDEM_PROGRAMS`: the clinic's copy of `content/intake/programs.toml`
/// (programs, levels of care, intake screening packets).
pub const PROGRAMS: &str = "TANDEM_PROGRAMS";
/// `TANDEM_ASAM_RULES`: the clinic's copy of `content/intake/asam.toml`.
pub const ASAM_RULES: &str = "TANDEM_ASAM_RULES";
/// `TANDEM_PATHWAY_RULES`: the clinic's copy of `content/intake/pathway.toml`.
pub const PATHWAY_RULES: &str = "TANDEM_PATHWAY_RULES";

pub fn from_env() -> Result<Settings> {
    let mut s = Settings::default();
    if let Ok(text) = std::env::var(BAND_MODELS) {
        s.band_models = parse_band_models(&text)?;
    }
    if let Ok(path) = std::env::var(MEASUREMENT_RULES) {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{MEASUREMENT_RULES}: cannot read {path}"))?;
        let rules = TrajectoryRules::parse(&text)
            .map_err(|e| anyhow::anyhow!("{MEASUREMENT_RULES}: {path}: {e}"))?;
        s.trajectory = Some(rules);
    }
    let lib = library();
    s.programs = content_file(PROGRAMS, |text| {
        tandem_core::program::Programs::parse(text, |i| lib.get(i).is_some()).map(|_| ())
    })?;
    s.asam_rules = content_file(ASAM_RULES, |text| {
        tandem_core::asam::AsamRules::parse(text).map(|_| ())
    })?;
    s.pathway_rules = content_file(PATHWAY_RULES, |text| {
        tandem_core::pathway::PathwayRules::parse(
            text,
            |i| lib.get(i).is_some(),
            |i, r| {
                lib.get(i)
                    .is_some_and(|inst| tandem_core::pathway::has_yes_no_rule(inst, r))
            },
        )
        .map(|_| ())
    })?;
    Ok(s)
}

/// The shipped instrument library, which content files are checked against.
fn library() -> tandem_core::instrument::Library {
    tandem_core::instrument::Library::from_files(tandem_content::INSTRUMENTS.iter().copied())
        .unwrap_or_default()
}

/// The text of the clinic's copy of a content file named by `var`, checked
/// here so a problem names the setting and the file.
fn content_file(
    var: &str,
    check: impl Fn(&str) -> std::result::Result<(), String>,
) -> Result<Option<String>> {
    let Ok(path) = std::env::var(var) else {
        return Ok(None);
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("{var}: cannot read {path}"))?;
    check(&text).map_err(|e| anyhow::anyhow!("{var}: {path}: {e}"))?;
    Ok(Some(text))
}

fn parse_band_models(text: &str) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((inst, model)) = pair.split_once('=') else {
            bail!("{BAND_MODELS}: {pair:?} should read instrument=model, e.g. audit=auditscreen");
        };
        let (inst, model) = (inst.trim(), model.trim());
        if inst.is_empty() || model.is_empty() {
            bail!("{BAND_MODELS}: {pair:?} should read instrument=model");
        }
        if out.insert(inst.to_string(), model.to_string()).is_some() {
            bail!("{BAND_MODELS}: {inst} is named twice");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_models_read_as_pairs() {
        let m = parse_band_models(" audit=auditscreen, ciwa-ar=original_va ,").unwrap_or_default();
        assert_eq!(m.get("audit").map(String::as_str), Some("auditscreen"));
        assert_eq!(m.get("ciwa-ar").map(String::as_str), Some("original_va"));
        assert!(parse_band_models("audit").is_err());
        assert!(parse_band_models("audit=").is_err());
        assert!(parse_band_models("audit=who,audit=auditscreen").is_err());
    }
}
