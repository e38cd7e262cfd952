//! The inclusion proof format (versioned JSON) and its check; see [`super`] for the
//! tree it proves membership in.

use super::{
    fact_hash_of_lines, fact_leaf, parse_hex, root_from_path, to_hex, Hash, PathError, Tree,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The `format` of a proof file.
pub const PROOF_FORMAT: &str = "factgraph-inclusion-proof";
/// The version of the proof format this code writes and reads.
pub const PROOF_VERSION: u32 = 1;

/// An inclusion proof: one fact of one release, checkable without the release.
///
/// Serialized as JSON (see [`Proof::to_json`]); hashes are lowercase hex. The fact's
/// `triples` are its N-Triples lines, without the final newline, exactly as in
/// `graph.nq` (sorted by bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    /// Always [`PROOF_FORMAT`].
    pub format: String,
    /// [`PROOF_VERSION`] when written by this code.
    pub format_version: u32,
    /// The release the fact is proved in.
    pub release: ProofRelease,
    /// The fact.
    pub fact: ProofFact,
    /// Sibling hashes, from the leaf up to the root.
    pub audit_path: Vec<String>,
}

/// The release part of a proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofRelease {
    /// Its version (`v2`).
    pub version: String,
    /// Its IRI.
    pub iri: String,
    /// Its graph hash (`fg:graphSha256`), for the citation; not part of the check.
    pub graph_sha256: String,
    /// Its Merkle root (`fg:merkleRoot`).
    pub merkle_root: String,
    /// Number of facts (leaves).
    pub tree_size: u64,
}

/// The fact part of a proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofFact {
    /// The fact id.
    pub id: String,
    /// The fact IRI.
    pub iri: String,
    /// Its leaf index (its rank among the release's fact IRIs, from 0).
    pub index: u64,
    /// Its content hash (`fg:sha256`).
    pub sha256: String,
    /// The triples its content hash is computed from, one N-Triples line each.
    pub triples: Vec<String>,
}

/// Why a proof does not prove its fact.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// Not a proof file this code reads.
    #[error("not a factgraph inclusion proof of a version this program reads (format `{format}` version {version}; expected `{PROOF_FORMAT}` version {PROOF_VERSION})")]
    Unsupported {
        /// The `format` field.
        format: String,
        /// The `format_version` field.
        version: u32,
    },
    /// A field that should be 64 hex digits is not.
    #[error("{field} is not a sha256 (64 hex digits): `{value}`")]
    BadHex {
        /// The field, e.g. `audit_path[3]`.
        field: String,
        /// Its value.
        value: String,
    },
    /// No triples.
    #[error("the proof holds no triples for fact <{iri}>")]
    NoTriples {
        /// The fact IRI.
        iri: String,
    },
    /// A triple whose subject is not the fact or one of its nodes.
    #[error("fact.triples[{index}] is not about fact <{iri}> (its subject must be the fact or its #annotation, #target, #quote or #position node): {line}")]
    ForeignTriple {
        /// Position in `fact.triples`.
        index: usize,
        /// The fact IRI.
        iri: String,
        /// The line.
        line: String,
    },
    /// The triples do not hash to the stated fact hash.
    #[error("the fact's triples hash to {computed}, but the proof says its sha256 is {stated}: the triples or the hash were altered")]
    FactHash {
        /// Recomputed from the triples.
        computed: String,
        /// `fact.sha256`.
        stated: String,
    },
    /// The audit path is malformed for the index and size.
    #[error("{0}")]
    Path(#[from] PathError),
    /// The path leads to another root than the proof's own.
    #[error("the audit path leads to root {computed}, but the proof names root {stated}: the proof was altered")]
    InternalRoot {
        /// Recomputed.
        computed: String,
        /// `release.merkle_root`.
        stated: String,
    },
    /// The fact id is not the end of the fact IRI (`<fact namespace><id>`).
    #[error("fact.id `{id}` does not name fact <{iri}> (a fact IRI ends with its id)")]
    FactId {
        /// `fact.id`.
        id: String,
        /// `fact.iri`.
        iri: String,
    },
    /// The proof is consistent but for another root than the trusted one.
    #[error("the proof leads to root {computed} (release {version}), but the trusted root is {trusted}: this fact is not proved to be in that release")]
    UntrustedRoot {
        /// Recomputed (and as stated in the proof).
        computed: String,
        /// The root the reader trusts.
        trusted: String,
        /// The version the proof claims.
        version: String,
    },
    /// The proof describes its release otherwise than the trusted description does.
    #[error("the proof says {field} is `{stated}`, but the trusted release description says `{trusted}`")]
    Anchor {
        /// The proof's field, e.g. `release.tree_size`.
        field: &'static str,
        /// The proof's value.
        stated: String,
        /// The trusted value.
        trusted: String,
    },
}

/// What a reader trusts about a release, to check a proof against: at least its Merkle
/// root (given by hand), or everything `release.ttl` declares.
///
/// The root alone proves that the fact is in the release. The tree size binds the leaf
/// index too: an audit path can have the same shape for two sizes (the last leaf of a
/// tree of 11 and of 10), so without it a proof could misstate the size and still lead
/// to the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The Merkle root (`fg:merkleRoot`).
    pub root: Hash,
    /// The number of facts (`fg:factCount`).
    pub tree_size: Option<u64>,
    /// The release IRI.
    pub iri: Option<String>,
    /// The version (`dcat:version`).
    pub version: Option<String>,
    /// The graph hash (`fg:graphSha256`).
    pub graph_sha256: Option<String>,
}

impl Anchor {
    /// An anchor of a root alone.
    pub fn root(root: Hash) -> Self {
        Self {
            root,
            tree_size: None,
            iri: None,
            version: None,
            graph_sha256: None,
        }
    }
}

/// What a successful check established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The fact's content hash, recomputed from its triples.
    pub fact_sha256: Hash,
    /// Its leaf hash.
    pub leaf: Hash,
    /// The root, equal to the trusted one.
    pub root: Hash,
}

impl Proof {
    /// The proof of leaf `index` of `tree`, for the fact `id`/`iri` whose triples are
    /// `triples` (sorted here) and whose content hash is `fact_sha256`. `None` when the
    /// index is not in the tree.
    pub fn new(
        release: ProofRelease,
        tree: &Tree,
        index: u64,
        id: &str,
        iri: &str,
        fact_sha256: &Hash,
        mut triples: Vec<String>,
    ) -> Option<Self> {
        let path = tree.audit_path(index)?;
        triples.sort_unstable();
        Some(Self {
            format: PROOF_FORMAT.to_owned(),
            format_version: PROOF_VERSION,
            release: ProofRelease {
                merkle_root: to_hex(&tree.root()),
                tree_size: tree.len(),
                ..release
            },
            fact: ProofFact {
                id: id.to_owned(),
                iri: iri.to_owned(),
                index,
                sha256: to_hex(fact_sha256),
                triples,
            },
            audit_path: path.iter().map(to_hex).collect(),
        })
    }

    /// Pretty JSON with a final newline; the same proof always gives the same bytes.
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).unwrap_or_default();
        out.push('\n');
        out
    }

    /// Parses a proof file's JSON.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Checks the proof against what the reader trusts: the format, that every triple is
    /// about the fact, that the triples hash to the fact hash, that the fact's leaf and
    /// the audit path lead to the proof's root, which must be the trusted one, and that
    /// the proof describes the release as the anchor does.
    pub fn check(&self, anchor: &Anchor) -> Result<Verified, ProofError> {
        if self.format != PROOF_FORMAT || self.format_version != PROOF_VERSION {
            return Err(ProofError::Unsupported {
                format: self.format.clone(),
                version: self.format_version,
            });
        }
        let hash = |field: &str, value: &str| {
            parse_hex(value).ok_or_else(|| ProofError::BadHex {
                field: field.to_owned(),
                value: value.to_owned(),
            })
        };
        let stated_fact = hash("fact.sha256", &self.fact.sha256)?;
        let stated_root = hash("release.merkle_root", &self.release.merkle_root)?;
        let path = self
            .audit_path
            .iter()
            .enumerate()
            .map(|(i, h)| hash(&format!("audit_path[{i}]"), h))
            .collect::<Result<Vec<_>, _>>()?;
        let iri = &self.fact.iri;
        if self.fact.id.is_empty() || !iri.ends_with(&self.fact.id) {
            return Err(ProofError::FactId {
                id: self.fact.id.clone(),
                iri: iri.clone(),
            });
        }
        if self.fact.triples.is_empty() {
            return Err(ProofError::NoTriples { iri: iri.clone() });
        }
        let (exact, part) = (format!("<{iri}> "), format!("<{iri}#"));
        for (index, line) in self.fact.triples.iter().enumerate() {
            let about_fact = line.starts_with(&exact) || line.starts_with(&part);
            if !about_fact || line.contains('\n') || !line.ends_with(" .") {
                return Err(ProofError::ForeignTriple {
                    index,
                    iri: iri.clone(),
                    line: line.clone(),
                });
            }
        }
        let fact_sha256 = fact_hash_of_lines(&self.fact.triples);
        if fact_sha256 != stated_fact {
            return Err(ProofError::FactHash {
                computed: to_hex(&fact_sha256),
                stated: self.fact.sha256.clone(),
            });
        }
        let leaf = fact_leaf(&fact_sha256);
        let root = root_from_path(&leaf, self.fact.index, self.release.tree_size, &path)?;
        if root != stated_root {
            return Err(ProofError::InternalRoot {
                computed: to_hex(&root),
                stated: self.release.merkle_root.clone(),
            });
        }
        if root != anchor.root {
            return Err(ProofError::UntrustedRoot {
                computed: to_hex(&root),
                trusted: to_hex(&anchor.root),
                version: self.release.version.clone(),
            });
        }
        let r = &self.release;
        let fields = [
            (
                "release.tree_size",
                r.tree_size.to_string(),
                anchor.tree_size.map(|n| n.to_string()),
            ),
            ("release.iri", r.iri.clone(), anchor.iri.clone()),
            ("release.version", r.version.clone(), anchor.version.clone()),
            (
                "release.graph_sha256",
                r.graph_sha256.clone(),
                anchor.graph_sha256.clone(),
            ),
        ];
        for (field, stated, trusted) in fields {
            if let Some(trusted) = trusted.filter(|t| *t != stated) {
                return Err(ProofError::Anchor {
                    field,
                    stated,
                    trusted,
                });
            }
        }
        Ok(Verified {
            fact_sha256,
            leaf,
            root,
        })
    }
}

impl fmt::Display for Proof {
    /// The proof as text, for a reader: what is proved and every hash of the path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.release;
        writeln!(
            f,
            "Inclusion proof ({PROOF_FORMAT} v{}, RFC 6962 Merkle tree, SHA-256)",
            self.format_version
        )?;
        writeln!(f, "  release:      {} <{}>", r.version, r.iri)?;
        writeln!(f, "  graph sha256: {}", r.graph_sha256)?;
        writeln!(f, "  merkle root:  {}", r.merkle_root)?;
        writeln!(f, "  tree size:    {} fact(s)", r.tree_size)?;
        writeln!(f, "  fact:         {} <{}>", self.fact.id, self.fact.iri)?;
        writeln!(
            f,
            "  leaf index:   {} (facts sorted by IRI, from 0)",
            self.fact.index
        )?;
        writeln!(f, "  fact sha256:  {}", self.fact.sha256)?;
        if let Some(h) = parse_hex(&self.fact.sha256) {
            writeln!(f, "  leaf hash:    {}", to_hex(&fact_leaf(&h)))?;
        }
        writeln!(
            f,
            "  audit path:   {} sibling hash(es), leaf to root",
            self.audit_path.len()
        )?;
        for (i, h) in self.audit_path.iter().enumerate() {
            writeln!(f, "    {:>2}. {h}", i + 1)?;
        }
        writeln!(
            f,
            "  triples ({}, hashed as sorted lines each ending in a newline):",
            self.fact.triples.len()
        )?;
        for line in &self.fact.triples {
            writeln!(f, "    {line}")?;
        }
        Ok(())
    }
}
