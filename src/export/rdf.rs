//! The RDF files: `graph.nq` (sorted canonical lines) and Turtle streamed from them.

use crate::error::{Error, Result};
use crate::hash::canonical_line;
use crate::pipeline::Checked;
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use std::collections::HashSet;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

/// The lines of the graph that are not the ontology's: what `facts.ttl` holds.
pub fn data_lines<'a>(
    lines: &'a [String],
    checked: &Checked,
) -> impl Iterator<Item = &'a String> + 'a {
    let ontology: HashSet<String> = checked.ontology.quads.iter().map(canonical_line).collect();
    lines.iter().filter(move |l| !ontology.contains(l.as_str()))
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
