//! `factgraph verify` on the working inputs: one small project per status, the exit
//! codes, and `--fix` changing only the cells it should.

use crate::support::{sha256, Project, FACTS_HEADER, MINI_TEXT};
use predicates::prelude::*;
use serde_json::Value;

/// Runs `verify --format json` (plus `extra` args); returns the exit code and report.
fn verify_json(p: &Project, extra: &[&str]) -> (i32, Value) {
    let out = p
        .cmd()
        .args(["verify", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), report)
}

/// The reported entry of one fact (only facts that are not `ok` are listed).
fn fact<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["fact_id"] == id)
        .unwrap_or_else(|| panic!("fact {id} not reported: {report:#}"))
}

fn span(start: u64, end: u64) -> Value {
    serde_json::json!({ "start": start, "end": end })
}

/// The minimal project with its facts table replaced.
fn with_facts(rows: &str) -> Project {
    let p = Project::minimal();
    p.write("sources/facts.csv", format!("{FACTS_HEADER}{rows}"));
    p
}

#[test]
fn all_ok_exits_zero_with_counts() {
    let p = Project::minimal();
    p.cmd()
        .arg("verify")
        .assert()
        .success()
        .stdout(predicate::str::contains("facts: 2 (2 ok)"))
        .stdout(predicate::str::contains("sources: 1 (1 ok)"));
    let (code, report) = verify_json(&p, &[]);
    assert_eq!(code, 0);
    assert_eq!(report["ok"], true);
    assert_eq!(report["facts_by_status"]["ok"], 2);
    assert_eq!(report["facts"], serde_json::json!([]));
    assert_eq!(report["sources"][0]["status"], "ok");
}

#[test]
fn moved_quote_reports_new_positions_and_exits_one() {
    let p = with_facts(
        "f1,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,25,43,,source,stated,,\n\
         f2,a1,ent:round-15,fg:ordinal,15,xsd:integer,,,,,,was the fifteenth,66,83,,source,stated,,\n",
    );
    let (code, report) = verify_json(&p, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["facts_by_status"]["moved"], 1);
    assert_eq!(report["facts_by_status"]["ok"], 1);
    let f1 = fact(&report, "f1");
    assert_eq!(f1["status"], "moved");
    assert_eq!(f1["line"], 2);
    assert_eq!(f1["expected"], span(25, 43));
    assert_eq!(f1["moved_to"], span(20, 38));
    assert_eq!(f1["fixed"], false);
    p.cmd()
        .arg("verify")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "fact f1 (line 2) [source a1]: moved: quote \"boycotted round 15\" is not at 25..43 but at 20..38",
        ));
}

#[test]
fn moved_quote_with_several_occurrences_goes_to_the_nearest() {
    // "ound 15" occurs at 31..38 and 58..65; recorded near the second (58..65).
    let p = with_facts(
        "f1,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,ound 15,59,66,,source,stated,,\n",
    );
    let (code, report) = verify_json(&p, &[]);
    assert_eq!(code, 1);
    let f1 = fact(&report, "f1");
    assert_eq!(f1["status"], "moved");
    assert_eq!(f1["moved_to"], span(58, 65));
    assert_eq!(
        f1["occurrences"],
        serde_json::json!([span(31, 38), span(58, 65)])
    );
}

#[test]
fn ambiguous_quote_without_positions_fails() {
    let p =
        with_facts("f1,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,ound 15,,,,source,stated,,\n");
    let (code, report) = verify_json(&p, &[]);
    assert_eq!(code, 1);
    assert_eq!(fact(&report, "f1")["status"], "ambiguous");
    // Found once without positions: ok.
    let p = with_facts(
        "f1,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,source,stated,,\n",
    );
    assert_eq!(verify_json(&p, &[]).0, 0);
}

#[test]
fn drifted_quotes_report_candidate_similarity_and_word_diff() {
    // Straight quote marks and one space where the source has curly ones and the same
    // words; and a typo.
    let p = with_facts(
        "f1,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,\"The \"\"United States\"\" boycotted\",0,29,,source,stated,,\n\
         f2,a1,ent:round-15,fg:ordinal,15,xsd:integer,,,,,,was the fiftenth,66,82,,source,stated,,\n",
    );
    let (code, report) = verify_json(&p, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["facts_by_status"]["drifted"], 2);
    let f1 = fact(&report, "f1");
    assert_eq!(f1["status"], "drifted");
    assert_eq!(f1["drift"]["span"], span(0, 29));
    assert_eq!(f1["drift"]["text"], "The “United States” boycotted");
    assert_eq!(f1["drift"]["formatting_only"], true);
    assert!(f1["drift"]["similarity"].as_f64().unwrap() >= 0.9);
    let f2 = fact(&report, "f2");
    assert_eq!(f2["drift"]["span"], span(66, 83));
    assert_eq!(f2["drift"]["text"], "was the fifteenth");
    assert_eq!(f2["drift"]["formatting_only"], false);
    assert_eq!(f2["drift"]["diff"], "was the [-fiftenth-]{+fifteenth+}");
    let similarity = f2["drift"]["similarity"].as_f64().unwrap();
    assert!((0.9..1.0).contains(&similarity), "{similarity}");
    p.cmd()
        .arg("verify")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "diff:     was the [-fiftenth-]{+fifteenth+}",
        ));
}

#[test]
fn missing_quote_is_reported_with_what_was_expected() {
    let p = with_facts(
        "f1,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,Russia attended every round,20,48,,source,stated,,\n",
    );
    let (code, report) = verify_json(&p, &[]);
    assert_eq!(code, 1);
    let f1 = fact(&report, "f1");
    assert_eq!(f1["status"], "missing");
    assert_eq!(f1["expected"], span(20, 48));
    assert_eq!(f1["quote"], "Russia attended every round");
    assert!(f1.get("drift").is_none());
}

#[test]
fn changed_source_says_which_citations_the_edit_broke() {
    let p = Project::minimal();
    // Edit the article without re-recording its hash: f1 still matches, f2 does not.
    p.write(
        "sources/articles/a1.txt",
        MINI_TEXT.replace("the fifteenth", "the 15th"),
    );
    let (code, report) = verify_json(&p, &[]);
    assert_eq!(code, 1);
    let source = &report["sources"][0];
    assert_eq!(source["status"], "changed");
    assert_eq!(source["expected_sha256"], sha256(MINI_TEXT.as_bytes()));
    assert_eq!(source["broken"], serde_json::json!(["f2"]));
    assert_eq!(source["facts"], 2);
    assert_eq!(report["facts_by_status"]["ok"], 1);
    let f2 = fact(&report, "f2");
    assert_eq!(f2["status"], "missing");
    assert_eq!(f2["source_changed"], true);
    p.cmd()
        .arg("verify")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "source a1 (articles/a1.txt): changed",
        ))
        .stdout(predicate::str::contains(
            "1 of its 2 fact(s) no longer match (f2)",
        ));
}

#[test]
fn changed_source_with_every_quote_intact_still_fails_its_checksum() {
    let p = Project::minimal();
    p.write("sources/articles/a1.txt", format!("{MINI_TEXT}Appended.\n"));
    let (code, report) = verify_json(&p, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["sources"][0]["status"], "changed");
    assert_eq!(report["sources"][0]["broken"], serde_json::json!([]));
    assert_eq!(report["facts_by_status"]["ok"], 2);
}

#[test]
fn unknown_source_unused_source_and_unregistered_file() {
    let p =
        with_facts("f1,nosuch,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,20,38,,source,stated,,\n");
    p.write("sources/articles/stray.txt", "not registered");
    let (code, report) = verify_json(&p, &[]);
    assert_eq!(code, 1);
    assert_eq!(fact(&report, "f1")["status"], "unknown-source");
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    assert_eq!(warnings, vec!["unused-source", "unregistered-file"]);
    assert_eq!(
        report["warnings"][1]["location"],
        "sources/articles/stray.txt"
    );
}

#[test]
fn unreadable_source_makes_its_facts_unverifiable() {
    let p = Project::minimal();
    std::fs::remove_file(p.path("sources/articles/a1.txt")).unwrap();
    let (code, report) = verify_json(&p, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["sources"][0]["status"], "unreadable");
    assert_eq!(report["facts_by_status"]["unverifiable"], 2);
}

#[test]
fn missing_facts_table_is_an_io_error() {
    let p = Project::minimal();
    std::fs::remove_file(p.path("sources/facts.csv")).unwrap();
    p.cmd()
        .arg("verify")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("sources/facts.csv"));
}

#[test]
fn fix_is_refused_on_a_release_path() {
    Project::minimal()
        .cmd()
        .args(["verify", "--fix", "exports/v1"])
        .assert()
        .code(2);
}

/// Every byte of `after` equals `before`, except inside the given (before-side) byte
/// ranges, which were replaced by the given texts.
fn assert_only_spliced(before: &str, after: &str, splices: &[(&str, &str)]) {
    let mut expected = before.to_owned();
    for (old, new) in splices {
        assert_eq!(expected.matches(old).count(), 1, "{old} must be unique");
        expected = expected.replacen(old, new, 1);
    }
    assert_eq!(after, expected);
}

#[test]
fn fix_rewrites_only_the_positions_of_moved_facts() {
    // CRLF endings, quoted cells (one spanning two lines), a note with commas, a
    // quoted position cell, and facts that must not be touched (ok, drifted, missing).
    let rows = "f1,a1,ent:usa,fg:boycotted,ent:round-15,,,2021-02,,fg:inRole=ent:observer,,boycotted round 15,25,43,\"note, with \"\"commas\"\"\r\nand a line\",source,stated,,\r\n\
                f2,a1,ent:round-15,fg:ordinal,15,xsd:integer,,,,,,was the fifteenth,\"70\",87,,source,stated,,\r\n\
                f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,20,38,,source,stated,,\r\n\
                f4,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,was the fiftenth,66,82,,source,stated,,\r\n\
                f5,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,nothing of the sort,1,20,,source,stated,,\r\n";
    let p = Project::minimal();
    let before = format!("{}{rows}", FACTS_HEADER.replace('\n', "\r\n"));
    p.write("sources/facts.csv", &before);
    let (code, report) = verify_json(&p, &["--fix"]);
    assert_eq!(code, 1, "drifted and missing facts still fail");
    assert_eq!(fact(&report, "f1")["fixed"], true);
    assert_eq!(fact(&report, "f2")["fixed"], true);
    assert_eq!(fact(&report, "f4")["fixed"], false);
    let after = p.read("sources/facts.csv");
    assert_only_spliced(
        &before,
        &after,
        &[
            ("boycotted round 15,25,43,", "boycotted round 15,20,38,"),
            ("fifteenth,\"70\",87,", "fifteenth,\"66\",83,"),
        ],
    );
    // Now f1 and f2 are ok; only f4 (drifted) and f5 (missing) remain.
    let (code, report) = verify_json(&p, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["facts_by_status"]["ok"], 3);
    assert_eq!(report["facts_by_status"].get("moved"), None);
}

#[test]
fn fix_of_moved_facts_only_exits_zero_and_keeps_the_project_clean() {
    let p = with_facts(
        "f1,a1,ent:usa,fg:boycotted,ent:round-15,,,2021-02,,fg:inRole=ent:observer,,boycotted round 15,24,42,,source,stated,,\n\
         f2,a1,ent:round-15,fg:ordinal,15,xsd:integer,,,,,,was the fifteenth,66,83,,source,stated,,\n",
    );
    p.cmd().arg("check").assert().code(1);
    p.cmd()
        .args(["verify", "--fix"])
        .assert()
        .success()
        .stdout(predicate::str::contains("moved, fixed"));
    p.cmd().arg("check").assert().success();
    p.cmd().arg("verify").assert().success();
}

#[test]
fn sample_data_verifies() {
    Project::sample()
        .cmd()
        .arg("verify")
        .assert()
        .success()
        .stdout(predicate::str::contains("facts: 58 (58 ok)"));
}
