//! Which of the ontology's lines `facts.ttl` carries, decided before the graph streams.
//!
//! `facts.ttl` holds the data lines plus the ontology's `rdf:type` and `rdfs:label`
//! lines of the terms the data names ([`super::rdf::data_lines`]). In the streamed
//! export an ontology line may sort before the data that names it, so the terms are
//! collected first, from the quads (on every core), without formatting every line.

use crate::graph;
use crate::pipeline::Checked;
use crate::project::Config;
use oxigraph::model::Quad;
use rayon::prelude::*;
use std::collections::HashSet;

/// The ontology's lines `facts.ttl` carries: [`super::rdf::described_terms`] of the
/// ontology terms that the data lines name. Computed before the stream (an ontology
/// line may sort before the data that names it) from the quads, in parallel: a quad
/// names its IRIs, its literal's datatype when written (not `xsd:string` or a
/// language string), and whatever `<…>` its literal's text holds, exactly as
/// [`super::rdf::iris_in`] reads the line; a quad whose line is also the ontology's is
/// not data.
pub fn described_terms(config: &Config, checked: &Checked) -> HashSet<String> {
    const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
    use oxigraph::model::{NamedOrBlankNode as S, Term};
    let ontology = &checked.ontology.quads;
    let subjects: HashSet<&str> = ontology
        .iter()
        .filter_map(|q| match &q.subject {
            S::NamedNode(n) => Some(n.as_str()),
            S::BlankNode(_) => None,
        })
        .collect();
    let ontology_lines: HashSet<String> =
        ontology.iter().map(crate::hash::canonical_line).collect();
    let named = |quad: &Quad, used: &mut HashSet<String>| {
        if let S::NamedNode(s) = &quad.subject {
            if subjects.contains(s.as_str())
                && ontology_lines.contains(&crate::hash::canonical_line(quad))
            {
                return;
            }
        }
        let mut mark = |iri: &str| {
            if subjects.contains(iri) && !used.contains(iri) {
                used.insert(iri.to_owned());
            }
        };
        if let S::NamedNode(s) = &quad.subject {
            mark(s.as_str());
        }
        mark(quad.predicate.as_str());
        match &quad.object {
            Term::NamedNode(o) => mark(o.as_str()),
            Term::Literal(l) if l.value().contains('<') => {
                for iri in super::rdf::iris_in(&l.to_string()) {
                    mark(iri);
                }
            }
            Term::Literal(l) => {
                let datatype = l.datatype().as_str();
                if l.language().is_none() && datatype != XSD_STRING {
                    mark(datatype);
                }
            }
            _ => {}
        }
    };
    let minter = &config.minter;
    let all: Vec<usize> = (0..checked.facts.len()).collect();
    let mut used: HashSet<String> = all
        .par_chunks(1024)
        .map(|chunk| {
            let mut used = HashSet::new();
            for &i in chunk {
                let c = checked.facts.get(i);
                for q in graph::fact_description(minter, &c.fact, &c.quote) {
                    named(&q, &mut used);
                }
                named(&graph::fact_hash_quad(minter, &c.fact, ""), &mut used);
                if let Some(q) = graph::plain_triple(&c.fact) {
                    named(&q, &mut used);
                }
            }
            used
        })
        .reduce(HashSet::new, |mut a, b| {
            a.extend(b);
            a
        });
    for q in &checked.metadata.quads {
        named(q, &mut used);
    }
    for loaded in checked.sources.values() {
        for q in graph::source_quads(minter, &loaded.source) {
            named(&q, &mut used);
        }
    }
    super::rdf::described_terms(checked, used.iter().map(String::as_str).collect())
}
