//! `factgraph verify-proof`: checking one fact's inclusion proof offline, against a
//! root the reader trusts, without the release's data files.
//!
//! The trusted root comes from the release's `release.ttl` (which also fixes the
//! number of facts, the release IRI, version and graph hash, so every field of the
//! proof is checked) or is given by hand. The check itself is [`Proof::check`];
//! `scripts/verify_proof.py` does the same in Python's standard library.

use crate::error::{Error, Result};
use crate::merkle::{self, Anchor, Proof, ProofError, Verified};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What the reader trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trusted {
    /// A root given by hand (64 hex digits), and optionally the number of facts.
    Root {
        /// The root.
        root: String,
        /// The number of facts, if known.
        tree_size: Option<u64>,
    },
    /// A release description file (`release.ttl`).
    ReleaseTtl(PathBuf),
}

/// The outcome of checking a proof file.
#[derive(Debug)]
pub struct ProofCheck {
    /// The proof file, as given.
    pub file: PathBuf,
    /// The proof, when the file is one.
    pub proof: Option<Proof>,
    /// Where the trusted root came from, for the report.
    pub trusted: String,
    /// Proved, or why not.
    pub outcome: std::result::Result<Verified, String>,
    /// Whether the anchor fixed more than the root.
    pub full_anchor: bool,
}

/// Checks the proof in `file` against what the reader trusts. Unreadable files and a
/// malformed trusted root are errors; a file that is not a valid proof, or a proof that
/// does not lead to the trusted root, is a failed [`ProofCheck::outcome`].
pub fn verify_proof(file: &Path, trusted: &Trusted) -> Result<ProofCheck> {
    let (anchor, shown) = match trusted {
        Trusted::Root { root, tree_size } => {
            let hash = merkle::parse_hex(root).ok_or_else(|| {
                Error::Usage(format!(
                    "--merkle-root `{root}` is not a Merkle root (64 hex digits)"
                ))
            })?;
            let mut anchor = Anchor::root(hash);
            anchor.tree_size = *tree_size;
            (anchor, "--merkle-root".to_owned())
        }
        Trusted::ReleaseTtl(path) => {
            let info = crate::release::read_description(path)?;
            let root = info.merkle_root.as_deref().ok_or_else(|| {
                Error::Usage(format!(
                    "{} declares no fg:merkleRoot: release {} was made before factgraph recorded Merkle roots, so no proof can be checked against it",
                    path.display(),
                    info.version
                ))
            })?;
            let root = merkle::parse_hex(root).ok_or_else(|| Error::CorruptRelease {
                path: path.clone(),
                message: format!("fg:merkleRoot `{root}` is not a sha256"),
            })?;
            (
                crate::release::proof::anchor(&info, root),
                format!("release.ttl {}", path.display()),
            )
        }
    };
    let full_anchor = anchor.tree_size.is_some();
    // A proof file is small; a FIFO or a device must not block or fill memory.
    let text = crate::safe_read::open_regular(file)
        .and_then(|f| crate::safe_read::read_capped(f, file, 64 * 1024 * 1024))
        .map_err(|e| Error::io(file, e))
        .and_then(|bytes| {
            String::from_utf8(bytes).map_err(|e| {
                Error::io(
                    file,
                    std::io::Error::new(std::io::ErrorKind::InvalidData, e),
                )
            })
        })?;
    let (proof, outcome) = match Proof::from_json(&text) {
        Err(e) => {
            // serde_json's message ends with its own " at line L column C".
            let text = e.to_string();
            let why = text
                .rsplit_once(" at line ")
                .map_or(text.as_str(), |(w, _)| w);
            let at = format!("{}:{}:{}", file.display(), e.line(), e.column());
            (
                None,
                Err(format!("{at}: not a factgraph inclusion proof: {why}")),
            )
        }
        Ok(proof) => {
            let outcome = proof.check(&anchor).map_err(|e: ProofError| e.to_string());
            (Some(proof), outcome)
        }
    };
    Ok(ProofCheck {
        file: file.to_path_buf(),
        proof,
        trusted: shown,
        outcome,
        full_anchor,
    })
}

impl ProofCheck {
    /// The report for a human: what is proved, or why not.
    pub fn to_text(&self) -> String {
        let file = self.file.display();
        let (proof, verified) = match (&self.proof, &self.outcome) {
            (Some(proof), Ok(verified)) => (proof, verified),
            (_, Err(why)) => return format!("{file}: NOT PROVED: {why}\n"),
            (None, Ok(_)) => return format!("{file}: NOT PROVED\n"),
        };
        let (f, r) = (&proof.fact, &proof.release);
        let mut out = format!(
            "{file}: PROVED: fact {} <{}> is leaf {} of {} in release {} <{}>\n",
            f.id, f.iri, f.index, r.tree_size, r.version, r.iri
        );
        let _ = writeln!(
            out,
            "  fact sha256  {} (recomputed from its {} triples)",
            merkle::to_hex(&verified.fact_sha256),
            f.triples.len()
        );
        let _ = writeln!(out, "  leaf hash    {}", merkle::to_hex(&verified.leaf));
        let _ = writeln!(
            out,
            "  merkle root  {} (as {} says)",
            merkle::to_hex(&verified.root),
            self.trusted
        );
        let _ = writeln!(out, "  graph sha256 {}", r.graph_sha256);
        if !self.full_anchor {
            out.push_str("  (a root alone proves that the fact is in the release; give --tree-size, or --release-ttl instead, to bind its index and the number of facts too)\n");
        }
        out
    }
}
