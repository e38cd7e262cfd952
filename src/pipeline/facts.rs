//! The checked facts, held compactly between `check` and the exports.
//!
//! A release needs every checked fact at once (its files are sorted by fact IRI, not by
//! table order), so what one fact costs in memory decides whether a million fit. A
//! parsed [`Fact`] owns a heap string for every IRI and literal it names (about 2 KB a
//! fact, 2.6 GiB at a million); here each distinct term is stored once and a fact keeps
//! 32-bit handles to it, with its own text (id, quote, note, the quote's context) in
//! exact-size boxes. [`Facts::get`] rebuilds the owned [`Cited`] on demand: cloning a
//! dozen short strings, no parsing and no validation.

use super::Cited;
use crate::attribution::{Basis, DeprecationReason, Voice};
use crate::fact::{Fact, Rank};
use crate::quote::QuoteMatch;
use oxigraph::model::{NamedNode, Term};
use std::collections::HashMap;

/// Every distinct term of the held facts, once.
#[derive(Debug, Default)]
struct Terms {
    list: Vec<Term>,
    index: HashMap<Term, u32>,
}

impl Terms {
    fn intern(&mut self, term: Term) -> u32 {
        if let Some(&i) = self.index.get(&term) {
            return i;
        }
        let i = u32::try_from(self.list.len()).expect("fewer than 2^32 distinct terms");
        self.list.push(term.clone());
        self.index.insert(term, i);
        i
    }

    fn named(&mut self, node: NamedNode) -> u32 {
        self.intern(node.into())
    }

    fn term(&self, i: u32) -> Term {
        self.list[i as usize].clone()
    }

    fn node(&self, i: u32) -> NamedNode {
        match &self.list[i as usize] {
            Term::NamedNode(n) => n.clone(),
            other => unreachable!("term {other} was interned as an IRI"),
        }
    }
}

/// One fact, by handles into [`Terms`].
#[derive(Debug)]
struct Held {
    id: Box<str>,
    source_id: Box<str>,
    subject: u32,
    predicate: u32,
    object: u32,
    /// The qualifiers, then the comparable days: (property, value).
    statement: Box<[(u32, u32)]>,
    qualifiers: usize,
    rank: Rank,
    deprecation_reason: Option<DeprecationReason>,
    /// `None` for the source's own voice.
    voice: Option<u32>,
    relayed_by: Option<u32>,
    basis: Basis,
    quote: Box<str>,
    recorded: Option<(usize, usize)>,
    note: Option<Box<str>>,
    line: u64,
    start: usize,
    end: usize,
    prefix: Box<str>,
    suffix: Box<str>,
}

/// The checked facts, in table order.
#[derive(Debug, Default)]
pub struct Facts {
    terms: Terms,
    held: Vec<Held>,
}

impl Facts {
    /// How many.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// The id of fact `i` (cheap: for sorting).
    pub fn id(&self, i: usize) -> &str {
        &self.held[i].id
    }

    /// The source id of fact `i`.
    pub fn source_id(&self, i: usize) -> &str {
        &self.held[i].source_id
    }

    /// The quote of fact `i` and the positions recorded for it.
    pub fn quote(&self, i: usize) -> (&str, Option<(usize, usize)>) {
        (&self.held[i].quote, self.held[i].recorded)
    }

    /// Adds a fact.
    pub fn push(&mut self, cited: Cited) {
        let Cited { fact, quote } = cited;
        let terms = &mut self.terms;
        let qualifiers = fact.qualifiers.len();
        let statement = Vec::from(fact.qualifiers)
            .into_iter()
            .chain(Vec::from(fact.days))
            .map(|(p, v)| (terms.named(p), terms.intern(v)))
            .collect();
        self.held.push(Held {
            id: fact.id.into(),
            source_id: fact.source_id.into(),
            subject: terms.named(fact.subject),
            predicate: terms.named(fact.predicate),
            object: terms.intern(fact.object),
            statement,
            qualifiers,
            rank: fact.rank,
            deprecation_reason: fact.deprecation_reason,
            voice: match fact.voice {
                Voice::Source => None,
                Voice::Agent(agent) => Some(terms.named(agent)),
            },
            relayed_by: fact.relayed_by.map(|a| terms.named(a)),
            basis: fact.basis,
            quote: fact.quote.into(),
            recorded: fact.recorded,
            note: fact.note.map(Into::into),
            line: fact.line,
            start: quote.start,
            end: quote.end,
            prefix: quote.prefix.into(),
            suffix: quote.suffix.into(),
        });
    }

    /// Fact `i`, rebuilt.
    pub fn get(&self, i: usize) -> Cited {
        let h = &self.held[i];
        let t = &self.terms;
        let pairs = |pairs: &[(u32, u32)]| -> Box<[(NamedNode, Term)]> {
            pairs.iter().map(|&(p, v)| (t.node(p), t.term(v))).collect()
        };
        Cited {
            fact: Fact {
                id: h.id.to_string(),
                source_id: h.source_id.to_string(),
                subject: t.node(h.subject),
                predicate: t.node(h.predicate),
                object: t.term(h.object),
                qualifiers: pairs(&h.statement[..h.qualifiers]),
                rank: h.rank,
                deprecation_reason: h.deprecation_reason,
                voice: h.voice.map_or(Voice::Source, |a| Voice::Agent(t.node(a))),
                relayed_by: h.relayed_by.map(|a| t.node(a)),
                basis: h.basis,
                days: pairs(&h.statement[h.qualifiers..]),
                quote: h.quote.to_string(),
                recorded: h.recorded,
                note: h.note.as_deref().map(str::to_owned),
                line: h.line,
            },
            quote: QuoteMatch {
                start: h.start,
                end: h.end,
                prefix: h.prefix.to_string(),
                suffix: h.suffix.to_string(),
            },
        }
    }

    /// [`crate::graph::plain_triple`] of fact `i`, without rebuilding the fact.
    pub fn plain_triple(&self, i: usize) -> Option<oxigraph::model::Quad> {
        let h = &self.held[i];
        let t = &self.terms.list;
        match (&t[h.subject as usize], &t[h.predicate as usize]) {
            (Term::NamedNode(s), Term::NamedNode(p)) => {
                crate::graph::claim(h.rank, s, p, &t[h.object as usize])
            }
            _ => unreachable!("subjects and predicates are interned as IRIs"),
        }
    }

    /// Every fact, rebuilt one at a time, in table order.
    pub fn iter(&self) -> impl Iterator<Item = Cited> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Records where fact `i`'s quote was found.
    pub(super) fn set_quote(&mut self, i: usize, quote: QuoteMatch) {
        let h = &mut self.held[i];
        h.start = quote.start;
        h.end = quote.end;
        h.prefix = quote.prefix.into();
        h.suffix = quote.suffix.into();
    }

    /// Keeps the facts whose index `keep` marks (terms only they named stay interned:
    /// they are few, and only on a failed check).
    pub(super) fn retain(&mut self, keep: &[bool]) {
        let mut i = 0;
        self.held.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        self.held.shrink_to_fit();
    }
}

impl FromIterator<Cited> for Facts {
    fn from_iter<I: IntoIterator<Item = Cited>>(iter: I) -> Self {
        let mut facts = Facts::default();
        for c in iter {
            facts.push(c);
        }
        facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{iri, FG};
    use oxigraph::model::Literal;

    fn sample(id: &str, voice: Voice) -> Cited {
        Cited {
            fact: Fact {
                id: id.into(),
                source_id: "s1".into(),
                subject: iri(FG, "a"),
                predicate: iri(FG, "p"),
                object: Literal::new_simple_literal("x").into(),
                qualifiers: vec![(iri(FG, "q"), iri(FG, "b").into())].into(),
                rank: Rank::Deprecated,
                deprecation_reason: Some(DeprecationReason::InconsistentWithinSource),
                voice,
                relayed_by: Some(iri(FG, "c")),
                basis: Basis::Inference,
                days: vec![
                    (iri(FG, "d1"), Literal::new_simple_literal("1").into()),
                    (iri(FG, "d2"), Literal::new_simple_literal("2").into()),
                ]
                .into(),
                quote: "the quote".into(),
                recorded: Some((3, 12)),
                note: Some("why".into()),
                line: 7,
            },
            quote: QuoteMatch {
                start: 3,
                end: 12,
                prefix: "pre".into(),
                suffix: "post".into(),
            },
        }
    }

    #[test]
    fn a_fact_comes_back_as_it_went_in() {
        let facts: Facts = [
            sample("f1", Voice::Source),
            sample("f2", Voice::Agent(iri(FG, "a"))),
        ]
        .into_iter()
        .collect();
        assert_eq!(facts.len(), 2);
        assert_eq!(facts.id(1), "f2");
        for (i, want) in [
            sample("f1", Voice::Source),
            sample("f2", Voice::Agent(iri(FG, "a"))),
        ]
        .into_iter()
        .enumerate()
        {
            let got = facts.get(i);
            assert_eq!(got.fact, want.fact);
            assert_eq!(got.quote, want.quote);
        }
        // fg:a is both a subject and an agent: stored once.
        assert_eq!(facts.terms.list.len(), 10);
    }

    #[test]
    fn retain_keeps_order_and_set_quote_replaces_the_context() {
        let mut facts: Facts = ["f1", "f2", "f3"]
            .iter()
            .map(|id| sample(id, Voice::Source))
            .collect();
        facts.set_quote(
            2,
            QuoteMatch {
                start: 1,
                end: 2,
                prefix: "a".into(),
                suffix: "b".into(),
            },
        );
        facts.retain(&[true, false, true]);
        assert_eq!(
            facts.iter().map(|c| c.fact.id).collect::<Vec<_>>(),
            ["f1", "f3"]
        );
        assert_eq!(facts.get(1).quote.prefix, "a");
    }
}
