#!/usr/bin/env python3
"""Writes a synthetic factgraph project with N facts (default 100,000) for benchmarks.

Usage: gen_facts.py OUT_DIR [N]

OUT_DIR gets ontology/ (classes, properties and every entity used), sources/articles/
(one article per 100 facts, each fact's quote a sentence of its article) and the two
tables, sources.csv (with sha256) and facts.csv (with quote positions). The project
passes `factgraph check`. Deterministic: same N, same bytes.
"""
import hashlib
import os
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
states, rounds, per_source = max(1, n // 10), max(1, n // 100), 100

ONTOLOGY = """@prefix fg: <https://w3id.org/factgraph/ontology#> .
@prefix ent: <https://w3id.org/factgraph/entity/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
fg:State a owl:Class ; rdfs:label "state"@en .
fg:Round a owl:Class ; rdfs:label "round"@en .
fg:QualifierProperty a owl:Class ; rdfs:label "qualifier property"@en .
fg:boycotted a owl:ObjectProperty ; rdfs:label "boycotted"@en ; rdfs:range fg:Round .
fg:attended a owl:ObjectProperty ; rdfs:label "attended"@en ; rdfs:range fg:Round .
fg:ordinal a owl:DatatypeProperty ; rdfs:label "ordinal"@en ; rdfs:range xsd:integer .
fg:pointInTime a owl:DatatypeProperty , fg:QualifierProperty ; rdfs:label "point in time"@en ; rdfs:range rdfs:Literal .
fg:startTime a owl:DatatypeProperty , fg:QualifierProperty ; rdfs:label "start time"@en ; rdfs:range rdfs:Literal .
fg:endTime a owl:DatatypeProperty , fg:QualifierProperty ; rdfs:label "end time"@en ; rdfs:range rdfs:Literal .
"""


def write(rel, data):
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


lines = [ONTOLOGY]
lines += [f'ent:state-{i} a fg:State ; rdfs:label "State {i}"@en .\n' for i in range(states)]
lines += [f'ent:round-{j} a fg:Round ; rdfs:label "Round {j}"@en .\n' for j in range(rounds)]
write("ontology/synthetic.ttl", "".join(lines))

sources = ["source_id,file,sha256,title,published,url,publisher,language,retrieved\n"]
facts = ["fact_id,source_id,subject,predicate,object,object_type,point_in_time,start,end,"
         "qualifiers,rank,quote,quote_start,quote_end,note\n"]
for s in range(0, n, per_source):
    sid = f"src-{s // per_source:05d}"
    text, rows = "", []
    for k in range(s, min(n, s + per_source)):
        state, rnd = f"state-{k % states}", f"round-{(k * 7) % rounds}"
        kind = k % 5
        if kind == 4:
            sentence = f"Report {k}: round {rnd} was number {k % 97}."
            row = (f"ent:{rnd}", "fg:ordinal", str(k % 97), "xsd:integer")
        else:
            verb = "boycotted" if kind < 2 else "attended"
            sentence = f"Report {k}: {state} {verb} {rnd}."
            row = (f"ent:{state}", f"fg:{verb}", f"ent:{rnd}", "")
        start = len(text)
        text += sentence + " "
        date = f"20{10 + k % 15:02d}-{1 + k % 12:02d}"
        rows.append(f"f{k:06d},{sid},{row[0]},{row[1]},{row[2]},{row[3]},{date},,,,,"
                    f"{sentence},{start},{start + len(sentence)},\n")
    text += "\n"
    data = text.encode("utf-8")
    write(f"sources/articles/{sid}.txt", data)
    sha = hashlib.sha256(data).hexdigest()
    sources.append(f"{sid},articles/{sid}.txt,{sha},Synthetic report {sid},2024-01-01,,,en,\n")
    facts.extend(rows)
write("sources/sources.csv", "".join(sources))
write("sources/facts.csv", "".join(facts))
print(f"wrote {out}: {n} facts, {len(sources) - 1} sources, {states} states, {rounds} rounds")
