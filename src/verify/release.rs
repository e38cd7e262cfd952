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
//! 3. **Each fact.** A fact's content hash ([`crate::graph::fact_hash`]) is recomputed
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

use super::{classify, Citation, FactReport, FactStatus, Matcher, Problem, Report, SourceReport};
use super::{SourceStatus, Span};
use crate::error::{Error, Result};
use crate::quote::SourceText;
use crate::source::{hex, sha256_hex};
use crate::vocab::{FG, OA, PROV, RDF};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Quad, Term};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

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
                "bad-release-ttl",
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
        facts_hashed_graph_nq: 0,
        facts_hashed_facts_ttl: 0,
        files: Vec::new(),
    };
    check_files(dir, info.as_ref(), &mut details, &mut report)?;

    // The graph, streamed.
    let nq = dir.join("graph.nq");
    let mut graph = GraphFacts::default();
    if nq.is_file() {
        let release_iri = info.as_ref().map(|i| i.iri.clone());
        let scan = scan_graph_nq(&nq, release_iri.as_deref(), &mut graph)?;
        if let Some(line) = scan.unsorted_at {
            report.problems.push(Problem::new(
                "not-canonical",
                format!("graph.nq:{line}"),
                "lines are not sorted and unique; graph.nq is not in canonical form",
            ));
        }
        if let Some(info) = &info {
            details.computed_graph_sha256 = Some(scan.graph_sha256.clone());
            if scan.graph_sha256 != info.graph_sha256 {
                report.problems.push(Problem::new(
                    "graph-hash-mismatch",
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
    details.facts_hashed_graph_nq = graph.hashes.len();
    report_fact_hashes("graph.nq", &graph.hashes, &mut report);

    let ttl = dir.join("facts.ttl");
    if ttl.is_file() {
        let mut from_ttl = GraphFacts::default();
        scan_turtle(&ttl, &mut from_ttl, &mut report)?;
        details.facts_hashed_facts_ttl = from_ttl.hashes.len();
        report_fact_hashes("facts.ttl", &from_ttl.hashes, &mut report);
        compare_fact_sets(&graph.hashes, &from_ttl.hashes, &mut report);
    }

    check_quotes(&graph, sources, &mut report);
    report.release = Some(details);
    report.finish();
    Ok(report)
}

/// Hashes every file and compares with `SHA256SUMS` and `release.ttl`.
fn check_files(
    dir: &Path,
    info: Option<&crate::release::ReleaseInfo>,
    details: &mut ReleaseDetails,
    report: &mut Report,
) -> Result<()> {
    let mut present: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            report.problems.push(Problem::new(
                "extra-file",
                name,
                "a release holds no directories",
            ));
            continue;
        }
        let bytes = std::fs::metadata(&path)
            .map_err(|e| Error::io(&path, e))?
            .len();
        let sha = crate::source::sha256_file(&path).map_err(|e| Error::io(&path, e))?;
        present.insert(name, (bytes, sha));
    }
    let sums: Option<BTreeMap<String, String>> = match std::fs::read(dir.join("SHA256SUMS")) {
        Ok(bytes) => Some(parse_sums(&bytes, report)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(dir.join("SHA256SUMS"), e)),
    };
    let declared = info.map(|i| &i.files);
    let mut names: BTreeSet<String> = present.keys().cloned().collect();
    names.extend(sums.iter().flat_map(|s| s.keys().cloned()));
    names.extend(declared.iter().flat_map(|d| d.keys().cloned()));
    names.insert("SHA256SUMS".into());
    names.insert("release.ttl".into());
    for name in names {
        let actual = present.get(&name);
        let in_sums = sums.as_ref().and_then(|s| s.get(&name)).cloned();
        let in_ttl = declared.and_then(|d| d.get(&name)).cloned();
        let mut check = FileCheck {
            name: name.clone(),
            status: FileStatus::Ok,
            sha256sums: in_sums.clone(),
            declared_sha256: in_ttl.as_ref().map(|t| t.1.clone()),
            declared_bytes: in_ttl.as_ref().map(|t| t.0),
            actual_sha256: actual.map(|a| a.1.clone()),
            actual_bytes: actual.map(|a| a.0),
        };
        let expected_by_sums = name != "SHA256SUMS";
        let expected_by_ttl = name != "SHA256SUMS" && name != "release.ttl";
        let Some((bytes, sha)) = actual else {
            check.status = FileStatus::Missing;
            report.problems.push(Problem::new(
                "missing-file",
                name.as_str(),
                "the file is missing from the release",
            ));
            details.files.push(check);
            continue;
        };
        if (sums.is_none() || !expected_by_sums || in_sums.is_none())
            && (info.is_none() || !expected_by_ttl || in_ttl.is_none())
            && name != "SHA256SUMS"
            && name != "release.ttl"
        {
            check.status = FileStatus::Extra;
            report.problems.push(Problem::new(
                "extra-file",
                name.as_str(),
                "neither SHA256SUMS nor release.ttl lists this file",
            ));
            details.files.push(check);
            continue;
        }
        if sums.is_some() && expected_by_sums && in_sums.is_none() {
            report.problems.push(Problem::new(
                "undeclared-file",
                "SHA256SUMS",
                format!("{name} is not listed"),
            ));
        }
        if info.is_some() && expected_by_ttl && in_ttl.is_none() {
            report.problems.push(Problem::new(
                "undeclared-file",
                "release.ttl",
                format!("{name} has no dcat:distribution"),
            ));
        }
        if let Some(expected) = &in_sums {
            if expected != sha {
                check.status = FileStatus::Changed;
                report.problems.push(Problem::new(
                    "hash-mismatch",
                    name.as_str(),
                    format!("sha256 is {sha}, SHA256SUMS says {expected}"),
                ));
            }
        }
        if let Some((declared_bytes, declared_sha)) = &in_ttl {
            if declared_bytes != bytes {
                check.status = FileStatus::Changed;
                report.problems.push(Problem::new(
                    "size-mismatch",
                    name.as_str(),
                    format!("{bytes} bytes, release.ttl declares dcat:byteSize {declared_bytes}"),
                ));
            }
            if declared_sha != sha {
                check.status = FileStatus::Changed;
                report.problems.push(Problem::new(
                    "hash-mismatch",
                    name.as_str(),
                    format!("sha256 is {sha}, release.ttl declares {declared_sha}"),
                ));
            }
        }
        details.files.push(check);
    }
    if sums.is_none() {
        report.problems.push(Problem::new(
            "missing-file",
            "SHA256SUMS",
            "the release has no SHA256SUMS",
        ));
    }
    Ok(())
}

/// `sha256sum` output: `<hex>  <name>` (or `<hex> *<name>`) per line.
fn parse_sums(bytes: &[u8], report: &mut Report) -> BTreeMap<String, String> {
    let mut sums = BTreeMap::new();
    for (i, line) in String::from_utf8_lossy(bytes).lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line.split_once(' ').and_then(|(hash, rest)| {
            let name = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('*'))?;
            (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| (name.to_owned(), hash.to_ascii_lowercase()))
        });
        match parsed {
            Some((name, hash)) => {
                sums.insert(name, hash);
            }
            None => report.problems.push(Problem::new(
                "bad-sha256sums",
                format!("SHA256SUMS:{}", i + 1),
                "not a `<sha256>  <file>` line",
            )),
        }
    }
    sums
}

/// What the graph says about each fact and source.
#[derive(Debug, Default)]
struct GraphFacts {
    /// Fact IRI → (fact id, declared hash, recomputed hash).
    hashes: BTreeMap<String, (String, String, String)>,
    /// Facts to re-check against their sources.
    citations: Vec<(String, Citation)>,
    /// Source IRI → (source id, file, sha256).
    sources: BTreeMap<String, (String, String, String)>,
}

struct Scan {
    graph_sha256: String,
    description: BTreeSet<String>,
    unsorted_at: Option<u64>,
}

/// The subject of a canonical line (`<…>`), if it is an IRI.
fn subject(line: &str) -> Option<&str> {
    line.starts_with('<')
        .then(|| line.find("> ").map(|i| &line[..=i]))
        .flatten()
}

/// For a fact's part (`<F#annotation>`, `#target`, `#quote`, `#position`): `<F>`.
fn group_of(subject: &str) -> Option<String> {
    let (base, part) = subject.rsplit_once('#')?;
    matches!(part, "annotation>" | "target>" | "quote>" | "position>").then(|| format!("{base}>"))
}

/// Groups canonical lines by fact node as they stream past (sorted input), and hands
/// each complete group to [`GraphFacts::finish_group`].
#[derive(Default)]
struct Grouper {
    open: HashMap<String, Vec<String>>,
    previous: Option<String>,
}

impl Grouper {
    fn push(&mut self, line: String, facts: &mut GraphFacts) {
        let Some(s) = subject(&line).map(str::to_owned) else {
            return;
        };
        if self.previous.as_deref() != Some(s.as_str()) {
            if let Some(previous) = self.previous.take() {
                // `<P>`'s lines are contiguous and follow all of `<P#…>`'s.
                if group_of(&previous).is_none() {
                    if let Some(lines) = self.open.remove(&previous) {
                        facts.finish_group(&previous, lines);
                    }
                }
            }
            self.previous = Some(s.clone());
        }
        let group = group_of(&s).unwrap_or(s);
        self.open.entry(group).or_default().push(line);
    }

    fn finish(mut self, facts: &mut GraphFacts) {
        let mut rest: Vec<(String, Vec<String>)> = self.open.drain().collect();
        rest.sort();
        for (group, lines) in rest {
            facts.finish_group(&group, lines);
        }
    }
}

impl GraphFacts {
    fn finish_group(&mut self, node: &str, lines: Vec<String>) {
        let is = |class: &str| {
            let typed = format!("{node} <{RDF}type> <{FG}{class}> .\n");
            lines.contains(&typed)
        };
        if is("Fact") {
            let sha_prefix = format!("{node} <{FG}sha256> \"");
            let declared = lines
                .iter()
                .find_map(|l| l.strip_prefix(&sha_prefix))
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_default()
                .to_owned();
            let mut description: Vec<&String> = lines
                .iter()
                .filter(|l| !l.starts_with(&sha_prefix))
                .collect();
            description.sort_unstable();
            let mut hasher = Sha256::new();
            for l in &description {
                hasher.update(l.as_bytes());
            }
            let computed = hex(&hasher.finalize());
            let quads = parse_lines(&lines);
            let iri = node.trim_start_matches('<').trim_end_matches('>');
            let value = |s: &str, p: String| -> Option<String> {
                let s = s.trim_start_matches('<').trim_end_matches('>');
                quads.iter().find_map(|q| {
                    let subject = match &q.subject {
                        oxigraph::model::NamedOrBlankNode::NamedNode(n) => n.as_str(),
                        _ => "",
                    };
                    (subject == s && q.predicate.as_str() == p).then(|| match &q.object {
                        Term::Literal(l) => l.value().to_owned(),
                        Term::NamedNode(n) => n.as_str().to_owned(),
                        other => other.to_string(),
                    })
                })
            };
            let fact_id = value(node, format!("{FG}factId")).unwrap_or_else(|| iri.to_owned());
            let position = format!("<{iri}#position>");
            let number =
                |p: &str| value(&position, format!("{OA}{p}")).and_then(|v| v.parse().ok());
            if let (Some(source), Some(quote)) = (
                value(node, format!("{PROV}wasDerivedFrom")),
                value(&format!("<{iri}#quote>"), format!("{OA}exact")),
            ) {
                self.citations.push((
                    source.clone(),
                    Citation {
                        fact_id: fact_id.clone(),
                        source_id: source,
                        quote,
                        recorded: number("start").zip(number("end")),
                    },
                ));
            }
            self.hashes
                .insert(iri.to_owned(), (fact_id, declared, computed));
        } else if is("SourceArticle") {
            let quads = parse_lines(&lines);
            let value = |p: &str| {
                quads.iter().find_map(|q| match &q.object {
                    Term::Literal(l) if q.predicate.as_str() == format!("{FG}{p}") => {
                        Some(l.value().to_owned())
                    }
                    _ => None,
                })
            };
            let iri = node.trim_start_matches('<').trim_end_matches('>');
            self.sources.insert(
                iri.to_owned(),
                (
                    value("sourceId").unwrap_or_default(),
                    value("file").unwrap_or_default(),
                    value("sha256").unwrap_or_default(),
                ),
            );
        }
    }
}

fn parse_lines(lines: &[String]) -> Vec<Quad> {
    RdfParser::from_format(RdfFormat::NQuads)
        .for_slice(lines.concat().as_bytes())
        .filter_map(std::result::Result::ok)
        .collect()
}

/// Streams `graph.nq`: data graph hash, release description lines, fact groups.
fn scan_graph_nq(path: &Path, release: Option<&str>, facts: &mut GraphFacts) -> Result<Scan> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = std::io::BufReader::new(file);
    let mut hasher = Sha256::new();
    let mut description = BTreeSet::new();
    let mut unsorted_at = None;
    let mut previous = String::new();
    let mut line = String::new();
    let mut number = 0u64;
    let mut grouper = Grouper::default();
    let (exact, under) = match release {
        Some(r) => (format!("<{r}> "), format!("<{r}/")),
        None => (String::from("\0"), String::from("\0")),
    };
    loop {
        line.clear();
        let n = reader
            .read_line(&mut line)
            .map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        number += 1;
        if !line.ends_with('\n') {
            line.push('\n');
        }
        if unsorted_at.is_none() && number > 1 && line <= previous {
            unsorted_at = Some(number);
        }
        previous.clone_from(&line);
        if line.starts_with(&exact) || line.starts_with(&under) {
            description.insert(line.clone());
            continue;
        }
        hasher.update(line.as_bytes());
        grouper.push(line.clone(), facts);
    }
    grouper.finish(facts);
    Ok(Scan {
        graph_sha256: hex(&hasher.finalize()),
        description,
        unsorted_at,
    })
}

/// Streams `facts.ttl` into fact groups (it is written sorted by subject).
fn scan_turtle(path: &Path, facts: &mut GraphFacts, report: &mut Report) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut grouper = Grouper::default();
    for quad in RdfParser::from_format(RdfFormat::Turtle).for_reader(std::io::BufReader::new(file))
    {
        match quad {
            Ok(q) => grouper.push(crate::graph::canonical_line(&q), facts),
            Err(e) => {
                report
                    .problems
                    .push(Problem::new("bad-turtle", "facts.ttl", e.to_string()));
                break;
            }
        }
    }
    grouper.finish(facts);
    Ok(())
}

/// The release description in `graph.nq` must be `release.ttl`'s, minus the triples
/// about `graph.nq` itself.
fn compare_description(
    dir: &Path,
    info: &crate::release::ReleaseInfo,
    in_graph: &BTreeSet<String>,
    report: &mut Report,
) {
    let Ok(file) = std::fs::File::open(dir.join("release.ttl")) else {
        return;
    };
    let nq = format!("<{}/graph.nq", info.iri);
    let from_ttl: BTreeSet<String> = RdfParser::from_format(RdfFormat::Turtle)
        .for_reader(std::io::BufReader::new(file))
        .filter_map(std::result::Result::ok)
        .map(|q| crate::graph::canonical_line(&q))
        .filter(|l| !l.starts_with(&nq) && !l.contains(&format!(" {nq}> .")))
        .collect();
    let only_ttl = from_ttl.difference(in_graph).count();
    let only_graph = in_graph.difference(&from_ttl).count();
    if only_ttl + only_graph > 0 {
        report.problems.push(Problem::new(
            "description-mismatch",
            "release.ttl",
            format!(
                "release.ttl and the release description in graph.nq disagree ({only_ttl} triple(s) only in release.ttl, {only_graph} only in graph.nq)"
            ),
        ));
    }
}

fn report_fact_hashes(
    file: &str,
    hashes: &BTreeMap<String, (String, String, String)>,
    report: &mut Report,
) {
    for (iri, (id, declared, computed)) in hashes {
        if declared != computed {
            report.problems.push(Problem::new(
                "fact-hash-mismatch",
                file,
                format!(
                    "fact {id} <{iri}>: its triples hash to {computed}, but its fg:sha256 says {}; the fact was edited",
                    if declared.is_empty() { "nothing" } else { declared }
                ),
            ));
        }
    }
}

fn compare_fact_sets(
    graph: &BTreeMap<String, (String, String, String)>,
    ttl: &BTreeMap<String, (String, String, String)>,
    report: &mut Report,
) {
    for (iri, (id, declared, _)) in graph {
        match ttl.get(iri) {
            None => report.problems.push(Problem::new(
                "fact-set-mismatch",
                "facts.ttl",
                format!("fact {id} <{iri}> is in graph.nq but not in facts.ttl"),
            )),
            Some((_, other, _)) if other != declared => report.problems.push(Problem::new(
                "fact-set-mismatch",
                "facts.ttl",
                format!("fact {id} has fg:sha256 {other} in facts.ttl but {declared} in graph.nq"),
            )),
            Some(_) => {}
        }
    }
    for (iri, (id, _, _)) in ttl {
        if !graph.contains_key(iri) {
            report.problems.push(Problem::new(
                "fact-set-mismatch",
                "graph.nq",
                format!("fact {id} <{iri}> is in facts.ttl but not in graph.nq"),
            ));
        }
    }
}

/// Finds a source file under `dir`: at its recorded path, else by its file name.
fn find_source(dir: &Path, file: &str) -> Option<PathBuf> {
    let at = dir.join(file);
    if at.is_file() {
        return Some(at);
    }
    let name = Path::new(file).file_name()?;
    Some(dir.join(name)).filter(|p| p.is_file())
}

/// Re-checks every quote whose source file is at hand.
fn check_quotes(graph: &GraphFacts, sources: Option<&Path>, report: &mut Report) {
    let mut texts: BTreeMap<&str, (SourceText, bool)> = BTreeMap::new();
    let mut cited: BTreeMap<&str, (usize, Vec<String>)> = BTreeMap::new();
    for (iri, (id, file, sha256)) in &graph.sources {
        let mut source = SourceReport {
            source_id: id.clone(),
            file: file.clone(),
            status: SourceStatus::NotChecked,
            expected_sha256: sha256.clone(),
            actual_sha256: None,
            facts: 0,
            broken: Vec::new(),
            message: String::new(),
        };
        match sources.map(|dir| (dir, find_source(dir, file))) {
            None => {}
            Some((dir, None)) => report.warnings.push(Problem::new(
                "source-not-at-hand",
                dir.display().to_string(),
                format!(
                    "source `{id}` ({file}) is not in this directory; its quotes are not checked"
                ),
            )),
            Some((_, Some(path))) => match std::fs::read(&path) {
                Ok(bytes) => {
                    let actual = sha256_hex(&bytes);
                    let changed = actual != *sha256;
                    source.status = if changed {
                        SourceStatus::Changed
                    } else {
                        SourceStatus::Ok
                    };
                    source.actual_sha256 = Some(actual);
                    match String::from_utf8(bytes) {
                        Ok(text) => {
                            texts.insert(iri.as_str(), (SourceText::new(text), changed));
                        }
                        Err(_) => {
                            source.status = SourceStatus::Unreadable;
                            source.message = format!("{} is not UTF-8", path.display());
                        }
                    }
                }
                Err(e) => {
                    source.status = SourceStatus::Unreadable;
                    source.message = format!("{}: {e}", path.display());
                }
            },
        }
        report.sources.push(source);
    }
    let mut matchers: HashMap<&str, (Matcher<'_>, bool)> = texts
        .iter()
        .map(|(iri, (text, changed))| (*iri, (Matcher::new(text), *changed)))
        .collect();
    for (source_iri, citation) in &graph.citations {
        let entry = cited.entry(source_iri.as_str()).or_default();
        entry.0 += 1;
        let mut fact = match matchers.get_mut(source_iri.as_str()) {
            Some((matcher, changed)) => classify(matcher, citation, *changed),
            None => FactReport {
                fact_id: citation.fact_id.clone(),
                line: None,
                source_id: citation.source_id.clone(),
                status: FactStatus::NotChecked,
                quote: citation.quote.clone(),
                expected: citation.recorded.map(Span::from),
                occurrences: Vec::new(),
                moved_to: None,
                drift: None,
                source_changed: false,
                fixed: false,
                message: "source file not at hand".into(),
            },
        };
        if let Some((id, _, _)) = graph.sources.get(source_iri) {
            fact.source_id.clone_from(id);
        }
        if !matches!(fact.status, FactStatus::Ok | FactStatus::NotChecked) {
            entry.1.push(fact.fact_id.clone());
        }
        report.add_fact(fact);
    }
    for s in &mut report.sources {
        let iri = graph
            .sources
            .iter()
            .find(|(_, v)| v.0 == s.source_id)
            .map(|(k, _)| k.as_str());
        if let Some((count, broken)) = iri.and_then(|i| cited.remove(i)) {
            s.facts = count;
            s.broken = broken;
        }
        if s.status == SourceStatus::Changed {
            s.message = format!(
                "sha256 is now {}, the release records {}; {} of its {} fact(s) no longer match",
                s.actual_sha256.as_deref().unwrap_or_default(),
                s.expected_sha256,
                s.broken.len(),
                s.facts
            );
        }
    }
}

/// Cites a fact as published in a release: the release's metadata and `graph.nq`.
pub fn read_for_cite(dir: &Path) -> Result<(crate::release::ReleaseInfo, Vec<Quad>)> {
    let info = crate::release::read_info(dir)?;
    let nq = dir.join("graph.nq");
    let file = std::fs::File::open(&nq).map_err(|e| Error::io(&nq, e))?;
    let quads = RdfParser::from_format(RdfFormat::NQuads)
        .for_reader(std::io::BufReader::new(file))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Usage(format!("{}: {e}", nq.display())))?;
    Ok((info, quads))
}
