//! HTML pages for facts, sources, entities, releases, the ontology and a site index:
//! pure functions from views to strings.
//!
//! Plain HTML and one inline style sheet: no external resource, so a page works offline,
//! from `file://` and on any static host. Every piece of text from the graph goes through
//! [`escape`] (a quote or a label containing `<script>` is shown, never run). Links between
//! pages are relative (`../source/x.html`), so the same pages work under `serve`, in a
//! static site at any path, and opened from disk. Accessibility: landmarks (`header`,
//! `nav`, `main`), a skip link, headings in order, tables with header cells, visible
//! keyboard focus, text and highlight colours with a contrast ratio above 7:1.

use super::{
    segments, Context, DescribedView, EntityView, FactSummary, FactView, HistoryEntry, Namespaces,
    Resource, Shown, SourceView,
};
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

const STYLE: &str = r#"
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

fn page(
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
fn term(links: &Links<'_>, shown: &Shown) -> String {
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

fn statements_table(links: &Links<'_>, caption: &str, rows: &[(Shown, Shown)]) -> String {
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

fn claim_words(links: &Links<'_>, claim: &(Shown, Shown, Shown)) -> String {
    format!(
        "{} · {} · {}",
        term_plain(links, &claim.0),
        term_plain(links, &claim.1),
        term_plain(links, &claim.2)
    )
}

/// A term as a bare link (no compact IRI), for claims in lists.
fn term_plain(links: &Links<'_>, shown: &Shown) -> String {
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

fn fact_link(links: &Links<'_>, f: &FactSummary) -> String {
    format!(
        "<a href=\"{}\">{}</a>",
        escape(&links.page(&Resource::Fact(f.id.clone()))),
        escape(&f.id)
    )
}

fn fact_card(links: &Links<'_>, f: &FactSummary, current: bool) -> String {
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
fn context_block(links: &Links<'_>, source: &Resource, fact_id: &str, c: &Context) -> String {
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

fn split_chars(s: &str, n: usize) -> (&str, &str) {
    let byte = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    s.split_at(byte)
}

fn history_table(history: &[HistoryEntry], shown_hash: Option<&str>) -> String {
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

/// The page of a fact.
pub fn fact_page(ns: &Namespaces, view: &FactView) -> String {
    let c = &view.citation;
    let resource = Resource::Fact(c.fact_id.clone());
    let links = Links::from(ns, &resource);
    let source = Resource::Source(c.source.id.clone());
    let fallback = |named: &crate::cite::Named| Shown {
        text: named.words().to_owned(),
        iri: None,
        datatype: None,
        language: None,
    };
    // The claim's terms with their datatypes, from the statements table.
    let find = |p: &str| {
        view.statements
            .iter()
            .find(|(pp, _)| pp.iri.as_deref() == Some(p))
            .map(|(_, o)| o.clone())
    };
    let rdf = crate::vocab::RDF;
    let subject = find(&format!("{rdf}subject")).unwrap_or_else(|| fallback(&c.claim.0));
    let predicate = find(&format!("{rdf}predicate")).unwrap_or_else(|| fallback(&c.claim.1));
    let object = find(&format!("{rdf}object")).unwrap_or_else(|| fallback(&c.claim.2));

    let mut body = format!(
        "<h1>{}</h1>\n<p class=\"sub\">Fact <code>{}</code>, from <a href=\"{}\">{}</a></p>\n",
        escape(&c.claim_words()),
        escape(&c.fact_id),
        escape(&links.page(&source)),
        escape(c.source.title.as_deref().unwrap_or(&c.source.id))
    );
    let deprecated = view
        .rank
        .as_ref()
        .and_then(|r| r.iri.as_deref())
        .is_some_and(|r| r.ends_with("DeprecatedRank"));
    if deprecated {
        let _ = writeln!(
            body,
            "<p class=\"warn\"><strong>Deprecated claim.</strong> It is kept and attributed to its source, but the graph does not assert it.{}</p>",
            view.note
                .as_ref()
                .map(|n| format!(" Reason: {}", escape(n)))
                .unwrap_or_default()
        );
    }
    body.push_str("<h2>Claim</h2>\n<dl class=\"facts\">\n");
    let _ = writeln!(body, "<dt>Subject</dt><dd>{}</dd>", term(&links, &subject));
    let _ = writeln!(
        body,
        "<dt>Property</dt><dd>{}</dd>",
        term(&links, &predicate)
    );
    let _ = writeln!(body, "<dt>Value</dt><dd>{}</dd>", term(&links, &object));
    let qualifiers: std::collections::BTreeSet<&str> =
        c.qualifiers.iter().map(|(p, _)| p.value.as_str()).collect();
    for (p, o) in view
        .statements
        .iter()
        .filter(|(p, _)| p.iri.as_deref().is_some_and(|i| qualifiers.contains(i)))
    {
        let _ = writeln!(
            body,
            "<dt>{}</dt><dd>{}</dd>",
            escape(&p.text),
            term(&links, o)
        );
    }
    if let Some(rank) = &view.rank {
        let _ = writeln!(body, "<dt>Rank</dt><dd>{}</dd>", term(&links, rank));
    }
    if let Some(note) = &view.note {
        let _ = writeln!(body, "<dt>Note</dt><dd>{}</dd>", escape(note));
    }
    body.push_str("</dl>\n");

    body.push_str("<h2>Quote in its source</h2>\n");
    match &view.context {
        Some(context) => {
            body.push_str(&context_block(&links, &source, &c.fact_id, context));
            let _ = writeln!(
                body,
                "<p class=\"sub\">Code points {}–{} of the source text (end exclusive). <a href=\"{}#q-{}\">See it in the whole article</a>.</p>",
                context.start,
                context.end,
                escape(&links.page(&source)),
                escape(&c.fact_id)
            );
        }
        None => {
            let _ = writeln!(
                body,
                "<blockquote class=\"text\">…{}<mark id=\"quote\">{}</mark>{}…</blockquote>\n<p class=\"sub\">The source text is not available here; shown with the context the graph records ({}).</p>",
                escape(&c.prefix),
                escape(&c.quote),
                escape(&c.suffix),
                c.position
                    .map(|(s, e)| format!("code points {s}–{e}"))
                    .unwrap_or_else(|| "no positions".into())
            );
        }
    }

    body.push_str("<h2>Source</h2>\n<dl class=\"facts\">\n");
    let s = &c.source;
    let _ = writeln!(
        body,
        "<dt>Title</dt><dd><a href=\"{}\">{}</a></dd>",
        escape(&links.page(&source)),
        escape(s.title.as_deref().unwrap_or(&s.id))
    );
    if let Some(d) = &s.issued {
        let _ = writeln!(body, "<dt>Published</dt><dd>{}</dd>", escape(d));
    }
    if let Some(p) = &s.publisher {
        let _ = writeln!(body, "<dt>Publisher</dt><dd>{}</dd>", escape(p));
    }
    if let Some(u) = &s.url {
        let _ = writeln!(
            body,
            "<dt>URL</dt><dd><a href=\"{}\">{}</a></dd>",
            escape(u),
            escape(u)
        );
    }
    if let Some(f) = &view.source_file {
        let _ = writeln!(body, "<dt>File</dt><dd><code>{}</code></dd>", escape(f));
    }
    let _ = writeln!(
        body,
        "<dt>sha256</dt><dd><code>{}</code></dd>\n</dl>",
        escape(s.sha256.as_deref().unwrap_or("unknown"))
    );

    body.push_str("<h2>Cite this fact</h2>\n");
    let _ = writeln!(
        body,
        "<h3>Text</h3>\n<pre>{}</pre>\n<h3>BibTeX</h3>\n<pre>{}</pre>\n<h3>CSL-JSON</h3>\n<pre>{}</pre>",
        escape(&c.to_text()),
        escape(&c.to_bibtex()),
        escape(&c.to_csl_json())
    );

    body.push_str("<h2>Fact hash</h2>\n");
    let _ = writeln!(
        body,
        "<p><code>{}</code></p>\n<p class=\"sub\">The sha256 of the sorted N-Triples lines of the fact's own triples (the fact node and its <code>#annotation</code>, <code>#target</code>, <code>#quote</code> and <code>#position</code> nodes, without this hash).</p>",
        escape(c.fact_sha256.as_deref().unwrap_or("unknown"))
    );

    body.push_str("<h2>History</h2>\n");
    body.push_str(&history_table(&view.history, c.fact_sha256.as_deref()));

    if !view.alternatives.is_empty() {
        body.push_str(
            "<h2>Other claims with the same subject and property</h2>\n<div class=\"side\">\n",
        );
        let this = FactSummary {
            id: c.fact_id.clone(),
            iri: c.fact_iri.clone(),
            claim: (subject.clone(), predicate.clone(), object.clone()),
            rank: view
                .rank
                .as_ref()
                .filter(|r| !r.iri.as_deref().is_some_and(|i| i.ends_with("NormalRank")))
                .map(|r| r.text.clone()),
            quote: c.quote.clone(),
            position: None,
        };
        body.push_str(&fact_card(&links, &this, true));
        for alt in &view.alternatives {
            body.push_str(&fact_card(&links, alt, false));
        }
        body.push_str("</div>\n");
    }

    body.push_str("<h2>All statements</h2>\n");
    body.push_str(&statements_table(
        &links,
        "Every triple whose subject is this fact",
        &view.statements,
    ));
    let alternate = format!("{}.ttl", c.fact_id);
    page(
        &format!("{} — fact {}", c.claim_words(), c.fact_id),
        &links,
        Some(&alternate),
        Some(&c.fact_iri),
        &body,
    )
}

/// The page of a source: its whole text with every cited quote highlighted and linked.
pub fn source_page(ns: &Namespaces, view: &SourceView) -> String {
    let resource = Resource::Source(view.id.clone());
    let links = Links::from(ns, &resource);
    let s = &view.info;
    let title = s.title.clone().unwrap_or_else(|| view.id.clone());
    let mut body = format!(
        "<h1>{}</h1>\n<p class=\"sub\">Source <code>{}</code>, {} fact(s)</p>\n<dl class=\"facts\">\n",
        escape(&title),
        escape(&view.id),
        view.facts.len()
    );
    if let Some(d) = &s.issued {
        let _ = writeln!(body, "<dt>Published</dt><dd>{}</dd>", escape(d));
    }
    if let Some(p) = &s.publisher {
        let _ = writeln!(body, "<dt>Publisher</dt><dd>{}</dd>", escape(p));
    }
    if let Some(u) = &s.url {
        let _ = writeln!(
            body,
            "<dt>URL</dt><dd><a href=\"{}\">{}</a></dd>",
            escape(u),
            escape(u)
        );
    }
    if let Some(f) = &view.file {
        let _ = writeln!(body, "<dt>File</dt><dd><code>{}</code></dd>", escape(f));
    }
    let _ = writeln!(
        body,
        "<dt>sha256</dt><dd><code>{}</code></dd>\n</dl>",
        escape(s.sha256.as_deref().unwrap_or("unknown"))
    );

    if !view.conflicts.is_empty() {
        body.push_str("<h2>Competing claims</h2>\n<p class=\"sub\">Facts with the same subject and property but different values, ranked by the researcher or on a functional property.</p>\n");
        for group in &view.conflicts {
            body.push_str("<div class=\"side\">\n");
            for f in group {
                body.push_str(&fact_card(&links, f, false));
            }
            body.push_str("</div>\n");
        }
    }

    body.push_str("<h2>Text</h2>\n");
    match &view.text {
        Some(text) => {
            let spans: Vec<(usize, usize)> = view
                .facts
                .iter()
                .map(|f| f.position.unwrap_or((0, 0)))
                .collect();
            let mut started = vec![false; spans.len()];
            body.push_str("<article class=\"text\" aria-label=\"Source text with cited quotes highlighted\">");
            for seg in segments(text.len_chars(), &spans) {
                let words = escape(text.slice(seg.start, seg.end).unwrap_or_default());
                // Anchors for quotes starting here, so a fact page can link to its place.
                for &i in &seg.covered_by {
                    if !started[i] && spans[i].0 == seg.start {
                        started[i] = true;
                        let _ = write!(body, "<span id=\"q-{}\"></span>", escape(&view.facts[i].id));
                    }
                }
                // The innermost quote covering a run is the one its link leads to.
                match seg
                    .covered_by
                    .iter()
                    .min_by_key(|&&i| (spans[i].1 - spans[i].0, i))
                {
                    None => body.push_str(&words),
                    Some(&i) => {
                        let ids: Vec<&str> =
                            seg.covered_by.iter().map(|&j| view.facts[j].id.as_str()).collect();
                        // A thin rule where a quote starts, so adjacent quotes stay apart.
                        let starts = seg.covered_by.iter().any(|&j| spans[j].0 == seg.start);
                        let _ = write!(
                            body,
                            "<mark{} data-facts=\"{}\"><a href=\"{}\" title=\"{}\">{words}</a></mark>",
                            if starts { " class=\"start\"" } else { "" },
                            escape(&ids.join(" ")),
                            escape(&links.page(&Resource::Fact(view.facts[i].id.clone()))),
                            escape(&format!("fact {}", ids.join(", ")))
                        );
                    }
                }
            }
            body.push_str("</article>\n");
        }
        None => body.push_str(
            "<p>The source text is not available here (or does not match its recorded sha256); its quotes are listed below.</p>\n",
        ),
    }

    body.push_str("<h2>Facts from this source</h2>\n");
    body.push_str(&facts_table(&links, None, &view.facts));
    body.push_str("<h2>All statements</h2>\n");
    body.push_str(&statements_table(
        &links,
        "Every triple whose subject is this source",
        &view.statements,
    ));
    let alternate = format!("{}.ttl", view.id);
    page(&title, &links, Some(&alternate), Some(&view.iri), &body)
}

fn facts_table(links: &Links<'_>, roles: Option<&[String]>, facts: &[FactSummary]) -> String {
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

/// The page of an entity: what the graph says about it and the facts naming it.
pub fn entity_page(ns: &Namespaces, id: &str, view: &EntityView) -> String {
    let resource = Resource::Entity(id.to_owned());
    let links = Links::from(ns, &resource);
    let mut body = format!(
        "<h1>{}</h1>\n<p class=\"sub\">Entity <code>{}</code>, named by {} fact(s)</p>\n",
        escape(&view.title),
        escape(&ns.compact(&view.iri)),
        view.facts.len()
    );
    body.push_str("<h2>Description</h2>\n");
    body.push_str(&statements_table(
        &links,
        "Every triple whose subject is this entity",
        &view.statements,
    ));
    body.push_str("<h2>Facts naming it</h2>\n");
    let roles: Vec<String> = view.facts.iter().map(|(r, _)| r.clone()).collect();
    let facts: Vec<FactSummary> = view.facts.iter().map(|(_, f)| f.clone()).collect();
    body.push_str(&facts_table(&links, Some(&roles), &facts));
    let alternate = format!("{id}.ttl");
    page(
        &view.title,
        &links,
        Some(&alternate),
        Some(&view.iri),
        &body,
    )
}

/// The page of a release or of the ontology: each described node under its heading.
pub fn described_page(ns: &Namespaces, resource: &Resource, view: &DescribedView) -> String {
    let links = Links::from(ns, resource);
    let mut body = format!("<h1>{}</h1>\n", escape(&view.title));
    for super::Part {
        subject,
        anchor,
        statements: rows,
    } in &view.parts
    {
        match anchor {
            Some(a) => {
                let _ = writeln!(
                    body,
                    "<h2 id=\"{}\"><code>{}</code></h2>",
                    escape(a),
                    escape(&ns.compact(subject))
                );
            }
            None => {
                let _ = writeln!(
                    body,
                    "<h2><code>{}</code></h2>",
                    escape(&ns.compact(subject))
                );
            }
        }
        body.push_str(&statements_table(&links, "", rows));
    }
    let alternate = match resource {
        Resource::Ontology => "ontology.ttl".to_owned(),
        other => format!(
            "{}.ttl",
            other.path().rsplit('/').next().unwrap_or_default()
        ),
    };
    page(
        &view.title,
        &links,
        Some(&alternate),
        Some(&view.iri),
        &body,
    )
}

/// One entry of a site index.
#[derive(Debug, Clone)]
pub struct IndexEntry {
    /// The resource.
    pub resource: Resource,
    /// What the list shows (a claim, a title, a label).
    pub label: String,
}

/// Filters the index lists by every word typed; reads text only (no `innerHTML`), so
/// the data cannot inject markup. `index.html?q=words` opens with the lists filtered.
const SEARCH_SCRIPT: &str = r#"<script>
(function () {
  var box = document.getElementById('q');
  var shown = document.getElementById('shown');
  var items = Array.prototype.slice.call(document.querySelectorAll('li[data-search]'));
  function filter() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var n = 0;
    items.forEach(function (li) {
      var hit = words.every(function (w) { return li.getAttribute('data-search').indexOf(w) >= 0; });
      li.hidden = !hit;
      if (hit) { n += 1; }
    });
    shown.textContent = words.length ? n + ' match(es)' : '';
  }
  box.addEventListener('input', filter);
  var q = new URLSearchParams(window.location.search).get('q');
  if (q) { box.value = q; filter(); }
})();
</script>
"#;

/// The site's front page: every fact, source, entity and release, with a search box
/// that filters the lists in the browser (no server needed).
pub fn index_page(ns: &Namespaces, title: &str, entries: &[IndexEntry]) -> String {
    let links = Links::new(ns, 0);
    let mut body = format!(
        "<h1>{}</h1>\n<form role=\"search\" onsubmit=\"return false\"><label for=\"q\">Search fact ids and labels</label><br>\n<input type=\"search\" id=\"q\" autocomplete=\"off\" placeholder=\"e.g. astana-021 or Turkey\"> <span id=\"shown\" aria-live=\"polite\"></span></form>\n",
        escape(title)
    );
    let sections = [
        ("Facts", "fact"),
        ("Sources", "source"),
        ("Entities", "entity"),
        ("Releases", "release"),
    ];
    for (heading, kind) in sections {
        let items: Vec<&IndexEntry> = entries
            .iter()
            .filter(|e| e.resource.path().starts_with(&format!("{kind}/")))
            .collect();
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(
            body,
            "<h2>{heading} ({})</h2>\n<ul class=\"list\">",
            items.len()
        );
        for e in items {
            let id = e
                .resource
                .path()
                .split_once('/')
                .map(|(_, id)| id.to_owned())
                .unwrap_or_default();
            let _ = writeln!(
                body,
                "<li data-search=\"{}\"><a href=\"{}\"><code>{}</code></a> {}</li>",
                escape(&format!("{id} {}", e.label).to_lowercase()),
                escape(&links.page(&e.resource)),
                escape(&id),
                escape(&e.label)
            );
        }
        body.push_str("</ul>\n");
    }
    let _ = writeln!(
        body,
        "<p><a href=\"{}\">The ontology</a></p>",
        escape(&links.page(&Resource::Ontology))
    );
    body.push_str(SEARCH_SCRIPT);
    page(title, &links, None, None, &body)
}

/// The page for an unknown id (404).
pub fn not_found_page(ns: &Namespaces, path: &str) -> String {
    let links = Links::new(ns, 0);
    let body = format!(
        "<h1>Not found</h1>\n<p>Nothing in this graph has the path <code>{}</code>.</p>\n",
        escape(path)
    );
    page("Not found", &links, None, None, &body)
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
            &crate::graph::Minter::new("https://ex.org/").unwrap(),
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
