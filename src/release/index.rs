//! The index files of `exports/`: `latest` (the newest version) and `releases.csv`
//! (one row per release, oldest first), derived from the catalogue.

use super::catalogue::ReleaseInfo;
use crate::error::{Error, Result};
use std::path::Path;

/// The columns of `exports/releases.csv`.
pub const INDEX_COLUMNS: &[&str] = &[
    "version",
    "issued",
    "previous",
    "graph_sha256",
    "facts",
    "sources",
    "triples",
];

/// `exports/releases.csv`: one row per release, oldest first.
pub fn index_csv(releases: &[ReleaseInfo]) -> Result<String> {
    let csv_err = |source: csv::Error| Error::Csv {
        path: "releases.csv".into(),
        source,
    };
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(INDEX_COLUMNS).map_err(csv_err)?;
    for r in releases {
        w.write_record([
            r.version.clone(),
            r.issued.clone(),
            r.previous.clone().unwrap_or_default(),
            r.graph_sha256.clone(),
            r.facts.to_string(),
            r.sources.to_string(),
            r.triples.to_string(),
        ])
        .map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::io("releases.csv", e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Rewrites `exports/latest` and `exports/releases.csv` from the releases (each
/// atomically, and only if its content changes).
pub fn write_index(exports: &Path, releases: &[ReleaseInfo]) -> Result<()> {
    let Some(newest) = releases.last() else {
        return Ok(());
    };
    for (name, content) in [
        ("releases.csv", index_csv(releases)?),
        ("latest", format!("{}\n", newest.version)),
    ] {
        let path = exports.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(content.as_str()) {
            crate::atomic::write_file(&path, content.as_bytes())?;
        }
    }
    Ok(())
}
