//! What each page shows, as plain data read by [`super::Reader`] and rendered by
//! [`super::html`].

use crate::cite::{self, FactCitation};
use crate::quote::SourceText;
use std::sync::Arc;

use super::HistoryEntry;

/// A term as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shown {
    /// The words shown: a label, a literal's value, or a compact IRI.
    pub text: String,
    /// The IRI, for a named node.
    pub iri: Option<String>,
    /// The compact IRI of a literal's datatype (not for plain strings).
    pub datatype: Option<String>,
    /// A literal's language tag.
    pub language: Option<String>,
}

/// A fact in a list: id, claim in words, rank, quote and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactSummary {
    /// Fact id.
    pub id: String,
    /// Fact IRI.
    pub iri: String,
    /// NamedOrBlankNode, predicate, object.
    pub claim: (Shown, Shown, Shown),
    /// The rank's label (`deprecated rank`…), when not normal.
    pub rank: Option<String>,
    /// The quote.
    pub quote: String,
    /// Its code point positions.
    pub position: Option<(usize, usize)>,
}

/// Everything a fact page shows.
#[derive(Debug, Clone)]
pub struct FactView {
    /// The citation: claim with labels, quote and context, source, hashes, release.
    pub citation: FactCitation,
    /// The rank.
    pub rank: Option<Shown>,
    /// The researcher's note (`rdfs:comment`), which says why a claim is deprecated.
    pub note: Option<String>,
    /// Every statement about the fact node, as (property, value), sorted.
    pub statements: Vec<(Shown, Shown)>,
    /// Other facts with the same subject and property.
    pub alternatives: Vec<FactSummary>,
    /// Whether more such facts exist than the ones listed.
    pub more_alternatives: bool,
    /// The release history of this fact.
    pub history: Vec<HistoryEntry>,
    /// The quote inside its paragraph(s) of the source text, when the text is at hand.
    pub context: Option<Context>,
    /// The source file's path relative to `sources/`.
    pub source_file: Option<String>,
}

/// A stretch of source text around a quote, positions in code points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The text (whole paragraphs).
    pub text: String,
    /// Where `text` starts in the source.
    pub offset: usize,
    /// The quote's start in the source.
    pub start: usize,
    /// The quote's end in the source (exclusive).
    pub end: usize,
}

/// Everything a source page shows.
#[derive(Debug, Clone)]
pub struct SourceView {
    /// Source id.
    pub id: String,
    /// Source IRI.
    pub iri: String,
    /// Title, date, url, publisher, sha256.
    pub info: cite::SourceInfo,
    /// File, relative to `sources/`.
    pub file: Option<String>,
    /// The whole text, when at hand and matching its sha256.
    pub text: Option<Arc<SourceText>>,
    /// Its facts, in the order of their quotes.
    pub facts: Vec<FactSummary>,
    /// Groups of facts with the same subject and property but different values, where
    /// the property is functional or the researcher ranked the claims.
    pub conflicts: Vec<Vec<FactSummary>>,
    /// Every statement about the source, as (property, value).
    pub statements: Vec<(Shown, Shown)>,
}

/// Everything an entity page shows.
#[derive(Debug, Clone)]
pub struct EntityView {
    /// Its IRI.
    pub iri: String,
    /// The label shown as the title.
    pub title: String,
    /// Every statement about it, as (property, value).
    pub statements: Vec<(Shown, Shown)>,
    /// Facts that name it: (role: subject, object or the qualifier's label), fact.
    pub facts: Vec<(String, FactSummary)>,
    /// Whether more facts name it than the ones listed.
    pub more_facts: bool,
}

/// A page that lists statements: a release (with its files) or the ontology (with its
/// terms), each described subject under its own heading.
#[derive(Debug, Clone)]
pub struct DescribedView {
    /// The IRI of the resource.
    pub iri: String,
    /// The title.
    pub title: String,
    /// Each described subject, the resource itself first.
    pub parts: Vec<Part>,
}

/// One described subject of a [`DescribedView`].
#[derive(Debug, Clone)]
pub struct Part {
    /// Its IRI.
    pub subject: String,
    /// The anchor of its heading (a term's local name, a file's name).
    pub anchor: Option<String>,
    /// What is said about it, as (property, value).
    pub statements: Vec<(Shown, Shown)>,
}
