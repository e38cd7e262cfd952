//! Errors and diagnostics.
//!
//! Two kinds of failure exist and they are kept apart on purpose:
//! - a [`Diagnostic`] is a problem in the *user's inputs* (a bad CSV cell, an unknown
//!   term, a quote that is not in its source). Validation collects every diagnostic of a
//!   run instead of stopping at the first, so a researcher fixes a spreadsheet in one pass;
//! - an [`Error`] stops the operation (I/O failure, refused release, invalid query).
//!
//! Locations are stored 1-based (CSV lines and columns as a spreadsheet shows them) and
//! printed as `path:line:column`, the format editors and terminals turn into links.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in an input file a problem is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// The file, as given (relative to the project root when it is inside it).
    pub path: PathBuf,
    /// 1-based line.
    pub line: Option<u64>,
    /// 1-based column: a CSV column number, or a character column in a text file.
    pub column: Option<u64>,
    /// The CSV field (column name) concerned, if any.
    pub field: Option<String>,
}

impl Location {
    /// A location naming only a file.
    pub fn file(path: impl AsRef<Path>) -> Self {
        Self {
            path: path.as_ref().to_path_buf(),
            line: None,
            column: None,
            field: None,
        }
    }

    /// The same file at a line.
    #[must_use]
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// The same location at a column.
    #[must_use]
    pub fn at_column(mut self, column: u64) -> Self {
        self.column = Some(column);
        self
    }

    /// The same location, naming a CSV field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// The kind of an input problem: stable names that tests and scripts can match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// The file could not be read.
    Io,
    /// The file is not valid UTF-8.
    NotUtf8,
    /// Malformed CSV: wrong number of fields, missing header or required column.
    Csv,
    /// A required field is empty.
    MissingField,
    /// A value does not have the expected shape (id, date, number, IRI...).
    BadValue,
    /// A source id is used by a fact but not declared in the sources table.
    UnknownSource,
    /// A CURIE uses a prefix no ontology file declares.
    UnknownPrefix,
    /// A CURIE or IRI is not declared in the ontology (or has the wrong kind).
    UnknownTerm,
    /// A literal does not match its datatype.
    BadLiteral,
    /// A value does not fit the property's declared `rdfs:range` (wrong class, IRI vs literal).
    WrongType,
    /// The same id is used twice.
    DuplicateId,
    /// A quote is not found verbatim in its source.
    QuoteNotFound,
    /// A quote occurs several times and no position says which occurrence is meant.
    QuoteAmbiguous,
    /// A quote is in its source, but not at the positions the row records.
    QuoteMoved,
    /// A source file's bytes no longer match its recorded sha256.
    HashMismatch,
    /// An ontology file is not valid Turtle or uses constructs the tool refuses.
    Ontology,
}

impl Code {
    /// The kebab-case name printed in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Io => "io",
            Code::NotUtf8 => "not-utf8",
            Code::Csv => "csv",
            Code::MissingField => "missing-field",
            Code::BadValue => "bad-value",
            Code::UnknownSource => "unknown-source",
            Code::UnknownPrefix => "unknown-prefix",
            Code::UnknownTerm => "unknown-term",
            Code::BadLiteral => "bad-literal",
            Code::WrongType => "wrong-type",
            Code::DuplicateId => "duplicate-id",
            Code::QuoteNotFound => "quote-not-found",
            Code::QuoteAmbiguous => "quote-ambiguous",
            Code::QuoteMoved => "quote-moved",
            Code::HashMismatch => "hash-mismatch",
            Code::Ontology => "ontology",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in the inputs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Where it is.
    pub location: Location,
    /// What kind of problem it is.
    pub code: Code,
    /// A sentence for a human.
    pub message: String,
}

impl Diagnostic {
    /// A new diagnostic.
    pub fn new(location: Location, code: Code, message: impl Into<String>) -> Self {
        Self {
            location,
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = format!("{}: error[{}]: ", self.location, self.code);
        if let Some(field) = &self.location.field {
            text.push_str(&format!("field `{field}`: "));
        }
        text.push_str(&self.message);
        // Messages quote cells, ids and paths as found: a terminal must not run them.
        f.write_str(&escape_controls(&text))
    }
}

/// Replaces control characters (other than newline and tab) by `\u{..}` escapes, so
/// that text from an input file or an argument echoed in a message cannot drive the
/// terminal (clear it, retitle it, hide the rest of the line).
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn is_unsafe_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// An error that stops an operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The inputs have problems; each is listed.
    #[error("{} problem(s) found in the inputs:\n{}", .0.len(), render(.0))]
    Invalid(Vec<Diagnostic>),
    /// An I/O operation on a path failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying failure.
        #[source]
        source: std::io::Error,
    },
    /// The SPARQL query does not parse.
    #[error("SPARQL syntax error: {0}")]
    QuerySyntax(String),
    /// The SPARQL query was refused before parsing: over a bound of its shape (nesting,
    /// UNIONs, operators, length) or using a feature factgraph does not offer.
    #[error("query refused: {0}")]
    QueryRefused(String),
    /// The SPARQL query failed while running.
    #[error("SPARQL evaluation failed: {0}")]
    QueryEvaluation(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The embedded store failed.
    #[error("store error: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A CSV file could not be written.
    #[error("{}: {source}", path.display())]
    Csv {
        /// The file concerned.
        path: PathBuf,
        /// The underlying failure.
        #[source]
        source: csv::Error,
    },
    /// A release directory is damaged: a file of it does not say what a release says.
    #[error("{}: {message}", path.display())]
    CorruptRelease {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A usage problem: a bad argument value, a refused operation.
    #[error("{0}")]
    Usage(String),
    /// A release was refused because its data graph equals the previous release's.
    #[error("no changes since {previous}: the graph (sha256 {graph_sha256}) is the one {previous} published")]
    NoChanges {
        /// The previous release's version.
        previous: String,
        /// Their common data graph hash.
        graph_sha256: String,
    },
    /// A release was refused because its version already exists (releases are immutable).
    #[error("release {version} already exists ({}); releases are immutable: choose a new --version or leave it out to get the next one", path.display())]
    ReleaseExists {
        /// The version asked for.
        version: String,
        /// Its directory.
        path: PathBuf,
    },
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Converts a byte offset of the first invalid byte into a 1-based (line, column) pair,
/// columns counted in characters, so that a non-UTF-8 file can be fixed in an editor.
pub fn line_column_of_byte(bytes: &[u8], offset: usize) -> (u64, u64) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count() as u64
        + 1;
    (line, column)
}

/// Reads a whole file as UTF-8, turning decoding failures into a located diagnostic.
///
/// The file must be a regular file (no symbolic link, FIFO or device) in its directory,
/// of at most [`crate::safe_read::MAX_TEXT_FILE`] bytes.
pub fn read_utf8(path: &Path, shown: &Path) -> Result<String, Diagnostic> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let bytes = crate::safe_read::read_in(dir, path, crate::safe_read::MAX_TEXT_FILE)
        .map_err(|e| Diagnostic::new(Location::file(shown), Code::Io, e.to_string()))?;
    utf8_or_diagnostic(bytes, shown)
}

/// Decodes bytes as UTF-8 or says where the first invalid byte is.
pub fn utf8_or_diagnostic(bytes: Vec<u8>, shown: &Path) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let (line, column) = line_column_of_byte(&bytes, offset);
        Diagnostic::new(
            Location::file(shown).at_line(line).at_column(column),
            Code::NotUtf8,
            format!(
                "the file is not valid UTF-8 (invalid byte 0x{:02x} at byte offset {offset})",
                bytes[offset]
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_located_by_line_and_character_column() {
        let bytes = b"ok\nal\xc3\xa9 \xff".to_vec();
        let d = utf8_or_diagnostic(bytes, Path::new("x.csv")).unwrap_err();
        assert_eq!(d.code, Code::NotUtf8);
        assert_eq!(d.location.line, Some(2));
        assert_eq!(d.location.column, Some(5));
        assert!(d.to_string().starts_with("x.csv:2:5: error[not-utf8]"));
    }

    #[test]
    fn control_characters_are_escaped_in_messages() {
        let d = Diagnostic::new(
            Location::file("f.csv").at_line(2),
            Code::BadValue,
            "`a\u{1b}[2Jb` is not\tvalid\nsecond line",
        );
        assert_eq!(
            d.to_string(),
            "f.csv:2: error[bad-value]: `a\\u{1b}[2Jb` is not\tvalid\nsecond line"
        );
    }
}
