//! `serve`: the SPARQL endpoint, started on a free loopback port and queried over HTTP.

use crate::support::Project;
use factgraph::serve::{self, Limits, Running, Serving};
use factgraph::Config;
use oxhttp::model::{Body, Method, Request};
use oxhttp::Client;
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::Duration;

const FREE_PORT: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// Starts the server in this process over `project`.
fn start(project: &Project, serving: Serving, limits: Limits) -> Running {
    let config = Config::new(project.dir.path(), factgraph::project::DEFAULT_BASE_IRI).unwrap();
    let dataset = serve::open(&config, &serving).unwrap();
    let service = serve::Service::new(dataset, limits).unwrap();
    serve::start(service, FREE_PORT, 16).unwrap()
}

struct Reply {
    status: u16,
    content_type: String,
    body: String,
    headers: oxhttp::model::HeaderMap,
}

fn send(method: Method, url: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Reply {
    let mut request = Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = Client::new()
        .with_global_timeout(Duration::from_secs(60))
        .request(request.body(body.into()).unwrap())
        .unwrap();
    let headers = response.headers().clone();
    Reply {
        status: response.status().as_u16(),
        content_type: headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default(),
        body: response.into_body().to_string().unwrap(),
        headers,
    }
}

fn encode(query: &str) -> String {
    form_urlencoded::byte_serialize(query.as_bytes()).collect()
}

fn get(server: &Running, path: &str, query: &str, accept: &str) -> Reply {
    send(
        Method::GET,
        &format!("{}{path}?query={}", server.url(), encode(query)),
        &[("Accept", accept)],
        Body::empty(),
    )
}

fn post_form(server: &Running, form: &str, accept: &str) -> Reply {
    send(
        Method::POST,
        &format!("{}/sparql", server.url()),
        &[
            ("Accept", accept),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        form.to_owned(),
    )
}

/// The one integer a `SELECT (COUNT(...) AS ?n)` returns, read from SPARQL JSON.
fn count(server: &Running, path: &str, query: &str) -> u64 {
    let reply = get(server, path, query, "application/sparql-results+json");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    json["results"]["bindings"][0]["n"]["value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

const FACT_IDS: &str = "SELECT ?id WHERE { ?f a fg:Fact ; fg:factId ?id } ORDER BY ?id";

#[test]
fn select_results_in_json_xml_csv_and_tsv() {
    let p = Project::minimal();
    let server = start(&p, Serving::Working, Limits::default());

    let json = get(
        &server,
        "/sparql",
        FACT_IDS,
        "application/sparql-results+json",
    );
    assert_eq!(json.status, 200);
    assert_eq!(json.content_type, "application/sparql-results+json");
    assert_eq!(json.headers["access-control-allow-origin"], "*");
    let parsed: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(parsed["head"]["vars"], serde_json::json!(["id"]));
    let ids: Vec<&str> = parsed["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"]["value"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["f1", "f2"]);

    let xml = get(
        &server,
        "/sparql",
        FACT_IDS,
        "application/sparql-results+xml",
    );
    assert_eq!(xml.content_type, "application/sparql-results+xml");
    assert!(xml.body.contains("<variable name=\"id\"/>"), "{}", xml.body);
    assert!(xml.body.contains("<literal>f2</literal>"), "{}", xml.body);

    let csv = get(&server, "/sparql", FACT_IDS, "text/csv");
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    assert_eq!(csv.body, "id\r\nf1\r\nf2\r\n");

    let tsv = get(&server, "/sparql", FACT_IDS, "text/tab-separated-values");
    assert_eq!(tsv.content_type, "text/tab-separated-values; charset=utf-8");
    assert_eq!(tsv.body, "?id\n\"f1\"\n\"f2\"\n");

    // q-values: CSV preferred over JSON; `format=` wins over Accept.
    let q = get(
        &server,
        "/sparql",
        FACT_IDS,
        "application/sparql-results+json;q=0.4, text/csv;q=0.9",
    );
    assert_eq!(q.content_type, "text/csv; charset=utf-8");
    let by_name = send(
        Method::GET,
        &format!(
            "{}/sparql?query={}&format=tsv",
            server.url(),
            encode(FACT_IDS)
        ),
        &[("Accept", "application/sparql-results+json")],
        Body::empty(),
    );
    assert_eq!(by_name.body, tsv.body);

    let ask = get(
        &server,
        "/sparql",
        "ASK { ?f fg:factId \"f2\" }",
        "application/sparql-results+json",
    );
    assert_eq!(ask.body.replace(' ', ""), "{\"head\":{},\"boolean\":true}");
}

#[test]
fn construct_and_describe_in_turtle_ntriples_rdfxml_and_jsonld() {
    let p = Project::minimal();
    let server = start(&p, Serving::Working, Limits::default());
    let query = "CONSTRUCT { ?f fg:factId ?id } WHERE { ?f fg:factId ?id }";
    let fact = "https://w3id.org/factgraph/fact/f1";

    let turtle = get(&server, "/sparql", query, "text/turtle");
    assert_eq!(turtle.content_type, "text/turtle");
    // Re-read with an independent parser.
    use sophia_api::prelude::*;
    let triples: Vec<[sophia_api::term::SimpleTerm<'static>; 3]> =
        sophia_turtle::parser::turtle::parse_str(&turtle.body)
            .collect_triples()
            .unwrap();
    assert_eq!(triples.len(), 2, "{}", turtle.body);

    let nt = get(&server, "/sparql", query, "application/n-triples");
    assert_eq!(nt.content_type, "application/n-triples");
    assert_eq!(nt.body.lines().count(), 2);
    assert!(nt.body.contains(&format!("<{fact}> ")), "{}", nt.body);

    let rdfxml = get(&server, "/sparql", query, "application/rdf+xml");
    assert_eq!(rdfxml.content_type, "application/rdf+xml");
    let parsed = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::RdfXml)
        .for_slice(rdfxml.body.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(parsed.len(), 2);

    let jsonld = get(&server, "/sparql", query, "application/ld+json");
    assert_eq!(jsonld.content_type, "application/ld+json");
    let parsed: serde_json::Value = serde_json::from_str(&jsonld.body).unwrap();
    assert!(parsed.to_string().contains(fact), "{}", jsonld.body);

    let describe = get(&server, "/sparql", &format!("DESCRIBE <{fact}>"), "*/*");
    assert_eq!(describe.status, 200);
    assert_eq!(describe.content_type, "text/turtle");
    assert!(
        describe.body.contains("fg:factId \"f1\""),
        "{}",
        describe.body
    );

    // A graph cannot be CSV: 406 with the formats on offer.
    let refused = get(&server, "/sparql", query, "text/csv");
    assert_eq!(refused.status, 406);
    assert!(refused.body.contains("text/turtle"), "{}", refused.body);
}

#[test]
fn get_post_form_and_post_query_give_the_same_answer() {
    let p = Project::minimal();
    let server = start(&p, Serving::Working, Limits::default());
    let by_get = get(&server, "/sparql", FACT_IDS, "text/csv");
    let by_form = post_form(&server, &format!("query={}", encode(FACT_IDS)), "text/csv");
    let by_body = send(
        Method::POST,
        &format!("{}/query", server.url()),
        &[
            ("Accept", "text/csv"),
            ("Content-Type", "application/sparql-query"),
        ],
        FACT_IDS.to_owned(),
    );
    assert_eq!(by_get.body, "id\r\nf1\r\nf2\r\n");
    assert_eq!(by_form.body, by_get.body);
    assert_eq!(by_body.body, by_get.body);

    let unsupported = send(
        Method::POST,
        &format!("{}/sparql", server.url()),
        &[("Content-Type", "text/plain")],
        FACT_IDS.to_owned(),
    );
    assert_eq!(unsupported.status, 415);
    let syntax = get(&server, "/sparql", "SELECT ?x WHERE {", "text/csv");
    assert_eq!(syntax.status, 400);
    assert!(syntax.body.contains("line 1"), "{}", syntax.body);
}

#[test]
fn updates_and_graph_store_writes_are_refused_with_403() {
    let p = Project::minimal();
    let server = start(&p, Serving::Working, Limits::default());
    let insert = "INSERT DATA { <http://ex.org/a> <http://ex.org/b> <http://ex.org/c> }";
    let url = server.url();
    let attempts = [
        post_form(&server, &format!("update={}", encode(insert)), "*/*"),
        send(
            Method::POST,
            &format!("{url}/sparql"),
            &[("Content-Type", "application/sparql-update")],
            insert.to_owned(),
        ),
        send(
            Method::POST,
            &format!("{url}/update"),
            &[("Content-Type", "application/sparql-update")],
            insert.to_owned(),
        ),
        send(
            Method::PUT,
            &format!("{url}/store?default"),
            &[("Content-Type", "text/turtle")],
            "<http://ex.org/a> <http://ex.org/b> <http://ex.org/c> .".to_owned(),
        ),
        send(
            Method::DELETE,
            &format!("{url}/store?default"),
            &[],
            Body::empty(),
        ),
        send(Method::DELETE, &format!("{url}/sparql"), &[], Body::empty()),
    ];
    for reply in attempts {
        assert_eq!(reply.status, 403, "{}", reply.body);
        assert!(reply.body.contains("read-only"), "{}", reply.body);
    }
    let still = get(
        &server,
        "/sparql",
        "ASK { <http://ex.org/a> ?p ?o }",
        "text/csv",
    );
    assert_eq!(still.body.trim(), "false");
    // Graph Store reads work.
    let read = send(
        Method::GET,
        &format!("{url}/store?default"),
        &[("Accept", "application/n-triples")],
        Body::empty(),
    );
    assert_eq!(read.status, 200);
    assert!(read.body.contains("/fact/f2>"), "{}", read.body);
}

#[test]
fn a_query_over_the_time_limit_gets_503_and_the_server_keeps_serving() {
    let p = Project::sample();
    let server = start(
        &p,
        Serving::Working,
        Limits {
            timeout: Duration::from_millis(300),
            ..Limits::default()
        },
    );
    // About 5 billion combinations: far beyond 300 ms.
    let slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
    let reply = get(&server, "/sparql", slow, "application/sparql-results+json");
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(reply.body.contains("time limit of 0.3 s"), "{}", reply.body);
    assert!(
        count(
            &server,
            "/sparql",
            "SELECT (COUNT(*) AS ?n) WHERE { ?f a fg:Fact }"
        ) > 0
    );
}

#[test]
fn bodies_and_results_over_the_limits_get_413_414_and_422() {
    let p = Project::minimal();
    let server = start(
        &p,
        Serving::Working,
        Limits {
            max_body_bytes: 2000,
            max_rows: 3,
            ..Limits::default()
        },
    );
    let padding = format!("# {}\n", "x".repeat(3000));
    let long = format!("{padding}{FACT_IDS}");
    let body = send(
        Method::POST,
        &format!("{}/sparql", server.url()),
        &[("Content-Type", "application/sparql-query")],
        long.clone(),
    );
    assert_eq!(body.status, 413, "{}", body.body);
    assert!(body.body.contains("2000 bytes"), "{}", body.body);
    let url = send(
        Method::GET,
        &format!("{}/sparql?query={}", server.url(), encode(&long)),
        &[],
        Body::empty(),
    );
    assert_eq!(url.status, 414, "{}", url.body);

    let rows = get(
        &server,
        "/sparql",
        "SELECT * WHERE { ?s ?p ?o }",
        "text/csv",
    );
    assert_eq!(rows.status, 422, "{}", rows.body);
    assert!(rows.body.contains("more than 3 rows"), "{}", rows.body);
    assert!(rows.body.contains("LIMIT"), "{}", rows.body);
    let triples = get(
        &server,
        "/sparql",
        "CONSTRUCT WHERE { ?s ?p ?o }",
        "text/turtle",
    );
    assert_eq!(triples.status, 422, "{}", triples.body);

    // Still serving, and within the limit is fine.
    let ok = get(&server, "/sparql", FACT_IDS, "text/csv");
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body, "id\r\nf1\r\nf2\r\n");
}

#[test]
fn eight_concurrent_clients_get_correct_answers() {
    let p = Project::sample();
    let server = start(&p, Serving::Working, Limits::default());
    let facts = count(
        &server,
        "/sparql",
        "SELECT (COUNT(?f) AS ?n) WHERE { ?f a fg:Fact }",
    );
    let csv = get(&server, "/sparql", FACT_IDS, "text/csv").body;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|client| {
                let server = &server;
                let csv = &csv;
                scope.spawn(move || {
                    for i in 0..20 {
                        if (client + i) % 2 == 0 {
                            let n = count(
                                server,
                                "/sparql",
                                "SELECT (COUNT(?f) AS ?n) WHERE { ?f a fg:Fact }",
                            );
                            assert_eq!(n, facts);
                        } else {
                            let reply = post_form(
                                server,
                                &format!("query={}", encode(FACT_IDS)),
                                "text/csv",
                            );
                            assert_eq!(reply.status, 200);
                            assert_eq!(&reply.body, csv);
                        }
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    });
    assert!(server.service().served() >= 162);
}

#[test]
fn cors_preflight_query_page_and_service_description() {
    let p = Project::minimal();
    let server = start(&p, Serving::Working, Limits::default());
    let preflight = send(
        Method::OPTIONS,
        &format!("{}/sparql", server.url()),
        &[
            ("Origin", "https://yasgui.example"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        Body::empty(),
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.headers["access-control-allow-origin"], "*");
    assert_eq!(
        preflight.headers["access-control-allow-headers"],
        "Content-Type, Accept"
    );

    let page = send(
        Method::GET,
        &format!("{}/", server.url()),
        &[],
        Body::empty(),
    );
    assert_eq!(page.status, 200);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(page.body.contains("<textarea"));
    // The repository's example queries are on the page (JSON-escaped).
    assert!(page.body.contains("Who boycotted which process or event"));
    assert!(!page.body.contains("__FACTGRAPH_CONFIG__"));

    let browser = send(
        Method::GET,
        &format!("{}/sparql", server.url()),
        &[("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")],
        Body::empty(),
    );
    assert_eq!(browser.content_type, "text/html; charset=utf-8");
    let description = send(
        Method::GET,
        &format!("{}/sparql", server.url()),
        &[],
        Body::empty(),
    );
    assert_eq!(description.content_type, "text/turtle");
    assert!(description.body.contains("sd:SPARQL11Query"));

    let missing = send(
        Method::GET,
        &format!("{}/nope", server.url()),
        &[],
        Body::empty(),
    );
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("/sparql"));
}

/// A project with two releases: v1 with facts f1, f2 and v2 adding f3.
fn two_releases() -> Project {
    let p = Project::minimal();
    p.cmd()
        .args(["release", "--date", "2025-01-01"])
        .assert()
        .success();
    p.add_fact_row("f3,a1,ent:russia,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,20,38,,source,stated,,");
    p.cmd()
        .args(["release", "--date", "2025-02-01"])
        .assert()
        .success();
    p
}

const FACTS: &str = "SELECT (COUNT(?f) AS ?n) WHERE { ?f a fg:Fact }";

#[test]
fn one_release_or_every_release_side_by_side() {
    let p = two_releases();
    let v1 = start(&p, Serving::Release("v1".into()), Limits::default());
    assert_eq!(count(&v1, "/sparql", FACTS), 2);
    let latest = start(&p, Serving::Release("latest".into()), Limits::default());
    assert_eq!(count(&latest, "/sparql", FACTS), 3);

    let all = start(&p, Serving::AllReleases, Limits::default());
    assert_eq!(count(&all, "/sparql/v1", FACTS), 2);
    assert_eq!(count(&all, "/sparql/v2", FACTS), 3);
    assert_eq!(count(&all, "/sparql", FACTS), 3, "/sparql is the newest");
    // One query compares releases through their named graphs.
    let added = get(
        &all,
        "/sparql/v1",
        "SELECT ?id WHERE { GRAPH <https://w3id.org/factgraph/release/v2> { ?f fg:factId ?id } \
         FILTER NOT EXISTS { GRAPH <https://w3id.org/factgraph/release/v1> { ?f fg:factId ?id } } }",
        "text/csv",
    );
    assert_eq!(added.body, "id\r\nf3\r\n");
    // The protocol's default-graph-uri picks a release too.
    let by_param = send(
        Method::GET,
        &format!(
            "{}/sparql?query={}&default-graph-uri={}",
            all.url(),
            encode(FACTS),
            encode("https://w3id.org/factgraph/release/v1")
        ),
        &[("Accept", "text/csv")],
        Body::empty(),
    );
    assert_eq!(by_param.body, "n\r\n2\r\n");
    // The release descriptions are in the graphs too.
    let versions = get(
        &all,
        "/sparql",
        "SELECT ?v WHERE { GRAPH ?g { ?r a fg:Release ; dcat:version ?v } } ORDER BY ?v",
        "text/csv",
    );
    assert_eq!(versions.body, "v\r\nv1\r\nv2\r\n");
}

#[test]
fn missing_releases_are_clear_errors() {
    let p = Project::minimal();
    p.cmd()
        .args(["serve", "--all-releases", "--bind", "127.0.0.1:0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no release found in exports"))
        .stderr(predicates::str::contains("factgraph release"));
    let p = two_releases();
    p.cmd()
        .args(["serve", "--release", "v7", "--bind", "127.0.0.1:0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no release `v7`"))
        .stderr(predicates::str::contains("known: v1, v2"));
}

#[test]
fn the_binary_serves_logs_each_request_and_stops_cleanly_on_ctrl_c() {
    let p = Project::minimal();
    let mut child = Command::new(env!("CARGO_BIN_EXE_factgraph"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(p.dir.path())
        .env_remove("FACTGRAPH_ROOT")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut url = None;
    let mut banner = String::new();
    while url.is_none() {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "exited early: {banner}"
        );
        banner.push_str(&line);
        url = line
            .split_once("listening on ")
            .map(|(_, rest)| rest.split_whitespace().next().unwrap().to_owned());
    }
    assert!(banner.contains("serving the working graph"), "{banner}");
    let url = url.unwrap();
    let reply = send(
        Method::GET,
        &format!("{url}/sparql?query={}", encode(FACT_IDS)),
        &[("Accept", "text/csv")],
        Body::empty(),
    );
    assert_eq!(reply.body, "id\r\nf1\r\nf2\r\n");

    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}: {rest}");
    let log_line = rest
        .lines()
        .find(|l| l.contains(" GET /sparql "))
        .unwrap_or_else(|| panic!("no access log line in {rest}"));
    assert!(log_line.contains(" 200 "), "{log_line}");
    assert!(log_line.ends_with("B rows=2"), "{log_line}");
    assert!(rest.contains("stopped after 1 request(s)"), "{rest}");
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let p = Project::minimal();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    p.cmd()
        .args(["serve", "--bind", &addr])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "cannot listen on {addr}"
        )));
}

/// What a store gives back is what was hashed: a release of the sample loaded into the
/// endpoint and dumped with CONSTRUCT gives graph.nq's lines exactly, and every fact
/// hash recomputed from the endpoint's answer, by the README's rule, equals its
/// `fg:sha256`.
#[test]
fn fact_hashes_are_recomputed_from_the_endpoints_answer() {
    let p = Project::sample();
    p.cmd()
        .args(["release", "--date", "2026-11-28"])
        .assert()
        .success();
    let latest = p.read("exports/latest");
    let server = start(
        &p,
        Serving::Release(latest.trim().to_owned()),
        Limits::default(),
    );
    let reply = get(
        &server,
        "/sparql",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "application/n-triples",
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut dumped: Vec<String> = reply
        .body
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    dumped.sort();
    dumped.dedup();
    let nq = p.read(&format!("exports/{}/graph.nq", latest.trim()));
    let stored: Vec<String> = nq.lines().map(|l| format!("{l}\n")).collect();
    assert_eq!(dumped.len(), stored.len());
    assert!(dumped == stored, "a line came back from the store changed");

    // The fact hash rule applied to the endpoint's answer.
    let fg_sha = "<https://w3id.org/factgraph/ontology#sha256>";
    let mut checked = 0;
    for line in dumped
        .iter()
        .filter(|l| l.contains(&format!("> {fg_sha} \"")))
    {
        let fact = line.split(' ').next().unwrap();
        if !fact.starts_with("<https://w3id.org/factgraph/fact/") {
            continue;
        }
        let declared = line.split('"').nth(1).unwrap();
        let base = fact.trim_end_matches('>');
        let mine: String = dumped
            .iter()
            .filter(|l| {
                let s = l.split(' ').next().unwrap();
                (s == fact
                    || ["annotation", "target", "quote", "position"]
                        .iter()
                        .any(|part| s == format!("{base}#{part}>")))
                    && !l.contains(&format!("> {fg_sha} "))
            })
            .cloned()
            .collect();
        assert_eq!(crate::support::sha256(mine.as_bytes()), declared, "{fact}");
        checked += 1;
    }
    assert_eq!(checked, 58);
}
