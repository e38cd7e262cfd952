//! `factgraph cite`: how to cite one fact.
//!
//! A citation is read from the graph itself (the working graph, or a release's
//! `graph.nq`), never from the CSV tables, so that what it prints is exactly what the
//! cited graph says: the claim in words (`rdfs:label`s), the quote with its prefix and
//! suffix, whose claim it is and who relayed it ("according to X, as reported by Y, in
//! <source>"), how the quote supports it, its rank and, when deprecated, why; the
//! source, the source's sha256, the release and its content hash, and the fact's IRI.
//! Output formats: plain text, BibTeX (`@misc`) and CSL-JSON.

use crate::error::{Error, Result};
use crate::pipeline;
use crate::project::Config;
mod release;
mod render;

use crate::vocab::{DCTERMS, FG, OA, PROV, RDF, RDFS, SCHEMA};
use oxigraph::model::{Quad, Term};
use std::collections::{BTreeMap, HashMap};

/// A term of the claim: its IRI or literal value, and its label when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// IRI, or a literal's lexical value.
    pub value: String,
    /// `rdfs:label`, preferring English.
    pub label: Option<String>,
}

impl Named {
    /// The label, or the value.
    pub fn words(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.value)
    }
}

/// Everything needed to cite one fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactCitation {
    /// The fact id.
    pub fact_id: String,
    /// The fact's IRI.
    pub fact_iri: String,
    /// The fact's content hash (`fg:sha256`).
    pub fact_sha256: Option<String>,
    /// Subject, predicate, object.
    pub claim: (Named, Named, Named),
    /// Qualifiers (property, value), sorted.
    pub qualifiers: Vec<(Named, Named)>,
    /// Rank (`fg:rank`).
    pub rank: Option<Named>,
    /// Why it is deprecated (`fg:deprecationReason`).
    pub deprecation_reason: Option<Named>,
    /// Whose claim it is (`fg:voice`); absent in releases made before voices existed.
    pub voice: Option<Named>,
    /// The agency that relayed it (`fg:relayedBy`).
    pub relayed_by: Option<Named>,
    /// How the quote supports it (`fg:basis`).
    pub basis: Option<Named>,
    /// The curator's note (`rdfs:comment`).
    pub note: Option<String>,
    /// The exact quote.
    pub quote: String,
    /// Text before it.
    pub prefix: String,
    /// Text after it.
    pub suffix: String,
    /// Code point positions.
    pub position: Option<(u64, u64)>,
    /// The source.
    pub source: SourceInfo,
    /// The release (or the working graph).
    pub release: ReleaseInfo,
}

/// The cited source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceInfo {
    /// Source id.
    pub id: String,
    /// Source IRI.
    pub iri: String,
    /// Title.
    pub title: Option<String>,
    /// Publisher.
    pub publisher: Option<String>,
    /// Publication date (lexical form).
    pub issued: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// sha256 of the source file.
    pub sha256: Option<String>,
}

/// Which graph the citation comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseInfo {
    /// `working` for the unreleased working graph, else the release version.
    pub version: String,
    /// The graph content hash (sha256 of the sorted canonical N-Quads).
    pub content_hash: String,
    /// The release IRI, for a release.
    pub iri: Option<String>,
    /// For the working graph: the newest release with the same content hash
    /// (`v1 (2026-11-28) <iri>`), which is what a reader should cite.
    pub published_as: Option<String>,
}

/// Cites a fact of the working graph (the inputs must check clean for that fact).
pub fn from_working(config: &Config, fact_id: &str) -> Result<FactCitation> {
    let (checked, problems) = pipeline::check(config);
    if !(0..checked.facts.len()).any(|i| checked.facts.id(i) == fact_id) {
        return Err(not_citable(config, fact_id, &problems));
    }
    let quads: Vec<oxigraph::model::Quad> = pipeline::quads(config, &checked).collect();
    let release = working_release(config, &quads);
    from_quads(&quads, fact_id, release)
}

/// How the working graph is cited: its content hash (the rule of `export`'s graph.nq
/// and a release's `fg:graphSha256`) and the newest release with the same content.
pub fn working_release(config: &Config, quads: &[oxigraph::model::Quad]) -> ReleaseInfo {
    let lines = crate::hash::canonical_lines(quads);
    let content_hash = crate::hash::graph_sha256(&lines);
    let published_as = crate::release::list(&config.exports_dir())
        .unwrap_or_default()
        .into_iter()
        .rev()
        .find(|r| r.graph_sha256 == content_hash)
        .map(|r| format!("{} ({}) <{}>", r.version, r.issued, r.iri));
    ReleaseInfo {
        version: "working".to_owned(),
        content_hash,
        iri: None,
        published_as,
    }
}

/// Why a working fact cannot be cited: its row has problems, or the id is unknown.
fn not_citable(config: &Config, fact_id: &str, problems: &[crate::Diagnostic]) -> Error {
    let path = config.facts_table();
    let shown = config.shown(&path);
    let mut ids: Vec<(String, u64)> = Vec::new();
    let _ = crate::table::read(
        &path,
        &shown,
        &["fact_id"],
        &crate::fact::COLUMNS[1..],
        |row| {
            if let Some(id) = row.get("fact_id") {
                ids.push((id.to_owned(), row.line));
            }
        },
    );
    if let Some(&(_, line)) = ids.iter().find(|(id, _)| id == fact_id) {
        let own: Vec<_> = problems
            .iter()
            .filter(|d| d.location.path == shown && d.location.line == Some(line))
            .cloned()
            .collect();
        if !own.is_empty() {
            return Error::Invalid(own);
        }
        return Error::Usage(format!(
            "fact `{fact_id}` cannot be cited: the inputs have problems (run `factgraph check`)"
        ));
    }
    unknown_id(fact_id, ids.iter().map(|(id, _)| id.as_str()))
}

/// The error for an unknown fact id, naming the closest known ids.
pub fn unknown_id<'a>(fact_id: &str, known: impl Iterator<Item = &'a str>) -> Error {
    let close = closest(fact_id, known, 3);
    Error::Usage(if close.is_empty() {
        format!("no fact has the id `{fact_id}`")
    } else {
        format!(
            "no fact has the id `{fact_id}`; the closest known ids are: {}",
            close.join(", ")
        )
    })
}

/// The `n` known ids nearest to `wanted` by edit distance (ties by id).
pub fn closest<'a>(wanted: &str, known: impl Iterator<Item = &'a str>, n: usize) -> Vec<String> {
    let mut scored: Vec<(usize, &str)> = known.map(|k| (levenshtein(wanted, k), k)).collect();
    scored.sort_unstable();
    scored.dedup();
    scored
        .into_iter()
        .take(n)
        .map(|(_, k)| k.to_owned())
        .collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

/// Reads a fact's citation out of a graph's quads.
pub fn from_quads<'q>(
    quads: impl IntoIterator<Item = &'q Quad>,
    fact_id: &str,
    release: ReleaseInfo,
) -> Result<FactCitation> {
    let mut by_subject: HashMap<String, Vec<(String, Term)>> = HashMap::new();
    let mut fact_ids: BTreeMap<String, String> = BTreeMap::new();
    let fact_id_p = format!("{FG}factId");
    for q in quads {
        let s = match &q.subject {
            oxigraph::model::NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
            other => other.to_string(),
        };
        if q.predicate.as_str() == fact_id_p {
            if let Term::Literal(l) = &q.object {
                fact_ids.insert(l.value().to_owned(), s.clone());
            }
        }
        by_subject
            .entry(s)
            .or_default()
            .push((q.predicate.as_str().to_owned(), q.object.clone()));
    }
    let Some(fact_iri) = fact_ids.get(fact_id).cloned() else {
        return Err(unknown_id(fact_id, fact_ids.keys().map(String::as_str)));
    };
    let get = |s: &str, p: String| -> Option<Term> {
        by_subject
            .get(s)?
            .iter()
            .find(|(pp, _)| *pp == p)
            .map(|(_, o)| o.clone())
    };
    let text = |s: &str, p: String| -> Option<String> {
        get(s, p).map(|t| match t {
            Term::Literal(l) => l.value().to_owned(),
            Term::NamedNode(n) => n.as_str().to_owned(),
            other => other.to_string(),
        })
    };
    let named = |t: &Term| -> Named {
        match t {
            Term::NamedNode(n) => Named {
                value: n.as_str().to_owned(),
                label: label(by_subject.get(n.as_str())),
            },
            Term::Literal(l) => Named {
                value: l.value().to_owned(),
                label: None,
            },
            other => Named {
                value: other.to_string(),
                label: None,
            },
        }
    };
    let term = |p: String| -> Result<Named> {
        get(&fact_iri, p.clone())
            .map(|t| named(&t))
            .ok_or_else(|| Error::Usage(format!("fact `{fact_id}` has no <{p}> in the graph")))
    };
    let claim = (
        term(format!("{RDF}subject"))?,
        term(format!("{RDF}predicate"))?,
        term(format!("{RDF}object"))?,
    );
    let qualifier_props = [
        format!("{FG}pointInTime"),
        format!("{FG}startTime"),
        format!("{FG}endTime"),
    ];
    let mut qualifiers: Vec<(Named, Named)> = by_subject
        .get(&fact_iri)
        .into_iter()
        .flatten()
        .filter(|(p, _)| {
            qualifier_props.contains(p)
                || by_subject
                    .get(p.as_str())
                    .is_some_and(|d| d.iter().any(|(pp, o)| *pp == format!("{RDF}type") && matches!(o, Term::NamedNode(n) if n.as_str() == format!("{FG}QualifierProperty"))))
        })
        .map(|(p, o)| (named(&Term::NamedNode(oxigraph::model::NamedNode::new_unchecked(p))), named(o)))
        .collect();
    qualifiers.sort_by(|a, b| (&a.0.value, &a.1.value).cmp(&(&b.0.value, &b.1.value)));
    let quote_node = format!("{fact_iri}#quote");
    let position_node = format!("{fact_iri}#position");
    let source_iri = text(&fact_iri, format!("{PROV}wasDerivedFrom")).unwrap_or_default();
    let number = |p: &str| text(&position_node, format!("{OA}{p}")).and_then(|v| v.parse().ok());
    let source = SourceInfo {
        id: text(&source_iri, format!("{FG}sourceId")).unwrap_or_default(),
        title: text(&source_iri, format!("{DCTERMS}title")),
        publisher: text(&source_iri, format!("{DCTERMS}publisher")),
        issued: text(&source_iri, format!("{DCTERMS}issued")),
        url: text(&source_iri, format!("{SCHEMA}url")),
        sha256: text(&source_iri, format!("{FG}sha256")),
        iri: source_iri,
    };
    let optional = |p: String| get(&fact_iri, p).map(|t| named(&t));
    Ok(FactCitation {
        fact_id: fact_id.to_owned(),
        fact_sha256: text(&fact_iri, format!("{FG}sha256")),
        claim,
        qualifiers,
        rank: optional(format!("{FG}rank")),
        deprecation_reason: optional(format!("{FG}deprecationReason")),
        voice: optional(format!("{FG}voice")),
        relayed_by: optional(format!("{FG}relayedBy")),
        basis: optional(format!("{FG}basis")),
        note: text(&fact_iri, format!("{RDFS}comment")),
        quote: text(&quote_node, format!("{OA}exact")).unwrap_or_default(),
        prefix: text(&quote_node, format!("{OA}prefix")).unwrap_or_default(),
        suffix: text(&quote_node, format!("{OA}suffix")).unwrap_or_default(),
        position: number("start").zip(number("end")),
        source,
        release,
        fact_iri,
    })
}

fn label(description: Option<&Vec<(String, Term)>>) -> Option<String> {
    let label_p = format!("{RDFS}label");
    crate::vocab::preferred_label(
        description?
            .iter()
            .filter(|(p, _)| *p == label_p)
            .filter_map(|(_, o)| match o {
                Term::Literal(l) => Some(l),
                _ => None,
            }),
    )
}

/// Cites a fact as published in a release: `latest`, a version in `exports/`, or the
/// path of a release directory.
pub fn from_release(config: &Config, version: &str, fact_id: &str) -> Result<FactCitation> {
    let dir = crate::release::resolve(config, version)?;
    let (info, quads) = release::read_fact(&dir, fact_id)?;
    let release = ReleaseInfo {
        version: info.version,
        content_hash: info.graph_sha256,
        iri: Some(info.iri),
        published_as: None,
    };
    from_quads(&quads, fact_id, release)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quads of the committed release v1 (a published, immutable fixture).
    fn v1() -> Vec<Quad> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("exports/v1");
        crate::verify::release::read_for_cite(&dir).unwrap().1
    }

    fn release() -> ReleaseInfo {
        ReleaseInfo {
            version: "v1".into(),
            content_hash: "h".into(),
            iri: None,
            published_as: None,
        }
    }

    #[test]
    fn a_citation_is_read_from_the_quads() {
        let quads = v1();
        let c = from_quads(&quads, "astana-001", release()).unwrap();
        assert_eq!(c.fact_iri, "https://w3id.org/factgraph/fact/astana-001");
        assert_eq!(c.quote, "The Astana process began in January 2017");
        assert_eq!(c.position, Some((1370, 1410)));
        assert_eq!(c.source.id, "enab-2024-10-10-astana22");
        assert!(c
            .fact_sha256
            .as_deref()
            .is_some_and(crate::hash::is_sha256_hex));
        assert_eq!(c.release, release());
    }

    #[test]
    fn an_unknown_fact_is_an_error_naming_close_ids() {
        let quads = v1();
        let error = from_quads(&quads, "astana-01", release()).unwrap_err();
        assert!(error.to_string().contains("astana-001"), "{error}");
    }
}
