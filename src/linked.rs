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
//! types (only `store.rs` touches `oxigraph::store`), and lets a static site and the
//! server render byte-identical pages from the same code.

pub mod html;
pub mod site;
mod text;

use crate::cite::{self, FactCitation, ReleaseInfo};
use crate::error::{Error, Result};
use crate::quote::SourceText;
use crate::vocab::{FG, OA, OWL, PROV, RDF, RDFS};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term, Triple};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub use text::{paragraph_around, segments, Segment};

/// Reads triples of one graph.
pub trait Lookup {
    /// Every triple whose subject is `subject`.
    fn about(&self, subject: &NamedNode) -> Result<Vec<Triple>>;
    /// Every triple whose object is `object`.
    fn mentioning(&self, object: &Term) -> Result<Vec<Triple>>;
    /// Every triple whose predicate is `predicate`.
    fn with_predicate(&self, predicate: &NamedNode) -> Result<Vec<Triple>>;
}

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
    pub fn new(minter: &crate::graph::Minter, prefixes: Vec<(String, String)>) -> Self {
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

/// Texts by (file, sha256); `None` when missing or not matching.
type TextCache = HashMap<(String, String), Option<Arc<SourceText>>>;

/// Source texts, read once from a project's `sources/` and kept only when their
/// sha256 is the one the graph records (a page never highlights a different text).
#[derive(Debug)]
pub struct Texts {
    dir: Option<PathBuf>,
    cache: Mutex<TextCache>,
}

impl Texts {
    /// Texts under `dir` (a project's `sources/`), or none.
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self {
            dir,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The text of `file` (relative to the sources directory) if it hashes to `sha256`.
    pub fn get(&self, file: &str, sha256: &str) -> Option<Arc<SourceText>> {
        let dir = self.dir.as_ref()?;
        let key = (file.to_owned(), sha256.to_owned());
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry(key)
            .or_insert_with(|| {
                // The graph's `fg:file` is relative and checked at build time; refuse
                // anything that could step out of the directory all the same.
                if file.split('/').any(|part| part == ".." || part.is_empty()) {
                    return None;
                }
                let bytes = std::fs::read(dir.join(file)).ok()?;
                if crate::source::sha256_hex(&bytes) != sha256 {
                    return None;
                }
                String::from_utf8(bytes)
                    .ok()
                    .map(|t| Arc::new(SourceText::new(t)))
            })
            .clone()
    }
}

/// One release's view of a fact: its content hash there, or absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Release version.
    pub version: String,
    /// Release date.
    pub issued: String,
    /// The fact's `fg:sha256` in that release; `None` when the release lacks the fact.
    pub sha256: Option<String>,
}

/// Fact hashes by release, oldest release first.
#[derive(Debug, Clone, Default)]
pub struct History {
    releases: Vec<(String, String, HashMap<String, String>)>,
}

impl History {
    /// The history of the releases in `infos` (oldest first), read from each release's
    /// `facts.csv` (columns `fact_id` and `fact_sha256`).
    pub fn read(infos: &[crate::release::ReleaseInfo]) -> Result<Self> {
        let mut releases = Vec::new();
        for info in infos {
            let path = info.dir.join("facts.csv");
            let mut reader = csv::Reader::from_path(&path)
                .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
            let headers = reader
                .headers()
                .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?
                .clone();
            let column = |name: &str| {
                headers
                    .iter()
                    .position(|h| h == name)
                    .ok_or_else(|| Error::Usage(format!("{}: no `{name}` column", path.display())))
            };
            let (id, hash) = (column("fact_id")?, column("fact_sha256")?);
            let mut hashes = HashMap::new();
            for record in reader.records() {
                let record =
                    record.map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
                if let (Some(i), Some(h)) = (record.get(id), record.get(hash)) {
                    hashes.insert(i.to_owned(), h.to_owned());
                }
            }
            releases.push((info.version.clone(), info.issued.clone(), hashes));
        }
        Ok(Self { releases })
    }

    /// Every release with this fact's hash there (or `None`).
    pub fn of(&self, fact_id: &str) -> Vec<HistoryEntry> {
        self.releases
            .iter()
            .map(|(version, issued, hashes)| HistoryEntry {
                version: version.clone(),
                issued: issued.clone(),
                sha256: hashes.get(fact_id).cloned(),
            })
            .collect()
    }
}

/// A term as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shown {
    /// The words shown: a label, a literal's value, or a compact IRI.
    pub text: String,
    /// The IRI, for a named node.
    pub iri: Option<String>,
    /// The compact IRI of a literal's datatype (not for plain strings).
    pub datatype: Option<String>,
    /// A literal's language tag.
    pub language: Option<String>,
}

/// A fact in a list: id, claim in words, rank, quote and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactSummary {
    /// Fact id.
    pub id: String,
    /// Fact IRI.
    pub iri: String,
    /// NamedOrBlankNode, predicate, object.
    pub claim: (Shown, Shown, Shown),
    /// The rank's label (`deprecated rank`…), when not normal.
    pub rank: Option<String>,
    /// The quote.
    pub quote: String,
    /// Its code point positions.
    pub position: Option<(usize, usize)>,
}

/// Everything a fact page shows.
#[derive(Debug, Clone)]
pub struct FactView {
    /// The citation: claim with labels, quote and context, source, hashes, release.
    pub citation: FactCitation,
    /// The rank.
    pub rank: Option<Shown>,
    /// The researcher's note (`rdfs:comment`), which says why a claim is deprecated.
    pub note: Option<String>,
    /// Every statement about the fact node, as (property, value), sorted.
    pub statements: Vec<(Shown, Shown)>,
    /// Other facts with the same subject and property.
    pub alternatives: Vec<FactSummary>,
    /// The release history of this fact.
    pub history: Vec<HistoryEntry>,
    /// The quote inside its paragraph(s) of the source text, when the text is at hand.
    pub context: Option<Context>,
    /// The source file's path relative to `sources/`.
    pub source_file: Option<String>,
}

/// A stretch of source text around a quote, positions in code points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The text (whole paragraphs).
    pub text: String,
    /// Where `text` starts in the source.
    pub offset: usize,
    /// The quote's start in the source.
    pub start: usize,
    /// The quote's end in the source (exclusive).
    pub end: usize,
}

/// Everything a source page shows.
#[derive(Debug, Clone)]
pub struct SourceView {
    /// Source id.
    pub id: String,
    /// Source IRI.
    pub iri: String,
    /// Title, date, url, publisher, sha256.
    pub info: cite::SourceInfo,
    /// File, relative to `sources/`.
    pub file: Option<String>,
    /// The whole text, when at hand and matching its sha256.
    pub text: Option<Arc<SourceText>>,
    /// Its facts, in the order of their quotes.
    pub facts: Vec<FactSummary>,
    /// Groups of facts with the same subject and property but different values, where
    /// the property is functional or the researcher ranked the claims.
    pub conflicts: Vec<Vec<FactSummary>>,
    /// Every statement about the source, as (property, value).
    pub statements: Vec<(Shown, Shown)>,
}

/// Everything an entity page shows.
#[derive(Debug, Clone)]
pub struct EntityView {
    /// Its IRI.
    pub iri: String,
    /// The label shown as the title.
    pub title: String,
    /// Every statement about it, as (property, value).
    pub statements: Vec<(Shown, Shown)>,
    /// Facts that name it: (role: subject, object or the qualifier's label), fact.
    pub facts: Vec<(String, FactSummary)>,
}

/// A page that lists statements: a release (with its files) or the ontology (with its
/// terms), each described subject under its own heading.
#[derive(Debug, Clone)]
pub struct DescribedView {
    /// The IRI of the resource.
    pub iri: String,
    /// The title.
    pub title: String,
    /// Each described subject, the resource itself first.
    pub parts: Vec<Part>,
}

/// One described subject of a [`DescribedView`].
#[derive(Debug, Clone)]
pub struct Part {
    /// Its IRI.
    pub subject: String,
    /// The anchor of its heading (a term's local name, a file's name).
    pub anchor: Option<String>,
    /// What is said about it, as (property, value).
    pub statements: Vec<(Shown, Shown)>,
}

/// Reads views from a graph, caching labels for the request.
pub struct Reader<'a> {
    graph: &'a dyn Lookup,
    ns: &'a Namespaces,
    labels: RefCell<HashMap<String, Option<String>>>,
}

fn n(ns: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{ns}{local}"))
}

fn value_of(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

fn first(triples: &[Triple], predicate: &str) -> Option<Term> {
    triples
        .iter()
        .find(|t| t.predicate.as_str() == predicate)
        .map(|t| t.object.clone())
}

fn subject_iri(t: &Triple) -> Option<&str> {
    match &t.subject {
        NamedOrBlankNode::NamedNode(n) => Some(n.as_str()),
        _ => None,
    }
}

impl<'a> Reader<'a> {
    /// A reader over `graph`.
    pub fn new(graph: &'a dyn Lookup, ns: &'a Namespaces) -> Self {
        Self {
            graph,
            ns,
            labels: RefCell::new(HashMap::new()),
        }
    }

    /// The namespaces.
    pub fn namespaces(&self) -> &Namespaces {
        self.ns
    }

    /// The English (else untagged, else any) `rdfs:label` of an IRI.
    pub fn label(&self, iri: &str) -> Result<Option<String>> {
        if let Some(l) = self.labels.borrow().get(iri) {
            return Ok(l.clone());
        }
        let triples = self.graph.about(&NamedNode::new_unchecked(iri))?;
        let label = best_label(&triples);
        self.labels
            .borrow_mut()
            .insert(iri.to_owned(), label.clone());
        Ok(label)
    }

    /// A term as shown: label or compact IRI; literal value with datatype and language.
    pub fn shown(&self, term: &Term) -> Result<Shown> {
        Ok(match term {
            Term::NamedNode(node) => Shown {
                text: self
                    .label(node.as_str())?
                    .unwrap_or_else(|| self.ns.compact(node.as_str())),
                iri: Some(node.as_str().to_owned()),
                datatype: None,
                language: None,
            },
            Term::Literal(l) => literal_shown(self.ns, l),
            other => Shown {
                text: other.to_string(),
                iri: None,
                datatype: None,
                language: None,
            },
        })
    }

    fn statements(&self, triples: &[Triple]) -> Result<Vec<(Shown, Shown)>> {
        let mut out = Vec::with_capacity(triples.len());
        for t in triples {
            out.push((
                self.shown(&Term::NamedNode(t.predicate.clone()))?,
                self.shown(&t.object)?,
            ));
        }
        out.sort();
        Ok(out)
    }

    fn is_fact(triples: &[Triple]) -> bool {
        let ty = format!("{RDF}type");
        let fact = format!("{FG}Fact");
        triples.iter().any(|t| {
            t.predicate.as_str() == ty
                && matches!(&t.object, Term::NamedNode(n) if n.as_str() == fact)
        })
    }

    /// A fact as a list item, from its IRI.
    pub fn summary(&self, fact: &NamedNode) -> Result<Option<FactSummary>> {
        let about = self.graph.about(fact)?;
        if !Self::is_fact(&about) {
            return Ok(None);
        }
        self.summary_from(fact, &about).map(Some)
    }

    fn summary_from(&self, fact: &NamedNode, about: &[Triple]) -> Result<FactSummary> {
        let get = |p: String| first(about, &p);
        let shown = |t: Option<Term>| -> Result<Shown> {
            match t {
                Some(t) => self.shown(&t),
                None => Ok(Shown {
                    text: "?".into(),
                    iri: None,
                    datatype: None,
                    language: None,
                }),
            }
        };
        let rank = match get(format!("{FG}rank")) {
            Some(Term::NamedNode(r)) if r.as_str() != format!("{FG}NormalRank") => Some(
                self.label(r.as_str())?
                    .unwrap_or_else(|| self.ns.compact(r.as_str())),
            ),
            _ => None,
        };
        let quote_node = NamedNode::new_unchecked(format!("{}#quote", fact.as_str()));
        let position_node = NamedNode::new_unchecked(format!("{}#position", fact.as_str()));
        let quote = first(&self.graph.about(&quote_node)?, &format!("{OA}exact"))
            .map(|t| value_of(&t))
            .unwrap_or_default();
        let position = self.graph.about(&position_node)?;
        let number =
            |p: &str| first(&position, &format!("{OA}{p}")).and_then(|t| value_of(&t).parse().ok());
        Ok(FactSummary {
            id: get(format!("{FG}factId"))
                .map(|t| value_of(&t))
                .unwrap_or_default(),
            iri: fact.as_str().to_owned(),
            claim: (
                shown(get(format!("{RDF}subject")))?,
                shown(get(format!("{RDF}predicate")))?,
                shown(get(format!("{RDF}object")))?,
            ),
            rank,
            quote,
            position: number("start").zip(number("end")),
        })
    }

    /// The fact page's view, or `None` when no fact has this id.
    pub fn fact(
        &self,
        id: &str,
        release: ReleaseInfo,
        texts: &Texts,
        history: &History,
    ) -> Result<Option<FactView>> {
        let iri = self.ns.iri(&Resource::Fact(id.to_owned()));
        let about = self.graph.about(&iri)?;
        if !Self::is_fact(&about) {
            return Ok(None);
        }
        // Gather what the citation reads: the fact, its parts, its source and the
        // descriptions (labels, types) of every IRI it points to.
        let mut triples: Vec<Triple> = about.clone();
        for part in ["annotation", "target", "quote", "position"] {
            triples.extend(self.graph.about(&NamedNode::new_unchecked(format!(
                "{}#{part}",
                iri.as_str()
            )))?);
        }
        let mut pointed: BTreeSet<NamedNode> = BTreeSet::new();
        for t in &about {
            pointed.insert(t.predicate.clone());
            if let Term::NamedNode(o) = &t.object {
                pointed.insert(o.clone());
            }
        }
        for node in &pointed {
            triples.extend(self.graph.about(node)?);
        }
        let quads: Vec<Quad> = triples
            .into_iter()
            .map(|t| t.in_graph(GraphName::DefaultGraph))
            .collect();
        let citation = cite::from_quads(&quads, id, release)?;
        let rank = match first(&about, &format!("{FG}rank")) {
            Some(t) => Some(self.shown(&t)?),
            None => None,
        };
        let note = first(&about, &format!("{RDFS}comment")).map(|t| value_of(&t));
        let source = first(&about, &format!("{PROV}wasDerivedFrom"));
        let source_about = match &source {
            Some(Term::NamedNode(s)) => self.graph.about(s)?,
            _ => Vec::new(),
        };
        let source_file = first(&source_about, &format!("{FG}file")).map(|t| value_of(&t));
        let context = match (&source_file, &citation.source.sha256, citation.position) {
            (Some(file), Some(sha), Some((start, end))) => {
                texts.get(file, sha).and_then(|text| {
                    let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
                    // Only when the text at the positions is the quote: a page never
                    // highlights other words than the ones cited.
                    (text.slice(start, end) == Some(citation.quote.as_str())).then(|| {
                        let (from, to) = paragraph_around(&text, start, end);
                        Context {
                            text: text.slice(from, to).unwrap_or_default().to_owned(),
                            offset: from,
                            start,
                            end,
                        }
                    })
                })
            }
            _ => None,
        };
        let alternatives = self.alternatives(&iri, &about)?;
        Ok(Some(FactView {
            statements: self.statements(&about)?,
            rank,
            note,
            alternatives,
            history: history.of(id),
            context,
            source_file,
            citation,
        }))
    }

    /// Other facts with the same subject and property as this one.
    fn alternatives(&self, fact: &NamedNode, about: &[Triple]) -> Result<Vec<FactSummary>> {
        let (Some(subject), Some(Term::NamedNode(predicate))) = (
            first(about, &format!("{RDF}subject")),
            first(about, &format!("{RDF}predicate")),
        ) else {
            return Ok(Vec::new());
        };
        let rdf_subject = format!("{RDF}subject");
        let mut out = Vec::new();
        for t in self.graph.mentioning(&subject)? {
            let NamedOrBlankNode::NamedNode(other) = &t.subject else {
                continue;
            };
            if t.predicate.as_str() != rdf_subject || other == fact {
                continue;
            }
            let other_about = self.graph.about(other)?;
            if first(&other_about, &format!("{RDF}predicate"))
                == Some(Term::NamedNode(predicate.clone()))
                && Self::is_fact(&other_about)
            {
                out.push(self.summary_from(other, &other_about)?);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// The source page's view, or `None` when no source has this id.
    pub fn source(&self, id: &str, texts: &Texts) -> Result<Option<SourceView>> {
        let iri = self.ns.iri(&Resource::Source(id.to_owned()));
        let about = self.graph.about(&iri)?;
        if about.is_empty() {
            return Ok(None);
        }
        let text = |p: &str| first(&about, p).map(|t| value_of(&t));
        let info = cite::SourceInfo {
            id: text(&format!("{FG}sourceId")).unwrap_or_else(|| id.to_owned()),
            iri: iri.as_str().to_owned(),
            title: text(&format!("{}title", crate::vocab::DCTERMS)),
            publisher: text(&format!("{}publisher", crate::vocab::DCTERMS)),
            issued: text(&format!("{}issued", crate::vocab::DCTERMS)),
            url: text(&format!("{}url", crate::vocab::SCHEMA)),
            sha256: text(&format!("{FG}sha256")),
        };
        let file = text(&format!("{FG}file"));
        let source_text = match (&file, &info.sha256) {
            (Some(f), Some(s)) => texts.get(f, s),
            _ => None,
        };
        let derived = format!("{PROV}wasDerivedFrom");
        let mut facts = Vec::new();
        for t in self.graph.mentioning(&Term::NamedNode(iri.clone()))? {
            if t.predicate.as_str() != derived {
                continue;
            }
            if let NamedOrBlankNode::NamedNode(f) = &t.subject {
                if let Some(s) = self.summary(f)? {
                    facts.push(s);
                }
            }
        }
        facts.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
        let conflicts = self.conflicts(&facts)?;
        Ok(Some(SourceView {
            id: id.to_owned(),
            iri: iri.as_str().to_owned(),
            statements: self.statements(&about)?,
            info,
            file,
            text: source_text,
            facts,
            conflicts,
        }))
    }

    /// Groups of facts with the same subject and property and different values, where
    /// the property is an `owl:FunctionalProperty` or a fact of the group is ranked
    /// (preferred or deprecated): the researcher's own sign that the claims compete.
    fn conflicts(&self, facts: &[FactSummary]) -> Result<Vec<Vec<FactSummary>>> {
        let mut groups: BTreeMap<(String, String), Vec<FactSummary>> = BTreeMap::new();
        for f in facts {
            let key = (
                f.claim.0.iri.clone().unwrap_or_default(),
                f.claim.1.iri.clone().unwrap_or_default(),
            );
            groups.entry(key).or_default().push(f.clone());
        }
        let functional = format!("{OWL}FunctionalProperty");
        let ty = format!("{RDF}type");
        let mut out = Vec::new();
        for ((_, predicate), mut group) in groups {
            let values: BTreeSet<&Shown> = group.iter().map(|f| &f.claim.2).collect();
            if values.len() < 2 {
                continue;
            }
            let is_functional = self
                .graph
                .about(&NamedNode::new_unchecked(&predicate))?
                .iter()
                .any(|t| {
                    t.predicate.as_str() == ty
                        && matches!(&t.object, Term::NamedNode(n) if n.as_str() == functional)
                });
            if is_functional || group.iter().any(|f| f.rank.is_some()) {
                group.sort_by(|a, b| a.id.cmp(&b.id));
                out.push(group);
            }
        }
        Ok(out)
    }

    /// The entity page's view, or `None` when nothing is said about it.
    pub fn entity(&self, id: &str) -> Result<Option<EntityView>> {
        let iri = self.ns.iri(&Resource::Entity(id.to_owned()));
        let about = self.graph.about(&iri)?;
        let mentions = self.graph.mentioning(&Term::NamedNode(iri.clone()))?;
        if about.is_empty() && mentions.is_empty() {
            return Ok(None);
        }
        let mut facts = Vec::new();
        for t in &mentions {
            let NamedOrBlankNode::NamedNode(f) = &t.subject else {
                continue;
            };
            let Some(summary) = self.summary(f)? else {
                continue;
            };
            let role = match t.predicate.as_str() {
                p if p == format!("{RDF}subject") => "subject".to_owned(),
                p if p == format!("{RDF}object") => "object".to_owned(),
                p => self.label(p)?.unwrap_or_else(|| self.ns.compact(p)),
            };
            facts.push((role, summary));
        }
        facts.sort_by(|a, b| (&a.1.id, &a.0).cmp(&(&b.1.id, &b.0)));
        Ok(Some(EntityView {
            title: best_label(&about).unwrap_or_else(|| self.ns.compact(iri.as_str())),
            iri: iri.as_str().to_owned(),
            statements: self.statements(&about)?,
            facts,
        }))
    }

    /// A release's page: the release and every node under its IRI (its files).
    pub fn release(&self, version: &str) -> Result<Option<DescribedView>> {
        let iri = self.ns.iri(&Resource::Release(version.to_owned()));
        let triples = self.release_triples(&iri)?;
        if triples.is_empty() {
            return Ok(None);
        }
        let mut by_subject: BTreeMap<String, Vec<Triple>> = BTreeMap::new();
        for t in triples {
            if let Some(s) = subject_iri(&t) {
                by_subject.entry(s.to_owned()).or_default().push(t);
            }
        }
        let mut parts = Vec::new();
        if let Some(own) = by_subject.remove(iri.as_str()) {
            parts.push(Part {
                subject: iri.as_str().to_owned(),
                anchor: None,
                statements: self.statements(&own)?,
            });
        }
        for (subject, ts) in by_subject {
            let anchor = subject
                .strip_prefix(iri.as_str())
                .map(|rest| rest.trim_start_matches('/').replace(['/', '#'], "-"));
            parts.push(Part {
                statements: self.statements(&ts)?,
                subject,
                anchor,
            });
        }
        Ok(Some(DescribedView {
            title: format!("Release {version}"),
            iri: iri.as_str().to_owned(),
            parts,
        }))
    }

    /// The release description: triples about the release IRI and about IRIs under it.
    fn release_triples(&self, iri: &NamedNode) -> Result<Vec<Triple>> {
        let mut out = Vec::new();
        let mut seen: BTreeSet<NamedNode> = BTreeSet::new();
        let mut todo = vec![iri.clone()];
        let under = format!("{}/", iri.as_str());
        while let Some(node) = todo.pop() {
            if !seen.insert(node.clone()) {
                continue;
            }
            for t in self.graph.about(&node)? {
                if let Term::NamedNode(o) = &t.object {
                    if o.as_str().starts_with(&under) {
                        todo.push(o.clone());
                    }
                }
                out.push(t);
            }
        }
        Ok(out)
    }

    /// The ontology page: the ontology and each of its terms (`fg:…`).
    pub fn ontology(&self) -> Result<Option<DescribedView>> {
        let terms = self.ontology_terms()?;
        if terms.is_empty() {
            return Ok(None);
        }
        let mut parts = Vec::new();
        for term in terms {
            let about = self.graph.about(&term)?;
            let anchor = term
                .as_str()
                .split_once('#')
                .map(|(_, local)| local.to_owned());
            parts.push(Part {
                subject: term.as_str().to_owned(),
                anchor,
                statements: self.statements(&about)?,
            });
        }
        Ok(Some(DescribedView {
            title: self
                .label(self.ns.ontology())?
                .unwrap_or_else(|| "Ontology".to_owned()),
            iri: self.ns.ontology().to_owned(),
            parts,
        }))
    }

    /// The ontology IRI, then every typed term of its namespace, sorted.
    fn ontology_terms(&self) -> Result<Vec<NamedNode>> {
        let mut terms: BTreeSet<NamedNode> = BTreeSet::new();
        for t in self.graph.with_predicate(&n(RDF, "type"))? {
            if let Some(s) = subject_iri(&t) {
                if s.starts_with(FG) {
                    terms.insert(NamedNode::new_unchecked(s));
                }
            }
        }
        let ontology = NamedNode::new_unchecked(self.ns.ontology());
        let mut out = Vec::new();
        if !self.graph.about(&ontology)?.is_empty() {
            out.push(ontology);
        }
        out.extend(terms);
        Ok(out)
    }

    /// Every resource of a kind that has a page, sorted (for a static site's index).
    pub fn all(&self) -> Result<Vec<Resource>> {
        let mut out: BTreeSet<Resource> = BTreeSet::new();
        for t in self.graph.with_predicate(&n(FG, "factId"))? {
            if let Some(s) = subject_iri(&t) {
                out.extend(self.ns.resource_of(s));
            }
        }
        for t in self.graph.with_predicate(&n(FG, "sourceId"))? {
            if let Some(s) = subject_iri(&t) {
                out.extend(self.ns.resource_of(s));
            }
        }
        for t in self.graph.with_predicate(&n(RDFS, "label"))? {
            if let Some(s) = subject_iri(&t) {
                if let Some(r @ Resource::Entity(_)) = self.ns.resource_of(s) {
                    out.insert(r);
                }
            }
        }
        for t in self.graph.with_predicate(&n(RDF, "type"))? {
            if let Some(s) = subject_iri(&t) {
                if let Some(r @ Resource::Release(_)) = self.ns.resource_of(s) {
                    out.insert(r);
                }
            }
        }
        if !self.ontology_terms()?.is_empty() {
            out.insert(Resource::Ontology);
        }
        Ok(out.into_iter().collect())
    }

    /// The triples a resource's RDF answer holds (sorted, so answers are stable):
    /// - a fact: its statement node, annotation, target, selectors, and its source;
    /// - a source: its description and the facts derived from it (`prov:wasDerivedFrom`);
    /// - an entity: every triple about it or naming it;
    /// - a release: its description (the release and the IRIs under it);
    /// - the ontology: the ontology and its terms.
    pub fn describe(&self, resource: &Resource) -> Result<Vec<Triple>> {
        let iri = self.ns.iri(resource);
        let mut out: Vec<Triple> = match resource {
            Resource::Fact(_) => {
                let about = self.graph.about(&iri)?;
                if !Self::is_fact(&about) {
                    return Ok(Vec::new());
                }
                let mut out = about.clone();
                for part in ["annotation", "target", "quote", "position"] {
                    out.extend(self.graph.about(&NamedNode::new_unchecked(format!(
                        "{}#{part}",
                        iri.as_str()
                    )))?);
                }
                if let Some(Term::NamedNode(s)) = first(&about, &format!("{PROV}wasDerivedFrom")) {
                    out.extend(self.graph.about(&s)?);
                }
                out
            }
            Resource::Source(_) => {
                let about = self.graph.about(&iri)?;
                if about.is_empty() {
                    return Ok(Vec::new());
                }
                let derived = format!("{PROV}wasDerivedFrom");
                let mut out = about;
                out.extend(
                    self.graph
                        .mentioning(&Term::NamedNode(iri.clone()))?
                        .into_iter()
                        .filter(|t| t.predicate.as_str() == derived),
                );
                out
            }
            Resource::Entity(_) => {
                let mut out = self.graph.about(&iri)?;
                out.extend(self.graph.mentioning(&Term::NamedNode(iri.clone()))?);
                out
            }
            Resource::Release(_) => self.release_triples(&iri)?,
            Resource::Ontology => {
                let mut out = Vec::new();
                for term in self.ontology_terms()? {
                    out.extend(self.graph.about(&term)?);
                }
                out
            }
        };
        out.sort_by_cached_key(ToString::to_string);
        out.dedup();
        Ok(out)
    }
}

fn best_label(triples: &[Triple]) -> Option<String> {
    let label = format!("{RDFS}label");
    triples
        .iter()
        .filter(|t| t.predicate.as_str() == label)
        .filter_map(|t| match &t.object {
            Term::Literal(l) => Some((
                match l.language() {
                    Some("en") => 0,
                    None => 1,
                    Some(_) => 2,
                },
                l.value().to_owned(),
            )),
            _ => None,
        })
        .min()
        .map(|(_, l)| l)
}

fn literal_shown(ns: &Namespaces, l: &Literal) -> Shown {
    let datatype = l.datatype().as_str();
    Shown {
        text: l.value().to_owned(),
        iri: None,
        datatype: (l.language().is_none() && datatype != "http://www.w3.org/2001/XMLSchema#string")
            .then(|| ns.compact(datatype)),
        language: l.language().map(str::to_owned),
    }
}

/// Serializes triples in an RDF format; Turtle gets the namespaces' prefixes.
pub fn serialize(
    triples: &[Triple],
    format: oxigraph::io::RdfFormat,
    ns: &Namespaces,
) -> Result<Vec<u8>> {
    use oxigraph::io::{RdfFormat, RdfSerializer};
    let failed = |e: &dyn std::fmt::Display| Error::Usage(format!("cannot write RDF: {e}"));
    let mut serializer = RdfSerializer::from_format(format);
    if matches!(format, RdfFormat::Turtle) {
        // Only the prefixes the triples use, so a small answer stays small.
        let used = |ns_iri: &str| {
            triples.iter().any(|t| {
                matches!(&t.subject, NamedOrBlankNode::NamedNode(s) if s.as_str().starts_with(ns_iri))
                    || t.predicate.as_str().starts_with(ns_iri)
                    || matches!(&t.object, Term::NamedNode(o) if o.as_str().starts_with(ns_iri))
                    || matches!(&t.object, Term::Literal(l) if l.datatype().as_str().starts_with(ns_iri))
            })
        };
        for (name, iri) in &ns.prefixes {
            if used(iri) {
                serializer = serializer.with_prefix(name, iri).map_err(|e| failed(&e))?;
            }
        }
    }
    let mut writer = serializer.for_writer(Vec::new());
    for t in triples {
        writer.serialize_triple(t).map_err(|e| failed(&e))?;
    }
    writer.finish().map_err(|e| failed(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{self, Config};

    fn sample() -> (Config, MemoryGraph, Namespaces) {
        let config = Config::new(env!("CARGO_MANIFEST_DIR"), crate::graph::DEFAULT_BASE_IRI)
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
        let page = html::fact_page(&ns, &view);
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
            .source("enab-2024-10-10-astana22", &texts)
            .unwrap()
            .unwrap();
        assert_eq!(source.facts.len(), 49);
        assert!(!source.conflicts.is_empty());
        let page = html::source_page(&ns, &source);
        assert_eq!(page.matches("<span id=\"q-").count(), 49);
        let turkey = reader.entity("turkey").unwrap().unwrap();
        assert!(!turkey.facts.is_empty());
        assert!(html::entity_page(&ns, "turkey", &turkey).contains("<h1>Turkey</h1>"));
        let ontology = reader.ontology().unwrap().unwrap();
        assert!(
            html::described_page(&ns, &Resource::Ontology, &ontology).contains("id=\"boycotted\"")
        );
    }
}
