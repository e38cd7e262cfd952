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
use crate::pipeline::{Checked, Cited};
use crate::project::Config;
use oxigraph::model::Term;
use serde_json::{json, Value};
use std::io::Write;
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

/// One fact's annotation.
fn annotation(config: &Config, checked: &Checked, cited: &Cited) -> Value {
    let minter = &config.minter;
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
}

/// The whole document as one value: what [`stream`] must write byte for byte, kept only
/// as the tests' reference because at a million facts it would need several GiB.
#[cfg(test)]
fn document(collection: &str, label: &str, items: Vec<Value>) -> Value {
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

/// Indentation of an item inside `first.items` in the pretty-printed document (depth 3).
const ITEM_INDENT: &[u8] = b"      ";

/// Writes the document `serde_json::to_string_pretty(&document(..))` plus a newline would
/// give, holding one annotation at a time. serde_json's maps are sorted (no
/// `preserve_order`), so the fixed keys come in byte order: `@context`, `first` (`id`,
/// `items`, `startIndex`, `type`), `id`, `label`, `total`, `type`. Each item is
/// pretty-printed alone and re-indented; a JSON string never holds a raw newline, so
/// indenting after every `\n` cannot touch a value.
///
/// Items are rendered (see [`render`]) before they reach `stream`, so that they can be
/// rendered on every core; `items` yields each item's rendering, or a batch of them.
fn stream<W: Write>(
    out: &mut W,
    collection: &str,
    label: &str,
    total: usize,
    items: impl FnOnce(&mut dyn FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let string = |s: &str| serde_json::to_string(s).map_err(std::io::Error::from);
    write!(
        out,
        "{{\n  \"@context\": {},\n  \"first\": {{\n    \"id\": {},\n    \"items\": ",
        string(CONTEXT)?,
        string(&format!("{collection}/page1"))?
    )?;
    if total == 0 {
        out.write_all(b"[]")?;
    } else {
        out.write_all(b"[")?;
        let mut first = true;
        items(&mut |rendered| {
            // Each rendering starts with its own ",\n"; the first item's becomes "\n".
            let rendered = if first { &rendered[1..] } else { rendered };
            first = false;
            out.write_all(rendered)
        })?;
        out.write_all(b"\n    ]")?;
    }
    write!(
        out,
        ",\n    \"startIndex\": 0,\n    \"type\": \"AnnotationPage\"\n  }},\n  \"id\": {},\n  \
         \"label\": {},\n  \"total\": {total},\n  \"type\": \"AnnotationCollection\"\n}}\n",
        string(collection)?,
        string(label)?
    )
}

/// One item as it appears in the document: `,\n`, then the item pretty-printed and
/// indented to its depth.
fn render(item: &Value, out: &mut Vec<u8>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    serde_json::to_writer_pretty(&mut buf, item)?;
    out.extend_from_slice(b",\n");
    for (j, line) in buf.split(|&b| b == b'\n').enumerate() {
        if j > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(ITEM_INDENT);
        out.extend_from_slice(line);
    }
    Ok(())
}

/// Writes `annotations.jsonld` (pretty-printed, keys sorted, a final newline), a window
/// of annotations at a time, rendered on every core: the whole document in memory cost
/// GiBs at a million facts.
pub fn write(
    path: &Path,
    config: &Config,
    checked: &Checked,
    collection: &str,
    label: &str,
) -> Result<()> {
    let facts = &checked.facts;
    let mut order: Vec<usize> = (0..facts.len()).collect();
    order.sort_by(|&a, &b| facts.id(a).cmp(facts.id(b)));
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut out = std::io::BufWriter::new(file);
    let items = |write: &mut dyn FnMut(&[u8]) -> std::io::Result<()>| {
        crate::export::outfile::in_order(
            &order,
            |chunk| {
                let mut bytes = Vec::with_capacity(chunk.len() * 1024);
                for &i in chunk {
                    render(&annotation(config, checked, &facts.get(i)), &mut bytes)?;
                }
                Ok(bytes)
            },
            write,
        )
    };
    stream(&mut out, collection, label, order.len(), items)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streamed(collection: &str, label: &str, items: &[Value]) -> String {
        let mut out = Vec::new();
        // One item a call, and all in one call, must give the same document.
        let one_by_one = |write: &mut dyn FnMut(&[u8]) -> std::io::Result<()>| {
            for item in items {
                let mut bytes = Vec::new();
                render(item, &mut bytes)?;
                write(&bytes)?;
            }
            Ok(())
        };
        stream(&mut out, collection, label, items.len(), one_by_one).unwrap();
        let mut together = Vec::new();
        let all_at_once = |write: &mut dyn FnMut(&[u8]) -> std::io::Result<()>| {
            let mut bytes = Vec::new();
            for item in items {
                render(item, &mut bytes)?;
            }
            if bytes.is_empty() {
                Ok(())
            } else {
                write(&bytes)
            }
        };
        stream(&mut together, collection, label, items.len(), all_at_once).unwrap();
        assert_eq!(out, together);
        String::from_utf8(out).unwrap()
    }

    fn whole(collection: &str, label: &str, items: &[Value]) -> String {
        let doc = document(collection, label, items.to_vec());
        serde_json::to_string_pretty(&doc).unwrap() + "\n"
    }

    /// An annotation shaped like [`annotation`]'s, with `text` in every string a fact
    /// brings (claim, quote, prefix, suffix).
    fn item(n: u64, text: &str) -> Value {
        json!({
            "id": format!("https://example.org/fact/f{n}#annotation"),
            "type": "Annotation",
            "motivation": "describing",
            "body": [
                {"type": "TextualBody", "value": format!("claim {text}"), "format": "text/plain",
                 "language": "en", "purpose": "describing"},
                format!("https://example.org/fact/f{n}")
            ],
            "target": {
                "id": format!("https://example.org/fact/f{n}#target"),
                "type": "SpecificResource",
                "source": "https://example.org/source/s",
                "selector": [
                    {"id": "q", "type": "TextQuoteSelector", "exact": text,
                     "prefix": format!("{text}\n"), "suffix": ""},
                    {"id": "p", "type": "TextPositionSelector", "start": n, "end": n + 7}
                ]
            }
        })
    }

    #[test]
    fn streamed_document_equals_serde_jsons_whole_document() {
        let texts = [
            "plain",
            "she said \"no\" and \\ left",
            "Zürich — 東京 🚀 naïve",
            "tab\there, newline\nthere, cr\r, nul\u{0}, bell\u{7}, esc\u{1b}, del\u{7f}",
            "{\"not\": [\"json\"]},\n      \"items\": [",
            "\u{2028}\u{2029}</script>",
        ];
        let items: Vec<Value> = texts
            .iter()
            .enumerate()
            .map(|(n, t)| item(n as u64, t))
            .collect();
        for (collection, label) in [
            ("https://example.org/release/v2/annotations", "release v2"),
            ("https://ex.org/\"q\"/ü", "label \"quoted\"\n\u{1}\tü 🚀"),
        ] {
            for n in [0, 1, 2, items.len()] {
                assert_eq!(
                    streamed(collection, label, &items[..n]),
                    whole(collection, label, &items[..n]),
                    "{n} item(s), collection {collection:?}"
                );
            }
        }
        // The escapes really are in there, so the comparison covered them.
        let text = streamed("c", "l", &items);
        assert!(text.contains(r#"\"no\""#) && text.contains(r"\u0000") && text.contains("東京"));
    }
}
