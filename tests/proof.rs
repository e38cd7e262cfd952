//! Merkle roots and inclusion proofs: `cite --proof`, `verify-proof`, and every way a
//! proof can be tampered with.

use crate::support::{copy_dir, repo, Project};
use factgraph::verify::proof::{verify_proof, Trusted};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The sample data, released once as v1.
fn sample_release() -> Project {
    let p = Project::sample();
    p.cmd()
        .args(["release", "--date", "2026-11-29"])
        .assert()
        .success();
    p
}

fn column(csv_text: &str, name: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    reader
        .records()
        .map(|r| r.unwrap()[at].to_owned())
        .collect()
}

fn proof_json(p: &Project, release: &str, fact: &str) -> String {
    let out = p
        .cmd()
        .args([
            "cite",
            fact,
            "--release",
            release,
            "--proof",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `verify-proof` on a proof text; returns the exit code and stdout + stderr.
fn verify_cli(p: &Project, proof: &str, trust: &[&str]) -> (i32, String) {
    let file = p.path("proof.json");
    std::fs::write(&file, proof).unwrap();
    let out = p
        .cmd()
        .arg("verify-proof")
        .arg(&file)
        .args(trust)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap(), text)
}

fn node(left: &[u8], right: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().to_vec()
}

/// RFC 6962's Merkle Tree Hash, written here from the RFC, apart from the crate.
fn rfc6962_root(leaves: &[Vec<u8>]) -> Vec<u8> {
    match leaves.len() {
        0 => Sha256::digest([]).to_vec(),
        1 => leaves[0].clone(),
        n => {
            let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
            node(&rfc6962_root(&leaves[..k]), &rfc6962_root(&leaves[k..]))
        }
    }
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_recorded_root_is_rfc_6962_over_the_facts_sorted_by_iri() {
    let p = sample_release();
    let facts = p.read("exports/v1/facts.csv");
    let mut rows: Vec<(String, String)> = column(&facts, "fact_iri")
        .into_iter()
        .zip(column(&facts, "fact_sha256"))
        .collect();
    rows.sort();
    let leaves: Vec<Vec<u8>> = rows
        .iter()
        .map(|(_, h)| {
            let mut leaf = Sha256::new();
            leaf.update([0u8]);
            leaf.update(unhex(h));
            leaf.finalize().to_vec()
        })
        .collect();
    let root = hex(&rfc6962_root(&leaves));
    let index = p.read("exports/releases.csv");
    assert_eq!(column(&index, "merkle_root"), vec![root.clone()]);
    let ttl = p.read("exports/v1/release.ttl");
    assert!(ttl.contains(&format!("fg:merkleRoot \"{root}\"")), "{ttl}");
    let out = p.cmd().args(["verify", "exports/v1"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("merkle root: {root} (as declared)")),
        "{text}"
    );
}

#[test]
fn a_proof_of_every_fact_of_the_sample_verifies() {
    let p = sample_release();
    let ttl = p.path("exports/v1/release.ttl");
    let mut ids = column(&p.read("exports/v1/facts.csv"), "fact_id");
    ids.sort();
    assert_eq!(ids.len(), 58);
    for (index, id) in ids.iter().enumerate() {
        let json = proof_json(&p, "v1", id);
        let proof: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(proof["fact"]["index"], index, "{id}");
        assert_eq!(proof["release"]["tree_size"], 58);
        // Six siblings at most for 58 leaves: a proof stays small.
        assert!(proof["audit_path"].as_array().unwrap().len() <= 6);
        let (code, text) = verify_cli(&p, &json, &["--release-ttl", ttl.to_str().unwrap()]);
        assert_eq!(code, 0, "{id}: {text}");
        assert!(text.contains(&format!("PROVED: fact {id} ")), "{text}");
    }
}

#[test]
fn the_text_proof_names_the_root_the_path_and_how_to_check_it() {
    let p = sample_release();
    let out = p
        .cmd()
        .args(["cite", "astana-003", "--release", "v1", "--proof"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    let root = &column(&p.read("exports/releases.csv"), "merkle_root")[0];
    assert!(text.contains("Claim:"), "{text}");
    assert!(text.contains(&format!("merkle root:  {root}")), "{text}");
    assert!(text.contains("leaf index:   2 "), "{text}");
    assert!(text.contains("factgraph verify-proof astana-003.proof.json --release-ttl"));
}

/// Checks a proof text in-process against v1's release.ttl: `Ok` only when proved.
fn proved(p: &Project, text: &[u8]) -> bool {
    let file = p.path("flipped.json");
    std::fs::write(&file, text).unwrap();
    let trusted = Trusted::ReleaseTtl(p.path("exports/v1/release.ttl"));
    matches!(verify_proof(&file, &trusted), Ok(check) if check.outcome.is_ok())
}

#[test]
fn flipping_any_byte_of_a_proof_fails() {
    let p = sample_release();
    let json = proof_json(&p, "v1", "astana-021").into_bytes();
    assert!(proved(&p, &json));
    let mut passed = Vec::new();
    for i in 0..json.len() {
        let mut bytes = json.clone();
        bytes[i] ^= 0x01;
        if proved(&p, &bytes) {
            passed.push((i, json[i] as char));
        }
    }
    assert!(passed.is_empty(), "flips that still proved: {passed:?}");
}

#[test]
fn swapped_siblings_fail() {
    let p = sample_release();
    let ttl = p.path("exports/v1/release.ttl");
    let mut proof: Value = serde_json::from_str(&proof_json(&p, "v1", "astana-010")).unwrap();
    proof["audit_path"].as_array_mut().unwrap().swap(0, 1);
    let (code, text) = verify_cli(
        &p,
        &proof.to_string(),
        &["--release-ttl", ttl.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("NOT PROVED: the audit path leads to root"),
        "{text}"
    );
}

#[test]
fn an_interior_node_passed_off_as_a_fact_fails() {
    let p = sample_release();
    let json = proof_json(&p, "v1", "astana-003");
    let proof: Value = serde_json::from_str(&json).unwrap();
    let root = proof["release"]["merkle_root"].as_str().unwrap().to_owned();
    let path: Vec<Vec<u8>> = proof["audit_path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| unhex(h.as_str().unwrap()))
        .collect();
    // Leaf 2's parent, node(leaf 2, leaf 3), is leaf 1 of the level above (25 nodes).
    let mut leaf = Sha256::new();
    leaf.update([0u8]);
    leaf.update(unhex(proof["fact"]["sha256"].as_str().unwrap()));
    let parent = node(&leaf.finalize(), &path[0]);
    let as_hash = |v: &[u8]| <[u8; 32]>::try_from(v).unwrap();
    let siblings: Vec<[u8; 32]> = path[1..].iter().map(|h| as_hash(h)).collect();
    // Without the leaf prefix, that node and the rest of the path would reach the root:
    let reached = factgraph::merkle::root_from_path(&as_hash(&parent), 1, 25, &siblings);
    assert_eq!(reached.map(|r| hex(&r)), Ok(root.clone()));
    // A proof claiming the node as a fact's hash fails, even against the root alone.
    let mut forged = proof.clone();
    forged["fact"]["sha256"] = Value::from(hex(&parent));
    forged["fact"]["index"] = Value::from(1);
    forged["release"]["tree_size"] = Value::from(25);
    forged["audit_path"] = Value::from(siblings.iter().map(|h| hex(h)).collect::<Vec<_>>());
    let (code, text) = verify_cli(&p, &forged.to_string(), &["--merkle-root", &root]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("NOT PROVED"), "{text}");
}

#[test]
fn a_proof_from_another_release_fails() {
    let p = sample_release();
    let v1_proof = proof_json(&p, "v1", "astana-003");
    let facts = p.read("sources/facts.csv");
    let edited = facts.replacen("astana-001,", "astana-001b,", 1);
    assert_ne!(facts, edited);
    p.write("sources/facts.csv", edited);
    p.cmd()
        .args(["release", "--date", "2026-11-30"])
        .assert()
        .success();
    let v2_proof = proof_json(&p, "v2", "astana-003");
    let v1_ttl = p.path("exports/v1/release.ttl");
    let v2_ttl = p.path("exports/v2/release.ttl");
    for (proof, ttl) in [(&v1_proof, &v2_ttl), (&v2_proof, &v1_ttl)] {
        let (code, text) = verify_cli(&p, proof, &["--release-ttl", ttl.to_str().unwrap()]);
        assert_eq!(code, 1, "{text}");
        assert!(
            text.contains("this fact is not proved to be in that release"),
            "{text}"
        );
    }
    for (proof, ttl) in [(&v1_proof, &v1_ttl), (&v2_proof, &v2_ttl)] {
        let (code, text) = verify_cli(&p, proof, &["--release-ttl", ttl.to_str().unwrap()]);
        assert_eq!(code, 0, "{text}");
    }
}

#[test]
fn a_release_made_before_merkle_roots_has_no_proofs() {
    // The published v1 has no fg:merkleRoot and stays as it is.
    let p = Project::sample();
    copy_dir(&repo().join("exports"), &p.path("exports"));
    let out = p
        .cmd()
        .args(["cite", "astana-003", "--release", "v1", "--proof"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("release v1 has no Merkle root"), "{err}");
    let (code, text) = verify_cli(
        &p,
        "{}",
        &[
            "--release-ttl",
            p.path("exports/v1/release.ttl").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("declares no fg:merkleRoot"), "{text}");
    // verify still passes it, saying it has no declared root.
    let out = p.cmd().args(["verify", "exports/v1"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("release.ttl declares none"), "{text}");
}

#[test]
fn proof_options_are_checked() {
    let p = sample_release();
    for (args, message) in [
        (
            &["cite", "astana-003", "--proof"][..],
            "--release <RELEASE>",
        ),
        (
            &["cite", "astana-003", "--format", "json"][..],
            "--format json is the inclusion proof",
        ),
        (
            &[
                "cite",
                "astana-003",
                "--release",
                "v1",
                "--proof",
                "--format",
                "bibtex",
            ][..],
            "--proof gives text or json",
        ),
        (
            &["verify-proof", "x.json", "--merkle-root", "abc"][..],
            "is not a Merkle root",
        ),
        (&["verify-proof", "x.json"][..], "--merkle-root"),
    ] {
        let out = p.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
    }
    // A truncated proof is not proved, and says where it breaks.
    let json = proof_json(&p, "v1", "astana-003");
    let ttl = p.path("exports/v1/release.ttl");
    let (code, text) = verify_cli(&p, &json[..200], &["--release-ttl", ttl.to_str().unwrap()]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("proof.json:"), "{text}");
    assert!(text.contains("not a factgraph inclusion proof"), "{text}");
}

#[test]
fn leaves_follow_iri_order_where_graph_nq_order_differs() {
    // `<…/fact/f-1>` sorts before `<…/fact/f>` in graph.nq (`-` < `>`), and after it
    // among IRIs: the leaves, the proofs and the three-views join must not mix them up.
    let p = Project::minimal();
    let facts = p.read("sources/facts.csv");
    p.write(
        "sources/facts.csv",
        facts.replace("\nf1,", "\nf,").replace("\nf2,", "\nf-1,"),
    );
    p.cmd()
        .args(["release", "--date", "2026-11-29"])
        .assert()
        .success();
    let nq = p.read("exports/v1/graph.nq");
    let first = |id: &str| {
        let start = format!("<https://w3id.org/factgraph/fact/{id}> ");
        nq.lines().position(|l| l.starts_with(&start)).unwrap()
    };
    assert!(first("f-1") < first("f"), "graph.nq order");
    let out = p.cmd().args(["verify", "exports/v1"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let ttl = p.path("exports/v1/release.ttl");
    for (index, id) in ["f", "f-1"].iter().enumerate() {
        let json = proof_json(&p, "v1", id);
        let proof: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(proof["fact"]["index"], index, "{id}");
        let (code, text) = verify_cli(&p, &json, &["--release-ttl", ttl.to_str().unwrap()]);
        assert_eq!(code, 0, "{text}");
    }
}
