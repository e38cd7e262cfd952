//! The building blocks of the HTML pages (see `pages.rs` for whole pages): escaping,
//! relative links, the style sheet, the page skeleton, terms, tables and cards.
//!
//! Plain HTML and one inline style sheet: no external resource, so a page works offline,
//! from `file://` and on any static host. Every piece of text from the graph goes through
//! [`escape`] (a quote or a label containing `<script>` is shown, never run). Links between
//! pages are relative (`../source/x.html`), so the same pages work under `serve`, in a
//! static site at any path, and opened from disk. Accessibility: landmarks (`header`,
//! `nav`, `main`), a skip link, headings in order, tables with header cells, visible
//! keyboard focus, text and highlight colours with a contrast ratio above 7:1.

use super::{Context, FactSummary, HistoryEntry, Namespaces, Resource, Shown};
use std::fmt::Write as _;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// How a page links to others: pages live at `<kind>/<id>.html` (the ontology and the
/// index at the top), so a link is relative to the page's depth.
#[derive(Debug, Clone, Copy)]
pub struct Links<'a> {
    ns: &'a Namespaces,
    depth: usize,
}

impl<'a> Links<'a> {
    /// Links from a page `depth` directories below the top (`fact/x.html`: 1).
    pub fn new(ns: &'a Namespaces, depth: usize) -> Self {
        Self { ns, depth }
    }

    /// Links from the page of `resource`.
    pub fn from(ns: &'a Namespaces, resource: &Resource) -> Self {
        Self::new(ns, usize::from(!matches!(resource, Resource::Ontology)))
    }

    fn up(&self) -> String {
        "../".repeat(self.depth)
    }

    /// The page of a resource.
    pub fn page(&self, resource: &Resource) -> String {
        format!("{}{}.html", self.up(), resource.path())
    }

    /// Where an IRI leads: its page when it has one here (keeping a `#fragment`),
    /// else the IRI itself.
    pub fn href(&self, iri: &str) -> String {
        let Some(resource) = self.ns.resource_of(iri) else {
            return iri.to_owned();
        };
        let own = self.ns.iri(&resource);
        let (document, fragment) = match iri.split_once('#') {
            Some((d, f)) => (d, Some(f)),
            None => (iri, None),
        };
        match (&resource, fragment) {
            (Resource::Ontology, Some(f)) => format!("{}#{f}", self.page(&resource)),
            // A release's files are described under headings of the release's page.
            (Resource::Release(_), _) if document != own.as_str() => {
                let anchor = iri
                    .strip_prefix(own.as_str())
                    .map(|rest| rest.trim_start_matches('/').replace(['/', '#'], "-"))
                    .unwrap_or_default();
                format!("{}#{anchor}", self.page(&resource))
            }
            // The parts of a fact (#quote, #annotation) are on the fact's page.
            _ => self.page(&resource),
        }
    }

    /// The index page.
    pub fn index(&self) -> String {
        format!("{}index.html", self.up())
    }
}

pub(super) const STYLE: &str = r#"
:root { color-scheme: light; --fg: #1b1b1b; --muted: #4a4a4a; --bg: #ffffff; --line: #c9c9c9;
  --link: #0b4fb3; --mark: #ffe58f; --soft: #f4f6f8; --warn: #7a3e00; --warnbg: #fff4e5; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 0 1.25rem; }
header { border-bottom: 1px solid var(--line); padding-top: .75rem; padding-bottom: .75rem; }
header nav a { margin-right: 1rem; }
footer { border-top: 1px solid var(--line); margin-top: 3rem; padding-top: 1rem; padding-bottom: 2rem; color: var(--muted); font-size: .9rem; }
a { color: var(--link); }
a:focus-visible, input:focus-visible, summary:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .25rem .5rem; }
h1 { font-size: 1.6rem; line-height: 1.3; margin: 1.5rem 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.sub { color: var(--muted); margin: 0 0 1rem; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .88rem; }
pre { background: var(--soft); padding: .75rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1.25rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--soft); border-left: 4px solid var(--line); padding: .75rem 1rem; margin: 0; }
mark { background: var(--mark); color: #000; padding: .05em 0; }
mark a { color: #000; }
mark.start { border-left: 2px solid #6b5300; padding-left: 1px; }
.dt, .lang, .curie { color: var(--muted); font-size: .85rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); padding: .35rem .6rem .35rem 0; }
td { overflow-wrap: anywhere; }
td.nowrap, th.nowrap { white-space: nowrap; }
.side { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; }
.card.current { border-width: 2px; border-color: var(--fg); }
.warn { background: var(--warnbg); color: var(--warn); border-left: 4px solid var(--warn); padding: .6rem 1rem; }
.rank { font-weight: 600; }
input[type=search] { font: inherit; padding: .4rem .6rem; width: min(32rem, 100%); border: 1px solid var(--muted); border-radius: 4px; }
ul.list { padding-left: 1.25rem; }
ul.list li { margin: .15rem 0; }
"#;

pub(super) fn page(
    title: &str,
    links: &Links<'_>,
    alternate: Option<&str>,
    iri: Option<&str>,
    body: &str,
) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n",
        escape(title)
    );
    if let Some(alt) = alternate {
        let _ = writeln!(
            out,
            "<link rel=\"alternate\" type=\"text/turtle\" href=\"{}\">",
            escape(alt)
        );
    }
    let _ = write!(
        out,
        "<style>{STYLE}</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n\
<header><nav aria-label=\"Site\"><a href=\"{}\">factgraph</a><a href=\"{}\">Ontology</a></nav></header>\n\
<main id=\"main\">\n{body}</main>\n<footer>",
        escape(&links.index()),
        escape(&links.page(&Resource::Ontology)),
    );
    if let Some(iri) = iri {
        let _ = write!(out, "IRI <code>{}</code>", escape(iri));
    }
    if let Some(alt) = alternate {
        let _ = write!(
            out,
            " · <a href=\"{}\" type=\"text/turtle\">Turtle</a>",
            escape(alt)
        );
    }
    out.push_str("</footer>\n</body>\n</html>\n");
    out
}

/// A term: a link with its label (and the compact IRI), or a literal with its datatype
/// or language.
pub(super) fn term(links: &Links<'_>, shown: &Shown) -> String {
    match &shown.iri {
        Some(iri) => {
            let curie = links.ns.compact(iri);
            let mut s = format!(
                "<a href=\"{}\">{}</a>",
                escape(&links.href(iri)),
                escape(&shown.text)
            );
            if curie != shown.text {
                let _ = write!(s, " <span class=\"curie\">{}</span>", escape(&curie));
            }
            s
        }
        None => {
            let mut s = escape(&shown.text);
            if let Some(dt) = &shown.datatype {
                let _ = write!(s, " <span class=\"dt\">^^{}</span>", escape(dt));
            }
            if let Some(lang) = &shown.language {
                let _ = write!(s, " <span class=\"lang\">@{}</span>", escape(lang));
            }
            s
        }
    }
}

pub(super) fn statements_table(
    links: &Links<'_>,
    caption: &str,
    rows: &[(Shown, Shown)],
) -> String {
    let mut out = format!(
        "<div class=\"table-wrap\"><table>\n<caption class=\"sub\">{}</caption>\n<thead><tr><th scope=\"col\">property</th><th scope=\"col\">value</th></tr></thead>\n<tbody>\n",
        escape(caption)
    );
    for (p, o) in rows {
        let _ = writeln!(
            out,
            "<tr><td class=\"nowrap\">{}</td><td>{}</td></tr>",
            term(links, p),
            term(links, o)
        );
    }
    out.push_str("</tbody></table></div>\n");
    out
}

pub(super) fn claim_words(links: &Links<'_>, claim: &(Shown, Shown, Shown)) -> String {
    format!(
        "{} · {} · {}",
        term_plain(links, &claim.0),
        term_plain(links, &claim.1),
        term_plain(links, &claim.2)
    )
}

/// A term as a bare link (no compact IRI), for claims in lists.
pub(super) fn term_plain(links: &Links<'_>, shown: &Shown) -> String {
    match &shown.iri {
        Some(iri) => format!(
            "<a href=\"{}\">{}</a>",
            escape(&links.href(iri)),
            escape(&shown.text)
        ),
        None => {
            let mut s = escape(&shown.text);
            if let Some(dt) = &shown.datatype {
                let _ = write!(s, " <span class=\"dt\">^^{}</span>", escape(dt));
            }
            s
        }
    }
}

pub(super) fn fact_link(links: &Links<'_>, f: &FactSummary) -> String {
    format!(
        "<a href=\"{}\">{}</a>",
        escape(&links.page(&Resource::Fact(f.id.clone()))),
        escape(&f.id)
    )
}

pub(super) fn fact_card(links: &Links<'_>, f: &FactSummary, current: bool) -> String {
    let mut out = format!(
        "<div class=\"card{}\">\n<p><strong>{}</strong>{}</p>\n<p>{}</p>\n",
        if current { " current" } else { "" },
        fact_link(links, f),
        if current { " (this fact)" } else { "" },
        claim_words(links, &f.claim)
    );
    if let Some(rank) = &f.rank {
        let _ = writeln!(out, "<p class=\"rank\">{}</p>", escape(rank));
    }
    let _ = writeln!(
        out,
        "<blockquote class=\"text\">{}</blockquote>\n</div>",
        escape(&f.quote)
    );
    out
}

/// The quote inside its paragraph, highlighted: the `<mark>` holds exactly the code
/// points `[start, end)` of the source.
pub(super) fn context_block(
    links: &Links<'_>,
    source: &Resource,
    fact_id: &str,
    c: &Context,
) -> String {
    let (before, rest) = split_chars(&c.text, c.start - c.offset);
    let (quote, after) = split_chars(rest, c.end - c.start);
    format!(
        "<blockquote class=\"text\" cite=\"{}\">{}<mark id=\"quote\" data-start=\"{}\" data-end=\"{}\">{}</mark>{}</blockquote>\n",
        escape(&format!("{}#q-{fact_id}", links.page(source))),
        escape(before),
        c.start,
        c.end,
        escape(quote),
        escape(after)
    )
}

pub(super) fn split_chars(s: &str, n: usize) -> (&str, &str) {
    let byte = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    s.split_at(byte)
}

pub(super) fn history_table(history: &[HistoryEntry], shown_hash: Option<&str>) -> String {
    if history.is_empty() {
        return "<p>No release has been published yet.</p>\n".to_owned();
    }
    let mut out = String::from(
        "<div class=\"table-wrap\"><table>\n<thead><tr><th scope=\"col\">release</th><th scope=\"col\">date</th><th scope=\"col\">fact sha256 there</th><th scope=\"col\">compared with this page</th></tr></thead>\n<tbody>\n",
    );
    for h in history {
        let (hash, compared) = match (&h.sha256, shown_hash) {
            (None, _) => ("—".to_owned(), "not in this release"),
            (Some(x), Some(y)) if x == y => (format!("<code>{}</code>", escape(x)), "same content"),
            (Some(x), _) => (format!("<code>{}</code>", escape(x)), "different content"),
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"nowrap\">{}</td><td class=\"nowrap\">{}</td><td>{hash}</td><td>{compared}</td></tr>",
            escape(&h.version),
            escape(&h.issued)
        );
    }
    out.push_str("</tbody></table></div>\n");
    out
}

/// A table of facts (with each one's role when given).
pub(super) fn facts_table(
    links: &Links<'_>,
    roles: Option<&[String]>,
    facts: &[FactSummary],
) -> String {
    let mut out = String::from("<div class=\"table-wrap\"><table>\n<thead><tr>");
    if roles.is_some() {
        out.push_str("<th scope=\"col\">as</th>");
    }
    out.push_str("<th scope=\"col\">fact</th><th scope=\"col\">claim</th><th scope=\"col\">quote</th><th scope=\"col\" class=\"nowrap\">code points</th></tr></thead>\n<tbody>\n");
    for (i, f) in facts.iter().enumerate() {
        out.push_str("<tr>");
        if let Some(roles) = roles {
            let _ = write!(
                out,
                "<td class=\"nowrap\">{}</td>",
                escape(roles.get(i).map_or("", String::as_str))
            );
        }
        let _ = writeln!(
            out,
            "<td class=\"nowrap\">{}</td><td>{}{}</td><td>{}</td><td class=\"nowrap\">{}</td></tr>",
            fact_link(links, f),
            claim_words(links, &f.claim),
            f.rank
                .as_ref()
                .map(|r| format!(" <span class=\"rank\">({})</span>", escape(r)))
                .unwrap_or_default(),
            escape(&f.quote),
            f.position
                .map(|(s, e)| format!("{s}–{e}"))
                .unwrap_or_default()
        );
    }
    out.push_str("</tbody></table></div>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert(\"x\")</script> & 'y'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn context_marks_exact_code_points() {
        let ns = Namespaces::new(
            &crate::project::Minter::new("https://ex.org/").unwrap(),
            Vec::new(),
        );
        let links = Links::new(&ns, 1);
        let text = "He said “ten\u{a0}months” <b>ago</b>.";
        let start = 8; // the curly quote
        let c = Context {
            text: text.to_owned(),
            offset: 100,
            start: 100 + start,
            end: 100 + start + 12,
        };
        let html = context_block(&links, &Resource::Source("s".into()), "f", &c);
        assert!(
            html.contains(
                "<mark id=\"quote\" data-start=\"108\" data-end=\"120\">“ten\u{a0}months”</mark>"
            ),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;ago&lt;/b&gt;"), "{html}");
    }
}
