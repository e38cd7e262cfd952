#!/usr/bin/env python3
"""Checks a release's annotations.jsonld against the W3C Web Annotation Data Model and
against the release's own graph.nq, with the Python standard library only.

usage: check_annotations.py RELEASE_DIR [SOURCES_DIR]

- the document uses the W3C context (http://www.w3.org/ns/anno.jsonld) and only terms
  that context defines, with the types and shapes the model requires (an
  AnnotationCollection whose embedded AnnotationPage holds Annotations with a body and
  a SpecificResource target whose selectors are a TextQuoteSelector and a
  TextPositionSelector with start/end as JSON integers, start <= end);
- every body a client can display: a TextualBody with a non-empty text/plain value;
- each annotation says what graph.nq says (oa:exact, oa:prefix, oa:suffix, oa:start,
  oa:end, oa:hasSource, oa:hasBody), one annotation per fact;
- with SOURCES_DIR, the source text at [start, end) in code points is the quote.
Exit 0 when all holds, 1 with one line per problem otherwise.
"""
import json
import re
import sys
from pathlib import Path

W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# Terms of the W3C context this file may use, with the IRIs the context maps them to.
TERMS = {
    "id": "@id", "type": "@type", "label": "rdfs:label", "total": "as:totalItems",
    "first": "as:first", "items": "as:items", "startIndex": "as:startIndex",
    "motivation": "oa:motivatedBy", "body": "oa:hasBody", "target": "oa:hasTarget",
    "source": "oa:hasSource", "selector": "oa:hasSelector", "value": "rdf:value",
    "format": "dc:format", "language": "dc:language", "purpose": "oa:hasPurpose",
    "exact": "oa:exact", "prefix": "oa:prefix", "suffix": "oa:suffix",
    "start": "oa:start", "end": "oa:end",
}
CLASSES = {"AnnotationCollection", "AnnotationPage", "Annotation", "TextualBody",
           "SpecificResource", "TextQuoteSelector", "TextPositionSelector"}
MOTIVATIONS = {"describing", "commenting", "identifying", "linking", "tagging",
               "classifying", "highlighting", "bookmarking", "editing", "moderating",
               "questioning", "replying", "reviewing", "assessing"}
OA = "http://www.w3.org/ns/oa#"
FG_FILE = "https://w3id.org/factgraph/ontology#file"

problems = []


def problem(where, message):
    problems.append(f"{where}: {message}")


def keys_known(obj, where):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k != "@context" and k not in TERMS:
                problem(where, f"`{k}` is not a term of the W3C context")
            keys_known(v, f"{where}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            keys_known(v, f"{where}[{i}]")


def unescape(literal):
    return json.loads('"' + literal + '"')


def graph_facts(path):
    """(subject, predicate) -> object, for the annotation nodes of graph.nq."""
    triples = {}
    line_re = re.compile(r'^<([^>]*)> <([^>]*)> (.*) \.$')
    for line in path.read_text(encoding="utf-8").splitlines():
        m = line_re.match(line)
        if not m:
            continue
        s, p, o = m.groups()
        if "#" not in s and not p.startswith(OA) and p != FG_FILE:
            continue
        if o.startswith("<"):
            value = o[1:-1]
        else:
            lit = re.match(r'^"((?:[^"\\]|\\.)*)"', o)
            value = unescape(lit.group(1)) if lit else o
        triples.setdefault((s, p), []).append(value)
    return triples


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    release = Path(sys.argv[1])
    sources = Path(sys.argv[2]) if len(sys.argv) == 3 else None
    doc = json.loads((release / "annotations.jsonld").read_text(encoding="utf-8"))
    if doc.get("@context") != W3C_CONTEXT:
        problem("document", f"@context is {doc.get('@context')!r}, not {W3C_CONTEXT}")
    keys_known(doc, "document")
    if doc.get("type") != "AnnotationCollection" or not doc.get("id"):
        problem("document", "not an AnnotationCollection with an id")
    page = doc.get("first") or {}
    if page.get("type") != "AnnotationPage" or not page.get("id"):
        problem("first", "not an embedded AnnotationPage with an id")
    items = page.get("items") or []
    if doc.get("total") != len(items):
        problem("document", f"total {doc.get('total')} but {len(items)} items")
    graph = graph_facts(release / "graph.nq")
    one = lambda s, p: (graph.get((s, p)) or [None])[0]
    fact_ids = {s for (s, p) in graph if p == OA + "hasBody"}
    seen = set()
    texts = {}
    for i, a in enumerate(items):
        where = f"items[{i}] {a.get('id')}"
        if a.get("type") != "Annotation" or not a.get("id"):
            problem(where, "not an Annotation with an id")
            continue
        seen.add(a["id"])
        if a.get("motivation") not in MOTIVATIONS:
            problem(where, f"motivation {a.get('motivation')!r} is not a W3C motivation")
        for t in [a] + [b for b in a.get("body", []) if isinstance(b, dict)]:
            if t.get("type") not in CLASSES:
                problem(where, f"type {t.get('type')!r} is not a W3C class")
        bodies = a.get("body") or []
        textual = [b for b in bodies if isinstance(b, dict) and b.get("type") == "TextualBody"]
        if not textual or not all(isinstance(b.get("value"), str) and b["value"].strip()
                                  and b.get("format") == "text/plain" for b in textual):
            problem(where, "no displayable TextualBody (text/plain value)")
        iris = [b for b in bodies if isinstance(b, str)]
        if iris != [one(a["id"], OA + "hasBody")]:
            problem(where, f"body IRIs {iris} differ from graph.nq's oa:hasBody")
        target = a.get("target") or {}
        if target.get("type") != "SpecificResource":
            problem(where, "the target is not a SpecificResource")
        if target.get("id") != one(a["id"], OA + "hasTarget"):
            problem(where, "the target id differs from graph.nq")
        if target.get("source") != one(target.get("id"), OA + "hasSource"):
            problem(where, "the target source differs from graph.nq")
        selectors = {s.get("type"): s for s in target.get("selector") or []}
        quote = selectors.get("TextQuoteSelector") or {}
        position = selectors.get("TextPositionSelector") or {}
        for key in ("exact", "prefix", "suffix"):
            if quote.get(key) != one(quote.get("id"), OA + key):
                problem(where, f"TextQuoteSelector {key} differs from graph.nq")
        start, end = position.get("start"), position.get("end")
        if not (type(start) is int and type(end) is int and 0 <= start <= end):
            problem(where, f"start/end are not JSON integers with 0 <= start <= end: {start!r}, {end!r}")
            continue
        for key, value in (("start", start), ("end", end)):
            if str(value) != one(position.get("id"), OA + key):
                problem(where, f"TextPositionSelector {key} differs from graph.nq")
        if sources is not None:
            file = one(target.get("source"), FG_FILE)
            if not file:
                problem(where, "graph.nq gives no fg:file for the target's source")
            else:
                if file not in texts:
                    path = sources / file
                    texts[file] = path.read_text(encoding="utf-8") if path.exists() else None
                text = texts[file]
                # Python strings index by code point, as oa:start/oa:end count.
                if text is not None and text[start:end] != quote.get("exact"):
                    problem(where, f"the source text at {start}..{end} is not the quote")
    if seen != fact_ids:
        problem("document", f"{len(fact_ids - seen)} annotation(s) of graph.nq missing, {len(seen - fact_ids)} extra")
    for p in problems:
        print(p)
    print(f"annotations.jsonld: {len(items)} annotation(s), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
