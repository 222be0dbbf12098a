//! Education written for patients (`content/education/*.md`): leaflets
//! linked to diagnoses, therapies, medication classes and pathways, each
//! with its sources. A leaflet is TOML front matter between `+++` lines and
//! a body in a small, safe subset of Markdown (`## ` headings, `- ` list
//! items, `**strong**`, paragraphs) — the subset is parsed here into a
//! document the web layer renders with escaping, so content can never
//! inject markup.

use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    title: String,
    summary: String,
    #[serde(default)]
    always: bool,
    /// Where the leaflet comes in a patient's list (lower first).
    #[serde(default = "default_order")]
    order: u32,
    /// ICD-10-CM code prefixes ("F11", "F43.1").
    #[serde(default)]
    diagnoses: Vec<String>,
    /// Therapy modality ids of the care plan.
    #[serde(default)]
    therapies: Vec<String>,
    /// Medication class ids.
    #[serde(default)]
    medication_classes: Vec<String>,
    /// Decided pathway ids (`therapy`, `medication`, `both`) and first-step
    /// ids of the recommendation (`mat_evaluation`, …).
    #[serde(default)]
    pathways: Vec<String>,
    sources: Vec<String>,
}

fn default_order() -> u32 {
    100
}

/// One piece of inline text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Span {
    Text(String),
    Strong(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Heading(Vec<Span>),
    Paragraph(Vec<Span>),
    List(Vec<Vec<Span>>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaflet {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub always: bool,
    pub order: u32,
    pub diagnoses: Vec<String>,
    pub therapies: Vec<String>,
    pub medication_classes: Vec<String>,
    pub pathways: Vec<String>,
    pub sources: Vec<String>,
    pub body: Vec<Block>,
}

impl Leaflet {
    /// Parses one file; the error says what is wrong (the caller adds the
    /// file name).
    pub fn parse(text: &str) -> Result<Leaflet, String> {
        let rest = text
            .strip_prefix("+++\n")
            .ok_or("a leaflet starts with a +++ line")?;
        let (front, body) = rest
            .split_once("\n+++\n")
            .ok_or("the front matter is not closed with a +++ line")?;
        let fm: FrontMatter = toml::from_str(front).map_err(|e| e.to_string())?;
        if fm.id.trim().is_empty() || fm.title.trim().is_empty() {
            return Err("a leaflet needs an id and a title".into());
        }
        if fm.sources.is_empty() {
            return Err(format!("leaflet {} names no sources", fm.id));
        }
        let links = fm.diagnoses.len()
            + fm.therapies.len()
            + fm.medication_classes.len()
            + fm.pathways.len();
        if !fm.always && links == 0 {
            return Err(format!(
                "leaflet {} is linked to nothing and not marked always",
                fm.id
            ));
        }
        let body = parse_body(body)?;
        if body.is_empty() {
            return Err(format!("leaflet {} has no text", fm.id));
        }
        Ok(Leaflet {
            id: fm.id,
            title: fm.title,
            summary: fm.summary,
            always: fm.always,
            order: fm.order,
            diagnoses: fm.diagnoses,
            therapies: fm.therapies,
            medication_classes: fm.medication_classes,
            pathways: fm.pathways,
            sources: fm.sources,
            body,
        })
    }

    /// The words a patient reads, one line per heading, paragraph or item.
    pub fn plain_text(&self) -> String {
        let mut lines = vec![self.title.clone(), self.summary.clone()];
        for b in &self.body {
            match b {
                Block::Heading(s) | Block::Paragraph(s) => lines.push(spans_text(s)),
                Block::List(items) => lines.extend(items.iter().map(|i| spans_text(i))),
            }
        }
        lines.join("\n")
    }
}

fn spans_text(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) | Span::Strong(t) => t.as_str(),
        })
        .collect()
}

fn parse_body(body: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list: Vec<Vec<Span>> = Vec::new();
    let flush_paragraph = |p: &mut Vec<&str>, blocks: &mut Vec<Block>| -> Result<(), String> {
        if !p.is_empty() {
            blocks.push(Block::Paragraph(inline(&p.join(" "))?));
            p.clear();
        }
        Ok(())
    };
    for line in body.lines().map(str::trim_end) {
        if let Some(item) = line.strip_prefix("- ") {
            flush_paragraph(&mut paragraph, &mut blocks)?;
            list.push(inline(item.trim())?);
            continue;
        }
        if !list.is_empty() {
            blocks.push(Block::List(std::mem::take(&mut list)));
        }
        if let Some(h) = line.strip_prefix("## ") {
            flush_paragraph(&mut paragraph, &mut blocks)?;
            blocks.push(Block::Heading(inline(h.trim())?));
        } else if line.starts_with('#') || line.starts_with('<') {
            return Err(format!(
                "unsupported line {line:?}: use ## headings, - lists and plain paragraphs"
            ));
        } else if line.trim().is_empty() {
            flush_paragraph(&mut paragraph, &mut blocks)?;
        } else {
            paragraph.push(line.trim());
        }
    }
    if !list.is_empty() {
        blocks.push(Block::List(list));
    }
    flush_paragraph(&mut paragraph, &mut blocks)?;
    Ok(blocks)
}

fn inline(text: &str) -> Result<Vec<Span>, String> {
    let mut spans = Vec::new();
    for (i, part) in text.split("**").enumerate() {
        if part.is_empty() {
            continue;
        }
        spans.push(if i % 2 == 1 {
            Span::Strong(part.to_string())
        } else {
            Span::Text(part.to_string())
        });
    }
    if text.matches("**").count() % 2 == 1 {
        return Err(format!("unclosed ** in {text:?}"));
    }
    Ok(spans)
}

/// What a patient's plan is about, to choose the leaflets for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// ICD-10-CM codes of active diagnoses.
    pub diagnoses: Vec<String>,
    pub therapies: Vec<String>,
    pub medication_classes: Vec<String>,
    pub pathways: Vec<String>,
}

/// A leaflet chosen for a patient, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen<'a> {
    pub leaflet: &'a Leaflet,
    pub because: Vec<String>,
}

/// Every leaflet, checked.
#[derive(Clone, Debug, Default)]
pub struct Library {
    leaflets: Vec<Leaflet>,
}

impl Library {
    /// Parses `(file name, contents)` pairs; an error names the file.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Library, String> {
        let mut leaflets: Vec<Leaflet> = Vec::new();
        let mut ids = BTreeSet::new();
        for (name, text) in files {
            let l = Leaflet::parse(text).map_err(|e| format!("{name}: {e}"))?;
            if !ids.insert(l.id.clone()) {
                return Err(format!("{name}: leaflet id {} is used twice", l.id));
            }
            leaflets.push(l);
        }
        Ok(Library { leaflets })
    }

    pub fn all(&self) -> &[Leaflet] {
        &self.leaflets
    }

    pub fn get(&self, id: &str) -> Option<&Leaflet> {
        self.leaflets.iter().find(|l| l.id == id)
    }

    /// The leaflets for this plan, with the reasons each applies, in the
    /// leaflets' stated order (the crisis leaflet first), then file order.
    pub fn select(&self, ctx: &Context) -> Vec<Chosen<'_>> {
        let mut out: Vec<Chosen<'_>> = Vec::new();
        for l in &self.leaflets {
            let mut because = Vec::new();
            if l.always {
                because.push("for everyone".to_string());
            }
            for d in &ctx.diagnoses {
                if l.diagnoses.iter().any(|p| d.starts_with(p.as_str())) {
                    because.push(format!("diagnosis {d}"));
                }
            }
            for (mine, theirs, what) in [
                (&l.therapies, &ctx.therapies, "therapy"),
                (&l.medication_classes, &ctx.medication_classes, "medication"),
                (&l.pathways, &ctx.pathways, "pathway"),
            ] {
                for t in theirs {
                    if mine.contains(t) {
                        because.push(format!("{what} {t}"));
                    }
                }
            }
            if !because.is_empty() {
                out.push(Chosen {
                    leaflet: l,
                    because,
                });
            }
        }
        out.sort_by_key(|c| c.leaflet.order);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEAFLET: &str = "+++\nid = \"x\"\ntitle = \"X\"\nsummary = \"s\"\ntherapies = [\"cbt\"]\nsources = [\"a\"]\n+++\nIntro **bold** text.\n\n## Head\n\n- one\n- **two**\nAfter.\n";

    #[test]
    fn the_body_subset_parses_into_blocks() {
        let l = Leaflet::parse(LEAFLET).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            l.body,
            vec![
                Block::Paragraph(vec![
                    Span::Text("Intro ".into()),
                    Span::Strong("bold".into()),
                    Span::Text(" text.".into())
                ]),
                Block::Heading(vec![Span::Text("Head".into())]),
                Block::List(vec![
                    vec![Span::Text("one".into())],
                    vec![Span::Strong("two".into())]
                ]),
                Block::Paragraph(vec![Span::Text("After.".into())]),
            ]
        );
    }

    #[test]
    fn markup_outside_the_subset_and_missing_sources_are_refused() {
        assert!(Leaflet::parse(&LEAFLET.replace("## Head", "<script>x</script>")).is_err());
        assert!(Leaflet::parse(&LEAFLET.replace("## Head", "# Head")).is_err());
        assert!(Leaflet::parse(&LEAFLET.replace("**bold**", "**bold")).is_err());
        assert!(Leaflet::parse(&LEAFLET.replace("sources = [\"a\"]", "sources = []")).is_err());
        assert!(Leaflet::parse(&LEAFLET.replace("therapies = [\"cbt\"]", "")).is_err());
    }

    #[test]
    fn selection_follows_the_plan_and_says_why() {
        let lib = Library::from_files([("x.md", LEAFLET)]).unwrap_or_default();
        let none = lib.select(&Context::default());
        assert!(none.is_empty());
        let ctx = Context {
            therapies: vec!["cbt".into()],
            ..Context::default()
        };
        let chosen = lib.select(&ctx);
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].because, vec!["therapy cbt".to_string()]);
        assert!(Library::from_files([("a.md", LEAFLET), ("b.md", LEAFLET)]).is_err());
    }
}
