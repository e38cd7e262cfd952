#!/usr/bin/env python3
"""Queries a running `factgraph serve` with SPARQLWrapper, the Python client people use.

Usage: sparqlwrapper_check.py http://127.0.0.1:PORT
Exits non-zero if any check fails (each failure is printed).
"""
import csv
import io
import sys

from SPARQLWrapper import CSV, JSON, N3, POST, TSV, TURTLE, XML, JSONLD, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException
from urllib.error import HTTPError

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:7878"
ENDPOINT = BASE + "/sparql"
PREFIXES = """PREFIX fg: <https://w3id.org/factgraph/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
FACT_IDS = PREFIXES + "SELECT ?id WHERE { ?f a fg:Fact ; fg:factId ?id } ORDER BY ?id"
failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"))
    if not condition:
        failures.append(name)


def client(query, fmt, method=None):
    sparql = SPARQLWrapper(ENDPOINT)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    if method:
        sparql.setMethod(method)
    return sparql


def run(name, fn):
    try:
        fn()
    except Exception as e:  # a crash is a failed check, not a stopped script
        check(name, False, repr(e))


def select_json():
    rows = client(FACT_IDS, JSON).queryAndConvert()["results"]["bindings"]
    ids = [r["id"]["value"] for r in rows]
    check("SELECT as JSON (GET)", len(ids) > 0 and ids == sorted(ids), ids[:5])
    posted = client(FACT_IDS, JSON, POST).queryAndConvert()["results"]["bindings"]
    check("SELECT as JSON (POST)", [r["id"]["value"] for r in posted] == ids)
    as_csv = client(FACT_IDS, CSV).queryAndConvert().decode("utf-8")
    csv_ids = [row["id"] for row in csv.DictReader(io.StringIO(as_csv))]
    check("SELECT as CSV matches JSON", csv_ids == ids, csv_ids[:5])
    as_tsv = client(FACT_IDS, TSV).queryAndConvert().decode("utf-8").splitlines()
    check("SELECT as TSV", as_tsv[0] == "?id" and len(as_tsv) == len(ids) + 1, as_tsv[:3])
    xml = client(FACT_IDS, XML).queryAndConvert()  # an xml.dom.minidom Document
    literals = [n.firstChild.data for n in xml.getElementsByTagName("literal")]
    check("SELECT as XML", literals == ids, literals[:5])


def group_by():
    q = PREFIXES + """SELECT ?p (COUNT(?f) AS ?n) WHERE { ?f a fg:Fact ; rdf:predicate ?p }
GROUP BY ?p ORDER BY DESC(?n)"""
    rows = client(q, JSON).queryAndConvert()["results"]["bindings"]
    total = sum(int(r["n"]["value"]) for r in rows)
    count = client(PREFIXES + "SELECT (COUNT(?f) AS ?n) WHERE { ?f a fg:Fact }", JSON)
    n = int(count.queryAndConvert()["results"]["bindings"][0]["n"]["value"])
    check("GROUP BY counts add up", total == n and n > 0, (total, n))


def ask():
    result = client(PREFIXES + "ASK { ?f a fg:Fact }", JSON).queryAndConvert()
    check("ASK", result.get("boolean") is True, result)


def construct():
    q = PREFIXES + "CONSTRUCT { ?f fg:factId ?id } WHERE { ?f fg:factId ?id }"
    turtle = client(q, TURTLE).queryAndConvert()
    turtle = turtle.decode("utf-8") if isinstance(turtle, bytes) else turtle.serialize(format="turtle")
    check("CONSTRUCT as Turtle", "factId" in turtle, turtle[:200])
    n3 = client(q, N3).query().response
    check("CONSTRUCT negotiated for N3 clients", n3.headers.get("Content-Type", "").startswith(("text/turtle", "application/n-triples")))
    jsonld = client(q, JSONLD).query().response
    body = jsonld.read().decode("utf-8")
    check("CONSTRUCT as JSON-LD", jsonld.headers.get("Content-Type") == "application/ld+json" and "/fact/" in body, body[:200])


def update_refused():
    sparql = SPARQLWrapper(BASE + "/sparql")
    sparql.setMethod(POST)
    sparql.setQuery("INSERT DATA { <http://ex.org/a> <http://ex.org/b> <http://ex.org/c> }")
    try:
        sparql.query()
        check("UPDATE refused", False, "the update was accepted")
    except (SPARQLWrapperException, HTTPError) as e:
        text = str(e)
        check("UPDATE refused with 403", "403" in text or "Forbidden" in text or "read-only" in text, text[:200])
    after = client("ASK { <http://ex.org/a> ?p ?o }", JSON).queryAndConvert()
    check("store unchanged after the refused update", after.get("boolean") is False, after)


def bad_query():
    try:
        client("SELECT ?x WHERE {", JSON).queryAndConvert()
        check("syntax error reported", False, "no error")
    except SPARQLWrapperException as e:
        check("syntax error reported as QueryBadFormed", type(e).__name__ == "QueryBadFormed", repr(e)[:200])


for name, fn in [("select", select_json), ("group by", group_by), ("ask", ask),
                 ("construct", construct), ("update", update_refused), ("bad query", bad_query)]:
    run(name, fn)

if failures:
    print(f"{len(failures)} check(s) failed: {', '.join(failures)}")
    sys.exit(1)
print("all SPARQLWrapper checks passed")
