//! Snapshots for `diff`: a release's published tables, or the working inputs' tables
//! as a release would publish them, and the `CHANGES.md` of a first release.

use super::catalogue::{read_info, resolve};
use super::publish::build;
use crate::diff::{self, Snapshot, Table};
use crate::error::{Error, Result};
use crate::export;
use crate::project::Config;
use std::path::Path;

/// A snapshot of a release directory, for [`diff::compare`].
pub fn snapshot(dir: &Path) -> Result<Snapshot> {
    let info = read_info(dir)?;
    Ok(Snapshot {
        name: info.version.clone(),
        issued: Some(info.issued.clone()),
        graph_sha256: info.graph_sha256.clone(),
        triples: info.triples,
        facts: Table::read(&dir.join("facts.csv"))?,
        sources: Table::read(&dir.join("sources.csv"))?,
    })
}

/// A snapshot of the working inputs (its tables written to a temporary directory and
/// read back, so that they are exactly what a release would publish).
pub fn working_snapshot(config: &Config) -> Result<Snapshot> {
    let built = build(config)?;
    let tmp = tempfile::tempdir().map_err(|e| Error::io(Path::new("."), e))?;
    let (facts, sources) = (tmp.path().join("facts.csv"), tmp.path().join("sources.csv"));
    export::write_facts_csv(&facts, config, &built.checked, &built.fact_hashes)?;
    export::write_sources_csv(&sources, config, &built.checked)?;
    Ok(Snapshot {
        name: "working".to_owned(),
        issued: None,
        graph_sha256: built.graph_sha256,
        triples: built.lines.len() as u64,
        facts: Table::read(&facts)?,
        sources: Table::read(&sources)?,
    })
}

/// A snapshot by name: `working` (the current inputs) or anything [`resolve`] accepts.
pub fn snapshot_named(config: &Config, name: &str) -> Result<Snapshot> {
    if name == "working" {
        working_snapshot(config)
    } else {
        snapshot(&resolve(config, name)?)
    }
}

/// `CHANGES.md` of a first release: what it holds (there is nothing to compare with).
pub fn first_release_markdown(side: &diff::Side) -> String {
    let mut out = format!(
        "# {} ({}): first release\n\nNo previous release: {} fact(s) from {} source(s), all new.\n\n",
        side.name,
        side.issued.as_deref().unwrap_or(""),
        side.facts,
        side.sources
    );
    diff::summary_table(&mut out, &[side]);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
