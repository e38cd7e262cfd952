//! The endpoint under hostile requests (issue 10, items 1-4), over HTTP: each hostile
//! request gets a 4xx/5xx with a message, and the server answers the next request.
//! No test depends on speed: the limits are set small and the assertions are on what
//! is answered, not on how fast.

use crate::support::Project;
use factgraph::serve::{self, Limits, Running, Serving};
use factgraph::Config;
use oxhttp::model::{Body, Method, Request};
use oxhttp::Client;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

const FREE_PORT: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

fn start(project: &Project, limits: Limits, max_connections: usize) -> Running {
    let config = Config::new(project.dir.path(), factgraph::project::DEFAULT_BASE_IRI).unwrap();
    let dataset = serve::open(&config, &Serving::Working).unwrap();
    let service = serve::Service::new(dataset, limits).unwrap();
    serve::start(service, FREE_PORT, max_connections).unwrap()
}

fn post(server: &Running, query: &str) -> (u16, String) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{}/sparql", server.url()))
        .header("Content-Type", "application/sparql-query")
        .header("Accept", "text/csv")
        .body(Body::from(query.to_owned()))
        .unwrap();
    let response = Client::new()
        .with_global_timeout(Duration::from_secs(120))
        .request(request)
        .unwrap();
    let status = response.status().as_u16();
    (status, response.into_body().to_string().unwrap())
}

fn get(server: &Running, query: &str) -> (u16, String) {
    let url = format!(
        "{}/sparql?query={}",
        server.url(),
        form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
    );
    let request = Request::builder()
        .method(Method::GET)
        .uri(url)
        .header("Accept", "text/csv")
        .body(Body::empty())
        .unwrap();
    let response = Client::new()
        .with_global_timeout(Duration::from_secs(120))
        .request(request)
        .unwrap();
    let status = response.status().as_u16();
    (status, response.into_body().to_string().unwrap())
}

const FACT_IDS: &str = "SELECT ?id WHERE { ?f fg:factId ?id } ORDER BY ?id";

fn still_serving(server: &Running) {
    assert_eq!(
        post(server, FACT_IDS),
        (200, "id\r\nf1\r\nf2\r\n".to_owned())
    );
}

fn limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(2),
        max_query_memory: 256 * 1024 * 1024,
        ..Limits::default()
    }
}

/// Item 1: deep nesting, long UNIONs and long property paths overflowed the stack and
/// aborted the server (a 2 KB GET of 1,000 parentheses was enough).
#[test]
fn deep_queries_get_400_and_the_server_keeps_serving() {
    let p = Project::minimal();
    let server = start(&p, limits(), 16);
    let parens = format!("ASK{{FILTER({}1{})}}", "(".repeat(1000), ")".repeat(1000));
    let (status, body) = get(&server, &parens);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("nests deeper than"), "{body}");
    still_serving(&server);

    let union = format!("SELECT * {{ {} {{}} }}", "{?s ?p ?o} UNION ".repeat(5000));
    let (status, body) = post(&server, &union);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("UNION"), "{body}");
    let path = format!("ASK {{ ?s {}fg:inRole ?o }}", "fg:inRole/".repeat(20000));
    let (status, body) = post(&server, &path);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("property path"), "{body}");
    still_serving(&server);

    // Just within every bound: answered, not crashed.
    let deep = format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER({}1{}) }}",
        "(".repeat(60),
        ")".repeat(60)
    );
    assert_eq!(post(&server, &deep).0, 200);
    let branches = format!(
        "SELECT * {{ {} {{?s ?p ?o}} }} LIMIT 1",
        "{?s ?p ?o} UNION ".repeat(200)
    );
    assert_eq!(post(&server, &branches).0, 200);
    let steps = format!("ASK {{ ?s {}fg:inRole ?o }}", "fg:inRole/".repeat(100));
    assert_eq!(post(&server, &steps).0, 200);
    still_serving(&server);
}

/// Item 2: `BIND(CONCAT(?a0,?a0) AS ?a1)` chained 28 times allocated gigabytes and
/// killed the server.
#[test]
fn a_query_over_its_memory_gets_503_and_the_server_keeps_serving() {
    let p = Project::minimal();
    let server = start(
        &p,
        Limits {
            timeout: Duration::from_secs(60),
            ..limits()
        },
        16,
    );
    let mut query =
        String::from("SELECT (STRLEN(?a28) AS ?n) WHERE { BIND(\"0123456789\" AS ?a0) ");
    for i in 1..=28 {
        query.push_str(&format!("BIND(CONCAT(?a{0},?a{0}) AS ?a{i}) ", i - 1));
    }
    query.push('}');
    let (status, body) = post(&server, &query);
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("--max-memory"), "{body}");
    still_serving(&server);
}

/// Item 3: a CPU-only query (joins of VALUES blocks, where Oxigraph never polls its
/// cancellation token) ran 118 s under a 10 s timeout and answered 200.
#[test]
fn a_cpu_only_query_is_stopped_at_the_timeout() {
    let p = Project::minimal();
    let server = start(
        &p,
        Limits {
            timeout: Duration::from_millis(500),
            ..limits()
        },
        16,
    );
    let block = |v: usize| format!("VALUES ?v{v} {{ 1 2 3 4 5 6 7 8 9 10 }} ");
    let query = format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ {} }}",
        (0..9).map(block).collect::<String>()
    );
    let (status, body) = post(&server, &query);
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("time limit"), "{body}");
    still_serving(&server);
}

/// Item 20 (the endpoint part): SERVICE gave 500.
#[test]
fn service_is_a_400_not_a_500() {
    let p = Project::minimal();
    let server = start(&p, limits(), 16);
    let (status, body) = post(
        &server,
        "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("SERVICE"), "{body}");
}

/// A TCP connection to `to` from the loopback address `from` (another "client" on
/// the same machine: every address of 127.0.0.0/8 is loopback).
fn connect_from(from: Ipv4Addr, to: SocketAddr) -> std::io::Result<TcpStream> {
    use std::os::fd::FromRawFd;
    let SocketAddr::V4(to) = to else {
        unreachable!("the server listens on IPv4 loopback")
    };
    let address = |ip: Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    let length = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: plain socket calls on a descriptor owned here, with valid addresses.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let stream = TcpStream::from_raw_fd(fd);
        let source = address(from, 0);
        if libc::bind(fd, std::ptr::addr_of!(source).cast(), length) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let target = address(*to.ip(), to.port());
        if libc::connect(fd, std::ptr::addr_of!(target).cast(), length) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(stream)
    }
}

const HOSTILE: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

/// Item 4: 100 connections sending one byte a second, or 64 idle half-requests,
/// blocked every other client. Here one address (the hostile client, 127.0.0.2) holds
/// at most three quarters of the connections, slow clients are cut at the request
/// deadline, and an ordinary client (127.0.0.1) is answered while they hold theirs.
#[test]
fn slow_and_idle_clients_do_not_block_the_others() {
    let p = Project::minimal();
    let server = start(&p, limits(), 16);
    // Idle half-requests: a request line and no end of head.
    let mut idle: Vec<TcpStream> = (0..64)
        .filter_map(|_| connect_from(HOSTILE, server.addr()).ok())
        .collect();
    for s in &mut idle {
        let _ = s.write_all(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n");
    }
    // Slow clients: one byte every 100 ms, for as long as the server keeps them.
    let slow: Vec<_> = (0..20)
        .map(|_| {
            let addr = server.addr();
            std::thread::spawn(move || {
                let Ok(mut s) = connect_from(HOSTILE, addr) else {
                    return String::new();
                };
                let _ = s.set_read_timeout(Some(Duration::from_secs(60)));
                for b in b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
                    .iter()
                    .cycle()
                    .take(600)
                {
                    if s.write_all(&[*b]).is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                let mut answer = String::new();
                let _ = s.read_to_string(&mut answer);
                answer
            })
        })
        .collect();
    // While they hold (or wait for) connections, an ordinary client is answered.
    std::thread::sleep(Duration::from_millis(300));
    still_serving(&server);
    // Every slow client got an answer with a status and a message, or was closed:
    // none held its connection for its whole minute.
    for handle in slow {
        let answer = handle.join().unwrap();
        assert!(
            answer.is_empty()
                || answer.starts_with("HTTP/1.1 408")
                || answer.starts_with("HTTP/1.1 503")
                || answer.starts_with("HTTP/1.1 429")
                || answer.starts_with("HTTP/1.1 413"),
            "{answer}"
        );
    }
    drop(idle);
    still_serving(&server);
}
