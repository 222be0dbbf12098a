//! Programs a patient is enrolled in: the levels of care each offers and
//! the screening packet each asks for at intake
//! (`content/intake/programs.toml`, a clinic-configurable default).

use crate::level_of_care::LevelOfCare;
use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programs {
    pub sources: Vec<String>,
    pub programs: Vec<Program>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    pub id: String,
    pub name: String,
    pub levels: Vec<LevelOfCare>,
    /// Instrument ids everyone in the program completes at intake.
    pub packet: Vec<String>,
    /// Instrument ids added when the patient reports trauma.
    #[serde(default)]
    pub when_trauma: Vec<String>,
}

impl Programs {
    /// Parses and checks the file. `known_instrument` says whether an
    /// instrument id exists in the library, so a packet cannot name an
    /// instrument Tandem cannot score.
    pub fn parse(text: &str, known_instrument: impl Fn(&str) -> bool) -> Result<Programs, String> {
        let p: Programs = toml::from_str(text).map_err(|e| e.to_string())?;
        if p.sources.is_empty() {
            return Err("the programs file names no sources".into());
        }
        if p.programs.is_empty() {
            return Err("no programs are defined".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for prog in &p.programs {
            if prog.id.trim().is_empty() || prog.name.trim().is_empty() {
                return Err("every program needs an id and a name".into());
            }
            if !seen.insert(prog.id.as_str()) {
                return Err(format!("program {} is defined twice", prog.id));
            }
            if prog.levels.is_empty() {
                return Err(format!("program {} offers no level of care", prog.id));
            }
            for i in prog.packet.iter().chain(&prog.when_trauma) {
                if !known_instrument(i) {
                    return Err(format!(
                        "program {}: the packet names instrument {i}, which the library does not have",
                        prog.id
                    ));
                }
            }
        }
        Ok(p)
    }

    pub fn get(&self, id: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.id == id)
    }
}

impl Program {
    /// The instruments this patient's intake asks for, in order.
    pub fn packet_for(&self, trauma_reported: bool) -> Vec<&str> {
        let mut out: Vec<&str> = self.packet.iter().map(String::as_str).collect();
        if trauma_reported {
            for i in &self.when_trauma {
                if !out.contains(&i.as_str()) {
                    out.push(i);
                }
            }
        }
        out
    }

    pub fn offers(&self, level: LevelOfCare) -> bool {
        self.levels.contains(&level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
sources = ["test"]
[[programs]]
id = "mh"
name = "Mental health"
levels = ["outpatient"]
packet = ["phq9", "gad7"]
when_trauma = ["pcl5"]
"#;

    #[test]
    fn trauma_adds_its_instruments_to_the_packet() {
        let p = Programs::parse(FILE, |_| true).unwrap_or_else(|e| unreachable!("{e}"));
        let mh = p.get("mh").unwrap_or_else(|| unreachable!());
        assert_eq!(mh.packet_for(false), vec!["phq9", "gad7"]);
        assert_eq!(mh.packet_for(true), vec!["phq9", "gad7", "pcl5"]);
        assert!(mh.offers(LevelOfCare::Outpatient));
        assert!(!mh.offers(LevelOfCare::Residential));
    }

    #[test]
    fn unknown_instruments_and_levels_are_refused() {
        let e = Programs::parse(FILE, |i| i != "pcl5")
            .err()
            .unwrap_or_default();
        assert!(e.contains("pcl5"), "{e}");
        let bad_level = FILE.replace("\"outpatient\"", "\"inpatient\"");
        assert!(Programs::parse(&bad_level, |_| true).is_err());
    }
}
