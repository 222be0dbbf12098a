//! Clinical knowledge as reviewed data: the files of `content/`, compiled
//! into the binary. Parsing and checking them is `tandem_core`'s job.
#![forbid(unsafe_code)]

include!(concat!(env!("OUT_DIR"), "/instruments.rs"));

/// The treat-to-target rules (`content/measurement/trajectory.toml`).
pub static TRAJECTORY: &str = include_str!("../../../content/measurement/trajectory.toml");

/// Programs, their levels of care and intake screening packets
/// (`content/intake/programs.toml`).
pub static PROGRAMS: &str = include_str!("../../../content/intake/programs.toml");

/// ASAM dimension names and the level-of-care suggestion rules
/// (`content/intake/asam.toml`).
pub static ASAM: &str = include_str!("../../../content/intake/asam.toml");

/// The pathway recommendation rules (`content/intake/pathway.toml`).
pub static PATHWAY: &str = include_str!("../../../content/intake/pathway.toml");
