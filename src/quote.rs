//! Finding quotes in source texts, with positions in Unicode code points.
//!
//! W3C Web Annotation's `TextPositionSelector` counts *characters* (code points), not
//! bytes: the sample article has curly quotes and non-breaking spaces, where the two
//! differ. A [`SourceText`] indexes its text once (the byte offset of every code point),
//! so checking a recorded position is O(length of the quote) however many facts cite the
//! source, and no check re-scans the source unless a quote is not where it says it is.

/// How many code points of context `oa:prefix` / `oa:suffix` carry.
pub const CONTEXT_CHARS: usize = 32;

/// A source's text with a code point index.
#[derive(Debug, Clone)]
pub struct SourceText {
    text: String,
    /// Length in code points.
    chars: usize,
    /// Byte offset of every [`STRIDE`]-th code point (and of the end when it falls on
    /// one); empty for ASCII text, where code points are bytes. A full index (four bytes
    /// a character) held every source of a big project four times over in `check`.
    marks: Vec<u32>,
}

/// Code points between two index marks: finding one walks at most this many.
const STRIDE: usize = 64;

/// Where a quote is, in code points (end exclusive), with its context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuoteMatch {
    /// First code point of the quote.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
    /// Up to [`CONTEXT_CHARS`] code points before the quote.
    pub prefix: String,
    /// Up to [`CONTEXT_CHARS`] code points after the quote.
    pub suffix: String,
}

/// The outcome of looking for a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// At the recorded positions, or, with none recorded, exactly once in the text.
    Found(QuoteMatch),
    /// Positions were recorded but the quote is elsewhere (each occurrence listed).
    Moved(Vec<(usize, usize)>),
    /// No positions recorded and the quote occurs more than once.
    Ambiguous(Vec<(usize, usize)>),
    /// The exact quote is nowhere in the text.
    NotFound,
}

impl SourceText {
    /// Indexes a text.
    ///
    /// # Panics
    /// If the text is 4 GiB or larger (positions are stored as `u32`).
    pub fn new(text: String) -> Self {
        assert!(u32::try_from(text.len()).is_ok(), "source text over 4 GiB");
        if text.is_ascii() {
            return Self {
                chars: text.len(),
                text,
                marks: Vec::new(),
            };
        }
        let mut marks = Vec::new();
        let mut chars = 0;
        for (i, (byte, _)) in text.char_indices().enumerate() {
            if i % STRIDE == 0 {
                #[allow(clippy::cast_possible_truncation)]
                marks.push(byte as u32);
            }
            chars = i + 1;
        }
        if chars % STRIDE == 0 {
            #[allow(clippy::cast_possible_truncation)]
            marks.push(text.len() as u32);
        }
        Self { text, chars, marks }
    }

    /// The byte offset of code point `pos` (`pos <= len_chars()`).
    fn byte_of(&self, pos: usize) -> usize {
        if self.marks.is_empty() {
            return pos;
        }
        let base = self.marks[pos / STRIDE] as usize;
        match pos % STRIDE {
            0 => base,
            rest => self.text[base..]
                .char_indices()
                .nth(rest)
                .map_or(self.text.len(), |(i, _)| base + i),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Length in code points.
    pub fn len_chars(&self) -> usize {
        self.chars
    }

    /// The text between two code point positions, if they are in range.
    pub fn slice(&self, start: usize, end: usize) -> Option<&str> {
        if start > end || end > self.len_chars() {
            return None;
        }
        Some(&self.text[self.byte_of(start)..self.byte_of(end)])
    }

    /// Converts a byte offset (on a char boundary) to a code point position.
    pub fn char_position(&self, byte: usize) -> usize {
        if self.marks.is_empty() {
            return byte;
        }
        // The last mark at or before `byte`; marks[0] is 0.
        let k = self.marks.partition_point(|&b| b as usize <= byte) - 1;
        k * STRIDE + self.text[self.marks[k] as usize..byte].chars().count()
    }

    /// Every occurrence of `quote`, in code points. Overlapping occurrences count.
    pub fn find_all(&self, quote: &str) -> Vec<(usize, usize)> {
        if quote.is_empty() {
            return Vec::new();
        }
        let quote_chars = quote.chars().count();
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(i) = self.text[from..].find(quote) {
            let byte = from + i;
            let start = self.char_position(byte);
            found.push((start, start + quote_chars));
            // Step one code point, not the whole quote, so overlaps are seen.
            from = byte + self.text[byte..].chars().next().map_or(1, char::len_utf8);
        }
        found
    }

    /// The quote at these positions, with its prefix and suffix.
    pub fn match_at(&self, start: usize, end: usize) -> QuoteMatch {
        let before = start.saturating_sub(CONTEXT_CHARS);
        let after = (end + CONTEXT_CHARS).min(self.len_chars());
        QuoteMatch {
            start,
            end,
            prefix: self.slice(before, start).unwrap_or_default().to_owned(),
            suffix: self.slice(end, after).unwrap_or_default().to_owned(),
        }
    }

    /// Looks for `quote`, at `recorded` positions when given.
    pub fn locate(&self, quote: &str, recorded: Option<(usize, usize)>) -> Located {
        if let Some((start, end)) = recorded {
            if self.slice(start, end) == Some(quote) {
                return Located::Found(self.match_at(start, end));
            }
            let all = self.find_all(quote);
            return if all.is_empty() {
                Located::NotFound
            } else {
                Located::Moved(all)
            };
        }
        let all = self.find_all(quote);
        match all.as_slice() {
            [] => Located::NotFound,
            [(start, end)] => Located::Found(self.match_at(*start, *end)),
            _ => Located::Ambiguous(all),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_code_points_not_bytes() {
        let t = SourceText::new("“Astana 22” on\u{a0}Syria".to_owned());
        let all = t.find_all("Syria");
        assert_eq!(all, vec![(15, 20)]);
        assert_eq!(t.slice(15, 20), Some("Syria"));
        assert_eq!(t.len_chars(), 20);
    }

    #[test]
    fn locate_reports_each_outcome() {
        let t = SourceText::new("abc xyz abc".to_owned());
        assert!(
            matches!(t.locate("xyz", None), Located::Found(m) if m.start == 4 && m.end == 7 && m.prefix == "abc " && m.suffix == " abc")
        );
        assert_eq!(
            t.locate("abc", None),
            Located::Ambiguous(vec![(0, 3), (8, 11)])
        );
        assert!(matches!(t.locate("abc", Some((8, 11))), Located::Found(_)));
        assert_eq!(t.locate("xyz", Some((0, 3))), Located::Moved(vec![(4, 7)]));
        assert_eq!(t.locate("nope", None), Located::NotFound);
        assert_eq!(t.locate("nope", Some((0, 4))), Located::NotFound);
    }

    #[test]
    fn the_sparse_index_agrees_with_counting_every_code_point() {
        // Lengths around the stride, mixed widths, and both ends of the text.
        for n in [0, 1, 63, 64, 65, 127, 128, 129, 300] {
            let text: String = (0..n)
                .map(|i| ['a', 'é', '“', '😀'][(i * 7 + i / 13) % 4])
                .collect();
            let t = SourceText::new(text.clone());
            let bytes: Vec<usize> = text
                .char_indices()
                .map(|(b, _)| b)
                .chain([text.len()])
                .collect();
            assert_eq!(t.len_chars(), n);
            for (pos, &byte) in bytes.iter().enumerate() {
                assert_eq!(t.byte_of(pos), byte, "n={n} pos={pos}");
                assert_eq!(t.char_position(byte), pos, "n={n} byte={byte}");
            }
            for start in 0..=n {
                let end = (start + 5).min(n);
                let want: String = text.chars().skip(start).take(end - start).collect();
                assert_eq!(t.slice(start, end), Some(want.as_str()));
            }
            assert_eq!(t.slice(0, n + 1), None);
        }
    }

    #[test]
    fn ascii_text_needs_no_index() {
        let t = SourceText::new("abc xyz".repeat(100));
        assert!(t.marks.is_empty());
        assert_eq!(t.find_all("xyz")[1], (11, 14));
    }

    #[test]
    fn context_is_at_most_32_code_points() {
        let text = format!("{}QUOTE{}", "é".repeat(40), "ü".repeat(40));
        let t = SourceText::new(text);
        let Located::Found(m) = t.locate("QUOTE", None) else {
            panic!("not found")
        };
        assert_eq!(m.prefix.chars().count(), 32);
        assert_eq!(m.suffix.chars().count(), 32);
        assert_eq!((m.start, m.end), (40, 45));
    }
}
