//! `factgraph push`: load a release into an external SPARQL store with the
//! [SPARQL 1.1 Graph Store HTTP Protocol](https://www.w3.org/TR/sparql11-http-rdf-update/).
//!
//! `graph.nq` is parsed as a stream and sent in batches of N-Triples: the first batch is
//! `PUT` to `<endpoint>?graph=<IRI>`, which replaces whatever the graph held, every later
//! batch is `POST`ed, which adds to it. Then the store is asked how many triples the graph
//! holds (a SPARQL `COUNT` on its query endpoint when one is given, else by reading the
//! graph back through the same protocol and counting as it streams), and that number must
//! equal the number of triples sent.
//!
//! # Rationale
//! - **Memory.** One batch is held at a time (default 50,000 triples, about 10 MB for
//!   typical facts), so a release of any size is pushed in bounded memory.
//! - **Retries.** A `PUT` is idempotent and a `POST` adds triples to a *set*, so sending
//!   a batch again after a transient failure (connection refused or reset, a timeout,
//!   408, 425, 429, 500, 502, 503, 504) cannot duplicate anything. Other statuses are
//!   final: retrying a 400 or a 403 only hides the cause.
//! - **Credentials** are values handed in by the caller (the binary reads them from the
//!   environment) and are never part of a URL, an error or a progress message; an
//!   endpoint URL that carries `user:password@` is refused for that reason. The store
//!   chooses the scheme: HTTP Basic, or Digest (MD5 or SHA-256, `qop=auth`) as
//!   Virtuoso's `/sparql-graph-crud-auth` asks.
//! - **Plain HTTP only.** The HTTP client is built without a TLS stack (no C or
//!   assembly dependency); reach an HTTPS-only store through a local TLS tunnel.
//! - A push is not atomic for readers of the store: between the `PUT` and the last
//!   `POST` the graph is partly loaded. The default graph name is the release IRI, which
//!   no other release uses, so that window only exists when a release is pushed again.

mod auth;
mod http;

use crate::error::{Error, Result};
use http::Http;
use oxhttp::model::Method;
use std::io::BufReader;
use std::path::Path;
use std::time::Duration;

/// A user name and password for the store. `Debug` never shows the password.
#[derive(Clone)]
pub struct Credentials {
    /// The user name.
    pub user: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Where to push.
#[derive(Debug, Clone)]
pub struct Target {
    /// The store's Graph Store Protocol endpoint (`http://host:port/path`).
    pub endpoint: String,
    /// The IRI of the named graph to replace.
    pub graph: String,
    /// The store's SPARQL query endpoint, for the final count (else the graph is read
    /// back through `endpoint` and counted).
    pub sparql: Option<String>,
    /// Credentials, when the store asks for them.
    pub credentials: Option<Credentials>,
}

/// How to push.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Triples per request.
    pub batch_triples: usize,
    /// Attempts after the first one, for a transient failure of one request.
    pub retries: u32,
    /// The wait before the first retry; it doubles at each further retry (at most 30 s).
    pub backoff: Duration,
    /// Time limit of one request (connect, send, answer).
    pub timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            batch_triples: 50_000,
            retries: 5,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(300),
        }
    }
}

/// What a push reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A batch was accepted by the store.
    Sent {
        /// `PUT` (the first, replacing) or `POST` (adding).
        method: &'static str,
        /// 1-based batch number.
        batch: u64,
        /// Triples in this batch.
        triples: u64,
        /// Triples sent so far.
        total: u64,
    },
    /// A request failed transiently and will be sent again.
    Retry {
        /// What was being sent (`PUT batch 1`, `count`…).
        what: String,
        /// The attempt that failed (1-based).
        attempt: u32,
        /// Why.
        reason: String,
        /// How long before the next attempt.
        wait: Duration,
    },
}

/// The outcome of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// Triples read from `graph.nq` and sent.
    pub triples: u64,
    /// Requests that carried triples.
    pub batches: u64,
    /// Requests sent again after a transient failure.
    pub retries: u64,
    /// Triples the store reports for the graph afterwards.
    pub in_store: u64,
    /// How the store was counted (`SPARQL COUNT at …` or `graph read back`).
    pub counted_by: String,
}

/// Pushes the default graph of an N-Quads file (a release's `graph.nq`) into the named
/// graph `target.graph` of a store, then checks the store's count.
pub fn push(
    graph_nq: &Path,
    target: &Target,
    settings: &Settings,
    mut on_event: impl FnMut(&Event),
) -> Result<Pushed> {
    validate(target)?;
    if settings.batch_triples == 0 {
        return Err(Error::Usage("the batch size must be at least 1".into()));
    }
    let graph_url = with_param(&target.endpoint, "graph", &target.graph);
    let mut http = Http::new(target.credentials.clone(), settings);

    let file = crate::safe_read::open_no_follow(graph_nq).map_err(|e| Error::io(graph_nq, e))?;
    let mut quads = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NQuads)
        .for_reader(BufReader::with_capacity(1 << 20, file));
    let mut batch: Vec<u8> = Vec::new();
    let mut in_batch = 0u64;
    let mut sent = 0u64;
    let mut batches = 0u64;
    let mut line = 0u64;
    loop {
        let next = quads.next();
        if let Some(quad) = next.as_ref() {
            line += 1;
            let quad = match quad {
                Ok(q) => q,
                Err(e) => {
                    return Err(Error::Usage(format!("{}: {e}", graph_nq.display())));
                }
            };
            if !quad.graph_name.is_default_graph() {
                return Err(Error::Usage(format!(
                    "{}:{line}: a quad in the named graph {}; push sends a release's default graph",
                    graph_nq.display(),
                    quad.graph_name
                )));
            }
            use std::io::Write;
            // Infallible: writing into a Vec.
            let _ = writeln!(
                batch,
                "{} {} {} .",
                quad.subject, quad.predicate, quad.object
            );
            in_batch += 1;
        }
        let full = in_batch >= settings.batch_triples as u64;
        // The first request is sent even for an empty file: replacing the graph with
        // nothing is what pushing an empty release means.
        if full || (next.is_none() && (in_batch > 0 || batches == 0)) {
            let method = if batches == 0 {
                Method::PUT
            } else {
                Method::POST
            };
            let name = if batches == 0 { "PUT" } else { "POST" };
            batches += 1;
            http.send(
                &format!("{name} batch {batches}"),
                method,
                &graph_url,
                &[("content-type", "application/n-triples")],
                &batch,
                &mut on_event,
            )?;
            sent += in_batch;
            on_event(&Event::Sent {
                method: name,
                batch: batches,
                triples: in_batch,
                total: sent,
            });
            batch.clear();
            in_batch = 0;
        }
        if next.is_none() {
            break;
        }
    }

    let (in_store, counted_by) = match &target.sparql {
        Some(sparql) => (
            count_by_sparql(&mut http, sparql, &target.graph, &mut on_event)?,
            format!("SPARQL COUNT at {sparql}"),
        ),
        None => (
            count_by_reading(&mut http, &graph_url, &mut on_event)?,
            "the graph read back".to_owned(),
        ),
    };
    let pushed = Pushed {
        triples: sent,
        batches,
        retries: http.retries,
        in_store,
        counted_by,
    };
    if in_store != sent {
        return Err(Error::Usage(format!(
            "the store holds {in_store} triple(s) in <{}> (counted by {}), but {sent} were sent: the push is incomplete or the store changed the data",
            target.graph, pushed.counted_by
        )));
    }
    Ok(pushed)
}

/// Refuses a target that cannot be used (bad URL, HTTPS, credentials in a URL, a graph
/// name that is not an IRI) before anything is printed or sent.
pub fn validate(target: &Target) -> Result<()> {
    check_url(&target.endpoint, "--endpoint")?;
    if let Some(sparql) = &target.sparql {
        check_url(sparql, "--sparql")?;
    }
    oxigraph::model::NamedNode::new(&target.graph)
        .map_err(|e| Error::Usage(format!("--graph `{}` is not an IRI: {e}", target.graph)))?;
    Ok(())
}

/// Asks the SPARQL endpoint how many triples the graph holds.
fn count_by_sparql(
    http: &mut Http,
    sparql: &str,
    graph: &str,
    on_event: &mut impl FnMut(&Event),
) -> Result<u64> {
    let query = format!("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}");
    let form: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("query", &query)
        .finish();
    let body = http.send(
        "count",
        Method::POST,
        sparql,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("accept", "application/sparql-results+json"),
        ],
        form.as_bytes(),
        on_event,
    )?;
    let json: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        Error::Usage(format!(
            "{sparql}: the count query's answer is not SPARQL JSON: {e}"
        ))
    })?;
    let value = json
        .pointer("/results/bindings/0/n/value")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| {
            Error::Usage(format!(
                "{sparql}: the count query's answer has no ?n: {}",
                snippet(&body)
            ))
        })?;
    value.trim().parse().map_err(|_| {
        Error::Usage(format!(
            "{sparql}: the count `{value}` is not a whole number"
        ))
    })
}

/// Reads the graph back (N-Triples) and counts its triples as they stream past.
fn count_by_reading(
    http: &mut Http,
    graph_url: &str,
    on_event: &mut impl FnMut(&Event),
) -> Result<u64> {
    let response = http.open(
        "read back",
        graph_url,
        &[("accept", "application/n-triples")],
        on_event,
    )?;
    let mut count = 0;
    for triple in oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NTriples)
        .for_reader(BufReader::new(response))
    {
        triple.map_err(|e| Error::Usage(format!("{graph_url}: reading the graph back: {e}")))?;
        count += 1;
    }
    Ok(count)
}

/// Refuses URLs the client cannot use, and any that carries credentials.
fn check_url(url: &str, option: &str) -> Result<()> {
    let uri: oxhttp::model::Uri = url
        .parse()
        .map_err(|e| Error::Usage(format!("{option} `{url}` is not a URL: {e}")))?;
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        // Do not echo it: the user part may hold a password.
        return Err(Error::Usage(format!(
            "{option}: the URL carries credentials; give them in FACTGRAPH_PUSH_USER and FACTGRAPH_PUSH_PASSWORD instead, so that they stay out of the command line and the logs"
        )));
    }
    match uri.scheme_str() {
        Some("http") => Ok(()),
        Some("https") => Err(Error::Usage(format!(
            "{option} `{url}`: HTTPS is not supported (factgraph is built without a TLS stack); use the store's plain HTTP port or a local TLS tunnel"
        ))),
        _ => Err(Error::Usage(format!(
            "{option} `{url}` must be an http:// URL"
        ))),
    }
}

/// `url` with `name=value` appended to its query string.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let pair: String = form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish();
    let separator = if url.contains('?') {
        if url.ends_with('?') || url.ends_with('&') {
            ""
        } else {
            "&"
        }
    } else {
        "?"
    };
    format!("{url}{separator}{pair}")
}

/// The start of a response body, for an error message.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let short: String = text.chars().take(400).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::http::is_transient;
    use super::*;
    use oxhttp::model::StatusCode;

    #[test]
    fn graph_parameter_is_appended_and_encoded() {
        assert_eq!(
            with_param("http://h/store", "graph", "https://ex.org/release/v1"),
            "http://h/store?graph=https%3A%2F%2Fex.org%2Frelease%2Fv1"
        );
        assert_eq!(
            with_param("http://h/ds?x=1", "graph", "urn:a"),
            "http://h/ds?x=1&graph=urn%3Aa"
        );
    }

    #[test]
    fn urls_with_credentials_or_tls_are_refused_without_echoing_them() {
        let e = check_url("http://admin:s3cret@h:8890/x", "--endpoint").unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
        assert!(check_url("https://h/x", "--endpoint")
            .unwrap_err()
            .to_string()
            .contains("HTTPS"));
        assert!(check_url("http://127.0.0.1:1/x", "--endpoint").is_ok());
    }

    #[test]
    fn credentials_debug_hides_the_password() {
        let c = Credentials {
            user: "dba".into(),
            password: "s3cret".into(),
        };
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn transient_statuses() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_transient(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [400, 401, 403, 404, 413, 415, 501] {
            assert!(!is_transient(StatusCode::from_u16(s).unwrap()), "{s}");
        }
    }
}
