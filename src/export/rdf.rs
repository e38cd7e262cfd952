//! The RDF files: `graph.nq` (sorted canonical lines) and Turtle streamed from them.

use crate::error::{Error, Result};
use crate::hash::canonical_line;
use crate::pipeline::Checked;
use crate::vocab::{iri, RDF, RDFS};
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{NamedOrBlankNode, Term};
use std::collections::HashSet;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

/// What `facts.ttl` holds: the lines of the graph that are not the ontology's, plus
/// the ontology's `rdf:type` and `rdfs:label` lines of every term those lines name and
/// of the classes those terms have, so that the file read alone says what each
/// entity and property is.
pub fn data_lines<'a>(
    lines: &'a [String],
    checked: &Checked,
) -> impl Iterator<Item = &'a String> + 'a {
    let ontology: HashSet<String> = checked.ontology.quads.iter().map(canonical_line).collect();
    let mut used: HashSet<&str> = HashSet::new();
    for line in lines.iter().filter(|l| !ontology.contains(l.as_str())) {
        used.extend(iris_in(line));
    }
    let keep = described_terms(checked, used);
    lines
        .iter()
        .filter(move |l| !ontology.contains(l.as_str()) || keep.contains(l.as_str()))
}

/// The ontology's lines that `facts.ttl` carries, given the IRIs its data lines name:
/// the `rdf:type` and `rdfs:label` lines of those terms and of their classes.
pub fn described_terms<'a>(checked: &'a Checked, mut used: HashSet<&'a str>) -> HashSet<String> {
    let rdf_type = iri(RDF, "type");
    let describes = [rdf_type.clone(), iri(RDFS, "label")];
    let mut keep: HashSet<String> = HashSet::new();
    // Two rounds: the terms the data names, then the classes of those terms.
    for _ in 0..2 {
        let mut classes = Vec::new();
        for quad in &checked.ontology.quads {
            let NamedOrBlankNode::NamedNode(subject) = &quad.subject else {
                continue;
            };
            if used.contains(subject.as_str()) && describes.contains(&quad.predicate) {
                if quad.predicate == rdf_type {
                    if let Term::NamedNode(class) = &quad.object {
                        classes.push(class.as_str().to_owned());
                    }
                }
                keep.insert(canonical_line(quad));
            }
        }
        let owned: HashSet<&str> = classes
            .iter()
            .filter_map(|c| {
                checked
                    .ontology
                    .quads
                    .iter()
                    .find_map(|q| match &q.subject {
                        NamedOrBlankNode::NamedNode(n) if n.as_str() == c => Some(n.as_str()),
                        _ => None,
                    })
            })
            .collect();
        used.extend(owned);
    }
    keep
}

/// The IRIs (`<…>`) of a canonical N-Quads line; a literal that happens to contain
/// `<…>` adds a harmless extra candidate.
pub fn iris_in(line: &str) -> impl Iterator<Item = &str> {
    line.split('<')
        .skip(1)
        .filter_map(|rest| rest.split_once('>').map(|(iri, _)| iri))
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
        let quad =
            quad.map_err(|e| Error::Store(format!("re-reading canonical N-Quads: {e}").into()))?;
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
