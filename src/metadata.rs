//! The dataset's own description: `project.ttl` at the project root.
//!
//! One file says what the dataset is, who curates it, under which licence it may be
//! reused and where its releases are hosted. It is Turtle, describing one
//! `dcat:DatasetSeries` (the series every release belongs to) with DCAT and Dublin Core
//! terms, plus the agents and contact point it names:
//!
//! | property of the series | | used for |
//! |---|---|---|
//! | `dct:title`, `dct:description` | required | every release's title and description |
//! | `dct:license` | required by `release` | `dct:license` of releases and files, `CITATION.cff` |
//! | `dct:rights` | optional | e.g. that quotations remain the words of their publisher |
//! | `dct:publisher`, `dct:creator` | optional | agents (IRIs with `foaf:name`); the creator is the curator (`prov:wasAttributedTo`) |
//! | `dcat:contactPoint` | optional | a `vcard:Kind` (IRI with `vcard:fn`, optional `vcard:hasEmail`) |
//! | `dcat:keyword`, `dcat:landingPage` | optional | catalogue search and the human entry page |
//! | `fg:downloadBase` | optional | where releases are hosted: `<downloadBase><version>/<file>` |
//! | `fg:baseIri` | optional | the base of minted IRIs (`--base-iri` and `FACTGRAPH_BASE_IRI` win) |
//!
//! The file's triples are part of the data graph (so `graph.nq` says under which
//! licence it may be used) and are repeated in every `release.ttl`.
//!
//! # Rationale
//! Turtle rather than TOML: the tool already parses it (no new dependency), and the
//! metadata is RDF in the end, so what the curator writes is what catalogues read.

use crate::error::{Code, Diagnostic, Location};
use crate::vocab::{iri, DCAT, DCTERMS, FG, RDF};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use std::path::Path;

/// FOAF.
pub const FOAF: &str = "http://xmlns.com/foaf/0.1/";
/// vCard.
pub const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";

/// The project file's name, at the project root.
pub const FILE: &str = "project.ttl";

/// The dataset description read from `project.ttl`.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// Every triple of the file.
    pub quads: Vec<Quad>,
    /// The `dcat:DatasetSeries` node.
    pub series: Option<NamedNode>,
    /// `dct:title`.
    pub title: Option<Literal>,
    /// `dct:description`.
    pub description: Option<Literal>,
    /// `dct:license`.
    pub license: Option<NamedNode>,
    /// `dct:rights`.
    pub rights: Option<Literal>,
    /// `dct:publisher`.
    pub publisher: Option<NamedNode>,
    /// `dct:creator` (the curator).
    pub creator: Option<NamedNode>,
    /// `dcat:contactPoint`.
    pub contact: Option<NamedNode>,
    /// `dcat:keyword`, sorted.
    pub keywords: Vec<Literal>,
    /// `dcat:landingPage`.
    pub landing_page: Option<NamedNode>,
    /// `fg:downloadBase`, ending with `/`.
    pub download_base: Option<String>,
    /// `fg:baseIri`.
    pub base_iri: Option<String>,
}

/// The `fg:baseIri` of `project.ttl` under `root`, if the file gives one (read before
/// anything else, since every minted IRI depends on it).
pub fn base_iri(root: &Path) -> Option<String> {
    let (metadata, _) = Metadata::load(root);
    metadata.base_iri
}

impl Metadata {
    /// Reads `project.ttl` under `root`; no file gives empty metadata (the tool works
    /// without it, but `release` needs at least a licence).
    pub fn load(root: &Path) -> (Self, Vec<Diagnostic>) {
        let path = root.join(FILE);
        let shown = Path::new(FILE);
        let mut problems = Vec::new();
        if !path.exists() {
            return (Self::default(), problems);
        }
        let text = match crate::error::read_utf8(&path, shown) {
            Ok(t) => t,
            Err(d) => return (Self::default(), vec![d]),
        };
        let mut quads = Vec::new();
        for result in RdfParser::from_format(RdfFormat::Turtle).for_slice(text.as_bytes()) {
            match result {
                Ok(q) if q.subject.is_blank_node() || q.object.is_blank_node() => {
                    problems.push(Diagnostic::new(
                        Location::file(shown),
                        Code::Ontology,
                        format!("blank nodes are not allowed (give every node an IRI): {q}"),
                    ));
                }
                Ok(q) => quads.push(q),
                Err(e) => {
                    let mut location = Location::file(shown);
                    if let Some(range) = e.location() {
                        location = location
                            .at_line(range.start.line + 1)
                            .at_column(range.start.column + 1);
                    }
                    problems.push(Diagnostic::new(location, Code::Ontology, e.to_string()));
                    return (Self::default(), problems);
                }
            }
        }
        let metadata = Self::from_quads(quads, &mut problems);
        (metadata, problems)
    }

    fn from_quads(quads: Vec<Quad>, problems: &mut Vec<Diagnostic>) -> Self {
        let shown = Path::new(FILE);
        let problem =
            |message: String| Diagnostic::new(Location::file(shown), Code::Ontology, message);
        let series: Vec<NamedNode> = quads
            .iter()
            .filter(|q| {
                q.predicate == iri(RDF, "type")
                    && q.object == Term::from(iri(DCAT, "DatasetSeries"))
            })
            .filter_map(|q| match &q.subject {
                NamedOrBlankNode::NamedNode(n) => Some(n.clone()),
                NamedOrBlankNode::BlankNode(_) => None,
            })
            .collect();
        let mut m = Self::default();
        match series.as_slice() {
            [one] => m.series = Some(one.clone()),
            [] => problems.push(problem(
                "describes no dcat:DatasetSeries: describe the series of releases (title, description, licence...)".into(),
            )),
            _ => problems.push(problem("describes more than one dcat:DatasetSeries".into())),
        }
        if let Some(s) = m.series.clone() {
            let values = |p: NamedNode| -> Vec<Term> {
                quads
                    .iter()
                    .filter(|q| q.subject == NamedOrBlankNode::from(s.clone()) && q.predicate == p)
                    .map(|q| q.object.clone())
                    .collect()
            };
            let literal = |p: NamedNode| -> Option<Literal> {
                values(p).into_iter().find_map(|t| match t {
                    Term::Literal(l) => Some(l),
                    _ => None,
                })
            };
            let node = |p: NamedNode| -> Option<NamedNode> {
                values(p).into_iter().find_map(|t| match t {
                    Term::NamedNode(n) => Some(n),
                    _ => None,
                })
            };
            m.title = literal(iri(DCTERMS, "title"));
            m.description = literal(iri(DCTERMS, "description"));
            m.rights = literal(iri(DCTERMS, "rights"));
            m.license = node(iri(DCTERMS, "license"));
            m.publisher = node(iri(DCTERMS, "publisher"));
            m.creator = node(iri(DCTERMS, "creator"));
            m.contact = node(iri(DCAT, "contactPoint"));
            m.landing_page = node(iri(DCAT, "landingPage"));
            m.keywords = values(iri(DCAT, "keyword"))
                .into_iter()
                .filter_map(|t| match t {
                    Term::Literal(l) => Some(l),
                    _ => None,
                })
                .collect();
            m.keywords.sort_by(|a, b| a.value().cmp(b.value()));
            m.base_iri = literal(iri(FG, "baseIri")).map(|l| l.value().to_owned());
            m.download_base = values(iri(FG, "downloadBase"))
                .into_iter()
                .find_map(|t| match t {
                    Term::Literal(l) => Some(l.value().to_owned()),
                    Term::NamedNode(n) => Some(n.as_str().to_owned()),
                    _ => None,
                });
            if m.title.is_none() {
                problems.push(problem(format!(
                    "the series <{}> has no dct:title",
                    s.as_str()
                )));
            }
            if m.description.is_none() {
                problems.push(problem(format!(
                    "the series <{}> has no dct:description",
                    s.as_str()
                )));
            }
            if let Some(base) = &m.download_base {
                if !base.ends_with('/') || NamedNode::new(base.as_str()).is_err() {
                    problems.push(problem(format!(
                        "fg:downloadBase `{base}` must be an absolute IRI ending with `/`"
                    )));
                }
            }
            for agent in [&m.publisher, &m.creator].into_iter().flatten() {
                if m.name_of(&quads, agent, &iri(FOAF, "name")).is_none() {
                    problems.push(problem(format!(
                        "the agent <{}> has no foaf:name",
                        agent.as_str()
                    )));
                }
            }
        }
        m.quads = quads;
        m
    }

    fn name_of(&self, quads: &[Quad], node: &NamedNode, p: &NamedNode) -> Option<String> {
        quads.iter().find_map(|q| match (&q.subject, &q.object) {
            (NamedOrBlankNode::NamedNode(s), Term::Literal(l))
                if s == node && q.predicate == *p =>
            {
                Some(l.value().to_owned())
            }
            _ => None,
        })
    }

    /// The `foaf:name` of an agent of the file.
    pub fn agent_name(&self, agent: &NamedNode) -> Option<String> {
        self.name_of(&self.quads, agent, &iri(FOAF, "name"))
    }

    /// The SPDX identifier of the licence, for the licences whose IRI is well known.
    pub fn spdx_license(&self) -> Option<&'static str> {
        let license = self.license.as_ref()?.as_str().trim_end_matches('/');
        let known = [
            ("creativecommons.org/licenses/by/4.0", "CC-BY-4.0"),
            ("creativecommons.org/licenses/by-sa/4.0", "CC-BY-SA-4.0"),
            ("creativecommons.org/publicdomain/zero/1.0", "CC0-1.0"),
            ("opendatacommons.org/licenses/odbl/1-0", "ODbL-1.0"),
        ];
        known
            .iter()
            .find(|(url, _)| license.ends_with(url))
            .map(|(_, id)| *id)
            .or_else(|| {
                license
                    .strip_prefix("http://spdx.org/licenses/")
                    .or_else(|| license.strip_prefix("https://spdx.org/licenses/"))
                    .and_then(|id| ["CC-BY-4.0", "CC0-1.0"].into_iter().find(|k| *k == id))
            })
    }
}
