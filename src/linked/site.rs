//! `factgraph site`: a release as static files, the same pages `serve` answers.
//!
//! Layout (paths under the base IRI, plus an extension):
//! `index.html`, `ontology.html`/`.ttl`, `fact/<id>.html`/`.ttl`, `source/<id>…`,
//! `entity/<id>…`, `release/<v>…`. Links are relative, so the directory works from
//! `file://` and under any path of any static host; to make the IRIs themselves resolve,
//! the host maps `<base>fact/x` to `fact/x.html` (or `.ttl` for RDF clients), which is
//! what a w3id.org redirect rule or a `try_files $uri.html` line does.
//!
//! Deterministic: no clock, no host name, resources in sorted order; the same release
//! and sources give byte-identical files.

use super::{described_page, entity_page, fact_page, index_page, source_page, IndexEntry};
use super::{History, Lookup, Namespaces, Reader, Resource, Texts};
use crate::cite::ReleaseInfo;
use crate::error::{Error, Result};
use crate::project::Config;
use oxigraph::io::RdfFormat;
use std::path::Path;

/// What a site holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Pages written (one `.html` and one `.ttl` each, plus the index).
    pub pages: usize,
    /// Facts among them.
    pub facts: usize,
    /// Sources among them.
    pub sources: usize,
    /// Entities among them.
    pub entities: usize,
}

/// Writes the site of a graph into `out` (which must be new or empty; it is written
/// in a temporary directory first, so a failure leaves nothing behind).
pub fn write(
    graph: &dyn Lookup,
    ns: &Namespaces,
    release: &ReleaseInfo,
    texts: &Texts,
    history: &History,
    out: &Path,
) -> Result<Summary> {
    if out.exists()
        && std::fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .next()
            .is_some()
    {
        return Err(Error::Usage(format!(
            "{} is not empty: give a new or empty directory for the site",
            out.display()
        )));
    }
    let reader = Reader::new(graph, ns);
    let resources = reader.all()?;
    crate::atomic::write_dir(out, |dir| {
        let mut entries = Vec::new();
        let mut summary = Summary {
            pages: 0,
            facts: 0,
            sources: 0,
            entities: 0,
        };
        for resource in &resources {
            let (page, label) = match resource {
                Resource::Fact(id) => {
                    let Some(view) = reader.fact(id, release.clone(), texts, history)? else {
                        continue;
                    };
                    summary.facts += 1;
                    (fact_page(ns, &view), view.citation.claim_words())
                }
                Resource::Source(id) => {
                    let Some(view) = reader.source(id, texts)? else {
                        continue;
                    };
                    summary.sources += 1;
                    let title = view.info.title.clone().unwrap_or_else(|| id.clone());
                    (source_page(ns, &view), title)
                }
                Resource::Entity(id) => {
                    let Some(view) = reader.entity(id)? else {
                        continue;
                    };
                    summary.entities += 1;
                    let title = view.title.clone();
                    (entity_page(ns, id, &view), title)
                }
                Resource::Release(v) => {
                    let Some(view) = reader.release(v)? else {
                        continue;
                    };
                    (described_page(ns, resource, &view), view.title.clone())
                }
                Resource::Ontology => {
                    let Some(view) = reader.ontology()? else {
                        continue;
                    };
                    (described_page(ns, resource, &view), view.title.clone())
                }
            };
            let turtle = super::serialize(&reader.describe(resource)?, RdfFormat::Turtle, ns)?;
            let base = dir.join(resource.path());
            if let Some(parent) = base.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            let html_path = base.with_extension("html");
            std::fs::write(&html_path, page).map_err(|e| Error::io(&html_path, e))?;
            let ttl_path = base.with_extension("ttl");
            std::fs::write(&ttl_path, turtle).map_err(|e| Error::io(&ttl_path, e))?;
            summary.pages += 1;
            entries.push(IndexEntry {
                resource: resource.clone(),
                label,
            });
        }
        let title = match &release.iri {
            Some(_) => format!("factgraph release {}", release.version),
            None => "factgraph working graph".to_owned(),
        };
        let index = dir.join("index.html");
        std::fs::write(&index, index_page(ns, &title, &entries))
            .map_err(|e| Error::io(&index, e))?;
        Ok(summary)
    })
}

/// The site of a release directory: its graph, the project's source texts (used only
/// where their sha256 matches the release) and the history of the releases up to it.
pub fn write_release(config: &Config, release_dir: &Path, out: &Path) -> Result<Summary> {
    let info = crate::release::read_info(release_dir)?;
    let queryable = crate::store::release(config, release_dir)?;
    let history = History::until(&config.exports_dir(), &info)?;
    let ns = Namespaces::new(&config.minter, queryable.prefixes.clone());
    let lookup = crate::store::GraphLookup::new(&queryable.store, None);
    let release = ReleaseInfo {
        version: info.version.clone(),
        content_hash: info.graph_sha256.clone(),
        iri: Some(info.iri.clone()),
        published_as: None,
    };
    write(
        &lookup,
        &ns,
        &release,
        &Texts::new(Some(config.sources_dir())),
        &history,
        out,
    )
}
