//! The published tables' columns: one list per CSV, the single source of their header,
//! the order of each row's cells and their CSVW description.
//!
//! Each [`Column`] carries its name, CSVW datatype, whether it is required, its
//! description and the function that computes its cell from a row. The CSV writers
//! ([`super::tables`]) and the CSVW metadata are both generated from these lists, so
//! the header, the cells and the metadata cannot drift apart.

pub use super::csvw::Rdf;
use crate::fact::{Rank, Voice};
use crate::ontology::Ontology;
use crate::pipeline::Cited;
use crate::project::Config;
use crate::source::Source;
use crate::vocab::{iri, FG};
use oxigraph::model::Term;
use serde_json::{json, Value};

/// A CSVW datatype of a published column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datatype {
    /// `string`.
    String,
    /// `anyURI`.
    AnyUri,
    /// `nonNegativeInteger`.
    NonNegativeInteger,
    /// A lowercase hex sha256 (a `string` of 64 hex digits).
    Sha256Hex,
    /// A rank (`preferred`, `normal` or `deprecated`).
    Rank,
    /// A basis (`stated`, `paraphrase` or `inference`).
    Basis,
    /// A reason for deprecation (the controlled list's spellings).
    DeprecationReason,
}

impl Datatype {
    /// The CSVW `datatype` value.
    pub fn csvw(self) -> Value {
        match self {
            Datatype::String => json!("string"),
            Datatype::AnyUri => json!("anyURI"),
            Datatype::NonNegativeInteger => json!({"base": "integer", "minimum": 0}),
            Datatype::Sha256Hex => json!({"base": "string", "format": "[0-9a-f]{64}"}),
            Datatype::Rank => {
                json!({"base": "string", "format": "preferred|normal|deprecated"})
            }
            Datatype::Basis => {
                json!({"base": "string", "format": "stated|paraphrase|inference"})
            }
            Datatype::DeprecationReason => json!({
                "base": "string",
                "format": crate::fact::DeprecationReason::ALL
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join("|")
            }),
        }
    }
}

/// One column of a published CSV; `F` is the function type that computes a cell
/// (`fn(&FactRow<'_>) -> String` for `facts.csv`).
pub struct Column<F> {
    /// Header name.
    pub name: &'static str,
    /// CSVW datatype.
    pub datatype: Datatype,
    /// Whether every row has a value.
    pub required: bool,
    /// CSVW `dc:description`.
    pub description: &'static str,
    /// Its RDF mapping in the CSVW metadata.
    pub rdf: Rdf,
    /// The cell of a row.
    pub value: F,
}

impl<F> std::fmt::Debug for Column<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Column").field("name", &self.name).finish()
    }
}

/// The header of a table.
pub fn header<F>(columns: &[Column<F>]) -> Vec<&'static str> {
    columns.iter().map(|c| c.name).collect()
}

/// The cells of one `facts.csv` row, in column order.
pub fn fact_cells(row: &FactRow<'_>) -> Vec<String> {
    FACTS.iter().map(|c| (c.value)(row)).collect()
}

/// The cells of one `sources.csv` row, in column order.
pub fn source_cells(row: &SourceRow<'_>) -> Vec<String> {
    SOURCES.iter().map(|c| (c.value)(row)).collect()
}

/// A row of `facts.csv`: one fact and what its cells are computed from.
#[derive(Debug)]
pub struct FactRow<'a> {
    /// The project (for IRIs).
    pub config: &'a Config,
    /// The ontology (for labels and CURIEs).
    pub ontology: &'a Ontology,
    /// The fact and its quote's position.
    pub cited: &'a Cited,
    /// Its source.
    pub source: &'a Source,
    /// Its content hash.
    pub fact_sha256: &'a str,
}

fn term_value(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

fn label(ontology: &Ontology, term: &Term) -> String {
    match term {
        Term::NamedNode(n) => ontology.label(n).unwrap_or_default().to_owned(),
        _ => String::new(),
    }
}

/// The value of the time qualifier `fg:<local>`, or empty.
fn time(row: &FactRow<'_>, local: &str) -> String {
    row.cited
        .fact
        .qualifiers
        .iter()
        .find(|(p, _)| *p == iri(FG, local))
        .map(|(_, v)| term_value(v))
        .unwrap_or_default()
}

/// The qualifiers other than the three time ones, as `property=value; …`.
fn other_qualifiers(row: &FactRow<'_>) -> String {
    let times = [
        iri(FG, "pointInTime"),
        iri(FG, "startTime"),
        iri(FG, "endTime"),
    ];
    row.cited
        .fact
        .qualifiers
        .iter()
        .filter(|(p, _)| !times.contains(p))
        .map(|(p, v)| {
            let value = match v {
                Term::NamedNode(n) => row.ontology.compact(n),
                other => term_value(other),
            };
            format!("{}={value}", row.ontology.compact(p))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn object_datatype(row: &FactRow<'_>) -> String {
    match &row.cited.fact.object {
        Term::Literal(l) if l.language().is_none() => l.datatype().as_str().to_owned(),
        _ => String::new(),
    }
}

fn object_language(row: &FactRow<'_>) -> String {
    match &row.cited.fact.object {
        Term::Literal(l) => l.language().unwrap_or_default().to_owned(),
        _ => String::new(),
    }
}

/// A column of `facts.csv`.
pub type FactColumn = Column<fn(&FactRow<'_>) -> String>;

/// The columns of `facts.csv`, in order.
pub const FACTS: &[FactColumn] = &[
    Column {
        name: "fact_id",
        rdf: Rdf::Literal("https://w3id.org/factgraph/ontology#factId"),
        datatype: Datatype::String,
        required: true,
        description: "Stable id of the fact (primary key); the same across releases.",
        value: |r| r.cited.fact.id.clone(),
    },
    Column {
        name: "fact_iri",
        rdf: Rdf::Suppressed,
        datatype: Datatype::AnyUri,
        required: true,
        description: "IRI of the fact's statement node in the graph.",
        value: |r| r.config.minter.fact(&r.cited.fact.id).as_str().to_owned(),
    },
    Column {
        name: "subject",
        rdf: Rdf::Link(
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject",
            "{+subject}",
        ),
        datatype: Datatype::AnyUri,
        required: true,
        description: "IRI of the entity the fact is about.",
        value: |r| r.cited.fact.subject.as_str().to_owned(),
    },
    Column {
        name: "subject_label",
        rdf: Rdf::LabelOf("{+subject}"),
        datatype: Datatype::String,
        required: false,
        description: "Label of the subject, from the ontology.",
        value: |r| label(r.ontology, &Term::from(r.cited.fact.subject.clone())),
    },
    Column {
        name: "predicate",
        rdf: Rdf::Link(
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate",
            "{+predicate}",
        ),
        datatype: Datatype::AnyUri,
        required: true,
        description: "IRI of the property.",
        value: |r| r.cited.fact.predicate.as_str().to_owned(),
    },
    Column {
        name: "predicate_label",
        rdf: Rdf::LabelOf("{+predicate}"),
        datatype: Datatype::String,
        required: false,
        description: "Label of the property, from the ontology.",
        value: |r| label(r.ontology, &Term::from(r.cited.fact.predicate.clone())),
    },
    Column {
        name: "object",
        rdf: Rdf::Suppressed,
        datatype: Datatype::String,
        required: true,
        description: "The value: an entity IRI, or a literal's lexical form.",
        value: |r| term_value(&r.cited.fact.object),
    },
    Column {
        name: "object_label",
        rdf: Rdf::LabelOf("{+object}"),
        datatype: Datatype::String,
        required: false,
        description: "Label of the object when it is an entity.",
        value: |r| label(r.ontology, &r.cited.fact.object),
    },
    Column {
        name: "object_datatype",
        rdf: Rdf::Suppressed,
        datatype: Datatype::AnyUri,
        required: false,
        description:
            "Datatype IRI of a literal object (empty for entities and language-tagged strings).",
        value: object_datatype,
    },
    Column {
        name: "object_language",
        rdf: Rdf::Suppressed,
        datatype: Datatype::String,
        required: false,
        description: "Language tag of a language-tagged object.",
        value: object_language,
    },
    Column {
        name: "point_in_time",
        rdf: Rdf::Suppressed,
        datatype: Datatype::String,
        required: false,
        description: "fg:pointInTime qualifier (xsd:gYear, gYearMonth or date).",
        value: |r| time(r, "pointInTime"),
    },
    Column {
        name: "start",
        rdf: Rdf::Suppressed,
        datatype: Datatype::String,
        required: false,
        description: "fg:startTime qualifier.",
        value: |r| time(r, "startTime"),
    },
    Column {
        name: "end",
        rdf: Rdf::Suppressed,
        datatype: Datatype::String,
        required: false,
        description: "fg:endTime qualifier.",
        value: |r| time(r, "endTime"),
    },
    Column {
        name: "qualifiers",
        rdf: Rdf::Suppressed,
        datatype: Datatype::String,
        required: false,
        description: "Other qualifiers as `property=value` pairs separated by `; `.",
        value: other_qualifiers,
    },
    Column {
        name: "rank",
        rdf: Rdf::Suppressed,
        datatype: Datatype::Rank,
        required: true,
        description: "Rank among competing claims.",
        value: |r| {
            match r.cited.fact.rank {
                Rank::Preferred => "preferred",
                Rank::Normal => "normal",
                Rank::Deprecated => "deprecated",
            }
            .to_owned()
        },
    },
    Column {
        name: "deprecation_reason",
        rdf: Rdf::Suppressed,
        datatype: Datatype::DeprecationReason,
        required: false,
        description: "Why a deprecated fact is deprecated (controlled list, like Wikidata's reason for deprecated rank); empty unless rank is deprecated.",
        value: |r| {
            r.cited
                .fact
                .deprecation_reason
                .map(|d| d.as_str().to_owned())
                .unwrap_or_default()
        },
    },
    Column {
        name: "voice",
        rdf: Rdf::Suppressed,
        datatype: Datatype::String,
        required: true,
        description: "Whose claim it is inside the source: `source` for the source's own voice, else the IRI of the agent the source reports as making it.",
        value: |r| match &r.cited.fact.voice {
            Voice::Source => "source".to_owned(),
            Voice::Agent(a) => a.as_str().to_owned(),
        },
    },
    Column {
        name: "voice_label",
        rdf: Rdf::LabelOf("{+voice}"),
        datatype: Datatype::String,
        required: false,
        description: "Label of the voice's agent, from the ontology.",
        value: |r| match &r.cited.fact.voice {
            Voice::Source => String::new(),
            Voice::Agent(a) => label(r.ontology, &Term::from(a.clone())),
        },
    },
    Column {
        name: "relayed_by",
        rdf: Rdf::Link("https://w3id.org/factgraph/ontology#relayedBy", "{+relayed_by}"),
        datatype: Datatype::AnyUri,
        required: false,
        description: "IRI of the agency through which, according to the source, the claim reached it (e.g. a news agency).",
        value: |r| {
            r.cited
                .fact
                .relayed_by
                .as_ref()
                .map(|a| a.as_str().to_owned())
                .unwrap_or_default()
        },
    },
    Column {
        name: "basis",
        rdf: Rdf::Suppressed,
        datatype: Datatype::Basis,
        required: true,
        description: "How the quote supports the fact: stated (the quoted words say it), paraphrase (restated, nothing added) or inference (the note says what was added).",
        value: |r| r.cited.fact.basis.as_str().to_owned(),
    },
    Column {
        name: "quote",
        rdf: Rdf::LiteralOf("{+fact_iri}#quote", "http://www.w3.org/ns/oa#exact"),
        datatype: Datatype::String,
        required: true,
        description: "The exact quotation of the source supporting the fact.",
        value: |r| r.cited.fact.quote.clone(),
    },
    Column {
        name: "quote_start",
        rdf: Rdf::LiteralOf("{+fact_iri}#position", "http://www.w3.org/ns/oa#start"),
        datatype: Datatype::NonNegativeInteger,
        required: true,
        description: "Start of the quote in the source text, in Unicode code points from 0.",
        value: |r| r.cited.quote.start.to_string(),
    },
    Column {
        name: "quote_end",
        rdf: Rdf::LiteralOf("{+fact_iri}#position", "http://www.w3.org/ns/oa#end"),
        datatype: Datatype::NonNegativeInteger,
        required: true,
        description: "End (exclusive) of the quote, in code points.",
        value: |r| r.cited.quote.end.to_string(),
    },
    Column {
        name: "source_id",
        rdf: Rdf::Link(
            "http://www.w3.org/ns/prov#wasDerivedFrom",
            "{SOURCE_NS}{source_id}",
        ),
        datatype: Datatype::String,
        required: true,
        description: "Id of the source (a row of sources.csv).",
        value: |r| r.cited.fact.source_id.clone(),
    },
    Column {
        name: "source_title",
        rdf: Rdf::LiteralOf("{SOURCE_NS}{source_id}", "http://purl.org/dc/terms/title"),
        datatype: Datatype::String,
        required: true,
        description: "Title of the source.",
        value: |r| r.source.title.clone(),
    },
    Column {
        name: "source_published",
        rdf: Rdf::Suppressed,
        datatype: Datatype::String,
        required: true,
        description: "Publication date or dateTime of the source.",
        value: |r| r.source.published.value().to_owned(),
    },
    Column {
        name: "source_url",
        rdf: Rdf::Suppressed,
        datatype: Datatype::AnyUri,
        required: false,
        description: "Where the source was published.",
        value: |r| {
            r.source
                .url
                .as_ref()
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default()
        },
    },
    Column {
        name: "source_sha256",
        rdf: Rdf::LiteralOf(
            "{SOURCE_NS}{source_id}",
            "https://w3id.org/factgraph/ontology#sha256",
        ),
        datatype: Datatype::Sha256Hex,
        required: true,
        description: "sha256 of the source file's bytes.",
        value: |r| r.source.sha256.clone(),
    },
    Column {
        name: "fact_sha256",
        rdf: Rdf::Literal("https://w3id.org/factgraph/ontology#sha256"),
        datatype: Datatype::Sha256Hex,
        required: true,
        description: "Content hash of the fact; changes when the fact's content does.",
        value: |r| r.fact_sha256.to_owned(),
    },
    Column {
        name: "note",
        rdf: Rdf::Literal("http://www.w3.org/2000/01/rdf-schema#comment"),
        datatype: Datatype::String,
        required: false,
        description: "The curator's note on the fact (rdfs:comment).",
        value: |r| r.cited.fact.note.clone().unwrap_or_default(),
    },
];

/// A row of `sources.csv`.
#[derive(Debug)]
pub struct SourceRow<'a> {
    /// The project (for IRIs).
    pub config: &'a Config,
    /// The source.
    pub source: &'a Source,
}

/// A column of `sources.csv`.
pub type SourceColumn = Column<fn(&SourceRow<'_>) -> String>;

/// The columns of `sources.csv`, in order.
pub const SOURCES: &[SourceColumn] = &[
    Column {
        name: "source_id",
        rdf: Rdf::Literal("https://w3id.org/factgraph/ontology#sourceId"),
        datatype: Datatype::String,
        required: true,
        description: "Stable id of the source (primary key).",
        value: |r| r.source.id.clone(),
    },
    Column {
        name: "source_iri",
        rdf: Rdf::Suppressed,
        datatype: Datatype::AnyUri,
        required: true,
        description: "IRI of the source in the graph.",
        value: |r| r.config.minter.source(&r.source.id).as_str().to_owned(),
    },
    Column {
        name: "file",
        rdf: Rdf::Literal("https://w3id.org/factgraph/ontology#file"),
        datatype: Datatype::String,
        required: true,
        description: "Path of the source text in the repository, relative to sources/.",
        value: |r| r.source.file.clone(),
    },
    Column {
        name: "sha256",
        rdf: Rdf::Literal("https://w3id.org/factgraph/ontology#sha256"),
        datatype: Datatype::Sha256Hex,
        required: true,
        description: "sha256 of the source file's bytes.",
        value: |r| r.source.sha256.clone(),
    },
    Column {
        name: "title",
        rdf: Rdf::Literal("http://purl.org/dc/terms/title"),
        datatype: Datatype::String,
        required: true,
        description: "Title, verbatim.",
        value: |r| r.source.title.clone(),
    },
    Column {
        name: "published",
        rdf: Rdf::Suppressed,
        datatype: Datatype::String,
        required: true,
        description: "Publication date or dateTime.",
        value: |r| r.source.published.value().to_owned(),
    },
    Column {
        name: "url",
        rdf: Rdf::Link("https://schema.org/url", "{+url}"),
        datatype: Datatype::AnyUri,
        required: false,
        description: "Where it was published.",
        value: |r| {
            r.source
                .url
                .as_ref()
                .map_or(String::new(), |u| u.as_str().to_owned())
        },
    },
    Column {
        name: "publisher",
        rdf: Rdf::Literal("http://purl.org/dc/terms/publisher"),
        datatype: Datatype::String,
        required: false,
        description: "Who published it.",
        value: |r| r.source.publisher.clone().unwrap_or_default(),
    },
    Column {
        name: "language",
        rdf: Rdf::Literal("http://purl.org/dc/terms/language"),
        datatype: Datatype::String,
        required: false,
        description: "BCP 47 language tag.",
        value: |r| r.source.language.clone().unwrap_or_default(),
    },
    Column {
        name: "retrieved",
        rdf: Rdf::Suppressed,
        datatype: Datatype::String,
        required: false,
        description: "When it was retrieved.",
        value: |r| {
            r.source
                .retrieved
                .as_ref()
                .map_or(String::new(), |d| d.value().to_owned())
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_is_named_once_and_described() {
        for names in [header(FACTS), header(SOURCES)] {
            let mut sorted = names.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), names.len(), "{names:?}");
        }
        for (name, description) in FACTS
            .iter()
            .map(|c| (c.name, c.description))
            .chain(SOURCES.iter().map(|c| (c.name, c.description)))
        {
            assert!(!description.is_empty(), "{name}");
        }
        assert_eq!(header(FACTS)[0], "fact_id");
        assert_eq!(header(SOURCES)[0], "source_id");
    }
}
