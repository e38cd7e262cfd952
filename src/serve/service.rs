//! Request to response, with no sockets: routing, the SPARQL 1.1 Protocol, Graph
//! Store reads, the read-only refusal, limits and the access log.

mod execute;

use super::{negotiate, page, Dataset, Endpoint, Limits, ServeError};
use oxhttp::model::header::{
    ACCEPT, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ALLOW, CONTENT_LENGTH, CONTENT_TYPE,
};
use oxhttp::model::{Body, HeaderValue, Method, Request, Response, StatusCode};
use oxigraph::model::NamedNode;
use std::fmt;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

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
    pub(super) dataset: Dataset,
    pub(super) limits: Limits,
    pub(super) log: Option<Logger>,
    pub(super) page: String,
    pub(super) service_description: String,
    pub(super) closing: AtomicBool,
    pub(super) in_flight: AtomicUsize,
    pub(super) served: AtomicU64,
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
        let page = page::render(&dataset);
        let service_description = page::service_description(&dataset);
        Ok(Self {
            dataset,
            limits,
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

    /// The query page (HTML).
    fn page_response(&self) -> Response<Body> {
        response(
            StatusCode::OK,
            "text/html; charset=utf-8",
            self.page.clone().into_bytes(),
        )
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
                    (self.page_response(), None)
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
            _ if reading && self.dataset.resources.handles(&path) => {
                let accept = request
                    .headers()
                    .get(ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let answer =
                    self.dataset
                        .resources
                        .answer(&self.dataset.store, &path, accept.as_deref());
                (super::resources::response(answer), None)
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
                    (self.page_response(), None)
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
        let base = execute::endpoint_url(request);
        self.run(
            endpoint,
            &query,
            base.as_deref(),
            &params,
            accept.as_deref(),
        )
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
        self.run(endpoint, query, None, &params, accept.as_deref())
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

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::io::RdfFormat;
    use std::sync::Arc;

    fn service() -> Service {
        let quads = oxigraph::io::RdfParser::from_format(RdfFormat::NTriples)
            .for_slice(
                "<http://ex.org/a> <http://ex.org/p> \"1\" .\n<http://ex.org/b> <http://ex.org/p> \"2\" .\n",
            )
            .map(Result::unwrap);
        let store = crate::store::in_memory(quads).unwrap();
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
            resources: super::super::resources::Resources::unused(),
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
