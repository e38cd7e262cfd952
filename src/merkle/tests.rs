//! Unit tests of the tree, the audit paths and the proof format: Certificate
//! Transparency's test vectors, a from-the-definition reference for every leaf of every
//! tree up to 33 leaves, and tampering of every kind.

use super::*;

fn h(text: &str) -> Hash {
    parse_hex(text).expect("test hash")
}

/// RFC 6962 §2.1 `MTH`, written from the definition, to check the level-by-level
/// tree and the streaming builder against.
fn reference_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
        }
    }
}

/// RFC 6962 §2.1.1 `PATH(m, D[n])`, from the definition.
fn reference_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n as u64) as usize;
    if m < k {
        let mut p = reference_path(m, &leaves[..k]);
        p.push(reference_root(&leaves[k..]));
        p
    } else {
        let mut p = reference_path(m - k, &leaves[k..]);
        p.push(reference_root(&leaves[..k]));
        p
    }
}

/// Certificate Transparency's reference leaves (transparency-dev/merkle).
fn ct_leaves() -> Vec<Hash> {
    [
        &b""[..],
        &[0x00],
        &[0x10],
        &[0x20, 0x21],
        &[0x30, 0x31],
        &[0x40, 0x41, 0x42, 0x43],
        &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        &[
            0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
            0x6e, 0x6f,
        ],
    ]
    .iter()
    .map(|d| leaf_hash(d))
    .collect()
}

const CT_ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

#[test]
fn roots_match_certificate_transparency_vectors() {
    let leaves = ct_leaves();
    for (size, expected) in CT_ROOTS.iter().enumerate() {
        let tree = Tree::from_leaves(leaves[..size].to_vec());
        assert_eq!(to_hex(&tree.root()), *expected, "tree of {size}");
        let mut builder = RootBuilder::default();
        leaves[..size].iter().for_each(|l| builder.push_leaf(*l));
        assert_eq!(to_hex(&builder.root()), *expected, "builder of {size}");
    }
    assert_eq!(to_hex(&empty_root()), CT_ROOTS[0]);
}

#[test]
fn paths_match_certificate_transparency_vectors() {
    // (leaf index, tree size, path), from transparency-dev/merkle's verify tests
    // (which count leaves from 1).
    let vectors: [(u64, u64, &[&str]); 5] = [
        (0, 1, &[]),
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            3,
            &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
        ),
        (
            1,
            5,
            &[
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    let leaves = ct_leaves();
    for (index, size, expected) in vectors {
        let tree = Tree::from_leaves(leaves[..size as usize].to_vec());
        let path = tree.audit_path(index).expect("leaf in tree");
        let hex: Vec<String> = path.iter().map(to_hex).collect();
        assert_eq!(hex, expected, "leaf {index} of {size}");
        let root = h(CT_ROOTS[size as usize]);
        assert_eq!(
            verify_inclusion(&leaves[index as usize], index, size, &path, &root),
            Ok(true)
        );
    }
}

#[test]
fn split_is_the_largest_power_of_two_below() {
    for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512)] {
        assert_eq!(split(n), k, "split({n})");
    }
    assert_eq!(split(u64::MAX), 1 << 63);
}

fn synthetic(n: usize) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(format!("fact {i}").as_bytes()))
        .collect()
}

#[test]
fn every_proof_of_every_size_up_to_33_verifies_and_matches_the_definition() {
    let all = synthetic(33);
    for n in 1..=33usize {
        let leaves = &all[..n];
        let tree = Tree::from_leaves(leaves.to_vec());
        let root = reference_root(leaves);
        assert_eq!(tree.root(), root, "root of {n}");
        let mut builder = RootBuilder::default();
        leaves.iter().for_each(|l| builder.push_leaf(*l));
        assert_eq!(builder.root(), root, "streamed root of {n}");
        for m in 0..n {
            let path = tree.audit_path(m as u64).expect("leaf");
            assert_eq!(path, reference_path(m, leaves), "path of {m} in {n}");
            assert_eq!(path.len(), path_len(m as u64, n as u64));
            assert_eq!(
                verify_inclusion(&leaves[m], m as u64, n as u64, &path, &root),
                Ok(true),
                "leaf {m} of {n}"
            );
            // Another leaf at this index, or this leaf at another index, fails.
            for other in 0..n {
                if other != m {
                    assert_ne!(
                        root_from_path(&leaves[other], m as u64, n as u64, &path),
                        Ok(root),
                        "leaf {other} passed as {m} of {n}"
                    );
                    let moved = root_from_path(&leaves[m], other as u64, n as u64, &path);
                    assert_ne!(moved, Ok(root), "leaf {m} passed as {other} of {n}");
                }
            }
            // A flipped bit in any byte of any sibling breaks it.
            for i in 0..path.len() {
                for byte in 0..32 {
                    let mut bad = path.clone();
                    bad[i][byte] ^= 1 << (byte % 8);
                    assert_eq!(
                        verify_inclusion(&leaves[m], m as u64, n as u64, &bad, &root),
                        Ok(false)
                    );
                }
            }
            // Swapping two different siblings breaks it.
            for i in 0..path.len() {
                for j in i + 1..path.len() {
                    if path[i] != path[j] {
                        let mut bad = path.clone();
                        bad.swap(i, j);
                        assert_eq!(
                            verify_inclusion(&leaves[m], m as u64, n as u64, &bad, &root),
                            Ok(false),
                            "siblings {i} and {j} swapped, leaf {m} of {n}"
                        );
                    }
                }
            }
            // A hash dropped or added is the wrong length.
            if !path.is_empty() {
                let short = &path[..path.len() - 1];
                assert!(matches!(
                    root_from_path(&leaves[m], m as u64, n as u64, short),
                    Err(PathError::TooShort { .. })
                ));
            }
            let mut long = path.clone();
            long.push(root);
            assert!(matches!(
                root_from_path(&leaves[m], m as u64, n as u64, &long),
                Err(PathError::TooLong { .. })
            ));
        }
        assert_eq!(tree.audit_path(n as u64), None);
        assert_eq!(
            root_from_path(&leaves[0], n as u64, n as u64, &[]),
            Err(PathError::IndexOutOfRange {
                index: n as u64,
                size: n as u64
            })
        );
    }
}

#[test]
fn a_wrong_tree_size_never_proves_membership_in_another_tree() {
    // A path is read according to the claimed size. For a wrong size it is either
    // malformed or leads to a root that is not the tree's, except where both sizes
    // give the path the same shape: then it still leads to the *same* tree's root,
    // so it proves the same membership and no other. (The size itself is bound by
    // release.ttl's fg:factCount, which verify-proof compares.)
    let all = synthetic(34);
    let mut rejected = 0;
    for n in 1..=33usize {
        let tree = Tree::from_leaves(all[..n].to_vec());
        let root = tree.root();
        for m in 0..n {
            let path = tree.audit_path(m as u64).expect("leaf");
            for wrong in [n - 1, n + 1] {
                if wrong == 0 || m >= wrong {
                    continue;
                }
                let other_root = Tree::from_leaves(all[..wrong].to_vec()).root();
                match root_from_path(&all[m], m as u64, wrong as u64, &path) {
                    Ok(r) => {
                        assert_ne!(r, other_root, "leaf {m}: size {n} path as size {wrong}");
                        if r != root {
                            rejected += 1;
                        }
                    }
                    Err(_) => rejected += 1,
                }
            }
        }
    }
    // Most wrong sizes keep the shape (hence `Anchor::tree_size`); some do not.
    assert!(rejected > 0);
}

#[test]
fn an_interior_node_cannot_pass_for_a_leaf() {
    let leaves = synthetic(4);
    let tree = Tree::from_leaves(leaves.clone());
    let root = tree.root();
    let left = node_hash(&leaves[0], &leaves[1]);
    let right = node_hash(&leaves[2], &leaves[3]);
    // Without domain separation the interior node would be a valid "leaf 0 of 2"...
    assert_eq!(root_from_path(&left, 0, 2, &[right]), Ok(root));
    // ...but a fact's leaf is always hashed with the 0x00 prefix, so whoever
    // presents the node's bytes as a fact hash gets another leaf, and fails.
    assert_eq!(
        verify_inclusion(&fact_leaf(&left), 0, 2, &[right], &root),
        Ok(false)
    );
    // And no leaf hash equals the node hash of its own bytes split in two.
    let mut halves = ([0u8; 32], [0u8; 32]);
    halves.0.copy_from_slice(&[7; 32]);
    halves.1.copy_from_slice(&[9; 32]);
    let mut joined = halves.0.to_vec();
    joined.extend_from_slice(&halves.1);
    assert_ne!(leaf_hash(&joined), node_hash(&halves.0, &halves.1));
}

#[test]
fn hex_round_trips_and_rejects_junk() {
    let x = leaf_hash(b"x");
    assert_eq!(parse_hex(&to_hex(&x)), Some(x));
    assert_eq!(parse_hex(&to_hex(&x).to_uppercase()), Some(x));
    assert_eq!(parse_hex("abc"), None);
    assert_eq!(parse_hex(&"g".repeat(64)), None);
    assert_eq!(parse_hex(&"é".repeat(32)), None);
}

const IRI: &str = "https://example.org/fact/f1";

fn sample_lines(id: &str) -> Vec<String> {
    let iri = format!("https://example.org/fact/{id}");
    vec![
        format!("<{iri}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://example.org/ontology#Fact> ."),
        format!("<{iri}> <https://example.org/ontology#factId> \"{id}\" ."),
        format!("<{iri}#quote> <http://www.w3.org/ns/oa#exact> \"the words of {id}\" ."),
    ]
}

fn release() -> ProofRelease {
    ProofRelease {
        version: "v9".into(),
        iri: "https://example.org/release/v9".into(),
        graph_sha256: to_hex(&leaf_hash(b"graph")),
        merkle_root: String::new(),
        tree_size: 0,
    }
}

/// A proof for fact `f{pick}` of a release of `n` facts `f0..f{n-1}`, and the
/// release's full description as an anchor.
fn sample_proof(n: usize, pick: usize) -> (Proof, Anchor) {
    let mut ids: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
    ids.sort();
    let hashes: Vec<Hash> = ids
        .iter()
        .map(|id| fact_hash_of_lines(&sample_lines(id)))
        .collect();
    let tree = Tree::from_fact_hashes(&hashes);
    let id = format!("f{pick}");
    let index = ids.iter().position(|i| *i == id).expect("id");
    let proof = Proof::new(
        release(),
        &tree,
        index as u64,
        &id,
        &format!("https://example.org/fact/{id}"),
        &hashes[index],
        sample_lines(&id),
    )
    .expect("proof");
    let r = release();
    let anchor = Anchor {
        root: tree.root(),
        tree_size: Some(n as u64),
        iri: Some(r.iri),
        version: Some(r.version),
        graph_sha256: Some(r.graph_sha256),
    };
    (proof, anchor)
}

#[test]
fn fact_hash_of_lines_is_the_graph_rule() {
    use oxigraph::model::{GraphName, Literal, NamedNode, Quad};
    let f = NamedNode::new_unchecked(IRI);
    let quads = [
        Quad::new(
            f.clone(),
            NamedNode::new_unchecked("https://example.org/ontology#factId"),
            Literal::new_simple_literal("f1"),
            GraphName::DefaultGraph,
        ),
        Quad::new(
            f.clone(),
            NamedNode::new_unchecked("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            NamedNode::new_unchecked("https://example.org/ontology#Fact"),
            GraphName::DefaultGraph,
        ),
    ];
    let lines: Vec<String> = quads.iter().map(|q| format!("{q} .")).collect();
    assert_eq!(
        to_hex(&fact_hash_of_lines(&lines)),
        crate::hash::fact_hash(&quads)
    );
}

#[test]
fn a_proof_checks_and_round_trips_through_json() {
    for n in [1, 2, 7, 12] {
        for pick in 0..n {
            let (proof, anchor) = sample_proof(n, pick);
            let again = Proof::from_json(&proof.to_json()).expect("json");
            assert_eq!(again, proof);
            let ok = again.check(&anchor).expect("valid proof");
            assert_eq!(ok.root, anchor.root);
            assert_eq!(to_hex(&ok.fact_sha256), proof.fact.sha256);
            again.check(&Anchor::root(anchor.root)).expect("root alone");
        }
    }
}

#[test]
fn every_altered_byte_of_a_proof_file_is_caught() {
    let (proof, anchor) = sample_proof(11, 6);
    let json = proof.to_json();
    let mut accepted = Vec::new();
    for i in 0..json.len() {
        for replacement in [b'0', b'1', b'f', b'x', b' '] {
            let mut bytes = json.clone().into_bytes();
            if bytes[i] == replacement {
                continue;
            }
            bytes[i] = replacement;
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            let Ok(altered) = Proof::from_json(&text) else {
                continue; // not JSON, or not a proof: rejected
            };
            // A change JSON cannot see (whitespace between tokens) is no change.
            if altered != proof && altered.check(&anchor).is_ok() {
                accepted.push((i, replacement as char));
            }
        }
    }
    assert!(accepted.is_empty(), "accepted alterations at {accepted:?}");
}

#[test]
fn tampered_proofs_fail_with_the_reason() {
    let (proof, anchor) = sample_proof(9, 4);

    let mut p = proof.clone();
    let typed = p.fact.triples.iter().position(|t| t.ends_with("#Fact> ."));
    let typed = typed.expect("a type triple");
    p.fact.triples[typed] = p.fact.triples[typed].replace("#Fact>", "#Fiction>");
    assert!(matches!(p.check(&anchor), Err(ProofError::FactHash { .. })));

    let mut p = proof.clone();
    p.fact.triples.push(
        "<https://example.org/fact/f5> <https://example.org/ontology#factId> \"f5\" .".into(),
    );
    assert!(matches!(
        p.check(&anchor),
        Err(ProofError::ForeignTriple { index: 3, .. })
    ));

    let mut p = proof.clone();
    p.audit_path.swap(0, 1);
    assert!(matches!(
        p.check(&anchor),
        Err(ProofError::InternalRoot { .. })
    ));

    let mut p = proof.clone();
    p.audit_path.pop();
    assert!(matches!(
        p.check(&anchor),
        Err(ProofError::Path(PathError::TooShort { .. }))
    ));

    let mut p = proof.clone();
    p.fact.index += 1;
    assert!(p.check(&anchor).is_err());

    let mut p = proof.clone();
    p.release.tree_size = 100;
    assert!(p.check(&anchor).is_err());

    let mut p = proof.clone();
    p.fact.id = "f3".into();
    assert!(matches!(p.check(&anchor), Err(ProofError::FactId { .. })));

    let mut p = proof.clone();
    p.audit_path[1] = "zz".into();
    assert!(matches!(
        p.check(&anchor),
        Err(ProofError::BadHex { field, .. }) if field == "audit_path[1]"
    ));

    let mut p = proof.clone();
    p.format_version = 2;
    assert!(matches!(
        p.check(&anchor),
        Err(ProofError::Unsupported { .. })
    ));

    let mut p = proof.clone();
    p.release.graph_sha256 = to_hex(&leaf_hash(b"another graph"));
    assert!(matches!(
        p.check(&anchor),
        Err(ProofError::Anchor {
            field: "release.graph_sha256",
            ..
        })
    ));

    // A proof from another release (another tree) fails against this root.
    let (other, other_anchor) = sample_proof(10, 4);
    assert_ne!(other_anchor.root, anchor.root);
    assert!(matches!(
        other.check(&anchor),
        Err(ProofError::UntrustedRoot { .. })
    ));
}

#[test]
fn a_size_with_the_same_path_shape_is_caught_by_the_anchor() {
    // Leaf 6 has the same path shape in trees of 11 and of 10 (see `Anchor`).
    let (mut proof, anchor) = sample_proof(11, 5);
    assert_eq!(proof.fact.index, 6);
    proof.release.tree_size = 10;
    let alone = proof.check(&Anchor::root(anchor.root));
    assert!(alone.is_ok(), "the root alone proves membership: {alone:?}");
    assert!(matches!(
        proof.check(&anchor),
        Err(ProofError::Anchor {
            field: "release.tree_size",
            ..
        })
    ));
}

#[test]
fn text_form_names_every_hash() {
    let (proof, _) = sample_proof(5, 2);
    let text = proof.to_string();
    assert!(text.contains(&proof.release.merkle_root));
    assert!(text.contains(&proof.fact.sha256));
    for h in &proof.audit_path {
        assert!(text.contains(h.as_str()));
    }
    for t in &proof.fact.triples {
        assert!(text.contains(t.as_str()));
    }
}
