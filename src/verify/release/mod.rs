//! `factgraph verify <release dir>`: checking a published or downloaded release, with
//! no repository around it.
//!
//! # What is checked, in order
//! 1. **Files.** Every file is hashed once. `SHA256SUMS` must list every file but
//!    itself, `release.ttl` must describe every file but itself and `SHA256SUMS`
//!    (byte size and sha256, see [`crate::release`]), and each must match. A file in
//!    the directory that neither names is `extra`; one they name that is absent is
//!    `missing`.
//! 2. **The graph.** `graph.nq` is streamed line by line: its lines must be sorted and
//!    unique (canonical); the lines of the release description (subject `<R>` or
//!    `<R/…>`) must be exactly what `release.ttl` says (minus the triples about
//!    `graph.nq` itself); the other lines' sha256 must be the declared
//!    `fg:graphSha256`.
//! 3. **Each fact.** A fact's content hash ([`crate::hash::fact_hash`]) is recomputed
//!    from its lines in `graph.nq`, and again from `facts.ttl`, and compared with its
//!    `fg:sha256`: a fact edited in either file with its hash left as it was is
//!    caught, and so is a fact present in one file and not the other.
//! 4. **Quotes** (with `--sources DIR`): each source file found in `DIR` (at its
//!    recorded path, or by file name) is hashed against the source's `fg:sha256`, and
//!    every quote is re-checked at its `oa:TextPositionSelector` positions, exactly as
//!    for the working inputs.
//!
//! # Rationale
//! The checks are layered so that a tamperer who updates one checksum is caught by the
//! next: `SHA256SUMS` → `release.ttl` → the graph hash → per-fact hashes. Facts are
//! hashed while streaming: canonical lines are sorted, so all lines of a fact's
//! nodes (`<F#annotation>` … sort just before `<F>`) arrive together and each group is
//! hashed and dropped as soon as the stream passes `<F>`.

mod files;
mod graph;
mod leaves;
mod line;
mod quotes;
mod rows;
mod tables;
mod turtle;

use files::{check_files, hash_files};
use graph::{
    compare_description, differing_facts, report_differing_facts, report_fact_hashes,
    scan_graph_nq, scan_turtle, GraphFacts,
};
use quotes::check_quotes;
pub use quotes::read_for_cite;

use super::{Problem, ProblemKind, Report};
use crate::error::{Error, Result};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// The verdict on one file of a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// Size and sha256 as declared.
    Ok,
    /// Its bytes differ from what `SHA256SUMS` or `release.ttl` declares.
    Changed,
    /// Declared but absent.
    Missing,
    /// Present but declared nowhere.
    Extra,
}

/// One file of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCheck {
    /// File name.
    pub name: String,
    /// Verdict.
    pub status: FileStatus,
    /// sha256 in `SHA256SUMS`.
    pub sha256sums: Option<String>,
    /// sha256 in `release.ttl`.
    pub declared_sha256: Option<String>,
    /// Byte size in `release.ttl`.
    pub declared_bytes: Option<u64>,
    /// sha256 of the file as it is.
    pub actual_sha256: Option<String>,
    /// Size of the file as it is.
    pub actual_bytes: Option<u64>,
}

/// What a release check found beyond facts and sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseDetails {
    /// The release version, as `release.ttl` declares it.
    pub version: Option<String>,
    /// The release IRI.
    pub iri: Option<String>,
    /// `fg:graphSha256` in `release.ttl`.
    pub declared_graph_sha256: Option<String>,
    /// The data graph hash recomputed from `graph.nq`.
    pub computed_graph_sha256: Option<String>,
    /// `fg:merkleRoot` in `release.ttl` (releases made before Merkle roots have none).
    pub declared_merkle_root: Option<String>,
    /// The Merkle root recomputed from the facts' `fg:sha256` in `graph.nq`.
    pub computed_merkle_root: Option<String>,
    /// Facts whose content hash was recomputed from `graph.nq`.
    pub facts_hashed_graph_nq: usize,
    /// Facts whose content hash was recomputed from `facts.ttl`.
    pub facts_hashed_facts_ttl: usize,
    /// Every file.
    pub files: Vec<FileCheck>,
}

impl ReleaseDetails {
    /// Writes the release lines of the human summary.
    pub fn write_text(&self, out: &mut impl Write) -> std::io::Result<()> {
        let ok = self
            .files
            .iter()
            .filter(|f| f.status == FileStatus::Ok)
            .count();
        writeln!(
            out,
            "  release: {} <{}>",
            self.version.as_deref().unwrap_or("(unknown version)"),
            self.iri.as_deref().unwrap_or("?")
        )?;
        writeln!(out, "  files: {} ({ok} ok)", self.files.len())?;
        writeln!(
            out,
            "  graph sha256: {} ({})",
            self.computed_graph_sha256
                .as_deref()
                .unwrap_or("not computed"),
            match (&self.declared_graph_sha256, &self.computed_graph_sha256) {
                (Some(d), Some(c)) if d == c => "as declared",
                (Some(_), Some(_)) => "DIFFERS from release.ttl",
                _ => "no declared hash to compare",
            }
        )?;
        if let Some(computed) = &self.computed_merkle_root {
            writeln!(
                out,
                "  merkle root: {computed} ({})",
                match &self.declared_merkle_root {
                    Some(d) if d == computed => "as declared",
                    Some(_) => "DIFFERS from release.ttl",
                    None => "release.ttl declares none: made before Merkle roots",
                }
            )?;
        }
        writeln!(
            out,
            "  fact hashes recomputed: {} from graph.nq, {} from facts.ttl",
            self.facts_hashed_graph_nq, self.facts_hashed_facts_ttl
        )
    }
}

/// Verifies a release directory; `sources` is where the source files are, if at hand.
pub fn verify_release(dir: &Path, sources: Option<&Path>) -> Result<Report> {
    let meta = std::fs::metadata(dir).map_err(|e| Error::io(dir, e))?;
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "{} is not a release directory",
            dir.display()
        )));
    }
    if let Some(s) = sources {
        std::fs::read_dir(s).map_err(|e| Error::io(s, e))?;
    }
    let mut report = Report::new("release", dir.display().to_string());
    let info = match crate::release::read_info(dir) {
        Ok(info) => Some(info),
        Err(e) => {
            report.problems.push(Problem::new(
                ProblemKind::BadReleaseTtl,
                "release.ttl",
                e.to_string(),
            ));
            None
        }
    };
    let mut details = ReleaseDetails {
        version: info.as_ref().map(|i| i.version.clone()),
        iri: info.as_ref().map(|i| i.iri.clone()),
        declared_graph_sha256: info.as_ref().map(|i| i.graph_sha256.clone()),
        computed_graph_sha256: None,
        declared_merkle_root: info.as_ref().and_then(|i| i.merkle_root.clone()),
        computed_merkle_root: None,
        facts_hashed_graph_nq: 0,
        facts_hashed_facts_ttl: 0,
        files: Vec::new(),
    };
    // Four independent reads, run side by side: every file's checksum, graph.nq,
    // facts.ttl, and the tables against graph.nq. Each keeps a fixed-size entry per
    // fact (and graph.nq its Merkle leaf), never the fact's text.
    let nq = dir.join("graph.nq");
    let ttl = dir.join("facts.ttl");
    let release_iri = info.as_ref().map(|i| i.iri.clone());
    let keep_citations = sources.is_some();
    let ((present, graph_scan), (ttl_scan, tables_checked)) = rayon::join(
        || {
            rayon::join(
                || hash_files(dir),
                || {
                    let mut graph = GraphFacts::new(keep_citations, None);
                    graph.leaves = Some(leaves::Leaves::default());
                    graph.describe_sources = true;
                    nq.is_file()
                        .then(|| scan_graph_nq(&nq, release_iri.as_deref(), &mut graph))
                        .transpose()
                        .map(|scan| (scan, graph))
                },
            )
        },
        || {
            rayon::join(
                || {
                    let mut facts = GraphFacts::new(false, None);
                    let mut problems = Vec::new();
                    ttl.is_file()
                        .then(|| scan_turtle(&ttl, &mut facts, &mut problems))
                        .transpose()
                        .map(|scanned| (scanned.is_some(), facts, problems))
                },
                || tables::check(dir),
            )
        },
    );
    check_files(dir, info.as_ref(), present?, &mut details, &mut report)?;
    let (scan, mut graph) = graph_scan?;
    if let Some(scan) = scan {
        for (line, message) in &scan.invalid {
            report.problems.push(Problem::new(
                ProblemKind::InvalidLine,
                format!("graph.nq:{line}"),
                format!("not a valid N-Quads line: {message}"),
            ));
        }
        if scan.invalid_count > scan.invalid.len() as u64 {
            report.problems.push(Problem::new(
                ProblemKind::InvalidLine,
                "graph.nq",
                format!(
                    "{} more lines are not valid N-Quads",
                    scan.invalid_count - scan.invalid.len() as u64
                ),
            ));
        }
        if let Some(line) = scan.unsorted_at {
            report.problems.push(Problem::new(
                ProblemKind::NotCanonical,
                format!("graph.nq:{line}"),
                "lines are not sorted and unique; graph.nq is not in canonical form",
            ));
        }
        if let Some(info) = &info {
            details.computed_graph_sha256 = Some(scan.graph_sha256.clone());
            if scan.graph_sha256 != info.graph_sha256 {
                report.problems.push(Problem::new(
                    ProblemKind::GraphHashMismatch,
                    "graph.nq",
                    format!(
                        "the data graph hashes to {}, but release.ttl declares fg:graphSha256 {}",
                        scan.graph_sha256, info.graph_sha256
                    ),
                ));
            }
            compare_description(dir, info, &scan.description, &mut report);
        }
    }
    details.facts_hashed_graph_nq = graph.facts.len();
    report_fact_hashes("graph.nq", &mut graph.mismatches, &mut report);
    if let Some(leaves) = graph.leaves.take() {
        // The Merkle root over the facts of `graph.nq`, from their declared `fg:sha256`
        // (a declared hash that is not one is replaced by the recomputed hash: its
        // fact is reported as edited anyway), in fact IRI order.
        let computed = leaves.root();
        if let Some(declared) = details
            .declared_merkle_root
            .as_ref()
            .filter(|d| **d != computed)
        {
            report.problems.push(Problem::new(
                ProblemKind::MerkleRootMismatch,
                "graph.nq",
                format!(
                    "the facts' hashes give the Merkle root {computed}, but release.ttl declares fg:merkleRoot {declared}"
                ),
            ));
        }
        details.computed_merkle_root = Some(computed);
    }

    let (ttl_present, mut from_ttl, ttl_problems) = ttl_scan?;
    report.problems.extend(ttl_problems);
    if ttl_present {
        details.facts_hashed_facts_ttl = from_ttl.facts.len();
        report_fact_hashes("facts.ttl", &mut from_ttl.mismatches, &mut report);
        let differ = differing_facts(&mut graph.facts, &mut from_ttl.facts);
        if !differ.is_empty() {
            // Rare (a tampered release): read both files again for the facts' names.
            let wanted: std::collections::HashSet<[u8; 16]> = differ.iter().map(|d| d.1).collect();
            let mut names = GraphFacts::new(false, Some(wanted.clone()));
            scan_graph_nq(&nq, release_iri.as_deref(), &mut names)?;
            let mut more = GraphFacts::new(false, Some(wanted));
            scan_turtle(&ttl, &mut more, &mut Vec::new())?;
            names.names.extend(more.names);
            report_differing_facts(&differ, &names.names, &mut report);
        }
    }

    report.problems.extend(tables_checked?);
    check_quotes(&graph, sources, &mut report);
    report.release = Some(details);
    report.finish();
    Ok(report)
}
