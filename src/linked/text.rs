//! Source text for pages: the paragraph around a quote, and a text cut into segments at
//! every quote boundary. Positions are Unicode code points, as `oa:start`/`oa:end` are,
//! so curly quotes and non-breaking spaces land where the graph says.

use crate::quote::SourceText;

/// The code point range of the paragraph(s) holding `[start, end)`: from the first line
/// after a blank line (or the start) to the end of the last non-blank line.
pub fn paragraph_around(text: &SourceText, start: usize, end: usize) -> (usize, usize) {
    let s = text.as_str();
    let byte = |cp: usize| {
        text.slice(0, cp.min(text.len_chars()))
            .map_or(s.len(), str::len)
    };
    let (start_byte, end_byte) = (byte(start), byte(end.max(start)));
    let blank = |line: &str| line.trim().is_empty();
    let mut from = s[..start_byte].rfind('\n').map_or(0, |i| i + 1);
    while from > 0 {
        let previous_start = s[..from - 1].rfind('\n').map_or(0, |i| i + 1);
        if blank(&s[previous_start..from - 1]) {
            break;
        }
        from = previous_start;
    }
    let mut to = s[end_byte..].find('\n').map_or(s.len(), |i| end_byte + i);
    while to < s.len() {
        let next_end = s[to + 1..].find('\n').map_or(s.len(), |i| to + 1 + i);
        if blank(&s[to + 1..next_end]) {
            break;
        }
        to = next_end;
    }
    (text.char_position(from), text.char_position(to))
}

/// A run of text between two quote boundaries, and the spans that cover it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
    /// Indexes (into the spans given) of every span covering this run.
    pub covered_by: Vec<usize>,
}

/// Cuts `[0, len)` at every span boundary; overlapping spans are fine.
pub fn segments(len: usize, spans: &[(usize, usize)]) -> Vec<Segment> {
    let mut cuts: Vec<usize> = vec![0, len];
    for &(s, e) in spans {
        cuts.push(s.min(len));
        cuts.push(e.min(len));
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .filter(|w| w[0] < w[1])
        .map(|w| Segment {
            start: w[0],
            end: w[1],
            covered_by: spans
                .iter()
                .enumerate()
                .filter(|(_, &(s, e))| s <= w[0] && w[1] <= e)
                .map(|(i, _)| i)
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paragraph_is_bounded_by_blank_lines() {
        let t = SourceText::new("Title\n\nFirst “line”\nsecond\u{a0}line\n\nOther".to_owned());
        let start = t.as_str().chars().position(|c| c == '“').unwrap();
        let (from, to) = paragraph_around(&t, start, start + 6);
        assert_eq!(t.slice(from, to), Some("First “line”\nsecond\u{a0}line"));
    }

    #[test]
    fn a_whitespace_only_line_is_blank() {
        let t = SourceText::new("a\n \u{a0}\nquote here\n\nz".to_owned());
        let (from, to) = paragraph_around(&t, 5, 10);
        assert_eq!(t.slice(from, to), Some("quote here"));
    }

    #[test]
    fn segments_cover_everything_once() {
        let s = segments(10, &[(2, 5), (4, 8)]);
        let ranges: Vec<_> = s
            .iter()
            .map(|g| (g.start, g.end, g.covered_by.clone()))
            .collect();
        assert_eq!(
            ranges,
            vec![
                (0, 2, vec![]),
                (2, 4, vec![0]),
                (4, 5, vec![0, 1]),
                (5, 8, vec![1]),
                (8, 10, vec![])
            ]
        );
    }
}
