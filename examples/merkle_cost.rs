//! What Merkle roots and inclusion proofs cost at scale, without building a release:
//! `cargo run --release --example merkle_cost -- [FACTS] [PROOF_OUT]`.
//!
//! Makes FACTS (default 1,000,000) deterministic pseudo-random fact hashes (as hex, the
//! way `fg:sha256` holds them), then times: the root streamed from the hex strings (what
//! `release` and `verify` add), the whole tree (what `cite --proof` builds), one audit
//! path, and checking one proof (JSON parsing included). Writes that proof to PROOF_OUT
//! if given, so `scripts/verify_proof.py` can be timed on it too.

use factgraph::merkle::{self, Anchor, Proof, ProofRelease, RootBuilder, Tree};
use sha2::{Digest, Sha256};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let out = args.get(2);
    let pick = n / 2 + 1;

    // The picked fact has real triples, so its proof is checkable end to end.
    let iri = format!("https://w3id.org/factgraph/fact/f{pick:07}");
    let triples: Vec<String> = [
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/factgraph/ontology#Fact>",
        "<https://w3id.org/factgraph/ontology#factId> \"f\"",
        "<http://www.w3.org/ns/oa#exact> \"a quote of about sixty characters, as in the sample data\"",
    ]
    .iter()
    .map(|po| format!("<{iri}> {po} ."))
    .collect();
    let picked = merkle::fact_hash_of_lines(&triples);
    let hex: Vec<String> = (0..n)
        .map(|i| {
            if i == pick {
                merkle::to_hex(&picked)
            } else {
                merkle::to_hex(&Sha256::digest(i.to_le_bytes()).into())
            }
        })
        .collect();

    let t = Instant::now();
    let mut builder = RootBuilder::default();
    for h in &hex {
        builder.push_fact(&merkle::parse_hex(h).expect("hex"));
    }
    let streamed = builder.root();
    let root_time = t.elapsed();

    let t = Instant::now();
    let hashes: Vec<merkle::Hash> = hex.iter().filter_map(|h| merkle::parse_hex(h)).collect();
    let tree = Tree::from_fact_hashes(&hashes);
    let tree_time = t.elapsed();
    assert_eq!(tree.root(), streamed);

    let t = Instant::now();
    let release = ProofRelease {
        version: "v9".into(),
        iri: "https://w3id.org/factgraph/release/v9".into(),
        graph_sha256: merkle::to_hex(&[7; 32]),
        merkle_root: String::new(),
        tree_size: 0,
    };
    let id = format!("f{pick:07}");
    let proof =
        Proof::new(release, &tree, pick as u64, &id, &iri, &picked, triples).expect("leaf in tree");
    let path_time = t.elapsed();
    let json = proof.to_json();

    let runs = 1000;
    let anchor = Anchor::root(tree.root());
    let t = Instant::now();
    for _ in 0..runs {
        let parsed = Proof::from_json(&json).expect("json");
        parsed.check(&anchor).expect("valid");
    }
    let check_time = t.elapsed() / runs;

    println!("facts:                       {n}");
    println!("root, streamed from hex:     {root_time:.2?}");
    println!("whole tree (levels):         {tree_time:.2?}");
    println!("one audit path:              {path_time:.2?}");
    println!(
        "proof:                       {} siblings, {} bytes of JSON",
        proof.audit_path.len(),
        json.len()
    );
    println!("parse + check one proof:     {check_time:.2?} (mean of {runs})");
    println!(
        "root:                        {}",
        merkle::to_hex(&tree.root())
    );
    if let Some(path) = out {
        std::fs::write(path, &json).expect("write proof");
    }
}
