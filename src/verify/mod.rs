//! `factgraph verify`: every citation checked against its source, every checksum
//! against its file.
//!
//! # Statuses
//! Each fact gets one [`FactStatus`]:
//! - `ok`: the quote is, code point for code point, at its recorded positions (or, with
//!   none recorded, occurs exactly once);
//! - `moved`: the exact quote is in the source, elsewhere; the new positions are
//!   reported, and `--fix` writes them into the facts table;
//! - `drifted`: no exact occurrence, but a close one (whitespace, quote marks, a typo):
//!   the best candidate span, its similarity and a word-level diff are reported;
//! - `missing`: nothing close;
//! - `ambiguous`: no positions recorded and the quote occurs more than once;
//! - `unknown-source`, `unverifiable` (the source file cannot be read), `invalid` (the
//!   row lacks a quote or has malformed positions).
//!
//! A source whose bytes no longer match its recorded sha256 is `changed`; the facts
//! citing it are re-checked against its new text, so the report says which citations
//! the edit broke.
//!
//! # Rationale
//! Verification reports every problem of a run instead of stopping at the first
//! (`(Report, problems)` rather than `Result`): a researcher fixes a table in one pass.
//! Only failures that stop the run itself (an unreadable table) are [`crate::Error`]s.

mod classify;
mod fix;
mod matcher;
pub mod proof;
pub mod release;
mod working;

pub use classify::{classify, shorten};
pub use fix::{Edit, FixError};
pub use matcher::{normalise, word_diff, Candidate, Matcher, DRIFT_THRESHOLD};
pub use working::verify_working;

use crate::error::Code;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

/// The verdict on one fact's citation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FactStatus {
    /// Exactly at its recorded positions.
    Ok,
    /// Exactly in the source, elsewhere.
    Moved,
    /// Not exactly in the source, but something close is.
    Drifted,
    /// Nothing close in the source.
    Missing,
    /// No recorded positions, several occurrences.
    Ambiguous,
    /// The fact's source is not in the sources table.
    UnknownSource,
    /// The source file cannot be read (or is not UTF-8).
    Unverifiable,
    /// The fact row cannot be checked (no quote, malformed positions).
    Invalid,
    /// Not checked: the source file is not at hand (release without `--sources`).
    NotChecked,
}

impl FactStatus {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FactStatus::Ok => "ok",
            FactStatus::Moved => "moved",
            FactStatus::Drifted => "drifted",
            FactStatus::Missing => "missing",
            FactStatus::Ambiguous => "ambiguous",
            FactStatus::UnknownSource => "unknown-source",
            FactStatus::Unverifiable => "unverifiable",
            FactStatus::Invalid => "invalid",
            FactStatus::NotChecked => "not-checked",
        }
    }
}

/// The verdict on one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceStatus {
    /// The file's sha256 is the recorded one.
    Ok,
    /// The file's bytes changed since its hash was recorded.
    Changed,
    /// The file cannot be read or is not UTF-8.
    Unreadable,
    /// The file is not at hand (release verification without it in `--sources`).
    NotChecked,
}

impl SourceStatus {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceStatus::Ok => "ok",
            SourceStatus::Changed => "changed",
            SourceStatus::Unreadable => "unreadable",
            SourceStatus::NotChecked => "not-checked",
        }
    }
}

/// A code point span (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    /// First code point.
    pub start: usize,
    /// One past the last.
    pub end: usize,
}

impl From<(usize, usize)> for Span {
    fn from((start, end): (usize, usize)) -> Self {
        Self { start, end }
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// The closest text to a drifted quote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    /// Where it is.
    pub span: Span,
    /// The source's text there.
    pub text: String,
    /// Character similarity with the quote (0..=1, 3 decimals).
    pub similarity: f64,
    /// Whether quote and candidate differ only by whitespace, quote marks or NFC.
    pub formatting_only: bool,
    /// Word-level diff from the quote to the candidate (`[-old-]{+new+}`).
    pub diff: String,
}

/// What was found for one fact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactReport {
    /// The fact id.
    pub fact_id: String,
    /// Line in the facts table (working inputs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The cited source.
    pub source_id: String,
    /// The verdict.
    pub status: FactStatus,
    /// The quote, verbatim.
    pub quote: String,
    /// The recorded positions, if any.
    pub expected: Option<Span>,
    /// Every exact occurrence (for `moved` and `ambiguous`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub occurrences: Vec<Span>,
    /// For `moved`: the occurrence chosen (the nearest to the recorded start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<Span>,
    /// For `drifted`: the closest span.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
    /// Whether the cited source's bytes changed since they were recorded.
    pub source_changed: bool,
    /// Whether `--fix` rewrote its positions.
    pub fixed: bool,
    /// A sentence for a human.
    pub message: String,
}

impl FactReport {
    /// Whether this fact makes verification fail.
    pub fn fails(&self) -> bool {
        !(matches!(self.status, FactStatus::Ok | FactStatus::NotChecked)
            || (self.status == FactStatus::Moved && self.fixed))
    }
}

/// What was found for one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    /// The source id.
    pub source_id: String,
    /// Its file, relative to the sources directory.
    pub file: String,
    /// The verdict.
    pub status: SourceStatus,
    /// The recorded sha256.
    pub expected_sha256: String,
    /// The file's sha256 now, when it could be read.
    pub actual_sha256: Option<String>,
    /// How many facts cite it.
    pub facts: usize,
    /// The facts citing it whose quote is no longer `ok`, by id.
    pub broken: Vec<String>,
    /// A sentence for a human (empty when ok).
    pub message: String,
}

/// The kind of a [`Problem`]: a stable kebab-case name in reports and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// An input problem found while reading a table ([`Code`]'s name).
    Input(Code),
    /// A published table is not valid CSV.
    BadCsv,
    /// A line of `SHA256SUMS` is not `<sha256>  <name>`.
    BadSha256sums,
    /// `release.ttl` does not parse or does not describe one release.
    BadReleaseTtl,
    /// `facts.ttl` does not parse.
    BadTurtle,
    /// A cell of `facts.csv` or `sources.csv` says something else than `graph.nq`.
    CsvGraphMismatch,
    /// The release description in `graph.nq` differs from `release.ttl`.
    DescriptionMismatch,
    /// A fact id is used twice.
    DuplicateId,
    /// A file that the release does not list.
    ExtraFile,
    /// A fact's recomputed content hash differs from its `fg:sha256`.
    FactHashMismatch,
    /// `graph.nq`, `facts.ttl` and `facts.csv` do not hold the same facts.
    FactSetMismatch,
    /// The data graph hashes to something else than `fg:graphSha256`.
    GraphHashMismatch,
    /// A file's sha256 differs from the recorded one.
    HashMismatch,
    /// The facts' hashes give another Merkle root than `fg:merkleRoot`.
    MerkleRootMismatch,
    /// A file the release lists is absent.
    MissingFile,
    /// `graph.nq` is not sorted canonical N-Quads.
    NotCanonical,
    /// A line of `graph.nq` is not a valid N-Quads line.
    InvalidLine,
    /// An entry of a release directory is a symbolic link, a FIFO or a device.
    NotRegularFile,
    /// A release records a source path that leaves the sources directory.
    UnsafePath,
    /// A file's size differs from `dcat:byteSize`.
    SizeMismatch,
    /// A source text to check quotes against was not found.
    SourceNotAtHand,
    /// A file that `release.ttl` or `SHA256SUMS` does not describe.
    UndeclaredFile,
    /// A file under `sources/` that no source row names.
    UnregisteredFile,
    /// A source that no fact cites.
    UnusedSource,
}

impl ProblemKind {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Input(code) => code.as_str(),
            ProblemKind::BadCsv => "bad-csv",
            ProblemKind::BadSha256sums => "bad-sha256sums",
            ProblemKind::BadReleaseTtl => "bad-release-ttl",
            ProblemKind::BadTurtle => "bad-turtle",
            ProblemKind::CsvGraphMismatch => "csv-graph-mismatch",
            ProblemKind::DescriptionMismatch => "description-mismatch",
            ProblemKind::DuplicateId => "duplicate-id",
            ProblemKind::ExtraFile => "extra-file",
            ProblemKind::FactHashMismatch => "fact-hash-mismatch",
            ProblemKind::FactSetMismatch => "fact-set-mismatch",
            ProblemKind::GraphHashMismatch => "graph-hash-mismatch",
            ProblemKind::HashMismatch => "hash-mismatch",
            ProblemKind::MerkleRootMismatch => "merkle-root-mismatch",
            ProblemKind::MissingFile => "missing-file",
            ProblemKind::NotCanonical => "not-canonical",
            ProblemKind::InvalidLine => "invalid-line",
            ProblemKind::NotRegularFile => "not-regular-file",
            ProblemKind::UnsafePath => "unsafe-path",
            ProblemKind::SizeMismatch => "size-mismatch",
            ProblemKind::SourceNotAtHand => "source-not-at-hand",
            ProblemKind::UndeclaredFile => "undeclared-file",
            ProblemKind::UnregisteredFile => "unregistered-file",
            ProblemKind::UnusedSource => "unused-source",
        }
    }
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ProblemKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

// Ordered by name, as the free strings were.
impl PartialOrd for ProblemKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ProblemKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// A problem that is not one fact's or one source's (a file of a release, a table).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    /// A stable kind (`hash-mismatch`, `missing-file`, `extra-file`...).
    pub kind: ProblemKind,
    /// The file (and line) concerned.
    pub location: String,
    /// A sentence for a human.
    pub message: String,
}

impl Problem {
    /// A new problem.
    pub fn new(kind: ProblemKind, location: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            location: location.into(),
            message: message.into(),
        }
    }
}

/// Everything `verify` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `working` (the project's inputs) or `release` (a release directory).
    pub mode: &'static str,
    /// What was verified (the project root or the release directory).
    pub target: String,
    /// True when nothing failed.
    pub ok: bool,
    /// Number of facts per status.
    pub facts_by_status: BTreeMap<FactStatus, usize>,
    /// Number of sources per status.
    pub sources_by_status: BTreeMap<SourceStatus, usize>,
    /// Every source.
    pub sources: Vec<SourceReport>,
    /// Every fact that is not `ok`, in table order.
    pub facts: Vec<FactReport>,
    /// Other failures.
    pub problems: Vec<Problem>,
    /// Things worth knowing that do not fail verification.
    pub warnings: Vec<Problem>,
    /// Extra details of a release check (files, graph hash).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<release::ReleaseDetails>,
}

impl Report {
    fn new(mode: &'static str, target: String) -> Self {
        Self {
            mode,
            target,
            ok: true,
            facts_by_status: BTreeMap::new(),
            sources_by_status: BTreeMap::new(),
            sources: Vec::new(),
            facts: Vec::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
            release: None,
        }
    }

    /// Records a fact's verdict (keeping only those that are not `ok`).
    fn add_fact(&mut self, fact: FactReport) {
        *self.facts_by_status.entry(fact.status).or_default() += 1;
        if !matches!(fact.status, FactStatus::Ok | FactStatus::NotChecked) {
            self.facts.push(fact);
        }
    }

    /// Sets the counts and `ok` from the collected parts.
    fn finish(&mut self) {
        self.sources_by_status.clear();
        for s in &self.sources {
            *self.sources_by_status.entry(s.status).or_default() += 1;
        }
        self.ok = self.problems.is_empty()
            && self.facts.iter().all(|f| !f.fails())
            && self
                .sources
                .iter()
                .all(|s| matches!(s.status, SourceStatus::Ok | SourceStatus::NotChecked));
    }

    /// The number of facts checked.
    pub fn fact_count(&self) -> usize {
        self.facts_by_status.values().sum()
    }

    /// Writes the human summary: counts, then each problem.
    pub fn write_text(&self, out: &mut impl Write) -> std::io::Result<()> {
        let counts = |m: Vec<(&str, usize)>| {
            m.iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(
            out,
            "verify {} ({}): {}",
            self.mode,
            self.target,
            if self.ok { "ok" } else { "FAILED" }
        )?;
        if let Some(release) = &self.release {
            release.write_text(out)?;
        }
        writeln!(
            out,
            "  sources: {} ({})",
            self.sources.len(),
            counts(
                self.sources_by_status
                    .iter()
                    .map(|(k, n)| (k.as_str(), *n))
                    .collect()
            )
        )?;
        writeln!(
            out,
            "  facts: {} ({})",
            self.fact_count(),
            counts(
                self.facts_by_status
                    .iter()
                    .map(|(k, n)| (k.as_str(), *n))
                    .collect()
            )
        )?;
        let failing_sources: Vec<&SourceReport> = self
            .sources
            .iter()
            .filter(|s| !matches!(s.status, SourceStatus::Ok | SourceStatus::NotChecked))
            .collect();
        if !(failing_sources.is_empty() && self.facts.is_empty() && self.problems.is_empty()) {
            writeln!(out, "problems:")?;
        }
        for p in &self.problems {
            writeln!(out, "  {}: {}: {}", p.location, p.kind, p.message)?;
        }
        for s in failing_sources {
            writeln!(
                out,
                "  source {} ({}): {}: {}",
                s.source_id,
                s.file,
                s.status.as_str(),
                s.message
            )?;
        }
        for f in &self.facts {
            let place = f.line.map(|l| format!(" (line {l})")).unwrap_or_default();
            writeln!(
                out,
                "  fact {}{place} [source {}]: {}{}: {}",
                f.fact_id,
                f.source_id,
                f.status.as_str(),
                if f.fixed { ", fixed" } else { "" },
                f.message
            )?;
            if let Some(drift) = &f.drift {
                writeln!(out, "      quote:    {}", f.quote)?;
                writeln!(out, "      source:   {}", drift.text)?;
                writeln!(out, "      diff:     {}", drift.diff)?;
            }
        }
        if !self.warnings.is_empty() {
            writeln!(out, "warnings:")?;
            for w in &self.warnings {
                writeln!(out, "  {}: {}: {}", w.location, w.kind, w.message)?;
            }
        }
        Ok(())
    }
}

/// Options of `verify` on the working inputs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Rewrite the positions of `moved` quotes in the facts table.
    pub fix: bool,
}

/// One fact to check, however it was read (CSV row or release graph).
#[derive(Debug, Clone)]
pub struct Citation {
    /// The fact id.
    pub fact_id: String,
    /// The source id.
    pub source_id: String,
    /// The quote, verbatim.
    pub quote: String,
    /// Recorded positions.
    pub recorded: Option<(usize, usize)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_kinds_serialise_to_their_stable_names() {
        let problem = Problem::new(ProblemKind::FactHashMismatch, "graph.nq", "x");
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["kind"], "fact-hash-mismatch");
        let input = Problem::new(ProblemKind::Input(Code::DuplicateId), "facts.csv:3", "x");
        assert_eq!(
            serde_json::to_value(&input).unwrap()["kind"],
            "duplicate-id"
        );
        assert_eq!(ProblemKind::BadSha256sums.to_string(), "bad-sha256sums");
    }
}
