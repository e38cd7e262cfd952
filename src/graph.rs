//! Mapping sources and facts to RDF quads. No I/O happens here.
//!
//! # The shape of a fact
//! Each fact `F` becomes (all in the default graph, no blank nodes):
//! - the plain triple `S P O`, unless `F` is deprecated;
//! - a statement node `<base>fact/F`, typed `fg:Fact` (a subclass of `rdf:Statement`),
//!   with `rdf:subject`/`rdf:predicate`/`rdf:object`, its qualifiers as direct
//!   properties, `fg:rank`, `prov:wasDerivedFrom` its source, `fg:factId`, an optional
//!   `rdfs:comment`, and `fg:citation` pointing at a W3C Web Annotation;
//! - the annotation `<…/fact/F#annotation>` (`oa:hasBody` the fact, `oa:hasTarget`
//!   a `oa:SpecificResource` `#target` whose `oa:hasSource` is the source and whose
//!   selectors are `#quote`, an `oa:TextQuoteSelector`, and `#position`, an
//!   `oa:TextPositionSelector` counted in code points);
//! - who claims it and how: `fg:voice` (`fg:SourceVoice` or an agent, then also
//!   `prov:wasAttributedTo`), `fg:relayedBy`, `fg:basis`, `fg:deprecationReason`;
//! - for every date value, its first and last day as `xsd:date` (comparable in SPARQL);
//! - `fg:sha256`, the fact's content hash (see [`crate::hash::fact_hash`]).
//!
//! # Rationale
//! RDF 1.1 statement nodes rather than RDF 1.2 triple terms or one named graph per
//! fact: every serializer, SPARQL engine and CSV export handles them, and the fact IRI
//! is minted from the user's stable id so it survives edits across releases.

use crate::fact::{Fact, Rank, Voice};
use crate::hash::fact_hash;
use crate::project::Minter;
use crate::quote::QuoteMatch;
use crate::source::Source;
use crate::vocab::{iri, DCTERMS, FG, OA, PROV, RDF, RDFS, SCHEMA, XSD};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};

fn quad(s: &NamedNode, p: NamedNode, o: impl Into<Term>) -> Quad {
    Quad::new(s.clone(), p, o.into(), GraphName::DefaultGraph)
}

fn string(value: &str) -> Literal {
    Literal::new_simple_literal(value)
}

/// A count or an offset. `xsd:integer`, not `xsd:nonNegativeInteger`: stores such as
/// Oxigraph return every integer type as `xsd:integer`, and a literal must come back
/// from a store as it went in for fact hashes to be recomputable from a query answer.
fn count(n: usize) -> Literal {
    Literal::new_typed_literal(n.to_string(), iri(XSD, "integer"))
}

/// The triples describing a source.
pub fn source_quads(minter: &Minter, source: &Source) -> Vec<Quad> {
    let s = minter.source(&source.id);
    let mut out = vec![
        quad(&s, iri(RDF, "type"), iri(FG, "SourceArticle")),
        quad(&s, iri(RDF, "type"), iri(PROV, "Entity")),
        quad(&s, iri(FG, "sourceId"), string(&source.id)),
        quad(&s, iri(DCTERMS, "title"), string(&source.title)),
        quad(&s, iri(DCTERMS, "issued"), source.published.clone()),
        quad(&s, iri(FG, "file"), string(&source.file)),
        quad(&s, iri(FG, "sha256"), string(&source.sha256)),
    ];
    if let Some(url) = &source.url {
        out.push(quad(&s, iri(SCHEMA, "url"), url.clone()));
    }
    if let Some(publisher) = &source.publisher {
        out.push(quad(&s, iri(DCTERMS, "publisher"), string(publisher)));
    }
    if let Some(language) = &source.language {
        out.push(quad(&s, iri(DCTERMS, "language"), string(language)));
    }
    if let Some(retrieved) = &source.retrieved {
        out.push(quad(&s, iri(FG, "retrieved"), retrieved.clone()));
    }
    out
}

/// The triples of one fact: its plain triple (unless deprecated), its description and
/// its content hash. Returns the quads and the hash.
pub fn fact_quads(minter: &Minter, fact: &Fact, quote: &QuoteMatch) -> (Vec<Quad>, String) {
    let mut description = fact_description(minter, fact, quote);
    let hash = fact_hash(&description);
    description.push(fact_hash_quad(minter, fact, &hash));
    description.extend(plain_triple(fact));
    (description, hash)
}

/// A fact's description: every triple whose subject is the fact or one of its parts
/// (`#annotation`, `#target`, `#quote`, `#position`), except `fg:sha256`. These are
/// the triples its content hash covers ([`fact_hash`]).
pub fn fact_description(minter: &Minter, fact: &Fact, quote: &QuoteMatch) -> Vec<Quad> {
    let f = minter.fact(&fact.id);
    let source = minter.source(&fact.source_id);
    let annotation = minter.fact_part(&fact.id, "annotation");
    let target = minter.fact_part(&fact.id, "target");
    let quote_selector = minter.fact_part(&fact.id, "quote");
    let position = minter.fact_part(&fact.id, "position");
    let mut description = vec![
        quad(&f, iri(RDF, "type"), iri(FG, "Fact")),
        quad(&f, iri(RDF, "type"), iri(RDF, "Statement")),
        quad(&f, iri(FG, "factId"), string(&fact.id)),
        quad(&f, iri(RDF, "subject"), fact.subject.clone()),
        quad(&f, iri(RDF, "predicate"), fact.predicate.clone()),
        quad(&f, iri(RDF, "object"), fact.object.clone()),
        quad(&f, iri(FG, "rank"), fact.rank.iri()),
        quad(&f, iri(PROV, "wasDerivedFrom"), source.clone()),
        quad(&f, iri(FG, "citation"), annotation.clone()),
        quad(&annotation, iri(RDF, "type"), iri(OA, "Annotation")),
        quad(&annotation, iri(OA, "motivatedBy"), iri(OA, "describing")),
        quad(&annotation, iri(OA, "hasBody"), f.clone()),
        quad(&annotation, iri(OA, "hasTarget"), target.clone()),
        quad(&target, iri(RDF, "type"), iri(OA, "SpecificResource")),
        quad(&target, iri(OA, "hasSource"), source),
        quad(&target, iri(OA, "hasSelector"), quote_selector.clone()),
        quad(&target, iri(OA, "hasSelector"), position.clone()),
        quad(
            &quote_selector,
            iri(RDF, "type"),
            iri(OA, "TextQuoteSelector"),
        ),
        quad(&quote_selector, iri(OA, "exact"), string(&fact.quote)),
        quad(&quote_selector, iri(OA, "prefix"), string(&quote.prefix)),
        quad(&quote_selector, iri(OA, "suffix"), string(&quote.suffix)),
        quad(&position, iri(RDF, "type"), iri(OA, "TextPositionSelector")),
        quad(&position, iri(OA, "start"), count(quote.start)),
        quad(&position, iri(OA, "end"), count(quote.end)),
    ];
    for (property, value) in fact.qualifiers.iter().chain(&fact.days) {
        description.push(quad(&f, property.clone(), value.clone()));
    }
    description.push(quad(&f, iri(FG, "voice"), fact.voice.iri()));
    if let Voice::Agent(agent) = &fact.voice {
        description.push(quad(&f, iri(PROV, "wasAttributedTo"), agent.clone()));
    }
    if let Some(agency) = &fact.relayed_by {
        description.push(quad(&f, iri(FG, "relayedBy"), agency.clone()));
    }
    description.push(quad(&f, iri(FG, "basis"), fact.basis.iri()));
    if let Some(reason) = fact.deprecation_reason {
        description.push(quad(&f, iri(FG, "deprecationReason"), reason.iri()));
    }
    if let Some(note) = &fact.note {
        description.push(quad(&f, iri(RDFS, "comment"), string(note)));
    }
    description
}

/// The `fg:sha256` triple stating a fact's content hash.
pub fn fact_hash_quad(minter: &Minter, fact: &Fact, hash: &str) -> Quad {
    quad(&minter.fact(&fact.id), iri(FG, "sha256"), string(hash))
}

/// The plain `S P O` triple a fact asserts, unless it is deprecated.
pub fn plain_triple(fact: &Fact) -> Option<Quad> {
    claim(fact.rank, &fact.subject, &fact.predicate, &fact.object)
}

/// [`plain_triple`] from the claim's parts (for facts held compactly).
pub fn claim(
    rank: Rank,
    subject: &NamedNode,
    predicate: &NamedNode,
    object: &Term,
) -> Option<Quad> {
    (rank != Rank::Deprecated).then(|| {
        Quad::new(
            subject.clone(),
            predicate.clone(),
            object.clone(),
            GraphName::DefaultGraph,
        )
    })
}
