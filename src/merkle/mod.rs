//! Merkle trees over the facts of a release, and inclusion proofs. No I/O happens here.
//!
//! A release's **Merkle root** commits to every fact's content hash (`fg:sha256`, see
//! [`crate::hash::fact_hash`]) so that one fact can be proved to belong to a release
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

use sha2::{Digest, Sha256};

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
/// [`crate::hash::fact_hash`], on text instead of quads.
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

mod proof;
pub use proof::{Anchor, Proof, ProofError, ProofFact, ProofRelease, Verified};
pub use proof::{PROOF_FORMAT, PROOF_VERSION};

#[cfg(test)]
mod tests;
