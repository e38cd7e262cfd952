//! factgraph: source-attributed facts to a versioned, citable knowledge graph.
//!
//! The pipeline is `sources + facts (CSV) + ontology (Turtle)` → [`pipeline::check`] →
//! [`pipeline::build`] (quads, no I/O) → [`store`] (embedded Oxigraph) → [`export`]
//! / [`query`]. See ARCHITECTURE.md for the map.
#![warn(missing_docs)]

pub mod cite;
pub mod diff;
pub mod error;
pub mod export;
pub mod fact;
pub mod graph;
pub mod literal;
pub mod ontology;
pub mod pipeline;
pub mod query;
pub mod quote;
pub mod release;
pub mod serve;
pub mod source;
pub mod store;
pub mod table;
pub mod verify;
pub mod vocab;

pub use error::{Diagnostic, Error, Result};
pub use pipeline::working_store as store_for_query;
pub use pipeline::Config;
