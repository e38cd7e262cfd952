//! The published files: what `export` and `release` write, in one place.
//!
//! - [`columns`]: the column lists of `facts.csv` and `sources.csv` (header, cell order
//!   and CSVW description of each, from one table per CSV);
//! - [`tables`]: the CSV writers and the CSVW metadata, generated from those lists;
//! - [`rdf`]: `graph.nq` (the sorted canonical lines) and Turtle streamed from them.
//!
//! Every writer sorts explicitly (never relying on store or hash-map order) and writes
//! to a buffered stream, so the same inputs give byte-identical files on any machine.
//! `export` writes its files into a temporary directory beside the destination and
//! moves them into place only when all of them are complete ([`crate::atomic`]).

pub mod canonical;
pub mod columns;
pub mod csvw;
pub mod described;
pub mod history;
pub mod outfile;
pub mod rdf;
pub mod stream;
pub mod tables;

pub use rdf::{data_lines, write_lines, write_turtle};
pub use stream::{finish_held, parent_dir, write_streamed, WriteOptions, Written};
pub use tables::{
    csvw_metadata, write_facts_csv, write_facts_csv_indexed, write_facts_csv_ordered,
    write_sources_csv,
};

use crate::error::{Error, Result};
use crate::hash::sha256_file;
use crate::pipeline::{self, Checked};
use crate::project::Config;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A written file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// File name inside its directory.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Lowercase hex sha256.
    pub sha256: String,
}

/// What an export produced.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Number of sources.
    pub sources: usize,
    /// Number of facts.
    pub facts: usize,
    /// Number of distinct triples in the whole graph (`graph.nq`).
    pub triples: usize,
    /// The sha256 of the canonical (sorted N-Quads) graph.
    pub graph_sha256: String,
    /// The directory written.
    pub dir: PathBuf,
    /// The files written, by name.
    pub files: Vec<FileInfo>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

/// The files an export writes: a directory holding only these (and hidden
/// temporaries) is a previous export, which may be overwritten.
pub const EXPORT_FILES: &[&str] = &["facts.ttl", "facts.csv", "graph.nq"];

/// Refuses an output directory that would overwrite inputs or releases: `sources/`,
/// `ontology/`, `exports/` (or anything inside or above them), and any non-empty
/// directory that is not a previous export.
pub fn check_output_dir(config: &Config, out: &Path) -> Result<()> {
    let absolute = |p: &Path| {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        // Resolve what exists (symbolic links included), keep the rest as written.
        let mut existing = p.clone();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent.to_path_buf();
                }
                _ => break,
            }
        }
        let mut resolved = existing.canonicalize().unwrap_or(existing);
        for name in rest.iter().rev() {
            resolved.push(name);
        }
        resolved
    };
    let target = absolute(out);
    for protected in [
        config.sources_dir(),
        config.ontology_dir(),
        config.exports_dir(),
    ] {
        let protected = absolute(&protected);
        if target.starts_with(&protected) || protected.starts_with(&target) {
            return Err(Error::Usage(format!(
                "--out {}: refusing to write into {} (the project's inputs and published releases are never overwritten); choose another directory, e.g. --out out",
                out.display(),
                config.shown(&protected).display()
            )));
        }
    }
    if let Ok(entries) = std::fs::read_dir(out) {
        let foreign: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !EXPORT_FILES.contains(&n.as_str()) && !n.starts_with('.'))
            .collect();
        if !foreign.is_empty() {
            return Err(Error::Usage(format!(
                "--out {}: the directory is not empty and is not an earlier export (it holds {}); choose an empty or new directory",
                out.display(),
                foreign.join(", ")
            )));
        }
    } else if out.exists() {
        return Err(Error::Usage(format!(
            "--out {}: not a directory",
            out.display()
        )));
    }
    Ok(())
}

/// Checks and writes the three export files into `out` (see [`check_output_dir`]).
pub fn export(config: &Config, out: &Path) -> Result<Summary> {
    export_with(config, out, &WriteOptions::default())
}

/// [`export`], with a memory budget and progress bars.
pub fn export_with(config: &Config, out: &Path, options: &WriteOptions) -> Result<Summary> {
    check_output_dir(config, out)?;
    let checked = pipeline::checked_with(config, &options.progress)?;
    let spill_dir = parent_dir(out);
    let (files, triples, graph_sha256) = crate::atomic::write_dir(out, |dir| {
        let written = write_streamed(dir, &spill_dir, config, &checked, options, None)?;
        let csv = write_facts_csv_indexed(&dir.join("facts.csv"), config, &checked, &|i| {
            written.streamed.fact_hash(i)
        })?;
        let files = vec![written.ttl, csv, written.nq];
        // The export's graph.nq is the data graph: its sha256 is the graph hash.
        Ok((files, written.streamed.lines as usize, written.data_sha256))
    })?;
    Ok(Summary {
        sources: checked.sources.len(),
        facts: checked.facts.len(),
        triples,
        graph_sha256,
        dir: out.to_path_buf(),
        files,
    })
}

/// Writes `facts.ttl`, `facts.csv` and `graph.nq` into `dir` from the graph's sorted
/// canonical lines; returns the files, the number of quads and the canonical graph hash
/// (the sha256 of `graph.nq`).
pub fn write_graph_files(
    dir: &Path,
    config: &Config,
    checked: &Checked,
    fact_hashes: &BTreeMap<String, String>,
    lines: &[String],
) -> Result<(Vec<FileInfo>, usize, String)> {
    let ttl = dir.join("facts.ttl");
    write_turtle(
        &ttl,
        &pipeline::prefixes(config, &checked.ontology),
        data_lines(lines, checked),
    )?;
    let csv = dir.join("facts.csv");
    write_facts_csv(&csv, config, checked, fact_hashes)?;
    let nq = dir.join("graph.nq");
    write_lines(&nq, lines)?;
    let graph_sha256 = crate::hash::graph_sha256(lines);
    let files = [ttl, csv, nq]
        .iter()
        .map(|p| file_info(p))
        .collect::<Result<Vec<_>>>()?;
    Ok((files, lines.len(), graph_sha256))
}

/// Size and sha256 of a file.
pub fn file_info(path: &Path) -> Result<FileInfo> {
    Ok(FileInfo {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes: std::fs::metadata(path).map_err(io(path))?.len(),
        sha256: sha256_file(path).map_err(io(path))?,
    })
}
