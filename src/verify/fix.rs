//! `verify --fix`: rewriting the positions of moved quotes in place.
//!
//! The facts table is the researchers' file: its quoting style, line endings, column
//! order and every other cell must survive a fix byte for byte. So the table is not
//! re-serialized: each record to fix is found by the byte offset the CSV reader
//! reported for it, its fields are re-scanned in the raw bytes, and only the digits of
//! its `quote_start` and `quote_end` cells are replaced (surrounding quotes and spaces
//! kept).

use std::fmt;

/// New positions for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Byte offset where the record starts.
    pub record_byte: u64,
    /// 1-based line of the record (for messages).
    pub line: u64,
    /// 0-based index of the `quote_start` column.
    pub start_column: usize,
    /// 0-based index of the `quote_end` column.
    pub end_column: usize,
    /// The positions the cells hold now.
    pub old: (usize, usize),
    /// The positions to write.
    pub new: (usize, usize),
}

/// Why a fix could not be applied (the file changed since it was read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixError {
    /// 1-based line of the record.
    pub line: u64,
    /// What did not match.
    pub message: String,
}

impl fmt::Display for FixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for FixError {}

/// Applies edits to the table's bytes; every byte outside the edited cells is kept.
pub fn apply(bytes: &[u8], edits: &[Edit]) -> Result<Vec<u8>, FixError> {
    let mut splices: Vec<(usize, usize, String)> = Vec::new();
    for edit in edits {
        let fail = |message: String| FixError {
            line: edit.line,
            message,
        };
        let offset = usize::try_from(edit.record_byte)
            .ok()
            .filter(|&o| o <= bytes.len())
            .ok_or_else(|| fail("the record is past the end of the file".into()))?;
        // With CRLF line ends the reader reports a record as starting at the `\n` of
        // the previous line's terminator; no record starts with a line break.
        let offset = offset
            + bytes[offset..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        let fields = field_spans(bytes, offset);
        for (column, old, new) in [
            (edit.start_column, edit.old.0, edit.new.0),
            (edit.end_column, edit.old.1, edit.new.1),
        ] {
            let &(from, to) = fields
                .get(column)
                .ok_or_else(|| fail(format!("the record has no column {}", column + 1)))?;
            let cell = &bytes[from..to];
            let digits_from = from + cell.iter().take_while(|b| b.is_ascii_whitespace()).count();
            let digits_to = to
                - cell
                    .iter()
                    .rev()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count();
            let current = std::str::from_utf8(&bytes[digits_from..digits_to.max(digits_from)])
                .ok()
                .and_then(|s| s.parse::<usize>().ok());
            if current != Some(old) {
                return Err(fail(format!(
                    "column {} holds `{}`, not {old}; the file changed since it was read",
                    column + 1,
                    String::from_utf8_lossy(cell)
                )));
            }
            splices.push((digits_from, digits_to, new.to_string()));
        }
    }
    splices.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = bytes.to_vec();
    for (from, to, text) in splices {
        out.splice(from..to, text.into_bytes());
    }
    Ok(out)
}

/// The byte spans of the fields of the record starting at `offset`: the contents,
/// without the surrounding double quotes of a quoted field (RFC 4180: `""` escapes a
/// quote; quoted fields may span lines).
pub fn field_spans(bytes: &[u8], offset: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = offset;
    loop {
        if i >= bytes.len() {
            spans.push((i, i));
            break;
        }
        if bytes[i] == b'"' {
            let from = i + 1;
            let mut j = from;
            loop {
                match bytes[j..].iter().position(|&b| b == b'"') {
                    None => {
                        j = bytes.len();
                        break;
                    }
                    Some(p) => {
                        j += p;
                        if bytes.get(j + 1) == Some(&b'"') {
                            j += 2;
                        } else {
                            break;
                        }
                    }
                }
            }
            spans.push((from, j));
            i = (j + 1).min(bytes.len());
            // Anything between the closing quote and the separator is kept as is.
            while i < bytes.len() && !matches!(bytes[i], b',' | b'\n' | b'\r') {
                i += 1;
            }
        } else {
            let from = i;
            while i < bytes.len() && !matches!(bytes[i], b',' | b'\n' | b'\r') {
                i += 1;
            }
            spans.push((from, i));
        }
        if i < bytes.len() && bytes[i] == b',' {
            i += 1;
            continue;
        }
        break;
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_quoted_records() {
        let b = b"h\r\na,\"b,\"\"c\"\"\nd\",,e\r\nx";
        let spans = field_spans(b, 3);
        let texts: Vec<&[u8]> = spans.iter().map(|&(f, t)| &b[f..t]).collect();
        assert_eq!(
            texts,
            vec![&b"a"[..], b"b,\"\"c\"\"\nd", b"", b"e"],
            "{spans:?}"
        );
        assert_eq!(field_spans(b"a,b,", 0), vec![(0, 1), (2, 3), (4, 4)]);
    }

    #[test]
    fn apply_changes_only_the_digits() {
        let b = b"id,s,e\r\nx,\" 7 \",10\r\ny,1,2\r\n";
        let edit = Edit {
            record_byte: 8,
            line: 2,
            start_column: 1,
            end_column: 2,
            old: (7, 10),
            new: (1234, 1237),
        };
        let out = apply(b, std::slice::from_ref(&edit)).unwrap();
        assert_eq!(out, b"id,s,e\r\nx,\" 1234 \",1237\r\ny,1,2\r\n");
        let stale = Edit {
            old: (8, 10),
            ..edit
        };
        assert!(apply(b, &[stale]).unwrap_err().message.contains("holds"));
    }
}
