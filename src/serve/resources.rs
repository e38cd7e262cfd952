//! Dereferenceable IRIs: `GET /fact/<id>`, `/source/<id>`, `/entity/<id>`,
//! `/release/<v>` and `/ontology` answer with the pages of [`crate::linked`], in HTML for
//! browsers and Turtle, N-Triples, JSON-LD or RDF/XML for RDF clients.
//!
//! # 303 for things, 200 for documents
//! A fact, a source, an entity and a release are not web pages, and their IRIs are slash
//! IRIs (`<base>fact/astana-021`). As "Cool URIs for the Semantic Web" (W3C) describes
//! for such IRIs, a `GET` answers **303 See Other** to the document that describes the
//! thing in the negotiated format (`fact/astana-021.html`, `.ttl`, `.nt`, `.jsonld`,
//! `.rdf`), with `Vary: Accept`; the documents answer 200. So "the fact" and "the page
//! about the fact" keep distinct IRIs, and a static host serving the files of
//! `factgraph site` answers the same documents at the same paths. The ontology's terms
//! are hash IRIs (`…/ontology#Fact`): a client drops the fragment, and the ontology
//! document answers **200** directly, negotiated. A path under the base IRI maps to the
//! IRI `<base><path>`, so a server behind a proxy at the base IRI makes the IRIs resolve.
//! Unknown ids answer 404 (an HTML page for browsers).

use super::negotiate::{self, Kind, Negotiated};
use crate::cite::ReleaseInfo;
use crate::error::Result;
use crate::linked::{self, History, Namespaces, Reader, Resource, Texts};
use crate::project::Config;
use crate::store::{GraphLookup, Store};
use oxigraph::io::{JsonLdProfileSet, RdfFormat};
use oxigraph::model::NamedNode;
use std::sync::OnceLock;

/// A document format of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doc {
    Html,
    Rdf(RdfFormat),
}

const EXTENSIONS: &[(&str, Doc)] = &[
    ("html", Doc::Html),
    ("ttl", Doc::Rdf(RdfFormat::Turtle)),
    ("nt", Doc::Rdf(RdfFormat::NTriples)),
    (
        "jsonld",
        Doc::Rdf(RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        }),
    ),
    ("rdf", Doc::Rdf(RdfFormat::RdfXml)),
];

impl Doc {
    fn extension(self) -> &'static str {
        EXTENSIONS
            .iter()
            .find(|(_, d)| *d == self)
            .map_or("html", |(e, _)| e)
    }

    fn content_type(self) -> &'static str {
        match self {
            Doc::Html => "text/html; charset=utf-8",
            Doc::Rdf(f) => Negotiated::Graph(f).content_type(),
        }
    }

    /// HTML for a browser, else the best RDF format; `None`: nothing acceptable.
    fn negotiate(accept: Option<&str>) -> Option<Self> {
        if negotiate::prefers_html(accept) {
            return Some(Doc::Html);
        }
        match negotiate::negotiate(Kind::Graph, accept) {
            Some(Negotiated::Graph(f)) => Some(Doc::Rdf(f)),
            _ => None,
        }
    }
}

/// What the release of the served graph is, for citations on fact pages.
pub enum Cited {
    /// A release: fixed.
    Release(ReleaseInfo),
    /// The working graph: its content hash is computed on the first fact page.
    Working(Config, OnceLock<ReleaseInfo>),
}

/// An answer: status, headers that matter, body.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// `Location`, for a 303.
    pub location: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// Everything the resource pages need besides the store.
pub struct Resources {
    ns: Namespaces,
    /// The graphs to look in, first match wins (newest release first), each with how
    /// its facts are cited.
    graphs: Vec<(Option<NamedNode>, Cited)>,
    texts: Texts,
    history: History,
}

impl Resources {
    /// The pages of `graphs` (`None`: the default graph) of a project's store: a
    /// resource is described from the first graph that has it, so with every release
    /// loaded a fact removed since is still answered, from the newest release that
    /// has it, and each release's description from its own graph.
    pub fn new(
        project: &Config,
        prefixes: Vec<(String, String)>,
        graphs: Vec<(Option<NamedNode>, Cited)>,
        history: History,
    ) -> Self {
        Self {
            ns: Namespaces::new(&project.minter, prefixes),
            graphs,
            texts: Texts::new(Some(project.sources_dir())),
            history,
        }
    }

    /// Pages of nothing: for a service built by hand in tests.
    #[cfg(test)]
    pub fn unused() -> Self {
        Self {
            ns: Namespaces::new(
                &crate::project::Minter::new(crate::project::DEFAULT_BASE_IRI).expect("base"),
                Vec::new(),
            ),
            graphs: Vec::new(),
            texts: Texts::new(None),
            history: History::default(),
        }
    }

    fn release(cited: &Cited) -> Result<ReleaseInfo> {
        match cited {
            Cited::Release(info) => Ok(info.clone()),
            Cited::Working(config, cell) => {
                if let Some(info) = cell.get() {
                    return Ok(info.clone());
                }
                let checked = crate::pipeline::checked(config)?;
                let quads: Vec<_> = crate::pipeline::quads(config, &checked).collect();
                Ok(cell
                    .get_or_init(|| crate::cite::working_release(config, &quads))
                    .clone())
            }
        }
    }

    /// (namespace, path) pairs: an IRI under the namespace has its page at the path
    /// plus its id and `.html` (for the ontology, at the path plus the term's name).
    pub fn pages(&self) -> Vec<(String, String)> {
        vec![
            (self.ns.fact.clone(), "/fact/".into()),
            (self.ns.source.clone(), "/source/".into()),
            (self.ns.entity.clone(), "/entity/".into()),
            (self.ns.release.clone(), "/release/".into()),
            (format!("{}#", self.ns.ontology()), "/ontology.html#".into()),
        ]
    }

    /// Whether `path` names a resource (or its document).
    pub fn handles(&self, path: &str) -> bool {
        path.strip_prefix('/').and_then(parse).is_some()
    }

    /// The answer for a path [`Self::handles`].
    pub fn answer(&self, store: &Store, path: &str, accept: Option<&str>) -> Answer {
        let Some((resource, doc)) = path.strip_prefix('/').and_then(parse) else {
            return plain(404, format!("no resource at {path}"));
        };
        self.answer_for(store, &resource, doc, accept)
            .unwrap_or_else(|e| plain(500, format!("cannot read the graph: {e}")))
    }

    fn answer_for(
        &self,
        store: &Store,
        resource: &Resource,
        doc: Option<Doc>,
        accept: Option<&str>,
    ) -> Result<Answer> {
        let mut found = None;
        for (graph, cited) in &self.graphs {
            let lookup = GraphLookup::new(store, graph.clone());
            let triples = Reader::new(&lookup, &self.ns).describe(resource)?;
            if !triples.is_empty() {
                found = Some((lookup, cited, triples));
                break;
            }
        }
        let Some((lookup, cited, triples)) = found else {
            let html = doc == Some(Doc::Html) || (doc.is_none() && negotiate::prefers_html(accept));
            return Ok(if html {
                Answer {
                    status: 404,
                    content_type: "text/html; charset=utf-8",
                    location: None,
                    body: linked::not_found_page(&self.ns, &resource.path()).into_bytes(),
                }
            } else {
                plain(
                    404,
                    format!(
                        "nothing in this graph has the IRI <{}>",
                        self.ns.iri(resource).as_str()
                    ),
                )
            });
        };
        let reader = Reader::new(&lookup, &self.ns);
        let doc = match doc {
            Some(d) => d,
            None => {
                let Some(chosen) = Doc::negotiate(accept) else {
                    return Ok(plain(
                        406,
                        format!(
                            "no acceptable format; this resource is available as text/html, {}",
                            negotiate::offered(Kind::Graph)
                        ),
                    ));
                };
                // Slash IRIs of things see the document; the ontology is a document.
                if *resource != Resource::Ontology {
                    let name = resource.path();
                    let name = name.rsplit('/').next().unwrap_or_default();
                    return Ok(Answer {
                        status: 303,
                        content_type: "text/plain; charset=utf-8",
                        location: Some(format!("{name}.{}", chosen.extension())),
                        body: format!("see {name}.{}\n", chosen.extension()).into_bytes(),
                    });
                }
                chosen
            }
        };
        let body = match doc {
            Doc::Rdf(format) => linked::serialize(&triples, format, &self.ns)?,
            Doc::Html => self.page(&reader, resource, cited)?.into_bytes(),
        };
        Ok(Answer {
            status: 200,
            content_type: doc.content_type(),
            location: None,
            body,
        })
    }

    fn page(&self, reader: &Reader<'_>, resource: &Resource, cited: &Cited) -> Result<String> {
        let missing = || linked::not_found_page(&self.ns, &resource.path());
        Ok(match resource {
            Resource::Fact(id) => reader
                .fact(id, Self::release(cited)?, &self.texts, &self.history)?
                .map_or_else(missing, |v| linked::fact_page(&self.ns, &v)),
            Resource::Source(id) => reader
                .source(id, &self.texts)?
                .map_or_else(missing, |v| linked::source_page(&self.ns, &v)),
            Resource::Entity(id) => reader
                .entity(id)?
                .map_or_else(missing, |v| linked::entity_page(&self.ns, id, &v)),
            Resource::Release(v) => reader.release(v)?.map_or_else(missing, |view| {
                linked::described_page(&self.ns, resource, &view)
            }),
            Resource::Ontology => reader.ontology()?.map_or_else(missing, |view| {
                linked::described_page(&self.ns, resource, &view)
            }),
        })
    }
}

/// An answer as a response; `Vary: Accept`, since the same path answers HTML or RDF.
pub fn response(answer: Answer) -> oxhttp::model::Response<oxhttp::model::Body> {
    use oxhttp::model::header::{CONTENT_TYPE, LOCATION, VARY};
    use oxhttp::model::{HeaderValue, Response, StatusCode};
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = Response::new(answer.body.into());
    *r.status_mut() = status;
    let headers = r.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    headers.insert(VARY, HeaderValue::from_static("Accept"));
    if let Some(location) = answer.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(LOCATION, location);
    }
    r
}

fn plain(status: u16, message: String) -> Answer {
    Answer {
        status,
        content_type: "text/plain; charset=utf-8",
        location: None,
        body: format!("{message}\n").into_bytes(),
    }
}

/// A resource path (`fact/x`, `fact/x.ttl`, `ontology`, `ontology.html`) and the
/// document format its extension names.
fn parse(path: &str) -> Option<(Resource, Option<Doc>)> {
    // An id may contain dots; a known extension wins (`fact/x.ttl`).
    if let Some((stem, ext)) = path.rsplit_once('.') {
        if let Some((_, doc)) = EXTENSIONS.iter().find(|(e, _)| *e == ext) {
            if let Some(r) = Resource::from_path(stem) {
                return Some((r, Some(*doc)));
            }
        }
    }
    Resource::from_path(path).map(|r| (r, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_resources_and_documents() {
        assert_eq!(
            parse("fact/a-1"),
            Some((Resource::Fact("a-1".into()), None))
        );
        assert_eq!(
            parse("fact/a-1.ttl"),
            Some((
                Resource::Fact("a-1".into()),
                Some(Doc::Rdf(RdfFormat::Turtle))
            ))
        );
        assert_eq!(
            parse("ontology.html"),
            Some((Resource::Ontology, Some(Doc::Html)))
        );
        assert_eq!(
            parse("fact/v1.2"),
            Some((Resource::Fact("v1.2".into()), None))
        );
        assert_eq!(parse("fact/../x"), None);
        assert_eq!(parse("sparql"), None);
        assert_eq!(parse("store"), None);
    }
}
