//! `factgraph export`: the files, their determinism, and an independent re-reading of
//! them with sophia (not Oxigraph) that traces every quote back to its source file.

use crate::support::Project;
use predicates::prelude::*;
use sophia_api::quad::Spog;
use sophia_api::source::{QuadSource, TripleSource};
use sophia_api::term::{SimpleTerm, Term, TermKind};
use std::collections::{BTreeMap, BTreeSet};

const FG: &str = "https://w3id.org/factgraph/ontology#";
const OA: &str = "http://www.w3.org/ns/oa#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

/// A term as a plain string: the IRI, or the literal's lexical form.
fn text(t: &SimpleTerm<'_>) -> String {
    match t.kind() {
        TermKind::Iri => t.iri().unwrap().as_str().to_owned(),
        TermKind::Literal => t.lexical_form().unwrap().to_string(),
        other => panic!("unexpected term kind {other:?} (blank nodes are forbidden)"),
    }
}

/// The triples of an N-Quads file, parsed by sophia, as strings.
fn read_nquads(path: &std::path::Path) -> Vec<[String; 3]> {
    let data = std::fs::read_to_string(path).unwrap();
    let quads: Vec<Spog<SimpleTerm<'static>>> = sophia_turtle::parser::nq::parse_str(&data)
        .collect_quads()
        .expect("graph.nq parses with sophia");
    quads
        .iter()
        .map(|([s, p, o], g)| {
            assert!(g.is_none(), "everything is in the default graph");
            [text(s), text(p), text(o)]
        })
        .collect()
}

fn export(p: &Project) {
    p.cmd().args(["export", "--out", "out"]).assert().success();
}

#[test]
fn export_prints_a_summary_and_writes_three_files() {
    let p = Project::minimal();
    p.cmd()
        .args(["export", "--out", "out"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("1 source(s), 2 fact(s)")
                .and(predicate::str::contains("graph.nq")),
        );
    for f in ["facts.ttl", "facts.csv", "graph.nq"] {
        assert!(p.path("out").join(f).is_file(), "{f} missing");
    }
}

#[test]
fn turtle_and_nquads_parse_with_sophia_and_agree() {
    let p = Project::sample();
    export(&p);
    let ttl = p.read("out/facts.ttl");
    assert!(ttl.starts_with("@prefix "), "Turtle declares its prefixes");
    let triples: Vec<[SimpleTerm<'static>; 3]> = sophia_turtle::parser::turtle::parse_str(&ttl)
        .collect_triples()
        .expect("facts.ttl parses with sophia");
    let ttl_set: BTreeSet<[String; 3]> = triples
        .iter()
        .map(|[s, p, o]| [text(s), text(p), text(o)])
        .collect();
    let nq_set: BTreeSet<[String; 3]> = read_nquads(&p.path("out/graph.nq")).into_iter().collect();
    assert!(
        ttl_set.len() > 1000,
        "the sample graph is not a token few triples"
    );
    assert!(ttl_set.is_subset(&nq_set), "facts.ttl is part of graph.nq");
    // graph.nq also holds the ontology.
    assert!(nq_set
        .iter()
        .any(|[s, p, o]| s == &format!("{FG}Fact") && p == RDF_TYPE && o.ends_with("owl#Class")));
}

/// The acceptance test of the issue: from the exported files alone, every fact's quote
/// is found at its positions in the source file whose hash the graph records.
#[test]
fn every_exported_quote_is_at_its_positions_in_the_hashed_source() {
    let p = Project::sample();
    export(&p);
    let triples = read_nquads(&p.path("out/graph.nq"));
    let mut by_subject: BTreeMap<&str, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    for [s, pr, o] in &triples {
        by_subject
            .entry(s)
            .or_default()
            .entry(pr)
            .or_default()
            .push(o);
    }
    let one = |s: &str, p: &str| -> String {
        let values = &by_subject[s][p];
        assert_eq!(values.len(), 1, "{s} {p}");
        values[0].to_owned()
    };
    let facts: Vec<&str> = by_subject
        .iter()
        .filter(|(_, props)| {
            props
                .get(RDF_TYPE)
                .is_some_and(|t| t.contains(&&*format!("{FG}Fact")))
        })
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(facts.len(), 58);
    for fact in facts {
        let annotation = one(fact, &format!("{FG}citation"));
        let target = one(&annotation, &format!("{OA}hasTarget"));
        let source = one(&target, &format!("{OA}hasSource"));
        let selectors = &by_subject[target.as_str()][format!("{OA}hasSelector").as_str()];
        let (mut exact, mut start, mut end) = (None, None, None);
        for sel in selectors {
            let props = &by_subject[*sel];
            if let Some(e) = props.get(format!("{OA}exact").as_str()) {
                exact = Some(e[0].to_owned());
            }
            if let Some(s) = props.get(format!("{OA}start").as_str()) {
                start = Some(s[0].parse::<usize>().unwrap());
                end = Some(
                    props[format!("{OA}end").as_str()][0]
                        .parse::<usize>()
                        .unwrap(),
                );
            }
        }
        let (exact, start, end) = (exact.unwrap(), start.unwrap(), end.unwrap());
        let file = one(&source, &format!("{FG}file"));
        let recorded_hash = one(&source, &format!("{FG}sha256"));
        let bytes = std::fs::read(p.path("sources").join(&file)).unwrap();
        assert_eq!(crate::support::sha256(&bytes), recorded_hash, "{file}");
        let chars: Vec<char> = String::from_utf8(bytes).unwrap().chars().collect();
        let found: String = chars[start..end].iter().collect();
        assert_eq!(found, exact, "{fact}: quote at {start}..{end}");
    }
}

#[test]
fn no_blank_nodes_and_deprecated_claims_are_not_asserted() {
    let p = Project::minimal();
    p.add_fact_row("f3,a1,ent:russia,fg:boycotted,ent:round-15,,,,,,deprecated,was the fifteenth,66,83,shown wrong,source,stated,,inconsistent-within-source");
    export(&p);
    let nq = p.read("out/graph.nq");
    assert!(!nq.contains("_:"), "no blank node anywhere");
    let triples = read_nquads(&p.path("out/graph.nq"));
    let russia = "https://w3id.org/factgraph/entity/russia";
    let boycotted = format!("{FG}boycotted");
    assert!(
        !triples
            .iter()
            .any(|[s, pr, _]| s == russia && *pr == boycotted),
        "deprecated: no plain triple"
    );
    let fact = "https://w3id.org/factgraph/fact/f3";
    assert!(triples.contains(&[
        fact.to_owned(),
        format!("{FG}rank"),
        format!("{FG}DeprecatedRank")
    ]));
    // Normal facts are asserted.
    assert!(triples.contains(&[
        "https://w3id.org/factgraph/entity/usa".to_owned(),
        boycotted,
        "https://w3id.org/factgraph/entity/round-15".to_owned()
    ]));
}

#[test]
fn exports_are_byte_identical_across_runs_and_directories() {
    let a = Project::sample();
    let b = Project::sample();
    export(&a);
    b.cmd()
        .args(["export", "--out", "elsewhere/x"])
        .assert()
        .success();
    for f in ["facts.ttl", "facts.csv", "graph.nq"] {
        let x = std::fs::read(a.path("out").join(f)).unwrap();
        let y = std::fs::read(b.path("elsewhere/x").join(f)).unwrap();
        assert!(x == y, "{f} differs between two runs");
    }
}

#[test]
fn graph_hash_is_the_sha256_of_sorted_nquads() {
    let p = Project::minimal();
    let out = p
        .cmd()
        .args(["export", "--out", "out"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let nq = std::fs::read(p.path("out/graph.nq")).unwrap();
    let text = String::from_utf8(nq.clone()).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let sorted = {
        let mut s = lines.clone();
        s.sort_unstable();
        s
    };
    assert_eq!(lines, sorted, "graph.nq is sorted");
    lines.dedup();
    assert_eq!(lines.len(), text.lines().count(), "no duplicate lines");
    assert!(String::from_utf8(out)
        .unwrap()
        .contains(&crate::support::sha256(&nq)));
}

#[test]
fn facts_csv_has_one_row_per_fact_with_labels_and_hashes() {
    let p = Project::minimal();
    export(&p);
    let mut reader = csv::Reader::from_path(p.path("out/facts.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let get = |row: &csv::StringRecord, name: &str| {
        row[headers.iter().position(|h| h == name).unwrap()].to_owned()
    };
    let f1 = &rows[0];
    assert_eq!(get(f1, "fact_id"), "f1");
    assert_eq!(get(f1, "subject_label"), "United States");
    assert_eq!(get(f1, "object_label"), "Astana round 15");
    assert_eq!(get(f1, "start"), "2021-02");
    assert_eq!(get(f1, "qualifiers"), "fg:inRole=ent:observer");
    assert_eq!(get(f1, "quote"), "boycotted round 15");
    assert_eq!(
        (get(f1, "quote_start"), get(f1, "quote_end")),
        ("20".into(), "38".into())
    );
    assert_eq!(get(f1, "source_title"), "A “test” article");
    assert_eq!(
        get(f1, "source_sha256"),
        crate::support::sha256(crate::support::MINI_TEXT.as_bytes())
    );
    assert_eq!(get(f1, "fact_sha256").len(), 64);
    assert_eq!(get(&rows[1], "object"), "15");
    assert_eq!(
        get(&rows[1], "object_datatype"),
        "http://www.w3.org/2001/XMLSchema#integer"
    );
}

#[test]
fn fact_hash_changes_with_content_and_only_its_own() {
    let hashes = |p: &Project| -> BTreeMap<String, String> {
        export(p);
        let mut r = csv::Reader::from_path(p.path("out/facts.csv")).unwrap();
        let column = r
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "fact_sha256")
            .unwrap();
        r.records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_owned(), r[column].to_owned())
            })
            .collect()
    };
    let p = Project::minimal();
    let before = hashes(&p);
    let facts = p
        .read("sources/facts.csv")
        .replace(",2021-02,", ",2021-03,");
    p.write("sources/facts.csv", facts);
    std::fs::remove_dir_all(p.path("out")).unwrap();
    let after = hashes(&p);
    assert_ne!(before["f1"], after["f1"]);
    assert_eq!(before["f2"], after["f2"]);
}

#[test]
fn a_failed_export_writes_nothing() {
    let p = Project::minimal();
    p.add_fact_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,not in the source,,,,source,stated,,",
    );
    p.cmd()
        .args(["export", "--out", "out"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error[quote-not-found]"));
    assert!(!p.path("out").exists());
    let leftovers: Vec<_> = std::fs::read_dir(p.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !leftovers
            .iter()
            .any(|n| n.to_string_lossy().starts_with(".factgraph-tmp")),
        "{leftovers:?}"
    );
}

#[test]
fn a_base_iri_can_be_configured() {
    let p = Project::minimal();
    p.cmd()
        .args([
            "--base-iri",
            "https://example.org/kg/",
            "export",
            "--out",
            "out",
        ])
        .assert()
        .success();
    assert!(p
        .read("out/graph.nq")
        .contains("<https://example.org/kg/fact/f1>"));
    p.cmd()
        .args(["--base-iri", "not an iri", "export", "--out", "out2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "base IRI `not an iri` is not an absolute IRI",
        ));
}

/// Quote positions are `xsd:integer`, the type a store gives back: with
/// `xsd:nonNegativeInteger` (as in release v1) a store's answer no longer matched the
/// literals the fact hashes were computed over.
#[test]
fn graph_nq_uses_integer_positions() {
    let p = Project::minimal();
    export(&p);
    let nq = p.read("out/graph.nq");
    let end = "<http://www.w3.org/ns/oa#end> \"38\"^^<http://www.w3.org/2001/XMLSchema#integer> .";
    assert!(nq.lines().any(|l| l.ends_with(end)), "{nq}");
    assert!(!nq.contains("nonNegativeInteger"));
}

/// The documented fact hash rule, applied by hand to `graph.nq`: the lines whose subject
/// is the fact or one of its `#` nodes, minus the `fg:sha256` line, sorted, hashed.
#[test]
fn fact_hashes_follow_the_documented_rule() {
    let p = Project::minimal();
    export(&p);
    let nq = p.read("out/graph.nq");
    for id in ["f1", "f2"] {
        let iri = format!("<https://w3id.org/factgraph/fact/{id}");
        let own =
            |l: &&str| l.starts_with(&format!("{iri}> ")) || l.starts_with(&format!("{iri}#"));
        let hash_predicate = format!("<{FG}sha256>");
        let (hash_lines, mut lines): (Vec<&str>, Vec<&str>) = nq
            .lines()
            .filter(own)
            .partition(|l| l.contains(&hash_predicate));
        assert_eq!(hash_lines.len(), 1, "{id}");
        lines.sort_unstable();
        let content: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let recorded = hash_lines[0].split('"').nth(1).unwrap();
        assert_eq!(crate::support::sha256(content.as_bytes()), recorded, "{id}");
        assert!(
            lines.len() > 20,
            "{id}: the description, its annotation and selectors"
        );
    }
}

/// facts.ttl, read alone by sophia, names no entity or property it does not label.
#[test]
fn facts_ttl_alone_has_a_label_for_every_entity_and_property_it_names() {
    let p = Project::sample();
    export(&p);
    let data = std::fs::read_to_string(p.path("out/facts.ttl")).unwrap();
    let triples: Vec<[SimpleTerm<'static>; 3]> = sophia_turtle::parser::turtle::parse_str(&data)
        .collect_triples()
        .expect("facts.ttl parses with sophia");
    let label = "http://www.w3.org/2000/01/rdf-schema#label";
    let labelled: BTreeSet<String> = triples
        .iter()
        .filter(|[_, p, _]| text(p) == label)
        .map(|[s, _, _]| text(s))
        .collect();
    let typed: BTreeSet<String> = triples
        .iter()
        .filter(|[_, p, _]| text(p) == RDF_TYPE)
        .map(|[s, _, _]| text(s))
        .collect();
    let mut named = BTreeSet::new();
    for [s, p, o] in &triples {
        let (s, p) = (text(s), text(p));
        if s.starts_with("https://w3id.org/factgraph/fact/") {
            let names_a_term = [
                "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject",
                "http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate",
                "http://www.w3.org/1999/02/22-rdf-syntax-ns#object",
            ]
            .contains(&p.as_str())
                || p.starts_with(FG);
            if names_a_term && o.kind() == TermKind::Iri {
                named.insert(text(o));
            }
            if p.starts_with(FG) {
                named.insert(p);
            }
        }
    }
    let entities: Vec<&String> = named
        .iter()
        .filter(|n| n.starts_with("https://w3id.org/factgraph/entity/") || n.starts_with(FG))
        .collect();
    assert!(entities.len() > 40, "{entities:?}");
    for n in entities {
        assert!(labelled.contains(n), "no rdfs:label for {n} in facts.ttl");
        assert!(typed.contains(n), "no rdf:type for {n} in facts.ttl");
    }
}
