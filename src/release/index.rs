//! The index files of `exports/`: `latest` (the newest version) and `releases.csv`
//! (one row per release, oldest first), derived from the catalogue. Releases made
//! before Merkle roots were recorded have an empty `merkle_root` cell.

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
    "merkle_root",
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
            r.merkle_root.clone().unwrap_or_default(),
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
    for staged in stage_index(exports, releases)? {
        staged.persist()?;
    }
    Ok(())
}

/// Writes the new `exports/latest` and `exports/releases.csv` to temporary siblings
/// (only those whose content changes), to be renamed into place by the caller.
///
/// `release` stages them *before* it renames the new release into place, so that a
/// full disk or an unwritable index fails the release with nothing published; after
/// the release's rename only two renames remain. Both files are derived from the
/// `dcat:previousVersion` chain (which `latest` resolves through), and every release
/// rewrites them from it, so even a crash between the renames is repaired by the next.
pub fn stage_index(
    exports: &Path,
    releases: &[ReleaseInfo],
) -> Result<Vec<crate::atomic::StagedFile>> {
    let Some(newest) = releases.last() else {
        return Ok(Vec::new());
    };
    let mut staged = Vec::new();
    for (name, content) in [
        ("releases.csv", index_csv(releases)?),
        ("latest", format!("{}\n", newest.version)),
    ] {
        let path = exports.join(name);
        // Read only a regular file: a FIFO named `latest` would block the release.
        let current = crate::safe_read::open_no_follow(&path)
            .and_then(|f| crate::safe_read::read_capped(f, &path, 64 * 1024 * 1024))
            .ok();
        if current.as_deref() != Some(content.as_bytes()) {
            if path.symlink_metadata().is_ok_and(|m| !m.is_file()) {
                return Err(Error::Usage(format!(
                    "{} is not a regular file; it holds the release index, which factgraph rewrites: remove it",
                    path.display()
                )));
            }
            staged.push(crate::atomic::stage_file(&path, content.as_bytes())?);
        }
    }
    Ok(staged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_csv_has_one_row_per_release_oldest_first() {
        let info = |version: &str, previous: Option<&str>| ReleaseInfo {
            version: version.into(),
            dir: version.into(),
            iri: format!("https://example.org/release/{version}"),
            issued: "2026-11-28".into(),
            previous: previous.map(Into::into),
            graph_sha256: "ab".into(),
            // Releases made before Merkle roots have none: an empty cell.
            merkle_root: (version != "v1").then(|| "cd".into()),
            facts: 2,
            sources: 1,
            triples: 30,
            files: Default::default(),
            prefixes: Vec::new(),
        };
        let csv = index_csv(&[info("v1", None), info("v2", Some("v1"))]).unwrap();
        assert_eq!(
            csv,
            "version,issued,previous,graph_sha256,facts,sources,triples,merkle_root\n\
             v1,2026-11-28,,ab,2,1,30,\n\
             v2,2026-11-28,v1,ab,2,1,30,cd\n"
        );
    }
}
