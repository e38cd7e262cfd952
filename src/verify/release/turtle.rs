//! `facts.ttl` parsed in pieces on every core, with proof that the pieces add up to
//! what one parse of the whole file gives.
//!
//! A Turtle parse of a large `facts.ttl` is the longest single job of `verify`. The
//! file is read a window at a time; each window is cut into pieces where a statement
//! seems to end (` .` at the end of a line, the next line starting a subject), and the
//! pieces are parsed side by side, each grouping its triples by fact as
//! [`super::graph::Grouper`] does and hashing the groups it completes.
//!
//! # Why the result is the sequential one
//! A cut could fall inside a long string, a later directive could change a prefix, and
//! a hostile file need not be sorted; so the pieces are only trusted when:
//! - every piece parses **without any error** to its end (a cut inside a statement or
//!   a string leaves the piece before it unfinished, which is an error);
//! - every piece starts with the prefixes and base that the first piece ends with
//!   (written as directives before it) and **ends with them unchanged**, so each
//!   piece is parsed in the environment the whole-file parse would have there;
//! - subjects are **strictly increasing** from one run to the next, within and across
//!   pieces (as `export` writes them). Then each node's own lines are one run in one
//!   piece, and a group (the node and its `#annotation`, `#target`, `#quote` and
//!   `#position` parts, which sort before it) is complete once that run ends; a piece
//!   hands over, unhashed, any group whose parts may lie in an earlier piece (those
//!   whose parts sort before the piece's first subject) and the groups still open at
//!   its end, and these are joined in order.
//!
//! Otherwise nothing of the pieces is used and the file is parsed once from the start,
//! as before, with the same verdicts and messages.

use super::graph::{open_release_file, subject, GraphFacts};
use crate::error::{Error, Result};
use oxigraph::io::{RdfFormat, RdfParser};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

/// Bytes read at a time, and the number of pieces a window is cut into.
const WINDOW: usize = 8 << 20;
const PIECES: usize = 8;

/// Below this size the file is parsed in one go: pieces would not pay.
const SMALL: u64 = 4 << 20;

/// The prefixes (sorted) and base in force at a point of the file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Environment {
    prefixes: Vec<(String, String)>,
    base: Option<String>,
}

impl Environment {
    /// Directives that set this environment, to put before a piece.
    fn directives(&self) -> String {
        let mut out = String::new();
        if let Some(base) = &self.base {
            let _ = writeln!(out, "@base <{base}> .");
        }
        for (name, iri) in &self.prefixes {
            let _ = writeln!(out, "@prefix {name}: <{iri}> .");
        }
        out
    }
}

/// What a piece found.
#[derive(Default)]
struct Piece {
    facts: GraphFacts,
    /// Groups completed here whose parts may lie in an earlier piece: (node without
    /// its closing `>`, lines).
    handed_over: Vec<(String, Vec<String>)>,
    /// Groups still open at the end of the piece.
    open: Vec<(String, Vec<String>)>,
    first: Option<String>,
    last: Option<String>,
    /// False when the piece gives no proof (see the module doc).
    sound: bool,
    environment: Environment,
}

/// Parses and groups one piece; `environment` is `None` for the first piece of the file.
fn run_piece(bytes: &[u8], environment: Option<&Environment>) -> Piece {
    let mut piece = Piece {
        sound: true,
        ..Piece::default()
    };
    let text;
    let input: &[u8] = match environment {
        Some(e) => {
            let mut t = e.directives().into_bytes();
            t.extend_from_slice(bytes);
            text = t;
            &text
        }
        None => bytes,
    };
    let mut open: HashMap<String, Vec<String>> = HashMap::new();
    let mut previous = String::new();
    let mut parser = RdfParser::from_format(RdfFormat::Turtle).for_slice(input);
    let finish = |node: &str, open: &mut HashMap<String, Vec<String>>, piece: &mut Piece| {
        if super::graph::group_base(node).is_some() {
            return;
        }
        let key = &node[..node.len() - 1];
        let Some(lines) = open.remove(key) else {
            return;
        };
        let first = piece.first.as_deref().unwrap_or_default();
        // `<K#…` sorts before the piece's first subject: a part of K may have come in
        // an earlier piece.
        let early = [key.as_bytes(), b"#"].concat().as_slice() < first.as_bytes();
        if early {
            piece.handed_over.push((key.to_owned(), lines));
        } else {
            piece.facts.finish_group(node, lines);
        }
    };
    for triple in parser.by_ref() {
        let Ok(triple) = triple else {
            piece.sound = false;
            return piece;
        };
        let mut line = String::with_capacity(192);
        let _ = writeln!(line, "{triple} .");
        let Some(s) = subject(&line) else {
            continue;
        };
        if previous != s {
            if previous.is_empty() {
                piece.first = Some(s.to_owned());
            } else {
                if s < previous.as_str() {
                    piece.sound = false;
                    return piece;
                }
                finish(&previous, &mut open, &mut piece);
            }
            previous.clear();
            previous.push_str(s);
        }
        let key = super::graph::group_base(s).unwrap_or(&s[..s.len() - 1]);
        match open.get_mut(key) {
            Some(lines) => lines.push(line),
            None => {
                open.insert(key.to_owned(), vec![line]);
            }
        }
    }
    piece.environment = Environment {
        prefixes: {
            let mut p: Vec<(String, String)> = parser
                .prefixes()
                .map(|(n, i)| (n.to_owned(), i.to_owned()))
                .collect();
            p.sort();
            p
        },
        base: parser.base_iri().map(str::to_owned),
    };
    if !previous.is_empty() {
        finish(&previous, &mut open, &mut piece);
        piece.last = Some(previous);
    }
    piece.open = open.into_iter().collect();
    piece
}

/// Where to cut `bytes` near `at`: just after a line that ends a statement (` .`)
/// when the next line starts a subject.
fn cut_near(bytes: &[u8], at: usize) -> Option<usize> {
    let mut from = at;
    loop {
        let found = memchr_dot_line(bytes.get(from..)?)?;
        let cut = from + found + 3;
        match bytes.get(cut) {
            None => return None,
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'#') => from = cut,
            Some(_) => return Some(cut),
        }
    }
}

/// The last place where [`cut_near`] could cut.
fn last_cut(bytes: &[u8]) -> Option<usize> {
    let mut end = bytes.len();
    loop {
        let found = bytes[..end].windows(3).rposition(|w| w == b" .\n")?;
        let cut = found + 3;
        if bytes
            .get(cut)
            .is_some_and(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'#'))
        {
            return Some(cut);
        }
        end = found + 2;
    }
}

/// The offset of the next ` .\n`.
fn memchr_dot_line(bytes: &[u8]) -> Option<usize> {
    bytes.windows(3).position(|w| w == b" .\n")
}

/// The joining of pieces, in file order.
struct Joiner {
    facts: GraphFacts,
    carried: HashMap<String, Vec<String>>,
    last: Option<String>,
    environment: Option<Environment>,
}

impl Joiner {
    /// Adds the next piece; false when it breaks the proof.
    fn join(&mut self, piece: Piece) -> bool {
        if !piece.sound {
            return false;
        }
        match &self.environment {
            None => self.environment = Some(piece.environment.clone()),
            Some(e) if *e != piece.environment => return false,
            Some(_) => {}
        }
        if let (Some(last), Some(first)) = (&self.last, &piece.first) {
            if first <= last {
                return false;
            }
        }
        if piece.last.is_some() {
            self.last = piece.last;
        }
        append(&mut self.facts.facts, piece.facts.facts);
        self.facts.mismatches.extend(piece.facts.mismatches);
        for (key, lines) in piece.handed_over {
            let mut all = self.carried.remove(&key).unwrap_or_default();
            all.extend(lines);
            self.facts.finish_group(&format!("{key}>"), all);
        }
        for (key, lines) in piece.open {
            self.carried.entry(key).or_default().extend(lines);
        }
        true
    }

    fn finish(mut self) -> GraphFacts {
        let mut rest: Vec<(String, Vec<String>)> = self
            .carried
            .drain()
            .map(|(key, lines)| (format!("{key}>"), lines))
            .collect();
        rest.sort();
        for (node, lines) in rest {
            self.facts.finish_group(&node, lines);
        }
        self.facts
    }
}

/// Appends `more` to `to`, moving rather than copying into an empty `to`: the facts'
/// digests are tens of megabytes at a million facts.
fn append<T>(to: &mut Vec<T>, mut more: Vec<T>) {
    if to.is_empty() {
        std::mem::swap(to, &mut more);
    } else {
        to.append(&mut more);
    }
}

/// Parses `facts.ttl` in pieces into `facts`; `Ok(false)` (and `facts` untouched) when
/// the pieces give no proof, or the file is small, or `facts` wants more than fact
/// hashes: then the caller parses the whole file at once.
pub(super) fn scan_in_pieces(path: &Path, facts: &mut GraphFacts) -> Result<bool> {
    if facts.keep_citations
        || facts.describe_sources
        || facts.leaves.is_some()
        || facts.wanted.is_some()
    {
        return Ok(false);
    }
    let file = open_release_file(path)?;
    if file.metadata().map_err(|e| Error::io(path, e))?.len() < SMALL {
        return Ok(false);
    }
    let joined = pieces(file, WINDOW, PIECES).map_err(|e| Error::io(path, e))?;
    Ok(match joined {
        Some(found) => {
            append(&mut facts.facts, found.facts);
            facts.mismatches.extend(found.mismatches);
            true
        }
        None => false,
    })
}

/// Reads `input` a window at a time, cut into `pieces` pieces each parsed on its own;
/// `None` when they give no proof.
fn pieces(
    mut input: impl Read,
    window: usize,
    pieces: usize,
) -> std::io::Result<Option<GraphFacts>> {
    use rayon::prelude::*;
    let mut joiner = Joiner {
        facts: GraphFacts::default(),
        carried: HashMap::new(),
        last: None,
        environment: None,
    };
    let mut pending: Vec<u8> = Vec::new();
    let mut ended = false;
    while !ended || !pending.is_empty() {
        // Fill the window.
        let target = window.max(pending.len() + 1);
        while !ended && pending.len() < target {
            let start = pending.len();
            pending.resize(target, 0);
            let n = input.read(&mut pending[start..])?;
            pending.truncate(start + n);
            ended = n == 0;
        }
        // Cut it: the first piece of the file is parsed alone, to learn the prefixes.
        let first = joiner.environment.is_none();
        let count = if first { 1 } else { pieces };
        let step = (pending.len() / pieces).max(1);
        let mut cuts = Vec::new();
        let mut from = 0;
        for _ in 1..count {
            match cut_near(&pending, from + step) {
                Some(cut) => {
                    cuts.push(cut);
                    from = cut;
                }
                None => break,
            }
        }
        // The rest of the window up to its last statement end, or to the end of the file.
        if ended {
            cuts.push(pending.len());
        } else if let Some(cut) = last_cut(&pending).filter(|c| *c > from) {
            cuts.push(cut);
        }
        cuts.dedup();
        if cuts.is_empty() {
            if ended {
                return Ok(None);
            }
            // No statement end in a whole window: read more (a huge statement), up to
            // a bound, beyond which the whole-file parse is left to do it.
            if pending.len() > 8 * window {
                return Ok(None);
            }
            let grow = pending.len() * 2;
            let start = pending.len();
            pending.resize(grow, 0);
            let n = input.read(&mut pending[start..])?;
            pending.truncate(start + n);
            ended = n == 0;
            continue;
        }
        let mut bounds = Vec::with_capacity(cuts.len());
        let mut start = 0;
        for cut in &cuts {
            bounds.push((start, *cut));
            start = *cut;
        }
        let environment = joiner.environment.clone();
        let found: Vec<Piece> = bounds
            .par_iter()
            .map(|(a, b)| run_piece(&pending[*a..*b], environment.as_ref()))
            .collect();
        for piece in found {
            if !joiner.join(piece) {
                return Ok(None);
            }
        }
        pending.drain(..start);
    }
    Ok(Some(joiner.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Facts (IRI and declared-hash digests) and hash mismatches, sorted.
    type Found = (
        Vec<([u8; 16], [u8; 16])>,
        Vec<(String, String, String, String)>,
    );

    /// The facts and mismatches of a whole-file parse.
    fn whole(text: &str) -> Found {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("facts.ttl");
        std::fs::write(&path, text).unwrap();
        let mut facts = GraphFacts::default();
        let mut problems = Vec::new();
        super::super::graph::scan_turtle(&path, &mut facts, &mut problems).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let mut f = facts.facts;
        f.sort();
        let mut m = facts.mismatches;
        m.sort();
        (f, m)
    }

    fn in_pieces(text: &str, window: usize, n: usize) -> Option<Found> {
        let found = pieces(text.as_bytes(), window, n).unwrap()?;
        let mut f = found.facts;
        f.sort();
        let mut m = found.mismatches;
        m.sort();
        Some((f, m))
    }

    /// A facts.ttl as `export` writes it: sorted subjects, parts before their node,
    /// `<f1>` after `<f10>` … `<f19>`; one fact's hash is wrong.
    fn sample() -> String {
        let mut ids: Vec<String> = (0..40).map(|i| format!("f{i}")).collect();
        ids.sort_by_key(|id| format!("<{id}>"));
        let mut out = String::from(
            "@prefix fg: <https://w3id.org/factgraph/ontology#> .\n@prefix fact: <https://w3id.org/factgraph/fact/> .\n",
        );
        // Parts sort before their node but after nodes whose IRI extends theirs.
        let mut subjects: Vec<(String, String)> = Vec::new();
        for id in &ids {
            let node = format!("<https://w3id.org/factgraph/fact/{id}>");
            subjects.push((
                format!("<https://w3id.org/factgraph/fact/{id}#quote>"),
                format!("fact:{id}\\#quote fg:exact \"quote of {id}\" .\n"),
            ));
            // The fact hash: of its lines other than fg:sha256, sorted.
            let lines = [
                format!("<https://w3id.org/factgraph/fact/{id}#quote> <https://w3id.org/factgraph/ontology#exact> \"quote of {id}\" .\n"),
                format!("{node} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/factgraph/ontology#Fact> .\n"),
                format!("{node} <https://w3id.org/factgraph/ontology#factId> \"{id}\" .\n"),
            ];
            let mut sorted = lines.to_vec();
            sorted.sort();
            let mut hash = crate::hash::graph_sha256(&sorted);
            if id == "f17" {
                hash = "0".repeat(64);
            }
            subjects.push((
                node.clone(),
                format!(
                    "fact:{id} a fg:Fact ;\n\tfg:factId \"{id}\" ;\n\tfg:sha256 \"{hash}\" .\n"
                ),
            ));
        }
        subjects.sort();
        for (_, text) in subjects {
            out.push_str(&text);
        }
        out
    }

    #[test]
    fn pieces_give_what_one_parse_gives() {
        let text = sample();
        let expected = whole(&text);
        assert_eq!(expected.0.len(), 40);
        assert_eq!(expected.1.len(), 1);
        for window in [200, 700, 5000, 1 << 20] {
            for n in [1, 2, 3, 7] {
                assert_eq!(
                    in_pieces(&text, window, n).as_ref(),
                    Some(&expected),
                    "{window} {n}"
                );
            }
        }
    }

    /// A piece that ends inside a statement, though on a line ending with ` .`, is an
    /// error, not a shorter statement.
    #[test]
    fn a_piece_cut_inside_a_statement_is_unsound() {
        for text in [
            "<http://a.example/s> <http://a.example/p> # c .\n",
            "<http://a.example/s> <http://a.example/p> ( 1 .\n",
            "<http://a.example/s> <http://a.example/p> [ <http://a.example/q> 1 .\n",
            "<http://a.example/s> <http://a.example/p> \"\"\"x .\n",
            "<http://a.example/s> <http://a.example/p> 1 ; .\n<http://a.example/t> .\n",
        ] {
            assert!(!run_piece(text.as_bytes(), None).sound, "{text}");
        }
        assert!(run_piece(b"<http://a.example/s> <http://a.example/p> 1 .\n", None).sound);
    }

    #[test]
    fn pieces_give_up_without_proof() {
        let text = sample();
        // Unsorted subjects.
        let mut blocks: Vec<&str> = text.split_inclusive(" .\n").collect();
        let last = blocks.pop().unwrap();
        blocks.insert(3, last);
        assert_eq!(in_pieces(&blocks.concat(), 300, 3), None);
        // A prefix changed half-way.
        let half = text.len() / 2;
        let cut = cut_near(text.as_bytes(), half).unwrap();
        let redefined = format!(
            "{}@prefix fact: <https://example.org/other/> .\n{}",
            &text[..cut],
            &text[cut..]
        );
        assert_eq!(in_pieces(&redefined, 300, 3), None);
        // A long string holding what looks like statements.
        let fooled = format!(
            "{}<https://example.org/x> <https://example.org/p> \"\"\"a .\n<https://example.org/y> <https://example.org/p> 1 .\nb\"\"\" .\n",
            &text
        );
        let sequential = whole(&fooled);
        assert_eq!(
            in_pieces(&fooled, 100, 5).unwrap_or(sequential.clone()),
            sequential
        );
        // A syntax error.
        assert_eq!(in_pieces(&format!("{text}fact:x fg:p .\n"), 300, 3), None);
    }
}
