//! Linked data: what each IRI of the graph answers, to people (HTML pages) and to
//! programs (Turtle, N-Triples, JSON-LD).
//!
//! The resources are the graph's own IRIs: facts (`<base>fact/<id>`), sources
//! (`<base>source/<id>`), entities (`<base>entity/<id>`, or the ontology's `ent:`
//! namespace), releases (`<base>release/<v>`) and the ontology (`…/ontology`, whose
//! terms are hash IRIs `…/ontology#Term`). A [`Resource`] is named by its path under
//! the base (`fact/astana-003`), which is also its path on `serve` and in a static site.
//!
//! Views ([`FactView`], [`SourceView`], [`EntityView`], [`DescribedView`]) are read from
//! any [`Lookup`] (the served store, a release's store) and rendered by [`html`]; the RDF
//! answer of a resource is [`describe`]. Nothing here does network I/O; source texts are
//! read through [`Texts`], which checks each file against the sha256 the graph records.
//!
//! # Rationale
//! Reading views through a three-method [`Lookup`] keeps this module free of store
//! types (the store module owns every store), and lets a static site and the
//! server render byte-identical pages from the same code.

pub mod html;
mod pages;
mod rdf;
mod reader;
pub mod site;
mod sources;
mod text;
mod view;

use crate::error::Result;
use crate::vocab::FG;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, Quad, Term, Triple};

pub use crate::store::Lookup;
pub use pages::{
    described_page, entity_page, fact_page, index_page, not_found_page, source_page, IndexEntry,
};
pub use rdf::serialize;
pub use reader::Reader;
pub use sources::{History, HistoryEntry, Texts};
pub use text::{paragraph_around, segments, Segment};
pub use view::{
    Context, DescribedView, EntityView, FactSummary, FactView, Part, Shown, SourceView,
};

/// A [`Lookup`] over quads held in memory (tests, small graphs).
#[derive(Debug, Default)]
pub struct MemoryGraph {
    triples: Vec<Triple>,
}

impl MemoryGraph {
    /// The default graph of these quads.
    pub fn new(quads: impl IntoIterator<Item = Quad>) -> Self {
        Self {
            triples: quads
                .into_iter()
                .filter(|q| q.graph_name == GraphName::DefaultGraph)
                .map(Triple::from)
                .collect(),
        }
    }
}

impl Lookup for MemoryGraph {
    fn about(&self, subject: &NamedNode) -> Result<Vec<Triple>> {
        Ok(self
            .triples
            .iter()
            .filter(|t| matches!(&t.subject, NamedOrBlankNode::NamedNode(n) if n == subject))
            .cloned()
            .collect())
    }
    fn mentioning(&self, object: &Term) -> Result<Vec<Triple>> {
        Ok(self
            .triples
            .iter()
            .filter(|t| t.object == *object)
            .cloned()
            .collect())
    }
    fn with_predicate(&self, predicate: &NamedNode) -> Result<Vec<Triple>> {
        Ok(self
            .triples
            .iter()
            .filter(|t| t.predicate == *predicate)
            .cloned()
            .collect())
    }
}

/// The namespaces that map IRIs to resource paths, and the prefixes to compact the rest.
#[derive(Debug, Clone)]
pub struct Namespaces {
    /// `<base>fact/`.
    pub fact: String,
    /// `<base>source/`.
    pub source: String,
    /// `<base>release/`.
    pub release: String,
    /// Entities: the ontology's `ent:` namespace, else `<base>entity/`.
    pub entity: String,
    /// Prefixes for compact IRIs, in the exports' fixed order.
    pub prefixes: Vec<(String, String)>,
}

impl Namespaces {
    /// The namespaces of a project (base IRI) with the prefixes its exports declare.
    pub fn new(minter: &crate::project::Minter, prefixes: Vec<(String, String)>) -> Self {
        let entity = prefixes
            .iter()
            .find(|(name, _)| name == "ent")
            .map_or_else(|| format!("{}entity/", minter.base()), |(_, ns)| ns.clone());
        Self {
            fact: minter.fact_ns(),
            source: minter.source_ns(),
            release: minter.release_ns(),
            entity,
            prefixes,
        }
    }

    /// The IRI of the ontology document (the `fg:` namespace without its `#`).
    pub fn ontology(&self) -> &str {
        FG.trim_end_matches('#')
    }

    /// The resource an IRI names (or whose document holds it, for hash IRIs).
    pub fn resource_of(&self, iri: &str) -> Option<Resource> {
        let iri = iri.split('#').next().unwrap_or(iri);
        if iri == self.ontology() {
            return Some(Resource::Ontology);
        }
        let id = |ns: &str| {
            iri.strip_prefix(ns)
                .filter(|id| is_id(id))
                .map(str::to_owned)
        };
        // Releases first: their files' IRIs are under `release/<v>/`, and only the
        // release itself has a page.
        if let Some(rest) = iri.strip_prefix(&self.release) {
            let version = rest.split('/').next().unwrap_or(rest);
            return is_id(version).then(|| Resource::Release(version.to_owned()));
        }
        id(&self.fact)
            .map(Resource::Fact)
            .or_else(|| id(&self.source).map(Resource::Source))
            .or_else(|| id(&self.entity).map(Resource::Entity))
    }

    /// The IRI of a resource.
    pub fn iri(&self, resource: &Resource) -> NamedNode {
        NamedNode::new_unchecked(match resource {
            Resource::Fact(id) => format!("{}{id}", self.fact),
            Resource::Source(id) => format!("{}{id}", self.source),
            Resource::Entity(id) => format!("{}{id}", self.entity),
            Resource::Release(v) => format!("{}{v}", self.release),
            Resource::Ontology => self.ontology().to_owned(),
        })
    }

    /// `prefix:local`, or `<iri>` when no prefix fits.
    pub fn compact(&self, iri: &str) -> String {
        crate::vocab::compact_iri(
            iri,
            self.prefixes.iter().map(|(n, i)| (n.as_str(), i.as_str())),
        )
    }
}

/// Ids that become file names and URL path segments: letters, digits, `_ . -`, not
/// starting with a dot (so no `..` and no hidden files).
pub fn is_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// A dereferenceable resource, named by its kind and id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resource {
    /// A fact, by fact id.
    Fact(String),
    /// A source, by source id.
    Source(String),
    /// An entity, by its local name.
    Entity(String),
    /// A release, by version.
    Release(String),
    /// The ontology (its terms are fragments of its page).
    Ontology,
}

impl Resource {
    /// Its path under the base IRI (`fact/astana-003`, `ontology`).
    pub fn path(&self) -> String {
        match self {
            Resource::Fact(id) => format!("fact/{id}"),
            Resource::Source(id) => format!("source/{id}"),
            Resource::Entity(id) => format!("entity/{id}"),
            Resource::Release(v) => format!("release/{v}"),
            Resource::Ontology => "ontology".to_owned(),
        }
    }

    /// The resource at a path under the base (`fact/astana-003`), if it is one.
    pub fn from_path(path: &str) -> Option<Self> {
        if path == "ontology" {
            return Some(Resource::Ontology);
        }
        let (kind, id) = path.split_once('/')?;
        if !is_id(id) {
            return None;
        }
        let id = id.to_owned();
        match kind {
            "fact" => Some(Resource::Fact(id)),
            "source" => Some(Resource::Source(id)),
            "entity" => Some(Resource::Entity(id)),
            "release" => Some(Resource::Release(id)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cite::ReleaseInfo;
    use crate::pipeline;
    use crate::project::Config;

    fn sample() -> (Config, MemoryGraph, Namespaces) {
        let config = Config::new(env!("CARGO_MANIFEST_DIR"), crate::project::DEFAULT_BASE_IRI)
            .expect("config");
        let checked = pipeline::checked(&config).expect("the sample checks clean");
        let graph = MemoryGraph::new(pipeline::quads(&config, &checked));
        let ns = Namespaces::new(
            &config.minter,
            pipeline::prefixes(&config, &checked.ontology),
        );
        (config, graph, ns)
    }

    fn working() -> ReleaseInfo {
        ReleaseInfo {
            version: "working".into(),
            content_hash: "0".repeat(64),
            iri: None,
            published_as: None,
        }
    }

    #[test]
    fn fact_page_highlights_the_exact_code_points() {
        let (config, graph, ns) = sample();
        let texts = Texts::new(Some(config.sources_dir()));
        let reader = Reader::new(&graph, &ns);
        let view = reader
            .fact("astana-021", working(), &texts, &History::default())
            .unwrap()
            .expect("a fact");
        let context = view.context.as_ref().expect("the source text is at hand");
        let text = texts
            .get(
                view.source_file.as_deref().unwrap(),
                view.citation.source.sha256.as_deref().unwrap(),
            )
            .unwrap();
        assert_eq!(
            text.slice(context.start, context.end),
            Some(view.citation.quote.as_str())
        );
        let page = fact_page(&ns, &view);
        let marked = page.split("<mark id=\"quote\"").nth(1).unwrap();
        let marked = &marked[marked.find('>').unwrap() + 1..marked.find("</mark>").unwrap()];
        assert_eq!(marked, html::escape(&view.citation.quote));
        assert!(
            page.contains("Deprecated claim"),
            "the deprecated rank is explained"
        );
        assert!(
            !view.alternatives.is_empty(),
            "the competing date is listed"
        );
    }

    #[test]
    fn unknown_ids_have_no_view() {
        let (config, graph, ns) = sample();
        let reader = Reader::new(&graph, &ns);
        let texts = Texts::new(Some(config.sources_dir()));
        assert!(reader
            .fact("nope", working(), &texts, &History::default())
            .unwrap()
            .is_none());
        assert!(reader.source("nope", &texts).unwrap().is_none());
        assert!(reader.entity("nope").unwrap().is_none());
        assert!(reader.release("v9").unwrap().is_none());
    }

    #[test]
    fn every_resource_renders() {
        let (config, graph, ns) = sample();
        let reader = Reader::new(&graph, &ns);
        let texts = Texts::new(Some(config.sources_dir()));
        let all = reader.all().unwrap();
        assert!(all.contains(&Resource::Ontology));
        assert!(all.contains(&Resource::Entity("turkey".into())));
        let source = reader
            .source("2024-10-10-russia-prepares-for-astana-22", &texts)
            .unwrap()
            .unwrap();
        let facts = std::fs::read_to_string(config.facts_table())
            .unwrap()
            .lines()
            .count()
            - 1;
        assert_eq!(source.facts.len(), facts);
        assert!(!source.conflicts.is_empty());
        let page = source_page(&ns, &source);
        assert_eq!(page.matches("<span id=\"q-").count(), facts);
        let turkey = reader.entity("turkey").unwrap().unwrap();
        assert!(!turkey.facts.is_empty());
        assert!(entity_page(&ns, "turkey", &turkey).contains("<h1>Turkey</h1>"));
        let ontology = reader.ontology().unwrap().unwrap();
        assert!(described_page(&ns, &Resource::Ontology, &ontology).contains("id=\"boycotted\""));
    }
}
