//! The side-effect checklist per drug class
//! (`content/medications/side_effects.toml`): the adverse reactions an FDA
//! label of a drug of the class names among its most common, each with the
//! label and section it comes from, then a short general list that is marked
//! as not drawn from a source.
//!
//! Codes are stored with each recorded side effect, so a code keeps one label
//! across the file, and codes an earlier checklist offered stay readable as
//! retired codes.

use super::catalog::{Catalog, DrugClass, DrugIdx};
use super::{ContentError, require};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

pub(crate) const FILE: &str = "content/medications/side_effects.toml";

/// A label a checklist item was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelSource {
    pub id: String,
    /// The catalog drug whose label it is.
    pub drug: DrugIdx,
    /// How the page names it ("venlafaxine (Effexor XR)").
    pub name: String,
    pub url: String,
    pub note: String,
}

/// Where a checklist item comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// A label in the file's sources, and the section and wording read there.
    Label { source: String, section: String },
    /// A general item no source backs; the page shows it apart.
    Unsourced,
}

/// One thing a patient may report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecklistItem {
    pub code: String,
    pub label: String,
    pub provenance: Provenance,
}

impl ChecklistItem {
    pub fn from_label(&self) -> bool {
        matches!(self.provenance, Provenance::Label { .. })
    }
}

/// The checklist for one class: its label items, then the general items it
/// does not already have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checklist<'a> {
    pub class: DrugClass,
    pub items: Vec<&'a ChecklistItem>,
    /// The labels the class items come from; empty when the class has none
    /// on file and the checklist is the general list alone.
    pub labels: Vec<&'a LabelSource>,
}

impl Checklist<'_> {
    pub fn item(&self, code: &str) -> Option<&ChecklistItem> {
        self.items.iter().copied().find(|i| i.code == code)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: String,
    drug: String,
    name: String,
    url: String,
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    code: String,
    label: String,
    source: Option<String>,
    #[serde(default)]
    unsourced: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClass {
    class: String,
    items: Vec<RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetired {
    code: String,
    label: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    sources: Vec<RawSource>,
    classes: Vec<RawClass>,
    general: Vec<RawItem>,
    #[serde(default)]
    retired: Vec<RawRetired>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SideEffects {
    sources: Vec<LabelSource>,
    classes: HashMap<DrugClass, Vec<ChecklistItem>>,
    general: Vec<ChecklistItem>,
    /// Every code the file knows, on a list or retired, with its label.
    labels: HashMap<String, String>,
}

impl SideEffects {
    pub fn parse(text: &str, catalog: &Catalog) -> Result<SideEffects, ContentError> {
        let f: RawFile =
            toml::from_str(text).map_err(|e| ContentError::new(FILE, "file", e.to_string()))?;
        let mut sources: Vec<LabelSource> = Vec::new();
        for s in f.sources {
            let row = format!("source {}", s.id);
            require(FILE, &row, "id", &s.id)?;
            require(FILE, &row, "name", &s.name)?;
            require(FILE, &row, "url", &s.url)?;
            require(FILE, &row, "note", &s.note)?;
            if s.id.contains(':') {
                return Err(ContentError::new(FILE, row, "a source id has no ':'"));
            }
            if sources.iter().any(|x| x.id == s.id) {
                return Err(ContentError::new(FILE, row, "the source id is used twice"));
            }
            let drug = catalog.resolve(FILE, &row, &s.drug)?;
            sources.push(LabelSource {
                id: s.id,
                drug,
                name: s.name,
                url: s.url,
                note: s.note,
            });
        }
        // A code reads the same wherever it appears.
        let mut labels: HashMap<String, String> = HashMap::new();
        let mut one_label = |row: &str, code: &str, label: &str| match labels.get(code) {
            Some(l) if l != label => Err(ContentError::new(
                FILE,
                row,
                format!("{code:?} is labelled {l:?} elsewhere in the file"),
            )),
            Some(_) => Ok(()),
            None => {
                labels.insert(code.to_string(), label.to_string());
                Ok(())
            }
        };
        let mut classes = HashMap::new();
        for c in f.classes {
            let class = DrugClass::ALL
                .into_iter()
                .find(|k| k.id() == c.class)
                .ok_or_else(|| {
                    ContentError::new(
                        FILE,
                        format!("class {}", c.class),
                        format!("unknown class {:?}", c.class),
                    )
                })?;
            let row = format!("class {}", class.id());
            if classes.contains_key(&class) {
                return Err(ContentError::new(FILE, row, "the class is listed twice"));
            }
            if c.items.is_empty() {
                return Err(ContentError::new(FILE, row, "the class lists no items"));
            }
            let items = items(&row, c.items, Unsourced::Refused, |item_row, source| {
                let (id, section) = source.split_once(':').ok_or_else(|| {
                    ContentError::new(FILE, item_row, "the source is \"<source id>: <section>\"")
                })?;
                let (id, section) = (id.trim(), section.trim());
                let s = sources.iter().find(|s| s.id == id).ok_or_else(|| {
                    ContentError::new(FILE, item_row, format!("cites unknown source {id:?}"))
                })?;
                if catalog.drug(s.drug).class != class {
                    return Err(ContentError::new(
                        FILE,
                        item_row,
                        format!("cites {id:?}, the label of a drug of another class"),
                    ));
                }
                require(FILE, item_row, "source section", section)?;
                Ok(Provenance::Label {
                    source: id.to_string(),
                    section: section.to_string(),
                })
            })?;
            for i in &items {
                one_label(&row, &i.code, &i.label)?;
            }
            classes.insert(class, items);
        }
        if f.general.is_empty() {
            return Err(ContentError::new(
                FILE,
                "general",
                "the general list is empty",
            ));
        }
        let general = items("general", f.general, Unsourced::Allowed, |item_row, _| {
            // A general item holds for no class in particular, so no one
            // label can back it.
            Err(ContentError::new(
                FILE,
                item_row,
                "a general item is marked unsourced = true",
            ))
        })?;
        for i in &general {
            one_label("general", &i.code, &i.label)?;
        }
        let mut retired = HashSet::new();
        for r in f.retired {
            let row = format!("retired {}", r.code);
            require(FILE, &row, "label", &r.label)?;
            if labels.contains_key(&r.code) || !retired.insert(r.code.clone()) {
                return Err(ContentError::new(
                    FILE,
                    row,
                    "a retired code is on no list and retired once",
                ));
            }
            labels.insert(r.code, r.label);
        }
        Ok(SideEffects {
            sources,
            classes,
            general,
            labels,
        })
    }

    /// The checklist of a class: its label items first, then the general
    /// items it does not already list.
    pub fn checklist(&self, class: DrugClass) -> Checklist<'_> {
        let own = self.classes.get(&class).map_or(&[][..], Vec::as_slice);
        let mut items: Vec<&ChecklistItem> = own.iter().collect();
        for g in &self.general {
            if !own.iter().any(|i| i.code == g.code) {
                items.push(g);
            }
        }
        let mut labels: Vec<&LabelSource> = Vec::new();
        for i in own {
            if let Provenance::Label { source, .. } = &i.provenance
                && let Some(s) = self.sources.iter().find(|s| &s.id == source)
                && !labels.iter().any(|l| l.id == s.id)
            {
                labels.push(s);
            }
        }
        Checklist {
            class,
            items,
            labels,
        }
    }

    /// The label of any code the file knows: on a class list, on the general
    /// list, or retired.
    pub fn label(&self, code: &str) -> Option<&str> {
        self.labels.get(code).map(String::as_str)
    }

    pub fn sources(&self) -> &[LabelSource] {
        &self.sources
    }
}

/// Whether a list may hold items no source backs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unsourced {
    Allowed,
    Refused,
}

/// Checks one list's items: codes are kebab-case and once each, labels and
/// sources are there, and `sourced` turns a `source` into its provenance.
fn items(
    row: &str,
    raw: Vec<RawItem>,
    unsourced: Unsourced,
    sourced: impl Fn(&str, &str) -> Result<Provenance, ContentError>,
) -> Result<Vec<ChecklistItem>, ContentError> {
    let mut out: Vec<ChecklistItem> = Vec::with_capacity(raw.len());
    for i in raw {
        let item_row = format!("{row}, {}", i.code);
        require(FILE, &item_row, "code", &i.code)?;
        require(FILE, &item_row, "label", &i.label)?;
        let kebab = i.code.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !kebab {
            return Err(ContentError::new(
                FILE,
                item_row,
                "a code is lower-case words joined by '-'",
            ));
        }
        if out.iter().any(|o| o.code == i.code) {
            return Err(ContentError::new(
                FILE,
                item_row,
                "the code is listed twice",
            ));
        }
        let provenance = match (i.source.as_deref().map(str::trim), i.unsourced) {
            (Some(s), false) if !s.is_empty() => sourced(&item_row, s)?,
            (None, true) if unsourced == Unsourced::Allowed => Provenance::Unsourced,
            (None, true) => {
                return Err(ContentError::new(
                    FILE,
                    item_row,
                    "a class item cites the label it comes from; only general items are unsourced",
                ));
            }
            (Some(_), true) => {
                return Err(ContentError::new(
                    FILE,
                    item_row,
                    "an item has a source or is unsourced, not both",
                ));
            }
            _ => {
                return Err(ContentError::new(
                    FILE,
                    item_row,
                    "the source is missing (or mark the item unsourced = true)",
                ));
            }
        };
        out.push(ChecklistItem {
            code: i.code,
            label: i.label,
            provenance,
        });
    }
    Ok(out)
}
