//! `factgraph query`: SPARQL over the working graph, in standard result formats.

use crate::support::{repo, Project};
use predicates::prelude::*;

#[test]
fn select_as_a_table_with_predeclared_prefixes() {
    Project::minimal()
        .cmd()
        .args(["query", "SELECT ?s ?o WHERE { ?s fg:boycotted ?o }"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("| ent:usa | ent:round-15 |")
                .and(predicate::str::contains("1 row(s)")),
        );
}

#[test]
fn select_as_sparql_json_and_csv() {
    let p = Project::minimal();
    let out = p
        .cmd()
        .args(["query", "--format", "json", "SELECT ?q WHERE { ?f fg:factId \"f1\" ; fg:citation/oa:hasTarget/oa:hasSelector/oa:exact ?q }"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["head"]["vars"][0], "q");
    assert_eq!(
        json["results"]["bindings"][0]["q"]["value"],
        "boycotted round 15"
    );
    p.cmd()
        .args(["query", "--format", "csv", "SELECT ?start ?end WHERE { fact:f1 fg:citation/oa:hasTarget/oa:hasSelector ?s . ?s oa:start ?start ; oa:end ?end }"])
        .assert()
        .success()
        .stdout("start,end\r\n20,38\r\n");
}

#[test]
fn ask_and_construct() {
    let p = Project::minimal();
    p.cmd()
        .args(["query", "ASK { ent:usa fg:boycotted ent:round-15 }"])
        .assert()
        .success()
        .stdout("true\n");
    p.cmd()
        .args(["query", "--format", "ntriples", "CONSTRUCT { ?s fg:boycotted ?o } WHERE { ?s fg:boycotted ?o }"])
        .assert()
        .success()
        .stdout("<https://w3id.org/factgraph/entity/usa> <https://w3id.org/factgraph/ontology#boycotted> <https://w3id.org/factgraph/entity/round-15> .\n");
}

#[test]
fn syntax_errors_point_at_line_and_column() {
    let p = Project::minimal();
    p.write("bad.rq", "SELECT ?s\nWHERE { ?s ?p ?o \n");
    p.cmd()
        .args(["query", "--file", "bad.rq"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.rq: the query failed").and(
            // The parser places this at the end of the text; the mistake finder names
            // the brace that is never closed.
            predicate::str::contains(
                "SPARQL syntax error: line 2, column 7: this `{` is never closed",
            ),
        ));
}

#[test]
fn the_example_queries_answer_on_the_sample_data() {
    let p = Project::sample();
    let run = |file: &str| {
        let out = p
            .cmd()
            .args(["query", "--format", "csv", "--file"])
            .arg(repo().join("queries").join(file))
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    let boycotts = run("boycotts.rq");
    assert!(
        boycotts.contains("United States") && boycotts.contains("2021-02"),
        "{boycotts}"
    );
    let observers = run("observers.rq");
    for state in ["Jordan", "Lebanon", "Iraq"] {
        assert!(observers.contains(state), "{observers}");
    }
    assert_eq!(
        run("claims-of-source.rq").lines().count(),
        59,
        "header + 58 claims"
    );
    let conflicts = run("conflicting-claims.rq");
    assert!(
        conflicts.contains("2023-01-25") && conflicts.contains(",2024-01,"),
        "{conflicts}"
    );
}

/// With the RocksDB store, a query on unchanged inputs reuses the store built by the
/// first one; an edit to any input builds a new one.
#[cfg(feature = "persistent")]
#[test]
fn the_on_disk_store_is_reused_until_an_input_changes() {
    let p = Project::minimal();
    let ask = ["query", "ASK { ent:usa fg:boycotted ent:round-15 }"];
    p.cmd()
        .args(ask)
        .assert()
        .success()
        .stdout("true\n")
        .stderr(predicate::str::contains(
            "built the on-disk store .factgraph/store/",
        ));
    p.cmd()
        .args(ask)
        .assert()
        .success()
        .stdout("true\n")
        .stderr(predicate::str::contains(
            "reused the on-disk store .factgraph/store/",
        ));
    let stores = || {
        std::fs::read_dir(p.path(".factgraph/store"))
            .unwrap()
            .count()
    };
    assert_eq!(stores(), 1);
    let facts = p
        .read("sources/facts.csv")
        .replace("f1,a1,ent:usa", "f1,a1,ent:russia");
    p.write("sources/facts.csv", facts);
    p.cmd()
        .args(ask)
        .assert()
        .success()
        .stdout("false\n")
        .stderr(predicate::str::contains("built the on-disk store"));
    assert_eq!(stores(), 2);
}

/// Dates of every precision compare through their first and last days: the example
/// query finds round 15 (2021-02, month precision) and round 21 (2024-01) alike, and a
/// FILTER on the gYearMonth itself would have missed round 15.
#[test]
fn a_date_range_finds_round_15_and_round_21_over_mixed_precisions() {
    let p = Project::sample();
    let run = |args: &[&str]| {
        let out = p.cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let repo = crate::support::repo();
    let file = repo.join("queries/claims-in-date-range.rq");
    let found = run(&["query", "--file", file.to_str().unwrap(), "--format", "csv"]);
    for expected in [
        "astana-036,\"Astana talks, 15th round\",date,",
        "astana-022,\"Astana talks, 21st round\",date,",
        "astana-037,United States,boycotted,https://w3id.org/factgraph/ontology#startTime,2021-02-01,2021-02-28",
        "astana-050,Syrian government delegation,held a bilateral meeting with,https://w3id.org/factgraph/ontology#pointInTime,2024-01-24,2024-01-24",
    ] {
        assert!(found.contains(expected), "missing {expected:?} in:\n{found}");
    }
    assert!(
        !found.contains("astana-021,"),
        "2023-01-25 is outside both ranges:\n{found}"
    );
    let naive = run(&[
        "query",
        "SELECT ?id WHERE { ?f fg:factId ?id ; rdf:predicate fg:date ; rdf:object ?d FILTER(?d >= \"2021-01-01\"^^xsd:date && ?d <= \"2021-12-31\"^^xsd:date) }",
        "--format",
        "csv",
    ]);
    assert!(!naive.contains("astana-036"), "{naive}");
    let inferred = run(&[
        "query",
        "--file",
        repo.join("queries/inferred-claims.rq").to_str().unwrap(),
        "--format",
        "csv",
    ]);
    for id in [
        "astana-017",
        "astana-022",
        "astana-039",
        "astana-043",
        "astana-049",
    ] {
        assert!(inferred.contains(id), "{id} not inferred:\n{inferred}");
    }
    let speakers = run(&[
        "query",
        "--file",
        repo.join("queries/claims-by-speaker.rq").to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(
        speakers.contains("Sergey Vershinin,astana-011,stated,")
            && speakers.contains("the source's own voice,astana-006,violated,"),
        "{speakers}"
    );
}
