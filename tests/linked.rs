//! Dereferenceable IRIs over HTTP (`serve`), the static site (`site`), and
//! `annotations.jsonld`: HTML and RDF answers, 404s, escaping, and highlighted quotes
//! that are exactly the source text at their code point positions.

use crate::support::{Project, MINI_TEXT};
use factgraph::serve::{self, Limits, Running, Serving};
use factgraph::Config;
use sophia_api::source::TripleSource;
use sophia_api::term::{SimpleTerm, Term};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

fn start(project: &Project, serving: Serving) -> Running {
    let config = Config::new(project.dir.path(), factgraph::project::DEFAULT_BASE_IRI).unwrap();
    let dataset = serve::open(&config, &serving).unwrap();
    let service = serve::Service::new(dataset, Limits::default()).unwrap();
    serve::start(
        service,
        SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
        8,
    )
    .unwrap()
}

struct Reply {
    status: u16,
    content_type: String,
    location: Option<String>,
    vary: Option<String>,
    body: String,
}

/// One request, redirects not followed (oxhttp's client treats a `Location` as a
/// redirect to follow, so the 303 is read off a plain socket).
fn get(server: &Running, path: &str, accept: &str) -> Reply {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept: {accept}\r\nConnection: close\r\n\r\n",
        server.addr()
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert!(
        header("transfer-encoding").is_none(),
        "answers are buffered, with a Content-Length"
    );
    Reply {
        status,
        content_type: header("content-type").unwrap_or_default(),
        location: header("location"),
        vary: header("vary"),
        body: body.to_owned(),
    }
}

/// A thing's IRI answers 303 to its document in the negotiated format; the document
/// answers 200.
fn dereference(server: &Running, path: &str, accept: &str, extension: &str) -> Reply {
    let first = get(server, path, accept);
    assert_eq!(first.status, 303, "{path} ({accept}): {}", first.body);
    assert_eq!(first.vary.as_deref(), Some("Accept"));
    let location = first.location.expect("a Location");
    let name = path.rsplit('/').next().unwrap();
    assert_eq!(location, format!("{name}.{extension}"));
    let document = format!("{}/{location}", &path[..path.rfind('/').unwrap()]);
    let second = get(server, &document, accept);
    assert_eq!(second.status, 200, "{document}: {}", second.body);
    second
}

fn turtle_subjects(text: &str) -> Vec<String> {
    let triples: Vec<[SimpleTerm<'static>; 3]> = sophia_turtle::parser::turtle::parse_str(text)
        .collect_triples()
        .expect("the Turtle answer parses with sophia");
    triples
        .iter()
        .filter_map(|[s, _, _]| s.iri().map(|i| i.as_str().to_owned()))
        .collect()
}

fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The `<mark id="quote">` of a fact page: (start, end, text).
fn marked_quote(page: &str) -> (usize, usize, String) {
    let at = page
        .find("<mark id=\"quote\"")
        .expect("a highlighted quote");
    let rest = &page[at..];
    let attr = |name: &str| -> usize {
        let from = rest.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        rest[from..from + rest[from..].find('"').unwrap()]
            .parse()
            .unwrap()
    };
    let open_end = rest.find('>').unwrap() + 1;
    let close = rest.find("</mark>").unwrap();
    (
        attr("data-start"),
        attr("data-end"),
        unescape(&rest[open_end..close]),
    )
}

fn released_sample() -> Project {
    let p = Project::sample();
    p.cmd()
        .args(["release", "--date", "2026-11-28"])
        .assert()
        .success();
    p
}

#[test]
fn a_fact_a_source_an_entity_and_a_release_answer_html_and_turtle() {
    let p = released_sample();
    let server = start(&p, Serving::Release("v1".into()));
    let base = "https://w3id.org/factgraph/";
    for (path, iri, heading) in [
        (
            "/fact/astana-021",
            "fact/astana-021",
            "<h1>Astana talks, 21st round date 2023-01-25</h1>",
        ),
        (
            "/source/2024-10-10-russia-prepares-for-astana-22",
            "source/2024-10-10-russia-prepares-for-astana-22",
            "<h1>Russia prepares for “Astana 22” on Syria</h1>",
        ),
        ("/entity/turkey", "entity/turkey", "<h1>Turkey</h1>"),
        ("/release/v1", "release/v1", "<h1>Release v1</h1>"),
    ] {
        let html = dereference(
            &server,
            path,
            "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
            "html",
        );
        assert_eq!(html.content_type, "text/html; charset=utf-8");
        assert!(html.body.contains(heading), "{path}: no {heading}");
        assert!(!html.body.contains("http://") || !html.body.contains("<link rel=\"stylesheet\""));
        let turtle = dereference(&server, path, "text/turtle", "ttl");
        assert_eq!(turtle.content_type, "text/turtle");
        let subjects = turtle_subjects(&turtle.body);
        assert!(
            subjects.iter().any(|s| s == &format!("{base}{iri}")),
            "{path}: the Turtle answer describes <{base}{iri}>"
        );
    }
    // The fact's RDF answer holds its annotation, selectors and source.
    let turtle = get(&server, "/fact/astana-021.ttl", "*/*").body;
    let subjects = turtle_subjects(&turtle);
    for part in ["#annotation", "#target", "#quote", "#position"] {
        assert!(
            subjects.contains(&format!("{base}fact/astana-021{part}")),
            "{part}"
        );
    }
    assert!(subjects.contains(&format!(
        "{base}source/2024-10-10-russia-prepares-for-astana-22"
    )));
    // N-Triples and JSON-LD by negotiation too.
    dereference(&server, "/fact/astana-021", "application/n-triples", "nt");
    let jsonld = dereference(&server, "/entity/turkey", "application/ld+json", "jsonld");
    assert!(jsonld.body.trim_start().starts_with('[') || jsonld.body.trim_start().starts_with('{'));
    // The ontology is a document (hash IRIs for its terms): 200 without a redirect.
    let ontology = get(&server, "/ontology", "text/html");
    assert_eq!(ontology.status, 200);
    assert!(ontology.body.contains("id=\"boycotted\""));
}

#[test]
fn unknown_ids_are_404() {
    let p = released_sample();
    let server = start(&p, Serving::Release("v1".into()));
    for path in [
        "/fact/nope",
        "/source/nope",
        "/entity/nope",
        "/release/v9",
        "/fact/nope.ttl",
    ] {
        let plain = get(&server, path, "text/turtle");
        assert_eq!(plain.status, 404, "{path}");
        let html = get(&server, path, "text/html");
        assert_eq!(html.status, 404, "{path}");
    }
    let html = get(&server, "/fact/nope", "text/html");
    assert!(html.content_type.starts_with("text/html"));
    assert!(html.body.contains("Not found"));
    // Paths that are not resources are not caught by the linked-data routes.
    assert_eq!(get(&server, "/fact/../etc/passwd", "text/html").status, 404);
    assert_eq!(
        get(
            &server,
            "/sparql?query=ASK%7B%7D",
            "application/sparql-results+json"
        )
        .status,
        200
    );
}

#[test]
fn markup_in_quotes_and_labels_is_shown_not_run() {
    let p = Project::minimal();
    let text = format!("{MINI_TEXT}He said <script>alert(\"x\")</script> & left.\n");
    p.write("sources/articles/a1.txt", &text);
    let hash = crate::support::sha256(text.as_bytes());
    p.write(
        "sources/sources.csv",
        format!("source_id,file,sha256,title,published,url,publisher,language,retrieved\na1,articles/a1.txt,{hash},A <b>bold</b> “test”,2024-10-10,,,en,\n"),
    );
    let mut ontology = p.read("ontology/mini.ttl");
    ontology.push_str("ent:evil a fg:State ; rdfs:label \"<img src=x onerror=alert(1)>\"@en .\n");
    p.write("ontology/mini.ttl", ontology);
    p.add_fact_row(
        "f3,a1,ent:evil,fg:boycotted,ent:round-15,,,,,,,<script>alert(\"x\")</script>,,,a <i>note</i>,source,stated,,",
    );
    let server = start(&p, Serving::Working);
    for path in ["/fact/f3.html", "/source/a1.html", "/entity/evil.html"] {
        let page = get(&server, path, "text/html");
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(
            !page.body.contains("<script>alert"),
            "{path} runs the quote"
        );
        assert!(
            !page.body.contains("<img src=x"),
            "{path} renders the label"
        );
        assert!(!page.body.contains("<b>bold"), "{path} renders the title");
        assert!(!page.body.contains("<i>note"), "{path} renders the note");
    }
    let fact = get(&server, "/fact/f3.html", "text/html").body;
    assert!(fact.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert!(fact.contains("&lt;img src=x onerror=alert(1)&gt;"));
    let (_, _, quote) = marked_quote(&fact);
    assert_eq!(quote, "<script>alert(\"x\")</script>");
}

#[test]
fn highlighted_characters_are_the_source_text_at_their_positions() {
    // The minimal article has a curly quote and a non-breaking space before the quotes,
    // so byte and code point offsets differ.
    let p = Project::minimal();
    let server = start(&p, Serving::Working);
    let chars: Vec<char> = MINI_TEXT.chars().collect();
    for (id, quote) in [("f1", "boycotted round 15"), ("f2", "was the fifteenth")] {
        let page = get(&server, &format!("/fact/{id}.html"), "text/html").body;
        let (start, end, marked) = marked_quote(&page);
        assert_eq!(marked, quote);
        assert_eq!(chars[start..end].iter().collect::<String>(), marked, "{id}");
    }
    // Every fact of the sample article (curly quotes, NBSP) too.
    let p = Project::sample();
    let server = start(&p, Serving::Working);
    let article =
        std::fs::read_to_string(p.path("sources/articles/000_f952f983f8cfb660.txt")).unwrap();
    let chars: Vec<char> = article.chars().collect();
    let facts = std::fs::read_to_string(p.path("sources/facts.csv")).unwrap();
    let mut checked = 0;
    for line in facts.lines().skip(1) {
        let id = line.split(',').next().unwrap();
        let page = get(&server, &format!("/fact/{id}.html"), "text/html").body;
        let (start, end, marked) = marked_quote(&page);
        assert_eq!(chars[start..end].iter().collect::<String>(), marked, "{id}");
        checked += 1;
    }
    assert_eq!(checked, facts.lines().count() - 1);
}

#[test]
fn the_static_site_has_every_page_and_is_deterministic() {
    let p = released_sample();
    for out in ["site-a", "site-b"] {
        p.cmd()
            .args(["site", "--release", "v1", "--out", out])
            .assert()
            .success();
    }
    let files = |dir: &str| {
        let mut out = Vec::new();
        fn walk(d: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in std::fs::read_dir(d).unwrap() {
                let e = e.unwrap().path();
                if e.is_dir() {
                    walk(&e, root, out);
                } else {
                    out.push((
                        e.strip_prefix(root).unwrap().display().to_string(),
                        std::fs::read(&e).unwrap(),
                    ));
                }
            }
        }
        walk(&p.path(dir), &p.path(dir), &mut out);
        out.sort();
        out
    };
    let a = files("site-a");
    assert_eq!(a, files("site-b"), "two runs give byte-identical sites");
    let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "index.html",
        "ontology.html",
        "ontology.ttl",
        "fact/astana-021.html",
        "fact/astana-021.ttl",
        "source/2024-10-10-russia-prepares-for-astana-22.html",
        "entity/turkey.ttl",
        "release/v1.html",
    ] {
        assert!(names.contains(&expected), "{expected} missing");
    }
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("fact/") && n.ends_with(".html"))
            .count(),
        p.read("sources/facts.csv").lines().count() - 1
    );
    // Pages link with relative paths and load nothing from elsewhere (works from file://).
    for (name, bytes) in &a {
        if name.ends_with(".html") {
            let html = String::from_utf8_lossy(bytes);
            assert!(
                !html.contains("src=\"http"),
                "{name} loads a remote resource"
            );
            assert!(
                !html.contains("<link rel=\"stylesheet\""),
                "{name} loads a style sheet"
            );
            assert!(
                !html.contains("href=\"/"),
                "{name} has a root-relative link"
            );
        }
    }
    // A non-empty directory is refused, and left as it was.
    let output = p
        .cmd()
        .args(["site", "--release", "v1", "--out", "site-a"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not empty"));
}

fn released_minimal() -> Project {
    let p = Project::minimal();
    p.cmd()
        .args(["release", "--date", "2026-11-28"])
        .assert()
        .success();
    p
}

#[test]
fn annotations_jsonld_is_the_graphs_citations_as_web_annotations() {
    let p = released_minimal();
    let doc: serde_json::Value =
        serde_json::from_str(&p.read("exports/v1/annotations.jsonld")).unwrap();
    assert_eq!(doc["@context"], "http://www.w3.org/ns/anno.jsonld");
    assert_eq!(doc["type"], "AnnotationCollection");
    assert_eq!(doc["total"], 2);
    let graph = p.read("exports/v1/graph.nq");
    let chars: Vec<char> = MINI_TEXT.chars().collect();
    let base = "https://w3id.org/factgraph/";
    for (item, id) in doc["first"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .zip(["f1", "f2"])
    {
        assert_eq!(item["type"], "Annotation");
        assert_eq!(item["id"], format!("{base}fact/{id}#annotation"));
        // The annotation, target and selectors are the graph's own nodes.
        assert!(graph.contains(&format!(
            "<{base}fact/{id}#annotation> <http://www.w3.org/ns/oa#hasTarget> <{base}fact/{id}#target>"
        )));
        let body = &item["body"];
        assert_eq!(body[0]["type"], "TextualBody");
        assert!(!body[0]["value"].as_str().unwrap().is_empty());
        assert_eq!(body[1], format!("{base}fact/{id}"));
        let selectors = item["target"]["selector"].as_array().unwrap();
        let exact = selectors[0]["exact"].as_str().unwrap();
        // Positions are JSON numbers, in code points.
        let (start, end) = (
            selectors[1]["start"].as_u64().expect("a JSON number") as usize,
            selectors[1]["end"].as_u64().expect("a JSON number") as usize,
        );
        assert_eq!(chars[start..end].iter().collect::<String>(), exact);
        assert!(graph.contains(&format!(
            "<{base}fact/{id}#position> <http://www.w3.org/ns/oa#start> \"{start}\"^^<http://www.w3.org/2001/XMLSchema#integer>"
        )));
    }
}

/// Expands a CSVW URI template's `{col}` and `{+col}` with a row's cells.
fn expand(template: &str, row: &std::collections::HashMap<&str, &str>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').unwrap();
        let name = rest[open + 1..close].trim_start_matches('+');
        out.push_str(row[name]);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The standard CSVW-to-RDF conversion (minimal mode) of the release's tables, for
/// the features the metadata uses, and what of it the graph holds.
#[test]
fn the_csvw_conversion_of_the_tables_lands_on_the_graphs_triples() {
    use oxigraph::model::{Literal, NamedNode, Triple};
    let p = released_sample();
    let meta: serde_json::Value =
        serde_json::from_str(&p.read("exports/v1/csv-metadata.json")).unwrap();
    let graph: std::collections::BTreeSet<String> = p
        .read("exports/v1/graph.nq")
        .lines()
        .map(|l| l.trim_end_matches(" .").to_owned())
        .collect();
    let xsd = "http://www.w3.org/2001/XMLSchema#";
    let mut produced = 0;
    for table in meta["tables"].as_array().unwrap() {
        let schema = &table["tableSchema"];
        let text = p.read(&format!("exports/v1/{}", table["url"].as_str().unwrap()));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        for record in reader.records() {
            let record = record.unwrap();
            let row: std::collections::HashMap<&str, &str> = header
                .iter()
                .map(String::as_str)
                .zip(record.iter())
                .collect();
            for column in schema["columns"].as_array().unwrap() {
                if column["suppressOutput"] == true {
                    continue;
                }
                let cell = if column["virtual"] == true {
                    ""
                } else {
                    row[column["name"].as_str().unwrap()]
                };
                if column["virtual"] != true && cell.is_empty() {
                    continue; // a null cell gives no triple
                }
                let about = column["aboutUrl"]
                    .as_str()
                    .or(schema["aboutUrl"].as_str())
                    .unwrap();
                let subject = NamedNode::new(expand(about, &row)).unwrap();
                let predicate = NamedNode::new(column["propertyUrl"].as_str().unwrap()).unwrap();
                let object: oxigraph::model::Term = match column["valueUrl"].as_str() {
                    Some(value) => NamedNode::new(expand(value, &row)).unwrap().into(),
                    None => match (
                        column["lang"].as_str(),
                        column["datatype"]
                            .as_str()
                            .or(column["datatype"]["base"].as_str()),
                    ) {
                        (Some(lang), _) => Literal::new_language_tagged_literal(cell, lang)
                            .unwrap()
                            .into(),
                        (None, Some(dt)) if dt != "string" => Literal::new_typed_literal(
                            cell,
                            NamedNode::new(format!("{xsd}{dt}")).unwrap(),
                        )
                        .into(),
                        _ => Literal::new_simple_literal(cell).into(),
                    },
                };
                let triple = Triple::new(subject, predicate, object).to_string();
                assert!(graph.contains(&triple), "not in graph.nq: {triple}");
                produced += 1;
            }
        }
    }
    // At least 16 triples of each fact (ids, claim, labels, quote, positions, source,
    // hashes, types), every one of them in the graph.
    let facts = p.read("sources/facts.csv").lines().count() - 1;
    assert!(produced >= facts * 16, "{produced}");
}

#[test]
fn with_every_release_a_resource_answers_from_the_newest_release_that_has_it() {
    let p = released_minimal();
    // v2 drops f2.
    let facts = p.read("sources/facts.csv");
    let kept: Vec<&str> = facts.lines().filter(|l| !l.starts_with("f2,")).collect();
    p.write("sources/facts.csv", kept.join("\n") + "\n");
    p.cmd()
        .args(["release", "--date", "2026-11-29"])
        .assert()
        .success();
    let server = start(&p, Serving::AllReleases);
    let f1 = get(&server, "/fact/f1.html", "text/html");
    assert_eq!(f1.status, 200);
    assert!(
        f1.body.contains("release v2, content hash"),
        "f1 is cited from v2"
    );
    let f2 = get(&server, "/fact/f2.html", "text/html");
    assert_eq!(f2.status, 200, "a fact removed in v2 is still answered");
    assert!(
        f2.body.contains("release v1, content hash"),
        "f2 is cited from v1"
    );
    // Its history says which releases have it.
    assert!(f2.body.contains("not in this release"));
    for version in ["v1", "v2"] {
        let release = get(&server, &format!("/release/{version}.ttl"), "text/turtle");
        assert_eq!(release.status, 200, "{version}");
        assert!(turtle_subjects(&release.body)
            .contains(&format!("https://w3id.org/factgraph/release/{version}")));
    }
}
