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
//! - `/fact/<id>`, `/source/<id>`, `/entity/<id>`, `/release/<v>`, `/ontology`: the
//!   graph's own IRIs, dereferenced (see [`resources`]: 303 to an HTML, Turtle,
//!   N-Triples, JSON-LD or RDF/XML document; 404 for unknown ids).
//! - `/`: a query page with example queries.
//!
//! # Invariants
//! - **Read-only.** Nothing here can write to the store: SPARQL Update (an `update=`
//!   field, an `application/sparql-update` body, `/update`) and Graph Store writes are
//!   answered 403 before anything is parsed.
//! - **Bounded.** A query's text is checked against [`crate::query::limits`] (nesting,
//!   UNIONs, operators, length) before parsing; it is evaluated in a child process
//!   ([`crate::sandbox`]) with [`Limits::max_query_memory`] of memory and killed after
//!   [`Limits::timeout`]; responses are buffered up to [`Limits::max_rows`] rows or
//!   triples, and request bodies are read up to [`Limits::max_body_bytes`]. Going over
//!   a limit answers an HTTP error (400, 503, 422, 413) and the server keeps serving.
//! - **Connections.** [`connections`] gives each request a whole-request deadline and
//!   each address a share of the connections, so slow or many clients cannot hold the
//!   server.
//! - [`Service::handle`] is a plain function from request to response: tests call it
//!   without sockets; [`start`] puts it behind [`connections`].
//!
//! # Rationale
//! Connections are plain threads (one per connection, oxhttp's `http` crate types for
//! requests and responses): no async runtime, and SPARQL evaluation is blocking
//! anyway. Results are buffered rather than streamed so that a timeout or the
//! row limit can still change the status code: a streamed response has already sent
//! `200 OK` when evaluation fails.

pub mod connections;
mod dataset;
mod negotiate;
mod page;
mod resources;
mod server;
mod service;

pub use dataset::{open, Dataset, Endpoint};
pub use negotiate::{negotiate, Kind, Negotiated};
pub use server::{serve, start, Running, Stopped};
pub use service::{AccessRecord, Logger, Service};

use crate::error::Error;
use crate::project::Config;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Memory one query's evaluation may add to the server's, in bytes (the address
    /// space of the child process it runs in; see [`crate::sandbox`]).
    pub max_query_memory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_rows: 100_000,
            max_body_bytes: 1024 * 1024,
            max_query_memory: 1024 * 1024 * 1024,
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
    /// Most connections open at once (each has a thread); more wait up to two seconds,
    /// then get 503 (see [`connections::Policy`]).
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
        source: crate::store::LoaderError,
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
}
