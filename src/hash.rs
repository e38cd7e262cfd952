//! Content hashes: sha256 helpers and the three hash rules (source, fact, graph).
//!
//! Every hash factgraph publishes is the lowercase hex sha256 of some exact bytes:
//!
//! - a **source**: the file's bytes, never normalised ([`sha256_file`]);
//! - a **fact**: its own description as sorted canonical lines ([`fact_hash`]);
//! - the **data graph**: its sorted, deduplicated canonical lines ([`graph_sha256`]).
//!
//! A *canonical line* is one quad written as N-Quads with its newline
//! ([`canonical_line`]). The graph has no blank nodes, so sorting these lines by their
//! UTF-8 bytes gives a canonical serialization (it equals RDFC-1.0 output): the hashes
//! do not depend on file order, store order or the machine.
//!
//! This module does no I/O except [`sha256_file`], which streams one file.

use oxigraph::model::Quad;
use sha2::{Digest, Sha256};
use std::borrow::Borrow;
use std::io::Read;
use std::path::Path;

/// Lowercase hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of a digest.
pub fn hex(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Whether `s` looks like a lowercase hex sha256 (64 digits).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Streams a file through sha256.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    sha256_reader(std::fs::File::open(path)?)
}

/// Streams a reader (an already opened, checked file) through sha256.
pub fn sha256_reader(mut file: impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// One quad as a canonical N-Quads line (with its newline).
///
/// Without blank nodes, oxrdf's N-Quads output is the RDFC-1.0 canonical form, so
/// sorting these lines by bytes gives a canonical serialization of a set of quads.
pub fn canonical_line(quad: &Quad) -> String {
    format!("{quad} .\n")
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

/// The sha256 of lines taken in the order given, streamed (no concatenated copy).
///
/// This is the graph hash rule (`fg:graphSha256`, the sha256 of `graph.nq` of an
/// export) when the lines are the data graph's sorted, deduplicated canonical lines,
/// and the fact hash rule when they are a fact's sorted description lines.
///
/// ```
/// use factgraph::hash::{graph_sha256, sha256_hex};
/// let lines = ["<a> <b> <c> .\n", "<a> <b> <d> .\n"];
/// assert_eq!(graph_sha256(lines), sha256_hex(lines.concat().as_bytes()));
/// ```
pub fn graph_sha256<S: AsRef<str>>(lines: impl IntoIterator<Item = S>) -> String {
    let mut hasher = LinesHasher::default();
    for line in lines {
        hasher.push(line.as_ref());
    }
    hasher.finish()
}

/// [`graph_sha256`] fed one line at a time, for a caller that streams lines from a
/// file and does other work with each (as `verify` does with a release's `graph.nq`).
#[derive(Debug, Clone, Default)]
pub struct LinesHasher(Sha256);

impl LinesHasher {
    /// Adds the next line (with its newline).
    pub fn push(&mut self, line: &str) {
        self.0.update(line.as_bytes());
    }

    /// The lowercase hex sha256 of the lines pushed.
    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

/// The content hash of a fact.
///
/// Definition (what a verifier recomputes from any export): take every triple whose
/// subject is the fact IRI or one of `<fact>#annotation`, `#target`, `#quote`,
/// `#position`, except the `fg:sha256` triple itself; write each as a canonical
/// N-Triples line (`S P O .\n`); sort the lines by their UTF-8 bytes; concatenate;
/// sha256; lowercase hex. The plain `S P O` triple is not part of it (it is implied by
/// `rdf:subject`/`rdf:predicate`/`rdf:object` and the rank).
///
/// ```
/// use factgraph::hash::{fact_hash, sha256_hex};
/// use oxigraph::model::{GraphName, Literal, NamedNode, Quad};
/// let fact = NamedNode::new("https://example.org/fact/f1").unwrap();
/// let p = NamedNode::new("https://example.org/p").unwrap();
/// let q = |o: &str| Quad::new(fact.clone(), p.clone(), Literal::new_simple_literal(o), GraphName::DefaultGraph);
/// // Given in any order, hashed sorted:
/// let hash = fact_hash(&[q("b"), q("a")]);
/// let by_hand = "<https://example.org/fact/f1> <https://example.org/p> \"a\" .\n\
///                <https://example.org/fact/f1> <https://example.org/p> \"b\" .\n";
/// assert_eq!(hash, sha256_hex(by_hand.as_bytes()));
/// ```
pub fn fact_hash(description: &[Quad]) -> String {
    let mut lines: Vec<String> = description.iter().map(canonical_line).collect();
    lines.sort_unstable();
    graph_sha256(&lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{GraphName, Literal, NamedNode};

    #[test]
    fn sha256_of_known_bytes() {
        // sha256("abc") from FIPS 180-2, appendix B.1.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(is_sha256_hex(&sha256_hex(b"")));
        assert!(!is_sha256_hex("ABC"));
    }

    #[test]
    fn fact_hash_against_a_hand_computed_value() {
        let s = NamedNode::new("https://w3id.org/factgraph/fact/f1").unwrap();
        let p = NamedNode::new("https://w3id.org/factgraph/ontology#rank").unwrap();
        let quad = Quad::new(
            s,
            p,
            Literal::new_simple_literal("x"),
            GraphName::DefaultGraph,
        );
        // printf '<https://w3id.org/factgraph/fact/f1> <https://w3id.org/factgraph/ontology#rank> "x" .\n' | sha256sum
        assert_eq!(
            fact_hash(&[quad]),
            "8f78a7ad72bd113b5ae39fa95662ac4a87e2d34aa62819dc0f6cc4cd5a3ce7fa"
        );
    }

    #[test]
    fn graph_hash_streams_what_concat_would_hash() {
        let lines = vec!["<a> <b> <c> .\n".to_owned(), "<d> <e> <f> .\n".to_owned()];
        assert_eq!(graph_sha256(&lines), sha256_hex(lines.concat().as_bytes()));
        assert_eq!(graph_sha256(Vec::<String>::new()), sha256_hex(b""));
    }
}
