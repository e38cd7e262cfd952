//! Rendering a [`FactCitation`]: plain text for people, a BibTeX `@misc` entry and a
//! CSL-JSON item, each with the claim, its attribution ("according to X, as reported
//! by Y, in <source>"), basis, rank and deprecation reason.

use super::FactCitation;
use crate::vocab::FG;
use serde_json::json;

/// Every run of whitespace as one space (edges kept), for one-line output.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

impl FactCitation {
    /// The claim in words: `subject predicate object (qualifier: value; ...)`.
    pub fn claim_words(&self) -> String {
        let (s, p, o) = &self.claim;
        let mut words = format!("{} {} {}", s.words(), p.words(), o.words());
        if !self.qualifiers.is_empty() {
            let q = self
                .qualifiers
                .iter()
                .map(|(p, v)| format!("{}: {}", p.words(), v.words()))
                .collect::<Vec<_>>()
                .join("; ");
            words.push_str(&format!(" ({q})"));
        }
        words
    }

    /// Whose claim it is and through whom: "according to Sergey Vershinin, as
    /// reported by TASS, in “Title” (2024-10-10)", or "in the source's own voice, in …".
    pub fn attribution(&self) -> String {
        let mut words = match &self.voice {
            Some(v) if v.value == format!("{FG}SourceVoice") => {
                "in the source's own voice".to_owned()
            }
            Some(v) => format!("according to {}", v.words()),
            None => "according to".to_owned(),
        };
        if let Some(agency) = &self.relayed_by {
            words.push_str(&format!(", as reported by {}", agency.words()));
        }
        let s = &self.source;
        let separator = if self.voice.is_some() { ", in" } else { "" };
        words.push_str(&format!(
            "{separator} “{}”",
            s.title.as_deref().unwrap_or(&s.id)
        ));
        if let Some(d) = &s.issued {
            words.push_str(&format!(" ({})", d.get(..10).unwrap_or(d)));
        }
        words
    }

    /// The rank, and the reason when deprecated: "deprecated rank (inconsistent within
    /// the source)".
    pub fn rank_words(&self) -> String {
        let mut words = self
            .rank
            .as_ref()
            .map_or_else(|| "normal rank".to_owned(), |r| r.words().to_owned());
        if let Some(reason) = &self.deprecation_reason {
            words.push_str(&format!(" ({})", reason.words()));
        }
        words
    }

    /// The basis, with the note for an inference.
    fn basis_words(&self) -> Option<String> {
        self.basis.as_ref().map(|b| b.words().to_owned())
    }

    /// One sentence for notes: "According to X, as reported by Y, in “T”. Basis: …. Rank: …."
    fn provenance_sentence(&self) -> String {
        let attribution = self.attribution();
        let mut first = attribution.chars();
        let mut out: String = first
            .next()
            .map(|c| c.to_uppercase().chain(first).collect())
            .unwrap_or_default();
        out.push('.');
        if let Some(b) = self.basis_words() {
            out.push_str(&format!(" Basis: {b}."));
        }
        out.push_str(&format!(" Rank: {}.", self.rank_words()));
        out
    }

    fn release_words(&self) -> String {
        if self.release.version == "working" {
            match &self.release.published_as {
                Some(release) => format!("working graph, identical to release {release}"),
                None => "working graph (unreleased)".to_owned(),
            }
        } else {
            format!("release {}", self.release.version)
        }
    }

    /// Plain text for people.
    pub fn to_text(&self) -> String {
        let s = &self.source;
        let mut out = String::new();
        let mut line = |k: &str, v: &str| out.push_str(&format!("{k:<16}{v}\n"));
        line("Claim:", &self.claim_words());
        line("Attribution:", &self.attribution());
        if let Some(b) = self.basis_words() {
            line("Basis:", &b);
        }
        line("Rank:", &self.rank_words());
        if let Some(n) = &self.note {
            line("Note:", &one_line(n));
        }
        line("Quote:", &format!("“{}”", one_line(&self.quote)));
        line(
            "In context:",
            &format!(
                "…{}[{}]{}…",
                one_line(&self.prefix),
                one_line(&self.quote),
                one_line(&self.suffix)
            ),
        );
        if let Some((start, end)) = self.position {
            line("Position:", &format!("code points {start}..{end}"));
        }
        let mut source = format!("“{}”", s.title.as_deref().unwrap_or(&s.id));
        if let Some(p) = &s.publisher {
            source.push_str(&format!(", {p}"));
        }
        if let Some(d) = &s.issued {
            source.push_str(&format!(", {d}"));
        }
        if let Some(u) = &s.url {
            source.push_str(&format!(", {u}"));
        }
        line("Source:", &source);
        line("Source sha256:", s.sha256.as_deref().unwrap_or("(unknown)"));
        line(
            "Release:",
            &format!(
                "{}, content hash sha256 {}",
                self.release_words(),
                self.release.content_hash
            ),
        );
        line("Fact:", &format!("{} <{}>", self.fact_id, self.fact_iri));
        if let Some(h) = &self.fact_sha256 {
            line("Fact sha256:", h);
        }
        out
    }

    /// A BibTeX `@misc` entry citing the source, with the fact in its note.
    pub fn to_bibtex(&self) -> String {
        let s = &self.source;
        let key: String = self
            .fact_id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let mut fields: Vec<(&str, String)> = vec![(
            "title",
            format!("{{{}}}", bib(s.title.as_deref().unwrap_or(&s.id))),
        )];
        if let Some(p) = &s.publisher {
            fields.push(("publisher", bib(p)));
            fields.push(("organization", bib(p)));
        }
        if let Some(d) = &s.issued {
            fields.push(("date", d.chars().take(10).collect()));
            fields.push(("year", d.chars().take(4).collect()));
        }
        if let Some(u) = &s.url {
            fields.push(("url", u.clone()));
        }
        fields.push((
            "note",
            format!(
                "Fact {} ({}): {}. {} Quote: ``{}''. Source sha256 {}. {}, content hash sha256 {}",
                bib(&self.fact_id),
                bib(&self.fact_iri),
                bib(&self.claim_words()),
                bib(&self.provenance_sentence()),
                bib(&self.quote),
                s.sha256.as_deref().unwrap_or("unknown"),
                bib(&self.release_words()),
                self.release.content_hash
            ),
        ));
        let mut out = format!("@misc{{{key},\n");
        for (name, value) in fields {
            out.push_str(&format!("  {name} = {{{value}}},\n"));
        }
        out.push_str("}\n");
        out
    }

    /// A CSL-JSON array with one item (the source, with the fact in its note).
    pub fn to_csl_json(&self) -> String {
        let s = &self.source;
        let mut item = serde_json::Map::new();
        item.insert("id".into(), json!(self.fact_id));
        item.insert("type".into(), json!("article-newspaper"));
        item.insert("title".into(), json!(s.title.as_deref().unwrap_or(&s.id)));
        if let Some(p) = &s.publisher {
            item.insert("publisher".into(), json!(p));
            item.insert("container-title".into(), json!(p));
        }
        if let Some(d) = &s.issued {
            let parts: Vec<u32> = d
                .get(..10)
                .unwrap_or(d)
                .split('-')
                .filter_map(|p| p.parse().ok())
                .collect();
            item.insert("issued".into(), json!({ "date-parts": [parts] }));
        }
        if let Some(u) = &s.url {
            item.insert("URL".into(), json!(u));
        }
        item.insert(
            "note".into(),
            json!(format!(
                "Fact {} <{}>: {}. {} Source sha256 {}. {}, content hash sha256 {}.",
                self.fact_id,
                self.fact_iri,
                self.claim_words(),
                self.provenance_sentence(),
                s.sha256.as_deref().unwrap_or("unknown"),
                self.release_words(),
                self.release.content_hash
            )),
        );
        item.insert("quote".into(), json!(self.quote));
        let mut text = serde_json::to_string_pretty(&json!([item])).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Escapes BibTeX's special characters.
fn bib(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        match c {
            '{' | '}' | '%' | '&' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '\\' => out.push_str("\\textbackslash{}"),
            _ => out.push(c),
        }
    }
    out
}
