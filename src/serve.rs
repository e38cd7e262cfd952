//! `factgraph serve`: a read-only SPARQL 1.1 Protocol endpoint over the working graph,
//! one release, or every release side by side.
//!
//! # Endpoints
//! - `/sparql` (alias `/query`): the SPARQL 1.1 Protocol: `GET ?query=`, `POST`
//!   form-encoded (`query=`) and `POST application/sparql-query`; `default-graph-uri`
//!   and `named-graph-uri` set the dataset. Without a query, a browser gets the query
//!   page and other clients a SPARQL Service Description (Turtle).
//! - `/sparql/vN` (with [`Serving::AllReleases`]): the same, with release `vN`'s named
//!   graph as the default graph. Every release is loaded in its own named graph
//!   `<base>release/vN` (the release's own IRI), so one query compares releases with
//!   `GRAPH`; `/sparql`'s default graph is the newest release.
//! - `/store`: Graph Store Protocol reads (`?default`, `?graph=IRI`).
//! - `/`: a query page with example queries.
//!
//! # Invariants
//! - **Read-only.** Nothing here can write to the store: SPARQL Update (an `update=`
//!   field, an `application/sparql-update` body, `/update`) and Graph Store writes are
//!   answered 403 before anything is parsed.
//! - **Bounded.** Every query runs under a [`CancellationToken`] fired by the
//!   [`watchdog`] after [`Limits::timeout`]; responses are buffered up to
//!   [`Limits::max_rows`] rows or triples, and request bodies are read up to
//!   [`Limits::max_body_bytes`]. Going over a limit answers an HTTP error (503, 422,
//!   413) and the server keeps serving.
//! - [`Service::handle`] is a plain function from request to response: tests call it
//!   without sockets; [`start`] puts it behind oxhttp's threaded server.
//!
//! # Rationale
//! oxhttp is the small synchronous HTTP server Oxigraph's own `serve` uses (one thread
//! per connection, `http` crate types): no async runtime, and SPARQL evaluation is
//! blocking anyway. Results are buffered rather than streamed so that a timeout or the
//! row limit can still change the status code: a streamed response has already sent
//! `200 OK` when evaluation fails.

mod negotiate;
mod page;
mod releases;
mod watchdog;

pub use negotiate::{negotiate, Kind, Negotiated};
pub use releases::load_release;

use crate::error::Error;
use crate::pipeline::{self, Config};
use crate::query;
use crate::release;
use oxhttp::model::header::{
    ACCEPT, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ALLOW, CONTENT_LENGTH, CONTENT_TYPE, VARY,
};
use oxhttp::model::{Body, HeaderValue, Method, Request, Response, StatusCode};
use oxhttp::{ListeningServer, Server};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode};
use oxigraph::sparql::results::QueryResultsSerializer;
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults};
use oxigraph::store::Store;
use std::fmt;
use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use watchdog::Watchdog;

/// Which graph(s) to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Serving {
    /// The graph built from the current inputs (ontology + sources + facts).
    Working,
    /// One release (a version such as `v2`, `latest`, or a release directory), as the
    /// default graph.
    Release(String),
    /// Every release, each in its named graph `<base>release/vN`.
    AllReleases,
}

/// The bounds every request is held to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// How long one query may run.
    pub timeout: Duration,
    /// Most rows (SELECT) or triples (CONSTRUCT/DESCRIBE) one response may hold.
    pub max_rows: usize,
    /// Largest request body (and query string) accepted, in bytes.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_rows: 100_000,
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// Everything `factgraph serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The project (its `exports/` for releases, its inputs for the working graph).
    pub project: Config,
    /// What to serve.
    pub serving: Serving,
    /// Where to listen (port 0: any free port).
    pub bind: SocketAddr,
    /// Per-request bounds.
    pub limits: Limits,
    /// Most connections served at once (each has a thread); more wait to be accepted.
    pub max_connections: usize,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Building or reading the project failed (invalid inputs, I/O).
    #[error(transparent)]
    Project(#[from] Error),
    /// No release to serve.
    #[error("no release found in {}: run `factgraph release` first, or serve the working graph without --release/--all-releases", dir.display())]
    NoReleases {
        /// The `exports/` directory.
        dir: PathBuf,
    },
    /// A release's `graph.nq` could not be loaded.
    #[error("cannot load {}: {source}", path.display())]
    Release {
        /// The file.
        path: PathBuf,
        /// The parse or store error (parse errors carry their line and column).
        #[source]
        source: oxigraph::store::LoaderError,
    },
    /// The address is taken or not ours.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// The Ctrl-C handler could not be installed.
    #[error("cannot install the Ctrl-C handler: {0}")]
    Signal(#[from] ctrlc::Error),
}

// ---------------------------------------------------------------------------------
// The served dataset

/// One SPARQL endpoint path and the default graph its queries see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `/sparql` or `/sparql/vN`.
    pub path: String,
    /// The named graph used as the default graph (`None`: the store's default graph).
    pub default_graph: Option<NamedNode>,
    /// What it serves, for humans.
    pub label: String,
}

/// A loaded store, its prefixes and its endpoints.
pub struct Dataset {
    store: Store,
    prefixes: Vec<(String, String)>,
    endpoints: Vec<Endpoint>,
    named_graphs: Vec<NamedNode>,
    description: String,
}

impl Dataset {
    /// The endpoints, `/sparql` first.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// The release graphs (empty unless serving every release).
    pub fn named_graphs(&self) -> &[NamedNode] {
        &self.named_graphs
    }

    /// What is served, for humans ("the working graph", "release v2"...).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The number of quads loaded.
    pub fn len(&self) -> Result<usize, Error> {
        self.store.len().map_err(|e| Error::Store(e.to_string()))
    }

    /// Whether nothing is loaded.
    pub fn is_empty(&self) -> Result<bool, Error> {
        Ok(self.len()? == 0)
    }
}

/// Builds or loads what `serving` names.
pub fn open(project: &Config, serving: &Serving) -> Result<Dataset, ServeError> {
    let main = |label: String, default_graph| Endpoint {
        path: "/sparql".into(),
        default_graph,
        label,
    };
    match serving {
        Serving::Working => {
            let working = pipeline::working_store(project)?;
            Ok(Dataset {
                store: working.store,
                prefixes: working.prefixes,
                endpoints: vec![main("the working graph".into(), None)],
                named_graphs: Vec::new(),
                description: "the working graph".into(),
            })
        }
        Serving::Release(name) => {
            let dir = release::resolve(project, name)?;
            let opened = release::open_store(project, &dir)?;
            let label = format!("release {}", release::read_info(&dir)?.version);
            Ok(Dataset {
                store: opened.store,
                prefixes: opened.prefixes,
                endpoints: vec![main(label.clone(), None)],
                named_graphs: Vec::new(),
                description: label,
            })
        }
        Serving::AllReleases => {
            let exports = project.exports_dir();
            let all = release::list(&exports)?;
            let newest = all.last().ok_or_else(|| ServeError::NoReleases {
                dir: project.shown(&exports),
            })?;
            let graph_of = |info: &release::ReleaseInfo| {
                NamedNode::new(&info.iri).map_err(|e| {
                    Error::Usage(format!(
                        "{}: bad release IRI <{}>: {e}",
                        project.shown(&info.dir.join("release.ttl")).display(),
                        info.iri
                    ))
                })
            };
            let store = Store::new().map_err(|e| Error::Store(e.to_string()))?;
            let mut endpoints = vec![main(
                format!("release {} (newest)", newest.version),
                Some(graph_of(newest)?),
            )];
            let mut named_graphs = Vec::new();
            for info in &all {
                let graph = graph_of(info)?;
                load_release(&store, &info.dir, &graph)?;
                endpoints.push(Endpoint {
                    path: format!("/sparql/{}", info.version),
                    default_graph: Some(graph.clone()),
                    label: format!("release {}", info.version),
                });
                named_graphs.push(graph);
            }
            let mut prefixes = newest.prefixes.clone();
            for (name, ns) in pipeline::prefixes(project, &crate::ontology::Ontology::default()) {
                if !prefixes.iter().any(|(n, _)| *n == name) {
                    prefixes.push((name, ns));
                }
            }
            Ok(Dataset {
                store,
                prefixes,
                endpoints,
                named_graphs,
                description: format!(
                    "{} release(s) ({}), newest {}",
                    all.len(),
                    all.iter()
                        .map(|r| r.version.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    newest.version
                ),
            })
        }
    }
}

// ---------------------------------------------------------------------------------
// Handling requests

const READ_ONLY: &str = "this SPARQL endpoint is read-only: SPARQL Update and Graph Store writes are refused (edit sources/ and rebuild instead)";

/// One line of the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    /// The request method.
    pub method: String,
    /// The request path (without the query string, which may hold a whole query).
    pub path: String,
    /// The response status.
    pub status: u16,
    /// Time spent handling the request.
    pub duration: Duration,
    /// Bytes of response body.
    pub bytes: u64,
    /// Result rows or triples, for query responses.
    pub rows: Option<usize>,
}

impl fmt::Display for AccessRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {:.1}ms {}B",
            self.method,
            self.path,
            self.status,
            self.duration.as_secs_f64() * 1000.0,
            self.bytes
        )?;
        if let Some(rows) = self.rows {
            write!(f, " rows={rows}")?;
        }
        Ok(())
    }
}

/// Receives one [`AccessRecord`] per request.
pub type Logger = Box<dyn Fn(&AccessRecord) + Send + Sync>;

/// A refusal: a status and a message for the client.
#[derive(Debug)]
struct Reject {
    status: StatusCode,
    message: String,
}

impl Reject {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

fn text(status: StatusCode, message: &str) -> Response<Body> {
    let mut body = message.to_owned();
    body.push('\n');
    response(status, "text/plain; charset=utf-8", body.into_bytes())
}

fn response(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, value);
    }
    r
}

/// The request parameters of the SPARQL 1.1 Protocol.
#[derive(Debug, Default)]
struct Params {
    queries: Vec<String>,
    update: bool,
    default_graphs: Vec<String>,
    named_graphs: Vec<String>,
    formats: Vec<String>,
    union_default_graph: bool,
}

impl Params {
    fn add(&mut self, pairs: form_urlencoded::Parse<'_>) {
        for (name, value) in pairs {
            match name.as_ref() {
                "query" => self.queries.push(value.into_owned()),
                "update" => self.update = true,
                "default-graph-uri" => self.default_graphs.push(value.into_owned()),
                "named-graph-uri" => self.named_graphs.push(value.into_owned()),
                "format" | "output" => self.formats.push(value.into_owned()),
                "union-default-graph" => self.union_default_graph = true,
                _ => {}
            }
        }
    }
}

/// The server: a dataset, its limits, and the counters shutdown needs.
pub struct Service {
    dataset: Dataset,
    limits: Limits,
    watchdog: Watchdog,
    log: Option<Logger>,
    page: String,
    service_description: String,
    closing: AtomicBool,
    in_flight: AtomicUsize,
    served: AtomicU64,
}

/// Keeps the in-flight count right even if a handler panics.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Service {
    /// A service over `dataset`; no access log until [`Service::with_log`].
    pub fn new(dataset: Dataset, limits: Limits) -> Result<Self, ServeError> {
        let watchdog = Watchdog::start().map_err(|e| Error::io("<query watchdog thread>", e))?;
        let page = page::render(&dataset);
        let service_description = page::service_description(&dataset);
        Ok(Self {
            dataset,
            limits,
            watchdog,
            log: None,
            page,
            service_description,
            closing: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            served: AtomicU64::new(0),
        })
    }

    /// Calls `log` once per request, after the response is built.
    #[must_use]
    pub fn with_log(mut self, log: impl Fn(&AccessRecord) + Send + Sync + 'static) -> Self {
        self.log = Some(Box::new(log));
        self
    }

    /// What is served.
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// Requests answered so far.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::SeqCst)
    }

    /// Requests being handled right now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Answers one request (any path, any method). Never panics on client input.
    pub fn handle(&self, request: &mut Request<Body>) -> Response<Body> {
        let started = Instant::now();
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight(&self.in_flight);
        let (mut response, rows) = if self.closing.load(Ordering::SeqCst) {
            (
                text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the server is shutting down",
                ),
                None,
            )
        } else {
            self.route(request)
        };
        let headers = response.headers_mut();
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        if request.method() == Method::HEAD {
            // Same headers as GET, no body.
            *response.body_mut() = Body::empty();
        }
        drop(guard);
        self.served.fetch_add(1, Ordering::SeqCst);
        if let Some(log) = &self.log {
            log(&AccessRecord {
                method: request.method().to_string(),
                path: request.uri().path().to_owned(),
                status: response.status().as_u16(),
                duration: started.elapsed(),
                bytes: response.body().len().unwrap_or(0),
                rows,
            });
        }
        response
    }

    fn route(&self, request: &mut Request<Body>) -> (Response<Body>, Option<usize>) {
        let path = request.uri().path().to_owned();
        let method = request.method().clone();
        if method == Method::OPTIONS {
            return (preflight(), None);
        }
        let reading = method == Method::GET || method == Method::HEAD;
        match path.as_str() {
            "/" | "/index.html" => {
                if reading {
                    (
                        response(
                            StatusCode::OK,
                            "text/html; charset=utf-8",
                            self.page.clone().into_bytes(),
                        ),
                        None,
                    )
                } else {
                    let mut r = text(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "the query page only answers GET; send queries to /sparql",
                    );
                    r.headers_mut()
                        .insert(ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
                    (r, None)
                }
            }
            "/update" => (text(StatusCode::FORBIDDEN, READ_ONLY), None),
            "/store" => {
                if reading {
                    self.graph_store_read(request)
                        .unwrap_or_else(|r| (text(r.status, &r.message), None))
                } else {
                    (text(StatusCode::FORBIDDEN, READ_ONLY), None)
                }
            }
            _ => match self.endpoint(&path) {
                Some(endpoint) => self
                    .sparql(endpoint, request)
                    .unwrap_or_else(|r| (text(r.status, &r.message), None)),
                None => (
                    text(
                        StatusCode::NOT_FOUND,
                        &format!(
                            "no such endpoint: {path}; try {} (or / for the query page)",
                            self.dataset
                                .endpoints
                                .iter()
                                .map(|e| e.path.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                    None,
                ),
            },
        }
    }

    fn endpoint(&self, path: &str) -> Option<&Endpoint> {
        let path = path.strip_suffix('/').unwrap_or(path);
        let path = if path == "/query" { "/sparql" } else { path };
        if path == "/sparql/latest" {
            return self.dataset.endpoints.first();
        }
        self.dataset.endpoints.iter().find(|e| e.path == path)
    }

    fn sparql(
        &self,
        endpoint: &Endpoint,
        request: &mut Request<Body>,
    ) -> Result<(Response<Body>, Option<usize>), Reject> {
        let mut params = Params::default();
        let url_query = request.uri().query().unwrap_or_default().to_owned();
        if url_query.len() > self.limits.max_body_bytes {
            return Err(Reject::new(
                StatusCode::URI_TOO_LONG,
                format!(
                    "the query string is longer than the server's limit of {} bytes; POST the query instead",
                    self.limits.max_body_bytes
                ),
            ));
        }
        params.add(form_urlencoded::parse(url_query.as_bytes()));
        let method = request.method().clone();
        if method == Method::POST {
            let content_type = request
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            match content_type.as_str() {
                "application/sparql-update" => {
                    return Err(Reject::new(StatusCode::FORBIDDEN, READ_ONLY))
                }
                "application/x-www-form-urlencoded" => {
                    let body = self.read_body(request)?;
                    params.add(form_urlencoded::parse(&body));
                }
                "application/sparql-query" => {
                    let body = self.read_body(request)?;
                    let text = String::from_utf8(body).map_err(|_| {
                        Reject::new(StatusCode::BAD_REQUEST, "the query is not valid UTF-8")
                    })?;
                    params.queries.push(text);
                }
                other => {
                    return Err(Reject::new(
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        format!(
                            "unsupported Content-Type `{other}`: POST a query as application/sparql-query or application/x-www-form-urlencoded (query=...)"
                        ),
                    ))
                }
            }
        } else if method != Method::GET && method != Method::HEAD {
            return Err(Reject::new(StatusCode::FORBIDDEN, READ_ONLY));
        }
        if params.update {
            return Err(Reject::new(StatusCode::FORBIDDEN, READ_ONLY));
        }
        let accept = request
            .headers()
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let query = match params.queries.len() {
            0 if method != Method::POST => {
                return Ok(if negotiate::prefers_html(accept.as_deref()) {
                    (
                        response(
                            StatusCode::OK,
                            "text/html; charset=utf-8",
                            self.page.clone().into_bytes(),
                        ),
                        None,
                    )
                } else {
                    (
                        response(
                            StatusCode::OK,
                            "text/turtle",
                            self.service_description.clone().into_bytes(),
                        ),
                        None,
                    )
                });
            }
            0 => {
                return Err(Reject::new(
                    StatusCode::BAD_REQUEST,
                    "no query: send query=... (form) or an application/sparql-query body",
                ))
            }
            1 => params.queries.remove(0),
            _ => {
                return Err(Reject::new(
                    StatusCode::BAD_REQUEST,
                    "several query parameters: send exactly one",
                ))
            }
        };
        self.run(endpoint, &query, &params, accept.as_deref())
    }

    fn graph_store_read(
        &self,
        request: &Request<Body>,
    ) -> Result<(Response<Body>, Option<usize>), Reject> {
        let mut graph = None;
        for (name, value) in form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
        {
            if name == "graph" {
                graph = Some(value.into_owned());
            }
        }
        let mut params = Params::default();
        let accept = request
            .headers()
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let query = match graph {
            Some(iri) => {
                let node = NamedNode::new(&iri).map_err(|e| {
                    Reject::new(
                        StatusCode::BAD_REQUEST,
                        format!("bad graph IRI `{iri}`: {e}"),
                    )
                })?;
                if !self.dataset.named_graphs.contains(&node) {
                    return Err(Reject::new(
                        StatusCode::NOT_FOUND,
                        format!("no graph <{iri}> in this dataset"),
                    ));
                }
                params.default_graphs.push(iri);
                "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
            }
            None => "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        };
        let endpoint = &self.dataset.endpoints[0];
        self.run(endpoint, query, &params, accept.as_deref())
    }

    fn read_body(&self, request: &mut Request<Body>) -> Result<Vec<u8>, Reject> {
        let limit = self.limits.max_body_bytes;
        let too_large = || {
            Reject::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than the server's limit of {limit} bytes"),
            )
        };
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        request
            .body_mut()
            .take(limit as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| {
                Reject::new(
                    StatusCode::BAD_REQUEST,
                    format!("cannot read the request body: {e}"),
                )
            })?;
        if body.len() > limit {
            return Err(too_large());
        }
        Ok(body)
    }

    fn run(
        &self,
        endpoint: &Endpoint,
        text: &str,
        params: &Params,
        accept: Option<&str>,
    ) -> Result<(Response<Body>, Option<usize>), Reject> {
        let token = CancellationToken::new();
        let mut prepared = query::prepare(text, &self.dataset.prefixes, Some(token.clone()))
            .map_err(|e| Reject::new(StatusCode::BAD_REQUEST, e.to_string()))?;
        let iri = |iri: &String| {
            NamedNode::new(iri).map_err(|e| {
                Reject::new(
                    StatusCode::BAD_REQUEST,
                    format!("bad graph IRI `{iri}`: {e}"),
                )
            })
        };
        if params.union_default_graph {
            prepared.dataset_mut().set_default_graph_as_union();
        } else if !params.default_graphs.is_empty() || !params.named_graphs.is_empty() {
            // The protocol's dataset replaces the query's own FROM / FROM NAMED.
            let default = params
                .default_graphs
                .iter()
                .map(|g| iri(g).map(GraphName::from))
                .collect::<Result<Vec<_>, _>>()?;
            let named = params
                .named_graphs
                .iter()
                .map(|g| iri(g).map(NamedOrBlankNode::from))
                .collect::<Result<Vec<_>, _>>()?;
            prepared.dataset_mut().set_default_graph(default);
            prepared.dataset_mut().set_available_named_graphs(named);
        } else if let Some(graph) = &endpoint.default_graph {
            if prepared.dataset().is_default_dataset() {
                prepared
                    .dataset_mut()
                    .set_default_graph(vec![graph.clone().into()]);
            }
        }
        let _armed = self.watchdog.arm(token.clone(), self.limits.timeout);
        let results = prepared
            .on_store(&self.dataset.store)
            .execute()
            .map_err(|e| self.evaluation_failed(&e, &token))?;
        let kind = match results {
            QueryResults::Graph(_) => Kind::Graph,
            _ => Kind::Results,
        };
        let format = negotiate::from_params(kind, &params.formats)
            .or_else(|| negotiate(kind, accept))
            .ok_or_else(|| {
                Reject::new(
                    StatusCode::NOT_ACCEPTABLE,
                    format!(
                        "none of the accepted media types ({}) is available for this query; use one of: {}",
                        accept.unwrap_or_default(),
                        negotiate::offered(kind)
                    ),
                )
            })?;
        let (body, rows) = self.serialize(results, format, &token)?;
        let mut r = response(StatusCode::OK, format.content_type(), body);
        r.headers_mut()
            .insert(VARY, HeaderValue::from_static("Accept"));
        Ok((r, Some(rows)))
    }

    fn evaluation_failed(&self, error: &dyn fmt::Display, token: &CancellationToken) -> Reject {
        if token.is_cancelled() {
            Reject::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the query was stopped after the server's time limit of {} s (--timeout); narrow it down or add a LIMIT",
                    self.limits.timeout.as_secs_f64()
                ),
            )
        } else {
            Reject::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("SPARQL evaluation failed: {error}"),
            )
        }
    }

    fn too_many(&self, what: &str) -> Reject {
        Reject::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "the result has more than {} {what} (the server's limit, --max-rows); add a LIMIT (and OFFSET to page through it)",
                self.limits.max_rows
            ),
        )
    }

    fn serialize(
        &self,
        results: QueryResults<'_>,
        format: Negotiated,
        token: &CancellationToken,
    ) -> Result<(Vec<u8>, usize), Reject> {
        let failed = |e: &dyn fmt::Display| {
            Reject::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot write the results: {e}"),
            )
        };
        let eval = |e: QueryEvaluationError| self.evaluation_failed(&e, token);
        match (results, format) {
            (QueryResults::Solutions(solutions), Negotiated::Results(f)) => {
                let mut writer = QueryResultsSerializer::from_format(f)
                    .serialize_solutions_to_writer(Vec::new(), solutions.variables().to_vec())
                    .map_err(|e| failed(&e))?;
                let mut rows = 0;
                for solution in solutions {
                    let solution = solution.map_err(eval)?;
                    rows += 1;
                    if rows > self.limits.max_rows {
                        return Err(self.too_many("rows"));
                    }
                    writer.serialize(&solution).map_err(|e| failed(&e))?;
                }
                Ok((writer.finish().map_err(|e| failed(&e))?, rows))
            }
            (QueryResults::Boolean(value), Negotiated::Results(f)) => {
                let body = QueryResultsSerializer::from_format(f)
                    .serialize_boolean_to_writer(Vec::new(), value)
                    .map_err(|e| failed(&e))?;
                Ok((body, 1))
            }
            (QueryResults::Graph(triples), Negotiated::Graph(f)) => {
                let mut serializer = RdfSerializer::from_format(f);
                if matches!(f, RdfFormat::Turtle | RdfFormat::RdfXml) {
                    for (name, ns) in &self.dataset.prefixes {
                        serializer = serializer.with_prefix(name, ns).map_err(|e| failed(&e))?;
                    }
                }
                let mut writer = serializer.for_writer(Vec::new());
                let mut rows = 0;
                for triple in triples {
                    let triple = triple.map_err(eval)?;
                    rows += 1;
                    if rows > self.limits.max_rows {
                        return Err(self.too_many("triples"));
                    }
                    writer.serialize_triple(&triple).map_err(|e| failed(&e))?;
                }
                Ok((writer.finish().map_err(|e| failed(&e))?, rows))
            }
            _ => Err(failed(&"the negotiated format does not fit the query form")),
        }
    }
}

fn preflight() -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    let headers = r.headers_mut();
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type, Accept"),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    headers.insert(ALLOW, HeaderValue::from_static("GET, POST, OPTIONS, HEAD"));
    r
}

// ---------------------------------------------------------------------------------
// Running

/// A server accepting connections.
pub struct Running {
    addr: SocketAddr,
    service: Arc<Service>,
    _server: ListeningServer,
}

impl Running {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://addr`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The service behind it.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// Stops answering new requests (503) and waits up to `grace` for those in flight;
    /// returns how many were still running when it gave up. `stop_waiting` ends the
    /// wait early when it receives (a second Ctrl-C).
    pub fn shutdown(&self, grace: Duration, stop_waiting: Option<&mpsc::Receiver<()>>) -> usize {
        self.service.closing.store(true, Ordering::SeqCst);
        let give_up = Instant::now() + grace;
        while self.service.in_flight() > 0 && Instant::now() < give_up {
            if stop_waiting.is_some_and(|rx| rx.try_recv().is_ok()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.service.in_flight()
    }
}

/// Resolves port 0 to a free port (oxhttp binds by address and does not report the
/// port it got), so the caller can print where it listens. Another process could
/// take the port in between; binding then fails with a clear error.
fn resolve_port(bind: SocketAddr) -> Result<SocketAddr, ServeError> {
    if bind.port() != 0 {
        return Ok(bind);
    }
    let listener =
        TcpListener::bind(bind).map_err(|source| ServeError::Bind { addr: bind, source })?;
    listener
        .local_addr()
        .map_err(|source| ServeError::Bind { addr: bind, source })
}

/// Starts listening on `bind` (port 0: a free port) with at most `max_connections`
/// connections handled at once.
pub fn start(
    service: Service,
    bind: SocketAddr,
    max_connections: usize,
) -> Result<Running, ServeError> {
    let addr = resolve_port(bind)?;
    let service = Arc::new(service);
    let handler = Arc::clone(&service);
    let server = Server::new(move |request| handler.handle(request))
        .bind(addr)
        .with_server_name(concat!("factgraph/", env!("CARGO_PKG_VERSION")))
        .map_err(|e| Error::Usage(e.to_string()))?
        .with_global_timeout(Duration::from_secs(60))
        .with_max_concurrent_connections(max_connections.max(1))
        .spawn()
        .map_err(|source| ServeError::Bind { addr, source })?;
    Ok(Running {
        addr,
        service,
        _server: server,
    })
}

/// How a served session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Requests answered.
    pub served: u64,
    /// Requests still running when the grace period ran out (or a second Ctrl-C came).
    pub abandoned: usize,
}

/// Loads what `config.serving` names, listens, calls `on_ready` (to say where), and
/// serves until Ctrl-C; then refuses new requests and lets those in flight finish
/// (up to the query timeout, or until a second Ctrl-C).
pub fn serve(
    config: ServeConfig,
    log: Option<Logger>,
    on_ready: impl FnOnce(&Running),
) -> Result<Stopped, ServeError> {
    let dataset = open(&config.project, &config.serving)?;
    let mut service = Service::new(dataset, config.limits.clone())?;
    if let Some(log) = log {
        service = service.with_log(log);
    }
    let (signal, signals) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = signal.send(());
    })?;
    let running = start(service, config.bind, config.max_connections)?;
    on_ready(&running);
    let _ = signals.recv();
    let abandoned = running.shutdown(
        config.limits.timeout + Duration::from_secs(1),
        Some(&signals),
    );
    Ok(Stopped {
        served: running.service.served(),
        abandoned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> Service {
        let store = Store::new().unwrap();
        store
            .load_from_slice(
                RdfFormat::NTriples,
                "<http://ex.org/a> <http://ex.org/p> \"1\" .\n<http://ex.org/b> <http://ex.org/p> \"2\" .\n",
            )
            .unwrap();
        let dataset = Dataset {
            store,
            prefixes: vec![("ex".into(), "http://ex.org/".into())],
            endpoints: vec![Endpoint {
                path: "/sparql".into(),
                default_graph: None,
                label: "test".into(),
            }],
            named_graphs: Vec::new(),
            description: "test".into(),
        };
        Service::new(
            dataset,
            Limits {
                max_rows: 1,
                ..Limits::default()
            },
        )
        .unwrap()
    }

    fn get(service: &Service, uri: &str, accept: Option<&str>) -> Response<Body> {
        let mut builder = Request::builder().method(Method::GET).uri(uri);
        if let Some(accept) = accept {
            builder = builder.header(ACCEPT, accept);
        }
        service.handle(&mut builder.body(Body::empty()).unwrap())
    }

    fn body(response: Response<Body>) -> String {
        response.into_body().to_string().unwrap()
    }

    #[test]
    fn handles_a_query_without_sockets() {
        let s = service();
        let r = get(
            &s,
            "/sparql?query=SELECT%20%3Fs%20%7B%20%3Fs%20ex%3Ap%20%222%22%20%7D",
            Some("text/csv"),
        );
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
        assert_eq!(r.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert_eq!(body(r), "s\r\nhttp://ex.org/b\r\n");
    }

    #[test]
    fn over_the_row_limit_is_422_and_names_the_limit() {
        let s = service();
        let r = get(
            &s,
            "/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D",
            None,
        );
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(r).contains("more than 1 rows"));
    }

    #[test]
    fn access_records_are_logged() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let s = service().with_log(move |r| sink.lock().unwrap().push(r.clone()));
        get(&s, "/nowhere", None);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].status, 404);
        assert_eq!(seen[0].path, "/nowhere");
        assert!(seen[0].to_string().starts_with("GET /nowhere 404 "));
    }
}
