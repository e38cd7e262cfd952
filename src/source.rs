//! Source articles: the sources table, the files it pins by sha256, and `add-source`.
//!
//! A source's identity is the sha256 of its file's exact bytes. Files are never
//! normalised (no newline or encoding fixes): changing one byte must show as a
//! mismatch, because quote positions are only meaningful against those bytes.

use crate::atomic::write_file;
use crate::error::{self, Code, Diagnostic, Error, Location, Result};
use crate::hash::{is_sha256_hex, sha256_hex};
use crate::literal;
use crate::quote::SourceText;
use crate::table::{self, is_valid_id};
use oxigraph::model::{Literal, NamedNode};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Columns of the sources table, in the order `add-source` writes them.
pub const COLUMNS: &[&str] = &[
    "source_id",
    "file",
    "sha256",
    "title",
    "published",
    "url",
    "publisher",
    "language",
    "retrieved",
];
const REQUIRED: &[&str] = &["source_id", "file", "sha256", "title", "published"];

/// One row of the sources table, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Stable id.
    pub id: String,
    /// Path of the file relative to the sources directory (always with `/`).
    pub file: String,
    /// Recorded lowercase hex sha256 of the file's bytes.
    pub sha256: String,
    /// Title, verbatim.
    pub title: String,
    /// Publication date or dateTime.
    pub published: Literal,
    /// Where it was published, if known.
    pub url: Option<NamedNode>,
    /// Who published it, if known.
    pub publisher: Option<String>,
    /// BCP 47 language tag, if known.
    pub language: Option<String>,
    /// When it was retrieved, if known.
    pub retrieved: Option<Literal>,
    /// Line in the sources table.
    pub line: u64,
}

/// Reads and validates the sources table.
pub fn read_table(path: &Path, shown: &Path) -> (Vec<Source>, Vec<Diagnostic>) {
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut file_problems = table::read(path, shown, REQUIRED, &COLUMNS[5..], |row| {
        let mut bad = Vec::new();
        let mut required = |column: &str| {
            row.get(column).map(str::to_owned).or_else(|| {
                bad.push(row.problem(column, Code::MissingField, "this field is required"));
                None
            })
        };
        let (id, file, sha256, title, published) = (
            required("source_id"),
            required("file"),
            required("sha256"),
            required("title"),
            required("published"),
        );
        if let Some(id) = &id {
            if !is_valid_id(id) {
                bad.push(row.problem("source_id", Code::BadValue, format!("`{id}` is not a valid id (letters, digits, `_`, `.`, `-`; starting with a letter or digit)")));
            } else if let Some(first) = seen.insert(id.clone(), row.line) {
                bad.push(row.problem(
                    "source_id",
                    Code::DuplicateId,
                    format!("source id `{id}` is already used on line {first}"),
                ));
            }
        }
        if let Some(hash) = &sha256 {
            if !is_sha256_hex(hash) {
                bad.push(row.problem(
                    "sha256",
                    Code::BadValue,
                    "expected 64 lowercase hexadecimal digits (the output of sha256sum)",
                ));
            }
        }
        if let Some(file) = &file {
            if Path::new(file).is_absolute() || file.split(['/', '\\']).any(|c| c == "..") {
                bad.push(row.problem(
                    "file",
                    Code::BadValue,
                    "the file must be a relative path inside the sources directory",
                ));
            }
        }
        let published = published.and_then(|p| {
            literal::date_or_datetime(&p)
                .map_err(|e| bad.push(row.problem("published", Code::BadLiteral, e)))
                .ok()
        });
        let url = row.get("url").and_then(|u| {
            NamedNode::new(u)
                .map_err(|e| {
                    bad.push(row.problem(
                        "url",
                        Code::BadValue,
                        format!("`{u}` is not an absolute IRI: {e}"),
                    ))
                })
                .ok()
        });
        let retrieved = row.get("retrieved").and_then(|r| {
            literal::date_or_datetime(r)
                .map_err(|e| bad.push(row.problem("retrieved", Code::BadLiteral, e)))
                .ok()
        });
        if let Some(lang) = row.get("language") {
            if Literal::new_language_tagged_literal("", lang).is_err() {
                bad.push(row.problem(
                    "language",
                    Code::BadValue,
                    format!("`{lang}` is not a BCP 47 language tag such as en or ar"),
                ));
            }
        }
        if bad.is_empty() {
            if let (Some(id), Some(file), Some(sha256), Some(title), Some(published)) =
                (id, file, sha256, title, published)
            {
                sources.push(Source {
                    id,
                    file: file.replace('\\', "/"),
                    sha256,
                    title,
                    published,
                    url,
                    publisher: row.get("publisher").map(str::to_owned),
                    language: row.get("language").map(str::to_owned),
                    retrieved,
                    line: row.line,
                });
            }
        }
        problems.extend(bad);
    });
    file_problems.extend(problems);
    (sources, file_problems)
}

/// A source whose file was read, hashed and decoded.
#[derive(Debug)]
pub struct Loaded {
    /// The table row.
    pub source: Source,
    /// The sha256 of the file as it is now.
    pub actual_sha256: String,
    /// The decoded, indexed text.
    pub text: SourceText,
}

/// A source whose file was read and hashed, without its text: what the graph needs.
#[derive(Debug)]
pub struct Hashed {
    /// The table row.
    pub source: Source,
    /// The sha256 of the file as it is now.
    pub actual_sha256: String,
}

impl Loaded {
    /// Drops the text.
    pub fn into_hashed(self) -> Hashed {
        Hashed {
            source: self.source,
            actual_sha256: self.actual_sha256,
        }
    }
}

/// Reads, hashes and decodes one source file: `None` when the file cannot be read or
/// is not UTF-8. A source whose hash does not match is reported but still returned
/// (with its current text), so that callers can re-check the quotes that cite it
/// against what it says now.
pub fn load_one(
    source: &Source,
    sources_dir: &Path,
    table_shown: &Path,
    root: &Path,
) -> (Option<Loaded>, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let path = sources_dir.join(&source.file);
    let shown = crate::project::shown(&path, root);
    let row = Location::file(table_shown).at_line(source.line);
    let bytes = match crate::safe_read::read_in(sources_dir, &path, crate::safe_read::MAX_TEXT_FILE)
    {
        Ok(b) => b,
        Err(e) => {
            problems.push(Diagnostic::new(
                row.with_field("file"),
                Code::Io,
                format!("cannot read source file {}: {e}", shown.display()),
            ));
            return (None, problems);
        }
    };
    let actual = sha256_hex(&bytes);
    if actual != source.sha256 {
        problems.push(Diagnostic::new(
            row.clone().with_field("sha256"),
            Code::HashMismatch,
            format!(
                "source `{}`: {} has sha256 {actual}, but the table records {}; the file changed since it was registered",
                source.id,
                shown.display(),
                source.sha256
            ),
        ));
    }
    match error::utf8_or_diagnostic(bytes, &shown) {
        Ok(text) => (
            Some(Loaded {
                source: source.clone(),
                actual_sha256: actual,
                text: SourceText::new(text),
            }),
            problems,
        ),
        Err(d) => {
            problems.push(d);
            (None, problems)
        }
    }
}

/// Metadata given to `add-source`.
#[derive(Debug, Clone, Default)]
pub struct NewSource {
    /// Id to use; derived from the file name when absent.
    pub id: Option<String>,
    /// Title.
    pub title: String,
    /// Publication date or dateTime.
    pub published: String,
    /// Optional URL.
    pub url: Option<String>,
    /// Optional publisher.
    pub publisher: Option<String>,
    /// Optional language tag.
    pub language: Option<String>,
    /// Optional retrieval date.
    pub retrieved: Option<String>,
}

/// Copies `file` into `sources_dir/articles/`, hashes it and appends a row to the table.
///
/// Every check runs before anything is written; the table is replaced atomically (a
/// temporary file renamed over it), keeping its existing bytes as they were.
pub fn add(table_path: &Path, sources_dir: &Path, file: &Path, new: &NewSource) -> Result<Source> {
    let bytes = crate::safe_read::open_regular(file)
        .and_then(|f| crate::safe_read::read_capped(f, file, crate::safe_read::MAX_TEXT_FILE))
        .map_err(|e| Error::io(file, e))?;
    error::utf8_or_diagnostic(bytes.clone(), file).map_err(|d| Error::Invalid(vec![d]))?;
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::Usage(format!("{}: not a file name", file.display())))?;
    let id = match &new.id {
        Some(id) => id.clone(),
        None => derive_id(name),
    };
    let usage = |m: String| Error::Usage(m);
    if !is_valid_id(&id) {
        return Err(usage(format!(
            "`{id}` is not a valid source id (letters, digits, `_`, `.`, `-`)"
        )));
    }
    let published = literal::date_or_datetime(&new.published)
        .map_err(|e| usage(format!("--published: {e}")))?;
    if let Some(r) = &new.retrieved {
        literal::date_or_datetime(r).map_err(|e| usage(format!("--retrieved: {e}")))?;
    }
    if let Some(u) = &new.url {
        NamedNode::new(u.as_str())
            .map_err(|e| usage(format!("--url: `{u}` is not an absolute IRI: {e}")))?;
    }
    if let Some(l) = &new.language {
        Literal::new_language_tagged_literal("", l.as_str())
            .map_err(|_| usage(format!("--language: `{l}` is not a BCP 47 tag")))?;
    }
    let (existing, problems) = if table_path.exists() {
        read_table(table_path, table_path)
    } else {
        (Vec::new(), Vec::new())
    };
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let ids: BTreeSet<&str> = existing.iter().map(|s| s.id.as_str()).collect();
    if ids.contains(id.as_str()) {
        return Err(usage(format!(
            "{}: source id `{id}` already exists; pass --id to choose another",
            table_path.display()
        )));
    }
    let relative = format!("articles/{name}");
    let sha256 = sha256_hex(&bytes);
    if let Some(same) = existing.iter().find(|s| s.sha256 == sha256) {
        return Err(usage(format!(
            "this file is already registered as source `{}` ({})",
            same.id, same.file
        )));
    }
    let destination = sources_dir.join(&relative);
    if destination.exists() {
        let there =
            crate::safe_read::read_in(sources_dir, &destination, crate::safe_read::MAX_TEXT_FILE)
                .map_err(|e| Error::io(&destination, e))?;
        if there != bytes {
            return Err(usage(format!(
                "{} already exists with other content; rename the file",
                destination.display()
            )));
        }
    }
    let row = [
        id.as_str(),
        &relative,
        &sha256,
        &new.title,
        &new.published,
        new.url.as_deref().unwrap_or(""),
        new.publisher.as_deref().unwrap_or(""),
        new.language.as_deref().unwrap_or(""),
        new.retrieved.as_deref().unwrap_or(""),
    ];
    let mut table_bytes = if table_path.exists() {
        let mut bytes = Vec::new();
        crate::safe_read::open_no_follow(table_path)
            .and_then(|mut f| std::io::Read::read_to_end(&mut f, &mut bytes))
            .map_err(|e| Error::io(table_path, e))?;
        bytes
    } else {
        let mut header = Vec::new();
        write_row(&mut header, COLUMNS, table_path)?;
        header
    };
    if !table_bytes.is_empty() && !table_bytes.ends_with(b"\n") {
        table_bytes.push(b'\n');
    }
    write_row(&mut table_bytes, &row, table_path)?;

    let articles = destination.parent().unwrap_or(sources_dir);
    std::fs::create_dir_all(articles).map_err(|e| Error::io(articles, e))?;
    write_file(&destination, &bytes)?;
    write_file(table_path, &table_bytes)?;
    Ok(Source {
        id,
        file: relative,
        sha256,
        title: new.title.clone(),
        published,
        url: new.url.as_deref().map(NamedNode::new_unchecked),
        publisher: new.publisher.clone(),
        language: new.language.clone(),
        retrieved: None,
        line: 0,
    })
}

/// Appends one CSV record to `out` (a row of the table at `path`, for errors).
fn write_row(out: &mut Vec<u8>, fields: &[&str], path: &Path) -> Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    writer
        .write_record(fields)
        .and_then(|()| writer.flush().map_err(Into::into))
        .map_err(|source| Error::Csv {
            path: path.to_path_buf(),
            source,
        })
}

/// A source id from a file name: its stem, with other characters turned into `-`.
fn derive_id(name: &str) -> String {
    let stem = Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(name);
    let id: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let id = id.trim_start_matches(['-', '_', '.']).to_owned();
    if id.is_empty() {
        "source".to_owned()
    } else {
        id
    }
}

/// Where a source's file is.
pub fn file_path(sources_dir: &Path, source: &Source) -> PathBuf {
    sources_dir.join(&source.file)
}
