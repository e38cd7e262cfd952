//! Versioned releases: immutable, checksummed, diffable snapshots under `exports/`.
//!
//! `factgraph release` writes `exports/<version>/`:
//!
//! | file | what |
//! |---|---|
//! | `facts.ttl` | sources and facts (Turtle, as `export` writes it) |
//! | `facts.csv` | one row per fact ([`crate::export::FACTS_CSV_COLUMNS`]) |
//! | `facts.csv-metadata.json` | CSVW metadata describing `facts.csv` and `sources.csv` |
//! | `sources.csv` | one row per source ([`SOURCES_CSV_COLUMNS`]) |
//! | `graph.nq` | the whole release: data graph + release description (sorted N-Quads) |
//! | `release.ttl` | the release described with DCAT, VoID and SPDX checksums |
//! | `CHANGES.md` | facts and sources added, removed, changed since the previous release |
//! | `SHA256SUMS` | `sha256sum -c` input for every other file |
//!
//! # Versions
//! By default `v1`, `v2`, … (one more than the largest `v<N>` in `exports/`). `--version`
//! accepts any new name matching `[A-Za-z0-9][A-Za-z0-9._-]*` except the reserved
//! `latest` and `working`. `ls` sorts `v10` before `v2`: the order of releases is the
//! chain of `dcat:previousVersion` links in their `release.ttl`, and `exports/latest`
//! (one line: the newest version) and `exports/releases.csv` (one row per release,
//! oldest first) are derived from that chain and rewritten on every `release` run.
//!
//! # The data graph and its hash
//! The *data graph* is the ontology, the sources and the facts: exactly what
//! `factgraph export` writes as `graph.nq`. Its hash (`fg:graphSha256`) is the sha256
//! of its canonical N-Quads lines (`S P O .\n`, no graph name) sorted by their UTF-8
//! bytes, without duplicates. The graph has no blank nodes, so this sorted form is
//! canonical (it equals RDFC-1.0 output) and the hash does not depend on file order.
//!
//! A release's `graph.nq` holds the data graph plus the release description, sorted.
//! Every line of the release description has as subject the release IRI `R`
//! (`<base>release/<version>`) or an IRI starting with `R/` (its distributions
//! `R/<file>` and their checksums `R/<file>#sha256`); `release` refuses inputs whose
//! data graph has such a subject. So, to recompute the hash from `graph.nq`:
//!
//! > drop every line that starts with `<R> ` or `<R/`; the remaining lines, in
//! > order, are the data graph; their sha256 is `fg:graphSha256`.
//!
//! # What describes what
//! `release.ttl` describes every file except itself and `SHA256SUMS` (a file cannot
//! contain its own checksum): byte size, media type and sha256 of each. `graph.nq`
//! contains the same description minus the triples about `graph.nq` itself (its
//! `dcat:distribution` and `void:dataDump` links, its size and checksum).
//! `SHA256SUMS` lists every other file, `release.ttl` and `graph.nq` included.
//! `void:triples` counts the triples of the data graph.
//!
//! # Immutability and atomicity
//! A release is built in a hidden temporary directory inside `exports/`
//! (`.tmp-release-*`), each file flushed to disk, and renamed to `exports/<version>`
//! only when complete. A run killed before the rename leaves only that hidden
//! directory, which every command ignores (delete it at leisure); a release directory
//! that exists is complete. An existing version is refused, and so is a release whose
//! data graph hash equals the previous release's ([`Error::NoChanges`]). Nothing in an
//! earlier release directory is ever opened for writing.
//!
//! The environment variable `FACTGRAPH_TEST_PAUSE_BEFORE_RENAME=<flag file>` is a
//! test hook: when set, `release` writes the temporary directory's path to the flag
//! file once every file is written, then waits until the flag file is deleted before
//! renaming (so that a test can kill it at that point).

use crate::diff::{self, Changes, Snapshot, Table};
use crate::error::{Error, Result};
use crate::export::{self, canonical_lines, file_info, FileInfo};
use crate::pipeline::{self, Checked, Config, Queryable};
use crate::source::sha256_hex;
use crate::table::is_valid_id;
use crate::vocab::{iri, DCAT, DCTERMS, FG, OWL, PROV, RDF, SPDX, VOID, XSD};
use chrono::NaiveDate;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Columns of a release's `sources.csv`.
pub const SOURCES_CSV_COLUMNS: &[&str] = &[
    "source_id",
    "source_iri",
    "file",
    "sha256",
    "title",
    "published",
    "url",
    "publisher",
    "language",
    "retrieved",
];

/// The names `--version` may not take (they mean something else to `diff`/`query`).
pub const RESERVED_NAMES: &[&str] = &["latest", "working"];

/// The test hook that pauses a release before its final rename (see the module docs).
pub const PAUSE_HOOK: &str = "FACTGRAPH_TEST_PAUSE_BEFORE_RENAME";

/// The files a release describes in `release.ttl`, with their media types.
const DISTRIBUTIONS: &[(&str, &str)] = &[
    ("CHANGES.md", "text/markdown"),
    ("facts.csv", "text/csv"),
    ("facts.csv-metadata.json", "application/csvm+json"),
    ("facts.ttl", "text/turtle"),
    ("graph.nq", "application/n-quads"),
    ("sources.csv", "text/csv"),
];

/// What to release.
#[derive(Debug, Clone)]
pub struct Options {
    /// The version name; the next `vN` when absent.
    pub version: Option<String>,
    /// The release date.
    pub date: NaiveDate,
}

/// A published release, as its `release.ttl` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseInfo {
    /// Version name.
    pub version: String,
    /// Its directory.
    pub dir: PathBuf,
    /// Its IRI.
    pub iri: String,
    /// Release date (`YYYY-MM-DD`).
    pub issued: String,
    /// The previous version's name, if any.
    pub previous: Option<String>,
    /// The data graph hash.
    pub graph_sha256: String,
    /// Number of facts.
    pub facts: u64,
    /// Number of sources.
    pub sources: u64,
    /// Triples of the data graph.
    pub triples: u64,
    /// Described files: name → (bytes, sha256).
    pub files: BTreeMap<String, (u64, String)>,
    /// The prefixes `release.ttl` declares (those of the release's ontology).
    pub prefixes: Vec<(String, String)>,
}

/// What `release` did.
#[derive(Debug, Clone)]
pub struct Released {
    /// The new release.
    pub info: ReleaseInfo,
    /// Every file written (`SHA256SUMS` included), by name.
    pub files: Vec<FileInfo>,
    /// Changes since the previous release (none for a first release).
    pub changes: Option<Changes>,
}

fn usage(message: impl Into<String>) -> Error {
    Error::Usage(message.into())
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

/// Parses a `--date`: exactly `YYYY-MM-DD`, a real calendar date.
pub fn parse_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == text)
        .ok_or_else(|| usage(format!("`{text}` is not a date of the form YYYY-MM-DD")))
}

/// The UTC date of a `SOURCE_DATE_EPOCH` value (seconds since 1970-01-01T00:00:00Z).
pub fn date_from_epoch(text: &str) -> Result<NaiveDate> {
    text.trim()
        .parse::<i64>()
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| t.date_naive())
        .ok_or_else(|| {
            usage(format!(
                "SOURCE_DATE_EPOCH=`{text}` is not a number of seconds since 1970-01-01"
            ))
        })
}

/// Checks a version name given with `--version`.
pub fn validate_version(version: &str) -> Result<()> {
    if !is_valid_id(version) || version.len() > 100 {
        return Err(usage(format!(
            "`{version}` is not a valid version: use letters, digits, `.`, `_` and `-`, starting with a letter or digit (e.g. v3 or 2026.1)"
        )));
    }
    if RESERVED_NAMES.contains(&version) {
        return Err(usage(format!(
            "`{version}` is reserved (it names something else in `diff` and `query`); choose another version"
        )));
    }
    Ok(())
}

/// The default version: `v<N+1>` for the largest `v<N>` among the names in `exports/`
/// (any entry, release or not), or `v1`.
pub fn next_version(exports: &Path) -> Result<String> {
    let mut largest = 0u64;
    if exports.is_dir() {
        for entry in std::fs::read_dir(exports).map_err(io(exports))? {
            let name = entry.map_err(io(exports))?.file_name();
            let name = name.to_string_lossy();
            if let Some(n) = name
                .strip_prefix('v')
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse::<u64>().ok())
            {
                largest = largest.max(n);
            }
        }
    }
    Ok(format!("v{}", largest + 1))
}

fn literal_value(term: &Term) -> Option<String> {
    match term {
        Term::Literal(l) => Some(l.value().to_owned()),
        _ => None,
    }
}

/// Reads a release's `release.ttl`.
pub fn read_info(dir: &Path) -> Result<ReleaseInfo> {
    let path = dir.join("release.ttl");
    let file = std::fs::File::open(&path).map_err(io(&path))?;
    let bad = |what: &str| usage(format!("{}: {what}", path.display()));
    let mut parser =
        RdfParser::from_format(RdfFormat::Turtle).for_reader(std::io::BufReader::new(file));
    let mut quads = Vec::new();
    let mut prefixes = Vec::new();
    while let Some(quad) = parser.next() {
        quads.push(quad.map_err(|e| bad(&e.to_string()))?);
        if prefixes.is_empty() {
            prefixes = parser
                .prefixes()
                .map(|(n, i)| (n.to_owned(), i.to_owned()))
                .collect();
        }
    }
    let rdf_type = iri(RDF, "type");
    let release_class = Term::from(iri(FG, "Release"));
    let subjects: Vec<String> = quads
        .iter()
        .filter(|q| q.predicate == rdf_type && q.object == release_class)
        .map(|q| q.subject.to_string())
        .collect();
    let [subject] = subjects.as_slice() else {
        return Err(bad("expected exactly one resource of type fg:Release"));
    };
    let objects = |s: &str, p: NamedNode| -> Vec<Term> {
        quads
            .iter()
            .filter(|q| q.subject.to_string() == s && q.predicate == p)
            .map(|q| q.object.clone())
            .collect()
    };
    let one = |s: &str, ns: &str, local: &str| -> Result<String> {
        match objects(s, iri(ns, local)).as_slice() {
            [t] => literal_value(t).ok_or_else(|| bad(&format!("{local} is not a literal"))),
            _ => Err(bad(&format!("expected one {local} of {s}"))),
        }
    };
    let number = |s: &str, ns: &str, local: &str| -> Result<u64> {
        one(s, ns, local)?
            .parse()
            .map_err(|_| bad(&format!("{local} is not a number")))
    };
    let release_iri = subject
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    let previous = match objects(subject, iri(DCAT, "previousVersion")).as_slice() {
        [] => None,
        [Term::NamedNode(p)] => Some(p.as_str().rsplit('/').next().unwrap_or_default().to_owned()),
        _ => return Err(bad("expected at most one dcat:previousVersion")),
    };
    let mut files = BTreeMap::new();
    for d in objects(subject, iri(DCAT, "distribution")) {
        let Term::NamedNode(d) = d else {
            return Err(bad("a dcat:distribution is not an IRI"));
        };
        let name = d
            .as_str()
            .strip_prefix(&format!("{release_iri}/"))
            .ok_or_else(|| bad(&format!("distribution {d} is not under {release_iri}/")))?
            .to_owned();
        let d_key = d.to_string();
        let bytes = number(&d_key, DCAT, "byteSize")?;
        let checksum = format!("<{}#sha256>", d.as_str());
        let sha256 = one(&checksum, SPDX, "checksumValue")?;
        files.insert(name, (bytes, sha256));
    }
    Ok(ReleaseInfo {
        version: one(subject, DCAT, "version")?,
        dir: dir.to_path_buf(),
        iri: release_iri,
        issued: one(subject, DCTERMS, "issued")?,
        previous,
        graph_sha256: one(subject, FG, "graphSha256")?,
        facts: number(subject, FG, "factCount")?,
        sources: number(subject, FG, "sourceCount")?,
        triples: number(subject, VOID, "triples")?,
        files,
        prefixes,
    })
}

/// The releases in `exports/`, oldest first (following `dcat:previousVersion`).
///
/// A release is a directory whose name does not start with `.` and that holds a
/// `release.ttl`. Fails if the releases do not form one chain (a release was deleted
/// or edited by hand).
pub fn list(exports: &Path) -> Result<Vec<ReleaseInfo>> {
    let mut by_version: BTreeMap<String, ReleaseInfo> = BTreeMap::new();
    if !exports.is_dir() {
        return Ok(Vec::new());
    }
    for entry in std::fs::read_dir(exports).map_err(io(exports))? {
        let path = entry.map_err(io(exports))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || !path.join("release.ttl").is_file() {
            continue;
        }
        let info = read_info(&path)?;
        if info.version != name {
            return Err(usage(format!(
                "{}: release.ttl says version `{}`; a release directory must be named after its version",
                path.display(),
                info.version
            )));
        }
        by_version.insert(name, info);
    }
    let referenced: Vec<&str> = by_version
        .values()
        .filter_map(|i| i.previous.as_deref())
        .collect();
    let heads: Vec<&String> = by_version
        .keys()
        .filter(|v| !referenced.contains(&v.as_str()))
        .collect();
    let Some(head) = heads.first() else {
        return if by_version.is_empty() {
            Ok(Vec::new())
        } else {
            Err(usage(format!(
                "{}: the releases' previous versions form a cycle",
                exports.display()
            )))
        };
    };
    if heads.len() > 1 {
        return Err(usage(format!(
            "{}: releases {} are each the newest of a separate chain; every release must follow the previous one (was a release directory deleted?)",
            exports.display(),
            heads.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    let mut chain = Vec::new();
    let mut next = Some((*head).clone());
    while let Some(version) = next {
        let Some(info) = by_version.remove(&version) else {
            let after = chain.last().map_or(String::new(), |i: &ReleaseInfo| {
                format!(" (the previous version of {})", i.version)
            });
            return Err(usage(format!(
                "{}: release {version}{after} is missing; releases are immutable, restore it",
                exports.display()
            )));
        };
        next = info.previous.clone();
        chain.push(info);
    }
    if !by_version.is_empty() {
        return Err(usage(format!(
            "{}: the releases' previous versions form a cycle",
            exports.display()
        )));
    }
    chain.reverse();
    Ok(chain)
}

/// Finds a release by name: `latest`, a version in `exports/`, or a path to a
/// release directory (e.g. a downloaded one).
pub fn resolve(config: &Config, name: &str) -> Result<PathBuf> {
    let exports = config.exports_dir();
    if name == "latest" {
        return list(&exports)?
            .pop()
            .map(|i| i.dir)
            .ok_or_else(|| usage(format!("{} holds no release yet", exports.display())));
    }
    if is_valid_id(name) && exports.join(name).join("release.ttl").is_file() {
        return Ok(exports.join(name));
    }
    let path = PathBuf::from(name);
    if path.join("release.ttl").is_file() {
        return Ok(path);
    }
    let known: Vec<String> = list(&exports)
        .map(|l| l.into_iter().map(|i| i.version).collect())
        .unwrap_or_default();
    Err(usage(format!(
        "no release `{name}`: not a version in {} ({}) nor a release directory",
        exports.display(),
        if known.is_empty() {
            "none yet".to_owned()
        } else {
            format!("known: {}", known.join(", "))
        }
    )))
}

/// The working inputs, checked and built, with their data graph lines and hash.
pub struct Built {
    /// What passed validation.
    pub checked: Checked,
    /// Each fact's content hash, by id.
    pub fact_hashes: BTreeMap<String, String>,
    /// The data graph as sorted canonical N-Quads lines.
    pub lines: Vec<String>,
    /// sha256 of `lines` concatenated.
    pub graph_sha256: String,
}

/// Checks and builds the working inputs (any problem is an error).
pub fn build(config: &Config) -> Result<Built> {
    let checked = pipeline::checked(config)?;
    let (lines, fact_hashes) = pipeline::canonical(config, &checked);
    let graph_sha256 = sha256_hex(lines.concat().as_bytes());
    Ok(Built {
        checked,
        fact_hashes,
        lines,
        graph_sha256,
    })
}

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
    let tmp = tempfile::tempdir().map_err(io(Path::new(".")))?;
    let (facts, sources) = (tmp.path().join("facts.csv"), tmp.path().join("sources.csv"));
    export::write_facts_csv(&facts, config, &built.checked, &built.fact_hashes)?;
    write_sources_csv(&sources, config, &built.checked)?;
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

/// Writes a release's `sources.csv` (columns [`SOURCES_CSV_COLUMNS`], sorted by id).
pub fn write_sources_csv(path: &Path, config: &Config, checked: &Checked) -> Result<()> {
    let file = std::fs::File::create(path).map_err(io(path))?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(std::io::BufWriter::new(file));
    let csv_err = |e: csv::Error| usage(format!("{}: {e}", path.display()));
    w.write_record(SOURCES_CSV_COLUMNS).map_err(csv_err)?;
    for loaded in checked.sources.values() {
        let s = &loaded.source;
        w.write_record([
            s.id.as_str(),
            config.minter.source(&s.id).as_str(),
            &s.file,
            &s.sha256,
            &s.title,
            s.published.value(),
            s.url.as_ref().map_or("", |u| u.as_str()),
            s.publisher.as_deref().unwrap_or(""),
            s.language.as_deref().unwrap_or(""),
            s.retrieved.as_ref().map_or("", |r| r.value()),
        ])
        .map_err(csv_err)?;
    }
    w.flush().map_err(io(path))
}

/// CSVW datatype, required flag and description of a `facts.csv` column.
fn facts_column(name: &str) -> Option<(serde_json::Value, bool, &'static str)> {
    use serde_json::json;
    let hex = json!({"base": "string", "format": "[0-9a-f]{64}"});
    let s = json!("string");
    let uri = json!("anyURI");
    let count = json!("nonNegativeInteger");
    Some(match name {
        "fact_id" => (
            s,
            true,
            "Stable id of the fact (primary key); the same across releases.",
        ),
        "fact_iri" => (uri, true, "IRI of the fact's statement node in the graph."),
        "subject" => (uri, true, "IRI of the entity the fact is about."),
        "subject_label" => (s, false, "Label of the subject, from the ontology."),
        "predicate" => (uri, true, "IRI of the property."),
        "predicate_label" => (s, false, "Label of the property, from the ontology."),
        "object" => (
            s,
            true,
            "The value: an entity IRI, or a literal's lexical form.",
        ),
        "object_label" => (s, false, "Label of the object when it is an entity."),
        "object_datatype" => (
            uri,
            false,
            "Datatype IRI of a literal object (empty for entities and language-tagged strings).",
        ),
        "object_language" => (s, false, "Language tag of a language-tagged object."),
        "point_in_time" => (
            s,
            false,
            "fg:pointInTime qualifier (xsd:gYear, gYearMonth or date).",
        ),
        "start" => (s, false, "fg:startTime qualifier."),
        "end" => (s, false, "fg:endTime qualifier."),
        "qualifiers" => (
            s,
            false,
            "Other qualifiers as `property=value` pairs separated by `; `.",
        ),
        "rank" => (
            json!({"base": "string", "format": "preferred|normal|deprecated"}),
            true,
            "Rank among competing claims.",
        ),
        "quote" => (
            s,
            true,
            "The exact quotation of the source supporting the fact.",
        ),
        "quote_start" => (
            count,
            true,
            "Start of the quote in the source text, in Unicode code points from 0.",
        ),
        "quote_end" => (count, true, "End (exclusive) of the quote, in code points."),
        "source_id" => (s, true, "Id of the source (a row of sources.csv)."),
        "source_title" => (s, true, "Title of the source."),
        "source_published" => (s, true, "Publication date or dateTime of the source."),
        "source_url" => (uri, false, "Where the source was published."),
        "source_sha256" => (hex.clone(), true, "sha256 of the source file's bytes."),
        "fact_sha256" => (
            hex,
            true,
            "Content hash of the fact; changes when the fact's content does.",
        ),
        "note" => (s, false, "The curator's note on the fact (rdfs:comment)."),
        _ => return None,
    })
}

fn sources_column(name: &str) -> Option<(serde_json::Value, bool, &'static str)> {
    use serde_json::json;
    Some(match name {
        "source_id" => (
            json!("string"),
            true,
            "Stable id of the source (primary key).",
        ),
        "source_iri" => (json!("anyURI"), true, "IRI of the source in the graph."),
        "file" => (
            json!("string"),
            true,
            "Path of the source text in the repository, relative to sources/.",
        ),
        "sha256" => (
            json!({"base": "string", "format": "[0-9a-f]{64}"}),
            true,
            "sha256 of the source file's bytes.",
        ),
        "title" => (json!("string"), true, "Title, verbatim."),
        "published" => (json!("string"), true, "Publication date or dateTime."),
        "url" => (json!("anyURI"), false, "Where it was published."),
        "publisher" => (json!("string"), false, "Who published it."),
        "language" => (json!("string"), false, "BCP 47 language tag."),
        "retrieved" => (json!("string"), false, "When it was retrieved."),
        _ => return None,
    })
}

type ColumnInfo = fn(&str) -> Option<(serde_json::Value, bool, &'static str)>;

fn csvw_columns(names: &[&str], describe: ColumnInfo) -> Vec<serde_json::Value> {
    names
        .iter()
        .map(|name| {
            let (datatype, required, description) =
                describe(name).unwrap_or((serde_json::json!("string"), false, ""));
            serde_json::json!({
                "name": name,
                "titles": name,
                "datatype": datatype,
                "required": required,
                "dc:description": description,
            })
        })
        .collect()
}

/// The CSVW metadata (JSON-LD) describing `facts.csv` and `sources.csv` as a table group.
pub fn csvw_metadata(config: &Config, version: &str, date: &str) -> String {
    use serde_json::json;
    let value = json!({
        "@context": "http://www.w3.org/ns/csvw",
        "dc:title": format!("factgraph release {version}"),
        "dc:issued": date,
        "dc:identifier": config.minter.release(version).as_str(),
        "tables": [
            {
                "url": "facts.csv",
                "dc:title": "Facts",
                "dc:description": "One row per source-attributed fact.",
                "tableSchema": {
                    "columns": csvw_columns(export::FACTS_CSV_COLUMNS, facts_column),
                    "primaryKey": "fact_id",
                    "aboutUrl": format!("{}{{fact_id}}", config.minter.fact_ns()),
                    "foreignKeys": [{
                        "columnReference": "source_id",
                        "reference": {"resource": "sources.csv", "columnReference": "source_id"}
                    }]
                }
            },
            {
                "url": "sources.csv",
                "dc:title": "Sources",
                "dc:description": "One row per source article.",
                "tableSchema": {
                    "columns": csvw_columns(SOURCES_CSV_COLUMNS, sources_column),
                    "primaryKey": "source_id",
                    "aboutUrl": format!("{}{{source_id}}", config.minter.source_ns()),
                }
            }
        ]
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

fn triple(s: &NamedNode, p: NamedNode, o: impl Into<Term>) -> Quad {
    Quad::new(s.clone(), p, o.into(), GraphName::DefaultGraph)
}

fn typed(value: impl ToString, datatype: &str) -> Literal {
    Literal::new_typed_literal(value.to_string(), iri(XSD, datatype))
}

/// What the release description states.
struct Description<'a> {
    release: NamedNode,
    version: &'a str,
    date: &'a str,
    previous: Option<&'a ReleaseInfo>,
    graph_sha256: &'a str,
    facts: usize,
    sources: usize,
    triples: usize,
}

impl Description<'_> {
    /// The release description; the distributions are the `files` given (each a
    /// known name of [`DISTRIBUTIONS`]).
    fn quads(&self, files: &[FileInfo]) -> Vec<Quad> {
        let r = &self.release;
        let mut out = vec![
            triple(r, iri(RDF, "type"), iri(DCAT, "Dataset")),
            triple(r, iri(RDF, "type"), iri(VOID, "Dataset")),
            triple(r, iri(RDF, "type"), iri(FG, "Release")),
            triple(
                r,
                iri(DCTERMS, "title"),
                Literal::new_simple_literal(format!(
                    "factgraph knowledge graph, release {}",
                    self.version
                )),
            ),
            triple(r, iri(DCTERMS, "issued"), typed(self.date, "date")),
            triple(
                r,
                iri(DCAT, "version"),
                Literal::new_simple_literal(self.version),
            ),
            triple(
                r,
                iri(OWL, "versionInfo"),
                Literal::new_simple_literal(self.version),
            ),
            triple(
                r,
                iri(FG, "graphSha256"),
                Literal::new_simple_literal(self.graph_sha256),
            ),
            triple(
                r,
                iri(FG, "factCount"),
                typed(self.facts, "nonNegativeInteger"),
            ),
            triple(
                r,
                iri(FG, "sourceCount"),
                typed(self.sources, "nonNegativeInteger"),
            ),
            triple(r, iri(VOID, "triples"), typed(self.triples, "integer")),
        ];
        if let Some(previous) = self.previous {
            let p = NamedNode::new_unchecked(previous.iri.clone());
            out.push(triple(r, iri(DCAT, "previousVersion"), p.clone()));
            out.push(triple(r, iri(PROV, "wasRevisionOf"), p));
        }
        for file in files {
            let media = DISTRIBUTIONS
                .iter()
                .find(|(n, _)| *n == file.name)
                .map_or("application/octet-stream", |(_, m)| m);
            let d = NamedNode::new_unchecked(format!("{}/{}", r.as_str(), file.name));
            let c = NamedNode::new_unchecked(format!("{}#sha256", d.as_str()));
            out.extend([
                triple(r, iri(DCAT, "distribution"), d.clone()),
                triple(&d, iri(RDF, "type"), iri(DCAT, "Distribution")),
                triple(
                    &d,
                    iri(DCTERMS, "title"),
                    Literal::new_simple_literal(&file.name),
                ),
                triple(&d, iri(DCAT, "downloadURL"), d.clone()),
                triple(
                    &d,
                    iri(DCAT, "byteSize"),
                    typed(file.bytes, "nonNegativeInteger"),
                ),
                triple(
                    &d,
                    iri(DCAT, "mediaType"),
                    NamedNode::new_unchecked(format!(
                        "https://www.iana.org/assignments/media-types/{media}"
                    )),
                ),
                triple(&d, iri(SPDX, "checksum"), c.clone()),
                triple(&c, iri(RDF, "type"), iri(SPDX, "Checksum")),
                triple(
                    &c,
                    iri(SPDX, "algorithm"),
                    iri(SPDX, "checksumAlgorithm_sha256"),
                ),
                triple(
                    &c,
                    iri(SPDX, "checksumValue"),
                    typed(&file.sha256, "hexBinary"),
                ),
            ]);
            if file.name == "graph.nq" {
                out.push(triple(r, iri(VOID, "dataDump"), d));
            }
        }
        out
    }
}

/// Flushes every file of a directory to disk.
fn sync_dir_files(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        std::fs::File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(io(&path))?;
    }
    Ok(())
}

fn pause_for_test(tmp: &Path) {
    let Some(flag) = std::env::var_os(PAUSE_HOOK) else {
        return;
    };
    let flag = PathBuf::from(flag);
    if std::fs::write(&flag, tmp.display().to_string()).is_err() {
        return;
    }
    while flag.exists() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Makes a file or directory readable by everyone (as the rest of a repository is):
/// temporary files and directories are created private.
fn make_public(path: &Path, directory: bool) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if directory { 0o755 } else { 0o644 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io(path))?;
    }
    #[cfg(not(unix))]
    let _ = (path, directory);
    Ok(())
}

/// `exports/releases.csv`: one row per release, oldest first.
pub fn index_csv(releases: &[ReleaseInfo]) -> String {
    let mut out = String::from("version,issued,previous,graph_sha256,facts,sources,triples\n");
    for r in releases {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            r.version,
            r.issued,
            r.previous.as_deref().unwrap_or(""),
            r.graph_sha256,
            r.facts,
            r.sources,
            r.triples
        ));
    }
    out
}

/// Rewrites `exports/latest` and `exports/releases.csv` from the releases (each
/// atomically, and only if its content changes).
pub fn write_index(exports: &Path, releases: &[ReleaseInfo]) -> Result<()> {
    let Some(newest) = releases.last() else {
        return Ok(());
    };
    for (name, content) in [
        ("releases.csv", index_csv(releases)),
        ("latest", format!("{}\n", newest.version)),
    ] {
        let path = exports.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(content.as_str()) {
            crate::source::write_atomic(&path, content.as_bytes())?;
        }
    }
    Ok(())
}

/// Publishes a new release of the working inputs under `exports/<version>/`.
pub fn release(config: &Config, options: &Options) -> Result<Released> {
    let exports = config.exports_dir();
    let version = match &options.version {
        Some(v) => {
            validate_version(v)?;
            v.clone()
        }
        None => next_version(&exports)?,
    };
    let dest = exports.join(&version);
    if dest.exists() || dest.symlink_metadata().is_ok() {
        return Err(Error::ReleaseExists {
            version,
            path: dest,
        });
    }
    let releases = list(&exports)?;
    write_index(&exports, &releases)?;
    let previous = releases.last();
    let date = options.date.format("%Y-%m-%d").to_string();
    if let Some(p) = previous {
        if date < p.issued {
            return Err(usage(format!(
                "release date {date} is before {} ({}); releases are dated in order",
                p.version, p.issued
            )));
        }
    }

    let built = build(config)?;
    let release_iri = config.minter.release(&version);
    let own = (
        format!("<{}> ", release_iri.as_str()),
        format!("<{}/", release_iri.as_str()),
    );
    if let Some(line) = built
        .lines
        .iter()
        .find(|l| l.starts_with(&own.0) || l.starts_with(&own.1))
    {
        return Err(usage(format!(
            "the inputs describe the release's own IRI, which only `release` may do: {}",
            line.trim_end()
        )));
    }
    if let Some(p) = previous {
        if p.graph_sha256 == built.graph_sha256 {
            return Err(Error::NoChanges {
                previous: p.version.clone(),
                graph_sha256: p.graph_sha256.clone(),
            });
        }
    }

    std::fs::create_dir_all(&exports).map_err(io(&exports))?;
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-release-")
        .tempdir_in(&exports)
        .map_err(io(&exports))?;
    let dir = tmp.path();
    let prefixes = pipeline::prefixes(config, &built.checked.ontology);
    export::write_turtle(
        &dir.join("facts.ttl"),
        &prefixes,
        export::data_lines(&built.lines, &built.checked),
    )?;
    export::write_facts_csv(
        &dir.join("facts.csv"),
        config,
        &built.checked,
        &built.fact_hashes,
    )?;
    write_sources_csv(&dir.join("sources.csv"), config, &built.checked)?;
    let metadata = dir.join("facts.csv-metadata.json");
    std::fs::write(&metadata, csvw_metadata(config, &version, &date)).map_err(io(&metadata))?;

    let new = Snapshot {
        name: version.clone(),
        issued: Some(date.clone()),
        graph_sha256: built.graph_sha256.clone(),
        triples: built.lines.len() as u64,
        facts: Table::read(&dir.join("facts.csv"))?,
        sources: Table::read(&dir.join("sources.csv"))?,
    };
    let changes = match previous {
        Some(p) => Some(diff::compare(&snapshot(&p.dir)?, &new)),
        None => None,
    };
    let changes_md = match &changes {
        Some(c) => c.markdown(),
        None => first_release_markdown(&new),
    };
    let changes_path = dir.join("CHANGES.md");
    std::fs::write(&changes_path, changes_md).map_err(io(&changes_path))?;

    let description = Description {
        release: release_iri.clone(),
        version: &version,
        date: &date,
        previous,
        graph_sha256: &built.graph_sha256,
        facts: built.checked.facts.len(),
        sources: built.checked.sources.len(),
        triples: built.lines.len(),
    };
    let mut files = [
        "CHANGES.md",
        "facts.csv",
        "facts.csv-metadata.json",
        "facts.ttl",
        "sources.csv",
    ]
    .iter()
    .map(|n| file_info(&dir.join(n)))
    .collect::<Result<Vec<_>>>()?;
    let mut lines = built.lines;
    lines.extend(
        description
            .quads(&files)
            .iter()
            .map(crate::graph::canonical_line),
    );
    lines.sort_unstable();
    lines.dedup();
    let nq = dir.join("graph.nq");
    export::write_lines(&nq, &lines)?;
    drop(lines);
    files.push(file_info(&nq)?);
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let mut release_prefixes = prefixes;
    release_prefixes.push(("dist".to_owned(), format!("{}/", release_iri.as_str())));
    export::write_turtle(
        &dir.join("release.ttl"),
        &release_prefixes,
        canonical_lines(description.quads(&files)).iter(),
    )?;
    files.push(file_info(&dir.join("release.ttl"))?);
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let sums: String = files
        .iter()
        .map(|f| format!("{}  {}\n", f.sha256, f.name))
        .collect();
    let sums_path = dir.join("SHA256SUMS");
    std::fs::write(&sums_path, sums).map_err(io(&sums_path))?;
    files.push(file_info(&sums_path)?);
    files.sort_by(|a, b| a.name.cmp(&b.name));
    sync_dir_files(dir)?;
    make_public(dir, true)?;

    pause_for_test(dir);
    // A non-empty directory is never replaced by rename(2): if another run published
    // this version meanwhile, the rename fails and ours is discarded.
    if dest.exists() {
        return Err(Error::ReleaseExists {
            version,
            path: dest,
        });
    }
    std::fs::rename(dir, &dest).map_err(|e| {
        if dest.exists() {
            Error::ReleaseExists {
                version: version.clone(),
                path: dest.clone(),
            }
        } else {
            Error::io(&dest, e)
        }
    })?;
    let _ = tmp.keep();
    if let Ok(d) = std::fs::File::open(&exports) {
        let _ = d.sync_all();
    }
    let info = read_info(&dest)?;
    let mut releases = releases;
    releases.push(info.clone());
    write_index(&exports, &releases)?;
    Ok(Released {
        info,
        files,
        changes,
    })
}

/// `CHANGES.md` of a first release: what it holds (there is nothing to compare with).
pub fn first_release_markdown(new: &Snapshot) -> String {
    let mut out = format!(
        "# {} ({}): first release\n\nNo previous release: {} fact(s) from {} source(s), all new.\n\n",
        new.name,
        new.issued.as_deref().unwrap_or(""),
        new.facts.rows.len(),
        new.sources.rows.len()
    );
    let side = diff::Side {
        name: new.name.clone(),
        issued: new.issued.clone(),
        graph_sha256: new.graph_sha256.clone(),
        facts: new.facts.rows.len(),
        sources: new.sources.rows.len(),
        triples: new.triples,
    };
    diff::summary_table(&mut out, &[&side]);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// Loads a release's `graph.nq` into a store for querying, with the prefixes its
/// ontology declared. In-memory builds parse `graph.nq` on every call; with the
/// `persistent` feature the store is kept under `.factgraph/store/release-<sha256 of
/// graph.nq>/` (the whole release graph, so two releases never share a store) and
/// reused.
pub fn open_store(config: &Config, dir: &Path) -> Result<Queryable> {
    let info = read_info(dir)?;
    let mut prefixes = info.prefixes.clone();
    for (name, ns) in pipeline::prefixes(config, &crate::ontology::Ontology::default()) {
        if !prefixes.iter().any(|(n, _)| *n == name) {
            prefixes.push((name, ns));
        }
    }
    let nq = dir.join("graph.nq");
    let key = || -> Result<String> {
        let hash = match info.files.get("graph.nq") {
            Some((_, sha256)) => sha256.clone(),
            None => crate::source::sha256_file(&nq).map_err(io(&nq))?,
        };
        Ok(format!("release-{hash}"))
    };
    pipeline::queryable(config, key, prefixes, |store| {
        crate::store::load_nquads(store, &nq)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date("2026-11-28").unwrap().to_string(), "2026-11-28");
        for bad in ["2026-2-3", "2026-02-30", "28/11/2026", ""] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(date_from_epoch("0").unwrap().to_string(), "1970-01-01");
        assert_eq!(
            date_from_epoch("1795910399").unwrap().to_string(),
            "2026-11-28"
        );
        assert!(date_from_epoch("yesterday").is_err());
    }

    #[test]
    fn versions_are_checked() {
        for ok in ["v1", "v10", "2026.1", "v1-rc.2"] {
            validate_version(ok).unwrap();
        }
        for bad in ["", "../v1", ".v1", "v 1", "latest", "working", "v1/x"] {
            assert!(validate_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn next_version_sorts_numerically() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(next_version(dir.path()).unwrap(), "v1");
        for v in ["v2", "v10", "v9", "2026.1", "vx"] {
            std::fs::create_dir(dir.path().join(v)).unwrap();
        }
        assert_eq!(next_version(dir.path()).unwrap(), "v11");
    }

    #[test]
    fn every_csv_column_is_described() {
        for c in export::FACTS_CSV_COLUMNS {
            assert!(facts_column(c).is_some(), "facts.csv column {c}");
        }
        for c in SOURCES_CSV_COLUMNS {
            assert!(sources_column(c).is_some(), "sources.csv column {c}");
        }
    }
}
