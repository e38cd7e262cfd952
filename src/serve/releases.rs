//! Loading releases into one store, each in its own named graph.
//!
//! Which releases exist, their order and their IRIs come from the release module
//! ([`crate::release::list`]: the `dcat:previousVersion` chain of `release.ttl` files);
//! this only streams a release's `graph.nq` (sorted canonical N-Quads, all in the
//! default graph) into a named graph, with the bulk loader rather than a `Vec` of
//! quads, so that a large release loads in bounded memory.

use super::ServeError;
use crate::error::Error;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::NamedNode;
use oxigraph::store::Store;
use std::io::BufReader;
use std::path::Path;

/// Loads the `graph.nq` of the release in `dir` into `store`, its default-graph quads
/// going into `graph`.
pub fn load_release(store: &Store, dir: &Path, graph: &NamedNode) -> Result<(), ServeError> {
    let path = dir.join("graph.nq");
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let parser = RdfParser::from_format(RdfFormat::NQuads).with_default_graph(graph.clone());
    let mut loader = store.bulk_loader();
    loader
        .load_from_reader(parser, BufReader::new(file))
        .map_err(|source| ServeError::Release {
            path: path.clone(),
            source,
        })?;
    loader
        .commit()
        .map_err(|e| ServeError::Project(Error::Store(e.to_string())))
}
