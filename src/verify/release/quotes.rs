//! The quotes of a release checked against source texts (`--sources`), and a
//! release's quads read for `cite`.

use super::super::{classify, FactReport, FactStatus, Matcher, Problem, Report, SourceReport};
use super::super::{SourceStatus, Span};
use super::graph::GraphFacts;
use crate::error::{Error, Result};
use crate::hash::sha256_hex;
use crate::quote::SourceText;
use crate::verify::ProblemKind;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Quad;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Finds a source file under `dir`: at its recorded path, else by its file name. A
/// recorded path that is not plain (`..`, absolute) is never followed out of `dir`:
/// the release may come from anyone.
fn find_source(dir: &Path, file: &str) -> Option<PathBuf> {
    if !crate::safe_read::is_plain_relative(Path::new(file)) {
        return None;
    }
    let at = dir.join(file);
    if crate::safe_read::check_in(dir, &at).is_ok() {
        return Some(at);
    }
    let name = Path::new(file).file_name()?;
    Some(dir.join(name)).filter(|p| crate::safe_read::check_in(dir, p).is_ok())
}

/// Re-checks every quote whose source file is at hand.
pub(super) fn check_quotes(graph: &GraphFacts, sources: Option<&Path>, report: &mut Report) {
    let mut texts: BTreeMap<&str, (SourceText, bool)> = BTreeMap::new();
    let mut cited: BTreeMap<&str, (usize, Vec<String>)> = BTreeMap::new();
    for (iri, (id, file, sha256)) in &graph.sources {
        let mut source = SourceReport {
            source_id: id.clone(),
            file: file.clone(),
            status: SourceStatus::NotChecked,
            expected_sha256: sha256.clone(),
            actual_sha256: None,
            facts: 0,
            broken: Vec::new(),
            message: String::new(),
        };
        match sources.map(|dir| (dir, find_source(dir, file))) {
            None => {}
            Some((_, None)) if !crate::safe_read::is_plain_relative(Path::new(file)) => {
                report.problems.push(Problem::new(
                    ProblemKind::UnsafePath,
                    "graph.nq",
                    format!(
                        "source `{id}` records the file `{file}`, which leaves the sources directory (`..` or an absolute path); it is not read"
                    ),
                ));
            }
            Some((dir, None)) => report.warnings.push(Problem::new(
                ProblemKind::SourceNotAtHand,
                dir.display().to_string(),
                format!(
                    "source `{id}` ({file}) is not in this directory; its quotes are not checked"
                ),
            )),
            Some((dir, Some(path))) => {
                match crate::safe_read::read_in(dir, &path, crate::safe_read::MAX_TEXT_FILE) {
                    Ok(bytes) => {
                        let actual = sha256_hex(&bytes);
                        let changed = actual != *sha256;
                        source.status = if changed {
                            SourceStatus::Changed
                        } else {
                            SourceStatus::Ok
                        };
                        source.actual_sha256 = Some(actual);
                        match String::from_utf8(bytes) {
                            Ok(text) => {
                                texts.insert(iri.as_str(), (SourceText::new(text), changed));
                            }
                            Err(_) => {
                                source.status = SourceStatus::Unreadable;
                                source.message = format!("{} is not UTF-8", path.display());
                            }
                        }
                    }
                    Err(e) => {
                        source.status = SourceStatus::Unreadable;
                        source.message = format!("{}: {e}", path.display());
                    }
                }
            }
        }
        report.sources.push(source);
    }
    let mut matchers: HashMap<&str, (Matcher<'_>, bool)> = texts
        .iter()
        .map(|(iri, (text, changed))| (*iri, (Matcher::new(text), *changed)))
        .collect();
    for (source_iri, citation) in &graph.citations {
        let entry = cited.entry(source_iri.as_str()).or_default();
        entry.0 += 1;
        let mut fact = match matchers.get_mut(source_iri.as_str()) {
            Some((matcher, changed)) => classify(matcher, citation, *changed),
            None => FactReport {
                fact_id: citation.fact_id.clone(),
                line: None,
                source_id: citation.source_id.clone(),
                status: FactStatus::NotChecked,
                quote: citation.quote.clone(),
                expected: citation.recorded.map(Span::from),
                occurrences: Vec::new(),
                moved_to: None,
                drift: None,
                source_changed: false,
                fixed: false,
                message: "source file not at hand".into(),
            },
        };
        if let Some((id, _, _)) = graph.sources.get(source_iri) {
            fact.source_id.clone_from(id);
        }
        if !matches!(fact.status, FactStatus::Ok | FactStatus::NotChecked) {
            entry.1.push(fact.fact_id.clone());
        }
        report.add_fact(fact);
    }
    // Without the source files, facts are only counted (their quotes were not kept).
    for (source_iri, count) in &graph.cited {
        cited.entry(source_iri.as_str()).or_default().0 += count;
        *report
            .facts_by_status
            .entry(FactStatus::NotChecked)
            .or_default() += count;
    }
    let iri_of: HashMap<&str, &str> = graph
        .sources
        .iter()
        .map(|(iri, v)| (v.0.as_str(), iri.as_str()))
        .collect();
    for s in &mut report.sources {
        let iri = iri_of.get(s.source_id.as_str()).copied();
        if let Some((count, broken)) = iri.and_then(|i| cited.remove(i)) {
            s.facts = count;
            s.broken = broken;
        }
        if s.status == SourceStatus::Changed {
            s.message = format!(
                "sha256 is now {}, the release records {}; {} of its {} fact(s) no longer match",
                s.actual_sha256.as_deref().unwrap_or_default(),
                s.expected_sha256,
                s.broken.len(),
                s.facts
            );
        }
    }
}

/// Cites a fact as published in a release: the release's metadata and `graph.nq`.
pub fn read_for_cite(dir: &Path) -> Result<(crate::release::ReleaseInfo, Vec<Quad>)> {
    let info = crate::release::read_info(dir)?;
    let nq = dir.join("graph.nq");
    let file = crate::safe_read::open_no_follow(&nq).map_err(|e| Error::io(&nq, e))?;
    let quads = RdfParser::from_format(RdfFormat::NQuads)
        .for_reader(std::io::BufReader::new(file))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::CorruptRelease {
            path: nq.clone(),
            message: e.to_string(),
        })?;
    Ok((info, quads))
}
