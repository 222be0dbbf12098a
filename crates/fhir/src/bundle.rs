//! `Bundle` of type `searchset`: one page of search results with the links
//! to move between pages.

use serde_json::{Map, Value, json};

/// Where this page sits in the whole result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchPage {
    /// Matches in the whole result, not just this page.
    pub total: u64,
    /// Matches skipped before this page.
    pub offset: u64,
    /// Page size asked for.
    pub count: u64,
}

/// A searchset Bundle.
///
/// `base` is e.g. "http://host/fhir/r4", `type_` e.g. "Patient", `query` is
/// the search's own query string without `_offset`/`_count` (e.g.
/// "name=Rivera"), already encoded; `entries` are resources with an "id".
/// Links: self, first, next (only when more remain), previous (when
/// offset > 0).
pub fn searchset(
    base: &str,
    type_: &str,
    query: &str,
    page: &SearchPage,
    entries: Vec<Value>,
) -> Value {
    let base = base.trim_end_matches('/');
    let page_url = |offset: u64| {
        let query = query.trim_start_matches(['?', '&']);
        let sep = if query.is_empty() { "" } else { "&" };
        format!(
            "{base}/{type_}?{query}{sep}_count={}&_offset={offset}",
            page.count
        )
    };
    let link = |relation: &str, offset: u64| json!({"relation": relation, "url": page_url(offset)});
    let mut links = vec![link("self", page.offset), link("first", 0)];
    if page.offset > 0 {
        links.push(link("previous", page.offset.saturating_sub(page.count)));
    }
    // With a page size of 0 only the total is wanted; "next" would never move.
    let next = page.offset.saturating_add(page.count);
    if page.count > 0 && next < page.total {
        links.push(link("next", next));
    }

    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Bundle"));
    r.insert("type".into(), json!("searchset"));
    r.insert("total".into(), json!(page.total));
    r.insert("link".into(), Value::Array(links));
    let entries: Vec<Value> = entries
        .into_iter()
        .map(|resource| entry(base, type_, resource))
        .collect();
    if !entries.is_empty() {
        r.insert("entry".into(), Value::Array(entries));
    }
    Value::Object(r)
}

fn entry(base: &str, type_: &str, resource: Value) -> Value {
    let mut e = Map::new();
    // An _include'd resource would be of another type; trust the resource's own.
    let resource_type = resource
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or(type_);
    if let Some(id) = resource.get("id").and_then(Value::as_str) {
        e.insert(
            "fullUrl".into(),
            json!(format!("{base}/{resource_type}/{id}")),
        );
    }
    e.insert("resource".into(), resource);
    e.insert("search".into(), json!({"mode": "match"}));
    Value::Object(e)
}
