//! The graph's side of the three-views check: what each `facts.csv` and `sources.csv`
//! cell must be, rebuilt from `graph.nq` (see [`super::tables`]).
//!
//! What each column must be is what `export` writes: ids and IRIs, the lexical value of
//! literals, the `rdfs:label` of a term (English or untagged preferred), the qualifiers
//! as `property=value` pairs (compared as a set, whatever their order or prefixes),
//! rank, quote and positions, the source's columns from the source's own triples, the
//! fact hash, the note, and who claims the fact and how: `voice` (`source` for
//! `fg:SourceVoice`, else the agent's IRI) and its label, `relayed_by`, `basis` and
//! `deprecation_reason` in their CSV spellings. The first and last days that the graph
//! derives from each date (the properties the ontology in the graph names with
//! `fg:firstDayProperty`/`fg:lastDayProperty`) are not qualifiers and have no cell.

use super::line::{read_group, Checked, Object};
use crate::attribution::{Basis, DeprecationReason};
use crate::error::Result;
use crate::release::groups::for_each_group;
use crate::vocab::{DCTERMS, FG, OA, PROV, RDF, RDFS, SCHEMA};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;

/// The `sources.csv` columns a source's description fills, in [`SourceCells`] order.
const SOURCE_COLUMNS: [&str; 10] = [
    "source_id",
    "source_iri",
    "file",
    "sha256",
    "title",
    "published",
    "url",
    "publisher",
    "language",
    "retrieved",
];

/// A source as the graph describes it, as `sources.csv` columns: the cells end to end
/// in one string (a release has a source for every ten facts or so, and a map of
/// strings per source was most of the tables check's memory).
#[derive(Debug)]
pub(super) struct SourceCells {
    text: Box<str>,
    /// Where each of [`SOURCE_COLUMNS`] ends in `text`.
    ends: [u32; 10],
}

impl SourceCells {
    fn new(cells: [String; 10]) -> Self {
        let mut text = String::new();
        let mut ends = [0; 10];
        for (cell, end) in cells.iter().zip(&mut ends) {
            text.push_str(cell);
            *end = u32::try_from(text.len()).unwrap_or(u32::MAX);
        }
        if text.len() > u32::MAX as usize {
            // Not from any real release; keep the cells' count right, empty.
            return Self::new(Default::default());
        }
        Self {
            text: text.into(),
            ends,
        }
    }

    /// The cell of a column, if sources have that column.
    pub(super) fn get(&self, column: &str) -> Option<&str> {
        let i = SOURCE_COLUMNS.iter().position(|c| *c == column)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize)
    }
}

/// What the tables repeat about resources other than facts.
#[derive(Default)]
pub(super) struct Context {
    /// Term IRI → (preferred labels: English or untagged; other labels).
    pub(super) labels: HashMap<String, (Vec<String>, Vec<String>)>,
    /// Source IRI → its cells.
    pub(super) sources: BTreeMap<String, SourceCells>,
    /// The properties that carry the first or last day of a date (derived, no cell).
    pub(super) day_properties: HashSet<String>,
}

impl Context {
    /// Whether `shown` is an acceptable label cell for `iri`: one of its preferred
    /// labels, else one of its labels, else empty.
    pub(super) fn label_ok(&self, iri: &str, shown: &str) -> bool {
        match self.labels.get(iri) {
            Some((preferred, _)) if !preferred.is_empty() => preferred.iter().any(|l| l == shown),
            Some((_, others)) if !others.is_empty() => others.iter().any(|l| l == shown),
            _ => shown.is_empty(),
        }
    }

    pub(super) fn label_of(&self, iri: &str) -> String {
        match self.labels.get(iri) {
            Some((preferred, others)) => preferred
                .first()
                .or(others.first())
                .cloned()
                .unwrap_or_default(),
            None => String::new(),
        }
    }
}

pub(super) fn is_typed(lines: &[String], node: &str, class: &str) -> bool {
    // `{node} <rdf:type> <fg:{class}> .`, matched without building it.
    lines.iter().any(|l| {
        l.strip_prefix(node)
            .and_then(|r| r.strip_prefix(" <"))
            .and_then(|r| r.strip_prefix(RDF))
            .and_then(|r| r.strip_prefix("type> <"))
            .and_then(|r| r.strip_prefix(FG))
            .and_then(|r| r.strip_prefix(class))
            == Some("> .")
    })
}

/// `line.contains(pattern)` for a pattern that starts with `>`, found from the line's
/// few `>` (a general substring search set up per line cost more than the rest of
/// the pass).
fn contains_from_gt(line: &str, pattern: &str) -> bool {
    debug_assert!(pattern.starts_with('>'));
    line.match_indices('>')
        .any(|(i, _)| line[i..].starts_with(pattern))
}

/// First pass: labels and sources.
pub(super) fn first_pass(nq: &Path) -> Result<Context> {
    let mut context = Context::default();
    let label_predicate = format!("> <{RDFS}label> ");
    let day_predicates = [
        format!("> <{FG}firstDayProperty> "),
        format!("> <{FG}lastDayProperty> "),
    ];
    let mut checked = Checked::default();
    for_each_group(nq, |node, lines| {
        let days: Vec<&String> = lines
            .iter()
            .filter(|l| day_predicates.iter().any(|p| contains_from_gt(l, p)))
            .collect();
        for triple in read_group(&days, &mut checked) {
            if let Object::Iri(p) = &triple.object {
                context.day_properties.insert(p.to_string());
            }
        }
        let labelled: Vec<&String> = lines
            .iter()
            .filter(|l| contains_from_gt(l, &label_predicate))
            .collect();
        for triple in read_group(&labelled, &mut checked) {
            if let (
                Some(s),
                Object::Literal {
                    value, language, ..
                },
            ) = (&triple.subject, &triple.object)
            {
                let entry = context.labels.entry(s.to_string()).or_default();
                if matches!(language.as_deref(), None | Some("en")) {
                    entry.0.push(value.to_string());
                } else {
                    entry.1.push(value.to_string());
                }
            }
        }
        if is_typed(&lines, node, "SourceArticle") {
            let triples = read_group(&lines, &mut checked);
            let get = |p: String| {
                triples
                    .iter()
                    .find(|t| *t.predicate == p)
                    .map(|t| t.object.value().to_owned())
                    .unwrap_or_default()
            };
            let iri = node
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            let cells = SourceCells::new([
                get(format!("{FG}sourceId")),
                iri.clone(),
                get(format!("{FG}file")),
                get(format!("{FG}sha256")),
                get(format!("{DCTERMS}title")),
                get(format!("{DCTERMS}issued")),
                get(format!("{SCHEMA}url")),
                get(format!("{DCTERMS}publisher")),
                get(format!("{DCTERMS}language")),
                get(format!("{FG}retrieved")),
            ]);
            context.sources.insert(iri, cells);
        }
    })?;
    Ok(context)
}

/// The prefixes `facts.ttl` declares (its `@prefix` lines, at the top), to expand the
/// CURIEs of the `qualifiers` column.
pub(super) fn read_prefixes(ttl: &Path) -> Vec<(String, String)> {
    let Ok(file) = crate::safe_read::open_no_follow(ttl) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let Ok(line) = line else { break };
        let Some(rest) = line.strip_prefix("@prefix ") else {
            break;
        };
        if let Some((name, iri)) = rest.split_once(':') {
            let iri = iri.trim().trim_end_matches('.').trim();
            if let Some(iri) = iri.strip_prefix('<').and_then(|i| i.strip_suffix('>')) {
                out.push((name.trim().to_owned(), iri.to_owned()));
            }
        }
    }
    out
}

/// One fact as the graph says it, as `facts.csv` cells.
pub(super) struct Expected {
    pub(super) cells: BTreeMap<&'static str, String>,
    /// Term IRIs whose labels fill the label columns.
    pub(super) labelled: BTreeMap<&'static str, String>,
    /// The qualifiers as (property IRI, value).
    pub(super) qualifiers: Vec<(String, String)>,
}

/// Whether `iri` is `namespace` + `local`, without building the IRI.
fn is_term(iri: &str, namespace: &str, local: &str) -> bool {
    iri.strip_prefix(namespace) == Some(local)
}

/// The predicates of a fact node that are not qualifiers.
fn structural(p: &str, context: &Context) -> bool {
    const STRUCTURAL: [(&str, &str); 18] = [
        (RDF, "type"),
        (FG, "factId"),
        (RDF, "subject"),
        (RDF, "predicate"),
        (RDF, "object"),
        (FG, "rank"),
        (PROV, "wasDerivedFrom"),
        (FG, "citation"),
        (FG, "sha256"),
        (RDFS, "comment"),
        (FG, "pointInTime"),
        (FG, "startTime"),
        (FG, "endTime"),
        (FG, "voice"),
        (PROV, "wasAttributedTo"),
        (FG, "relayedBy"),
        (FG, "basis"),
        (FG, "deprecationReason"),
    ];
    context.day_properties.contains(p)
        || STRUCTURAL
            .iter()
            .any(|(namespace, local)| is_term(p, namespace, local))
}

/// The CSV spelling of an individual of a controlled list (`fg:Stated` → `stated`),
/// else the value as it is, so that a mismatch shows what the graph says.
fn spelling<T: Copy>(
    value: String,
    all: &[T],
    iri: fn(T) -> String,
    name: fn(T) -> &'static str,
) -> String {
    all.iter()
        .find(|t| iri(**t) == value)
        .map_or(value, |t| name(*t).to_owned())
}

pub(super) fn expected_row(
    node: &str,
    lines: &[String],
    context: &Context,
    checked: &mut Checked,
) -> (String, Expected) {
    let triples = read_group(lines, checked);
    let iri = node.trim_start_matches('<').trim_end_matches('>');
    let part = |name: &str| format!("{iri}#{name}");
    let of = |s: &str, namespace: &str, local: &str| {
        triples
            .iter()
            .find(|t| t.is_about(s) && is_term(&t.predicate, namespace, local))
            .map(|t| &t.object)
    };
    let text = |s: &str, namespace: &str, local: &str| {
        of(s, namespace, local)
            .map(|o| o.value().to_owned())
            .unwrap_or_default()
    };
    let object = of(iri, RDF, "object");
    let (datatype, language) = match object {
        Some(o @ Object::Literal { language: tag, .. }) => (
            if tag.is_some() {
                String::new()
            } else {
                o.datatype().unwrap_or_default().into_owned()
            },
            tag.as_deref().unwrap_or_default().to_owned(),
        ),
        _ => (String::new(), String::new()),
    };
    let rank = text(iri, FG, "rank");
    let rank = match rank.strip_prefix(FG) {
        Some("PreferredRank") => "preferred".to_owned(),
        Some("NormalRank") => "normal".to_owned(),
        Some("DeprecatedRank") => "deprecated".to_owned(),
        _ => rank,
    };
    let source_iri = text(iri, PROV, "wasDerivedFrom");
    let source = context.sources.get(&source_iri);
    let from_source = |column: &str| {
        source
            .and_then(|s| s.get(column))
            .unwrap_or_default()
            .to_owned()
    };
    let id = text(iri, FG, "factId");
    let mut labelled = BTreeMap::new();
    let subject = text(iri, RDF, "subject");
    let predicate = text(iri, RDF, "predicate");
    labelled.insert("subject_label", subject.clone());
    labelled.insert("predicate_label", predicate.clone());
    if let Some(Object::Iri(n)) = object {
        labelled.insert("object_label", n.to_string());
    }
    let voice = text(iri, FG, "voice");
    let voice = if is_term(&voice, FG, "SourceVoice") {
        "source".to_owned()
    } else {
        if !voice.is_empty() {
            labelled.insert("voice_label", voice.clone());
        }
        voice
    };
    let basis = spelling(
        text(iri, FG, "basis"),
        &Basis::ALL,
        |b| b.iri().into_string(),
        Basis::as_str,
    );
    let reason = spelling(
        text(iri, FG, "deprecationReason"),
        &DeprecationReason::ALL,
        |r| r.iri().into_string(),
        DeprecationReason::as_str,
    );
    let cells: BTreeMap<&'static str, String> = [
        ("fact_id", id.clone()),
        ("fact_iri", iri.to_owned()),
        ("subject", subject),
        ("predicate", predicate),
        (
            "object",
            object.map(|o| o.value().to_owned()).unwrap_or_default(),
        ),
        ("object_datatype", datatype),
        ("object_language", language),
        ("point_in_time", text(iri, FG, "pointInTime")),
        ("start", text(iri, FG, "startTime")),
        ("end", text(iri, FG, "endTime")),
        ("rank", rank),
        ("deprecation_reason", reason),
        ("voice", voice),
        // Filled from the voice's label when the voice is an agent (`labelled`).
        ("voice_label", String::new()),
        ("relayed_by", text(iri, FG, "relayedBy")),
        ("basis", basis),
        ("quote", text(&part("quote"), OA, "exact")),
        ("quote_start", text(&part("position"), OA, "start")),
        ("quote_end", text(&part("position"), OA, "end")),
        ("source_id", from_source("source_id")),
        ("source_title", from_source("title")),
        ("source_published", from_source("published")),
        ("source_url", from_source("url")),
        ("source_sha256", from_source("sha256")),
        ("fact_sha256", text(iri, FG, "sha256")),
        ("note", text(iri, RDFS, "comment")),
    ]
    .into_iter()
    .collect();
    let mut qualifiers: Vec<(String, String)> = triples
        .iter()
        .filter(|t| t.is_about(iri) && !structural(&t.predicate, context))
        .map(|t| (t.predicate.to_string(), t.object.value().to_owned()))
        .collect();
    qualifiers.sort();
    qualifiers.dedup();
    let key = if id.is_empty() { iri.to_owned() } else { id };
    (
        key,
        Expected {
            cells,
            labelled,
            qualifiers,
        },
    )
}

/// The `qualifiers` cell as (property IRI, value) pairs: `;`-separated `p=v`, CURIEs
/// expanded with `prefixes`; a value that is not a CURIE of a known prefix is a literal.
pub(super) fn parse_qualifiers(cell: &str, prefixes: &[(String, String)]) -> Vec<(String, String)> {
    let expand = |term: &str| -> Option<String> {
        let term = term.trim();
        if let Some(inner) = term.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            return Some(inner.to_owned());
        }
        let (name, local) = term.split_once(':')?;
        prefixes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, ns)| format!("{ns}{local}"))
    };
    let mut out: Vec<(String, String)> = cell
        .split(';')
        .filter(|item| !item.trim().is_empty())
        .map(|item| match item.split_once('=') {
            Some((p, v)) => (
                expand(p).unwrap_or_else(|| p.trim().to_owned()),
                expand(v).unwrap_or_else(|| v.trim().to_owned()),
            ),
            None => (item.trim().to_owned(), String::new()),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

pub(super) fn show_qualifiers(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(p, v)| format!("<{p}>={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifiers_compare_as_sets_whatever_the_prefixes() {
        let prefixes = vec![
            ("fg".to_owned(), FG.to_owned()),
            ("ent".to_owned(), "https://example.org/entity/".to_owned()),
        ];
        let a = parse_qualifiers("fg:round=ent:r15; fg:inRole=ent:observer", &prefixes);
        let b = parse_qualifiers(
            &format!("<{FG}inRole>=<https://example.org/entity/observer>;fg:round=ent:r15"),
            &prefixes,
        );
        assert_eq!(a, b);
        assert_eq!(
            a[0],
            (
                format!("{FG}inRole"),
                "https://example.org/entity/observer".into()
            )
        );
        assert_eq!(parse_qualifiers("", &prefixes), vec![]);
        assert_eq!(
            parse_qualifiers("fg:count=12", &prefixes),
            vec![(format!("{FG}count"), "12".to_owned())]
        );
    }
}
