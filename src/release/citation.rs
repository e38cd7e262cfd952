//! `CITATION.cff`: how to cite a release, in the Citation File Format (1.2.0) that
//! GitHub, Zenodo and reference managers read, generated from `project.ttl`.

use crate::metadata::Metadata;

/// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// The `CITATION.cff` of release `version`.
pub fn cff(
    metadata: &Metadata,
    version: &str,
    date: &str,
    release_iri: &str,
    graph_sha256: &str,
) -> String {
    let title = metadata
        .title
        .as_ref()
        .map_or("factgraph knowledge graph", |t| t.value());
    let mut out = String::from("cff-version: 1.2.0\n");
    out.push_str(&format!(
        "message: {}\n",
        quoted("If you use this dataset, please cite this release by its version, date and graph hash.")
    ));
    out.push_str("type: dataset\n");
    out.push_str(&format!("title: {}\n", quoted(title)));
    out.push_str(&format!("version: {}\n", quoted(version)));
    out.push_str(&format!("date-released: {}\n", quoted(date)));
    let authors: Vec<String> = [&metadata.creator, &metadata.publisher]
        .into_iter()
        .flatten()
        .filter_map(|a| metadata.agent_name(a))
        .fold(Vec::new(), |mut names, n| {
            if !names.contains(&n) {
                names.push(n);
            }
            names
        });
    out.push_str("authors:\n");
    if authors.is_empty() {
        out.push_str(&format!("  - name: {}\n", quoted("factgraph curators")));
    }
    for name in authors {
        out.push_str(&format!("  - name: {}\n", quoted(&name)));
    }
    if let Some(d) = &metadata.description {
        out.push_str(&format!("abstract: {}\n", quoted(d.value())));
    }
    if let Some(id) = metadata.spdx_license() {
        out.push_str(&format!("license: {}\n", quoted(id)));
    }
    if let Some(l) = &metadata.license {
        out.push_str(&format!("license-url: {}\n", quoted(l.as_str())));
    }
    if let Some(p) = &metadata.landing_page {
        out.push_str(&format!("url: {}\n", quoted(p.as_str())));
    }
    out.push_str("identifiers:\n");
    out.push_str(&format!(
        "  - type: url\n    value: {}\n    description: {}\n",
        quoted(release_iri),
        quoted("the release IRI")
    ));
    out.push_str(&format!(
        "  - type: other\n    value: {}\n    description: {}\n",
        quoted(&format!("sha256:{graph_sha256}")),
        quoted("the graph content hash (fg:graphSha256)")
    ));
    if !metadata.keywords.is_empty() {
        out.push_str("keywords:\n");
        for k in &metadata.keywords {
            out.push_str(&format!("  - {}\n", quoted(k.value())));
        }
    }
    out
}
