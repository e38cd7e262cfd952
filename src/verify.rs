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
//! Only failures that stop the run itself (an unreadable table) are [`Error`]s.

mod fix;
mod matcher;
pub mod release;

pub use fix::{Edit, FixError};
pub use matcher::{normalise, word_diff, Candidate, Matcher, DRIFT_THRESHOLD};

use crate::error::{Error, Result};
use crate::pipeline::Config;
use crate::source::{self, Loaded};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// A problem that is not one fact's or one source's (a file of a release, a table).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    /// A stable kebab-case kind (`hash-mismatch`, `missing-file`, `extra-file`...).
    pub kind: String,
    /// The file (and line) concerned.
    pub location: String,
    /// A sentence for a human.
    pub message: String,
}

impl Problem {
    /// A new problem.
    pub fn new(kind: &str, location: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
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

/// Checks one quote against its source's matcher.
pub fn classify(
    matcher: &mut Matcher<'_>,
    citation: &Citation,
    source_changed: bool,
) -> FactReport {
    let mut report = FactReport {
        fact_id: citation.fact_id.clone(),
        line: None,
        source_id: citation.source_id.clone(),
        status: FactStatus::Ok,
        quote: citation.quote.clone(),
        expected: citation.recorded.map(Span::from),
        occurrences: Vec::new(),
        moved_to: None,
        drift: None,
        source_changed,
        fixed: false,
        message: String::new(),
    };
    let quote = citation.quote.as_str();
    let short = shorten(quote);
    let expected = citation
        .recorded
        .map(|r| format!(" (expected at {})", Span::from(r)))
        .unwrap_or_default();
    if let Some((start, end)) = citation.recorded {
        if matcher.is_at(quote, start, end) {
            return report;
        }
    }
    let found = matcher.find_all(quote);
    report.occurrences = found.iter().copied().map(Span::from).collect();
    match (citation.recorded, found.as_slice()) {
        (None, [only]) => {
            report.expected = None;
            report.moved_to = None;
            report.message = format!("found once at {}", Span::from(*only));
            report.occurrences.clear();
        }
        (None, [_, _, ..]) => {
            report.status = FactStatus::Ambiguous;
            report.message = format!(
                "quote \"{short}\" occurs {} times ({}); record quote_start and quote_end to say which",
                found.len(),
                spans(&report.occurrences)
            );
        }
        (Some((start, _)), [_, ..]) => {
            let nearest = *found
                .iter()
                .min_by_key(|(s, _)| (s.abs_diff(start), *s))
                .expect("non-empty");
            report.status = FactStatus::Moved;
            report.moved_to = Some(nearest.into());
            report.message = format!(
                "quote \"{short}\" is not at {} but at {}{}",
                Span::from(citation.recorded.unwrap_or_default()),
                Span::from(nearest),
                if found.len() > 1 {
                    format!(
                        " (nearest of {} occurrences: {})",
                        found.len(),
                        spans(&report.occurrences)
                    )
                } else {
                    String::new()
                }
            );
        }
        (_, []) => match matcher.closest(quote, citation.recorded.map(|r| r.0)) {
            Some(c) => {
                report.status = FactStatus::Drifted;
                report.message = format!(
                    "quote \"{short}\" is not in the source verbatim{expected}; closest text at {}..{} (similarity {:.3}{})",
                    c.start,
                    c.end,
                    c.similarity,
                    if c.formatting_only {
                        ", differs only in whitespace, quote marks or Unicode normalisation"
                    } else {
                        ""
                    }
                );
                report.drift = Some(Drift {
                    span: Span {
                        start: c.start,
                        end: c.end,
                    },
                    diff: word_diff(quote, &c.text),
                    similarity: (f64::from(c.similarity) * 1000.0).round() / 1000.0,
                    formatting_only: c.formatting_only,
                    text: c.text,
                });
            }
            None => {
                report.status = FactStatus::Missing;
                report.message = format!(
                    "quote \"{short}\" is not in the source{expected}, and nothing close is (similarity below {DRIFT_THRESHOLD})"
                );
            }
        },
    }
    report
}

fn spans(all: &[Span]) -> String {
    all.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A quote cut to 60 code points for messages.
pub fn shorten(quote: &str) -> String {
    let short: String = quote.chars().take(60).collect();
    if quote.chars().count() > 60 {
        format!("{short}…")
    } else {
        short
    }
}

/// The columns the working verification reads from the facts table.
const FACT_REQUIRED: &[&str] = &["fact_id", "source_id", "quote"];

/// Verifies the working inputs: source hashes, then every fact's quote.
///
/// With `options.fix`, the positions of `moved` facts are rewritten in the facts
/// table (atomically; every other byte kept).
pub fn verify_working(config: &Config, options: Options) -> Result<Report> {
    let table = config.sources_table();
    let facts_path = config.facts_table();
    for path in [&table, &facts_path] {
        std::fs::metadata(path).map_err(|e| Error::io(config.shown(path), e))?;
    }
    let mut report = Report::new("working", config.root.display().to_string());
    let table_shown = config.shown(&table);
    let (sources, table_problems) = source::read_table(&table, &table_shown);
    report
        .problems
        .extend(table_problems.iter().map(diagnostic));

    // Each source file is read and hashed once.
    let sources_dir = config.sources_dir();
    let mut loaded: BTreeMap<String, Loaded> = BTreeMap::new();
    let mut unreadable: BTreeMap<String, String> = BTreeMap::new();
    for s in &sources {
        let (one, problems) = source::load_one(s, &sources_dir, &table_shown, &config.root);
        match one {
            Some(one) => {
                loaded.insert(s.id.clone(), one);
            }
            None => {
                let why = problems
                    .iter()
                    .map(|d| d.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
                unreadable.insert(s.id.clone(), why);
            }
        }
    }
    let mut matchers: HashMap<&str, Matcher<'_>> = loaded
        .iter()
        .map(|(id, l)| (id.as_str(), Matcher::new(&l.text)))
        .collect();
    let changed: BTreeSet<&str> = loaded
        .values()
        .filter(|l| l.actual_sha256 != l.source.sha256)
        .map(|l| l.source.id.as_str())
        .collect();

    let facts_shown = config.shown(&facts_path);
    let optional: Vec<&str> = crate::fact::COLUMNS
        .iter()
        .copied()
        .filter(|c| !FACT_REQUIRED.contains(c))
        .collect();
    let mut cited: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut edits = Vec::new();
    let file_problems =
        crate::table::read(&facts_path, &facts_shown, FACT_REQUIRED, &optional, |row| {
            let fact_id = row.get("fact_id").unwrap_or_default().to_owned();
            let source_id = row.get("source_id").unwrap_or_default().to_owned();
            let quote = row.raw("quote").to_owned();
            let invalid = |message: String| FactReport {
                fact_id: fact_id.clone(),
                line: Some(row.line),
                source_id: source_id.clone(),
                status: FactStatus::Invalid,
                quote: quote.clone(),
                expected: None,
                occurrences: Vec::new(),
                moved_to: None,
                drift: None,
                source_changed: false,
                fixed: false,
                message,
            };
            if let Some(first) = first_line.insert(fact_id.clone(), row.line) {
                report.problems.push(Problem::new(
                    "duplicate-id",
                    format!("{}:{}", facts_shown.display(), row.line),
                    format!("fact id `{fact_id}` is already used on line {first}"),
                ));
            }
            if fact_id.is_empty() || source_id.is_empty() || quote.trim().is_empty() {
                report.add_fact(invalid(
                    "fact_id, source_id and quote are required to check a citation".into(),
                ));
                return;
            }
            let recorded = match positions(&row) {
                Ok(r) => r,
                Err(message) => {
                    report.add_fact(invalid(message));
                    return;
                }
            };
            let entry = cited.entry(source_id.clone()).or_default();
            entry.0 += 1;
            let citation = Citation {
                fact_id: fact_id.clone(),
                source_id: source_id.clone(),
                quote: quote.clone(),
                recorded,
            };
            let mut fact = if let Some(matcher) = matchers.get_mut(source_id.as_str()) {
                classify(matcher, &citation, changed.contains(source_id.as_str()))
            } else if let Some(why) = unreadable.get(&source_id) {
                let mut f = invalid(format!("source `{source_id}` cannot be read: {why}"));
                f.status = FactStatus::Unverifiable;
                f
            } else {
                let mut f = invalid(format!(
                    "source `{source_id}` is not in {}",
                    table_shown.display()
                ));
                f.status = FactStatus::UnknownSource;
                f
            };
            fact.line = Some(row.line);
            fact.expected = recorded.map(Span::from);
            if fact.status != FactStatus::Ok {
                entry.1.push(fact_id.clone());
            }
            if let (Some(old), Some(new)) = (recorded, fact.moved_to) {
                if let (Some(start_column), Some(end_column)) =
                    (row.column("quote_start"), row.column("quote_end"))
                {
                    edits.push(Edit {
                        record_byte: row.byte(),
                        line: row.line,
                        start_column,
                        end_column,
                        old,
                        new: (new.start, new.end),
                    });
                }
            }
            report.add_fact(fact);
        });
    for d in &file_problems {
        if d.code == crate::error::Code::Io {
            return Err(Error::io(
                &facts_shown,
                std::io::Error::other(d.message.clone()),
            ));
        }
    }
    report.problems.extend(file_problems.iter().map(diagnostic));

    for s in &sources {
        let (count, broken) = cited.remove(&s.id).unwrap_or_default();
        let (status, actual, message) =
            match (loaded.get(&s.id), unreadable.get(&s.id)) {
                (Some(l), _) if l.actual_sha256 != s.sha256 => (
                    SourceStatus::Changed,
                    Some(l.actual_sha256.clone()),
                    format!(
                    "sha256 is now {}, {} records {}; {} of its {count} fact(s) no longer match{}",
                    l.actual_sha256,
                    table_shown.display(),
                    s.sha256,
                    broken.len(),
                    if broken.is_empty() {
                        String::new()
                    } else if broken.len() <= 10 {
                        format!(" ({})", broken.join(", "))
                    } else {
                        format!(" ({}, and {} more)", broken[..10].join(", "), broken.len() - 10)
                    }
                ),
                ),
                (Some(l), _) => (
                    SourceStatus::Ok,
                    Some(l.actual_sha256.clone()),
                    String::new(),
                ),
                (None, why) => (
                    SourceStatus::Unreadable,
                    None,
                    why.cloned().unwrap_or_default(),
                ),
            };
        if count == 0 {
            report.warnings.push(Problem::new(
                "unused-source",
                format!("{}:{}", table_shown.display(), s.line),
                format!("source `{}` ({}) is cited by no fact", s.id, s.file),
            ));
        }
        report.sources.push(SourceReport {
            source_id: s.id.clone(),
            file: s.file.clone(),
            status,
            expected_sha256: s.sha256.clone(),
            actual_sha256: actual,
            facts: count,
            broken,
            message,
        });
    }
    let registered: BTreeSet<PathBuf> = sources.iter().map(|s| sources_dir.join(&s.file)).collect();
    for file in unregistered_files(&sources_dir, &[&table, &facts_path], &registered)? {
        report.warnings.push(Problem::new(
            "unregistered-file",
            config.shown(&file).display().to_string(),
            format!(
                "this file is not in {} (register it with `factgraph add-source`)",
                table_shown.display()
            ),
        ));
    }

    if options.fix && !edits.is_empty() {
        let bytes = std::fs::read(&facts_path).map_err(|e| Error::io(&facts_shown, e))?;
        let fixed = fix::apply(&bytes, &edits)
            .map_err(|e| Error::Usage(format!("{}: cannot fix: {e}", facts_shown.display())))?;
        source::write_atomic(&facts_path, &fixed)?;
        let lines: BTreeSet<u64> = edits.iter().map(|e| e.line).collect();
        for f in &mut report.facts {
            if f.status == FactStatus::Moved && f.line.is_some_and(|l| lines.contains(&l)) {
                f.fixed = true;
            }
        }
    }
    report.finish();
    Ok(report)
}

fn diagnostic(d: &crate::error::Diagnostic) -> Problem {
    let mut location = d.location.to_string();
    if let Some(field) = &d.location.field {
        location = format!("{location} (field `{field}`)");
    }
    Problem::new(d.code.as_str(), location, d.message.clone())
}

/// Recorded positions of a row: both or neither.
fn positions(row: &crate::table::Row<'_>) -> Result<Option<(usize, usize)>, String> {
    let number = |column: &str| {
        row.get(column)
            .map(|v| {
                v.parse::<usize>()
                    .map_err(|_| format!("{column} `{v}` is not a code point offset"))
            })
            .transpose()
    };
    match (number("quote_start")?, number("quote_end")?) {
        (Some(s), Some(e)) if s <= e => Ok(Some((s, e))),
        (Some(s), Some(e)) => Err(format!("quote_start {s} is after quote_end {e}")),
        (None, None) => Ok(None),
        _ => Err("quote_start and quote_end must be both set or both empty".into()),
    }
}

/// Files under `dir` that no source row names (hidden files and the tables excepted).
fn unregistered_files(
    dir: &Path,
    tables: &[&PathBuf],
    registered: &BTreeSet<PathBuf>,
) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&d, e))?.path();
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden || tables.iter().any(|t| **t == path) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if !registered.contains(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}
