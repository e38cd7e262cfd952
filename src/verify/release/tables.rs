//! Three views, one truth: a release's `facts.csv` and `sources.csv` must say, cell for
//! cell, what its `graph.nq` says.
//!
//! Checksums only prove that files are the ones published; they do not prove that the
//! CSV tables and the graph agree, and whoever edits a cell can recompute them. This
//! check rebuilds every cell from the graph and names each cell that differs as
//! `facts.csv:LINE:COLUMN` with the column's name.
//!
//! # How, in bounded memory
//! `graph.nq` is read twice. The first pass keeps only what the tables repeat about
//! other resources: the labels of terms (`rdfs:label`) and the sources' descriptions;
//! these grow with the ontology and the sources, not with the facts. The second pass
//! rebuilds one fact at a time (its lines are contiguous: sorted lines put `<F#…>` just
//! before `<F>`) and joins it with the `facts.csv` row of the same id, read in step.
//! Both are sorted by id, but not quite in the same order (`<F-1>` sorts before `<F>`
//! in `graph.nq`, after it in the table), so each side keeps the few rows that arrived
//! early in a small map until their partner comes.

use super::super::{Problem, ProblemKind};
use super::rows::{
    expected_row, first_pass, is_typed, parse_qualifiers, read_prefixes, show_qualifiers, Context,
    Expected, SourceCells,
};
use crate::error::{Error, Result};
use crate::export::columns::{header, SOURCES};
use crate::export::history::{facts_headers, KnownHeader};
use crate::release::groups::for_each_group;
use std::collections::BTreeMap;
use std::path::Path;

/// A `facts.csv` row: its id, its line and its cells in the expected column order.
type Row = (String, u64, Vec<Option<String>>);

/// At most this many cell mismatches are listed per file; the rest are counted.
const MAX_LISTED: usize = 200;

/// Checks `facts.csv` and `sources.csv` of the release in `dir` against its `graph.nq`.
/// Files that are absent are skipped (the file check reports them).
pub fn check(dir: &Path) -> Result<Vec<Problem>> {
    let nq = dir.join("graph.nq");
    if !nq.is_file() {
        return Ok(Vec::new());
    }
    let mut out = Findings::default();
    let context = first_pass(&nq)?;
    let prefixes = read_prefixes(&dir.join("facts.ttl"));
    let sources_csv = dir.join("sources.csv");
    if sources_csv.is_file() {
        let checked = check_sources(&sources_csv, &context, &mut out);
        unreadable("sources.csv", checked, &mut out)?;
    }
    let facts_csv = dir.join("facts.csv");
    if facts_csv.is_file() {
        let checked = check_facts(&nq, &facts_csv, &context, &prefixes, &mut out);
        unreadable("facts.csv", checked, &mut out)?;
    }
    Ok(out.finish())
}

/// A table that is not valid CSV is a problem of the release (reported where the CSV
/// reader stopped), not a failure of the check.
fn unreadable(file: &str, checked: Result<()>, out: &mut Findings) -> Result<()> {
    match checked {
        Err(Error::Csv { source, .. }) => {
            let location = match source.position() {
                Some(p) => format!("{file}:{}", p.line()),
                None => file.to_owned(),
            };
            out.other(
                ProblemKind::BadCsv,
                location,
                format!("not valid CSV, the cells after this point are not checked: {source}"),
            );
            Ok(())
        }
        other => other,
    }
}

/// Problems, with a cap on listed cell mismatches per file.
#[derive(Default)]
struct Findings {
    problems: Vec<Problem>,
    mismatches: BTreeMap<&'static str, usize>,
    /// Columns an older header lacks → how many facts the graph gives a value there,
    /// and the first of them. A table may omit a column only if the graph has nothing
    /// to show in it: a release made now must publish all current columns.
    unshown: BTreeMap<&'static str, (usize, String)>,
}

impl Findings {
    fn cell(&mut self, file: &'static str, line: u64, column: usize, message: String) {
        let n = self.mismatches.entry(file).or_default();
        *n += 1;
        if *n <= MAX_LISTED {
            self.problems.push(Problem::new(
                ProblemKind::CsvGraphMismatch,
                format!("{file}:{line}:{}", column + 1),
                message,
            ));
        }
    }

    fn other(&mut self, kind: ProblemKind, location: String, message: String) {
        self.problems.push(Problem::new(kind, location, message));
    }

    fn finish(mut self) -> Vec<Problem> {
        for (file, n) in self.mismatches {
            if n > MAX_LISTED {
                self.problems.push(Problem::new(
                    ProblemKind::CsvGraphMismatch,
                    file,
                    format!(
                        "{} more cell(s) differ from graph.nq (only the first {MAX_LISTED} are listed)",
                        n - MAX_LISTED
                    ),
                ));
            }
        }
        self.problems
    }
}

fn csv_error(path: &Path, source: csv::Error) -> Error {
    Error::Csv {
        path: path.to_path_buf(),
        source,
    }
}

/// A CSV reader with its header mapped to the expected columns.
struct Table {
    reader: csv::Reader<std::fs::File>,
    /// Expected column → its index in the file.
    index: Vec<Option<usize>>,
    columns: Vec<&'static str>,
    /// When the header is an older known one: its name and the current columns it
    /// lacks, which the graph must then leave empty (see [`Findings::unshown`]).
    older: Option<(&'static str, Vec<&'static str>)>,
}

impl Table {
    /// Opens a table whose header must be one of `known` (the current one first): the
    /// columns compared are the header's own, so an older release is checked on what
    /// it published; any other header is a problem and is compared with the current
    /// columns by name.
    fn open(
        path: &Path,
        file: &'static str,
        known: Vec<KnownHeader>,
        out: &mut Findings,
    ) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(path)
            .map_err(|source| csv_error(path, source))?;
        let header = reader
            .headers()
            .map_err(|source| csv_error(path, source))?
            .clone();
        let current = known.first().map(|k| k.columns.clone()).unwrap_or_default();
        if let Some(older) = known
            .iter()
            .find(|k| header.iter().eq(k.columns.iter().copied()))
        {
            let absent = current
                .iter()
                .filter(|c| !older.columns.contains(c))
                .copied()
                .collect();
            return Ok(Self {
                reader,
                index: (0..older.columns.len()).map(Some).collect(),
                columns: older.columns.clone(),
                older: (older.name != "current").then_some((older.name, absent)),
            });
        }
        let columns = current;
        let index: Vec<Option<usize>> = columns
            .iter()
            .map(|c| header.iter().position(|h| h == *c))
            .collect();
        {
            let missing: Vec<&str> = columns
                .iter()
                .zip(&index)
                .filter(|(_, i)| i.is_none())
                .map(|(c, _)| *c)
                .collect();
            out.other(
                ProblemKind::CsvGraphMismatch,
                format!("{file}:1"),
                format!(
                    "the header is not the release's columns ({}){}",
                    columns.join(","),
                    if missing.is_empty() {
                        String::new()
                    } else {
                        format!("; missing: {}", missing.join(", "))
                    }
                ),
            );
        }
        Ok(Self {
            reader,
            index,
            columns,
            older: None,
        })
    }

    /// The next row: its line and its cells in the expected column order (`None` for
    /// a column the file lacks).
    fn next(&mut self, path: &Path) -> Result<Option<(u64, Vec<Option<String>>)>> {
        let mut record = csv::StringRecord::new();
        match self.reader.read_record(&mut record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let line = record.position().map_or(0, csv::Position::line);
                let cells = self
                    .index
                    .iter()
                    .map(|i| i.and_then(|i| record.get(i)).map(str::to_owned))
                    .collect();
                Ok(Some((line, cells)))
            }
            Err(source) => Err(csv_error(path, source)),
        }
    }

    fn column(&self, name: &str) -> usize {
        self.columns.iter().position(|c| *c == name).unwrap_or(0)
    }

    /// The column's index in the file (for locations), else its expected index.
    fn at(&self, column: usize) -> usize {
        self.index[column].unwrap_or(column)
    }
}

fn shown(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() > MAX {
        format!("\"{}…\"", text.chars().take(MAX).collect::<String>())
    } else {
        format!("\"{text}\"")
    }
}

fn check_sources(path: &Path, context: &Context, out: &mut Findings) -> Result<()> {
    const FILE: &str = "sources.csv";
    let known = vec![KnownHeader {
        name: "current",
        columns: header(SOURCES),
    }];
    let mut table = Table::open(path, FILE, known, out)?;
    let columns = table.columns.clone();
    let by_id: BTreeMap<&str, &SourceCells> = context
        .sources
        .values()
        .map(|c| (c.get("source_id").unwrap_or_default(), c))
        .collect();
    let mut seen = BTreeMap::new();
    let id_column = table.column("source_id");
    while let Some((line, cells)) = table.next(path)? {
        let id = cells[id_column].clone().unwrap_or_default();
        if let Some(first) = seen.insert(id.clone(), line) {
            out.other(
                ProblemKind::CsvGraphMismatch,
                format!("{FILE}:{line}"),
                format!("source `{id}` already has a row, on line {first}"),
            );
            continue;
        }
        let Some(graph) = by_id.get(id.as_str()) else {
            out.cell(
                FILE,
                line,
                table.at(id_column),
                format!("column source_id: source `{id}` is not in graph.nq"),
            );
            continue;
        };
        for (i, name) in columns.iter().enumerate() {
            let (Some(cell), Some(expected)) = (&cells[i], graph.get(name)) else {
                continue;
            };
            if cell.as_str() != expected {
                out.cell(
                    FILE,
                    line,
                    table.at(i),
                    format!(
                        "column {name}: source `{id}` has {}, graph.nq says {}",
                        shown(cell),
                        shown(expected)
                    ),
                );
            }
        }
    }
    for id in by_id.keys() {
        if !seen.contains_key(*id) {
            out.other(
                ProblemKind::CsvGraphMismatch,
                FILE.to_owned(),
                format!("source `{id}` is in graph.nq but has no row"),
            );
        }
    }
    Ok(())
}

fn compare_row(
    table: &Table,
    line: u64,
    cells: &[Option<String>],
    expected: &Expected,
    context: &Context,
    prefixes: &[(String, String)],
    out: &mut Findings,
) {
    const FILE: &str = "facts.csv";
    let id = expected.cells.get("fact_id").cloned().unwrap_or_default();
    for name in table.older.iter().flat_map(|(_, absent)| absent) {
        let shown = match expected.labelled.get(name) {
            Some(term) => context.label_of(term),
            None => expected.cells.get(name).cloned().unwrap_or_default(),
        };
        if !shown.is_empty() {
            let (n, _) = out.unshown.entry(name).or_insert((0, id.clone()));
            *n += 1;
        }
    }
    for (i, name) in table.columns.iter().enumerate() {
        let Some(cell) = &cells[i] else { continue };
        let mismatch = if let Some(term) = expected.labelled.get(name) {
            (!context.label_ok(term, cell)).then(|| context.label_of(term))
        } else if *name == "object_label" {
            // A literal object has no label.
            (!cell.is_empty()).then(String::new)
        } else if *name == "qualifiers" {
            let found = parse_qualifiers(cell, prefixes);
            (found != expected.qualifiers).then(|| show_qualifiers(&expected.qualifiers))
        } else {
            expected.cells.get(name).filter(|e| *e != cell).cloned()
        };
        if let Some(graph) = mismatch {
            out.cell(
                FILE,
                line,
                table.at(i),
                format!(
                    "column {name}: fact {id} has {}, graph.nq says {}",
                    shown(cell),
                    shown(&graph)
                ),
            );
        }
    }
}

fn check_facts(
    nq: &Path,
    path: &Path,
    context: &Context,
    prefixes: &[(String, String)],
    out: &mut Findings,
) -> Result<()> {
    const FILE: &str = "facts.csv";
    let mut table = Table::open(path, FILE, facts_headers(), out)?;
    let id_column = table.column("fact_id");
    // Rows and facts that arrived before their partner, by id.
    let mut early_rows: BTreeMap<String, (u64, Vec<Option<String>>)> = BTreeMap::new();
    let mut early_facts: BTreeMap<String, Expected> = BTreeMap::new();
    let mut table_done = false;
    let mut last_id: Option<String> = None;
    let mut failure = None;
    let mut read_row = |table: &mut Table, out: &mut Findings| -> Result<Option<Row>> {
        let Some((line, cells)) = table.next(path)? else {
            return Ok(None);
        };
        let id = cells[id_column].clone().unwrap_or_default();
        if last_id.as_ref().is_some_and(|last| *last >= id) {
            out.other(
                ProblemKind::CsvGraphMismatch,
                format!("{FILE}:{line}"),
                format!("fact_id `{id}` is out of order or repeated (rows are sorted by fact_id, each once)"),
            );
        }
        last_id = Some(id.clone());
        Ok(Some((id, line, cells)))
    };
    let mut checked = super::line::Checked::default();
    for_each_group(nq, |node, lines| {
        if failure.is_some() || !is_typed(&lines, node, "Fact") {
            return;
        }
        let (id, expected) = expected_row(node, &lines, context, &mut checked);
        if let Some((line, cells)) = early_rows.remove(&id) {
            compare_row(&table, line, &cells, &expected, context, prefixes, out);
            return;
        }
        while !table_done {
            match read_row(&mut table, out) {
                Err(e) => {
                    failure = Some(e);
                    return;
                }
                Ok(None) => table_done = true,
                Ok(Some((row_id, line, cells))) => {
                    if row_id == id {
                        compare_row(&table, line, &cells, &expected, context, prefixes, out);
                        return;
                    }
                    if let Some(fact) = early_facts.remove(&row_id) {
                        compare_row(&table, line, &cells, &fact, context, prefixes, out);
                        continue;
                    }
                    let past = row_id > id;
                    early_rows.insert(row_id, (line, cells));
                    if past {
                        break;
                    }
                }
            }
        }
        early_facts.insert(id, expected);
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    while let Some((row_id, line, cells)) = read_row(&mut table, out)? {
        match early_facts.remove(&row_id) {
            Some(fact) => compare_row(&table, line, &cells, &fact, context, prefixes, out),
            None => {
                early_rows.insert(row_id, (line, cells));
            }
        }
    }
    for (id, (line, _)) in early_rows {
        out.cell(
            FILE,
            line,
            table.at(id_column),
            format!("column fact_id: fact `{id}` is not in graph.nq"),
        );
    }
    for id in early_facts.keys() {
        out.other(
            ProblemKind::CsvGraphMismatch,
            FILE.to_owned(),
            format!("fact `{id}` is in graph.nq but has no row"),
        );
    }
    if let Some((set, _)) = &table.older {
        for (name, (n, first)) in std::mem::take(&mut out.unshown) {
            out.other(
                ProblemKind::CsvGraphMismatch,
                format!("{FILE}:1"),
                format!(
                    "the header is the {set} column set, which has no column {name}, but graph.nq gives {n} fact(s) a {name} (first: {first}); a release must publish every column its graph fills"
                ),
            );
        }
    }
    Ok(())
}
