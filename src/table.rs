//! Reading the CSV tables researchers edit, with a location for every cell.
//!
//! Both input tables (sources and facts) go through [`read`], which streams records,
//! checks the header (every required column present, no unknown column: a typo such as
//! `qoute` must not silently drop a field) and hands out [`Row`]s that know their line,
//! so every later message can name file, line, column and field.

use crate::error::{Code, Diagnostic, Location};
use std::collections::HashMap;
use std::path::Path;

/// One data row of a table.
#[derive(Debug)]
pub struct Row<'a> {
    shown: &'a Path,
    index: &'a HashMap<String, usize>,
    record: csv::StringRecord,
    /// 1-based line where the record starts.
    pub line: u64,
}

impl Row<'_> {
    /// The raw cell (not trimmed: a quote's surrounding spaces may matter).
    pub fn raw(&self, column: &str) -> &str {
        self.index
            .get(column)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
    }

    /// Byte offset in the file where the record starts (for in-place rewrites).
    pub fn byte(&self) -> u64 {
        self.record.position().map_or(0, csv::Position::byte)
    }

    /// The 0-based index of a column in this table's header, if present.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The cell, trimmed; `None` when empty.
    pub fn get(&self, column: &str) -> Option<&str> {
        Some(self.raw(column).trim()).filter(|s| !s.is_empty())
    }

    /// The location of a cell: line, 1-based column number and column name.
    pub fn loc(&self, column: &str) -> Location {
        let mut location = Location::file(self.shown).at_line(self.line);
        if let Some(&i) = self.index.get(column) {
            location = location.at_column(i as u64 + 1);
        }
        location.with_field(column)
    }

    /// A diagnostic about a cell.
    pub fn problem(&self, column: &str, code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.loc(column), code, message)
    }
}

/// Streams the rows of the CSV file at `path` (shown in messages as `shown`).
///
/// Problems with the file itself (unreadable, not UTF-8, ragged rows, bad header) are
/// returned; rows that parse are passed to `each`.
pub fn read(
    path: &Path,
    shown: &Path,
    required: &[&str],
    optional: &[&str],
    mut each: impl FnMut(Row<'_>),
) -> Vec<Diagnostic> {
    read_batches(path, shown, required, optional, 1, |rows| {
        rows.drain(..).for_each(&mut each);
    })
}

/// [`read`], handing the rows over `batch` at a time (in file order), so that a caller
/// can work on a batch on every core; `each` may drain the batch.
pub fn read_batches(
    path: &Path,
    shown: &Path,
    required: &[&str],
    optional: &[&str],
    batch: usize,
    mut each: impl FnMut(&mut Vec<Row<'_>>),
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    // A symlinked, FIFO or device table is refused before it is opened (a FIFO would
    // block forever; a link would read a file outside the project).
    let opened = match path.parent() {
        Some(dir) => crate::safe_read::open_in(dir, path),
        None => crate::safe_read::open_regular(path),
    };
    let file = match opened {
        Ok(f) => f,
        Err(e) => {
            return vec![Diagnostic::new(
                Location::file(shown),
                Code::Io,
                format!("cannot open: {e}"),
            )]
        }
    };
    let newlines = Newlines::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(newlines.counting(std::io::BufReader::new(file)));
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return vec![csv_diagnostic(shown, &e, None, &newlines)],
    };
    let mut index = HashMap::new();
    for (i, name) in headers.iter().enumerate() {
        let name = name.trim();
        let location = Location::file(shown).at_line(1).at_column(i as u64 + 1);
        if !required.contains(&name) && !optional.contains(&name) {
            diagnostics.push(Diagnostic::new(
                location.with_field(name),
                Code::Csv,
                format!(
                    "unknown column `{name}` (expected columns: {})",
                    required
                        .iter()
                        .chain(optional)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        } else if index.insert(name.to_owned(), i).is_some() {
            diagnostics.push(Diagnostic::new(
                location.with_field(name),
                Code::Csv,
                format!("column `{name}` appears twice"),
            ));
        }
    }
    for name in required {
        if !index.contains_key(*name) {
            diagnostics.push(Diagnostic::new(
                Location::file(shown).at_line(1).with_field(*name),
                Code::Csv,
                format!("required column `{name}` is missing from the header"),
            ));
        }
    }
    if !diagnostics.is_empty() {
        return diagnostics;
    }
    let names: Vec<String> = headers.iter().map(|h| h.trim().to_owned()).collect();
    let mut record = csv::StringRecord::new();
    let mut rows = Vec::with_capacity(batch);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue; // Spreadsheets leave blank rows; they carry no fact.
                }
                let line = record.position().map_or(0, |p| newlines.line_of(p.byte()));
                if let Some(problem) = oversized_or_swallowing(&record, line, shown, &names) {
                    diagnostics.push(problem);
                    continue;
                }
                rows.push(Row {
                    shown,
                    index: &index,
                    record: record.clone(),
                    line,
                });
                if rows.len() >= batch {
                    each(&mut rows);
                    rows.clear();
                }
            }
            Err(e) => {
                let fatal = !matches!(
                    e.kind(),
                    csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }
                );
                diagnostics.push(csv_diagnostic(shown, &e, Some(&names), &newlines));
                if fatal {
                    break;
                }
            }
        }
    }
    if !rows.is_empty() {
        each(&mut rows);
    }
    diagnostics
}

/// The most bytes a cell may hold: 1 MiB. A quote or a note is a few sentences; a
/// larger cell is a mistake (a swallowed file), and RDF tools downstream (Oxigraph's
/// Turtle and N-Triples parsers among them) refuse literals much larger than that.
pub const MAX_CELL_BYTES: usize = 1024 * 1024;

/// A record's first oversized cell, or its first quoted cell that runs over what looks
/// like a row of its own (a missing closing `"`: the csv format then takes every
/// following line, up to the next `"`, into that cell, and the rows in it are lost
/// silently).
fn oversized_or_swallowing(
    record: &csv::StringRecord,
    line: u64,
    shown: &Path,
    names: &[String],
) -> Option<Diagnostic> {
    let mut newlines_before = 0u64;
    for (i, cell) in record.iter().enumerate() {
        let location = || {
            let mut l = Location::file(shown)
                .at_line(line + newlines_before)
                .at_column(i as u64 + 1);
            if let Some(name) = names.get(i) {
                l = l.with_field(name.clone());
            }
            l
        };
        if cell.len() > MAX_CELL_BYTES {
            return Some(Diagnostic::new(
                location(),
                Code::BadValue,
                format!(
                    "this cell is {} bytes; a cell holds at most {} MiB (is a closing `\"` missing, or a whole file pasted in?)",
                    cell.len(),
                    MAX_CELL_BYTES / (1024 * 1024)
                ),
            ));
        }
        for (k, inner) in cell.split('\n').enumerate().skip(1) {
            if looks_like_a_row(inner, names.len()) {
                return Some(Diagnostic::new(
                    location(),
                    Code::Csv,
                    format!(
                        "this quoted cell runs on to line {}, which looks like a row of its own (`{}`): is a closing `\"` missing? (quote the text again if the line really belongs to the cell)",
                        line + newlines_before + k as u64,
                        crate::error::escape_controls(&inner.chars().take(40).collect::<String>())
                    ),
                ));
            }
        }
        newlines_before += cell.bytes().filter(|&b| b == b'\n').count() as u64;
    }
    None
}

/// Whether one line of text parses as a CSV record with as many fields as the header.
fn looks_like_a_row(line: &str, columns: usize) -> bool {
    if columns < 2 || line.matches(',').count() + 1 < columns {
        return false;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line.trim_end_matches('\r').as_bytes());
    let mut record = csv::StringRecord::new();
    matches!(reader.read_record(&mut record), Ok(true)) && record.len() == columns
}

fn csv_diagnostic(
    shown: &Path,
    error: &csv::Error,
    names: Option<&[String]>,
    newlines: &Newlines,
) -> Diagnostic {
    let mut location = Location::file(shown);
    if let Some(pos) = error.position() {
        location = location.at_line(newlines.line_of(pos.byte()));
    }
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Diagnostic::new(
            location,
            Code::Csv,
            format!("this row has {len} fields but the header has {expected_len} (an unquoted comma, or a missing one?)"),
        ),
        csv::ErrorKind::Utf8 { err, .. } => {
            let column = err.field() + 1;
            let mut location = location.at_column(column as u64);
            if let Some(name) = names.and_then(|n| n.get(err.field())) {
                location = location.with_field(name.clone());
            }
            Diagnostic::new(
                location,
                Code::NotUtf8,
                format!("the file is not valid UTF-8 (invalid byte after {} valid bytes of this field); save it as UTF-8", err.valid_up_to()),
            )
        }
        csv::ErrorKind::Io(e) => Diagnostic::new(location, Code::Io, e.to_string()),
        _ => Diagnostic::new(location, Code::Csv, error.to_string()),
    }
}

/// Whether `id` is a well-formed stable id: `[A-Za-z0-9][A-Za-z0-9_.-]*`.
///
/// Ids become IRI path segments and release file keys, so the alphabet is kept to what
/// needs no escaping anywhere.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Byte offsets of every `\n` read so far, shared with the reader that records them.
///
/// The csv crate's own line numbers are off by one on CRLF files (as spreadsheets on
/// Windows save them), so lines are derived from record byte offsets instead: a
/// record's line is one more than the newlines up to its reported start (which, after
/// a CRLF, is the `\n` itself), and this also holds after multi-line quoted cells.
#[derive(Debug, Default, Clone)]
struct Newlines(std::rc::Rc<std::cell::RefCell<Vec<u64>>>);

impl Newlines {
    fn counting<R: std::io::Read>(&self, inner: R) -> NewlineCounter<R> {
        NewlineCounter {
            inner,
            offset: 0,
            newlines: self.clone(),
        }
    }

    fn line_of(&self, byte: u64) -> u64 {
        self.0.borrow().partition_point(|&n| n <= byte) as u64 + 1
    }
}

struct NewlineCounter<R> {
    inner: R,
    offset: u64,
    newlines: Newlines,
}

impl<R: std::io::Read> std::io::Read for NewlineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut found = self.newlines.0.borrow_mut();
        for (i, _) in buf[..n].iter().enumerate().filter(|(_, &b)| b == b'\n') {
            found.push(self.offset + i as u64);
        }
        self.offset += n as u64;
        Ok(n)
    }
}
