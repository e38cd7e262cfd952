//! Writing the graph in one streamed pass: `facts.ttl` and `graph.nq` from
//! [`super::canonical::stream`], hashed as they are written, for `export` and `release`.

use super::outfile::{HashingFile, TurtleFile};
use super::FileInfo;
use crate::error::{Error, Result};
use crate::pipeline::{self, Checked};
use crate::project::Config;
use sha2::Digest as _;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

/// How to export (and release): memory and progress.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// Memory budget of the external sort of shared lines, in bytes.
    pub sort_budget: usize,
    /// Progress bars.
    pub progress: crate::progress::Progress,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            sort_budget: crate::extsort::DEFAULT_BUDGET,
            progress: crate::progress::Progress::hidden(),
        }
    }
}

/// The directory beside `path` (where temporary files for it go).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What [`write_streamed`] wrote.
#[derive(Debug)]
pub struct Written {
    /// `facts.ttl`.
    pub ttl: FileInfo,
    /// `graph.nq` as written so far (see [`write_streamed`]).
    pub nq: FileInfo,
    /// The open `graph.nq` and the held-back lines, when a release goes on writing it.
    pub held: Option<(HashingFile, std::fs::File)>,
    /// The sha256 of the data graph (every canonical line).
    pub data_sha256: String,
    /// Line count and fact hashes.
    pub streamed: super::canonical::Streamed,
}

/// Streams the data graph once into `facts.ttl` and `graph.nq` under `dir`.
///
/// With `hold_from` (a release), lines from that one on (in sorted order) are written
/// to an anonymous temporary file instead of `graph.nq`, which is left open: the
/// release description sorts among them and is merged in afterwards
/// ([`finish_held`]); any line starting with one of `refuse` is an error.
pub fn write_streamed(
    dir: &Path,
    spill_dir: &Path,
    config: &Config,
    checked: &Checked,
    options: &WriteOptions,
    hold: Option<(&str, &[&str])>,
) -> Result<Written> {
    let mut ttl = TurtleFile::create(
        &dir.join("facts.ttl"),
        &pipeline::prefixes(config, &checked.ontology),
    )?;
    let nq_path = dir.join("graph.nq");
    let mut nq = HashingFile::create(&nq_path)?;
    let mut data = sha2::Sha256::new();
    let mut held: Option<BufWriter<std::fs::File>> = None;
    let stream_options = super::canonical::StreamOptions {
        spill_dir,
        sort_budget: options.sort_budget,
        progress: &options.progress,
    };
    let streamed = super::canonical::stream(config, checked, &stream_options, |batch| {
        let super::canonical::Batch {
            bytes,
            ends,
            data: quads,
        } = batch;
        let (turtle, lines) = rayon::join(
            || ttl.write(quads),
            || -> Result<()> {
                let Some((from, refuse)) = hold else {
                    // graph.nq is the data graph: its own hash is the graph hash.
                    return nq.write(&bytes);
                };
                data.update(&bytes);
                // Lines are sorted: find the first one at or after `from`.
                let mut start = 0;
                let mut split = bytes.len();
                for &end in &ends {
                    let line = &bytes[start..end];
                    if held.is_some() || line >= from.as_bytes() {
                        if refuse.iter().any(|p| line.starts_with(p.as_bytes())) {
                            return Err(Error::Usage(format!(
                                "the inputs describe the release's own IRI, which only `release` may do: {}",
                                String::from_utf8_lossy(line).trim_end()
                            )));
                        }
                        split = split.min(start);
                    }
                    start = end;
                }
                nq.write(&bytes[..split])?;
                if split < bytes.len() {
                    if held.is_none() {
                        let file = tempfile::tempfile_in(spill_dir).map_err(io(spill_dir))?;
                        held = Some(BufWriter::new(file));
                    }
                    if let Some(h) = held.as_mut() {
                        h.write_all(&bytes[split..]).map_err(io(spill_dir))?;
                    }
                }
                Ok(())
            },
        );
        turtle?;
        lines
    })?;
    let ttl = ttl.finish()?;
    let data_sha256 = crate::hash::hex(&data.finalize());
    let (nq, held, data_sha256) = match hold {
        None => {
            let nq = nq.finish()?;
            let sha = nq.sha256.clone();
            (nq, None, sha)
        }
        Some(_) => {
            let held = match held {
                Some(h) => h
                    .into_inner()
                    .map_err(|e| Error::io(spill_dir, e.into_error()))?,
                None => tempfile::tempfile_in(spill_dir).map_err(io(spill_dir))?,
            };
            let info = FileInfo {
                name: "graph.nq".into(),
                bytes: nq.len(),
                sha256: String::new(),
            };
            (info, Some((nq, held)), data_sha256)
        }
    };
    Ok(Written {
        ttl,
        nq,
        held,
        data_sha256,
        streamed,
    })
}

/// Completes a `graph.nq` whose lines from some point on were held back: merges the
/// held lines with `more` (sorted canonical lines), without duplicates.
pub fn finish_held(
    (mut nq, held): (HashingFile, std::fs::File),
    more: &[String],
    spill_dir: &Path,
) -> Result<FileInfo> {
    use std::io::{BufRead, Seek};
    let mut held = held;
    held.seek(std::io::SeekFrom::Start(0))
        .map_err(io(spill_dir))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, held);
    let mut more = more.iter().map(String::as_bytes).peekable();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(io(spill_dir))?;
        while let Some(m) = more.peek() {
            if n > 0 && *m >= line.as_slice() {
                break;
            }
            nq.write(m)?;
            more.next();
        }
        if n == 0 {
            break;
        }
        if more.peek() == Some(&line.as_slice()) {
            more.next();
        }
        nq.write(&line)?;
    }
    nq.finish()
}
