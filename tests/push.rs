//! `push`: the Graph Store Protocol client against a small in-process store that asks
//! for Digest authentication, fails one request with 503, and counts what it holds.
//! (The real store, Virtuoso, is exercised by `scripts/ci_virtuoso.sh` in `.ci/run`.)

use crate::support::repo;
use factgraph::push::{self, Credentials, Event, Settings, Target};
use oxhttp::model::{Body, Request, Response, StatusCode};
use oxhttp::Server;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const REALM: &str = "test";
const NONCE: &str = "abc123";
const USER: &str = "writer";
const PASSWORD: &str = "pa55-w0rd";

#[derive(Default)]
struct State {
    graphs: BTreeMap<String, BTreeSet<String>>,
    requests: Vec<String>,
    /// Answer the next POST with 503 (once).
    fail_next_post: bool,
    /// Drop this many triples from what the store keeps (to fake a lossy store).
    lose: usize,
}

fn md5_hex(s: &str) -> String {
    use md5::Digest;
    md5::Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks a Digest `Authorization` header the way a server does (RFC 7616, qop=auth).
fn digest_ok(header: &str, method: &str) -> bool {
    let Some(params) = header.strip_prefix("Digest ") else {
        return false;
    };
    let get = |name: &str| {
        params.split(", ").find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k.trim() == name).then(|| v.trim_matches('"').to_owned())
        })
    };
    let (Some(user), Some(uri), Some(nc), Some(cnonce), Some(response)) = (
        get("username"),
        get("uri"),
        get("nc"),
        get("cnonce"),
        get("response"),
    ) else {
        return false;
    };
    let ha1 = md5_hex(&format!("{user}:{REALM}:{PASSWORD}"));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    user == USER && response == md5_hex(&format!("{ha1}:{NONCE}:{nc}:{cnonce}:auth:{ha2}"))
}

fn reply(status: u16, content_type: &str, body: impl Into<Body>) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", content_type)
        .body(body.into())
        .unwrap()
}

fn handle(state: &Mutex<State>, request: &mut Request<Body>) -> Response<Body> {
    let method = request.method().as_str().to_owned();
    let uri = request.uri().clone();
    let mut state = state.lock().unwrap();
    state.requests.push(format!("{method} {}", uri.path()));
    let authorized = request
        .headers()
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| digest_ok(h, &method));
    if uri.path() == "/store" && !authorized {
        return Response::builder()
            .status(StatusCode::UNAUTHORIZED)
            .header(
                "www-authenticate",
                format!("Digest realm=\"{REALM}\", nonce=\"{NONCE}\", qop=\"auth\", algorithm=MD5"),
            )
            .body(Body::empty())
            .unwrap();
    }
    let params: BTreeMap<String, String> =
        form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let mut body = String::new();
    request.body_mut().read_to_string(&mut body).unwrap();
    match (uri.path(), method.as_str()) {
        ("/store", "HEAD") => reply(404, "text/plain", Body::empty()),
        ("/store", "PUT" | "POST") => {
            if method == "POST" && state.fail_next_post {
                state.fail_next_post = false;
                return reply(503, "text/plain", "busy, try again");
            }
            assert_eq!(
                request.headers().get("content-type").unwrap(),
                "application/n-triples"
            );
            let graph = params["graph"].clone();
            let lose = std::mem::take(&mut state.lose);
            let triples = state.graphs.entry(graph).or_default();
            if method == "PUT" {
                triples.clear();
            }
            triples.extend(body.lines().skip(lose).map(str::to_owned));
            reply(204, "text/plain", Body::empty())
        }
        ("/store", "GET") => {
            let text: String = state
                .graphs
                .get(&params["graph"])
                .map(|t| t.iter().map(|l| format!("{l}\n")).collect())
                .unwrap_or_default();
            reply(200, "application/n-triples", text)
        }
        ("/sparql", "POST") => {
            let form: BTreeMap<String, String> = form_urlencoded::parse(body.as_bytes())
                .into_owned()
                .collect();
            let query = &form["query"];
            let graph = query.split('<').nth(1).unwrap().split('>').next().unwrap();
            let n = state.graphs.get(graph).map_or(0, BTreeSet::len);
            reply(
                200,
                "application/sparql-results+json",
                format!(
                    "{{\"head\":{{\"vars\":[\"n\"]}},\"results\":{{\"bindings\":[{{\"n\":{{\"type\":\"literal\",\"datatype\":\"http://www.w3.org/2001/XMLSchema#integer\",\"value\":\"{n}\"}}}}]}}}}"
                ),
            )
        }
        _ => reply(404, "text/plain", "no such endpoint"),
    }
}

struct Store {
    url: String,
    state: Arc<Mutex<State>>,
    _server: oxhttp::ListeningServer,
}

fn start_store() -> Store {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let state = Arc::new(Mutex::new(State::default()));
    let shared = Arc::clone(&state);
    let server = Server::new(move |request| handle(&shared, request))
        .bind(addr)
        .with_global_timeout(Duration::from_secs(30))
        .spawn()
        .unwrap();
    Store {
        url: format!("http://{addr}"),
        state,
        _server: server,
    }
}

fn target(store: &Store, sparql: bool, password: &str) -> Target {
    Target {
        endpoint: format!("{}/store", store.url),
        graph: "https://w3id.org/factgraph/release/v1".into(),
        sparql: sparql.then(|| format!("{}/sparql", store.url)),
        credentials: Some(Credentials {
            user: USER.into(),
            password: password.into(),
        }),
    }
}

fn settings(batch: usize) -> Settings {
    Settings {
        batch_triples: batch,
        retries: 3,
        backoff: Duration::from_millis(10),
        timeout: Duration::from_secs(30),
    }
}

fn sample_graph() -> (std::path::PathBuf, BTreeSet<String>) {
    let path = repo().join("exports/v1/graph.nq");
    let lines = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| l.strip_suffix(" .").unwrap().to_owned() + " .")
        .collect();
    (path, lines)
}

#[test]
fn pushes_in_batches_retries_a_503_and_checks_the_count() {
    let store = start_store();
    store.state.lock().unwrap().fail_next_post = true;
    let (graph_nq, lines) = sample_graph();
    let mut events = Vec::new();
    let pushed = push::push(
        &graph_nq,
        &target(&store, true, PASSWORD),
        &settings(500),
        |e| events.push(e.clone()),
    )
    .unwrap();
    assert_eq!(pushed.triples, lines.len() as u64);
    assert_eq!(pushed.in_store, lines.len() as u64);
    assert_eq!(pushed.batches, (lines.len() as u64).div_ceil(500));
    assert_eq!(pushed.retries, 1);
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Retry { reason, .. } if reason.starts_with("503"))));
    let state = store.state.lock().unwrap();
    // What the store holds is exactly graph.nq's default graph.
    assert_eq!(state.graphs["https://w3id.org/factgraph/release/v1"], lines);
    // The first write replaces (PUT), the others add (POST).
    let writes: Vec<&String> = state
        .requests
        .iter()
        .filter(|r| r.starts_with("PUT") || r.starts_with("POST /store"))
        .collect();
    assert!(writes[0].starts_with("PUT"));
    assert!(writes[1..].iter().all(|w| w.starts_with("POST")));
}

#[test]
fn pushing_again_replaces_the_graph() {
    let store = start_store();
    let (graph_nq, lines) = sample_graph();
    store
        .state
        .lock()
        .unwrap()
        .graphs
        .entry("https://w3id.org/factgraph/release/v1".into())
        .or_default()
        .insert("<urn:stale> <urn:stale> <urn:stale> .".into());
    for _ in 0..2 {
        let pushed = push::push(
            &graph_nq,
            &target(&store, false, PASSWORD),
            &settings(10_000),
            |_| {},
        )
        .unwrap();
        assert_eq!(pushed.in_store, lines.len() as u64);
        assert_eq!(pushed.counted_by, "the graph read back");
    }
    assert_eq!(
        store.state.lock().unwrap().graphs["https://w3id.org/factgraph/release/v1"],
        lines
    );
}

#[test]
fn a_short_count_is_an_error() {
    let store = start_store();
    store.state.lock().unwrap().lose = 3;
    let (graph_nq, lines) = sample_graph();
    let error = push::push(
        &graph_nq,
        &target(&store, true, PASSWORD),
        &settings(10_000),
        |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains(&format!("holds {} triple(s)", lines.len() - 3)),
        "{error}"
    );
}

#[test]
fn a_wrong_password_is_refused_without_showing_it() {
    let store = start_store();
    let (graph_nq, _) = sample_graph();
    let error = push::push(
        &graph_nq,
        &target(&store, true, "not-the-password"),
        &settings(500),
        |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("refused the credentials"), "{error}");
    assert!(!error.contains("not-the-password"), "{error}");
}

#[test]
fn the_command_takes_credentials_from_the_environment_only() {
    let store = start_store();
    let output = assert_cmd::Command::cargo_bin("factgraph")
        .unwrap()
        .args(["--root"])
        .arg(repo())
        .args(["push", "--release", "v1", "--endpoint"])
        .arg(format!("{}/store", store.url))
        .arg("--sparql")
        .arg(format!("{}/sparql", store.url))
        .env("FACTGRAPH_PUSH_USER", USER)
        .env("FACTGRAPH_PUSH_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("the store holds 1812"), "{stdout}");
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
    // A URL with credentials in it is refused, and not echoed.
    let output = assert_cmd::Command::cargo_bin("factgraph")
        .unwrap()
        .args(["--root"])
        .arg(repo())
        .args(["push", "--release", "v1", "--endpoint"])
        .arg(format!("http://{USER}:{PASSWORD}@127.0.0.1:1/store"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("FACTGRAPH_PUSH_USER"), "{stderr}");
    assert!(!stderr.contains(PASSWORD), "{stderr}");
}
