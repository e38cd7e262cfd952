//! `factgraph verify <release dir>`: a downloaded copy with no repository around it;
//! each tampering case is detected with its exit code.

use crate::support::{copy_dir, sha256, Project, MINI_TEXT};
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A release of the minimal project, copied away from any repository.
struct Download {
    _project: Project,
    dir: tempfile::TempDir,
}

impl Download {
    fn new() -> Self {
        Self::of(Project::minimal())
    }

    /// A release of `p`, copied away.
    fn of(p: Project) -> Self {
        p.cmd()
            .args(["release", "--date", "2025-01-01"])
            .assert()
            .success();
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&p.path("exports/v1"), &dir.path().join("v1"));
        Self { _project: p, dir }
    }

    fn release(&self) -> PathBuf {
        self.dir.path().join("v1")
    }

    fn file(&self, name: &str) -> PathBuf {
        self.release().join(name)
    }

    fn edit(&self, name: &str, edit: impl FnOnce(String) -> String) {
        let path = self.file(name);
        let before = std::fs::read_to_string(&path).unwrap();
        let after = edit(before.clone());
        assert_ne!(before, after, "the edit of {name} changed nothing");
        std::fs::write(path, after).unwrap();
    }

    /// Runs `verify <release> --format json` from an unrelated directory.
    fn verify(&self, extra: &[&str]) -> (i32, Value) {
        let out = Command::cargo_bin("factgraph")
            .unwrap()
            .current_dir(self.dir.path())
            .env_remove("FACTGRAPH_ROOT")
            .args(["verify", "v1", "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap(), report)
    }
}

fn kinds(report: &Value) -> Vec<(String, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap().to_owned(),
                p["location"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn has(report: &Value, kind: &str, location: &str) -> bool {
    kinds(report)
        .iter()
        .any(|(k, l)| k == kind && l == location)
}

/// The sha256 `SHA256SUMS` lists for a file.
fn listed(d: &Download, name: &str) -> String {
    let sums = std::fs::read_to_string(d.file("SHA256SUMS")).unwrap();
    sums.lines()
        .find(|l| l.ends_with(&format!("  {name}")))
        .unwrap()[..64]
        .to_owned()
}

/// Updates a file's line in `SHA256SUMS` to its current hash.
fn fix_sums(d: &Download, name: &str) {
    let old = listed(d, name);
    let new = sha256(&std::fs::read(d.file(name)).unwrap());
    d.edit("SHA256SUMS", |s| s.replace(&old, &new));
}

/// Rewrites a file's sha256 in `release.ttl` and `SHA256SUMS` (and `release.ttl`'s
/// own line in `SHA256SUMS`), as a careful tamperer would. The edits in these tests
/// keep sizes unchanged.
fn cover_tracks(d: &Download, name: &str) {
    let old = listed(d, name);
    let new = sha256(&std::fs::read(d.file(name)).unwrap());
    d.edit("release.ttl", |t| t.replace(&old, &new));
    fix_sums(d, name);
    fix_sums(d, "release.ttl");
}

#[test]
fn an_untouched_download_verifies_without_a_repository() {
    let d = Download::new();
    let (code, report) = d.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["ok"], true);
    assert_eq!(report["release"]["version"], "v1");
    assert_eq!(report["release"]["facts_hashed_graph_nq"], 2);
    assert_eq!(report["release"]["facts_hashed_facts_ttl"], 2);
    assert_eq!(
        report["release"]["declared_graph_sha256"],
        report["release"]["computed_graph_sha256"]
    );
    assert_eq!(report["facts_by_status"]["not-checked"], 2);
    assert_eq!(
        report["release"]["files"].as_array().unwrap().len(),
        crate::support::RELEASE_FILES.len()
    );
}

#[test]
fn one_changed_byte_in_any_file_is_detected() {
    for &name in crate::support::RELEASE_FILES {
        let d = Download::new();
        let path = d.file(name);
        let mut bytes = std::fs::read(&path).unwrap();
        let i = bytes.len() / 2;
        bytes[i] ^= 0x01;
        std::fs::write(&path, bytes).unwrap();
        let (code, report) = d.verify(&[]);
        assert_eq!(code, 1, "{name}: {report:#}");
        assert_eq!(report["ok"], false);
        let located = if name == "SHA256SUMS" {
            // Its own bytes are covered by nothing; a flipped byte breaks a listed
            // hash, a name, or the line format.
            !report["problems"].as_array().unwrap().is_empty()
        } else {
            has(&report, "hash-mismatch", name)
        };
        assert!(located, "{name}: {:?}", kinds(&report));
    }
}

#[test]
fn a_fact_edited_in_graph_nq_with_every_checksum_fixed_is_caught_by_its_hash() {
    let d = Download::new();
    // Same length, so the declared byte size still holds.
    d.edit("graph.nq", |t| {
        t.replace("\"boycotted round 15\"", "\"boycotted round 16\"")
    });
    cover_tracks(&d, "graph.nq");
    let (code, report) = d.verify(&[]);
    assert_eq!(code, 1);
    assert!(
        !has(&report, "hash-mismatch", "graph.nq"),
        "{:?}",
        kinds(&report)
    );
    assert!(
        has(&report, "fact-hash-mismatch", "graph.nq"),
        "{:?}",
        kinds(&report)
    );
    assert!(has(&report, "graph-hash-mismatch", "graph.nq"));
    let message = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "fact-hash-mismatch")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.starts_with("fact f1 <https://w3id.org/factgraph/fact/f1>"),
        "{message}"
    );
}

#[test]
fn a_fact_edited_in_facts_ttl_with_every_checksum_fixed_is_caught_by_its_hash() {
    let d = Download::new();
    d.edit("facts.ttl", |t| {
        t.replace("was the fifteenth", "was the sixteenth")
    });
    cover_tracks(&d, "facts.ttl");
    let (code, report) = d.verify(&[]);
    assert_eq!(code, 1);
    // release.ttl now disagrees with the description inside graph.nq, whose hash
    // cannot be fixed without changing the graph hash.
    assert_eq!(
        kinds(&report),
        vec![
            ("description-mismatch".to_owned(), "release.ttl".to_owned()),
            ("fact-hash-mismatch".to_owned(), "facts.ttl".to_owned())
        ]
    );
    assert!(report["problems"][1]["message"]
        .as_str()
        .unwrap()
        .starts_with("fact f2 "));
}

#[test]
fn a_tampered_graph_hash_in_release_ttl_is_caught() {
    let d = Download::new();
    let declared = {
        let (_, r) = d.verify(&[]);
        r["release"]["declared_graph_sha256"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    d.edit("release.ttl", |t| t.replace(&declared, &"0".repeat(64)));
    fix_sums(&d, "release.ttl");
    let (code, report) = d.verify(&[]);
    assert_eq!(code, 1);
    assert!(
        has(&report, "graph-hash-mismatch", "graph.nq"),
        "{:?}",
        kinds(&report)
    );
    assert!(has(&report, "description-mismatch", "release.ttl"));
}

#[test]
fn missing_and_extra_files_are_reported() {
    let d = Download::new();
    std::fs::remove_file(d.file("facts.csv")).unwrap();
    std::fs::write(d.file("notes.txt"), "added later").unwrap();
    let (code, report) = d.verify(&[]);
    assert_eq!(code, 1);
    assert!(
        has(&report, "missing-file", "facts.csv"),
        "{:?}",
        kinds(&report)
    );
    assert!(has(&report, "extra-file", "notes.txt"));
    let status = |name: &str| {
        report["release"]["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("facts.csv"), "missing");
    assert_eq!(status("notes.txt"), "extra");
    std::fs::remove_file(d.file("SHA256SUMS")).unwrap();
    assert!(has(&d.verify(&[]).1, "missing-file", "SHA256SUMS"));
}

fn write_sources(dir: &Path, text: &str) {
    std::fs::create_dir_all(dir.join("articles")).unwrap();
    std::fs::write(dir.join("articles/a1.txt"), text).unwrap();
}

#[test]
fn quotes_are_rechecked_against_sources_at_hand() {
    let d = Download::new();
    let sources = d.dir.path().join("src");
    write_sources(&sources, MINI_TEXT);
    let (code, report) = d.verify(&["--sources", "src"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["facts_by_status"]["ok"], 2);
    assert_eq!(report["sources"][0]["status"], "ok");

    // The source as it is now: text inserted before both quotes.
    write_sources(&sources, &format!("Update: {MINI_TEXT}"));
    let (code, report) = d.verify(&["--sources", "src"]);
    assert_eq!(code, 1);
    assert_eq!(report["sources"][0]["status"], "changed");
    assert_eq!(
        report["sources"][0]["broken"],
        serde_json::json!(["f1", "f2"])
    );
    let f1 = &report["facts"][0];
    assert_eq!(f1["status"], "moved");
    assert_eq!(f1["moved_to"], serde_json::json!({"start": 28, "end": 46}));

    // A flat directory with the file by its name also works.
    let flat = d.dir.path().join("flat");
    std::fs::create_dir_all(&flat).unwrap();
    std::fs::write(flat.join("a1.txt"), MINI_TEXT).unwrap();
    assert_eq!(d.verify(&["--sources", "flat"]).0, 0);
}

#[test]
fn a_missing_release_directory_is_an_io_error() {
    let d = Download::new();
    Command::cargo_bin("factgraph")
        .unwrap()
        .current_dir(d.dir.path())
        .args(["verify", "nope"])
        .assert()
        .code(2);
}

#[test]
fn cite_from_a_release() {
    let p = Project::minimal();
    p.cmd()
        .args(["release", "--date", "2025-01-01"])
        .assert()
        .success();
    let out = p
        .cmd()
        .args(["cite", "f1", "--release", "latest"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let graph_nq = std::fs::read_to_string(p.path("exports/v1/release.ttl")).unwrap();
    let declared = graph_nq
        .split("fg:graphSha256 \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(
        text.contains(&format!(
            "Release:        release v1, content hash sha256 {declared}"
        )),
        "{text}"
    );
    // The working graph is unchanged, so its content hash is the release's.
    let working = String::from_utf8(p.cmd().args(["cite", "f1"]).output().unwrap().stdout).unwrap();
    assert!(
        working.contains(&format!("content hash sha256 {declared}")),
        "{working}"
    );
    p.cmd()
        .args(["cite", "f9", "--release", "v1"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("closest known ids are: f1, f2"));
}

/// The releases committed under `exports/` (what people download) verify, layer by
/// layer, against the repository's source articles, and pass `sha256sum -c`.
#[test]
fn the_published_releases_verify() {
    let exports = crate::support::repo().join("exports");
    let mut checked = 0;
    for entry in std::fs::read_dir(&exports).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("release.ttl").is_file() {
            continue;
        }
        let p = crate::support::Project::empty();
        p.cmd()
            .arg("verify")
            .arg(&dir)
            .arg("--sources")
            .arg(crate::support::repo().join("sources"))
            .assert()
            .success();
        let status = std::process::Command::new("sha256sum")
            .args(["-c", "--quiet", "SHA256SUMS"])
            .current_dir(&dir)
            .status()
            .unwrap();
        assert!(status.success(), "sha256sum -c failed in {}", dir.display());
        checked += 1;
    }
    assert!(checked >= 1, "the sample's first release is committed");
}

/// Edits a table of the release and reseals everything a careful tamperer can: its
/// checksum in `SHA256SUMS`, `release.ttl` and `graph.nq`'s release description, then
/// `graph.nq`'s and `release.ttl`'s own. Only what the cells say is left to catch it.
fn edit_table_and_reseal(d: &Download, name: &str, edit: impl FnOnce(String) -> String) {
    d.edit(name, edit);
    let old = listed(d, name);
    let new = sha256(&std::fs::read(d.file(name)).unwrap());
    d.edit("graph.nq", |t| t.replace(&old, &new));
    fix_size(d, name);
    cover_tracks(d, name);
    cover_tracks(d, "graph.nq");
}

#[test]
fn a_facts_csv_cell_edited_with_every_checksum_resealed_is_named_by_row_and_column() {
    let d = Download::new();
    edit_table_and_reseal(&d, "facts.csv", |t| {
        t.replace(",boycotted round 15,20,38,", ",boycotted round 15,21,38,")
    });
    let (code, report) = d.verify(&[]);
    assert_eq!(code, 1);
    // Every checksum holds: the graph and the table disagree, and only that is reported.
    assert_eq!(
        kinds(&report),
        vec![("csv-graph-mismatch".to_owned(), "facts.csv:2:22".to_owned())],
        "{report:#}"
    );
    let message = report["problems"][0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "column quote_start: fact f1 has \"21\", graph.nq says \"20\""
    );
}

#[test]
fn a_sources_csv_cell_edited_with_every_checksum_resealed_is_named_by_row_and_column() {
    let d = Download::new();
    edit_table_and_reseal(&d, "sources.csv", |t| {
        t.replace("A “test” article", "A “best” article")
    });
    let (code, report) = d.verify(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        kinds(&report),
        vec![(
            "csv-graph-mismatch".to_owned(),
            "sources.csv:2:5".to_owned()
        )],
        "{report:#}"
    );
    let message = report["problems"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("column title: source `a1` has"),
        "{message}"
    );
}

#[test]
fn facts_csv_rows_missing_from_the_graph_or_labels_that_differ_are_named() {
    let d = Download::new();
    edit_table_and_reseal(&d, "facts.csv", |t| {
        // Same length: f2's row now claims an id the graph does not have, and f1's
        // subject label is another state's.
        t.replace("\nf2,", "\nf3,")
            .replace(",United States,", ",United Nation,")
    });
    let (code, report) = d.verify(&[]);
    assert_eq!(code, 1);
    let found = kinds(&report);
    assert!(
        found.contains(&("csv-graph-mismatch".to_owned(), "facts.csv:2:4".to_owned())),
        "{found:?}"
    );
    assert!(
        found.contains(&("csv-graph-mismatch".to_owned(), "facts.csv:3:1".to_owned())),
        "{found:?}"
    );
    let messages: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.contains(&"column fact_id: fact `f3` is not in graph.nq"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"fact `f2` is in graph.nq but has no row"),
        "{messages:?}"
    );
}

#[test]
fn a_facts_csv_that_is_not_valid_csv_is_a_problem_not_a_crash() {
    let d = Download::new();
    let mut bytes = std::fs::read(d.file("facts.csv")).unwrap();
    bytes.extend_from_slice(b"f9,\xff\xfe\n");
    std::fs::write(d.file("facts.csv"), bytes).unwrap();
    let (code, report) = d.verify(&[]);
    assert_eq!(code, 1, "{report:#}");
    assert!(
        has(&report, "bad-csv", "facts.csv:4"),
        "{:?}",
        kinds(&report)
    );
}

/// Rewrites `dcat:byteSize` of `name` in `release.ttl` to the file's current size, for
/// an edit that changes it (`release.ttl` is the only place a release records sizes).
fn fix_size(d: &Download, name: &str) {
    let size = std::fs::metadata(d.file(name)).unwrap().len();
    let path = d.file("release.ttl");
    let t = std::fs::read_to_string(&path).unwrap();
    let block = t.find(&format!("dist:{name} dcterms:format")).unwrap();
    let at = block + t[block..].find("dcat:byteSize \"").unwrap() + "dcat:byteSize \"".len();
    let end = at + t[at..].find('"').unwrap();
    std::fs::write(path, format!("{}{size}{}", &t[..at], &t[end..])).unwrap();
}

/// A release of the minimal project plus f3: deprecated with a reason, in an agent's
/// voice, relayed by an agency, inferred.
fn attributed_download() -> Download {
    let p = Project::minimal();
    p.write(
        "ontology/agents.ttl",
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n@prefix ent: <https://w3id.org/factgraph/entity/> .\nent:lavrov a prov:Agent ; rdfs:label \"Sergey Lavrov\"@en .\nent:tass a prov:Agent ; rdfs:label \"TASS\"@en .\n",
    );
    p.add_fact_row("f3,a1,ent:russia,fg:boycotted,ent:round-15,,,,,,deprecated,was the fifteenth,66,83,read into it,ent:lavrov,inference,ent:tass,misreading");
    Download::of(p)
}

#[test]
fn voice_relay_basis_and_deprecation_reason_cells_are_rebuilt_from_the_graph() {
    let d = attributed_download();
    let (code, report) = d.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
    let ent = "https://w3id.org/factgraph/entity/";
    let published =
        format!(",deprecated,misreading,{ent}lavrov,Sergey Lavrov,{ent}tass,inference,");
    assert!(
        std::fs::read_to_string(d.file("facts.csv"))
            .unwrap()
            .contains(&published),
        "the row of f3 as published"
    );
    edit_table_and_reseal(&d, "facts.csv", |t| {
        t.replace(
            &published,
            &format!(",deprecated,superseded,source,Lavrov,{ent}lavrov,stated,"),
        )
        .replace(
            ",normal,,source,,,stated,boycotted",
            ",normal,,source,TASS,,stated,boycotted",
        )
    });
    let (code, report) = d.verify(&[]);
    assert_eq!(code, 1);
    let messages: Vec<(&str, &str)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["location"].as_str().unwrap(),
                p["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        vec![
            ("facts.csv:2:18", "column voice_label: fact f1 has \"TASS\", graph.nq says \"\""),
            ("facts.csv:4:16", "column deprecation_reason: fact f3 has \"superseded\", graph.nq says \"misreading\""),
            ("facts.csv:4:17", &*format!("column voice: fact f3 has \"source\", graph.nq says \"{ent}lavrov\"")),
            ("facts.csv:4:18", "column voice_label: fact f3 has \"Lavrov\", graph.nq says \"Sergey Lavrov\""),
            ("facts.csv:4:19", &*format!("column relayed_by: fact f3 has \"{ent}lavrov\", graph.nq says \"{ent}tass\"")),
            ("facts.csv:4:20", "column basis: fact f3 has \"stated\", graph.nq says \"inference\""),
        ],
        "{report:#}"
    );
}

/// Rewrites `facts.csv` with only the columns named in `keep`, in that order.
fn keep_columns(table: &str, keep: &[&str]) -> String {
    let rows: Vec<Vec<String>> = table.lines().map(split_csv).collect();
    let at: Vec<usize> = keep
        .iter()
        .map(|k| rows[0].iter().position(|h| h == k).unwrap())
        .collect();
    rows.iter()
        .map(|r| {
            at.iter()
                .map(|i| {
                    let c = &r[*i];
                    if c.contains([',', '"']) {
                        format!("\"{}\"", c.replace('"', "\"\""))
                    } else {
                        c.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
                + "\n"
        })
        .collect()
}

/// The cells of one CSV line (quoted cells may hold commas and doubled quotes, not
/// line breaks: enough for the minimal project).
fn split_csv(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

/// The header `exports/v1` was published with, before voice and basis: read from the
/// committed release itself, so the test cannot drift from what was published.
fn v1_header() -> Vec<String> {
    let csv = std::fs::read_to_string(crate::support::repo().join("exports/v1/facts.csv"))
        .expect("the committed exports/v1/facts.csv");
    let first = csv.lines().next().expect("a header line");
    first.split(',').map(str::to_owned).collect()
}

#[test]
fn a_new_release_rewritten_with_the_v1_columns_is_refused() {
    let d = attributed_download();
    let v1 = v1_header();
    let v1: Vec<&str> = v1.iter().map(String::as_str).collect();
    edit_table_and_reseal(&d, "facts.csv", |t| keep_columns(&t, &v1));
    let (code, report) = d.verify(&[]);
    assert_eq!(code, 1);
    let problems = report["problems"].as_array().unwrap();
    let at_header: Vec<&str> = problems
        .iter()
        .filter(|p| p["location"] == "facts.csv:1")
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    // Every column the graph fills and the v1 set lacks; f1 and f2 have no reason,
    // relay or voice label, f3 has all.
    assert_eq!(at_header.len(), 5, "{report:#}");
    assert!(at_header[0].starts_with("the header is the v1 column set, which has no column basis, but graph.nq gives 3 fact(s) a basis (first: f1)"), "{}", at_header[0]);
    assert!(at_header.iter().any(|m| m.contains("no column deprecation_reason, but graph.nq gives 1 fact(s) a deprecation_reason (first: f3)")));
    assert_eq!(
        problems.len(),
        5,
        "the cells v1 has still agree: {report:#}"
    );
}

#[test]
fn a_header_that_is_no_known_column_set_is_refused() {
    let d = attributed_download();
    let v1 = v1_header();
    let mut header: Vec<&str> = v1.iter().map(String::as_str).collect();
    header.insert(15, "basis");
    edit_table_and_reseal(&d, "facts.csv", |t| keep_columns(&t, &header));
    let (code, report) = d.verify(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        report["problems"][0]["location"], "facts.csv:1",
        "{report:#}"
    );
    let message = report["problems"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("the header is not the release's columns (fact_id,"),
        "{message}"
    );
    assert!(
        message.ends_with("missing: deprecation_reason, voice, voice_label, relayed_by"),
        "{message}"
    );
}
