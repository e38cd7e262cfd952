//! Finding quotes in one source, fast when many facts cite it.
//!
//! A [`Matcher`] wraps a source's [`SourceText`] and answers, for each quote, where it
//! occurs exactly, and, when it occurs nowhere, which span of the source is the closest
//! (the `drifted` candidate). It is built once per source and reused by every fact
//! that cites the source.
//!
//! # Rationale
//! - A fact whose quote is at its recorded positions costs O(length of the quote)
//!   ([`SourceText::slice`]); nothing here runs for it.
//! - Exact search for the other facts is cached per distinct quote. The first few
//!   searches of a source use `str::find`; past [`INDEX_AFTER`] of them (typically:
//!   the source was edited and every fact citing it shifted), a sorted index of the
//!   first [`GRAM`] bytes at every code point is built once, and each further quote
//!   costs a binary search plus a comparison per candidate, instead of a scan of the
//!   whole source.
//! - Fuzzy (drift) search runs only for quotes with no exact occurrence. It anchors on
//!   the quote's rarest words (a word index of the source, built once on first use),
//!   compares a bounded number of windows around each anchor, and scores them with
//!   `similar`'s character diff ratio. Its cost is bounded per quote by [`MAX_ANCHOR_HITS`]
//!   and [`MAX_WINDOWS`], whatever the size of the source.
//! - Normalisation ([`normalise`]: NFC, whitespace runs, curly quotes) never makes a
//!   quote pass: it only tells a drift that is "formatting only" from a changed text.

use crate::quote::SourceText;
use similar::{ChangeTag, TextDiff};
use std::collections::{BTreeSet, HashMap};
use unicode_normalization::UnicodeNormalization;

/// How many exact searches by scanning before a source gets a prefix index.
pub const INDEX_AFTER: usize = 8;
/// Bytes of quote prefix the index is keyed on.
pub const GRAM: usize = 8;
/// Lowest similarity (0..1, `similar`'s character ratio) for a candidate to count as
/// the same quote, drifted; below it the quote is `missing`.
pub const DRIFT_THRESHOLD: f32 = 0.8;
/// At most this many occurrences of each anchor word are tried.
pub const MAX_ANCHOR_HITS: usize = 64;
/// At most this many candidate windows are scored per quote.
pub const MAX_WINDOWS: usize = 400;
/// How many of the rarest quote words anchor the search.
const ANCHORS: usize = 3;

/// The closest span to a quote that is not in the source verbatim.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
    /// The source's text over that span.
    pub text: String,
    /// Character similarity with the quote, 0..=1.
    pub similarity: f32,
    /// Whether the two differ only by whitespace runs, quote marks or Unicode
    /// normalisation (see [`normalise`]).
    pub formatting_only: bool,
}

/// A source prepared for searching.
#[derive(Debug)]
pub struct Matcher<'a> {
    text: &'a SourceText,
    exact: HashMap<String, Vec<(usize, usize)>>,
    scans: usize,
    grams: Option<Vec<(u64, u32)>>,
    words: Option<WordIndex>,
}

#[derive(Debug)]
struct WordIndex {
    /// Each word's code point span.
    spans: Vec<(usize, usize)>,
    /// Word key (NFC, lowercase) → indices into `spans`.
    by_key: HashMap<String, Vec<u32>>,
}

impl<'a> Matcher<'a> {
    /// A matcher over a text.
    pub fn new(text: &'a SourceText) -> Self {
        Self {
            text,
            exact: HashMap::new(),
            scans: 0,
            grams: None,
            words: None,
        }
    }

    /// The text searched.
    pub fn text(&self) -> &'a SourceText {
        self.text
    }

    /// Whether the quote is exactly at these code point positions.
    pub fn is_at(&self, quote: &str, start: usize, end: usize) -> bool {
        self.text.slice(start, end) == Some(quote)
    }

    /// Every exact occurrence of `quote` (code points, overlaps included), in order.
    pub fn find_all(&mut self, quote: &str) -> Vec<(usize, usize)> {
        if let Some(found) = self.exact.get(quote) {
            return found.clone();
        }
        let found = if quote.len() < GRAM || self.scans < INDEX_AFTER {
            self.scans += 1;
            self.text.find_all(quote)
        } else {
            self.find_indexed(quote)
        };
        self.exact.insert(quote.to_owned(), found.clone());
        found
    }

    fn find_indexed(&mut self, quote: &str) -> Vec<(usize, usize)> {
        let text = self.text.as_str();
        let grams = self.grams.get_or_insert_with(|| {
            let mut grams: Vec<(u64, u32)> = text
                .char_indices()
                .filter(|(i, _)| i + GRAM <= text.len())
                .map(|(i, _)| {
                    #[allow(clippy::cast_possible_truncation)]
                    (gram(&text.as_bytes()[i..]), i as u32)
                })
                .collect();
            grams.sort_unstable();
            grams
        });
        let key = gram(quote.as_bytes());
        let from = grams.partition_point(|&(k, _)| k < key);
        let length = quote.chars().count();
        let mut found: Vec<(usize, usize)> = grams[from..]
            .iter()
            .take_while(|&&(k, _)| k == key)
            .map(|&(_, byte)| byte as usize)
            .filter(|&byte| text[byte..].starts_with(quote))
            .map(|byte| {
                let start = self.text.char_position(byte);
                (start, start + length)
            })
            .collect();
        found.sort_unstable();
        found
    }

    /// The span of the source most similar to `quote`, if any scores at least
    /// [`DRIFT_THRESHOLD`]. Ties go to the span nearest `near` (a code point).
    pub fn closest(&mut self, quote: &str, near: Option<usize>) -> Option<Candidate> {
        let text = self.text;
        let index = self
            .words
            .get_or_insert_with(|| WordIndex::new(text.as_str()));
        let quote_words = words(quote);
        if quote_words.is_empty() {
            return None;
        }
        let quote_len = quote.chars().count();
        let lead = quote_words[0].0;
        let trail = quote_len - quote_words[quote_words.len() - 1].1;
        let keys: Vec<String> = quote_words
            .iter()
            .map(|&(s, e)| key(&char_slice(quote, s, e)))
            .collect();
        // The rarest quote words present in the source anchor the search.
        let mut anchors: Vec<(usize, usize)> = keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| index.by_key.get(k).map(|hits| (hits.len(), i)))
            .collect();
        anchors.sort_unstable();
        anchors.dedup_by(|a, b| keys[a.1] == keys[b.1]);
        let n = quote_words.len() as isize;
        let mut bases: BTreeSet<isize> = BTreeSet::new();
        for &(_, i) in anchors.iter().take(ANCHORS) {
            for &hit in index.by_key[&keys[i]].iter().take(MAX_ANCHOR_HITS) {
                bases.insert(hit as isize - i as isize);
            }
        }
        let total = index.spans.len() as isize;
        let window = |first: isize, count: isize| -> Option<(usize, usize)> {
            let first = first.max(0);
            let last = (first + count - 1).min(total - 1);
            if count < 1 || first > last {
                return None;
            }
            let start = index.spans[first as usize].0.saturating_sub(lead);
            let end = (index.spans[last as usize].1 + trail).min(text.len_chars());
            Some((start, end))
        };
        let score = |span: (usize, usize)| -> f32 {
            let candidate = text.slice(span.0, span.1).unwrap_or_default();
            TextDiff::from_chars(quote, candidate).ratio()
        };
        // Pass 1: the window of the quote's word count at each base.
        let mut scored: Vec<(f32, (usize, usize))> = bases
            .iter()
            .take(MAX_WINDOWS / 2)
            .filter_map(|&b| window(b, n))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|span| (score(span), span))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        // Pass 2: around the best few, shift by a word and grow or shrink by one, for
        // words a typo split or merged.
        let mut best = scored.first().copied();
        let mut seen: BTreeSet<(usize, usize)> = scored.iter().map(|s| s.1).collect();
        for &(_, (start, _)) in scored.iter().take(4) {
            let first = index.spans.partition_point(|w| w.0 < start + lead) as isize;
            for shift in -1..=1 {
                for grow in -1..=1 {
                    let Some(span) = window(first + shift, n + grow) else {
                        continue;
                    };
                    if seen.insert(span) {
                        let s = score(span);
                        if best.is_none_or(|b| better((s, span), b, near)) {
                            best = Some((s, span));
                        }
                    }
                }
            }
        }
        let (similarity, (start, end)) = best?;
        if similarity < DRIFT_THRESHOLD {
            return None;
        }
        let candidate = text.slice(start, end).unwrap_or_default().to_owned();
        Some(Candidate {
            start,
            end,
            formatting_only: normalise(quote) == normalise(&candidate),
            text: candidate,
            similarity,
        })
    }
}

fn better(a: (f32, (usize, usize)), b: (f32, (usize, usize)), near: Option<usize>) -> bool {
    match a.0.total_cmp(&b.0) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => {
            let distance = |s: usize| near.map_or(s, |n| s.abs_diff(n));
            (distance(a.1 .0), a.1) < (distance(b.1 .0), b.1)
        }
    }
}

impl WordIndex {
    fn new(text: &str) -> Self {
        let spans = words(text);
        let mut by_key: HashMap<String, Vec<u32>> = HashMap::new();
        let chars: Vec<char> = text.chars().collect();
        for (i, &(s, e)) in spans.iter().enumerate() {
            let word: String = chars[s..e].iter().collect();
            #[allow(clippy::cast_possible_truncation)]
            by_key.entry(key(&word)).or_default().push(i as u32);
        }
        Self { spans, by_key }
    }
}

/// The first [`GRAM`] bytes as a number (zero-padded).
fn gram(bytes: &[u8]) -> u64 {
    let mut buffer = [0u8; GRAM];
    let n = bytes.len().min(GRAM);
    buffer[..n].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(buffer)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c)
}

/// Code point spans of the words (runs of letters, digits and combining marks).
fn words(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    let mut count = 0;
    for (i, c) in text.chars().enumerate() {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
        count = i + 1;
    }
    if let Some(s) = start {
        spans.push((s, count));
    }
    spans
}

fn char_slice(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

fn key(word: &str) -> String {
    word.nfc().flat_map(char::to_lowercase).collect()
}

/// The narrow normalisation used to tell formatting-only drift: Unicode NFC, curly
/// and other typographic quote marks to straight ones, every run of whitespace
/// (including non-breaking spaces and newlines) to one space.
///
/// It is never used to accept a quote: an `ok` quote matches code point for code point.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.nfc() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
            continue;
        }
        in_space = false;
        out.push(match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2032}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{2033}' | '«' | '»' => '"',
            other => other,
        });
    }
    out
}

/// A word-level diff from `old` to `new`: `[-removed-]{+added+}`, as `git diff
/// --word-diff` prints it.
pub fn word_diff(old: &str, new: &str) -> String {
    let diff = TextDiff::from_words(old, new);
    let mut out = String::new();
    let mut open: Option<ChangeTag> = None;
    let close = |out: &mut String, tag: Option<ChangeTag>| match tag {
        Some(ChangeTag::Delete) => out.push_str("-]"),
        Some(ChangeTag::Insert) => out.push_str("+}"),
        _ => {}
    };
    for change in diff.iter_all_changes() {
        let tag = change.tag();
        if open != Some(tag) {
            close(&mut out, open);
            match tag {
                ChangeTag::Delete => out.push_str("[-"),
                ChangeTag::Insert => out.push_str("{+"),
                ChangeTag::Equal => {}
            }
            open = Some(tag);
        }
        out.push_str(change.value());
    }
    close(&mut out, open);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> SourceText {
        SourceText::new(s.to_owned())
    }

    #[test]
    fn indexed_search_agrees_with_scanning() {
        let t = text("é abcdefghij xx abcdefghij “abcdefghijk” abcdefghi");
        let mut m = Matcher::new(&t);
        for i in 0..INDEX_AFTER {
            m.find_all(&format!("zzzzzzzzzz-never-{i}"));
        }
        m.exact.clear();
        for q in ["abcdefghij", "abcdefghijk”", "é abcdefgh", "abcdefghi", "x"] {
            assert_eq!(m.find_all(q), t.find_all(q), "{q}");
        }
        assert!(m.grams.is_some());
    }

    #[test]
    fn closest_finds_whitespace_and_quote_mark_drift() {
        let t = text("Intro. The “United  States” boycotted\nround 15 in 2021. Other words.");
        let mut m = Matcher::new(&t);
        let c = m
            .closest("The \"United States\" boycotted round 15", None)
            .expect("close");
        assert_eq!(c.text, "The “United  States” boycotted\nround 15");
        assert_eq!((c.start, c.end), (7, 46));
        assert!(c.formatting_only);
        assert!(c.similarity > 0.85);
    }

    #[test]
    fn closest_finds_a_typo_and_rejects_unrelated_text() {
        let t = text("Round 15 was the fiftenth round of talks held in Astana.");
        let mut m = Matcher::new(&t);
        let c = m.closest("was the fifteenth round", None).expect("close");
        assert_eq!(c.text, "was the fiftenth round");
        assert!(!c.formatting_only);
        assert_eq!(
            word_diff("was the fifteenth round", &c.text),
            "was the [-fifteenth-]{+fiftenth+} round"
        );
        assert_eq!(m.closest("nothing of the kind appears here", None), None);
    }

    #[test]
    fn normalise_is_narrow() {
        assert_eq!(normalise("“a”\u{a0}\n ‘b’ e\u{301}"), "\"a\" 'b' é");
        assert_ne!(normalise("Colour"), normalise("colour"));
    }
}
