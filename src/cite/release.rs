//! Reading one fact's citation out of a release's `graph.nq` in flat memory.
//!
//! A citation needs the fact's node with its parts (`<F>`, `<F#quote>`, …), its
//! source's node and the labels and declarations of the terms it names: a few dozen
//! lines of a file that holds millions. Parsing the whole file into quads took 1.6 GiB
//! at 100,000 facts, so instead the lines are scanned as text, up to three times, and
//! only the lines wanted are parsed:
//! 1. the line `<F> fg:factId "id" .` names the fact node (the scan stops there);
//! 2. the lines of `<F>` and `<F#…>` are parsed, and every IRI they name is wanted;
//! 3. the lines whose subject is wanted are parsed.
//!
//! `graph.nq` is read as an untrusted file: a regular file only, lines bounded.

use crate::error::{Error, Result};
use crate::release::groups::subject_of as subject;
use crate::vocab::FG;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Literal, NamedOrBlankNode, Quad, Term};
use std::collections::HashSet;
use std::io::{BufRead, Read};
use std::path::Path;

/// The longest `graph.nq` line read: a 1 MiB cell (the tables' bound), escaped.
const MAX_LINE: usize = 16 * 1024 * 1024;

/// The release's description and the quads a citation of `fact_id` needs.
pub fn read_fact(dir: &Path, fact_id: &str) -> Result<(crate::release::ReleaseInfo, Vec<Quad>)> {
    let info = crate::release::read_info(dir)?;
    let nq = dir.join("graph.nq");
    let declares_id = format!(" <{FG}factId> {} .", Literal::new_simple_literal(fact_id));
    let mut node = None;
    scan(&nq, |line, _| {
        if line.ends_with(&declares_id) {
            node = subject(line).map(str::to_owned);
        }
        node.is_none()
    })?;
    let Some(node) = node else {
        return Err(super::unknown_id(
            fact_id,
            known_ids(&nq)?.iter().map(String::as_str),
        ));
    };
    let part = format!("{}#", node.trim_end_matches('>'));
    let mut quads = Vec::new();
    scan(&nq, |line, number| {
        if subject(line).is_some_and(|s| s == node || s.starts_with(&part)) {
            quads.push(parse(&nq, line, number));
        }
        true
    })?;
    let mut quads = quads.into_iter().collect::<Result<Vec<_>>>()?;
    let mut wanted: HashSet<String> = HashSet::new();
    for q in &quads {
        wanted.insert(format!("<{}>", q.predicate.as_str()));
        if let Term::NamedNode(n) = &q.object {
            wanted.insert(format!("<{}>", n.as_str()));
        }
    }
    wanted.remove(&node);
    let mut more = Vec::new();
    scan(&nq, |line, number| {
        if subject(line).is_some_and(|s| wanted.contains(s) && !s.starts_with(&part)) {
            more.push(parse(&nq, line, number));
        }
        true
    })?;
    for q in more {
        quads.push(q?);
    }
    Ok((info, quads))
}

/// Every fact id of the release (for the "closest known ids" of an unknown one).
fn known_ids(nq: &Path) -> Result<Vec<String>> {
    let marker = format!(" <{FG}factId> \"");
    let mut lines = Vec::new();
    scan(nq, |line, number| {
        if line.contains(&marker) {
            lines.push(parse(nq, line, number));
        }
        true
    })?;
    let mut ids = Vec::new();
    for q in lines {
        if let Term::Literal(l) = q?.object {
            ids.push(l.value().to_owned());
        }
    }
    Ok(ids)
}

fn parse(nq: &Path, line: &str, number: u64) -> Result<Quad> {
    let corrupt = |message: String| Error::CorruptRelease {
        path: nq.to_path_buf(),
        message: format!("line {number}: {message}"),
    };
    let mut quads = RdfParser::from_format(RdfFormat::NQuads).for_slice(line.as_bytes());
    match quads.next() {
        Some(Ok(q)) if matches!(q.subject, NamedOrBlankNode::NamedNode(_)) => Ok(q),
        Some(Ok(_)) => Err(corrupt("a blank node subject".into())),
        Some(Err(e)) => Err(corrupt(e.to_string())),
        None => Err(corrupt("not a quad".into())),
    }
}

/// Hands each line of `nq` (without its newline) and its number to `each` until it
/// returns false.
fn scan(nq: &Path, mut each: impl FnMut(&str, u64) -> bool) -> Result<()> {
    let file = crate::safe_read::open_no_follow(nq).map_err(|e| Error::io(nq, e))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut buf = Vec::new();
    let mut number = 0u64;
    loop {
        buf.clear();
        let n = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(nq, e))?;
        if n == 0 {
            return Ok(());
        }
        number += 1;
        if buf.len() > MAX_LINE {
            return Err(Error::CorruptRelease {
                path: nq.to_path_buf(),
                message: format!("line {number} is longer than {MAX_LINE} bytes"),
            });
        }
        let line = std::str::from_utf8(&buf).map_err(|e| Error::CorruptRelease {
            path: nq.to_path_buf(),
            message: format!("line {number} is not UTF-8: {e}"),
        })?;
        if !each(line.trim_end_matches(['\n', '\r']), number) {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v2() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("exports/v2")
    }

    /// The citation read from a few lines is the one read from every quad.
    #[test]
    fn a_fact_read_alone_cites_as_from_the_whole_graph() {
        let (info, all) = crate::verify::release::read_for_cite(&v2()).unwrap();
        let release = || super::super::ReleaseInfo {
            version: info.version.clone(),
            content_hash: info.graph_sha256.clone(),
            iri: Some(info.iri.clone()),
            published_as: None,
        };
        let ids: Vec<String> = all
            .iter()
            .filter(|q| q.predicate.as_str() == format!("{FG}factId"))
            .filter_map(|q| match &q.object {
                Term::Literal(l) => Some(l.value().to_owned()),
                _ => None,
            })
            .collect();
        assert_eq!(ids.len(), 58);
        for id in &ids {
            let (_, some) = read_fact(&v2(), id).unwrap();
            assert!(some.len() < all.len() / 10, "{id}: {} quads", some.len());
            let alone = super::super::from_quads(&some, id, release()).unwrap();
            let whole = super::super::from_quads(&all, id, release()).unwrap();
            assert_eq!(alone, whole, "{id}");
        }
    }

    #[test]
    fn an_unknown_id_names_the_closest_known_ones() {
        let error = read_fact(&v2(), "astana-01").unwrap_err().to_string();
        assert!(error.contains("no fact has the id `astana-01`"), "{error}");
        assert!(error.contains("astana-001"), "{error}");
    }

    #[test]
    fn a_corrupt_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["release.ttl", "graph.nq"] {
            std::fs::copy(v2().join(f), dir.path().join(f)).unwrap();
        }
        let nq = dir.path().join("graph.nq");
        let text = std::fs::read_to_string(&nq).unwrap();
        let broken = text.replacen("#quote> <", "#quote> <not an iri", 1);
        std::fs::write(&nq, broken).unwrap();
        let error = read_fact(dir.path(), "astana-001").unwrap_err().to_string();
        assert!(
            error.contains("graph.nq") && error.contains("line "),
            "{error}"
        );
    }
}
