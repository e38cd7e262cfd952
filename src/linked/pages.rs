//! Whole pages: a fact, a source, an entity, a release or the ontology, the site index
//! and the 404 page, each a pure function from a view to an HTML string.

use super::html::{
    context_block, escape, fact_card, facts_table, history_table, page, statements_table, term,
    Links,
};
use super::{
    segments, DescribedView, EntityView, FactSummary, FactView, Namespaces, Resource, Shown,
    SourceView,
};
use std::fmt::Write as _;

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
    // Whose claim it is and how the quote supports it, when the graph says.
    for local in ["deprecationReason", "voice", "relayedBy", "basis"] {
        let property = format!("{}{local}", crate::vocab::FG);
        for (p, o) in view
            .statements
            .iter()
            .filter(|(p, _)| p.iri.as_deref() == Some(property.as_str()))
        {
            let _ = writeln!(
                body,
                "<dt>{}</dt><dd>{}</dd>",
                escape(&p.text),
                term(&links, o)
            );
        }
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
        if view.more_alternatives {
            let _ = writeln!(
                body,
                "<p class=\"sub\">The first {} by id; more facts have this subject and property.</p>",
                view.alternatives.len()
            );
        }
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
/// The page of an entity: what the graph says about it and the facts naming it.
pub fn entity_page(ns: &Namespaces, id: &str, view: &EntityView) -> String {
    let resource = Resource::Entity(id.to_owned());
    let links = Links::from(ns, &resource);
    let mut body = format!(
        "<h1>{}</h1>\n<p class=\"sub\">Entity <code>{}</code>, named by {}{} fact(s)</p>\n",
        escape(&view.title),
        escape(&ns.compact(&view.iri)),
        if view.more_facts { "more than " } else { "" },
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
    if view.more_facts {
        let _ = writeln!(
            body,
            "<p class=\"sub\">The first {} by IRI; more facts name this entity (query the endpoint for all).</p>",
            view.facts.len()
        );
    }
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
