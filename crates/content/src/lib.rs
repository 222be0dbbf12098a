//! Clinical knowledge as reviewed data: the files of `content/`, compiled
//! into the binary. Parsing and checking them is `tandem_core`'s job.
#![forbid(unsafe_code)]

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The treat-to-target rules (`content/measurement/trajectory.toml`).
pub static TRAJECTORY: &str = include_str!("../../../content/measurement/trajectory.toml");

/// Programs, their levels of care and intake screening packets
/// (`content/intake/programs.toml`).
pub static PROGRAMS: &str = include_str!("../../../content/intake/programs.toml");
