//! An inclusion proof of one fact of a release ([`crate::merkle::Proof`]), made from the
//! release's `release.ttl` and `graph.nq`.
//!
//! `graph.nq` is streamed once: every fact's declared `fg:sha256` is kept (32 bytes and
//! its IRI, for the leaf order), and the cited fact's own lines. The tree is rebuilt and
//! must give the root `release.ttl` declares, and the proof is checked against it before
//! it is handed out, so a corrupt release yields an error rather than a proof that fails
//! later in a reader's hands.

use super::catalogue::{read_info, ReleaseInfo};
use super::groups::for_each_group;
use crate::error::{Error, Result};
use crate::merkle::{self, Anchor, Hash, Proof, ProofRelease, Tree};
use crate::vocab::{FG, RDF};
use std::path::Path;

/// The proof that fact `fact_id` is in the release in `dir`.
pub fn prove(dir: &Path, fact_id: &str) -> Result<Proof> {
    let info = read_info(dir)?;
    let corrupt = |message: String| Error::CorruptRelease {
        path: dir.join("graph.nq"),
        message,
    };
    let Some(declared) = info.merkle_root.as_deref() else {
        return Err(Error::Usage(format!(
            "release {} has no Merkle root (fg:merkleRoot): it was made before factgraph recorded them, so none of its facts can be proved; cite a later release",
            info.version
        )));
    };
    let declared = merkle::parse_hex(declared)
        .ok_or_else(|| corrupt(format!("fg:merkleRoot `{declared}` is not a sha256")))?;

    let type_fact = format!(" <{RDF}type> <{FG}Fact> .");
    let fact_id_line = format!(" <{FG}factId> \"{fact_id}\" .");
    let sha_predicate = format!(" <{FG}sha256> \"");
    let mut leaves: Vec<(String, Hash)> = Vec::new();
    let mut cited: Option<(String, Vec<String>)> = None;
    let mut bad = None;
    for_each_group(&dir.join("graph.nq"), |node, lines| {
        if !lines.contains(&format!("{node}{type_fact}")) {
            return;
        }
        let sha_line = format!("{node}{sha_predicate}");
        let hash = lines
            .iter()
            .find_map(|l| l.strip_prefix(&sha_line))
            .and_then(|rest| rest.split('"').next())
            .and_then(merkle::parse_hex);
        let iri = node
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_owned();
        let Some(hash) = hash else {
            bad.get_or_insert_with(|| format!("fact <{iri}> has no valid fg:sha256"));
            return;
        };
        if lines.contains(&format!("{node}{fact_id_line}")) {
            let triples = lines
                .into_iter()
                .filter(|l| !l.starts_with(&sha_line))
                .collect();
            cited = Some((iri.clone(), triples));
        }
        leaves.push((iri, hash));
    })?;
    if let Some(message) = bad {
        return Err(corrupt(message));
    }
    let Some((iri, triples)) = cited else {
        return Err(Error::Usage(format!(
            "release {} has no fact `{fact_id}`",
            info.version
        )));
    };
    leaves.sort_unstable();
    let index = leaves
        .binary_search_by(|(i, _)| i.cmp(&iri))
        .map_err(|_| corrupt(format!("fact <{iri}> lost from the leaves")))?;
    let fact_hash = leaves[index].1;
    let tree = Tree::from_fact_hashes(leaves.iter().map(|(_, h)| h));
    drop(leaves);
    if tree.root() != declared {
        return Err(corrupt(format!(
            "the facts' hashes give the Merkle root {}, but release.ttl declares {}; run `factgraph verify {}`",
            merkle::to_hex(&tree.root()),
            merkle::to_hex(&declared),
            dir.display()
        )));
    }
    let proof = Proof::new(
        release_part(&info),
        &tree,
        index as u64,
        fact_id,
        &iri,
        &fact_hash,
        triples,
    )
    .ok_or_else(|| corrupt(format!("fact <{iri}> is not a leaf")))?;
    proof
        .check(&anchor(&info, declared))
        .map_err(|e| corrupt(format!("the proof of fact {fact_id} does not check: {e}")))?;
    Ok(proof)
}

fn release_part(info: &ReleaseInfo) -> ProofRelease {
    ProofRelease {
        version: info.version.clone(),
        iri: info.iri.clone(),
        graph_sha256: info.graph_sha256.clone(),
        merkle_root: String::new(),
        tree_size: 0,
    }
}

/// What a release description vouches for, to check a proof against.
pub fn anchor(info: &ReleaseInfo, root: Hash) -> Anchor {
    Anchor {
        root,
        tree_size: Some(info.facts),
        iri: Some(info.iri.clone()),
        version: Some(info.version.clone()),
        graph_sha256: Some(info.graph_sha256.clone()),
    }
}
