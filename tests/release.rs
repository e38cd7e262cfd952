//! `factgraph release`, `diff` and `query --release`: immutable, checksummed,
//! reproducible releases, their changes, and time travel.

use crate::support::{copy_dir, sha256, Project, RELEASE_FILES};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command as Process;

const RELEASE_IRI: &str = "https://w3id.org/factgraph/release/";

fn release(p: &Project, date: &str) {
    p.cmd().args(["release", "--date", date]).assert().success();
}

/// Every file under a directory (recursively), by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn sha256sum_check(dir: &Path) -> std::process::Output {
    Process::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(dir)
        .output()
        .expect("sha256sum (coreutils) must be installed")
}

fn diff_json(p: &Project, a: &str, b: &str) -> serde_json::Value {
    let out = p
        .cmd()
        .args(["diff", a, b, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ids(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn ask(p: &Project, release: Option<&str>, query: &str) -> bool {
    let mut cmd = p.cmd();
    cmd.arg("query");
    if let Some(r) = release {
        cmd.args(["--release", r]);
    }
    let out = cmd.arg(query).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    match String::from_utf8(out.stdout).unwrap().trim() {
        "true" => true,
        "false" => false,
        other => panic!("not a boolean: {other}"),
    }
}

/// The second release's edits: f1 removed, f2's object changed, f3 added.
fn edit_minimal(p: &Project) {
    let facts = p.read("sources/facts.csv");
    let mut lines: Vec<&str> = facts.lines().filter(|l| !l.starts_with("f1,")).collect();
    let f2 = lines.iter().position(|l| l.starts_with("f2,")).expect("f2");
    let edited = lines[f2].replace("fg:ordinal,15,", "fg:ordinal,16,");
    lines[f2] = &edited;
    let mut text = lines.join("\n");
    text.push_str(
        "\nf3,a1,ent:russia,fg:boycotted,ent:round-15,,,,,,,in February,,,,source,stated,,\n",
    );
    p.write("sources/facts.csv", text);
}

#[test]
fn a_release_holds_every_file_and_passes_sha256sum() {
    let p = Project::minimal();
    p.cmd()
        .args(["release", "--date", "2026-11-28"])
        .assert()
        .success()
        .stdout(predicates::str::contains("released v1 (2026-11-28)"));
    let dir = p.path("exports/v1");
    let names: Vec<String> = tree(&dir).into_keys().collect();
    assert_eq!(names, RELEASE_FILES);
    assert_eq!(p.read("exports/latest"), "v1\n");
    assert!(p.read("exports/releases.csv").starts_with(
        "version,issued,previous,graph_sha256,facts,sources,triples,merkle_root\nv1,2026-11-28,,"
    ));

    let ok = sha256sum_check(&dir);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let listed = String::from_utf8(ok.stdout).unwrap();
    assert_eq!(listed.matches(": OK").count(), RELEASE_FILES.len() - 1);

    // One changed byte is caught.
    let mut bytes = std::fs::read(dir.join("facts.csv")).unwrap();
    bytes[10] ^= 0x01;
    std::fs::write(dir.join("facts.csv"), bytes).unwrap();
    let bad = sha256sum_check(&dir);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stdout).contains("facts.csv: FAILED"));
}

#[test]
fn graph_hash_is_recomputed_from_graph_nq_by_the_documented_rule() {
    let p = Project::minimal();
    release(&p, "2026-11-28");
    p.cmd().args(["export", "--out", "out"]).assert().success();
    let nq = p.read("exports/v1/graph.nq");
    let r = format!("{RELEASE_IRI}v1");
    let (meta, data): (Vec<&str>, Vec<&str>) = nq
        .lines()
        .partition(|l| l.starts_with(&format!("<{r}> ")) || l.starts_with(&format!("<{r}/")));
    let data_text: String = data.iter().map(|l| format!("{l}\n")).collect();
    let hash = sha256(data_text.as_bytes());
    // The data graph is exactly what `export` writes, and release.ttl states its hash.
    assert_eq!(data_text, p.read("out/graph.nq"));
    let ttl = p.read("exports/v1/release.ttl");
    assert!(ttl.contains(&format!("fg:graphSha256 \"{hash}\"")), "{ttl}");
    assert!(p.read("exports/releases.csv").contains(&hash));

    // graph.nq's release description = release.ttl's lines about the release (not the
    // project metadata it repeats, which graph.nq holds as data) minus what describes
    // graph.nq and minus the byte sizes (xsd:nonNegativeInteger, which a store would
    // not return unchanged).
    let mut from_ttl: Vec<String> =
        oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle)
            .for_slice(ttl.as_bytes())
            .map(|q| format!("{} .", q.unwrap()))
            .filter(|l| l.starts_with(&format!("<{r}> ")) || l.starts_with(&format!("<{r}/")))
            .filter(|l| !l.contains(&format!("<{r}/graph.nq")))
            .filter(|l| !l.contains("<http://www.w3.org/ns/dcat#byteSize>"))
            .collect();
    from_ttl.sort();
    assert_eq!(meta, from_ttl);
    assert!(!ttl.contains("dcat:previousVersion"));
}

#[test]
fn release_ttl_states_size_media_type_and_sha256_of_each_file() {
    let p = Project::minimal();
    release(&p, "2026-11-28");
    let dir = p.path("exports/v1");
    let ttl = p.read("exports/v1/release.ttl");
    let quads: Vec<oxigraph::model::Quad> =
        oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle)
            .for_slice(ttl.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
    let object = |s: &str, p: &str| -> Vec<String> {
        quads
            .iter()
            .filter(|q| q.subject.to_string() == format!("<{s}>") && q.predicate.as_str() == p)
            .map(|q| q.object.to_string())
            .collect()
    };
    let r = format!("{RELEASE_IRI}v1");
    let dcat = "http://www.w3.org/ns/dcat#";
    let spdx = "http://spdx.org/rdf/terms#";
    assert_eq!(
        object(&r, "http://purl.org/dc/terms/issued"),
        ["\"2026-11-28\"^^<http://www.w3.org/2001/XMLSchema#date>"]
    );
    assert_eq!(object(&r, &format!("{dcat}version")), ["\"v1\""]);
    assert_eq!(
        object(&r, "https://w3id.org/factgraph/ontology#factCount")[0],
        "\"2\"^^<http://www.w3.org/2001/XMLSchema#integer>"
    );
    let mut described = Vec::new();
    for name in RELEASE_FILES
        .iter()
        .filter(|n| !["SHA256SUMS", "release.ttl"].contains(n))
    {
        let d = format!("{r}/{name}");
        let bytes = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(
            object(&d, &format!("{dcat}byteSize")),
            [format!(
                "\"{}\"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>",
                bytes.len()
            )]
        );
        assert_eq!(object(&d, &format!("{dcat}mediaType")).len(), 1);
        assert_eq!(
            object(&format!("{d}#sha256"), &format!("{spdx}checksumValue")),
            [format!(
                "\"{}\"^^<http://www.w3.org/2001/XMLSchema#hexBinary>",
                sha256(&bytes)
            )]
        );
        described.push(format!("<{d}>"));
    }
    let mut distributions = object(&r, &format!("{dcat}distribution"));
    distributions.sort();
    described.sort();
    assert_eq!(distributions, described);
    assert!(!ttl.contains("_:"), "no blank nodes");
}

#[test]
fn csvw_metadata_matches_the_csv_headers() {
    let p = Project::minimal();
    release(&p, "2026-11-28");
    let meta: serde_json::Value =
        serde_json::from_str(&p.read("exports/v1/csv-metadata.json")).unwrap();
    assert_eq!(meta["@context"], "http://www.w3.org/ns/csvw");
    let tables = meta["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 2);
    for (table, key) in tables.iter().zip(["fact_id", "source_id"]) {
        let url = table["url"].as_str().unwrap();
        let csv = p.read(&format!("exports/v1/{url}"));
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let columns: Vec<&str> = table["tableSchema"]["columns"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["virtual"] != true)
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(columns, header, "{url}");
        assert_eq!(table["tableSchema"]["primaryKey"], key);
    }
}

#[test]
fn a_second_release_lists_exactly_what_changed() {
    let p = Project::minimal();
    release(&p, "2026-11-28");
    let v1_before = tree(&p.path("exports/v1"));
    edit_minimal(&p);
    p.cmd()
        .args(["release", "--date", "2026-11-29"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "since v1: 1 fact(s) added, 1 removed, 1 changed",
        ));
    assert_eq!(tree(&p.path("exports/v1")), v1_before, "v1 was touched");
    assert_eq!(p.read("exports/latest"), "v2\n");
    assert_eq!(p.read("exports/releases.csv").lines().count(), 3);

    let changes = p.read("exports/v2/CHANGES.md");
    assert!(changes.starts_with("# Changes from v1 (2026-11-28) to v2 (2026-11-29)\n"));
    assert!(
        changes.contains("## Facts added (1)\n\n- `f3`: Russia · boycotted · Astana round 15 (voice: the source's own voice; basis: stated)\n")
    );
    assert!(changes
        .contains("## Facts removed (1)\n\n- `f1`: United States · boycotted · Astana round 15 (voice: the source's own voice; basis: stated)\n"));
    assert!(changes.contains(
        "## Facts changed (1)\n\n### `f2`\n\n- `object`: `15` → `16`\n- `fact_sha256`: `"
    ));

    // `diff` prints exactly CHANGES.md, and its JSON says the same.
    let out = p.cmd().args(["diff", "v1", "v2"]).output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), changes);
    let json = diff_json(&p, "v1", "v2");
    assert_eq!(ids(&json["facts"]["added"]), ["f3"]);
    assert_eq!(ids(&json["facts"]["removed"]), ["f1"]);
    assert_eq!(ids(&json["facts"]["changed"]), ["f2"]);
    let fields: Vec<(&str, &str, &str)> = json["facts"]["changed"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap(),
                f["old"].as_str().unwrap(),
                f["new"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0], ("object", "15", "16"));
    assert_eq!(fields[1].0, "fact_sha256");
    assert_ne!(fields[1].1, fields[1].2);
    assert!(json["sources"]["changed"].as_array().unwrap().is_empty());

    // The working inputs equal v2; v1 → working is v1 → v2.
    let same = diff_json(&p, "v2", "working");
    assert_eq!(same["graph_changed"], false);
    assert!(ids(&same["facts"]["changed"]).is_empty());
    assert_eq!(diff_json(&p, "v1", "working")["facts"], json["facts"]);

    // The new release links to the previous one.
    assert!(ask(
        &p,
        Some("v2"),
        "ASK { release:v2 dcat:previousVersion release:v1 ; prov:wasRevisionOf release:v1 }"
    ));
}

#[test]
fn an_unchanged_graph_is_refused_with_exit_code_3() {
    let p = Project::minimal();
    release(&p, "2026-11-28");
    let before = tree(&p.path("exports"));
    p.cmd()
        .args(["release", "--date", "2026-11-29"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("no changes since v1"));
    assert_eq!(tree(&p.path("exports")), before);
}

#[test]
fn an_existing_or_malformed_version_is_refused() {
    let p = Project::minimal();
    release(&p, "2026-11-28");
    edit_minimal(&p);
    let before = tree(&p.path("exports"));
    p.cmd()
        .args(["release", "--version", "v1", "--date", "2026-11-29"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("release v1 already exists"));
    for bad in ["../v2", ".v2", "v 2", "latest", "working"] {
        p.cmd()
            .args(["release", "--version", bad, "--date", "2026-11-29"])
            .assert()
            .code(2);
    }
    p.cmd()
        .args(["release", "--date", "2026-02-30"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("YYYY-MM-DD"));
    p.cmd()
        .args(["release", "--date", "2026-11-27"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("before v1"));
    assert_eq!(tree(&p.path("exports")), before);
    // A new, well-formed name is accepted, and the default continues after it.
    p.cmd()
        .args(["release", "--version", "2026.1", "--date", "2026-11-29"])
        .assert()
        .success();
    assert_eq!(p.read("exports/latest"), "2026.1\n");
    p.write(
        "sources/facts.csv",
        p.read("sources/facts.csv")
            .replace("fg:ordinal,16,", "fg:ordinal,17,"),
    );
    release(&p, "2026-11-30");
    assert_eq!(p.read("exports/latest"), "v2\n");
    assert!(p
        .read("exports/v2/CHANGES.md")
        .starts_with("# Changes from 2026.1 (2026-11-29) to v2"));
}

#[test]
fn a_release_killed_before_its_rename_leaves_no_release() {
    // The state a kill just before the rename leaves (every file written into a hidden
    // directory, nothing renamed): made by copying a complete release there, since the
    // shipped binary has no hook to pause it (kill -9 at random points is in
    // hardening.rs).
    let p = Project::minimal();
    release(&p, "2026-11-28");
    edit_minimal(&p);
    let tmp = p.path("exports/.tmp-release-killed");
    copy_dir(&p.path("exports/v1"), &tmp);

    assert!(!p.path("exports/v2").exists());
    assert_eq!(p.read("exports/latest"), "v1\n");
    // The leftover is ignored; the next release removes it and is complete.
    p.cmd().args(["diff", "v1", "latest"]).assert().success();
    release(&p, "2026-11-29");
    assert!(!tmp.exists());
    assert!(sha256sum_check(&p.path("exports/v2")).status.success());
    assert_eq!(p.read("exports/latest"), "v2\n");
}

#[test]
fn two_runs_give_byte_identical_releases() {
    let a = Project::sample();
    let b = Project::sample();
    a.cmd()
        .args(["release", "--date", "2026-11-28"])
        .assert()
        .success();
    b.cmd()
        .env("SOURCE_DATE_EPOCH", "1795910399") // 2026-11-28T23:59:59Z
        .arg("release")
        .assert()
        .success();
    for p in [&a, &b] {
        let facts = p.read("sources/facts.csv");
        let last = facts.lines().last().unwrap().to_owned();
        p.write(
            "sources/facts.csv",
            facts.replacen(&last, "", 1).trim_end().to_owned() + "\n",
        );
        release(p, "2026-11-29");
    }
    let (ta, tb) = (tree(&a.path("exports")), tree(&b.path("exports")));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (name, bytes) in &ta {
        assert!(bytes == &tb[name], "{name} differs");
    }
    assert!(ta.contains_key("v2/CHANGES.md"));
    assert!(a
        .read("exports/v2/CHANGES.md")
        .contains("## Facts removed (1)"));
}

#[test]
fn a_past_release_is_queried_after_later_releases() {
    let p = Project::minimal();
    release(&p, "2026-11-28");
    edit_minimal(&p); // removes f1
    release(&p, "2026-11-29");
    p.write(
        "sources/facts.csv",
        p.read("sources/facts.csv")
            .replace("fg:ordinal,16,", "fg:ordinal,17,"),
    );
    release(&p, "2026-11-30");

    let has_f1 = "ASK { fact:f1 a fg:Fact ; rdf:subject ent:usa ; prov:wasDerivedFrom source:a1 }";
    assert!(ask(&p, Some("v1"), has_f1));
    assert!(!ask(&p, Some("v2"), has_f1));
    assert!(!ask(&p, Some("latest"), has_f1));
    assert!(!ask(&p, None, has_f1));
    // f2 keeps its IRI; its value differs per release.
    let f2 = |n: u32| format!("ASK {{ fact:f2 rdf:object {n} }}");
    assert!(ask(&p, Some("v1"), &f2(15)));
    assert!(ask(&p, Some("v2"), &f2(16)));
    assert!(ask(&p, Some("v3"), &f2(17)));

    // A downloaded release directory is queried by path, without any inputs.
    let elsewhere = Project::empty();
    copy_dir(&p.path("exports/v1"), &elsewhere.path("v1"));
    assert!(ask(&elsewhere, Some("v1"), has_f1));
    elsewhere
        .cmd()
        .args(["query", "--release", "v9", "ASK {}"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no release `v9`"));
}

/// The release is catalogue-ready: licence, publisher/creator, curator attribution,
/// series, description, keywords, download URLs under the project's download base, a
/// CITATION.cff in SHA256SUMS; without a licence nothing is published.
#[test]
fn release_carries_the_project_metadata_and_a_citation_file() {
    let p = Project::minimal();
    p.cmd()
        .args(["release", "--date", "2026-11-28"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "cite as: Mini facts, release v1 (2026-11-28)",
        ));
    let ttl = p.read("exports/v1/release.ttl");
    for expected in [
        "<https://creativecommons.org/licenses/by/4.0/>",
        "dcat:inSeries <https://example.org/series>",
        "prov:wasAttributedTo <https://example.org/curator>",
        "<https://example.org/files/exports/v1/facts.csv>",
        "\"A tiny test dataset.\"@en",
        "\"Mini facts, release v1\"@en",
        "a dcat:DatasetSeries",
        "\"A. Curator\"",
    ] {
        assert!(ttl.contains(expected), "missing {expected:?} in:\n{ttl}");
    }
    let cff = p.read("exports/v1/CITATION.cff");
    assert!(cff.starts_with("cff-version: 1.2.0\n"), "{cff}");
    for expected in [
        "title: \"Mini facts\"",
        "version: \"v1\"",
        "date-released: \"2026-11-28\"",
        "  - name: \"A. Curator\"",
        "license: \"CC-BY-4.0\"",
    ] {
        assert!(cff.contains(expected), "missing {expected:?} in:\n{cff}");
    }
    assert!(p.read("exports/v1/SHA256SUMS").contains("  CITATION.cff\n"));
    p.cmd().args(["verify", "exports/v1"]).assert().success();

    let q = Project::minimal();
    q.write(
        "project.ttl",
        crate::support::MINI_PROJECT.replace(
            "    dcterms:license <https://creativecommons.org/licenses/by/4.0/> ;\n",
            "",
        ),
    );
    q.cmd()
        .args(["release", "--date", "2026-11-28"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "cannot publish without a licence: project.ttl must give the dataset series a dct:license",
        ));
    assert!(!q.path("exports/v1").exists());
}
