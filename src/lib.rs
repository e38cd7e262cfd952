//! factgraph: source-attributed facts to a versioned, citable knowledge graph.
//!
//! The pipeline is `sources + facts (CSV) + ontology (Turtle)` → [`pipeline::check`] →
//! [`pipeline::quads`] (lazy, no I/O) → the canonical sort ([`hash`]) → [`export`] /
//! [`release`], or → [`store`] (embedded Oxigraph) → [`query`] / [`serve`]. See
//! ARCHITECTURE.md for the map.
#![warn(missing_docs)]

pub mod annotations;
pub mod atomic;
pub mod attribution;
pub mod cite;
pub mod diff;
pub mod error;
pub mod export;
pub mod extsort;
pub mod fact;
pub mod graph;
pub mod hash;
pub mod linked;
pub mod literal;
pub mod lock;
pub mod merkle;
pub mod metadata;
pub mod ontology;
pub mod pipeline;
pub mod progress;
pub mod project;
pub mod push;
pub mod query;
pub mod quote;
pub mod release;
pub mod safe_read;
pub mod sandbox;
pub mod serve;
pub mod source;
pub mod store;
pub mod table;
pub mod verify;
pub mod vocab;

pub use error::{Diagnostic, Error, Result};
pub use project::Config;
