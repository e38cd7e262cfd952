//! The release description (DCAT, VoID, SPDX checksums) and the one rule that says
//! which lines of a release's `graph.nq` are that description rather than data.

use super::catalogue::ReleaseInfo;
use crate::export::FileInfo;
use crate::vocab::{iri, DCAT, DCTERMS, FG, OWL, PROV, RDF, SPDX, VOID, XSD};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};

/// The files a release describes in `release.ttl`, with their media types.
const DISTRIBUTIONS: &[(&str, &str)] = &[
    ("CHANGES.md", "text/markdown"),
    ("facts.csv", "text/csv"),
    ("facts.csv-metadata.json", "application/csvm+json"),
    ("facts.ttl", "text/turtle"),
    ("graph.nq", "application/n-quads"),
    ("sources.csv", "text/csv"),
];

/// Which lines of a release's `graph.nq` are its description: those whose subject is
/// the release IRI `R` or an IRI under `R/` (see the module docs of [`super`]).
///
/// ```
/// use factgraph::release::describe::DescriptionLines;
/// let rule = DescriptionLines::new("https://w3id.org/factgraph/release/v1");
/// assert!(rule.contains("<https://w3id.org/factgraph/release/v1> <p> <o> .\n"));
/// assert!(rule.contains("<https://w3id.org/factgraph/release/v1/graph.nq> <p> <o> .\n"));
/// assert!(!rule.contains("<https://w3id.org/factgraph/release/v10> <p> <o> .\n"));
/// ```
#[derive(Debug, Clone)]
pub struct DescriptionLines {
    exact: String,
    under: String,
}

impl DescriptionLines {
    /// The rule for the release IRI `release`.
    pub fn new(release: &str) -> Self {
        Self {
            exact: format!("<{release}> "),
            under: format!("<{release}/"),
        }
    }

    /// Whether a canonical line belongs to the release description.
    pub fn contains(&self, line: &str) -> bool {
        line.starts_with(&self.exact) || line.starts_with(&self.under)
    }
}

fn triple(s: &NamedNode, p: NamedNode, o: impl Into<Term>) -> Quad {
    Quad::new(s.clone(), p, o.into(), GraphName::DefaultGraph)
}

fn typed(value: impl ToString, datatype: &str) -> Literal {
    Literal::new_typed_literal(value.to_string(), iri(XSD, datatype))
}

/// What the release description states.
#[derive(Debug)]
pub struct Description<'a> {
    /// The release IRI.
    pub release: NamedNode,
    /// Its version name.
    pub version: &'a str,
    /// Its date (`YYYY-MM-DD`).
    pub date: &'a str,
    /// The release it follows, if any.
    pub previous: Option<&'a ReleaseInfo>,
    /// The data graph hash.
    pub graph_sha256: &'a str,
    /// The root of the Merkle tree over the facts ([`crate::merkle`]), lowercase hex.
    pub merkle_root: &'a str,
    /// Number of facts.
    pub facts: usize,
    /// Number of sources.
    pub sources: usize,
    /// Triples of the data graph.
    pub triples: usize,
}

impl Description<'_> {
    /// The release description; the distributions are the `files` given (each a
    /// known name of `DISTRIBUTIONS`).
    pub fn quads(&self, files: &[FileInfo]) -> Vec<Quad> {
        let r = &self.release;
        let mut out = vec![
            triple(r, iri(RDF, "type"), iri(DCAT, "Dataset")),
            triple(r, iri(RDF, "type"), iri(VOID, "Dataset")),
            triple(r, iri(RDF, "type"), iri(FG, "Release")),
            triple(
                r,
                iri(DCTERMS, "title"),
                Literal::new_simple_literal(format!(
                    "factgraph knowledge graph, release {}",
                    self.version
                )),
            ),
            triple(r, iri(DCTERMS, "issued"), typed(self.date, "date")),
            triple(
                r,
                iri(DCAT, "version"),
                Literal::new_simple_literal(self.version),
            ),
            triple(
                r,
                iri(OWL, "versionInfo"),
                Literal::new_simple_literal(self.version),
            ),
            triple(
                r,
                iri(FG, "graphSha256"),
                Literal::new_simple_literal(self.graph_sha256),
            ),
            triple(
                r,
                iri(FG, "merkleRoot"),
                Literal::new_simple_literal(self.merkle_root),
            ),
            triple(
                r,
                iri(FG, "factCount"),
                typed(self.facts, "nonNegativeInteger"),
            ),
            triple(
                r,
                iri(FG, "sourceCount"),
                typed(self.sources, "nonNegativeInteger"),
            ),
            triple(r, iri(VOID, "triples"), typed(self.triples, "integer")),
        ];
        if let Some(previous) = self.previous {
            let p = NamedNode::new_unchecked(previous.iri.clone());
            out.push(triple(r, iri(DCAT, "previousVersion"), p.clone()));
            out.push(triple(r, iri(PROV, "wasRevisionOf"), p));
        }
        for file in files {
            let media = DISTRIBUTIONS
                .iter()
                .find(|(n, _)| *n == file.name)
                .map_or("application/octet-stream", |(_, m)| m);
            let d = NamedNode::new_unchecked(format!("{}/{}", r.as_str(), file.name));
            let c = NamedNode::new_unchecked(format!("{}#sha256", d.as_str()));
            out.extend([
                triple(r, iri(DCAT, "distribution"), d.clone()),
                triple(&d, iri(RDF, "type"), iri(DCAT, "Distribution")),
                triple(
                    &d,
                    iri(DCTERMS, "title"),
                    Literal::new_simple_literal(&file.name),
                ),
                triple(&d, iri(DCAT, "downloadURL"), d.clone()),
                triple(
                    &d,
                    iri(DCAT, "byteSize"),
                    typed(file.bytes, "nonNegativeInteger"),
                ),
                triple(
                    &d,
                    iri(DCAT, "mediaType"),
                    NamedNode::new_unchecked(format!(
                        "https://www.iana.org/assignments/media-types/{media}"
                    )),
                ),
                triple(&d, iri(SPDX, "checksum"), c.clone()),
                triple(&c, iri(RDF, "type"), iri(SPDX, "Checksum")),
                triple(
                    &c,
                    iri(SPDX, "algorithm"),
                    iri(SPDX, "checksumAlgorithm_sha256"),
                ),
                triple(
                    &c,
                    iri(SPDX, "checksumValue"),
                    typed(&file.sha256, "hexBinary"),
                ),
            ]);
            if file.name == "graph.nq" {
                out.push(triple(r, iri(VOID, "dataDump"), d));
            }
        }
        out
    }
}
