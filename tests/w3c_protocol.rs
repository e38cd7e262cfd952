//! The W3C SPARQL 1.1 Protocol test suite, run against `factgraph serve`.
//!
//! The suite is vendored unchanged under `tests/w3c/protocol/` (see `tests/w3c/LICENSE.md`
//! for its source commit and licence). Its manifest describes each test as HTTP requests
//! (`ht:Request`: method, path under `/sparql/`, headers, body and its character encoding)
//! with the expected response (`mf:expectedStatus` class, `mf:expectedFormat`,
//! `mf:expectedBoolean`); the runner sends exactly those requests and checks exactly those
//! expectations.
//!
//! What the runner knows, so that a new manifest cannot pass unnoticed:
//! - [`KNOWN`] names every test of the manifest, by its IRI's local name, with what it
//!   exercises; a test the runner does not know, or a known test missing from the
//!   manifest, stops the run.
//! - Tests that perform a SPARQL Update and expect it to succeed cannot apply to a
//!   read-only endpoint. Which tests those are is derived from the manifest's own requests
//!   and must agree with [`KNOWN`] and with the committed list
//!   `tests/w3c/protocol/not-applicable.tsv`: a list that grows (or goes stale) fails.
//!
//! The server is the real binary, `factgraph serve --release`, on a free loopback port,
//! serving a fixture release: the sample data released, plus the suite's data graphs
//! (`data1.nt`…`data3.nt`) as the named graphs the dataset tests name
//! (`ut:graphData`), so those tests apply too. The fixture's `graph.nq` no longer matches
//! the checksum its `release.ttl` declares; it is only ever served, never verified.
//!
//! Run it alone, with its tally: `cargo test --test integration w3c_protocol -- --nocapture`.

use crate::support::{repo, Project};
use oxhttp::model::{Body, Method, Request};
use oxhttp::Client;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{Graph, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, TermRef};
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const MANIFEST_IRI: &str =
    "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest.ttl";
const MF: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
const HT: &str = "http://www.w3.org/2011/http#";
const HTS: &str = "http://www.w3.org/2011/http-statusCodes#";
const CNT: &str = "http://www.w3.org/2011/content#";
const UT: &str = "http://www.w3.org/2009/sparql/tests/test-update#";
const RDFS_LABEL: &str = "http://www.w3.org/2000/01/rdf-schema#label";

/// What a test exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A query over the default dataset.
    Query,
    /// A query whose dataset the protocol sets (`default-graph-uri`, `named-graph-uri`)
    /// over the suite's data graphs.
    Dataset,
    /// A malformed request (query or update) that must get a 4xx.
    Bad,
    /// A SPARQL Update expected to succeed: not applicable to a read-only endpoint.
    Update,
}

/// Every test of the vendored manifest (`mf:entries`, in order).
const KNOWN: &[(&str, Kind)] = &[
    ("query_post_form", Kind::Query),
    ("query_dataset_default_graphs_get", Kind::Dataset),
    ("query_dataset_default_graphs_post", Kind::Dataset),
    ("query_dataset_named_graphs_post", Kind::Dataset),
    ("query_dataset_named_graphs_get", Kind::Dataset),
    ("query_dataset_full", Kind::Dataset),
    ("query_multiple_dataset", Kind::Dataset),
    ("query_get", Kind::Query),
    ("query_content_type_select", Kind::Query),
    ("query_content_type_ask", Kind::Query),
    ("query_content_type_describe", Kind::Query),
    ("query_content_type_construct", Kind::Query),
    ("update_dataset_default_graph", Kind::Update),
    ("update_dataset_default_graphs", Kind::Update),
    ("update_dataset_named_graphs", Kind::Update),
    ("update_dataset_full", Kind::Update),
    ("update_post_form", Kind::Update),
    ("update_post_direct", Kind::Update),
    ("update_base_uri", Kind::Update),
    ("query_post_direct", Kind::Query),
    ("bad_query_method", Kind::Bad),
    ("bad_multiple_queries", Kind::Bad),
    ("bad_query_wrong_media_type", Kind::Bad),
    ("bad_query_missing_form_type", Kind::Bad),
    ("bad_query_missing_direct_type", Kind::Bad),
    ("bad_query_non_utf8", Kind::Bad),
    ("bad_query_syntax", Kind::Bad),
    ("bad_update_get", Kind::Bad),
    ("bad_multiple_updates", Kind::Bad),
    ("bad_update_wrong_media_type", Kind::Bad),
    ("bad_update_missing_form_type", Kind::Bad),
    ("bad_update_non_utf8", Kind::Bad),
    ("bad_update_syntax", Kind::Bad),
    ("bad_update_dataset_conflict", Kind::Bad),
];

fn iri(namespace: &str, local: &str) -> NamedNode {
    NamedNode::new(format!("{namespace}{local}")).unwrap()
}

/// The manifest, as a graph, with the few lookups the runner needs.
struct Manifest {
    graph: Graph,
}

impl Manifest {
    fn load() -> Self {
        let path = repo().join("tests/w3c/protocol/manifest.ttl");
        let text = std::fs::read(&path).unwrap();
        let parser = RdfParser::from_format(RdfFormat::Turtle)
            .with_base_iri(MANIFEST_IRI)
            .unwrap();
        let mut graph = Graph::new();
        for quad in parser.for_slice(&text) {
            let quad = quad.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            graph.insert(quad.as_ref());
        }
        Self { graph }
    }

    fn object<'a, 'b>(
        &'a self,
        subject: impl Into<NamedOrBlankNodeRef<'b>>,
        predicate: &'b NamedNode,
    ) -> Option<TermRef<'a>> {
        self.graph.object_for_subject_predicate(subject, predicate)
    }

    fn objects<'a, 'b>(
        &'a self,
        subject: impl Into<NamedOrBlankNodeRef<'b>>,
        predicate: &'b NamedNode,
    ) -> Vec<TermRef<'a>> {
        self.graph
            .objects_for_subject_predicate(subject, predicate)
            .collect()
    }

    fn string<'b>(
        &self,
        subject: impl Into<NamedOrBlankNodeRef<'b>>,
        predicate: &'b NamedNode,
    ) -> Option<String> {
        match self
            .graph
            .object_for_subject_predicate(subject, predicate)?
        {
            TermRef::Literal(l) => Some(l.value().to_owned()),
            other => panic!("expected a literal, found {other}"),
        }
    }

    /// The members of an RDF list.
    fn list<'a>(&'a self, mut head: TermRef<'a>) -> Vec<TermRef<'a>> {
        let mut items = Vec::new();
        while head != TermRef::NamedNode(rdf::NIL) {
            let node = node(head);
            items.push(
                self.graph
                    .object_for_subject_predicate(node, rdf::FIRST)
                    .expect("rdf:first"),
            );
            head = self
                .graph
                .object_for_subject_predicate(node, rdf::REST)
                .expect("rdf:rest");
        }
        items
    }

    /// The test IRIs of `mf:entries`, in order.
    fn entries(&self) -> Vec<NamedNode> {
        let manifest = NamedNodeRef::new(MANIFEST_IRI).unwrap();
        let entries = self
            .graph
            .object_for_subject_predicate(manifest, &iri(MF, "entries"))
            .expect("the manifest has mf:entries");
        self.list(entries)
            .into_iter()
            .map(|t| match t {
                TermRef::NamedNode(n) => n.into_owned(),
                other => panic!("a test that is not an IRI: {other}"),
            })
            .collect()
    }

    /// A test's requests, in order.
    fn requests(&self, test: &NamedNode) -> Vec<HttpRequest> {
        let action = self
            .object(test, &iri(MF, "action"))
            .unwrap_or_else(|| panic!("{test} has no mf:action"));
        let requests = self
            .object(node(action), &iri(HT, "requests"))
            .unwrap_or_else(|| panic!("{test} has no ht:requests"));
        self.list(requests)
            .into_iter()
            .map(|r| self.request(node(r)))
            .collect()
    }

    fn request(&self, r: NamedOrBlankNodeRef<'_>) -> HttpRequest {
        let method = self
            .string(r, &iri(HT, "methodName"))
            .expect("ht:methodName");
        let path = self
            .string(r, &iri(HT, "absolutePath"))
            .expect("ht:absolutePath");
        let headers = self
            .object(r, &iri(HT, "headers"))
            .map(|list| {
                self.list(list)
                    .into_iter()
                    .map(|h| {
                        (
                            self.string(node(h), &iri(HT, "fieldName")).unwrap(),
                            self.string(node(h), &iri(HT, "fieldValue")).unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let body = self.object(r, &iri(HT, "body")).map(|b| {
            let chars = self.string(node(b), &iri(CNT, "chars")).expect("cnt:chars");
            let encoding = self
                .string(node(b), &iri(CNT, "characterEncoding"))
                .unwrap_or_else(|| "UTF-8".into());
            encode(&chars, &encoding)
        });
        let response = node(self.object(r, &iri(HT, "resp")).expect("ht:resp"));
        let statuses = self
            .objects(response, &iri(MF, "expectedStatus"))
            .into_iter()
            .map(|s| match s {
                TermRef::NamedNode(n) => n
                    .as_str()
                    .strip_prefix(HTS)
                    .and_then(|c| c.strip_prefix("StatusCode"))
                    .and_then(|c| c.strip_suffix("xx"))
                    .and_then(|c| c.parse::<u16>().ok())
                    .unwrap_or_else(|| panic!("unknown status class {n}")),
                other => panic!("unknown status class {other}"),
            })
            .collect();
        let format = self.string(response, &iri(MF, "expectedFormat"));
        let boolean = self
            .string(response, &iri(MF, "expectedBoolean"))
            .map(|b| b == "true");
        HttpRequest {
            method,
            path,
            headers,
            body,
            expect: Expected {
                status_classes: statuses,
                format,
                boolean,
            },
        }
    }

    /// The data graphs a test loads: (file name, graph IRI).
    fn graph_data(&self, test: &NamedNode) -> Vec<(String, String)> {
        self.objects(test, &iri(UT, "graphData"))
            .into_iter()
            .map(|g| {
                let file = match self.object(node(g), &iri(UT, "graph")).expect("ut:graph") {
                    TermRef::NamedNode(n) => n.as_str().rsplit('/').next().unwrap().to_owned(),
                    other => panic!("ut:graph {other}"),
                };
                let label = self
                    .string(node(g), &NamedNode::new(RDFS_LABEL).unwrap())
                    .expect("rdfs:label of ut:graphData");
                (file, label)
            })
            .collect()
    }
}

fn node(term: TermRef<'_>) -> NamedOrBlankNodeRef<'_> {
    match term {
        TermRef::NamedNode(n) => n.into(),
        TermRef::BlankNode(b) => b.into(),
        other => panic!("expected a node, found {other}"),
    }
}

/// A body in the character encoding the manifest names (`bad_*_non_utf8` send UTF-16).
fn encode(chars: &str, encoding: &str) -> Vec<u8> {
    match encoding.to_ascii_uppercase().as_str() {
        "UTF-8" => chars.as_bytes().to_vec(),
        "UTF-16" => {
            // With a byte order mark, as RFC 2781 recommends for "UTF-16".
            let mut bytes = vec![0xFE, 0xFF];
            for unit in chars.encode_utf16() {
                bytes.extend_from_slice(&unit.to_be_bytes());
            }
            bytes
        }
        other => panic!("unknown cnt:characterEncoding {other}"),
    }
}

struct HttpRequest {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    expect: Expected,
}

struct Expected {
    /// Acceptable status classes (2 for 2xx...).
    status_classes: Vec<u16>,
    /// `boolean`, `tabular` or `RDF`.
    format: Option<String>,
    boolean: Option<bool>,
}

impl HttpRequest {
    /// An update the test expects to succeed: what a read-only endpoint must refuse.
    fn is_successful_update(&self) -> bool {
        let content_type = self
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.to_ascii_lowercase())
            .unwrap_or_default();
        let form = |bytes: &[u8]| form_urlencoded::parse(bytes).any(|(k, _)| k == "update");
        let is_update = content_type.starts_with("application/sparql-update")
            || form(self.path.split_once('?').map_or("", |(_, q)| q).as_bytes())
            || (content_type.starts_with("application/x-www-form-urlencoded")
                && self.body.as_deref().is_some_and(form));
        is_update && self.expect.status_classes.contains(&2)
    }
}

/// `factgraph serve` over the fixture release, stopped when dropped.
struct Server {
    child: Child,
    url: String,
    _project: Project,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Releases the sample data, adds the suite's data graphs to the release's `graph.nq` as
/// named graphs, and serves that release on a free loopback port.
fn serve_fixture(data_graphs: &BTreeSet<(String, String)>) -> Server {
    let project = Project::sample();
    project
        .cmd()
        .args(["release", "--version", "v1", "--date", "2026-01-01"])
        .assert()
        .success();
    let nq = project.path("exports/v1/graph.nq");
    let mut lines: Vec<String> = std::fs::read_to_string(&nq)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    for (file, graph) in data_graphs {
        let text = std::fs::read_to_string(repo().join("tests/w3c/protocol").join(file)).unwrap();
        for triple in text.lines().filter(|l| !l.trim().is_empty()) {
            let body = triple
                .trim_end()
                .strip_suffix('.')
                .expect("an N-Triples line")
                .trim_end();
            lines.push(format!("{body} <{graph}> ."));
        }
    }
    lines.sort();
    lines.dedup();
    std::fs::write(&nq, lines.join("\n") + "\n").unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_factgraph"))
        .args(["serve", "--release", "v1", "--bind", "127.0.0.1:0"])
        .current_dir(project.dir.path())
        .env_remove("FACTGRAPH_ROOT")
        .env_remove("FACTGRAPH_BASE_IRI")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut banner = String::new();
    let url = loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("factgraph serve exited early: {banner}");
        }
        banner.push_str(&line);
        if let Some((_, rest)) = line.split_once("listening on ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep reading the access log so that the pipe never fills.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    Server {
        child,
        url,
        _project: project,
    }
}

/// Sends one request of the manifest; `None` when it met every expectation, else why not.
fn run_request(server: &Server, request: &HttpRequest) -> Option<String> {
    let path = request
        .path
        .strip_prefix("/sparql/")
        .unwrap_or_else(|| panic!("a path outside /sparql/: {}", request.path));
    let url = format!("{}/sparql/{path}", server.url);
    let method = Method::from_bytes(request.method.as_bytes()).unwrap();
    let mut builder = Request::builder().method(method).uri(&url);
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let body = request.body.clone().map_or_else(Body::empty, Body::from);
    let response = match Client::new()
        .with_global_timeout(Duration::from_secs(60))
        .request(builder.body(body).unwrap())
    {
        Ok(r) => r,
        Err(e) => return Some(format!("{} {url}: {e}", request.method)),
    };
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let mut bytes = Vec::new();
    response.into_body().read_to_end(&mut bytes).unwrap();
    let shown = || {
        String::from_utf8_lossy(&bytes)
            .chars()
            .take(300)
            .collect::<String>()
    };
    if !request.expect.status_classes.contains(&(status / 100)) {
        return Some(format!(
            "{} {}: status {status}, expected {}; body: {}",
            request.method,
            request.path,
            request
                .expect
                .status_classes
                .iter()
                .map(|c| format!("{c}xx"))
                .collect::<Vec<_>>()
                .join(" or "),
            shown()
        ));
    }
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if let Some(format) = &request.expect.format {
        // The media types the test descriptions allow for each format.
        let allowed: &[&str] = match format.as_str() {
            "boolean" => &[
                "application/sparql-results+json",
                "application/sparql-results+xml",
            ],
            "tabular" => &[
                "application/sparql-results+json",
                "application/sparql-results+xml",
                "text/csv",
                "text/tab-separated-values",
            ],
            "RDF" => &[
                "application/rdf+xml",
                "text/turtle",
                "application/n-triples",
                "text/html",
                "application/xhtml+xml",
            ],
            other => panic!("unknown mf:expectedFormat {other}"),
        };
        if !allowed.contains(&media_type.as_str()) {
            return Some(format!(
                "Content-Type `{content_type}` is not one of {allowed:?} ({format})"
            ));
        }
        // The body must also be what its Content-Type says.
        if let Some(rdf_format) = RdfFormat::from_media_type(&media_type) {
            if media_type != "text/html" {
                if let Err(e) = RdfParser::from_format(rdf_format)
                    .for_slice(&bytes)
                    .collect::<Result<Vec<_>, _>>()
                {
                    return Some(format!("the {media_type} body does not parse: {e}"));
                }
            }
        } else if let Some(results_format) = QueryResultsFormat::from_media_type(&media_type) {
            match QueryResultsParser::from_format(results_format).for_slice(&bytes) {
                Ok(SliceQueryResultsParserOutput::Boolean(value)) => {
                    if let Some(expected) = request.expect.boolean {
                        if value != expected {
                            return Some(format!("the boolean is {value}, expected {expected}"));
                        }
                    }
                }
                Ok(SliceQueryResultsParserOutput::Solutions(solutions)) => {
                    if format == "boolean" {
                        return Some("solutions where a boolean was expected".into());
                    }
                    if let Err(e) = solutions.collect::<Result<Vec<_>, _>>() {
                        return Some(format!("the {media_type} body does not parse: {e}"));
                    }
                }
                Err(e) => return Some(format!("the {media_type} body does not parse: {e}")),
            }
        }
    } else if request.expect.boolean.is_some() {
        panic!("mf:expectedBoolean without mf:expectedFormat");
    }
    None
}

/// The committed list: test name to reason.
fn committed_not_applicable() -> BTreeMap<String, String> {
    let path = repo().join("tests/w3c/protocol/not-applicable.tsv");
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, l)| {
            let (name, reason) = l.split_once('\t').unwrap_or_else(|| {
                panic!("{}:{}: expected `test<TAB>reason`", path.display(), i + 1)
            });
            (name.to_owned(), reason.to_owned())
        })
        .collect()
}

#[test]
fn the_w3c_sparql_protocol_suite_passes() {
    let manifest = Manifest::load();
    let entries = manifest.entries();
    let local = |t: &NamedNode| t.as_str().rsplit('#').next().unwrap().to_owned();

    // The runner refuses a manifest it does not know, in either direction.
    let known: BTreeMap<&str, Kind> = KNOWN.iter().copied().collect();
    let in_manifest: BTreeSet<String> = entries.iter().map(local).collect();
    let unknown: Vec<&String> = in_manifest
        .iter()
        .filter(|n| !known.contains_key(n.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "the manifest has tests this runner does not know: {unknown:?}; add them to KNOWN in tests/w3c_protocol.rs"
    );
    let gone: Vec<&&str> = known
        .keys()
        .filter(|n| !in_manifest.contains(**n))
        .collect();
    assert!(
        gone.is_empty(),
        "KNOWN names tests the manifest no longer has: {gone:?}"
    );

    // Applicability, from the manifest's own requests, must agree with KNOWN and the list.
    let mut not_applicable = BTreeSet::new();
    let mut data_graphs = BTreeSet::new();
    for test in &entries {
        let name = local(test);
        let kind = known[name.as_str()];
        let updates = manifest
            .requests(test)
            .iter()
            .any(HttpRequest::is_successful_update);
        assert_eq!(
            updates,
            kind == Kind::Update,
            "{name}: KNOWN says {kind:?}, but the manifest's requests {} a successful update",
            if updates { "include" } else { "do not include" }
        );
        let graphs = manifest.graph_data(test);
        assert_eq!(
            !graphs.is_empty() && kind != Kind::Update,
            kind == Kind::Dataset,
            "{name}: KNOWN says {kind:?}, but the manifest's ut:graphData says otherwise"
        );
        if kind == Kind::Update {
            not_applicable.insert(name);
        } else {
            data_graphs.extend(graphs);
        }
    }
    let committed = committed_not_applicable();
    let grew: Vec<&String> = not_applicable
        .iter()
        .filter(|n| !committed.contains_key(*n))
        .collect();
    assert!(
        grew.is_empty(),
        "the not-applicable list grew beyond tests/w3c/protocol/not-applicable.tsv: {grew:?}"
    );
    let stale: Vec<&String> = committed
        .keys()
        .filter(|n| !not_applicable.contains(*n))
        .collect();
    assert!(
        stale.is_empty(),
        "tests/w3c/protocol/not-applicable.tsv lists tests that apply now (remove them): {stale:?}"
    );

    let server = serve_fixture(&data_graphs);
    let (mut passed, mut failed) = (Vec::new(), Vec::new());
    for test in &entries {
        let name = local(test);
        if let Some(reason) = committed.get(&name) {
            println!("n/a   {name}: {reason}");
            continue;
        }
        let problems: Vec<String> = manifest
            .requests(test)
            .iter()
            .filter_map(|r| run_request(&server, r))
            .collect();
        if problems.is_empty() {
            println!("pass  {name}");
            passed.push(name);
        } else {
            println!("FAIL  {name}: {}", problems.join("; "));
            failed.push(name);
        }
    }
    println!(
        "W3C SPARQL 1.1 Protocol suite: {} pass, {} not applicable, {} fail (of {})",
        passed.len(),
        committed.len(),
        failed.len(),
        entries.len()
    );
    assert!(failed.is_empty(), "W3C protocol tests failed: {failed:?}");
}
