//! Writing the graph out: `facts.ttl`, `facts.csv`, `graph.nq`.
//!
//! Every writer sorts explicitly (never relying on store or hash-map order) and writes
//! to a buffered stream, so the same inputs give byte-identical files on any machine.
//! A set of files is written into a temporary directory beside its destination and
//! moved into place only when all of them are complete.

use crate::error::{Error, Result};
use crate::fact::Rank;
use crate::graph::canonical_line;
use crate::ontology::Ontology;
use crate::pipeline::{self, Checked, Config};
use crate::source::sha256_file;
use crate::vocab::iri;
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{Quad, Term};
use std::borrow::Borrow;
use std::collections::{BTreeMap, HashSet};
use std::io::{BufWriter, Read, Write};
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

/// Columns of the exported `facts.csv`.
pub const FACTS_CSV_COLUMNS: &[&str] = &[
    "fact_id",
    "fact_iri",
    "subject",
    "subject_label",
    "predicate",
    "predicate_label",
    "object",
    "object_label",
    "object_datatype",
    "object_language",
    "point_in_time",
    "start",
    "end",
    "qualifiers",
    "rank",
    "quote",
    "quote_start",
    "quote_end",
    "source_id",
    "source_title",
    "source_published",
    "source_url",
    "source_sha256",
    "fact_sha256",
    "note",
];

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

/// Checks and writes the three export files into `out`.
pub fn export(config: &Config, out: &Path) -> Result<Summary> {
    let checked = pipeline::checked(config)?;
    let (lines, hashes) = pipeline::canonical(config, &checked);
    let (files, triples, graph_sha256) = write_dir(out, |dir| {
        write_graph_files(dir, config, &checked, &hashes, &lines)
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
    let graph_sha256 = sha256_file(&nq).map_err(io(&nq))?;
    let files = [ttl, csv, nq]
        .iter()
        .map(|p| file_info(p))
        .collect::<Result<Vec<_>>>()?;
    Ok((files, lines.len(), graph_sha256))
}

/// The lines of the graph that are not the ontology's: what `facts.ttl` holds.
pub fn data_lines<'a>(
    lines: &'a [String],
    checked: &Checked,
) -> impl Iterator<Item = &'a String> + 'a {
    let ontology: HashSet<String> = checked.ontology.quads.iter().map(canonical_line).collect();
    lines.iter().filter(move |l| !ontology.contains(l.as_str()))
}

/// Quads as canonical N-Quads lines, sorted by bytes and without duplicates.
///
/// Computed from the built quads, not read back from a store: Oxigraph's store keeps
/// numbers and dates in a native encoding and gives them back with another datatype
/// (`"5"^^xsd:nonNegativeInteger` comes out as `"5"^^xsd:integer`), which would make
/// `graph.nq` disagree with `facts.ttl` and with the fact hashes.
pub fn canonical_lines<Q: Borrow<Quad>>(quads: impl IntoIterator<Item = Q>) -> Vec<String> {
    let mut lines: Vec<String> = quads
        .into_iter()
        .map(|q| canonical_line(q.borrow()))
        .collect();
    lines.sort_unstable();
    lines.dedup();
    lines
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

/// Writes sorted canonical lines.
pub fn write_lines(path: &Path, lines: &[String]) -> Result<()> {
    let file = std::fs::File::create(path).map_err(io(path))?;
    let mut w = BufWriter::new(file);
    for line in lines {
        w.write_all(line.as_bytes()).map_err(io(path))?;
    }
    w.flush().map_err(io(path))
}

/// Writes sorted canonical N-Quads lines (default graph) as Turtle with prefixes.
///
/// The lines are sorted, so the triples of one subject are consecutive and the
/// serializer groups them (`;` and `,`) while streaming: nothing is re-sorted or held.
pub fn write_turtle<'a>(
    path: &Path,
    prefixes: &[(String, String)],
    lines: impl Iterator<Item = &'a String>,
) -> Result<()> {
    let mut serializer = RdfSerializer::from_format(RdfFormat::Turtle);
    for (name, ns) in prefixes {
        serializer = serializer
            .with_prefix(name, ns)
            .map_err(|e| Error::Usage(format!("bad prefix {name}: {e}")))?;
    }
    let file = std::fs::File::create(path).map_err(io(path))?;
    let mut w = serializer.for_writer(BufWriter::new(file));
    let parser = RdfParser::from_format(RdfFormat::NQuads).for_reader(LinesReader::new(lines));
    for quad in parser {
        let quad = quad.map_err(|e| Error::Store(format!("re-reading canonical N-Quads: {e}")))?;
        w.serialize_quad(&quad).map_err(io(path))?;
    }
    w.finish().map_err(io(path))?.flush().map_err(io(path))
}

/// A `Read` over a sequence of lines, so a parser can stream them without a copy.
struct LinesReader<'a, I: Iterator<Item = &'a String>> {
    lines: I,
    current: &'a [u8],
}

impl<'a, I: Iterator<Item = &'a String>> LinesReader<'a, I> {
    fn new(lines: I) -> Self {
        Self {
            lines,
            current: &[],
        }
    }
}

impl<'a, I: Iterator<Item = &'a String>> Read for LinesReader<'a, I> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.lines.next() {
                Some(line) => self.current = line.as_bytes(),
                None => return Ok(0),
            }
        }
        let n = self.current.len().min(buf.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = &self.current[n..];
        Ok(n)
    }
}

fn term_value(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

fn label(ontology: &Ontology, term: &Term) -> String {
    match term {
        Term::NamedNode(n) => ontology.label(n).unwrap_or_default().to_owned(),
        _ => String::new(),
    }
}

/// Writes the facts table (columns [`FACTS_CSV_COLUMNS`], one row per fact, sorted by id).
pub fn write_facts_csv(
    path: &Path,
    config: &Config,
    checked: &Checked,
    fact_hashes: &BTreeMap<String, String>,
) -> Result<()> {
    let file = std::fs::File::create(path).map_err(io(path))?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::new(file));
    let csv_err = |e: csv::Error| Error::Usage(format!("{}: {e}", path.display()));
    w.write_record(FACTS_CSV_COLUMNS).map_err(csv_err)?;
    let ontology = &checked.ontology;
    let mut facts: Vec<_> = checked.facts.iter().collect();
    facts.sort_by(|a, b| a.fact.id.cmp(&b.fact.id));
    let fg = |l: &str| iri(crate::vocab::FG, l);
    for cited in facts {
        let f = &cited.fact;
        let source = &checked.sources[&f.source_id].source;
        let (datatype, language) = match &f.object {
            Term::Literal(l) => (
                if l.language().is_some() {
                    String::new()
                } else {
                    l.datatype().as_str().to_owned()
                },
                l.language().unwrap_or_default().to_owned(),
            ),
            _ => (String::new(), String::new()),
        };
        let time = |local: &str| {
            f.qualifiers
                .iter()
                .find(|(p, _)| *p == fg(local))
                .map(|(_, v)| term_value(v))
                .unwrap_or_default()
        };
        let others = f
            .qualifiers
            .iter()
            .filter(|(p, _)| ![fg("pointInTime"), fg("startTime"), fg("endTime")].contains(p))
            .map(|(p, v)| {
                let value = match v {
                    Term::NamedNode(n) => ontology.compact(n),
                    other => term_value(other),
                };
                format!("{}={value}", ontology.compact(p))
            })
            .collect::<Vec<_>>()
            .join("; ");
        let subject = Term::from(f.subject.clone());
        let predicate = Term::from(f.predicate.clone());
        let record = [
            f.id.clone(),
            config.minter.fact(&f.id).as_str().to_owned(),
            term_value(&subject),
            label(ontology, &subject),
            term_value(&predicate),
            label(ontology, &predicate),
            term_value(&f.object),
            label(ontology, &f.object),
            datatype,
            language,
            time("pointInTime"),
            time("startTime"),
            time("endTime"),
            others,
            match f.rank {
                Rank::Preferred => "preferred",
                Rank::Normal => "normal",
                Rank::Deprecated => "deprecated",
            }
            .to_owned(),
            f.quote.clone(),
            cited.quote.start.to_string(),
            cited.quote.end.to_string(),
            f.source_id.clone(),
            source.title.clone(),
            source.published.value().to_owned(),
            source
                .url
                .as_ref()
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default(),
            source.sha256.clone(),
            fact_hashes.get(&f.id).cloned().unwrap_or_default(),
            f.note.clone().unwrap_or_default(),
        ];
        w.write_record(&record).map_err(csv_err)?;
    }
    w.flush().map_err(io(path))
}

/// Runs `write` on a fresh temporary directory beside `out`, then moves what it wrote
/// into `out` (creating it if needed). On failure nothing is left behind: the
/// temporary directory is removed and `out` is untouched.
pub fn write_dir<T>(out: &Path, write: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let tmp = tempfile::Builder::new()
        .prefix(".factgraph-tmp-")
        .tempdir_in(&parent)
        .map_err(io(&parent))?;
    let value = write(tmp.path())?;
    if !out.exists() {
        let kept = tmp.keep();
        std::fs::rename(&kept, out).map_err(|e| {
            let _ = std::fs::remove_dir_all(&kept);
            Error::io(out, e)
        })?;
        return Ok(value);
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .map_err(io(tmp.path()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for from in entries {
        let to = out.join(from.file_name().unwrap_or_default());
        std::fs::rename(&from, &to).map_err(io(&to))?;
    }
    Ok(value)
}
