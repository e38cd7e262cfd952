//! The facts' Merkle leaves, held compactly until the root is computed.
//!
//! The tree's leaves are in fact IRI order, which is not the order in which `graph.nq`
//! hands the facts over (`<F-1>` sorts before `<F>` there, after it as an IRI), so
//! every leaf is kept and sorted at the end. At a million facts a boxed IRI per leaf
//! cost more than the rest of `verify` together; here an IRI is stored as its tail
//! after the namespace it shares with the first fact (`f123456`), in one buffer.

use crate::merkle::Hash;

/// Leaves in arrival order: (IRI, leaf hash).
#[derive(Debug, Default)]
pub(super) struct Leaves {
    /// The first fact IRI up to its last `/`: the namespace fact IRIs share.
    namespace: Option<Box<str>>,
    /// Each IRI's tail after `namespace`, or the whole IRI if it does not start with it.
    text: Vec<u8>,
    /// Per leaf: where its text starts in `text` (the high bit set when the text is the
    /// whole IRI), and the leaf hash. A leaf's text ends where the next one's starts.
    entries: Vec<(u64, Hash)>,
}

const WHOLE: u64 = 1 << 63;

impl Leaves {
    pub(super) fn push(&mut self, iri: &str, leaf: Hash) {
        let namespace = self
            .namespace
            .get_or_insert_with(|| iri[..iri.rfind('/').map_or(0, |i| i + 1)].into());
        let start = self.text.len() as u64;
        match iri.strip_prefix(&**namespace) {
            Some(tail) => {
                self.text.extend_from_slice(tail.as_bytes());
                self.entries.push((start, leaf));
            }
            None => {
                self.text.extend_from_slice(iri.as_bytes());
                self.entries.push((start | WHOLE, leaf));
            }
        }
    }

    /// The IRI of leaf `i`, as (namespace or "", rest).
    fn iri(&self, i: usize) -> (&[u8], &[u8]) {
        let (start, _) = self.entries[i];
        let end = self
            .entries
            .get(i + 1)
            .map_or(self.text.len() as u64, |e| e.0 & !WHOLE);
        let text = &self.text[(start & !WHOLE) as usize..end as usize];
        if start & WHOLE != 0 {
            (b"", text)
        } else {
            (self.namespace.as_deref().unwrap_or("").as_bytes(), text)
        }
    }

    /// The Merkle root over the leaves in IRI order, one leaf per IRI (a fact described
    /// twice counts once, as in a map: the greatest of its leaves, as a sort of
    /// (IRI, leaf) pairs keeps last).
    pub(super) fn root(self) -> String {
        let key = |i: usize| {
            let (namespace, rest) = self.iri(i);
            namespace.iter().chain(rest.iter())
        };
        let mut order: Vec<u32> = (0..self.entries.len() as u32).collect();
        order.sort_unstable_by(|a, b| {
            key(*a as usize).cmp(key(*b as usize)).then_with(|| {
                self.entries[*a as usize]
                    .1
                    .cmp(&self.entries[*b as usize].1)
            })
        });
        let mut root = crate::merkle::RootBuilder::default();
        for (n, i) in order.iter().enumerate() {
            let i = *i as usize;
            if order
                .get(n + 1)
                .is_some_and(|next| key(*next as usize).eq(key(i)))
            {
                continue;
            }
            root.push_fact(&self.entries[i].1);
        }
        crate::merkle::to_hex(&root.root())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The old computation: boxed IRIs sorted with their leaves.
    fn boxed_root(mut leaves: Vec<(Box<str>, Hash)>) -> String {
        leaves.sort_unstable();
        let mut root = crate::merkle::RootBuilder::default();
        for (i, (iri, leaf)) in leaves.iter().enumerate() {
            if leaves.get(i + 1).is_some_and(|next| next.0 == *iri) {
                continue;
            }
            root.push_fact(leaf);
        }
        crate::merkle::to_hex(&root.root())
    }

    #[test]
    fn same_root_as_sorting_boxed_iris() {
        let iris = [
            "https://w3id.org/factgraph/fact/f1",
            "https://w3id.org/factgraph/fact/f10",
            "https://w3id.org/factgraph/fact/f1-1",
            "https://example.org/other/f1",
            "https://w3id.org/factgraph/fact/f10",
            "https://w3id.org/factgraph/fact/",
            "https://w3id.org/factgraph/fact",
            "https://w3id.org/factgraph/fact/f0",
        ];
        let mut leaves = Leaves::default();
        let mut boxed = Vec::new();
        for (i, iri) in iris.iter().enumerate() {
            let leaf = [i as u8; 32];
            leaves.push(iri, leaf);
            boxed.push(((*iri).into(), leaf));
        }
        assert_eq!(leaves.root(), boxed_root(boxed));
        assert_eq!(Leaves::default().root(), boxed_root(Vec::new()));
    }
}
