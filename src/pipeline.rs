//! The pipeline: validation of all inputs, and graph building.
//!
//! `check` reads the ontology, the sources table, every source file (once) and streams
//! the facts table, collecting every problem; `quads` maps what passed to quads, lazily;
//! `canonical` sorts them into the canonical lines and fact hashes.

use crate::error::{Code, Diagnostic, Error, Location, Result};
use crate::fact::{self, Fact};
use crate::graph;
use crate::ontology::Ontology;
use crate::project::Config;
use crate::quote::{Located, QuoteMatch};
use crate::source::{self, Hashed};
use oxigraph::model::Quad;
use std::collections::{BTreeMap, HashMap};

mod facts;
pub use facts::Facts;

/// A fact whose quote was found in its source.
#[derive(Debug, Clone)]
pub struct Cited {
    /// The fact.
    pub fact: Fact,
    /// Where its quote is.
    pub quote: QuoteMatch,
}

/// Everything that passed validation.
#[derive(Debug, Default)]
pub struct Checked {
    /// The vocabulary.
    pub ontology: Ontology,
    /// Sources by id (their texts are not kept: every quote is located by then).
    pub sources: BTreeMap<String, Hashed>,
    /// Facts whose every cell and quote is valid, in table order.
    pub facts: Facts,
    /// The dataset's description (`project.ttl`).
    pub metadata: crate::metadata::Metadata,
}

/// Validates every input; returns what passed and every problem (sorted by place).
///
/// The facts table is streamed first; then each source file is read, hashed and
/// decoded once, its facts' quotes are located, and its text is dropped, a few sources
/// at a time side by side: holding every text until the last fact was checked cost as
/// much memory as the sources directory.
pub fn check(config: &Config) -> (Checked, Vec<Diagnostic>) {
    let (ontology, mut problems) = Ontology::load(&config.ontology_dir(), &config.root);
    let (metadata, metadata_problems) = crate::metadata::Metadata::load(&config.root);
    problems.extend(metadata_problems);
    problems.extend(ontology.reserved_problems(&config.minter));
    let table = config.sources_table();
    let table_shown = config.shown(&table);
    let (sources, source_problems) = source::read_table(&table, &table_shown);
    problems.extend(source_problems);
    // Sources listed in the table but unreadable still count as known (their own
    // problem is reported once, not again on every fact citing them).
    let known: HashMap<&str, ()> = sources.iter().map(|s| (s.id.as_str(), ())).collect();

    let facts_path = config.facts_table();
    let facts_shown = config.shown(&facts_path);
    let mut facts = Facts::default();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut row_problems = Vec::new();
    // Where the quote cells are, for problems found after the row is gone.
    let mut quote_cells: Option<QuoteCells> = None;
    let file_problems = fact::read(
        &facts_path,
        &facts_shown,
        &ontology,
        |parsed, row| match parsed {
            Err(bad) => row_problems.extend(bad),
            Ok(fact) => {
                let at = |field: &str| row.loc(field);
                if let Some(line) = first_line.get(&fact.id) {
                    row_problems.push(Diagnostic::new(
                        at("fact_id"),
                        Code::DuplicateId,
                        format!("fact id `{}` is already used on line {line}", fact.id),
                    ));
                    return;
                }
                first_line.insert(fact.id.clone(), fact.line);
                if !known.contains_key(fact.source_id.as_str()) {
                    row_problems.push(Diagnostic::new(
                        at("source_id"),
                        Code::UnknownSource,
                        format!(
                            "source `{}` is not in {}",
                            fact.source_id,
                            table_shown.display()
                        ),
                    ));
                    return;
                }
                quote_cells.get_or_insert_with(|| QuoteCells {
                    quote: at("quote"),
                    quote_start: at("quote_start"),
                });
                facts.push(Cited {
                    fact,
                    quote: QuoteMatch::default(),
                });
            }
        },
    );
    drop(first_line);
    problems.extend(file_problems);
    problems.extend(row_problems);

    let hashed = locate_quotes(
        config,
        &sources,
        &table_shown,
        &mut facts,
        quote_cells.as_ref(),
        &mut problems,
    );
    problems.sort();
    (
        Checked {
            ontology,
            sources: hashed,
            facts,
            metadata,
        },
        problems,
    )
}

/// The places of a facts table's quote cells (any row's; the line is set per fact).
struct QuoteCells {
    quote: Location,
    quote_start: Location,
}

/// Reads every source once (side by side), locating the quotes of the facts citing
/// it; returns the sources that could be read, and keeps only the facts whose quote
/// was found. Facts citing an unreadable source are left out silently: that source's
/// own problem is reported.
fn locate_quotes(
    config: &Config,
    sources: &[source::Source],
    table_shown: &std::path::Path,
    facts: &mut Facts,
    cells: Option<&QuoteCells>,
    problems: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Hashed> {
    use rayon::prelude::*;
    let mut citing: HashMap<&str, Vec<usize>> = HashMap::new();
    for i in 0..facts.len() {
        citing.entry(facts.source_id(i)).or_default().push(i);
    }
    let sources_dir = config.sources_dir();
    let per_source: Vec<_> = sources
        .par_iter()
        .map(|s| {
            let (loaded, mut problems) =
                source::load_one(s, &sources_dir, table_shown, &config.root);
            let mut found = Vec::new();
            let Some(loaded) = loaded else {
                return (None, found, problems);
            };
            for &i in citing.get(s.id.as_str()).map_or(&[][..], Vec::as_slice) {
                let (quote, recorded) = facts.quote(i);
                match loaded.text.locate(quote, recorded) {
                    Located::Found(quote) => found.push((i, quote)),
                    other => {
                        let fact = facts.get(i).fact;
                        let cells = cells.expect("a fact was kept, so its row was seen");
                        let cell = if matches!(other, Located::Moved(_)) {
                            &cells.quote_start
                        } else {
                            &cells.quote
                        };
                        problems.push(Diagnostic::new(
                            cell.clone().at_line(fact.line),
                            quote_code(&other),
                            quote_message(&fact, &loaded.source.file, &other),
                        ));
                    }
                }
            }
            (Some(loaded.into_hashed()), found, problems)
        })
        .collect();
    let mut hashed = BTreeMap::new();
    let mut kept = vec![false; facts.len()];
    for (h, found, p) in per_source {
        if let Some(h) = h {
            hashed.insert(h.source.id.clone(), h);
        }
        for (i, quote) in found {
            kept[i] = true;
            facts.set_quote(i, quote);
        }
        problems.extend(p);
    }
    facts.retain(&kept);
    hashed
}

fn quote_code(located: &Located) -> Code {
    match located {
        Located::Moved(_) => Code::QuoteMoved,
        Located::Ambiguous(_) => Code::QuoteAmbiguous,
        Located::NotFound | Located::Found(_) => Code::QuoteNotFound,
    }
}

fn quote_message(fact: &Fact, file: &str, located: &Located) -> String {
    let spans = |all: &[(usize, usize)]| {
        all.iter()
            .map(|(s, e)| format!("{s}..{e}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let short: String = fact.quote.chars().take(60).collect();
    let ellipsis = if fact.quote.chars().count() > 60 {
        "…"
    } else {
        ""
    };
    match located {
        Located::NotFound => format!("quote \"{short}{ellipsis}\" is not found verbatim in source `{}` ({file})", fact.source_id),
        Located::Ambiguous(all) => format!("quote \"{short}{ellipsis}\" occurs {} times in source `{}` (code points {}); set quote_start and quote_end to say which", all.len(), fact.source_id, spans(all)),
        Located::Moved(all) => {
            let (s, e) = fact.recorded.unwrap_or_default();
            format!("quote is not at code points {s}..{e} of source `{}` but at {}; fix quote_start/quote_end (or run `factgraph verify --fix`)", fact.source_id, spans(all))
        }
        Located::Found(_) => String::new(),
    }
}

/// Like [`check`], but any problem is an error.
pub fn checked(config: &Config) -> Result<Checked> {
    checked_with(config, &crate::progress::Progress::hidden())
}

/// [`checked`], with a spinner while the inputs are read.
pub fn checked_with(config: &Config, progress: &crate::progress::Progress) -> Result<Checked> {
    let spinner = progress.spinner("checking the inputs");
    let (checked, problems) = check(config);
    spinner.finish_and_clear();
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Every quad of the graph, generated lazily (ontology, sources, then facts) so that
/// it can stream into the store's bulk loader or the canonical sort without a second
/// copy of the graph in memory.
pub fn quads<'a>(config: &'a Config, checked: &'a Checked) -> impl Iterator<Item = Quad> + 'a {
    quads_with(config, checked, |_, _| {})
}

/// The whole graph as sorted canonical N-Quads lines, and each fact's content hash by
/// fact id, from one pass (each fact's quads are generated once).
pub fn canonical(config: &Config, checked: &Checked) -> (Vec<String>, BTreeMap<String, String>) {
    let mut hashes = BTreeMap::new();
    let lines = crate::hash::canonical_lines(quads_with(config, checked, |id, hash| {
        hashes.insert(id.to_owned(), hash);
    }));
    (lines, hashes)
}

/// [`quads`], telling `on_fact_hash` each fact's id and content hash as it passes.
fn quads_with<'a>(
    config: &'a Config,
    checked: &'a Checked,
    mut on_fact_hash: impl FnMut(&str, String) + 'a,
) -> impl Iterator<Item = Quad> + 'a {
    let minter = &config.minter;
    checked
        .ontology
        .quads
        .iter()
        .chain(&checked.metadata.quads)
        .cloned()
        .chain(
            checked
                .sources
                .values()
                .flat_map(move |l| graph::source_quads(minter, &l.source)),
        )
        .chain(checked.facts.iter().flat_map(move |c| {
            let (quads, hash) = graph::fact_quads(minter, &c.fact, &c.quote);
            on_fact_hash(&c.fact.id, hash);
            quads
        }))
}

/// The prefixes exports declare, in a fixed order: the standard ones, then the
/// ontology's own (by name), then the minted namespaces.
pub fn prefixes(config: &Config, ontology: &Ontology) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = crate::vocab::STANDARD_PREFIXES
        .iter()
        .map(|(n, i)| ((*n).to_owned(), (*i).to_owned()))
        .collect();
    for (name, iri) in &ontology.prefixes {
        if !out.iter().any(|(n, _)| n == name) {
            out.push((name.clone(), iri.clone()));
        }
    }
    for (name, iri) in [
        ("fact", config.minter.fact_ns()),
        ("source", config.minter.source_ns()),
        ("release", config.minter.release_ns()),
    ] {
        if !out.iter().any(|(n, _)| n == name) {
            out.push((name.to_owned(), iri));
        }
    }
    out
}
