//! The embedded Oxigraph store: the only module that touches `oxigraph::store`.
//!
//! The default build uses Oxigraph's in-memory store, which needs no C++ toolchain;
//! quads are streamed into it through the bulk loader.
//!
//! The store serves queries; exports are *not* read back from it, because Oxigraph
//! keeps literals in a native encoding and returns some with another datatype or
//! lexical form (`"5"^^xsd:nonNegativeInteger` comes back as `xsd:integer`), which
//! would break the canonical form and the content hashes. With the `persistent` cargo
//! feature, a RocksDB store is kept under `.factgraph/store/<key>/`, where `<key>` is a
//! content hash of everything it was built from: a query on unchanged inputs opens it
//! read-only and parses nothing.

use crate::error::{Error, Result};
use oxigraph::model::Quad;
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

/// Streams an N-Quads file into a store with the bulk loader (atomic: all or nothing);
/// a syntax error names the file, line and column.
pub fn load_nquads(store: &Store, path: &std::path::Path) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut loader = store.bulk_loader();
    loader
        .load_from_reader(
            oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NQuads),
            std::io::BufReader::new(file),
        )
        .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    loader.commit().map_err(store_error)
}

/// On-disk stores, keyed by the content hash of their inputs.
#[cfg(feature = "persistent")]
pub mod persistent {
    use super::store_error;
    use crate::error::{Error, Result};
    use oxigraph::store::Store;
    use std::path::{Path, PathBuf};

    /// Where the store for `key` lives under `cache_dir`.
    pub fn path(cache_dir: &Path, key: &str) -> PathBuf {
        cache_dir.join("store").join(key)
    }

    /// Opens the store for `key` read-only if it was built before, or builds it with
    /// `fill` (in a temporary directory renamed into place once complete, so a killed
    /// build never leaves a store that looks finished). Returns whether it was reused.
    pub fn open_or_build(
        cache_dir: &Path,
        key: &str,
        fill: impl FnOnce(&Store) -> Result<()>,
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
            fill(&store)?;
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
