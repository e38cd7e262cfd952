//! `annotations.jsonld`: every fact's citation as a W3C Web Annotation
//! ([Data Model](https://www.w3.org/TR/annotation-model/), JSON-LD with the W3C context
//! `http://www.w3.org/ns/anno.jsonld`), for annotation tools (Apache Annotator,
//! Hypothesis-style clients) that read that format rather than RDF.
//!
//! One `AnnotationCollection` holding one embedded `AnnotationPage` with an annotation
//! per fact, sorted by fact id. Each annotation keeps the graph's own IRIs (`…#annotation`,
//! `…#target`, `…#quote`, `…#position`), so converting the file to RDF gives the graph's
//! annotation triples plus one thing the graph does not have: a `TextualBody` with the
//! claim in words, which is what a client displays. `start`/`end` are JSON numbers, as
//! the model's examples have them; the W3C context gives them no datatype, so a JSON-LD
//! processor reads them as `xsd:integer`, the graph's own datatype for positions.

use crate::error::{Error, Result};
use crate::pipeline::Checked;
use crate::project::Config;
use oxigraph::model::Term;
use serde_json::{json, Value};
use std::path::Path;

/// The W3C Web Annotation JSON-LD context.
pub const CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";

fn words(checked: &Checked, term: &Term) -> String {
    match term {
        Term::NamedNode(n) => checked
            .ontology
            .label(n)
            .map_or_else(|| checked.ontology.compact(n), str::to_owned),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

/// The annotation document of a graph; `collection` is the collection's IRI.
pub fn document(config: &Config, checked: &Checked, collection: &str, label: &str) -> Value {
    let minter = &config.minter;
    let mut facts: Vec<_> = checked.facts.iter().collect();
    facts.sort_by(|a, b| a.fact.id.cmp(&b.fact.id));
    let items: Vec<Value> = facts
        .iter()
        .map(|cited| {
            let f = &cited.fact;
            let q = &cited.quote;
            let part = |p: &str| minter.fact_part(&f.id, p).as_str().to_owned();
            let mut claim = format!(
                "{} {} {}",
                words(checked, &Term::NamedNode(f.subject.clone())),
                words(checked, &Term::NamedNode(f.predicate.clone())),
                words(checked, &f.object)
            );
            if !f.qualifiers.is_empty() {
                let qualifiers: Vec<String> = f
                    .qualifiers
                    .iter()
                    .map(|(p, v)| {
                        format!(
                            "{}: {}",
                            words(checked, &Term::NamedNode(p.clone())),
                            words(checked, v)
                        )
                    })
                    .collect();
                claim.push_str(&format!(" ({})", qualifiers.join("; ")));
            }
            json!({
                "id": part("annotation"),
                "type": "Annotation",
                "motivation": "describing",
                "body": [
                    {
                        "type": "TextualBody",
                        "value": claim,
                        "format": "text/plain",
                        "language": "en",
                        "purpose": "describing"
                    },
                    minter.fact(&f.id).as_str()
                ],
                "target": {
                    "id": part("target"),
                    "type": "SpecificResource",
                    "source": minter.source(&f.source_id).as_str(),
                    "selector": [
                        {
                            "id": part("quote"),
                            "type": "TextQuoteSelector",
                            "exact": f.quote,
                            "prefix": q.prefix,
                            "suffix": q.suffix
                        },
                        {
                            "id": part("position"),
                            "type": "TextPositionSelector",
                            "start": q.start,
                            "end": q.end
                        }
                    ]
                }
            })
        })
        .collect();
    json!({
        "@context": CONTEXT,
        "id": collection,
        "type": "AnnotationCollection",
        "label": label,
        "total": items.len(),
        "first": {
            "id": format!("{collection}/page1"),
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items
        }
    })
}

/// Writes `annotations.jsonld` (pretty-printed, keys sorted, a final newline).
pub fn write(
    path: &Path,
    config: &Config,
    checked: &Checked,
    collection: &str,
    label: &str,
) -> Result<()> {
    let mut text = serde_json::to_string_pretty(&document(config, checked, collection, label))
        .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    text.push('\n');
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}
