//! The RDF answer of a resource: which triples it holds, and their serialization.

use super::reader::first;
use super::{Namespaces, Reader, Resource};
use crate::error::{Error, Result};
use crate::vocab::PROV;
use oxigraph::model::{NamedNode, NamedOrBlankNode, Term, Triple};

impl Reader<'_> {
    /// The triples a resource's RDF answer holds (sorted, so answers are stable):
    /// - a fact: its statement node, annotation, target, selectors, and its source;
    /// - a source: its description and the facts derived from it (`prov:wasDerivedFrom`);
    /// - an entity: every triple about it or naming it;
    /// - a release: its description (the release and the IRIs under it);
    /// - the ontology: the ontology and its terms.
    pub fn describe(&self, resource: &Resource) -> Result<Vec<Triple>> {
        let iri = self.ns.iri(resource);
        let mut out: Vec<Triple> = match resource {
            Resource::Fact(_) => {
                let about = self.graph.about(&iri)?;
                if !Self::is_fact(&about) {
                    return Ok(Vec::new());
                }
                let mut out = about.clone();
                for part in ["annotation", "target", "quote", "position"] {
                    out.extend(self.graph.about(&NamedNode::new_unchecked(format!(
                        "{}#{part}",
                        iri.as_str()
                    )))?);
                }
                if let Some(Term::NamedNode(s)) = first(&about, &format!("{PROV}wasDerivedFrom")) {
                    out.extend(self.graph.about(&s)?);
                }
                out
            }
            Resource::Source(_) => {
                let about = self.graph.about(&iri)?;
                if about.is_empty() {
                    return Ok(Vec::new());
                }
                let derived = format!("{PROV}wasDerivedFrom");
                let mut out = about;
                out.extend(
                    self.graph
                        .mentioning(&Term::NamedNode(iri.clone()))?
                        .into_iter()
                        .filter(|t| t.predicate.as_str() == derived),
                );
                out
            }
            Resource::Entity(_) => {
                let mut out = self.graph.about(&iri)?;
                out.extend(self.graph.mentioning(&Term::NamedNode(iri.clone()))?);
                out
            }
            Resource::Release(_) => self.release_triples(&iri)?,
            Resource::Ontology => {
                let mut out = Vec::new();
                for term in self.ontology_terms()? {
                    out.extend(self.graph.about(&term)?);
                }
                out
            }
        };
        out.sort_by_cached_key(ToString::to_string);
        out.dedup();
        Ok(out)
    }
}

/// Serializes triples in an RDF format; Turtle gets the namespaces' prefixes.
pub fn serialize(
    triples: &[Triple],
    format: oxigraph::io::RdfFormat,
    ns: &Namespaces,
) -> Result<Vec<u8>> {
    use oxigraph::io::{RdfFormat, RdfSerializer};
    let failed = |e: &dyn std::fmt::Display| Error::Usage(format!("cannot write RDF: {e}"));
    let mut serializer = RdfSerializer::from_format(format);
    if matches!(format, RdfFormat::Turtle) {
        // Only the prefixes the triples use, so a small answer stays small.
        let used = |ns_iri: &str| {
            triples.iter().any(|t| {
                matches!(&t.subject, NamedOrBlankNode::NamedNode(s) if s.as_str().starts_with(ns_iri))
                    || t.predicate.as_str().starts_with(ns_iri)
                    || matches!(&t.object, Term::NamedNode(o) if o.as_str().starts_with(ns_iri))
                    || matches!(&t.object, Term::Literal(l) if l.datatype().as_str().starts_with(ns_iri))
            })
        };
        for (name, iri) in &ns.prefixes {
            if used(iri) {
                serializer = serializer.with_prefix(name, iri).map_err(|e| failed(&e))?;
            }
        }
    }
    let mut writer = serializer.for_writer(Vec::new());
    for t in triples {
        writer.serialize_triple(t).map_err(|e| failed(&e))?;
    }
    writer.finish().map_err(|e| failed(&e))
}
