//! The release description (DCAT, VoID, SPDX checksums) and the one rule that says
//! which lines of a release's `graph.nq` are that description rather than data.

use super::catalogue::ReleaseInfo;
use crate::export::FileInfo;
use crate::vocab::{iri, DCAT, DCTERMS, FG, OWL, PROV, RDF, SPDX, VOID, XSD};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};

/// The files a release describes in `release.ttl`, with their media types.
/// (`facts.csv-metadata.json` is the CSVW file's name in releases made before
/// `csv-metadata.json`, the name CSVW processors look for beside every CSV.)
const DISTRIBUTIONS: &[(&str, &str)] = &[
    ("CHANGES.md", "text/markdown"),
    ("CITATION.cff", "application/yaml"),
    ("annotations.jsonld", "application/ld+json"),
    ("csv-metadata.json", "application/csvm+json"),
    ("facts.csv", "text/csv"),
    ("facts.csv-metadata.json", "application/csvm+json"),
    ("facts.ttl", "text/turtle"),
    ("graph.nq", "application/n-quads"),
    ("shapes.ttl", "text/turtle"),
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

    /// The two prefixes of its lines (`<R> ` and `<R/`); the smallest line of the
    /// description starts with the second (`/` sorts before `>`).
    pub fn prefixes(&self) -> [&str; 2] {
        [&self.exact, &self.under]
    }

    /// Whether a canonical line belongs to the release description.
    pub fn contains(&self, line: &str) -> bool {
        line.starts_with(&self.exact) || line.starts_with(&self.under)
    }
}

/// Whether a canonical line states a file's `dcat:byteSize`. DCAT-AP requires that
/// literal to be an `xsd:nonNegativeInteger`, which stores such as Oxigraph return as
/// `xsd:integer`; so byte sizes are stated in `release.ttl` (for catalogues) but left
/// out of `graph.nq`, whose every line must come back from a store unchanged.
pub fn is_byte_size(line: &str) -> bool {
    line.contains("> <http://www.w3.org/ns/dcat#byteSize> ")
}

/// The EU file-type authority IRI for a media type (DCAT-AP's `dct:format`).
fn file_type(media: &str) -> Option<&'static str> {
    Some(match media {
        "text/csv" => "CSV",
        "application/csvm+json" => "JSON",
        "text/turtle" => "RDF_TURTLE",
        "application/n-quads" => "RDF_N_QUADS",
        "text/markdown" => "TXT",
        "application/yaml" => "YAML",
        _ => return None,
    })
}

fn triple(s: &NamedNode, p: NamedNode, o: impl Into<Term>) -> Quad {
    Quad::new(s.clone(), p, o.into(), GraphName::DefaultGraph)
}

/// A literal with `value`, in the language (or of the datatype) of `like`.
fn with_text(like: &Literal, value: String) -> Literal {
    match like.language() {
        Some(lang) => Literal::new_language_tagged_literal_unchecked(value, lang),
        None => Literal::new_simple_literal(value),
    }
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
    /// The dataset's description (`project.ttl`).
    pub metadata: &'a crate::metadata::Metadata,
}

impl Description<'_> {
    /// The release description; the distributions are the `files` given (each a
    /// known name of `DISTRIBUTIONS`).
    pub fn quads(&self, files: &[FileInfo]) -> Vec<Quad> {
        let r = &self.release;
        let m = self.metadata;
        let mut out = vec![
            triple(r, iri(RDF, "type"), iri(DCAT, "Dataset")),
            triple(r, iri(RDF, "type"), iri(VOID, "Dataset")),
            triple(r, iri(RDF, "type"), iri(FG, "Release")),
            triple(
                r,
                iri(DCTERMS, "title"),
                match &m.title {
                    Some(t) => with_text(t, format!("{}, release {}", t.value(), self.version)),
                    None => Literal::new_simple_literal(format!(
                        "factgraph knowledge graph, release {}",
                        self.version
                    )),
                },
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
            triple(r, iri(FG, "factCount"), typed(self.facts, "integer")),
            triple(r, iri(FG, "sourceCount"), typed(self.sources, "integer")),
            triple(r, iri(VOID, "triples"), typed(self.triples, "integer")),
        ];
        if let Some(d) = &m.description {
            out.push(triple(r, iri(DCTERMS, "description"), d.clone()));
        }
        if let Some(series) = &m.series {
            out.push(triple(r, iri(DCAT, "inSeries"), series.clone()));
        }
        for (p, node) in [
            (iri(DCTERMS, "license"), &m.license),
            (iri(DCTERMS, "publisher"), &m.publisher),
            (iri(DCTERMS, "creator"), &m.creator),
            (iri(PROV, "wasAttributedTo"), &m.creator),
            (iri(DCAT, "contactPoint"), &m.contact),
            (iri(DCAT, "landingPage"), &m.landing_page),
        ] {
            if let Some(node) = node {
                out.push(triple(r, p, node.clone()));
            }
        }
        if let Some(rights) = &m.rights {
            out.push(triple(r, iri(DCTERMS, "rights"), rights.clone()));
        }
        for k in &m.keywords {
            out.push(triple(r, iri(DCAT, "keyword"), k.clone()));
        }
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
            // Where the file can be fetched: under the project's download base when it
            // has one, else the distribution's own IRI (which resolves only if the base
            // IRI is registered).
            let url = m.download_base.as_ref().map_or_else(
                || d.clone(),
                |base| NamedNode::new_unchecked(format!("{base}{}/{}", self.version, file.name)),
            );
            if let Some(license) = &m.license {
                out.push(triple(&d, iri(DCTERMS, "license"), license.clone()));
            }
            if let Some(t) = file_type(media) {
                out.push(triple(
                    &d,
                    iri(DCTERMS, "format"),
                    NamedNode::new_unchecked(format!(
                        "http://publications.europa.eu/resource/authority/file-type/{t}"
                    )),
                ));
            }
            out.extend([
                triple(r, iri(DCAT, "distribution"), d.clone()),
                triple(&d, iri(RDF, "type"), iri(DCAT, "Distribution")),
                triple(
                    &d,
                    iri(DCTERMS, "title"),
                    Literal::new_simple_literal(&file.name),
                ),
                triple(&d, iri(DCAT, "accessURL"), url.clone()),
                triple(&d, iri(DCAT, "downloadURL"), url),
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
            } else if file.name == "shapes.ttl" {
                // DCAT's link from a dataset to the schema it follows.
                out.push(triple(r, iri(DCTERMS, "conformsTo"), d));
            }
        }
        out
    }
}
