#!/usr/bin/env python3
"""Validates factgraph graphs against ontology/shapes.ttl with pySHACL.

    shacl_check.py SHAPES FILE...           validate each file; "conforms" or the report
    shacl_check.py SHAPES --without A,B FILE...   ... without the shapes fgsh:A, fgsh:B
                                            (a committed release's listed exception)
    shacl_check.py SHAPES --self-test FILE  prove the shapes catch broken facts: FILE
                                            (a valid graph.nq) must conform, and each
                                            known breakage of one fact must not

Files: `*.nq` (N-Quads, every graph merged into one) or `*.ttl` (Turtle). A file named
`release.ttl` must also state what graph.nq's own copy of the release description leaves
out (see fgsh:ReleaseShape): void:dataDump, and each file's dcat:byteSize. Exit status: 0
when every check passed, 1 otherwise. Needs pyshacl (scripts/conformance.sh installs it).
"""

import sys
import time
from pathlib import Path

import pyshacl
import rdflib
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

FG = Namespace("https://w3id.org/factgraph/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
PROV = Namespace("http://www.w3.org/ns/prov#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")


def load(path: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    if path.suffix == ".nq":
        dataset = rdflib.Dataset()
        dataset.parse(path, format="nquads")
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
    else:
        graph.parse(path, format="turtle")
    return graph


SH = Namespace("http://www.w3.org/ns/shacl#")
FGSH = Namespace("https://w3id.org/factgraph/shapes#")


def validate(graph: rdflib.Graph, shapes: rdflib.Graph, focus=None, without=()):
    use = None
    if without:
        named = {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
        unknown = [w for w in without if FGSH[w] not in named]
        if unknown:
            raise SystemExit(f"--without: no such shape: {unknown}")
        use = sorted(named - {FGSH[w] for w in without})
    conforms, _, text = pyshacl.validate(
        graph, shacl_graph=shapes, focus_nodes=focus, use_shapes=use
    )
    return conforms, text


def check_files(shapes: rdflib.Graph, files: list, without=()) -> bool:
    ok = True
    for name in files:
        path = Path(name)
        started = time.monotonic()
        graph = load(path)
        conforms, text = validate(graph, shapes, without=without)
        if path.name == "release.ttl":
            missing = release_ttl_gaps(graph)
            if missing:
                conforms = False
                text += "\n" + "\n".join(f"release.ttl: {m}" for m in missing) + "\n"
        took = time.monotonic() - started
        if conforms:
            but = f", without fgsh:{', fgsh:'.join(without)}" if without else ""
            print(f"SHACL conforms: {name} ({len(graph)} triples{but}, {took:.1f} s)")
        else:
            ok = False
            print(f"SHACL does NOT conform: {name}\n{text}")
    return ok


def release_ttl_gaps(graph):
    """What release.ttl must state that graph.nq's copy of the description may leave out."""
    gaps = []
    if not any(graph.triples((None, VOID.dataDump, None))):
        gaps.append("the release has no void:dataDump (its graph.nq)")
    for distribution in sorted(graph.subjects(RDF.type, DCAT.Distribution)):
        if not any(graph.triples((distribution, DCAT.byteSize, None))):
            gaps.append(f"{distribution} has no dcat:byteSize")
    return gaps


def first(graph, s, p):
    return next(graph.objects(s, p))


# Each breakage: a name, a function that breaks one fact of the graph in place, and a
# message that the shapes must report (the sh:message of the constraint that catches it).
def missing_exact(g, fact):
    quote = quote_of(g, fact)
    g.remove((quote, OA.exact, None))


def two_starts(g, fact):
    position = position_of(g, fact)
    start = first(g, position, OA.start)
    g.add((position, OA.start, Literal(int(start) + 1, datatype=XSD.nonNegativeInteger)))


def start_after_end(g, fact):
    position = position_of(g, fact)
    start, end = first(g, position, OA.start), first(g, position, OA.end)
    g.remove((position, OA.start, start))
    g.remove((position, OA.end, end))
    g.add((position, OA.start, end))
    g.add((position, OA.end, start))


def two_quotes(g, fact):
    target = first(g, first(g, fact, FG.citation), OA.hasTarget)
    extra = URIRef(str(fact) + "#quote2")
    g.add((target, OA.hasSelector, extra))
    g.add((extra, RDF.type, OA.TextQuoteSelector))
    g.add((extra, OA.exact, Literal("another quote")))


def uppercase_hash(g, fact):
    digest = first(g, fact, FG.sha256)
    g.remove((fact, FG.sha256, digest))
    g.add((fact, FG.sha256, Literal(str(digest).upper())))


def unknown_rank(g, fact):
    g.remove((fact, FG.rank, None))
    g.add((fact, FG.rank, FG.UnknownRank))


def no_source(g, fact):
    g.remove((fact, PROV.wasDerivedFrom, None))


def unasserted(g, fact):
    s, p, o = first(g, fact, RDF.subject), first(g, fact, RDF.predicate), first(g, fact, RDF.object)
    g.remove((s, p, o))


def long_prefix(g, fact):
    quote = quote_of(g, fact)
    g.remove((quote, OA.prefix, None))
    g.add((quote, OA.prefix, Literal("x" * 33)))


def no_basis(g, fact):
    g.remove((fact, FG.basis, None))


def deprecated_without_reason(g, fact):
    g.remove((fact, FG.rank, None))
    g.add((fact, FG.rank, FG.DeprecatedRank))


def wrong_span(g, fact):
    position = position_of(g, fact)
    end = first(g, position, OA.end)
    g.remove((position, OA.end, end))
    g.add((position, OA.end, Literal(int(end) + 1, datatype=XSD.nonNegativeInteger)))


BREAKAGES = [
    ("a quote selector without oa:exact", missing_exact, "exactly one oa:exact"),
    ("a position selector with two oa:start", two_starts, "exactly one oa:start"),
    ("oa:start after oa:end", start_after_end, "below oa:end"),
    ("a target with two quote selectors", two_quotes, "exactly one oa:TextQuoteSelector"),
    ("a fact hash in uppercase", uppercase_hash, "64 lowercase hex digits"),
    ("a rank outside the allowed set", unknown_rank, "preferred, normal or deprecated"),
    ("a fact without prov:wasDerivedFrom", no_source, "exactly one prov:wasDerivedFrom"),
    ("a normal-rank fact whose triple is not asserted", unasserted, "asserted as a plain triple"),
    ("an oa:prefix of 33 code points", long_prefix, "at most 32 code points"),
    ("positions that do not span the quote", wrong_span, "not the length of the quote"),
    ("a fact without fg:basis", no_basis, "exactly one fg:basis"),
    ("a deprecated fact without a reason", deprecated_without_reason, "exactly when its rank"),
]


def selector(g, fact, kind):
    target = first(g, first(g, fact, FG.citation), OA.hasTarget)
    for candidate in g.objects(target, OA.hasSelector):
        if (candidate, RDF.type, kind) in g:
            return candidate
    raise LookupError(f"{fact} has no {kind}")


def nodes_of(fact):
    """The fact's own nodes, and fg:Fact: the focus of the rules across nodes (fgsh:FactRules)."""
    nodes = [URIRef(str(fact) + suffix) for suffix in ("", "#annotation", "#target", "#quote", "#position")]
    return nodes + [FG.Fact]


def quote_of(g, fact):
    return selector(g, fact, OA.TextQuoteSelector)


def position_of(g, fact):
    return selector(g, fact, OA.TextPositionSelector)


def self_test(shapes: rdflib.Graph, name: str) -> bool:
    base = load(Path(name))
    conforms, text = validate(base, shapes)
    if not conforms:
        print(f"self-test: the unbroken graph {name} does not conform:\n{text}")
        return False
    facts = sorted(
        f for f in base.subjects(RDF.type, FG.Fact) if (f, FG.rank, FG.NormalRank) in base
    )
    fact = facts[0]
    passed = failed = 0
    for label, breakage, expected in BREAKAGES:
        graph = rdflib.Graph()
        for triple in base:
            graph.add(triple)
        breakage(graph, fact)
        # Only the broken fact's nodes are validated: the whole graph was shown to conform,
        # and a breakage touches nothing else (a full run per breakage takes seconds).
        conforms, text = validate(graph, shapes, focus=nodes_of(fact))
        if not conforms and expected in text:
            passed += 1
            print(f"  caught: {label}")
        else:
            failed += 1
            print(f"  NOT caught: {label} (expected a violation saying {expected!r})\n{text}")
    print(f"shapes self-test on {fact}: {passed} passed, {failed} failed")
    return failed == 0


def main(argv: list) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    shapes = rdflib.Graph().parse(argv[0], format="turtle")
    if argv[1] == "--self-test":
        if len(argv) != 3:
            print(__doc__, file=sys.stderr)
            return 2
        return 0 if self_test(shapes, argv[2]) else 1
    without = ()
    if argv[1] == "--without":
        if len(argv) < 4:
            print(__doc__, file=sys.stderr)
            return 2
        without, argv = tuple(argv[2].split(",")), [argv[0]] + argv[3:]
    return 0 if check_files(shapes, argv[1:], without) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
