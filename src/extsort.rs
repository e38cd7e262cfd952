//! External merge sort of byte lines, in bounded memory.
//!
//! A [`LineSorter`] takes lines (each with a `u64` tag saying where it came from) and
//! gives them back sorted by their bytes, without duplicates. It keeps at most about
//! `budget` bytes in memory: beyond that, the lines held so far are sorted (on every
//! core) and written out as a *run*, and [`LineSorter::finish`] merges the runs.
//!
//! # Rationale
//! - **Temporary files never have a name.** Runs are anonymous files
//!   ([`tempfile::tempfile_in`]: `O_TMPFILE` on Linux, created and unlinked at once
//!   elsewhere) in a directory the caller chooses, the output's parent, so that they
//!   are on the same disk as the output rather than in a small `/tmp`. The kernel frees
//!   them when the process ends, however it ends: success, error, panic or `kill -9`
//!   leave nothing behind to clean up.
//! - **Equal lines keep the smallest tag**, so a caller can give a line's origins an
//!   order of precedence (the ontology's copy of a triple wins over a fact's).
//! - **Bounded fan-in.** When [`MAX_RUNS`] runs exist they are merged into one, so a
//!   tiny budget costs time, not file descriptors.

use rayon::slice::ParallelSliceMut;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The default memory budget of a sorter: 256 MiB.
pub const DEFAULT_BUDGET: usize = 256 << 20;

/// Runs merged at once; more are first merged into one.
pub const MAX_RUNS: usize = 64;

/// Bookkeeping bytes counted per line on top of its bytes.
const ENTRY_COST: usize = std::mem::size_of::<Entry>();

#[derive(Debug, Clone, Copy)]
struct Entry {
    start: usize,
    len: u32,
    tag: u64,
}

/// Sorts lines in at most about `budget` bytes of memory, spilling sorted runs to
/// anonymous temporary files.
#[derive(Debug)]
pub struct LineSorter {
    budget: usize,
    spill_dir: PathBuf,
    arena: Vec<u8>,
    entries: Vec<Entry>,
    runs: Vec<File>,
    lines: u64,
}

impl LineSorter {
    /// A sorter that spills into `spill_dir` once it holds more than `budget` bytes.
    pub fn new(spill_dir: &Path, budget: usize) -> Self {
        Self {
            budget: budget.max(1),
            spill_dir: spill_dir.to_path_buf(),
            arena: Vec::new(),
            entries: Vec::new(),
            runs: Vec::new(),
            lines: 0,
        }
    }

    /// Adds a line (any bytes; callers pass whole N-Quads lines with their newline).
    pub fn push(&mut self, line: &[u8], tag: u64) -> io::Result<()> {
        let len = u32::try_from(line.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "line longer than 4 GiB"))?;
        if !self.entries.is_empty()
            && self.arena.len() + line.len() + (self.entries.len() + 1) * ENTRY_COST > self.budget
        {
            self.spill()?;
        }
        self.entries.push(Entry {
            start: self.arena.len(),
            len,
            tag,
        });
        self.arena.extend_from_slice(line);
        self.lines += 1;
        Ok(())
    }

    /// How many lines were pushed (duplicates included).
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// How many sorted runs went to disk so far.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    fn sort_in_memory(&mut self) {
        let arena = &self.arena;
        let line = |e: &Entry| &arena[e.start..e.start + e.len as usize];
        self.entries
            .par_sort_unstable_by(|a, b| line(a).cmp(line(b)).then(a.tag.cmp(&b.tag)));
        self.entries
            .dedup_by(|later, kept| line(later) == line(kept));
    }

    fn spill(&mut self) -> io::Result<()> {
        self.sort_in_memory();
        let mut out = BufWriter::with_capacity(1 << 20, tempfile::tempfile_in(&self.spill_dir)?);
        for e in &self.entries {
            write_record(
                &mut out,
                &self.arena[e.start..e.start + e.len as usize],
                e.tag,
            )?;
        }
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        self.runs.push(file);
        self.arena.clear();
        self.entries.clear();
        if self.runs.len() >= MAX_RUNS {
            let runs = std::mem::take(&mut self.runs);
            let mut merged = Merge::new(runs, None)?;
            let mut out =
                BufWriter::with_capacity(1 << 20, tempfile::tempfile_in(&self.spill_dir)?);
            while let Some((line, tag)) = merged.head() {
                write_record(&mut out, line, tag)?;
                merged.advance()?;
            }
            self.runs
                .push(out.into_inner().map_err(io::IntoInnerError::into_error)?);
        }
        Ok(())
    }

    /// Every line pushed, sorted by bytes, each once (with its smallest tag).
    pub fn finish(mut self) -> io::Result<Sorted> {
        self.sort_in_memory();
        let memory = MemoryRun {
            arena: std::mem::take(&mut self.arena),
            entries: std::mem::take(&mut self.entries),
            next: 0,
        };
        Ok(Sorted {
            merge: Merge::new(std::mem::take(&mut self.runs), Some(memory))?,
        })
    }
}

fn write_record(out: &mut impl Write, line: &[u8], tag: u64) -> io::Result<()> {
    out.write_all(&(line.len() as u32).to_le_bytes())?;
    out.write_all(&tag.to_le_bytes())?;
    out.write_all(line)
}

/// Reads the next record into `buf`; `None` at the end of the run.
fn read_record(input: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<Option<u64>> {
    let mut header = [0u8; 12];
    match input.read_exact(&mut header[..4]) {
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        other => other?,
    }
    input.read_exact(&mut header[4..])?;
    let len = u32::from_le_bytes(header[..4].try_into().unwrap_or_default()) as usize;
    let tag = u64::from_le_bytes(header[4..].try_into().unwrap_or_default());
    buf.clear();
    buf.resize(len, 0);
    input.read_exact(buf)?;
    Ok(Some(tag))
}

#[derive(Debug)]
struct MemoryRun {
    arena: Vec<u8>,
    entries: Vec<Entry>,
    next: usize,
}

#[derive(Debug)]
enum Run {
    File(BufReader<File>),
    Memory(MemoryRun),
}

impl Run {
    fn next_into(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<u64>> {
        match self {
            Run::File(reader) => read_record(reader, buf),
            Run::Memory(m) => {
                let Some(e) = m.entries.get(m.next) else {
                    return Ok(None);
                };
                m.next += 1;
                buf.clear();
                buf.extend_from_slice(&m.arena[e.start..e.start + e.len as usize]);
                Ok(Some(e.tag))
            }
        }
    }
}

/// A run's current line in the merge heap, ordered by (line, tag, run).
#[derive(Debug, PartialEq, Eq)]
struct Head {
    line: Vec<u8>,
    tag: u64,
    run: usize,
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        self.line
            .cmp(&other.line)
            .then(self.tag.cmp(&other.tag))
            .then(self.run.cmp(&other.run))
    }
}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// k-way merge of sorted runs, dropping repeated lines.
#[derive(Debug)]
struct Merge {
    runs: Vec<Run>,
    heap: BinaryHeap<Reverse<Head>>,
    current: Option<(Vec<u8>, u64)>,
    spare: Vec<Vec<u8>>,
}

impl Merge {
    fn new(files: Vec<File>, memory: Option<MemoryRun>) -> io::Result<Self> {
        let mut runs = Vec::with_capacity(files.len() + 1);
        for mut file in files {
            file.seek(SeekFrom::Start(0))?;
            runs.push(Run::File(BufReader::with_capacity(1 << 18, file)));
        }
        runs.extend(memory.map(Run::Memory));
        let mut merge = Merge {
            heap: BinaryHeap::with_capacity(runs.len()),
            runs,
            current: None,
            spare: Vec::new(),
        };
        for run in 0..merge.runs.len() {
            merge.refill(run)?;
        }
        merge.advance()?;
        Ok(merge)
    }

    fn refill(&mut self, run: usize) -> io::Result<()> {
        let mut line = self.spare.pop().unwrap_or_default();
        match self.runs[run].next_into(&mut line)? {
            Some(tag) => self.heap.push(Reverse(Head { line, tag, run })),
            None => self.spare.push(line),
        }
        Ok(())
    }

    fn head(&self) -> Option<(&[u8], u64)> {
        self.current.as_ref().map(|(l, t)| (l.as_slice(), *t))
    }

    fn advance(&mut self) -> io::Result<()> {
        while let Some(Reverse(head)) = self.heap.pop() {
            self.refill(head.run)?;
            if self.current.as_ref().is_some_and(|(l, _)| *l == head.line) {
                self.spare.push(head.line);
                continue;
            }
            if let Some((old, _)) = self.current.replace((head.line, head.tag)) {
                self.spare.push(old);
            }
            return Ok(());
        }
        if let Some((old, _)) = self.current.take() {
            self.spare.push(old);
        }
        Ok(())
    }
}

/// The sorted, deduplicated lines of a [`LineSorter`], one at a time.
#[derive(Debug)]
pub struct Sorted {
    merge: Merge,
}

impl Sorted {
    /// The current line and its tag; `None` when all lines were taken.
    pub fn head(&self) -> Option<(&[u8], u64)> {
        self.merge.head()
    }

    /// Moves to the next distinct line.
    pub fn advance(&mut self) -> io::Result<()> {
        self.merge.advance()
    }

    /// Collects what is left (for tests and small inputs).
    pub fn collect_all(mut self) -> io::Result<Vec<(Vec<u8>, u64)>> {
        let mut out = Vec::new();
        while let Some((line, tag)) = self.head() {
            out.push((line.to_vec(), tag));
            self.advance()?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random lines with many duplicates and shared prefixes.
    fn lines(n: usize) -> Vec<(Vec<u8>, u64)> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let line = format!("<s{}> <p{}> \"{}\" .\n", x % 97, x % 13, x % 1009);
                (line.into_bytes(), (i % 5) as u64)
            })
            .collect()
    }

    fn expected(input: &[(Vec<u8>, u64)]) -> Vec<(Vec<u8>, u64)> {
        let mut all = input.to_vec();
        all.sort();
        all.dedup_by(|later, kept| later.0 == kept.0);
        all
    }

    fn sorted_with(
        budget: usize,
        input: &[(Vec<u8>, u64)],
        dir: &Path,
    ) -> (Vec<(Vec<u8>, u64)>, usize) {
        let mut sorter = LineSorter::new(dir, budget);
        for (line, tag) in input {
            sorter.push(line, *tag).unwrap();
        }
        let runs = sorter.runs();
        (sorter.finish().unwrap().collect_all().unwrap(), runs)
    }

    #[test]
    fn in_memory_and_spilled_sorts_agree() {
        let dir = tempfile::tempdir().unwrap();
        let input = lines(20_000);
        let want = expected(&input);
        let (memory, runs) = sorted_with(DEFAULT_BUDGET, &input, dir.path());
        assert_eq!(runs, 0);
        assert_eq!(memory, want);
        // A budget of a few lines: hundreds of runs, merged in rounds of MAX_RUNS.
        let (spilled, runs) = sorted_with(2_000, &input, dir.path());
        assert!(runs >= 1, "the tiny budget must spill");
        assert_eq!(spilled, want);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn equal_lines_keep_the_smallest_tag() {
        let dir = tempfile::tempdir().unwrap();
        for budget in [1, DEFAULT_BUDGET] {
            let mut sorter = LineSorter::new(dir.path(), budget);
            for (line, tag) in [("b\n", 7), ("a\n", 3), ("b\n", 2), ("a\n", 9), ("b\n", 5)] {
                sorter.push(line.as_bytes(), tag).unwrap();
            }
            let out = sorter.finish().unwrap().collect_all().unwrap();
            assert_eq!(out, vec![(b"a\n".to_vec(), 3), (b"b\n".to_vec(), 2)]);
        }
    }

    #[test]
    fn nothing_is_left_after_an_error_or_a_drop() {
        let dir = tempfile::tempdir().unwrap();
        let mut sorter = LineSorter::new(dir.path(), 64);
        for (line, tag) in lines(1_000) {
            sorter.push(&line, tag).unwrap();
        }
        assert!(sorter.runs() > 0);
        // The runs exist only as open descriptors: nothing in the directory, even now.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        drop(sorter);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        // A spill into a directory that is gone is an error, not a panic.
        let gone = dir.path().join("gone");
        let mut sorter = LineSorter::new(&gone, 1);
        sorter.push(b"a\n", 0).unwrap();
        assert!(sorter.push(b"b\n", 0).is_err());
    }

    #[test]
    fn empty_input() {
        let dir = tempfile::tempdir().unwrap();
        let sorter = LineSorter::new(dir.path(), 1);
        assert!(sorter.finish().unwrap().collect_all().unwrap().is_empty());
    }
}
