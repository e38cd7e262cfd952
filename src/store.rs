//! The embedded Oxigraph store: the only module that touches `oxigraph::store`.
//!
//! The default build uses Oxigraph's in-memory store, which needs no C++ toolchain;
//! quads are streamed into it through the bulk loader. With the `persistent` cargo
//! feature, a RocksDB store is kept under `.factgraph/store/<key>/`, where `<key>` is a
//! content hash of everything it was built from: a query on unchanged inputs opens it
//! read-only and parses nothing.

use crate::error::{Error, Result};
use crate::graph::canonical_line;
use oxigraph::model::{GraphNameRef, Quad};
use oxigraph::store::Store;

fn store_error(e: impl std::fmt::Display) -> Error {
    Error::Store(e.to_string())
}

/// Loads quads into a new in-memory store.
pub fn in_memory(quads: impl IntoIterator<Item = Quad>) -> Result<Store> {
    let store = Store::new().map_err(store_error)?;
    load(&store, quads)?;
    Ok(store)
}

/// Streams quads into a store with the bulk loader (atomic: all or nothing).
pub fn load(store: &Store, quads: impl IntoIterator<Item = Quad>) -> Result<()> {
    let mut loader = store.bulk_loader();
    loader.load_quads(quads).map_err(store_error)?;
    loader.commit().map_err(store_error)
}

/// Every quad of the store as canonical N-Quads lines, sorted by bytes.
///
/// The store's iteration order is an implementation detail (reverse insertion order
/// in memory, key order in RocksDB), so exports never depend on it.
pub fn canonical_lines(store: &Store) -> Result<Vec<String>> {
    let mut lines = store
        .iter()
        .map(|q| q.map(|q| canonical_line(&q)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(store_error)?;
    lines.sort_unstable();
    lines.dedup();
    Ok(lines)
}

/// The number of quads in the store.
pub fn len(store: &Store) -> Result<usize> {
    store.len().map_err(store_error)
}

/// The default graph's quads, sorted for output.
pub fn default_graph(store: &Store) -> Result<Vec<Quad>> {
    store
        .quads_for_pattern(None, None, None, Some(GraphNameRef::DefaultGraph))
        .collect::<Result<Vec<_>, _>>()
        .map_err(store_error)
}

/// On-disk stores, keyed by the content hash of their inputs.
#[cfg(feature = "persistent")]
pub mod persistent {
    use super::{load, store_error};
    use crate::error::{Error, Result};
    use oxigraph::model::Quad;
    use oxigraph::store::Store;
    use std::path::{Path, PathBuf};

    /// Where the store for `key` lives under `cache_dir`.
    pub fn path(cache_dir: &Path, key: &str) -> PathBuf {
        cache_dir.join("store").join(key)
    }

    /// Opens the store for `key` read-only if it was built before, or builds it from
    /// `quads` (in a temporary directory renamed into place once complete, so a killed
    /// build never leaves a store that looks finished).
    pub fn open_or_build<I: IntoIterator<Item = Quad>>(
        cache_dir: &Path,
        key: &str,
        quads: impl FnOnce() -> Result<I>,
    ) -> Result<(Store, bool)> {
        let final_path = path(cache_dir, key);
        if final_path.join("COMPLETE").exists() {
            return Ok((
                Store::open_read_only(&final_path).map_err(store_error)?,
                true,
            ));
        }
        let parent = final_path.parent().unwrap_or(cache_dir);
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let tmp = tempfile::Builder::new()
            .prefix(".building-")
            .tempdir_in(parent)
            .map_err(|e| Error::io(parent, e))?;
        {
            let store = Store::open(tmp.path()).map_err(store_error)?;
            load(&store, quads()?)?;
            store.flush().map_err(store_error)?;
        }
        std::fs::write(tmp.path().join("COMPLETE"), key).map_err(|e| Error::io(tmp.path(), e))?;
        let tmp = tmp.keep();
        if let Err(e) = std::fs::rename(&tmp, &final_path) {
            // Another process may have finished the same store first: use theirs.
            let _ = std::fs::remove_dir_all(&tmp);
            if !final_path.join("COMPLETE").exists() {
                return Err(Error::io(&final_path, e));
            }
        }
        Ok((
            Store::open_read_only(&final_path).map_err(store_error)?,
            false,
        ))
    }
}
