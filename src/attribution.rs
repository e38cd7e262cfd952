//! Who claims a fact, and how sure: its rank, its voice (whose claim it is inside the source), the
//! agency that relayed it, its basis (how the quoted words support it) and, for a
//! deprecated fact, the reason, with their validation from a facts-table row.
//!
//! # Rationale
//! A claim's attribution is data, not a note: the plain triples of the graph are the
//! best-ranked claims of the sources, not verified truth, so a reader needs, on every
//! statement node, whose claim it is and what the curator added to the quoted words.

use crate::error::{Code, Diagnostic};
use crate::literal;
use crate::ontology::Ontology;
use crate::table::Row;
use crate::vocab::{iri, FG, PROV};
use oxigraph::model::{NamedNode, Term};

/// Wikidata-style rank: a claim shown wrong stays recorded, marked deprecated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rank {
    /// The best claim among conflicting ones.
    Preferred,
    /// The default.
    Normal,
    /// Known wrong: kept for the record, not asserted as a plain triple.
    Deprecated,
}

impl Rank {
    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Rank::Preferred => "preferred",
            Rank::Normal => "normal",
            Rank::Deprecated => "deprecated",
        }
    }

    /// The ontology individual (`fg:PreferredRank`...).
    pub fn iri(self) -> NamedNode {
        iri(
            FG,
            match self {
                Rank::Preferred => "PreferredRank",
                Rank::Normal => "NormalRank",
                Rank::Deprecated => "DeprecatedRank",
            },
        )
    }
}

/// Whose claim a fact records inside its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Voice {
    /// The source's own voice (written `source`).
    Source,
    /// An agent the source reports as making the claim.
    Agent(NamedNode),
}

impl Voice {
    /// The `fg:voice` value: `fg:SourceVoice` or the agent.
    pub fn iri(&self) -> NamedNode {
        match self {
            Voice::Source => iri(FG, "SourceVoice"),
            Voice::Agent(agent) => agent.clone(),
        }
    }
}

/// How the quoted words support a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Basis {
    /// The quoted words say it.
    Stated,
    /// It restates the quoted words, adding nothing from outside them.
    Paraphrase,
    /// It needs something the quoted words do not say (the note says what).
    Inference,
}

impl Basis {
    /// Every basis, in the order messages list them.
    pub const ALL: [Basis; 3] = [Basis::Stated, Basis::Paraphrase, Basis::Inference];

    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Stated => "stated",
            Basis::Paraphrase => "paraphrase",
            Basis::Inference => "inference",
        }
    }

    /// The ontology individual (`fg:Stated`...).
    pub fn iri(self) -> NamedNode {
        iri(
            FG,
            match self {
                Basis::Stated => "Stated",
                Basis::Paraphrase => "Paraphrase",
                Basis::Inference => "Inference",
            },
        )
    }
}

/// Why a fact is deprecated: a small controlled list modelled on Wikidata's "reason
/// for deprecated rank" (P2241), so that reasons can be counted and queried; the note
/// gives the particulars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeprecationReason {
    /// The same source contradicts it elsewhere.
    InconsistentWithinSource,
    /// A known error of the source.
    ErrorInSource,
    /// Other sources in the graph contradict it.
    ContradictedByOtherSources,
    /// Later information replaces it.
    Superseded,
    /// An earlier reading by the curator was wrong.
    Misreading,
}

impl DeprecationReason {
    /// Every reason, in the order messages list them.
    pub const ALL: [DeprecationReason; 5] = [
        DeprecationReason::InconsistentWithinSource,
        DeprecationReason::ErrorInSource,
        DeprecationReason::ContradictedByOtherSources,
        DeprecationReason::Superseded,
        DeprecationReason::Misreading,
    ];

    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DeprecationReason::InconsistentWithinSource => "inconsistent-within-source",
            DeprecationReason::ErrorInSource => "error-in-source",
            DeprecationReason::ContradictedByOtherSources => "contradicted-by-other-sources",
            DeprecationReason::Superseded => "superseded",
            DeprecationReason::Misreading => "misreading",
        }
    }

    /// The ontology individual (`fg:InconsistentWithinSource`...).
    pub fn iri(self) -> NamedNode {
        iri(
            FG,
            match self {
                DeprecationReason::InconsistentWithinSource => "InconsistentWithinSource",
                DeprecationReason::ErrorInSource => "ErrorInSource",
                DeprecationReason::ContradictedByOtherSources => "ContradictedByOtherSources",
                DeprecationReason::Superseded => "Superseded",
                DeprecationReason::Misreading => "Misreading",
            },
        )
    }

    /// A human-readable phrase ("inconsistent within the source").
    pub fn label(self) -> &'static str {
        match self {
            DeprecationReason::InconsistentWithinSource => "inconsistent within the source",
            DeprecationReason::ErrorInSource => "error in the source",
            DeprecationReason::ContradictedByOtherSources => "contradicted by other sources",
            DeprecationReason::Superseded => "superseded",
            DeprecationReason::Misreading => "misreading",
        }
    }
}

/// The facts-table column a time qualifier comes from, for messages.
pub(crate) fn time_column(property: &NamedNode) -> &'static str {
    match property.as_str().strip_prefix(FG) {
        Some("pointInTime") => "point_in_time",
        Some("startTime") => "start",
        Some("endTime") => "end",
        _ => "qualifiers",
    }
}

/// Adds the first/last-day pair of a date value (see [`literal::day_bounds`]); a date
/// whose property has no pair declared in the ontology is refused, since it could not
/// be compared in SPARQL.
pub(crate) fn comparable_days(
    row: &Row<'_>,
    column: &str,
    property: &NamedNode,
    value: &Term,
    ontology: &Ontology,
    days: &mut Vec<(NamedNode, Term)>,
    bad: &mut Vec<Diagnostic>,
) {
    let Term::Literal(l) = value else { return };
    let Some((first, last)) = literal::day_bounds(l) else {
        return;
    };
    match ontology.day_properties(property) {
        Some((first_p, last_p)) => {
            days.push((first_p, first.into()));
            days.push((last_p, last.into()));
        }
        None => bad.push(row.problem(
            column,
            Code::Ontology,
            format!(
                "{} holds a date, but the ontology declares no fg:firstDayProperty/fg:lastDayProperty for it, so the date could not be compared in SPARQL",
                ontology.compact(property)
            ),
        )),
    }
}

/// The first passage in “…” of `text` that is not, word for word, in `quote`.
pub(crate) fn altered_quotation(text: &str, quote: &str) -> Option<String> {
    let mut rest = text;
    while let Some(open) = rest.find('“') {
        let after = &rest[open + '“'.len_utf8()..];
        let Some(close) = after.find('”') else {
            break;
        };
        let words = &after[..close];
        if !quote.contains(words) {
            return Some(words.to_owned());
        }
        rest = &after[close + '”'.len_utf8()..];
    }
    None
}

pub(crate) fn deprecation_reason(
    row: &Row<'_>,
    rank: Rank,
    bad: &mut Vec<Diagnostic>,
) -> Option<DeprecationReason> {
    let cell = row.get("deprecation_reason");
    let choices = || {
        DeprecationReason::ALL
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (rank, cell) {
        (Rank::Deprecated, None) => {
            bad.push(row.problem(
                "deprecation_reason",
                Code::MissingField,
                format!("a deprecated fact needs a reason: one of {}", choices()),
            ));
            None
        }
        (Rank::Deprecated, Some(c)) => {
            let c = c.to_ascii_lowercase();
            let found = DeprecationReason::ALL.into_iter().find(|r| r.as_str() == c);
            if found.is_none() {
                bad.push(row.problem(
                    "deprecation_reason",
                    Code::BadValue,
                    format!(
                        "`{c}` is not a reason for deprecation: use one of {}",
                        choices()
                    ),
                ));
            }
            found
        }
        (_, Some(_)) => {
            bad.push(row.problem(
                "deprecation_reason",
                Code::BadValue,
                "only a deprecated fact has a deprecation reason (set rank to deprecated, or empty this cell)",
            ));
            None
        }
        (_, None) => None,
    }
}

pub(crate) fn voice(
    row: &Row<'_>,
    value: &str,
    ontology: &Ontology,
    bad: &mut Vec<Diagnostic>,
) -> Option<Voice> {
    if value.eq_ignore_ascii_case("source") {
        return Some(Voice::Source);
    }
    agent(row, "voice", value, ontology, bad).map(Voice::Agent)
}

/// An entity CURIE that must name a declared `prov:Agent` (a person, state,
/// organisation or delegation).
pub(crate) fn agent(
    row: &Row<'_>,
    column: &str,
    value: &str,
    ontology: &Ontology,
    bad: &mut Vec<Diagnostic>,
) -> Option<NamedNode> {
    let node = entity(row, column, value, ontology, bad)?;
    if ontology.is_instance_of(&node, &iri(PROV, "Agent")) {
        Some(node)
    } else {
        let hint = if column == "voice" {
            " (or `source` for the source's own voice)"
        } else {
            ""
        };
        bad.push(row.problem(
            column,
            Code::WrongType,
            format!(
                "{value} is not a prov:Agent (a person, state, organisation or delegation){hint}"
            ),
        ));
        None
    }
}

/// A CURIE cell expanded with the ontology's prefixes, or a diagnostic.
pub(crate) fn expand(
    row: &Row<'_>,
    column: &str,
    value: &str,
    ontology: &Ontology,
    bad: &mut Vec<Diagnostic>,
) -> Option<NamedNode> {
    ontology
        .expand(value)
        .map_err(|(code, message)| bad.push(row.problem(column, code, message)))
        .ok()
}

/// A CURIE cell naming an entity the ontology declares, or a diagnostic.
pub(crate) fn entity(
    row: &Row<'_>,
    column: &str,
    value: &str,
    ontology: &Ontology,
    bad: &mut Vec<Diagnostic>,
) -> Option<NamedNode> {
    let node = expand(row, column, value, ontology, bad)?;
    if ontology.is_declared(&node) {
        Some(node)
    } else {
        bad.push(row.problem(column, Code::UnknownTerm, format!("`{value}` is not declared in the ontology (add it to ontology/ with a type and an rdfs:label; or, for a literal, fill object_type)")));
        None
    }
}
