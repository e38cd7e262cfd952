//! Merkle trees over the facts of a release, and inclusion proofs. No I/O happens here.
//!
//! A release's **Merkle root** commits to every fact's content hash (`fg:sha256`, see
//! [`crate::graph::fact_hash`]) so that one fact can be proved to belong to a release
//! with a few hundred bytes of sibling hashes, without the release's data files.
//!
//! # The tree (what a verifier recomputes)
//! It is the Merkle Hash Tree of Certificate Transparency ([RFC 6962] §2.1, [RFC 9162]
//! §2.1), with SHA-256:
//! - the leaves are the release's facts **sorted by fact IRI in code point order**
//!   (equivalently by fact id: every fact IRI is the same namespace followed by the id);
//!   leaf `i` is the `i`-th fact, counting from 0;
//! - the leaf hash of a fact is `SHA-256(0x00 || h)`, where `h` is the 32 raw bytes of
//!   its content hash (the 64 hex digits of `fg:sha256`, decoded);
//! - an interior node is `SHA-256(0x01 || left || right)`;
//! - a list of `n > 1` leaves is split at `k`, the largest power of two smaller than
//!   `n`: the root is the node of the root of the first `k` leaves and the root of the
//!   other `n - k`;
//! - the root of one leaf is its leaf hash; the root of no leaves is `SHA-256("")`
//!   (`e3b0c442…b855`), as in RFC 6962.
//!
//! Note that the leaf order is *not* the order in which facts first appear in
//! `graph.nq`: there a fact's lines end with `>` and `>` sorts after `-`, `.` and the
//! digits, so `<…/fact/a-1>` comes before `<…/fact/a>`. Sorting the IRIs themselves is
//! the rule a reader can apply without knowing that.
//!
//! # Proofs
//! An inclusion proof ([`Proof`], serialized as versioned JSON) carries the fact's own
//! N-Triples lines, so the verifier recomputes the fact hash instead of trusting it, its
//! leaf index, the tree size and the *audit path*: the sibling hashes from the leaf up to
//! the root (RFC 6962 §2.1.1). [`Proof::check`] recomputes the root with RFC 9162's
//! algorithm (§2.1.3.2) and compares it with a root the reader trusts (given on the
//! command line, or read from the release's `release.ttl`). `scripts/verify_proof.py`
//! is a second, independent implementation of the same check.
//!
//! # Rationale
//! The `0x00`/`0x01` prefixes make leaf hashes and node hashes disjoint, so an interior
//! node can never be presented as a fact (the "second preimage" attack on plain Merkle
//! trees). The RFC 6962 split (rather than duplicating an odd last node, as Bitcoin does)
//! gives every list exactly one tree and lets anyone reuse Certificate Transparency's
//! test vectors and tools. Leaves hash the fact *hash* rather than the fact's lines so
//! that the tree can be rebuilt from `fg:sha256` values alone.
//!
//! [RFC 6962]: https://www.rfc-editor.org/rfc/rfc6962#section-2.1
//! [RFC 9162]: https://www.rfc-editor.org/rfc/rfc9162#section-2.1

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// Prefix of a leaf hash's input.
pub const LEAF_PREFIX: u8 = 0x00;
/// Prefix of an interior node hash's input.
pub const NODE_PREFIX: u8 = 0x01;

/// The leaf hash of arbitrary leaf data: `SHA-256(0x00 || data)`. A fact's leaf hashes
/// the 32 raw bytes of its content hash ([`fact_leaf`]).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(data);
    hasher.finalize().into()
}

/// The leaf hash of a fact, from its content hash.
pub fn fact_leaf(fact_hash: &Hash) -> Hash {
    leaf_hash(fact_hash)
}

/// An interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of an empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Where RFC 6962 splits `n > 1` leaves: the largest power of two smaller than `n`.
pub fn split(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

/// Lowercase hex of a hash.
pub fn to_hex(hash: &Hash) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in hash {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// A hash from 64 hex digits (either case); `None` for anything else.
pub fn parse_hex(text: &str) -> Option<Hash> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// A fact's content hash recomputed from its N-Triples lines (each without its final
/// newline): append `\n` to each, sort by bytes, concatenate, SHA-256. The same rule as
/// [`crate::graph::fact_hash`], on text instead of quads.
pub fn fact_hash_of_lines<S: AsRef<str>>(lines: &[S]) -> Hash {
    let mut sorted: Vec<&str> = lines.iter().map(AsRef::as_ref).collect();
    // Sorting the lines without their `\n` gives the same order as with it: no line
    // holds a newline, and a line that is a prefix of another sorts first either way
    // ("\n" is below every byte an N-Triples line can continue with, " " and ".").
    sorted.sort_unstable();
    let mut hasher = Sha256::new();
    for line in sorted {
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
    }
    hasher.finalize().into()
}

/// Computes a root from leaves pushed one by one in order, keeping only `O(log n)`
/// hashes: the roots of the perfect subtrees seen so far, as RFC 6962's split makes
/// them.
///
/// ```
/// use factgraph::merkle::{RootBuilder, Tree, fact_leaf};
/// let facts: Vec<[u8; 32]> = (0u8..5).map(|i| [i; 32]).collect();
/// let mut builder = RootBuilder::default();
/// for f in &facts {
///     builder.push_fact(f);
/// }
/// let tree = Tree::from_fact_hashes(facts.iter());
/// assert_eq!(builder.len(), 5);
/// assert_eq!(builder.root(), tree.root());
/// ```
#[derive(Debug, Clone, Default)]
pub struct RootBuilder {
    /// `(height, root)` of perfect subtrees, highest first.
    stack: Vec<(u32, Hash)>,
    len: u64,
}

impl RootBuilder {
    /// Appends a leaf hash.
    pub fn push_leaf(&mut self, leaf: Hash) {
        let mut node = (0, leaf);
        while let Some(&(height, left)) = self.stack.last() {
            if height != node.0 {
                break;
            }
            self.stack.pop();
            node = (height + 1, node_hash(&left, &node.1));
        }
        self.stack.push(node);
        self.len += 1;
    }

    /// Appends a fact by its content hash.
    pub fn push_fact(&mut self, fact_hash: &Hash) {
        self.push_leaf(fact_leaf(fact_hash));
    }

    /// Leaves pushed.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no leaf was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The root of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        // The perfect subtrees, smallest last, are exactly RFC 6962's right spine:
        // folding them from the right rebuilds the split at each largest power of two.
        let mut nodes = self.stack.iter().rev();
        let Some(&(_, mut acc)) = nodes.next() else {
            return empty_root();
        };
        for (_, left) in nodes {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

/// A whole tree, kept level by level to give any leaf's audit path.
///
/// Level 0 holds the leaf hashes; each next level pairs neighbours, and an unpaired last
/// node moves up unchanged. That builds exactly RFC 6962's tree: the left subtree of
/// every node is the perfect one of the largest power-of-two size. Memory: about two
/// hashes per leaf (64 MB at a million facts).
#[derive(Debug, Clone)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// A tree over leaf hashes, in order.
    pub fn from_leaves(leaves: Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let below = levels.last().map(Vec::as_slice).unwrap_or_default();
            let above = below
                .chunks(2)
                .map(|pair| match pair {
                    [left, right] => node_hash(left, right),
                    [single] => *single,
                    _ => unreachable!("chunks(2) yields one or two"),
                })
                .collect();
            levels.push(above);
        }
        Self { levels }
    }

    /// A tree over facts' content hashes, in leaf order (by fact IRI).
    pub fn from_fact_hashes<'a>(facts: impl IntoIterator<Item = &'a Hash>) -> Self {
        Self::from_leaves(facts.into_iter().map(fact_leaf).collect())
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Option<&Hash> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.levels[0].get(i))
    }

    /// The root ([`empty_root`] for no leaves).
    pub fn root(&self) -> Hash {
        match self.levels.last().map(Vec::as_slice) {
            Some([root]) => *root,
            _ => empty_root(),
        }
    }

    /// The audit path of leaf `index`: sibling hashes from the leaf up to the root
    /// (RFC 6962 §2.1.1 `PATH(m, D[n])`); `None` when there is no such leaf.
    pub fn audit_path(&self, index: u64) -> Option<Vec<Hash>> {
        let mut at = usize::try_from(index).ok()?;
        if at >= self.levels[0].len() {
            return None;
        }
        let mut path = Vec::new();
        for level in &self.levels[..self.levels.len() - 1] {
            // A node without a right neighbour was moved up unchanged: no sibling here.
            if let Some(sibling) = level.get(at ^ 1) {
                path.push(*sibling);
            }
            at >>= 1;
        }
        Some(path)
    }
}

/// Why an audit path does not lead to a root.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is not in a tree of {size} leaves")]
    IndexOutOfRange {
        /// Claimed index.
        index: u64,
        /// Claimed size.
        size: u64,
    },
    /// The path ends before reaching the root.
    #[error("the audit path has {given} hash(es), too few for leaf {index} of a tree of {size} (it needs {needed})")]
    TooShort {
        /// Claimed index.
        index: u64,
        /// Claimed size.
        size: u64,
        /// Hashes given.
        given: usize,
        /// Hashes this index and size need.
        needed: usize,
    },
    /// The path has hashes left over after the root.
    #[error("the audit path has {given} hash(es), too many for leaf {index} of a tree of {size} (it needs {needed})")]
    TooLong {
        /// Claimed index.
        index: u64,
        /// Claimed size.
        size: u64,
        /// Hashes given.
        given: usize,
        /// Hashes this index and size need.
        needed: usize,
    },
}

/// The number of hashes in the audit path of leaf `index` in a tree of `size`.
pub fn path_len(index: u64, size: u64) -> usize {
    if index >= size {
        return 0;
    }
    let (mut at, mut last, mut len) = (index, size - 1, 0);
    while last > 0 {
        if at & 1 == 1 || at < last {
            len += 1;
        }
        at >>= 1;
        last >>= 1;
    }
    len
}

/// The root an audit path leads to from `leaf` (a leaf hash) at `index` in a tree of
/// `size` leaves: RFC 9162 §2.1.3.2, step by step.
pub fn root_from_path(
    leaf: &Hash,
    index: u64,
    size: u64,
    path: &[Hash],
) -> Result<Hash, PathError> {
    if index >= size {
        return Err(PathError::IndexOutOfRange { index, size });
    }
    let needed = path_len(index, size);
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if s_n == 0 {
            return Err(PathError::TooLong {
                index,
                size,
                given: path.len(),
                needed,
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            // Levels where this node had no right neighbour contribute no hash.
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(PathError::TooShort {
            index,
            size,
            given: path.len(),
            needed,
        });
    }
    Ok(r)
}

/// Whether `path` proves `leaf` at `index` in the tree of `size` leaves whose root is
/// `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    path: &[Hash],
    root: &Hash,
) -> Result<bool, PathError> {
    Ok(root_from_path(leaf, index, size, path)? == *root)
}

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

#[cfg(test)]
mod tests {
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
            crate::graph::fact_hash(&quads)
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
}
