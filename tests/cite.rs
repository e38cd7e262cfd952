//! `factgraph cite`: the claim, quote, source, hashes and IRI of one fact, in text,
//! BibTeX and CSL-JSON; clear errors for unknown or broken facts.

use crate::support::{sha256, Project, MINI_TEXT};
use predicates::prelude::*;

fn stdout(p: &Project, args: &[&str]) -> String {
    let out = p.cmd().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn text_citation_has_claim_quote_context_source_hashes_and_iri() {
    let p = Project::minimal();
    let text = stdout(&p, &["cite", "f1"]);
    for expected in [
        "Claim:          United States boycotted Astana round 15 (in role: observer; start time: 2021-02)",
        "Quote:          “boycotted round 15”",
        "In context:     …The “United States” [boycotted round 15] in February 2021. Round 15 was …",
        "Position:       code points 20..38",
        "Source:         “A “test” article”, 2024-10-10",
        &format!("Source sha256:  {}", sha256(MINI_TEXT.as_bytes())),
        "Release:        working graph (unreleased), content hash sha256 ",
        "Fact:           f1 <https://w3id.org/factgraph/fact/f1>",
        "Fact sha256:    ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn bibtex_and_csl_json() {
    let p = Project::minimal();
    let bib = stdout(&p, &["cite", "f2", "--format", "bibtex"]);
    assert!(
        bib.starts_with("@misc{f2,\n  title = {{A “test” article}},\n"),
        "{bib}"
    );
    assert!(bib.contains("  date = {2024-10-10},\n"), "{bib}");
    assert!(bib.contains("Quote: ``was the fifteenth''"), "{bib}");
    assert!(bib.trim_end().ends_with('}'));
    let csl: serde_json::Value =
        serde_json::from_str(&stdout(&p, &["cite", "f2", "--format", "csl-json"])).unwrap();
    let item = &csl[0];
    assert_eq!(item["id"], "f2");
    assert_eq!(item["title"], "A “test” article");
    assert_eq!(
        item["issued"]["date-parts"],
        serde_json::json!([[2024, 10, 10]])
    );
    assert_eq!(item["quote"], "was the fifteenth");
    assert!(item["note"]
        .as_str()
        .unwrap()
        .contains("Astana round 15 ordinal 15"));
}

#[test]
fn unknown_id_names_the_closest_ids() {
    Project::minimal()
        .cmd()
        .args(["cite", "f3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no fact has the id `f3`; the closest known ids are: f1, f2",
        ));
}

#[test]
fn a_fact_with_problems_cannot_be_cited() {
    let p = Project::minimal();
    p.add_fact_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,not in the text,,,,source,stated,,",
    );
    p.cmd()
        .args(["cite", "f3"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("sources/facts.csv:4"))
        .stderr(predicate::str::contains("quote-not-found"));
    // The other facts still cite.
    p.cmd().args(["cite", "f1"]).assert().success();
}

/// Once the working graph is released, a citation of the working graph points at the
/// release to cite; after an edit it is unreleased again.
#[test]
fn the_working_graph_names_the_release_it_equals() {
    let p = Project::minimal();
    p.cmd()
        .args(["release", "--date", "2026-11-28"])
        .assert()
        .success();
    let text = stdout(&p, &["cite", "f1"]);
    assert!(
        text.contains("Release:        working graph, identical to release v1 (2026-11-28) <https://w3id.org/factgraph/release/v1>, content hash sha256 "),
        "{text}"
    );
    p.add_fact_row(
        "f3,a1,ent:russia,fg:boycotted,ent:round-15,,,,,,,was the fifteenth,66,83,,source,stated,,",
    );
    let text = stdout(&p, &["cite", "f1"]);
    assert!(
        text.contains("Release:        working graph (unreleased)"),
        "{text}"
    );
}

#[test]
fn rank_reason_voice_and_basis_in_all_three_formats() {
    let p = Project::sample();
    let text = stdout(&p, &["cite", "astana-021"]);
    for expected in [
        "Rank:           deprecated rank (inconsistent within the source)",
        "Attribution:    in the source's own voice, in “Russia prepares for “Astana 22” on Syria” (2024-10-10)",
        "Basis:          inference",
        "Note:           CONTRADICTION.",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let relayed = "according to Sergey Vershinin, as reported by TASS, in “Russia prepares for “Astana 22” on Syria” (2024-10-10)";
    let text = stdout(&p, &["cite", "astana-011"]);
    assert!(
        text.contains(&format!("Attribution:    {relayed}")),
        "{text}"
    );
    assert!(text.contains("Rank:           normal rank"), "{text}");
    assert!(text.contains("Basis:          paraphrase"), "{text}");
    let bib = stdout(&p, &["cite", "astana-021", "--format", "bibtex"]);
    assert!(
        bib.contains("Rank: deprecated rank (inconsistent within the source)."),
        "{bib}"
    );
    assert!(bib.contains("In the source's own voice, in"), "{bib}");
    let bib = stdout(&p, &["cite", "astana-011", "--format", "bibtex"]);
    assert!(
        bib.contains("According to Sergey Vershinin, as reported by TASS, in"),
        "{bib}"
    );
    let csl: serde_json::Value =
        serde_json::from_str(&stdout(&p, &["cite", "astana-021", "--format", "csl-json"])).unwrap();
    let note = csl[0]["note"].as_str().unwrap();
    assert!(
        note.contains("Rank: deprecated rank (inconsistent within the source).")
            && note.contains("Basis: inference.")
            && note.contains("In the source's own voice"),
        "{note}"
    );
    let csl: serde_json::Value =
        serde_json::from_str(&stdout(&p, &["cite", "astana-010", "--format", "csl-json"])).unwrap();
    let note = csl[0]["note"].as_str().unwrap();
    assert!(
        note.contains("According to Russian Foreign Ministry, as reported by TASS, in"),
        "{note}"
    );
}
