//! `factgraph verify <release dir>`: checking a published (or downloaded) release.

use serde::Serialize;
use std::io::Write;

/// What a release check found beyond facts and sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseDetails {
    /// The release version, as `release.ttl` declares it.
    pub version: Option<String>,
}

impl ReleaseDetails {
    /// Writes the release lines of the human summary.
    pub fn write_text(&self, out: &mut impl Write) -> std::io::Result<()> {
        writeln!(
            out,
            "  release: {}",
            self.version.as_deref().unwrap_or("(unknown version)")
        )
    }
}

/// What `release.ttl` declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The release version.
    pub version: Option<String>,
    /// The release IRI.
    pub iri: Option<String>,
    /// The declared graph content hash.
    pub content_hash: Option<String>,
}

/// The directory of a release: `exports/<version>`, or what `exports/latest` names.
pub fn resolve(exports: &std::path::Path, version: &str) -> crate::Result<std::path::PathBuf> {
    let dir = exports.join(version);
    if dir.is_dir() {
        return Ok(dir);
    }
    Err(crate::Error::Usage(format!(
        "no release `{version}` in {}",
        exports.display()
    )))
}

/// The manifest and every quad of a release's `graph.nq`.
pub fn read_for_cite(
    _dir: &std::path::Path,
) -> crate::Result<(Manifest, Vec<oxigraph::model::Quad>)> {
    Err(crate::Error::Usage(
        "release citations are not implemented yet".into(),
    ))
}

/// Verifies a release directory.
pub fn verify_release(
    _dir: &std::path::Path,
    _sources: Option<&std::path::Path>,
) -> crate::Result<super::Report> {
    Err(crate::Error::Usage(
        "release verification is not implemented yet".into(),
    ))
}
