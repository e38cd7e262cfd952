//! A fast path for reading the canonical N-Quads lines that factgraph writes.
//!
//! `verify` reads every line of a release's `graph.nq`, which holds tens of millions of
//! lines at a million facts; running the general N-Quads parser (oxttl) on each, with
//! its allocations, was most of the cost. Nearly every line has one shape:
//!
//! ```text
//! <iri> <iri> <iri> .
//! <iri> <iri> "literal" .            (also "…"^^<iri> and "…"@lang, and an optional <graph>)
//! ```
//!
//! with single spaces, which [`recognize`] reads without allocating (except to undo
//! escapes or lowercase a tag).
//!
//! # Architecture Invariant
//! [`recognize`] accepts only lines that oxttl's N-Quads parser accepts as exactly one
//! quad, and reads the same terms from them; it refuses (`None`) anything else, even
//! valid N-Quads it does not handle (blank nodes, comments, other spacing, `\u` escapes
//! in IRIs). Callers hand every refused line to oxttl, so verdicts and messages are
//! oxttl's whatever the input: a hostile file gains nothing from the fast path. IRIs
//! are checked with oxiri (through `NamedNodeRef::new`, as oxttl does) and language
//! tags with oxilangtag (through oxrdf); each distinct IRI is checked once while it
//! stays in a small cache.

use crate::vocab::{RDF, XSD};
use oxigraph::model::{NamedNodeRef, NamedOrBlankNode, Quad, Term};
use std::borrow::Cow;

/// The object of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Object<'a> {
    /// An IRI, without its `<>`.
    Iri(Cow<'a, str>),
    /// A literal: its lexical value (escapes undone), its datatype unless it is
    /// `xsd:string` or the literal has a language, and its language (lowercase).
    Literal {
        value: Cow<'a, str>,
        datatype: Option<Cow<'a, str>>,
        language: Option<Cow<'a, str>>,
    },
    /// Anything else (a blank node), written as N-Triples.
    Other(String),
}

impl Object<'_> {
    /// An IRI's text, a literal's lexical value, else the N-Triples form.
    pub(super) fn value(&self) -> &str {
        match self {
            Object::Iri(iri) => iri,
            Object::Literal { value, .. } => value,
            Object::Other(text) => text,
        }
    }

    /// A literal's datatype IRI (`rdf:langString` for a language-tagged one).
    pub(super) fn datatype(&self) -> Option<Cow<'_, str>> {
        match self {
            Object::Literal {
                language: Some(_), ..
            } => Some(Cow::Owned(format!("{RDF}langString"))),
            Object::Literal { datatype, .. } => Some(
                datatype
                    .as_deref()
                    .map_or(Cow::Owned(format!("{XSD}string")), Cow::Borrowed),
            ),
            _ => None,
        }
    }
}

/// One line read as a triple (its graph name, if any, is left out: no check uses it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Triple<'a> {
    /// The subject IRI; `None` for a blank node.
    pub(super) subject: Option<Cow<'a, str>>,
    pub(super) predicate: Cow<'a, str>,
    pub(super) object: Object<'a>,
}

impl Triple<'_> {
    /// Whether the subject is the IRI `iri`.
    pub(super) fn is_about(&self, iri: &str) -> bool {
        self.subject.as_deref() == Some(iri)
    }

    /// The same triple as a parsed quad.
    pub(super) fn from_quad(quad: Quad) -> Triple<'static> {
        let subject = match quad.subject {
            NamedOrBlankNode::NamedNode(n) => Some(Cow::Owned(n.into_string())),
            NamedOrBlankNode::BlankNode(_) => None,
        };
        let object = match quad.object {
            Term::NamedNode(n) => Object::Iri(Cow::Owned(n.into_string())),
            Term::Literal(l) => Object::Literal {
                value: Cow::Owned(l.value().to_owned()),
                datatype: (l.language().is_none()
                    && l.datatype().as_str() != format!("{XSD}string"))
                .then(|| Cow::Owned(l.datatype().as_str().to_owned())),
                language: l.language().map(|t| Cow::Owned(t.to_owned())),
            },
            #[allow(unreachable_patterns)]
            other => Object::Other(other.to_string()),
        };
        Triple {
            subject,
            predicate: Cow::Owned(quad.predicate.into_string()),
            object,
        }
    }
}

/// IRIs and language tags already found valid, so that a repeated one (predicates,
/// classes, entities, the subject of the previous line) is checked once.
pub(super) struct Checked {
    /// Direct-mapped by a hash of the IRI: a slot holds the last valid IRI seen there.
    iris: Vec<Option<Box<str>>>,
    languages: Vec<Box<str>>,
}

impl Default for Checked {
    fn default() -> Self {
        Self {
            iris: vec![None; 1 << 12],
            languages: Vec::new(),
        }
    }
}

impl Checked {
    fn iri(&mut self, iri: &str) -> bool {
        // IRIs that share a long prefix differ at their end: hash the length and the
        // last 16 bytes.
        let bytes = iri.as_bytes();
        let mut tail = [0u8; 16];
        let n = bytes.len().min(16);
        tail[16 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
        let (a, b) = tail.split_at(8);
        let word = |w: &[u8]| u64::from_le_bytes(w.try_into().unwrap_or_default());
        let hash = (word(a) ^ (bytes.len() as u64).rotate_left(32))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ word(b).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
        let hash = hash ^ (hash >> 29);
        let slot = (hash as usize) & (self.iris.len() - 1);
        if self.iris[slot].as_deref() == Some(iri) {
            return true;
        }
        let valid = is_iri_text(iri) && NamedNodeRef::new(iri).is_ok();
        if valid {
            self.iris[slot] = Some(iri.into());
        }
        valid
    }

    fn language(&mut self, tag: &str) -> bool {
        if self.languages.iter().any(|l| &**l == tag) {
            return true;
        }
        let valid = oxigraph::model::Literal::new_language_tagged_literal("", tag).is_ok();
        if valid && self.languages.len() < 64 {
            self.languages.push(tag.into());
        }
        valid
    }
}

/// The characters the N-Triples `IRIREF` rule allows without an escape (oxiri checks
/// the rest); `\` is refused too: escapes are left to oxttl.
fn is_iri_text(iri: &str) -> bool {
    !iri.is_empty()
        && !iri.bytes().any(|b| {
            b <= b' '
                || matches!(
                    b,
                    b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' | b'\\'
                )
        })
}

/// Reads a line (without its newline) of the canonical shape, else `None` (see the
/// module doc: `None` says nothing about validity).
pub(super) fn recognize<'a>(line: &'a str, checked: &mut Checked) -> Option<Triple<'a>> {
    let body = line.strip_suffix(" .")?;
    let (subject, rest) = iri(body, checked)?;
    let rest = rest.strip_prefix(' ')?;
    let (predicate, rest) = iri(rest, checked)?;
    let rest = rest.strip_prefix(' ')?;
    let (object, rest) = if rest.starts_with('<') {
        let (o, rest) = iri(rest, checked)?;
        (Object::Iri(Cow::Borrowed(o)), rest)
    } else {
        literal(rest, checked)?
    };
    // An optional graph name, then nothing.
    if !rest.is_empty() {
        let (_, rest) = iri(rest.strip_prefix(' ')?, checked)?;
        if !rest.is_empty() {
            return None;
        }
    }
    Some(Triple {
        subject: Some(Cow::Borrowed(subject)),
        predicate: Cow::Borrowed(predicate),
        object,
    })
}

/// `<iri>` at the start of `text`: the IRI and what follows it.
fn iri<'a>(text: &'a str, checked: &mut Checked) -> Option<(&'a str, &'a str)> {
    let inner = text.strip_prefix('<')?;
    let end = inner.find('>')?;
    let iri = &inner[..end];
    checked.iri(iri).then(|| (iri, &inner[end + 1..]))
}

/// `"…"`, `"…"^^<iri>` or `"…"@lang` at the start of `text`.
fn literal<'a>(text: &'a str, checked: &mut Checked) -> Option<(Object<'a>, &'a str)> {
    let inner = text.strip_prefix('"')?;
    let bytes = inner.as_bytes();
    let mut end = 0;
    let mut escaped = false;
    loop {
        match *bytes.get(end)? {
            b'"' => break,
            b'\n' | b'\r' => return None,
            b'\\' => {
                escaped = true;
                // The escaped character (any byte but the end of the text) is skipped;
                // `unescape` checks it.
                end += 2;
            }
            _ => end += 1,
        }
    }
    let raw = inner.get(..end)?;
    let value = if escaped {
        Cow::Owned(unescape(raw)?)
    } else {
        Cow::Borrowed(raw)
    };
    let rest = &inner[end + 1..];
    if let Some(typed) = rest.strip_prefix("^^") {
        let (datatype, rest) = iri(typed, checked)?;
        // oxttl refuses rdf:langString without a tag; leave such lines to it.
        if datatype
            .strip_prefix(RDF)
            .is_some_and(|local| matches!(local, "langString" | "dirLangString"))
        {
            return None;
        }
        let datatype =
            (datatype.strip_prefix(XSD) != Some("string")).then_some(Cow::Borrowed(datatype));
        return Some((
            Object::Literal {
                value,
                datatype,
                language: None,
            },
            rest,
        ));
    }
    if let Some(tagged) = rest.strip_prefix('@') {
        let end = tagged.find(' ').unwrap_or(tagged.len());
        let tag = &tagged[..end];
        // `[a-z]+(-[a-z0-9]+)*`: oxttl's LANGTAG rule, lowercase only (oxttl lowercases).
        let mut blocks = tag.split('-');
        let first_ok = blocks
            .next()
            .is_some_and(|b| !b.is_empty() && b.bytes().all(|c| c.is_ascii_lowercase()));
        let rest_ok = blocks.all(|b| {
            !b.is_empty()
                && b.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
        if !(first_ok && rest_ok && checked.language(tag)) {
            return None;
        }
        return Some((
            Object::Literal {
                value,
                datatype: None,
                language: Some(Cow::Borrowed(tag)),
            },
            &tagged[end..],
        ));
    }
    Some((
        Object::Literal {
            value,
            datatype: None,
            language: None,
        },
        rest,
    ))
}

/// Undoes the escapes N-Triples allows in a string (`ECHAR`, `\uXXXX`, `\UXXXXXXXX`);
/// `None` for any other escape or a code point that is not a character.
pub(super) fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            't' => out.push('\t'),
            'b' => out.push('\u{8}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            'f' => out.push('\u{c}'),
            c @ ('"' | '\'' | '\\') => out.push(c),
            u @ ('u' | 'U') => {
                let n = if u == 'u' { 4 } else { 8 };
                let mut code = 0u32;
                for _ in 0..n {
                    code = code * 16 + chars.next()?.to_digit(16)?;
                }
                out.push(char::from_u32(code)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Reads the lines of a group (without their newlines): by [`recognize`] when every
/// line has the canonical shape, else by oxttl over the whole group, which leaves out
/// what does not parse (exactly as [`crate::release::groups::parse`] always did: a
/// broken line can swallow part of the next, so the fallback is not per line).
pub(super) fn read_group<'a, S: AsRef<str>>(
    lines: &'a [S],
    checked: &mut Checked,
) -> Vec<Triple<'a>> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        match recognize(line.as_ref(), checked) {
            Some(t) => out.push(t),
            None => {
                let owned: Vec<String> = lines.iter().map(|l| l.as_ref().to_owned()).collect();
                return crate::release::groups::parse(&owned)
                    .into_iter()
                    .map(Triple::from_quad)
                    .collect();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::io::{RdfFormat, RdfParser};

    /// What oxttl makes of one line: its only quad, if the line is exactly one.
    fn oxttl(line: &str) -> Option<Triple<'static>> {
        let mut quads = RdfParser::from_format(RdfFormat::NQuads).for_slice(line.as_bytes());
        match (quads.next(), quads.next()) {
            (Some(Ok(q)), None) => Some(Triple::from_quad(q)),
            _ => None,
        }
    }

    /// Every line the fast path reads, oxttl reads alike; what it refuses is left to
    /// oxttl (and some of it is valid).
    #[test]
    fn agrees_with_oxttl_and_refuses_what_it_does_not_know() {
        let cases = [
            (
                r#"<http://a.example/s> <http://a.example/p> <http://a.example/o> ."#,
                true,
            ),
            (r#"<http://a.example/s> <http://a.example/p> "x" ."#, true),
            (
                r#"<http://a.example/s> <http://a.example/p> "x" <http://a.example/g> ."#,
                true,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "x"@en-gb ."#,
                true,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "5"^^<http://www.w3.org/2001/XMLSchema#integer> ."#,
                true,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "x"^^<http://www.w3.org/2001/XMLSchema#string> ."#,
                true,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "a\"b\\c\n\t\u00e9\U0001F600 — é" ."#,
                true,
            ),
            // Valid, but not the canonical shape: left to oxttl.
            (r#"<http://a.example/s> <http://a.example/p> _:b ."#, false),
            (
                r#"<http://a.example/s>  <http://a.example/p> <http://a.example/o> ."#,
                false,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> <http://a.example/o>."#,
                false,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "x"@EN ."#,
                false,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> <http://a.example/o> . # c"#,
                false,
            ),
            (
                r#"<http://a.example/\u0073> <http://a.example/p> <http://a.example/o> ."#,
                false,
            ),
            // Invalid: refused.
            (r#"<s> <http://a.example/p> <http://a.example/o> ."#, false),
            (
                r#"<http://a.example/s> <http://a.example/p> <http://a.example/o o> ."#,
                false,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> <http://[::1/o> ."#,
                false,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "x\q" ."#,
                false,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "x\uD800" ."#,
                false,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "x\u00" ."#,
                false,
            ),
            (r#"<http://a.example/s> <http://a.example/p> "x\" ."#, false),
            (
                r#"<http://a.example/s> <http://a.example/p> "x"@1a ."#,
                false,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "x"@en- ."#,
                false,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "x"@en--ltr ."#,
                false,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "x"@abcdefghi ."#,
                false,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "x"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#langString> ."#,
                false,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "x" <http://a.example/g> <http://a.example/h> ."#,
                false,
            ),
            (
                r#"<http://a.example/s> <http://a.example/p> "x" . <http://a.example/s> <http://a.example/p> "y" ."#,
                false,
            ),
            (r#"<http://a.example/s> <http://a.example/p> "x ."#, false),
            ("<http://a.example/s> <http://a.example/p> \"x\r\" .", false),
            (r#"<http://a.example/s> <http://a.example/p> ."#, false),
            ("", false),
        ];
        let mut checked = Checked::default();
        for (line, fast) in cases {
            // Twice: the second time the IRIs come from the cache.
            for _ in 0..2 {
                let got = recognize(line, &mut checked);
                assert_eq!(got.is_some(), fast, "{line}");
                if let Some(got) = got {
                    assert_eq!(Some(got), oxttl(&format!("{line}\n")), "{line}");
                }
            }
        }
    }

    /// A repeated IRI is found valid from the cache only if it was valid: a bad IRI in
    /// a position where a good one stood before is still refused.
    #[test]
    fn the_cache_remembers_only_valid_iris() {
        let mut checked = Checked::default();
        let good = r#"<http://a.example/s> <http://a.example/p> <http://a.example/o> ."#;
        let bad = r#"<http://a.example/s> <http://a.example/p> <http://a.example/%zz> ."#;
        assert!(recognize(good, &mut checked).is_some());
        assert!(recognize(bad, &mut checked).is_none());
        assert!(recognize(bad, &mut checked).is_none());
        assert!(oxttl(bad).is_none());
    }
}
