//! Conformance details that the W3C suite and the validators rely on: the base IRI of
//! queries (CLI and endpoint), and `ontology/shapes.ttl` staying out of the data graph.

use crate::support::{repo, Project};
use factgraph::serve::{self, Limits, Serving};
use factgraph::Config;
use oxhttp::model::{Body, Method, Request};
use oxhttp::Client;
use oxigraph::io::{RdfFormat, RdfParser};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

const XSD_INTEGER: &str = "<http://www.w3.org/2001/XMLSchema#integer>";

fn ntriples(p: &Project, args: &[&str]) -> String {
    let out = p
        .cmd()
        .arg("query")
        .args(args)
        .args(["--format", "ntriples"])
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn query_resolves_relative_iris_against_the_projects_base_iri() {
    let p = Project::minimal();
    let query = "CONSTRUCT { <s> <p> 1 } WHERE {}";
    assert_eq!(
        ntriples(&p, &[query]),
        format!("<https://w3id.org/factgraph/s> <https://w3id.org/factgraph/p> \"1\"^^{XSD_INTEGER} .\n")
    );
    assert_eq!(
        ntriples(&p, &["--base-iri", "https://example.org/kg/", query]),
        format!("<https://example.org/kg/s> <https://example.org/kg/p> \"1\"^^{XSD_INTEGER} .\n")
    );
    // The query's own BASE wins.
    assert_eq!(
        ntriples(&p, &[&format!("BASE <http://example.com/x/> {query}")]),
        format!("<http://example.com/x/s> <http://example.com/x/p> \"1\"^^{XSD_INTEGER} .\n")
    );
}

#[test]
fn serve_resolves_relative_iris_against_the_endpoint_url() {
    let p = Project::minimal();
    let config = Config::new(p.dir.path(), factgraph::project::DEFAULT_BASE_IRI).unwrap();
    let dataset = serve::open(&config, &Serving::Working).unwrap();
    let service = serve::Service::new(dataset, Limits::default()).unwrap();
    let free = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
    let server = serve::start(service, free, 4).unwrap();
    let url = server.url();
    for (path, query, expected) in [
        (
            "/sparql",
            "CONSTRUCT { <> <#p> <s> } WHERE {}",
            format!("<{url}/sparql> <{url}/sparql#p> <{url}/s> .\n"),
        ),
        // The W3C test's own request: POST to /sparql/ (so <s> is under it).
        (
            "/sparql/",
            "CONSTRUCT { <s> <p> 1 } WHERE {}",
            format!("<{url}/sparql/s> <{url}/sparql/p> \"1\"^^{XSD_INTEGER} .\n"),
        ),
    ] {
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!("{url}{path}"))
            .header("Content-Type", "application/sparql-query")
            .header("Accept", "application/n-triples")
            .body(Body::from(query.to_owned()))
            .unwrap();
        let response = Client::new()
            .with_global_timeout(Duration::from_secs(60))
            .request(request)
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{query}");
        assert_eq!(response.into_body().to_string().unwrap(), expected);
    }
}

#[test]
fn shapes_ttl_is_not_data_exports_are_byte_identical_without_it() {
    let p = Project::sample();
    assert!(
        p.path("ontology/shapes.ttl").is_file(),
        "the sample copies ontology/shapes.ttl"
    );
    // Full of blank nodes, which the ontology loader refuses: `check` passing shows it is
    // skipped, not loaded.
    p.cmd().arg("check").assert().success();
    p.cmd().args(["export", "--out", "with"]).assert().success();
    std::fs::remove_file(p.path("ontology/shapes.ttl")).unwrap();
    p.cmd()
        .args(["export", "--out", "without"])
        .assert()
        .success();
    for file in ["facts.ttl", "facts.csv", "graph.nq"] {
        let with = std::fs::read(p.path("with").join(file)).unwrap();
        let without = std::fs::read(p.path("without").join(file)).unwrap();
        assert!(with == without, "{file} changed with shapes.ttl present");
    }
    let graph = p.read("with/graph.nq");
    assert!(
        !graph.contains("http://www.w3.org/ns/shacl#") && !graph.contains("/shapes#"),
        "a shape leaked into graph.nq"
    );
    assert!(repo().join("ontology/shapes.ttl").is_file());
}

#[test]
fn a_release_publishes_the_shapes_listed_like_every_other_file() {
    let built_in = std::fs::read(repo().join("ontology/shapes.ttl")).unwrap();
    // The project's own shapes, when it has them (the sample's are the repository's).
    let sample = Project::sample();
    sample.write("ontology/shapes.ttl", "# tightened by this project\n");
    sample
        .cmd()
        .args(["release", "--date", "2026-01-01"])
        .assert()
        .success();
    assert_eq!(
        sample.read("exports/v1/shapes.ttl"),
        "# tightened by this project\n"
    );
    // Else the shapes built into factgraph.
    let p = Project::minimal();
    p.cmd()
        .args(["release", "--date", "2026-01-01"])
        .assert()
        .success();
    let shapes = std::fs::read(p.path("exports/v1/shapes.ttl")).unwrap();
    assert!(
        shapes == built_in,
        "the built-in shapes differ from ontology/shapes.ttl"
    );
    let sums = p.read("exports/v1/SHA256SUMS");
    assert!(
        sums.contains(&format!(
            "{}  shapes.ttl\n",
            crate::support::sha256(&shapes)
        )),
        "{sums}"
    );
    // release.ttl describes it like the other files, and says the release conforms to it.
    let release = p.read("exports/v1/release.ttl");
    let triples: Vec<String> = RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(release.as_bytes())
        .map(|q| {
            let q = q.unwrap();
            format!("{} {} {}", q.subject, q.predicate, q.object)
        })
        .collect();
    let r = "<https://w3id.org/factgraph/release/v1>";
    let d = "<https://w3id.org/factgraph/release/v1/shapes.ttl>";
    for expected in [
        format!("{r} <http://purl.org/dc/terms/conformsTo> {d}"),
        format!("{r} <http://www.w3.org/ns/dcat#distribution> {d}"),
        format!("{d} <http://purl.org/dc/terms/title> \"shapes.ttl\""),
        format!(
            "{d} <http://www.w3.org/ns/dcat#mediaType> <https://www.iana.org/assignments/media-types/text/turtle>"
        ),
    ] {
        assert!(triples.contains(&expected), "no `{expected}` in {release}");
    }
    // verify checks it like any other file (only the files: whether the whole release
    // verifies is verify_release's business).
    let out = p
        .cmd()
        .args(["verify", "exports/v1", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = report["release"]["files"].as_array().unwrap();
    let entry = files
        .iter()
        .find(|f| f["name"] == "shapes.ttl")
        .unwrap_or_else(|| panic!("verify does not list shapes.ttl: {report:#}"));
    assert_eq!(entry["status"], "ok", "{entry:#}");
    assert!(files.iter().all(|f| f["status"] == "ok"), "{report:#}");
}
