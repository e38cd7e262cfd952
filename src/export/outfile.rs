//! Output files written, counted and hashed in one pass, and serialized on every core.
//!
//! - [`HashingFile`]: a buffered file that knows its size and sha256 when finished, so
//!   a multi-gigabyte `graph.nq` is never read back to be described.
//! - [`TurtleFile`]: `facts.ttl` from quads in canonical order, serialized in parallel
//!   pieces that concatenate to exactly what one serializer would write.
//! - [`csv_rows`]: CSV records formatted in parallel chunks.
//!
//! # Rationale
//! Oxigraph's Turtle serializer writes its `@prefix` lines before the first triple,
//! ends a subject with ` .\n` when the next subject starts or at the end, and keeps no
//! other state. So a piece of quads that starts at a new subject, serialized by a fresh
//! serializer and finished, gives the same bytes as the same quads in the middle of
//! one long serialization, once its `@prefix` lines are removed. Pieces are cut only
//! where the subject changes; the quads of the last subject of a batch are carried over
//! to the next batch, since that subject may go on.

use super::FileInfo;
use crate::error::{Error, Result};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::Quad;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written, with its byte count and sha256 kept up to date.
#[derive(Debug)]
pub struct HashingFile {
    path: PathBuf,
    out: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl HashingFile {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, file),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Appends bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.hasher.update(bytes);
        self.bytes += bytes.len() as u64;
        self.out
            .write_all(bytes)
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.bytes
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.bytes == 0
    }

    /// Flushes; returns the file's name, size and sha256.
    pub fn finish(mut self) -> Result<FileInfo> {
        self.out.flush().map_err(|e| Error::io(&self.path, e))?;
        Ok(FileInfo {
            name: self
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes: self.bytes,
            sha256: crate::hash::hex(&self.hasher.finalize()),
        })
    }
}

/// Quads per parallel Turtle piece (a piece only ends where the subject changes).
const PIECE_QUADS: usize = 16_384;

/// A Turtle file written from quads given in canonical (sorted) order.
#[derive(Debug)]
pub struct TurtleFile {
    file: HashingFile,
    prefixes: Vec<(String, String)>,
    carry: Vec<Quad>,
    prelude_written: bool,
}

impl TurtleFile {
    /// Creates `path`, to be written with these prefixes.
    pub fn create(path: &Path, prefixes: &[(String, String)]) -> Result<Self> {
        // Fail on a bad prefix now, not in a worker.
        let _ = serializer(prefixes)?;
        Ok(Self {
            file: HashingFile::create(path)?,
            prefixes: prefixes.to_vec(),
            carry: Vec::new(),
            prelude_written: false,
        })
    }

    /// Serializes more quads (in order), on every core.
    pub fn write(&mut self, quads: Vec<Quad>) -> Result<()> {
        let mut all = std::mem::take(&mut self.carry);
        all.extend(quads);
        let Some(last) = all.last() else {
            return Ok(());
        };
        let keep = all
            .iter()
            .rev()
            .take_while(|q| q.subject == last.subject)
            .count();
        self.carry = all.split_off(all.len() - keep);
        self.serialize(&all)
    }

    fn serialize(&mut self, quads: &[Quad]) -> Result<()> {
        let mut pieces = Vec::new();
        let mut start = 0;
        while start < quads.len() {
            let mut end = (start + PIECE_QUADS).min(quads.len());
            while end < quads.len() && quads[end].subject == quads[end - 1].subject {
                end += 1;
            }
            pieces.push(&quads[start..end]);
            start = end;
        }
        use rayon::prelude::*;
        let prefixes = &self.prefixes;
        let first = !self.prelude_written;
        let texts: Vec<Vec<u8>> = pieces
            .par_iter()
            .enumerate()
            .map(|(i, piece)| serialize_piece(prefixes, piece, first && i == 0))
            .collect::<Result<_>>()?;
        for text in texts {
            self.file.write(&text)?;
        }
        self.prelude_written |= !quads.is_empty();
        Ok(())
    }

    /// Writes what is carried over and closes the file.
    pub fn finish(mut self) -> Result<FileInfo> {
        let carry = std::mem::take(&mut self.carry);
        self.serialize(&carry)?;
        self.file.finish()
    }
}

fn serializer(prefixes: &[(String, String)]) -> Result<RdfSerializer> {
    let mut serializer = RdfSerializer::from_format(RdfFormat::Turtle);
    for (name, ns) in prefixes {
        serializer = serializer
            .with_prefix(name, ns)
            .map_err(|e| Error::Usage(format!("bad prefix {name}: {e}")))?;
    }
    Ok(serializer)
}

/// One piece of Turtle; without its `@prefix` lines unless `prelude`.
fn serialize_piece(
    prefixes: &[(String, String)],
    quads: &[Quad],
    prelude: bool,
) -> Result<Vec<u8>> {
    let bad = |e: std::io::Error| Error::Store(format!("serializing Turtle: {e}").into());
    let mut w = serializer(prefixes)?.for_writer(Vec::with_capacity(quads.len() * 64));
    for q in quads {
        w.serialize_quad(q).map_err(bad)?;
    }
    let mut text = w.finish().map_err(bad)?;
    if !prelude {
        // Prelude lines start with `@`; a subject never does.
        let mut skip = 0;
        while text[skip..].starts_with(b"@") {
            skip += text[skip..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(text.len() - skip, |p| p + 1);
        }
        text.drain(..skip);
    }
    Ok(text)
}

/// Formats `items` a chunk at a time on every core and hands the chunks' bytes to
/// `write` in order, holding at most a window of formatted chunks: formatting every
/// chunk before writing any held a whole file (half a GiB of `facts.csv` at a million
/// facts).
pub fn in_order<T: Sync, E: Send>(
    items: &[T],
    format: impl Fn(&[T]) -> std::result::Result<Vec<u8>, E> + Sync,
    mut write: impl FnMut(&[u8]) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    use rayon::prelude::*;
    for window in items.chunks(ORDERED_CHUNK * ORDERED_WINDOW) {
        let formatted: Vec<_> = window.par_chunks(ORDERED_CHUNK).map(&format).collect();
        for chunk in formatted {
            write(&chunk?)?;
        }
    }
    Ok(())
}

/// Items formatted together by [`in_order`], and chunks formatted before any is written.
const ORDERED_CHUNK: usize = 1024;
const ORDERED_WINDOW: usize = 64;

/// CSV records of `items`, formatted in parallel chunks and written in order (each
/// record is formatted on its own, so the chunks concatenate to what one writer would
/// write).
pub fn csv_rows<T: Sync>(
    path: &Path,
    items: &[T],
    record: impl Fn(&T) -> Vec<String> + Sync,
    mut write: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let csv_failed = |source: csv::Error| Error::Csv {
        path: path.to_path_buf(),
        source,
    };
    in_order(
        items,
        |chunk| {
            let mut w = csv_writer(Vec::with_capacity(chunk.len() * 256));
            for item in chunk {
                w.write_record(record(item)).map_err(csv_failed)?;
            }
            w.into_inner()
                .map_err(|e| csv_failed(csv::Error::from(e.into_error())))
        },
        &mut write,
    )
}

/// The CSV dialect of every exported table: comma, minimal quoting, `\n` line ends.
pub fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{GraphName, Literal, NamedNode};

    #[test]
    fn turtle_pieces_concatenate_to_one_serialization() {
        let n = |s: &str| NamedNode::new_unchecked(format!("https://x/{s}"));
        let mut quads = Vec::new();
        for s in 0..200 {
            for p in 0..(s % 4 + 1) {
                for o in 0..(s % 3 + 1) {
                    quads.push(Quad::new(
                        n(&format!("s{s:03}")),
                        n(&format!("p{p}")),
                        Literal::new_simple_literal(format!("{o}")),
                        GraphName::DefaultGraph,
                    ));
                }
            }
        }
        let prefixes = vec![("x".to_owned(), "https://x/".to_owned())];
        let whole = serialize_piece(&prefixes, &quads, true).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.ttl");
        let mut file = TurtleFile::create(&path, &prefixes).unwrap();
        // Batches that cut subjects in the middle.
        for batch in quads.chunks(7) {
            file.write(batch.to_vec()).unwrap();
        }
        let info = file.finish().unwrap();
        let written = std::fs::read(&path).unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            String::from_utf8(whole.clone()).unwrap()
        );
        assert_eq!(info.sha256, crate::hash::sha256_hex(&whole));
        assert_eq!(info.bytes, whole.len() as u64);
    }
}
