//! Embeds every file of `content/instruments/` and `content/education/` so
//! that adding an instrument or a leaflet is adding a file: the next build
//! picks it up without a code change.

use std::fmt::Write;
use std::path::PathBuf;

fn main() {
    let content = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../../content");
    let mut out = String::new();
    embed(
        &mut out,
        &content.join("instruments"),
        "toml",
        "INSTRUMENTS",
        "`(file name, contents)` of every instrument file.",
    );
    embed(
        &mut out,
        &content.join("education"),
        "md",
        "EDUCATION",
        "`(file name, contents)` of every education leaflet.",
    );
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("embedded.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        println!("cargo:warning=cannot write {}: {e}", dest.display());
    }
}

fn embed(out: &mut String, dir: &std::path::Path, ext: &str, name: &str, doc: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == ext))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let _ = writeln!(out, "/// {doc}\npub static {name}: &[(&str, &str)] = &[");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let file = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    ({file:?}, include_str!({:?})),",
            f.display().to_string()
        );
    }
    out.push_str("];\n");
}
