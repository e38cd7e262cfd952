//! `verify` on the working inputs: source hashes, every fact's quote, unregistered
//! files, and `--fix`.

use super::{classify, fix, Citation, Edit, FactReport, FactStatus, Matcher, Options, ProblemKind};
use super::{Problem, Report, SourceReport, SourceStatus, Span};
use crate::error::{Error, Result};
use crate::project::Config;
use crate::source::{self, Loaded};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The columns the working verification reads from the facts table.
const FACT_REQUIRED: &[&str] = &["fact_id", "source_id", "quote"];

/// Verifies the working inputs: source hashes, then every fact's quote.
///
/// With `options.fix`, the positions of `moved` facts are rewritten in the facts
/// table (atomically; every other byte kept).
pub fn verify_working(config: &Config, options: Options) -> Result<Report> {
    // `--fix` rewrites the facts table: one writer at a time.
    let _lock = options
        .fix
        .then(|| crate::lock::ProjectLock::acquire(&config.root, "verify --fix"))
        .transpose()?;
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

    // Each source file is read and hashed once, side by side.
    let sources_dir = config.sources_dir();
    let mut loaded: BTreeMap<String, Loaded> = BTreeMap::new();
    let mut unreadable: BTreeMap<String, String> = BTreeMap::new();
    let read: Vec<_> = {
        use rayon::prelude::*;
        sources
            .par_iter()
            .map(|s| source::load_one(s, &sources_dir, &table_shown, &config.root))
            .collect()
    };
    for (s, (one, problems)) in sources.iter().zip(read) {
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
                    ProblemKind::DuplicateId,
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
                ProblemKind::UnusedSource,
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
            ProblemKind::UnregisteredFile,
            config.shown(&file).display().to_string(),
            format!(
                "this file is not in {} (register it with `factgraph add-source`)",
                table_shown.display()
            ),
        ));
    }

    if options.fix && !edits.is_empty() {
        let mut bytes = Vec::new();
        crate::safe_read::open_no_follow(&facts_path)
            .and_then(|mut f| std::io::Read::read_to_end(&mut f, &mut bytes))
            .map_err(|e| Error::io(&facts_shown, e))?;
        let fixed = fix::apply(&bytes, &edits)
            .map_err(|e| Error::Usage(format!("{}: cannot fix: {e}", facts_shown.display())))?;
        crate::atomic::write_file(&facts_path, &fixed)?;
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
    Problem::new(ProblemKind::Input(d.code), location, d.message.clone())
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
