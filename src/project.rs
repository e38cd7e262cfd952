//! A project: where its inputs live, how its IRIs are minted, how paths are shown.
//!
//! A project is a directory holding `ontology/`, `sources/` (the source files,
//! `sources.csv` and `facts.csv`) and `exports/` (published releases), plus the
//! git-ignored `.factgraph/` cache. Everything else reaches these paths through
//! [`Config`], and names them in messages relative to the root ([`shown`]).

use crate::error::{Error, Result};
use oxigraph::model::NamedNode;
use std::path::{Path, PathBuf};

/// The default base IRI of minted resources.
pub const DEFAULT_BASE_IRI: &str = "https://w3id.org/factgraph/";

/// Mints the IRIs of facts, sources and releases under one base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minter {
    base: String,
}

impl Minter {
    /// A minter under `base`, which must be an absolute IRI ending in `/`, with no
    /// `#` or `?`: minted IRIs append `fact/<id>#quote`, and a second `#` (or a query
    /// part before the path) would make invalid IRIs that only an export's writer
    /// would notice, after `check` passed.
    pub fn new(base: &str) -> Result<Self, String> {
        NamedNode::new(base)
            .map_err(|e| format!("base IRI `{base}` is not an absolute IRI: {e}"))?;
        if !base.ends_with('/') {
            return Err(format!(
                "base IRI `{base}` must end with `/` (e.g. https://example.org/kg/)"
            ));
        }
        if base.contains(['#', '?']) {
            return Err(format!(
                "base IRI `{base}` must not contain `#` or `?`: factgraph appends paths and `#` fragments to it (e.g. https://example.org/kg/)"
            ));
        }
        let minter = Self {
            base: base.to_owned(),
        };
        for sample in [
            minter.fact_part("f.1-x_y", "quote").into_string(),
            minter.source("s1").into_string(),
            format!("{}/SHA256SUMS", minter.release("v1").as_str()),
        ] {
            NamedNode::new(&sample).map_err(|e| {
                format!("base IRI `{base}` makes invalid IRIs such as <{sample}>: {e}")
            })?;
        }
        Ok(minter)
    }

    /// The base IRI.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Namespace of fact IRIs.
    pub fn fact_ns(&self) -> String {
        format!("{}fact/", self.base)
    }

    /// Namespace of source IRIs.
    pub fn source_ns(&self) -> String {
        format!("{}source/", self.base)
    }

    /// Namespace of release IRIs.
    pub fn release_ns(&self) -> String {
        format!("{}release/", self.base)
    }

    /// The IRI of a fact (its statement node).
    pub fn fact(&self, id: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}{id}", self.fact_ns()))
    }

    /// A node that belongs to a fact's description (`#annotation`, `#quote`...).
    pub fn fact_part(&self, id: &str, part: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}{id}#{part}", self.fact_ns()))
    }

    /// The IRI of a source.
    pub fn source(&self, id: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}{id}", self.source_ns()))
    }

    /// The IRI of a release.
    pub fn release(&self, version: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}{version}", self.release_ns()))
    }
}

/// Where a project's inputs live, and how its IRIs are minted.
#[derive(Debug, Clone)]
pub struct Config {
    /// The project root (holds `ontology/`, `sources/`, `exports/`).
    pub root: PathBuf,
    /// The IRI minter (base IRI).
    pub minter: Minter,
}

impl Config {
    /// A project at `root` with a base IRI.
    pub fn new(root: impl Into<PathBuf>, base_iri: &str) -> Result<Self> {
        Ok(Self {
            root: root.into(),
            minter: Minter::new(base_iri).map_err(Error::Usage)?,
        })
    }

    /// `sources/`: the source files and the two tables.
    pub fn sources_dir(&self) -> PathBuf {
        self.root.join("sources")
    }

    /// `sources/sources.csv`.
    pub fn sources_table(&self) -> PathBuf {
        self.sources_dir().join("sources.csv")
    }

    /// `sources/facts.csv`.
    pub fn facts_table(&self) -> PathBuf {
        self.sources_dir().join("facts.csv")
    }

    /// `ontology/`.
    pub fn ontology_dir(&self) -> PathBuf {
        self.root.join("ontology")
    }

    /// `exports/`: published releases.
    pub fn exports_dir(&self) -> PathBuf {
        self.root.join("exports")
    }

    /// `.factgraph/`: git-ignored caches (the persistent stores).
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join(".factgraph")
    }

    /// A path as shown in messages (relative to the root).
    pub fn shown(&self, path: &Path) -> PathBuf {
        shown(path, &self.root)
    }
}

/// A path relative to the project root when it is inside it, for messages.
pub fn shown(path: &Path, root: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}
