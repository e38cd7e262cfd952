//! Streaming `graph.nq` and `facts.ttl`: the data graph hash, the release description
//! and each fact's group of lines, hashed and dropped as the stream passes it.

use super::super::{Citation, Problem, Report};
use crate::error::{Error, Result};
use crate::verify::ProblemKind;
use crate::vocab::{FG, OA, PROV, RDF};
use oxigraph::io::{RdfFormat, RdfParser};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::Path;

/// A short digest of some text, to remember a fact in fixed space.
fn digest(text: &str) -> [u8; 16] {
    let full = Sha256::digest(text.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// What the graph says about each fact and source, in memory that does not grow with
/// the facts' text: 32 bytes a fact (plus their quotes with `--sources`).
#[derive(Debug, Default)]
pub(super) struct GraphFacts {
    /// Per fact: digests of its IRI and of its declared hash.
    pub(super) facts: Vec<([u8; 16], [u8; 16])>,
    /// Facts whose triples do not hash to their declared hash:
    /// (IRI, fact id, declared, computed).
    pub(super) mismatches: Vec<(String, String, String, String)>,
    /// Whether to keep `citations`.
    pub(super) keep_citations: bool,
    /// Facts to re-check against their sources (with `--sources`).
    pub(super) citations: Vec<(String, Citation)>,
    /// Facts citing each source IRI.
    pub(super) cited: BTreeMap<String, usize>,
    /// Source IRI → (source id, file, sha256).
    pub(super) sources: BTreeMap<String, (String, String, String)>,
    /// Each fact's IRI and Merkle leaf (its declared hash), when asked for: the tree's
    /// leaves in IRI order.
    pub(super) leaves: Option<super::leaves::Leaves>,
    /// Whether to record the sources and how many facts cite each (`sources`,
    /// `cited`): only `graph.nq`'s are reported.
    pub(super) describe_sources: bool,
    /// IRI digests whose names to record in `names`.
    pub(super) wanted: Option<std::collections::HashSet<[u8; 16]>>,
    /// IRI digest → (IRI, fact id), for the wanted ones.
    pub(super) names: BTreeMap<[u8; 16], (String, String)>,
}

impl GraphFacts {
    pub(super) fn new(
        keep_citations: bool,
        wanted: Option<std::collections::HashSet<[u8; 16]>>,
    ) -> Self {
        Self {
            keep_citations,
            wanted,
            ..Self::default()
        }
    }
}

pub(super) struct Scan {
    pub(super) graph_sha256: String,
    pub(super) description: BTreeSet<String>,
    pub(super) unsorted_at: Option<u64>,
    /// Lines that are not valid N-Quads (line number, parser message), the first few.
    pub(super) invalid: Vec<(u64, String)>,
    /// How many lines are not valid N-Quads.
    pub(super) invalid_count: u64,
}

/// How many invalid `graph.nq` lines are listed one by one (the rest are counted).
const INVALID_LINES_LISTED: usize = 10;

/// Parses one line as N-Quads: a canonical `graph.nq` holds exactly one quad a line.
fn parse_one_line(line: &str) -> std::result::Result<(), String> {
    let mut quads = RdfParser::from_format(RdfFormat::NQuads).for_slice(line.as_bytes());
    match (quads.next(), quads.next()) {
        (Some(Ok(_)), None) => Ok(()),
        (Some(Err(e)), _) => Err(e.to_string()),
        (None, _) => Err("an empty line".into()),
        (Some(Ok(_)), Some(_)) => Err("more than one quad on one line".into()),
    }
}

/// Opens a file of a release directory: a regular file in it, never a link or a FIFO
/// (those are reported by `check_files`).
pub(super) fn open_release_file(path: &Path) -> Result<std::fs::File> {
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::safe_read::open_in(dir, path).map_err(|e| Error::io(path, e))
}

/// The subject of a canonical line (`<…>`), if it is an IRI.
pub(super) fn subject(line: &str) -> Option<&str> {
    line.starts_with('<')
        .then(|| line.find("> ").map(|i| &line[..=i]))
        .flatten()
}

/// For a fact's part (`<F#annotation>`, `#target`, `#quote`, `#position`): its node
/// without the closing `>` (`<F`), borrowed from the subject.
pub(super) fn group_base(subject: &str) -> Option<&str> {
    let (base, part) = subject.rsplit_once('#')?;
    matches!(part, "annotation>" | "target>" | "quote>" | "position>").then_some(base)
}

/// Groups canonical lines by fact node as they stream past (sorted input), and hands
/// each complete group to [`GraphFacts::finish_group`].
#[derive(Default)]
pub(super) struct Grouper {
    /// Open groups by node without its closing `>` (`<F`), so that a line's group is
    /// found without building its name.
    open: HashMap<String, Vec<String>>,
    previous: String,
}

impl Grouper {
    fn push(&mut self, line: String, facts: &mut GraphFacts) {
        let Some(s) = subject(&line) else {
            return;
        };
        if self.previous != s {
            // `<P>`'s lines are contiguous and follow all of `<P#…>`'s.
            if !self.previous.is_empty() && group_base(&self.previous).is_none() {
                let key = &self.previous[..self.previous.len() - 1];
                if let Some(lines) = self.open.remove(key) {
                    facts.finish_group(&self.previous, lines);
                }
            }
            self.previous.clear();
            self.previous.push_str(s);
        }
        let key = group_base(s).unwrap_or(&s[..s.len() - 1]);
        match self.open.get_mut(key) {
            Some(lines) => lines.push(line),
            None => {
                let key = key.to_owned();
                self.open.insert(key, vec![line]);
            }
        }
    }

    fn finish(mut self, facts: &mut GraphFacts) {
        let mut rest: Vec<(String, Vec<String>)> = self
            .open
            .drain()
            .map(|(key, lines)| (format!("{key}>"), lines))
            .collect();
        rest.sort();
        for (group, lines) in rest {
            facts.finish_group(&group, lines);
        }
    }
}

/// Whether `line` is `<s> <p> ` followed by anything, `p` being `namespace` + `local`.
fn starts_triple(line: &str, s: &str, namespace: &str, local: &str) -> Option<usize> {
    let rest = line
        .strip_prefix(s)?
        .strip_prefix(" <")?
        .strip_prefix(namespace)?
        .strip_prefix(local)?
        .strip_prefix("> ")?;
    Some(line.len() - rest.len())
}

impl GraphFacts {
    pub(super) fn finish_group(&mut self, node: &str, lines: Vec<String>) {
        let is = |class: &str| {
            lines.iter().any(|l| {
                starts_triple(l, node, RDF, "type")
                    .and_then(|at| l[at..].strip_prefix('<'))
                    .and_then(|o| o.strip_prefix(FG))
                    .and_then(|o| o.strip_prefix(class))
                    == Some("> .\n")
            })
        };
        let iri = node.trim_start_matches('<').trim_end_matches('>');
        // The object of the line `<s> <p> …`, if any: a literal's value or an IRI.
        let value = |s: &str, namespace: &str, local: &str| -> Option<String> {
            lines
                .iter()
                .find_map(|l| starts_triple(l, s, namespace, local).map(|at| &l[at..]))
                .and_then(object_value)
        };
        if is("Fact") {
            let is_sha = |l: &str| {
                starts_triple(l, node, FG, "sha256").is_some_and(|at| l[at..].starts_with('"'))
            };
            let declared = value(node, FG, "sha256").unwrap_or_default();
            let mut description: Vec<&String> = lines.iter().filter(|l| !is_sha(l)).collect();
            description.sort_unstable();
            let computed = crate::hash::graph_sha256(&description);
            let fact_id = || value(node, FG, "factId").unwrap_or_else(|| iri.to_owned());
            let key = digest(iri);
            if self.wanted.as_ref().is_some_and(|w| w.contains(&key)) {
                self.names.insert(key, (iri.to_owned(), fact_id()));
            }
            if let Some(leaves) = self.leaves.as_mut() {
                let leaf = crate::merkle::parse_hex(&declared)
                    .or_else(|| crate::merkle::parse_hex(&computed))
                    .unwrap_or_default();
                leaves.push(iri, leaf);
            }
            if declared != computed {
                self.mismatches
                    .push((iri.to_owned(), fact_id(), declared.clone(), computed));
            }
            self.facts.push((key, digest(&declared)));
            let Some(source) = value(node, PROV, "wasDerivedFrom") else {
                return;
            };
            if !self.keep_citations {
                if self.describe_sources {
                    *self.cited.entry(source).or_default() += 1;
                }
                return;
            }
            let position = format!("<{iri}#position>");
            let number = |p: &str| value(&position, OA, p).and_then(|v| v.parse().ok());
            if let Some(quote) = value(&format!("<{iri}#quote>"), OA, "exact") {
                self.citations.push((
                    source.clone(),
                    Citation {
                        fact_id: fact_id(),
                        source_id: source,
                        quote,
                        recorded: number("start").zip(number("end")),
                    },
                ));
            }
        } else if self.describe_sources && is("SourceArticle") {
            let get = |p: &str| value(node, FG, p).unwrap_or_default();
            self.sources.insert(
                iri.to_owned(),
                (get("sourceId"), get("file"), get("sha256")),
            );
        }
    }
}

/// The value of the object that ends a canonical line (`<iri> .` or `"…"…`): the IRI,
/// or the literal's lexical form with N-Triples escapes undone.
fn object_value(rest: &str) -> Option<String> {
    if let Some(iri) = rest.strip_prefix('<') {
        return iri.split('>').next().map(str::to_owned);
    }
    // The lexical form ends at the first quote that is not escaped.
    let body = rest.strip_prefix('"')?.as_bytes();
    let mut i = 0;
    while *body.get(i)? != b'"' {
        i += if body[i] == b'\\' { 2 } else { 1 };
    }
    super::line::unescape(std::str::from_utf8(&body[..i]).ok()?)
}

/// Streams `graph.nq`: data graph hash, release description lines, fact groups.
pub(super) fn scan_graph_nq(
    path: &Path,
    release: Option<&str>,
    facts: &mut GraphFacts,
) -> Result<Scan> {
    let file = open_release_file(path)?;
    // Large reads: graph.nq is gigabytes at a million facts.
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut hasher = crate::hash::LinesHasher::default();
    let (mut invalid, mut invalid_count) = (Vec::new(), 0u64);
    let mut description = BTreeSet::new();
    let mut unsorted_at = None;
    let mut previous = String::new();
    let mut line = String::new();
    let mut number = 0u64;
    let mut grouper = Grouper::default();
    let mut checked = super::line::Checked::default();
    let rule = release.map(crate::release::describe::DescriptionLines::new);
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
        // Every line is parsed, not only the facts' lines: a tamperer who reseals the
        // checksums must not be able to publish a graph.nq that RDF tools reject.
        let body = line.strip_suffix('\n').unwrap_or(&line);
        if super::line::recognize(body, &mut checked).is_some() {
            // The canonical shape, certainly one valid quad.
        } else if let Err(message) = parse_one_line(&line) {
            invalid_count += 1;
            if invalid.len() < INVALID_LINES_LISTED {
                invalid.push((number, message));
            }
        }
        if rule.as_ref().is_some_and(|r| r.contains(&line)) {
            description.insert(line.clone());
            continue;
        }
        hasher.push(&line);
        grouper.push(line.clone(), facts);
    }
    grouper.finish(facts);
    Ok(Scan {
        graph_sha256: hasher.finish(),
        description,
        unsorted_at,
        invalid,
        invalid_count,
    })
}

/// Streams `facts.ttl` into fact groups (it is written sorted by subject).
pub(super) fn scan_turtle(
    path: &Path,
    facts: &mut GraphFacts,
    problems: &mut Vec<Problem>,
) -> Result<()> {
    if super::turtle::scan_in_pieces(path, facts)? {
        return Ok(());
    }
    let file = open_release_file(path)?;
    let mut grouper = Grouper::default();
    for quad in RdfParser::from_format(RdfFormat::Turtle).for_reader(std::io::BufReader::new(file))
    {
        match quad {
            Ok(q) => {
                // Sized for a typical line: `format!` would grow it several times.
                let mut line = String::with_capacity(192);
                let _ = writeln!(line, "{q} .");
                grouper.push(line, facts);
            }
            Err(e) => {
                problems.push(Problem::new(
                    ProblemKind::BadTurtle,
                    "facts.ttl",
                    e.to_string(),
                ));
                break;
            }
        }
    }
    grouper.finish(facts);
    Ok(())
}

/// The release description in `graph.nq` must be `release.ttl`'s, minus the triples
/// about `graph.nq` itself.
pub(super) fn compare_description(
    dir: &Path,
    info: &crate::release::ReleaseInfo,
    in_graph: &BTreeSet<String>,
    report: &mut Report,
) {
    let Ok(file) = open_release_file(&dir.join("release.ttl")) else {
        return;
    };
    let nq = format!("<{}/graph.nq", info.iri);
    // release.ttl also repeats the project's metadata (project.ttl), which graph.nq
    // holds as data; and byte sizes are in release.ttl only (see `is_byte_size`).
    // Releases made before either hold neither, so the comparison is the same for them.
    let own = crate::release::describe::DescriptionLines::new(&info.iri);
    let kept = |l: &String| own.contains(l) && !crate::release::describe::is_byte_size(l);
    let from_ttl: BTreeSet<String> = RdfParser::from_format(RdfFormat::Turtle)
        .for_reader(std::io::BufReader::new(file))
        .filter_map(std::result::Result::ok)
        .map(|q| crate::hash::canonical_line(&q))
        .filter(|l| !l.starts_with(&nq) && !l.contains(&format!(" {nq}> .")))
        .filter(kept)
        .collect();
    let in_graph: BTreeSet<String> = in_graph.iter().filter(|l| kept(l)).cloned().collect();
    let only_ttl = from_ttl.difference(&in_graph).count();
    let only_graph = in_graph.difference(&from_ttl).count();
    if only_ttl + only_graph > 0 {
        report.problems.push(Problem::new(
            ProblemKind::DescriptionMismatch,
            "release.ttl",
            format!(
                "release.ttl and the release description in graph.nq disagree ({only_ttl} triple(s) only in release.ttl, {only_graph} only in graph.nq)"
            ),
        ));
    }
}

pub(super) fn report_fact_hashes(
    file: &str,
    mismatches: &mut [(String, String, String, String)],
    report: &mut Report,
) {
    mismatches.sort();
    for (iri, id, declared, computed) in mismatches.iter() {
        report.problems.push(Problem::new(
            ProblemKind::FactHashMismatch,
            file,
            format!(
                "fact {id} <{iri}>: its triples hash to {computed}, but its fg:sha256 says {}; the fact was edited",
                if declared.is_empty() { "nothing" } else { declared }
            ),
        ));
    }
}

/// How a fact differs between graph.nq and facts.ttl.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Differs {
    OnlyInGraph,
    Hash,
    OnlyInTurtle,
}

/// The facts (by IRI digest) that are not the same in both files.
pub(super) fn differing_facts(
    graph: &mut Vec<([u8; 16], [u8; 16])>,
    ttl: &mut Vec<([u8; 16], [u8; 16])>,
) -> Vec<(Differs, [u8; 16])> {
    graph.sort_unstable();
    graph.dedup_by_key(|f| f.0);
    ttl.sort_unstable();
    ttl.dedup_by_key(|f| f.0);
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < graph.len() || j < ttl.len() {
        match (graph.get(i), ttl.get(j)) {
            (Some(g), Some(t)) if g.0 == t.0 => {
                if g.1 != t.1 {
                    out.push((Differs::Hash, g.0));
                }
                i += 1;
                j += 1;
            }
            (Some(g), Some(t)) if g.0 < t.0 => {
                out.push((Differs::OnlyInGraph, g.0));
                i += 1;
            }
            (Some(g), None) => {
                out.push((Differs::OnlyInGraph, g.0));
                i += 1;
            }
            (_, Some(t)) => {
                out.push((Differs::OnlyInTurtle, t.0));
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

pub(super) fn report_differing_facts(
    differ: &[(Differs, [u8; 16])],
    names: &BTreeMap<[u8; 16], (String, String)>,
    report: &mut Report,
) {
    let mut named: Vec<(Differs, &str, &str)> = differ
        .iter()
        .map(|(how, key)| {
            let (iri, id) = names
                .get(key)
                .map_or(("?", "?"), |(i, d)| (i.as_str(), d.as_str()));
            (*how, iri, id)
        })
        .collect();
    named.sort();
    for (how, iri, id) in named {
        let (file, message) = match how {
            Differs::OnlyInGraph => (
                "facts.ttl",
                format!("fact {id} <{iri}> is in graph.nq but not in facts.ttl"),
            ),
            Differs::Hash => (
                "facts.ttl",
                format!("fact {id} <{iri}> has another fg:sha256 in facts.ttl than in graph.nq"),
            ),
            Differs::OnlyInTurtle => (
                "graph.nq",
                format!("fact {id} <{iri}> is in facts.ttl but not in graph.nq"),
            ),
        };
        report
            .problems
            .push(Problem::new(ProblemKind::FactSetMismatch, file, message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_values_undo_n_triples_escapes() {
        assert_eq!(
            object_value("<https://x/y> .").as_deref(),
            Some("https://x/y")
        );
        assert_eq!(
            object_value(r#""a \"b\" \\ \u00e9\U0001F600\t" ."#).as_deref(),
            Some("a \"b\" \\ é😀\t")
        );
        assert_eq!(object_value(r#""caf\u00e9"@fr ."#).as_deref(), Some("café"));
        // Not an escape N-Triples allows, bad hex, an unterminated literal.
        assert_eq!(object_value(r#""a \x" ."#), None);
        assert_eq!(object_value(r#""\u00zz" ."#), None);
        assert_eq!(object_value(r#""open \" ."#), None);
    }

    /// Every line that is not valid N-Quads is reported with oxttl's message, whatever
    /// the fast path saw before it: a bad IRI where the same text stood valid (the IRI
    /// cache), in each position; bad escapes; bad language tags; a broken datatype.
    #[test]
    fn every_invalid_line_is_reported_with_the_parser_message() {
        let s = "<https://w3id.org/factgraph/fact/f1>";
        let p = "<https://w3id.org/factgraph/ontology#p>";
        let good = [
            format!("{s} {p} <https://example.org/o> .\n"),
            format!("{s} {p} \"a\\tb\\u00e9\"@en .\n"),
            format!("{s} {p} \"5\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n"),
        ];
        let bad = [
            format!("<https://w3id.org/factgraph/fact/f 1> {p} <https://example.org/o> .\n"),
            format!("{s} <https://w3id.org/factgraph/ontology#p q> <https://example.org/o> .\n"),
            format!("{s} {p} <https://example.org/o%zz> .\n"),
            format!("{s} {p} \"a\\qb\" .\n"),
            format!("{s} {p} \"a\\uD800\" .\n"),
            format!("{s} {p} \"a\\u12\" .\n"),
            format!("{s} {p} \"a\"@1en .\n"),
            format!("{s} {p} \"a\"@en--ltr .\n"),
            format!("{s} {p} \"a\"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#langString> .\n"),
            format!("{s} {p} \"a\"^^<not an iri> .\n"),
            format!("{s} {p} \"a\" <https://example.org/g> <https://example.org/h> .\n"),
            format!("{s} {p} \"a\r\" .\n"),
            "\n".to_owned(),
        ];
        // Good lines first, so that their IRIs are in the cache; then bad, then good.
        let mut lines: Vec<String> = good.to_vec();
        lines.extend(bad.iter().cloned());
        lines.extend(good.iter().cloned());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("graph.nq");
        std::fs::write(&path, lines.concat()).unwrap();
        let scan = scan_graph_nq(&path, None, &mut GraphFacts::default()).unwrap();
        let expected: Vec<(u64, String)> = bad
            .iter()
            .enumerate()
            .map(|(i, line)| {
                (
                    (good.len() + i + 1) as u64,
                    parse_one_line(line).unwrap_err(),
                )
            })
            .collect();
        assert_eq!(scan.invalid_count, bad.len() as u64);
        assert_eq!(scan.invalid, expected[..INVALID_LINES_LISTED].to_vec());
    }
}
