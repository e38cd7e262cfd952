//! The embedded Oxigraph store: the only module that names `oxigraph::store`, and the
//! only one that creates, fills or chooses a store (the working graph, one release, or
//! every release in named graphs for `serve`).
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
use crate::ontology::Ontology;
use crate::pipeline;
use crate::progress::Progress;
use crate::project::Config;
use crate::release::ReleaseInfo;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, Quad};
use std::path::{Path, PathBuf};

pub use oxigraph::store::{LoaderError, StorageError, Store};

fn store_error(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Store(Box::new(e))
}

/// Why an N-Quads file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file does not parse (the error carries its line and column) or the store
    /// refused it.
    #[error("cannot load {}: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parse or store error.
        #[source]
        source: LoaderError,
    },
    /// Reading the file or the store failed.
    #[error(transparent)]
    Project(#[from] Error),
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

/// Streams an N-Quads file into a store with the bulk loader (atomic: all or nothing),
/// its default-graph quads going into `graph` when given; a syntax error names the
/// file, line and column.
pub fn load_nquads(
    store: &Store,
    path: &Path,
    graph: Option<NamedNode>,
    progress: &Progress,
) -> std::result::Result<(), LoadError> {
    let file = crate::safe_read::open_no_follow(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut parser = RdfParser::from_format(RdfFormat::NQuads);
    if let Some(graph) = graph {
        parser = parser.with_default_graph(graph);
    }
    let bar = progress.bytes(len, "loading graph.nq");
    let mut loader = store.bulk_loader();
    loader
        .load_from_reader(
            parser,
            bar.wrap_read(std::io::BufReader::with_capacity(1 << 20, file)),
        )
        .map_err(|source| LoadError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
    bar.finish_and_clear();
    loader
        .commit()
        .map_err(|e| LoadError::Project(store_error(e)))
}

/// A store ready to query.
pub struct Queryable {
    /// The store.
    pub store: Store,
    /// Prefixes to predeclare in queries.
    pub prefixes: Vec<(String, String)>,
    /// Where the on-disk store is, and whether it was reused (`persistent` feature).
    pub on_disk: Option<(PathBuf, bool)>,
}

/// The store of the working inputs, ready to query, and the prefixes to predeclare.
///
/// In-memory builds check and load everything. With the `persistent` feature the
/// store is looked up by [`inputs_key`] first, and only built when the inputs changed.
pub fn working(config: &Config) -> Result<Queryable> {
    let (ontology, problems) = Ontology::load(&config.ontology_dir(), &config.root);
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let prefixes = pipeline::prefixes(config, &ontology);
    queryable(
        config,
        || inputs_key(config),
        prefixes,
        |store| {
            let checked = pipeline::checked(config)?;
            load(store, pipeline::quads(config, &checked))
        },
    )
}

/// A store filled by `fill`: in memory, or (feature `persistent`) on disk under the
/// content hash `key`, opened read-only when it was built before, in which case `fill`
/// never runs and nothing is parsed.
fn queryable(
    config: &Config,
    key: impl FnOnce() -> Result<String>,
    prefixes: Vec<(String, String)>,
    fill: impl FnOnce(&Store) -> Result<()>,
) -> Result<Queryable> {
    #[cfg(feature = "persistent")]
    {
        let key = key()?;
        let (store, reused) = persistent::open_or_build(&config.cache_dir(), &key, fill)?;
        let path = persistent::path(&config.cache_dir(), &key);
        Ok(Queryable {
            store,
            prefixes,
            on_disk: Some((config.shown(&path), reused)),
        })
    }
    #[cfg(not(feature = "persistent"))]
    {
        let _ = (config, key);
        let store = in_memory(std::iter::empty())?;
        fill(&store)?;
        Ok(Queryable {
            store,
            prefixes,
            on_disk: None,
        })
    }
}

/// A release's `graph.nq` loaded into a store for querying, with the prefixes its
/// ontology declared. In-memory builds parse `graph.nq` on every call; with the
/// `persistent` feature the store is kept under `.factgraph/store/release-<sha256 of
/// graph.nq>/` (the whole release graph, so two releases never share a store) and
/// reused.
pub fn release(config: &Config, dir: &Path) -> Result<Queryable> {
    release_with(config, dir, &Progress::hidden())
}

/// Builds the on-disk store of a release ahead of time (`factgraph index`), so that
/// later queries and `serve` open it at once. Without the `persistent` feature there is
/// no on-disk store to build: that is a usage error saying how to get one.
pub fn index(config: &Config, dir: &Path, progress: &Progress) -> Result<Queryable> {
    if cfg!(feature = "persistent") {
        release_with(config, dir, progress)
    } else {
        Err(Error::Usage(
            "`factgraph index` builds an on-disk store, and this factgraph was built without \
             one: install it with `cargo install --features persistent` (needs a C++ compiler \
             and libclang). Without it, every `query --release` loads graph.nq into memory \
             again (about 2 minutes per million facts)"
                .to_owned(),
        ))
    }
}

/// [`release`], with a progress bar while `graph.nq` is loaded.
pub fn release_with(config: &Config, dir: &Path, progress: &Progress) -> Result<Queryable> {
    let info = crate::release::read_info(dir)?;
    let nq = dir.join("graph.nq");
    let key = || -> Result<String> {
        let hash = match info.files.get("graph.nq") {
            Some((_, sha256)) => sha256.clone(),
            None => crate::safe_read::open_no_follow(&nq)
                .and_then(crate::hash::sha256_reader)
                .map_err(|e| Error::io(&nq, e))?,
        };
        Ok(format!("release-{hash}"))
    };
    queryable(config, key, release_prefixes(config, &info), |store| {
        load_nquads(store, &nq, None, progress).map_err(|e| match e {
            LoadError::Parse { path, source } => Error::CorruptRelease {
                path,
                message: source.to_string(),
            },
            LoadError::Project(e) => e,
        })
    })
}

/// Every release in `exports/` in one in-memory store, each in the named graph of its
/// release IRI (oldest first).
pub fn all_releases(releases: &[ReleaseInfo]) -> Result<Store, LoadError> {
    let store = Store::new().map_err(store_error)?;
    for info in releases {
        let graph = NamedNode::new(&info.iri).map_err(|e| Error::CorruptRelease {
            path: info.dir.join("release.ttl"),
            message: format!("bad release IRI <{}>: {e}", info.iri),
        })?;
        load_nquads(
            &store,
            &info.dir.join("graph.nq"),
            Some(graph),
            &Progress::hidden(),
        )?;
    }
    Ok(store)
}

/// The prefixes to predeclare for a release: those of its `release.ttl`, then the
/// standard and minted ones it lacks.
pub fn release_prefixes(config: &Config, info: &ReleaseInfo) -> Vec<(String, String)> {
    let mut prefixes = info.prefixes.clone();
    for (name, ns) in pipeline::prefixes(config, &crate::ontology::Ontology::default()) {
        if !prefixes.iter().any(|(n, _)| *n == name) {
            prefixes.push((name, ns));
        }
    }
    prefixes
}

/// A content hash of everything the graph is built from: every file under
/// `ontology/` and `sources/` (path and sha256), the base IRI and the tool version.
pub fn inputs_key(config: &Config) -> Result<String> {
    let mut files = Vec::new();
    for dir in [config.ontology_dir(), config.sources_dir()] {
        walk(&dir, &mut files)?;
    }
    files.sort();
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(format!(
        "factgraph {}\n{}\n",
        env!("CARGO_PKG_VERSION"),
        config.minter.base()
    ));
    for file in files {
        let hash = crate::safe_read::open_no_follow(&file)
            .and_then(crate::hash::sha256_reader)
            .map_err(|e| Error::io(&file, e))?;
        hasher.update(format!("{}\0{hash}\n", config.shown(&file).display()));
    }
    Ok(crate::hash::hex(&hasher.finalize()))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// On-disk stores, keyed by the content hash of their inputs.
#[cfg(feature = "persistent")]
pub mod persistent {
    use super::{store_error, Store};
    use crate::error::{Error, Result};
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
        let tmp = crate::atomic::staging_dir(parent, ".building-")?;
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

/// Reads triples of one graph, pattern by pattern: what linked-data pages need, without
/// naming a store type (so the pages render the same from a store or from memory).
pub trait Lookup {
    /// Every triple whose subject is `subject`.
    fn about(&self, subject: &oxigraph::model::NamedNode) -> Result<Vec<oxigraph::model::Triple>>;
    /// Every triple whose object is `object`.
    fn mentioning(&self, object: &oxigraph::model::Term) -> Result<Vec<oxigraph::model::Triple>>;
    /// Every triple whose predicate is `predicate`.
    fn with_predicate(
        &self,
        predicate: &oxigraph::model::NamedNode,
    ) -> Result<Vec<oxigraph::model::Triple>>;
}

/// A [`Lookup`] over one graph of a store (the default graph, or a named
/// graph when `serve --all-releases` keeps each release in its own).
pub struct GraphLookup<'a> {
    store: &'a Store,
    graph: oxigraph::model::GraphName,
}

impl<'a> GraphLookup<'a> {
    /// Reads `graph` (`None`: the default graph) of `store`.
    pub fn new(store: &'a Store, graph: Option<oxigraph::model::NamedNode>) -> Self {
        Self {
            store,
            graph: graph.map_or(oxigraph::model::GraphName::DefaultGraph, Into::into),
        }
    }

    fn collect(
        &self,
        subject: Option<oxigraph::model::NamedOrBlankNodeRef<'_>>,
        predicate: Option<oxigraph::model::NamedNodeRef<'_>>,
        object: Option<oxigraph::model::TermRef<'_>>,
    ) -> Result<Vec<oxigraph::model::Triple>> {
        self.store
            .quads_for_pattern(subject, predicate, object, Some(self.graph.as_ref()))
            .map(|q| q.map(oxigraph::model::Triple::from).map_err(store_error))
            .collect()
    }
}

impl Lookup for GraphLookup<'_> {
    fn about(&self, subject: &oxigraph::model::NamedNode) -> Result<Vec<oxigraph::model::Triple>> {
        self.collect(Some(subject.as_ref().into()), None, None)
    }
    fn mentioning(&self, object: &oxigraph::model::Term) -> Result<Vec<oxigraph::model::Triple>> {
        self.collect(None, None, Some(object.as_ref()))
    }
    fn with_predicate(
        &self,
        predicate: &oxigraph::model::NamedNode,
    ) -> Result<Vec<oxigraph::model::Triple>> {
        self.collect(None, Some(predicate.as_ref()), None)
    }
}
