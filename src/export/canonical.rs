//! The canonical graph as a sorted stream, in bounded memory, on every core.
//!
//! `graph.nq` is the sorted, deduplicated list of the graph's canonical N-Quads lines.
//! Holding all of them to sort them costs about 8 GB at a million facts; [`stream`]
//! produces the same bytes in windows instead, and hands each window to a consumer
//! as a [`Batch`] (the lines, and the quads `facts.ttl` needs) while the next window
//! is generated.
//!
//! # How the order is obtained without sorting everything
//! Almost every line belongs to a fact's own description, whose subjects are the fact
//! IRI `<ns F>` and its parts `<ns F#annotation>`, `#position`, `#quote`, `#target`.
//! IRIs in a line are delimited by `>`, which no IRI contains, so lines compare by
//! subject first. A fact id has neither `#` nor `>` (ids are letters, digits, `_ . -`),
//! so each fact's lines form two contiguous *blocks* of the global order: its `#` parts
//! (key `F#`) and the fact node itself (key `F>`). Sorting the two block keys of every
//! fact (a few bytes each) orders all fact lines; each block is sorted on its own.
//! `F>` does not always follow `F#` at once (`f1#` < `f10#` < `f10>` < `f1>`, since
//! `0` < `>`), so a fact's second block waits in a small map until its turn: at any
//! time only the facts whose id is a prefix of the current one wait.
//!
//! Everything else (the ontology, the sources, and each fact's plain `S P O` triple,
//! whose subject many facts share) goes through an external merge sort
//! ([`crate::extsort`]) within a memory budget, and the two sorted streams are merged.
//! A line present in both is written once; a line that is also the ontology's is not
//! data (it stays out of `facts.ttl`, as before).
//!
//! The result is checked as it passes: every line must be strictly greater than the one
//! before, so a mistake in the reasoning above would be an error, never a silently
//! different `graph.nq`.
//!
//! # Rationale
//! Windows of facts are generated in parallel (formatting lines and hashing each fact
//! is most of the work) while the previous window is consumed (written, hashed,
//! serialized as Turtle), so both cores are busy. Turtle is serialized from the quads
//! that produced the lines, never by parsing the lines again.

use crate::error::{Error, Result};
use crate::extsort::LineSorter;
use crate::graph;
use crate::pipeline::{Checked, Cited, Facts};
use crate::progress::Progress;
use crate::project::Config;
use oxigraph::model::{NamedOrBlankNode, Quad, QuadRef};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::Path;

/// Facts generated per window.
const WINDOW_FACTS: usize = 4096;

/// How to stream.
#[derive(Debug, Clone, Copy)]
pub struct StreamOptions<'a> {
    /// Where the external sort may spill (anonymous files): the output's parent.
    pub spill_dir: &'a Path,
    /// Memory budget of the external sort, in bytes.
    pub sort_budget: usize,
    /// Progress reporting.
    pub progress: &'a Progress,
}

/// A run of consecutive lines of the canonical graph.
#[derive(Debug, Default)]
pub struct Batch {
    /// The lines, concatenated (each ends with `\n`).
    pub bytes: Vec<u8>,
    /// Where each line ends in `bytes`.
    pub ends: Vec<usize>,
    /// The quads of the lines that are data (not the ontology's), in the same order:
    /// what `facts.ttl` holds.
    pub data: Vec<Quad>,
}

impl Batch {
    fn push(&mut self, line: &[u8]) {
        self.bytes.extend_from_slice(line);
        self.ends.push(self.bytes.len());
    }

    /// The lines, one by one.
    pub fn lines(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let line = &self.bytes[start..end];
            start = end;
            line
        })
    }
}

/// What [`stream`] computed besides the batches.
#[derive(Debug)]
pub struct Streamed {
    /// Distinct lines in the graph.
    pub lines: u64,
    /// Each fact's content hash, in the order of `checked.facts`.
    pub fact_hashes: Vec<[u8; 32]>,
}

impl Streamed {
    /// The content hash of `checked.facts[index]`, as lowercase hex.
    pub fn fact_hash(&self, index: usize) -> String {
        crate::hash::hex(&self.fact_hashes[index])
    }
}

/// Origins of the lines in the external sort, in order of precedence (the smallest
/// tag of equal lines is kept).
const ONTOLOGY: u64 = 0;
const METADATA: u64 = 1;
const SOURCE: u64 = 2;
const PLAIN: u64 = 3;
const KIND_SHIFT: u32 = 62;
const SOURCE_QUAD_BITS: u32 = 16;

fn tag(kind: u64, payload: u64) -> u64 {
    (kind << KIND_SHIFT) | payload
}

fn line_of(quad: QuadRef<'_>, buf: &mut Vec<u8>) {
    // Writing into a Vec cannot fail.
    let _ = writeln!(buf, "{quad} .");
}

/// A sorted, deduplicated run of one fact's lines.
#[derive(Debug, Default)]
struct Block {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    quads: Vec<Quad>,
}

/// One fact, generated: its `#` block, its own block and its content hash.
struct Generated {
    parts: Block,
    node: Block,
    hash: [u8; 32],
}

fn span(buf: &[u8], (start, end): (usize, usize)) -> &[u8] {
    &buf[start..end]
}

/// The lines `indices` (sorted, deduplicated) as a block, with their quads.
fn block(
    buf: &[u8],
    spans: &[(usize, usize)],
    quads: &mut [Option<Quad>],
    indices: &mut Vec<usize>,
) -> Block {
    indices.sort_unstable_by(|&a, &b| span(buf, spans[a]).cmp(span(buf, spans[b])));
    indices.dedup_by(|a, b| span(buf, spans[*a]) == span(buf, spans[*b]));
    let mut out = Block {
        bytes: Vec::with_capacity(indices.iter().map(|&i| spans[i].1 - spans[i].0).sum()),
        ends: Vec::with_capacity(indices.len()),
        quads: Vec::with_capacity(indices.len()),
    };
    for &i in indices.iter() {
        out.bytes.extend_from_slice(span(buf, spans[i]));
        out.ends.push(out.bytes.len());
        out.quads.extend(quads[i].take());
    }
    out
}

fn generate(config: &Config, cited: &Cited) -> Generated {
    let minter = &config.minter;
    let mut quads = graph::fact_description(minter, &cited.fact, &cited.quote);
    let mut buf = Vec::with_capacity(quads.len() * 128);
    let mut spans = Vec::with_capacity(quads.len() + 1);
    for q in &quads {
        let start = buf.len();
        line_of(q.as_ref(), &mut buf);
        spans.push((start, buf.len()));
    }
    let mut order: Vec<usize> = (0..quads.len()).collect();
    order.sort_unstable_by(|&a, &b| span(&buf, spans[a]).cmp(span(&buf, spans[b])));
    // The content hash rule of `graph::fact_hash`: the description's sorted lines,
    // duplicates included.
    let mut hasher = Sha256::new();
    for &i in &order {
        hasher.update(span(&buf, spans[i]));
    }
    let hash: [u8; 32] = hasher.finalize().into();
    let hash_quad = graph::fact_hash_quad(minter, &cited.fact, &crate::hash::hex(&hash));
    let start = buf.len();
    line_of(hash_quad.as_ref(), &mut buf);
    spans.push((start, buf.len()));
    quads.push(hash_quad);

    let node = minter.fact(&cited.fact.id);
    let (mut own, mut parts): (Vec<usize>, Vec<usize>) = (0..quads.len())
        .partition(|&i| matches!(&quads[i].subject, NamedOrBlankNode::NamedNode(n) if *n == node));
    let mut quads: Vec<Option<Quad>> = quads.into_iter().map(Some).collect();
    Generated {
        parts: block(&buf, &spans, &mut quads, &mut parts),
        node: block(&buf, &spans, &mut quads, &mut own),
        hash,
    }
}

/// Orders the blocks `(fact index, is the fact's own block)` as their lines sort.
fn block_order(facts: &Facts, a: (u32, bool), b: (u32, bool)) -> Ordering {
    let (x, y) = (
        facts.id(a.0 as usize).as_bytes(),
        facts.id(b.0 as usize).as_bytes(),
    );
    let end = |own: bool| if own { b'>' } else { b'#' };
    let n = x.len().min(y.len());
    x[..n].cmp(&y[..n]).then_with(|| {
        let cx = x.get(n).copied().unwrap_or(end(a.1));
        let cy = y.get(n).copied().unwrap_or(end(b.1));
        cx.cmp(&cy).then(a.1.cmp(&b.1))
    })
}

/// The lines that are not a fact's own, externally sorted.
fn shared_lines(
    config: &Config,
    checked: &Checked,
    options: &StreamOptions<'_>,
) -> Result<crate::extsort::Sorted> {
    let spill = |e: std::io::Error| Error::io(options.spill_dir, e);
    let mut sorter = LineSorter::new(options.spill_dir, options.sort_budget);
    let mut buf = Vec::new();
    for (i, q) in checked.ontology.quads.iter().enumerate() {
        buf.clear();
        line_of(q.as_ref(), &mut buf);
        sorter.push(&buf, tag(ONTOLOGY, i as u64)).map_err(spill)?;
    }
    for (i, q) in checked.metadata.quads.iter().enumerate() {
        buf.clear();
        line_of(q.as_ref(), &mut buf);
        sorter.push(&buf, tag(METADATA, i as u64)).map_err(spill)?;
    }
    for (si, loaded) in checked.sources.values().enumerate() {
        for (qi, q) in graph::source_quads(&config.minter, &loaded.source)
            .iter()
            .enumerate()
        {
            buf.clear();
            line_of(q.as_ref(), &mut buf);
            let payload = ((si as u64) << SOURCE_QUAD_BITS) | qi as u64;
            sorter.push(&buf, tag(SOURCE, payload)).map_err(spill)?;
        }
    }
    let bar = options
        .progress
        .bar(checked.facts.len() as u64, "sorting shared triples");
    let all: Vec<usize> = (0..checked.facts.len()).collect();
    for (chunk_index, chunk) in all.chunks(WINDOW_FACTS * 4).enumerate() {
        let formatted: Vec<(Vec<u8>, Vec<usize>)> = chunk
            .par_chunks(1024)
            .map(|facts| {
                let mut bytes = Vec::with_capacity(facts.len() * 128);
                let mut ends = Vec::with_capacity(facts.len());
                for &i in facts {
                    if let Some(q) = checked.facts.plain_triple(i) {
                        line_of(q.as_ref(), &mut bytes);
                    }
                    ends.push(bytes.len());
                }
                (bytes, ends)
            })
            .collect();
        let mut index = chunk_index * WINDOW_FACTS * 4;
        for (bytes, ends) in formatted {
            let mut start = 0;
            for end in ends {
                if end > start {
                    sorter
                        .push(&bytes[start..end], tag(PLAIN, index as u64))
                        .map_err(spill)?;
                }
                start = end;
                index += 1;
            }
        }
        bar.set_position(index as u64);
    }
    bar.finish_and_clear();
    sorter.finish().map_err(spill)
}

/// The quad behind a line of the shared stream, if it is data (`None`: the ontology's).
struct SharedQuads<'a> {
    config: &'a Config,
    checked: &'a Checked,
    sources: Vec<&'a crate::source::Hashed>,
    cached: Option<(u64, Vec<Quad>)>,
    /// The ontology's lines that `facts.ttl` carries (see [`super::rdf::data_lines`]).
    described: HashSet<String>,
}

impl SharedQuads<'_> {
    fn quad(&mut self, tag: u64, line: &[u8]) -> Option<Quad> {
        let payload = tag & ((1 << KIND_SHIFT) - 1);
        match tag >> KIND_SHIFT {
            ONTOLOGY => std::str::from_utf8(line)
                .is_ok_and(|l| self.described.contains(l))
                .then(|| self.checked.ontology.quads[payload as usize].clone()),
            METADATA => Some(self.checked.metadata.quads[payload as usize].clone()),
            SOURCE => {
                let si = payload >> SOURCE_QUAD_BITS;
                let qi = (payload & ((1 << SOURCE_QUAD_BITS) - 1)) as usize;
                if self.cached.as_ref().map(|(s, _)| *s) != Some(si) {
                    let source = &self.sources[si as usize].source;
                    self.cached = Some((si, graph::source_quads(&self.config.minter, source)));
                }
                self.cached.as_ref().and_then(|(_, q)| q.get(qi).cloned())
            }
            _ => self.checked.facts.plain_triple(payload as usize),
        }
    }
}

/// The order check: every line must be greater than the one before.
#[derive(Debug, Default)]
struct Order {
    previous: Vec<u8>,
    lines: u64,
}

impl Order {
    fn emit(&mut self, batch: &mut Batch, line: &[u8], quad: Option<Quad>) -> Result<()> {
        if self.lines > 0 && line <= self.previous.as_slice() {
            return Err(Error::Store(
                format!(
                    "internal error: canonical lines out of order at {}",
                    String::from_utf8_lossy(line).trim_end()
                )
                .into(),
            ));
        }
        self.previous.clear();
        self.previous.extend_from_slice(line);
        self.lines += 1;
        batch.push(line);
        batch.data.extend(quad);
        Ok(())
    }
}

/// Merges the shared stream into the fact blocks, checking the order as it goes.
struct Merger<'a> {
    shared: crate::extsort::Sorted,
    quads: SharedQuads<'a>,
    order: Order,
    spill_dir: &'a Path,
}

impl Merger<'_> {
    /// Emits the shared lines smaller than `line` (all of them for `None`); returns
    /// whether the next shared line equals `line` and is the ontology's (and not one
    /// that `facts.ttl` carries anyway).
    fn shared_until(&mut self, batch: &mut Batch, line: Option<&[u8]>) -> Result<Option<bool>> {
        loop {
            let Some((head, tag)) = self.shared.head() else {
                return Ok(None);
            };
            match line.map(|l| head.cmp(l)) {
                Some(Ordering::Greater) => return Ok(None),
                Some(Ordering::Equal) => {
                    let ontology = tag >> KIND_SHIFT == ONTOLOGY
                        && std::str::from_utf8(head)
                            .is_ok_and(|l| !self.quads.described.contains(l));
                    self.shared
                        .advance()
                        .map_err(|e| Error::io(self.spill_dir, e))?;
                    return Ok(Some(ontology));
                }
                Some(Ordering::Less) | None => {
                    let quad = self.quads.quad(tag, head);
                    self.order.emit(batch, head, quad)?;
                    self.shared
                        .advance()
                        .map_err(|e| Error::io(self.spill_dir, e))?;
                }
            }
        }
    }

    fn block(&mut self, batch: &mut Batch, block: Block) -> Result<()> {
        let mut start = 0;
        for (end, quad) in block.ends.iter().zip(block.quads) {
            let line = &block.bytes[start..*end];
            start = *end;
            let ontology = self.shared_until(batch, Some(line))? == Some(true);
            self.order.emit(batch, line, (!ontology).then_some(quad))?;
        }
        Ok(())
    }
}

/// Streams the canonical graph of `checked` to `consume`, batch by batch, in order.
///
/// The concatenation of every batch's bytes is `graph.nq` of an export, byte for byte;
/// the concatenation of their `data` is what `facts.ttl` serializes. Memory: the
/// external sort's budget, two windows of facts, and the facts themselves.
pub fn stream(
    config: &Config,
    checked: &Checked,
    options: &StreamOptions<'_>,
    mut consume: impl FnMut(Batch) -> Result<()> + Send,
) -> Result<Streamed> {
    let facts = &checked.facts;
    let described = super::described::described_terms(config, checked);
    let shared = shared_lines(config, checked, options)?;

    let mut keys: Vec<(u32, bool)> = (0..facts.len() as u32)
        .flat_map(|i| [(i, false), (i, true)])
        .collect();
    keys.par_sort_unstable_by(|a, b| block_order(facts, *a, *b));

    let mut merger = Merger {
        shared,
        quads: SharedQuads {
            config,
            checked,
            sources: checked.sources.values().collect(),
            cached: None,
            described,
        },
        order: Order::default(),
        spill_dir: options.spill_dir,
    };
    let mut fact_hashes = vec![[0u8; 32]; facts.len()];
    let mut waiting: HashMap<u32, Block> = HashMap::new();
    let bar = options
        .progress
        .bar(facts.len() as u64, "writing the graph (facts)");

    // A window is a run of block keys holding about WINDOW_FACTS first blocks.
    let generate_window = |window: &[(u32, bool)]| -> Vec<(u32, Generated)> {
        window
            .par_iter()
            .filter(|(_, own)| !own)
            .map(|&(i, _)| (i, generate(config, &facts.get(i as usize))))
            .collect()
    };
    let mut windows = keys.chunks(WINDOW_FACTS * 2);
    let mut current = windows.next();
    let mut generated = current.map(generate_window).unwrap_or_default();
    let mut done = 0u64;
    while let Some(window) = current {
        let mut batch = Batch {
            bytes: Vec::with_capacity(window.len() * 16 * 140),
            ends: Vec::with_capacity(window.len() * 16),
            data: Vec::with_capacity(window.len() * 16),
        };
        let mut by_fact: HashMap<u32, Generated> = generated.into_iter().collect();
        for &(i, own) in window {
            let block = if own {
                waiting.remove(&i)
            } else {
                by_fact.remove(&i).map(|g| {
                    fact_hashes[i as usize] = g.hash;
                    waiting.insert(i, g.node);
                    done += 1;
                    g.parts
                })
            };
            let block = block.ok_or_else(|| {
                Error::Store(format!("internal error: fact block {i}/{own} out of order").into())
            })?;
            merger.block(&mut batch, block)?;
        }
        current = windows.next();
        let (next, consumed) = rayon::join(
            || current.map(generate_window).unwrap_or_default(),
            || consume(batch),
        );
        consumed?;
        generated = next;
        bar.set_position(done);
    }
    bar.finish_and_clear();
    let mut batch = Batch::default();
    merger.shared_until(&mut batch, None)?;
    if !batch.ends.is_empty() {
        consume(batch)?;
    }
    Ok(Streamed {
        lines: merger.order.lines,
        fact_hashes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fact::{Fact, Rank};
    use crate::quote::QuoteMatch;
    use oxigraph::model::NamedNode;

    fn cited(id: &str) -> Cited {
        let n = NamedNode::new_unchecked("https://x/e");
        Cited {
            fact: Fact {
                id: id.to_owned(),
                source_id: "s".into(),
                subject: n.clone(),
                predicate: n.clone(),
                object: n.into(),
                qualifiers: Box::default(),
                rank: Rank::Normal,
                quote: "q".into(),
                deprecation_reason: None,
                voice: crate::attribution::Voice::Source,
                relayed_by: None,
                basis: crate::attribution::Basis::Stated,
                days: Box::default(),
                recorded: None,
                note: None,
                line: 2,
            },
            quote: QuoteMatch {
                start: 0,
                end: 1,
                prefix: String::new(),
                suffix: String::new(),
            },
        }
    }

    #[test]
    fn block_keys_sort_like_their_lines() {
        let ids = [
            "f1", "f10", "f1-a", "f1.b", "f1_c", "f1A", "f2", "f", "f10a",
        ];
        let facts: Facts = ids.iter().map(|id| cited(id)).collect();
        let mut keys: Vec<(u32, bool)> = (0..facts.len() as u32)
            .flat_map(|i| [(i, false), (i, true)])
            .collect();
        keys.sort_by(|a, b| block_order(&facts, *a, *b));
        let line = |(i, own): (u32, bool)| {
            let id = ids[i as usize];
            if own {
                format!("<https://x/fact/{id}> <p> <o> .\n")
            } else {
                format!("<https://x/fact/{id}#annotation> <p> <o> .\n")
            }
        };
        let lines: Vec<String> = keys.iter().map(|k| line(*k)).collect();
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(lines, sorted);
    }
}
