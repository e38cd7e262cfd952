//! IRIs of the vocabularies the graph uses.
//!
//! The project's own terms live in `ontology/factgraph.ttl`; this module only names the
//! ones the code emits, so that a typo is a compile error rather than a silent new term.

/// The factgraph ontology namespace.
pub const FG: &str = "https://w3id.org/factgraph/ontology#";
/// RDF.
pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
/// RDF Schema.
pub const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
/// OWL.
pub const OWL: &str = "http://www.w3.org/2002/07/owl#";
/// XML Schema datatypes.
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
/// PROV-O.
pub const PROV: &str = "http://www.w3.org/ns/prov#";
/// Dublin Core terms.
pub const DCTERMS: &str = "http://purl.org/dc/terms/";
/// schema.org.
pub const SCHEMA: &str = "https://schema.org/";
/// W3C Web Annotation vocabulary.
pub const OA: &str = "http://www.w3.org/ns/oa#";
/// DCAT.
pub const DCAT: &str = "http://www.w3.org/ns/dcat#";
/// VoID.
pub const VOID: &str = "http://rdfs.org/ns/void#";
/// SPDX (checksums, as DCAT 3 recommends).
pub const SPDX: &str = "http://spdx.org/rdf/terms#";

/// Builds a `NamedNode` from a namespace and a local name.
pub fn iri(ns: &str, local: &str) -> oxigraph::model::NamedNode {
    oxigraph::model::NamedNode::new_unchecked(format!("{ns}{local}"))
}

/// The standard prefixes, in the fixed order exports declare them.
pub const STANDARD_PREFIXES: &[(&str, &str)] = &[
    ("rdf", RDF),
    ("rdfs", RDFS),
    ("owl", OWL),
    ("xsd", XSD),
    ("prov", PROV),
    ("dcterms", DCTERMS),
    ("schema", SCHEMA),
    ("oa", OA),
    ("dcat", DCAT),
    ("void", VOID),
    ("spdx", SPDX),
];

/// The CURIE of an IRI under the longest matching namespace, or `<iri>` when none fits.
pub fn compact_iri<'a>(
    iri: &str,
    prefixes: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    prefixes
        .into_iter()
        .filter(|(_, ns)| iri.starts_with(ns) && iri.len() > ns.len())
        .max_by_key(|(_, ns)| ns.len())
        .map_or_else(
            || format!("<{iri}>"),
            |(name, ns)| format!("{name}:{}", &iri[ns.len()..]),
        )
}

/// The properties `graph::fact_quads` writes on a fact node itself. The ontology may
/// not declare them as qualifiers: a qualifier with one of them would let a facts row
/// write a second `fg:sha256` or `rdf:subject` on its fact (a forged hash).
pub fn reserved_fact_properties() -> Vec<oxigraph::model::NamedNode> {
    vec![
        iri(RDF, "type"),
        iri(RDF, "subject"),
        iri(RDF, "predicate"),
        iri(RDF, "object"),
        iri(FG, "factId"),
        iri(FG, "rank"),
        iri(FG, "citation"),
        iri(FG, "sha256"),
        iri(PROV, "wasDerivedFrom"),
        iri(RDFS, "comment"),
    ]
}

/// The label to show among `rdfs:label` values: English first, then untagged, then any
/// other language, the smallest text among equals (one rule for pages and citations).
pub fn preferred_label<'a>(
    labels: impl IntoIterator<Item = &'a oxigraph::model::Literal>,
) -> Option<String> {
    labels
        .into_iter()
        .map(|l| {
            let rank = match l.language() {
                Some("en") => 0,
                None => 1,
                Some(_) => 2,
            };
            (rank, l.value())
        })
        .min()
        .map(|(_, value)| value.to_owned())
}

#[cfg(test)]
mod label_tests {
    use super::preferred_label;
    use oxigraph::model::Literal;

    #[test]
    fn english_then_untagged_then_other_languages() {
        let fr = Literal::new_language_tagged_literal_unchecked("Turquie", "fr");
        let plain = Literal::new_simple_literal("Turkey (plain)");
        let en = [
            Literal::new_language_tagged_literal_unchecked("Türkiye", "en"),
            Literal::new_language_tagged_literal_unchecked("Turkey", "en"),
        ];
        assert_eq!(preferred_label([&fr]).as_deref(), Some("Turquie"));
        assert_eq!(
            preferred_label([&fr, &plain]).as_deref(),
            Some("Turkey (plain)")
        );
        assert_eq!(
            preferred_label([&fr, &plain, &en[0], &en[1]]).as_deref(),
            Some("Turkey")
        );
        assert_eq!(preferred_label([]), None);
    }
}
