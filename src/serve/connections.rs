//! The endpoint's HTTP/1.1 connections: deadlines and a connection policy that slow
//! or many clients cannot exhaust.
//!
//! oxhttp's server (used before) gave each connection a thread, blocked its accept
//! loop once `--max-connections` threads were busy, and only had a per-read timeout:
//! 100 clients sending one byte a second, or 64 idle half-requests, held every slot
//! and blocked everyone else for minutes. Here:
//! - a request's head and body must arrive whole within [`Policy::request_timeout`]
//!   (a total deadline, not per read: a byte a second does not extend it), and an idle
//!   keep-alive connection is closed after [`Policy::idle_timeout`];
//! - the accept loop never blocks: a connection over [`Policy::max_connections`], or
//!   over [`Policy::max_per_client`] from one IP address, waits up to two seconds for a
//!   slot and then gets **503** (or **429**), so one client cannot take every slot
//!   from the others; past four times the limit, new connections get 503 at once;
//! - heads over [`Policy::max_head`] bytes get **431**, bodies over
//!   [`Policy::max_body`] **413** (unread).
//!
//! Each connection is handled on its own thread; the handler sees complete requests
//! only, so its own time is the query's.

use oxhttp::model::{Body, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Limits on connections and on how fast requests must arrive.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Connections open at once from one IP address; more are answered 429.
    pub max_per_client: usize,
    /// Time for a whole request (head and body) to arrive, from its first byte.
    pub request_timeout: Duration,
    /// Time a keep-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Time for a response to be written.
    pub write_timeout: Duration,
    /// Largest request head (request line and headers), in bytes.
    pub max_head: usize,
    /// Largest request body, in bytes.
    pub max_body: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_connections: 256,
            max_per_client: 32,
            request_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(30),
            max_head: 16 * 1024,
            max_body: 1024 * 1024,
        }
    }
}

/// A request handler: complete request in, response out.
pub type Handler = Arc<dyn Fn(&mut Request<Body>) -> Response<Body> + Send + Sync>;

#[derive(Default)]
struct Counts {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

/// Gives a connection's slot back when its thread is done with it, however it ends.
struct Slot {
    admission: Arc<Admission>,
    client: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self
            .admission
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        counts.total -= 1;
        if let Some(n) = counts.per_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                counts.per_client.remove(&self.client);
            }
        }
        self.admission.freed.notify_all();
    }
}

/// How long a connection over a limit waits for a slot before it is refused: short
/// races (a client's next connection arriving before its last one is seen closed) wait
/// instead of failing.
const ADMISSION_WAIT: Duration = Duration::from_secs(2);

/// Connections (admitted or waiting) beyond which a new one is refused at once, as a
/// multiple of [`Policy::max_connections`] for all clients together and of
/// [`Policy::max_per_client`] for one address: this bounds the threads a flood can
/// make, and keeps one address's flood from refusing everyone else.
const WAITING_FACTOR: usize = 4;

struct Admission {
    counts: Mutex<Counts>,
    freed: Condvar,
    /// Connections with a thread (admitted or waiting for a slot), in all and by
    /// address.
    present: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

impl Admission {
    /// Counts a new connection in, unless its address or everyone is over the flood
    /// bound (then the status to refuse it with).
    fn arrive(&self, policy: &Policy, client: IpAddr) -> Result<(), (StatusCode, &'static str)> {
        let mut present = self.present.lock().unwrap_or_else(|e| e.into_inner());
        let mine = present.1.get(&client).copied().unwrap_or(0);
        if mine >= policy.max_per_client.saturating_mul(WAITING_FACTOR) {
            return Err((StatusCode::TOO_MANY_REQUESTS, TOO_MANY_FROM_YOU));
        }
        if present.0 >= policy.max_connections.saturating_mul(WAITING_FACTOR) {
            return Err((StatusCode::SERVICE_UNAVAILABLE, BUSY));
        }
        present.0 += 1;
        *present.1.entry(client).or_default() += 1;
        Ok(())
    }

    fn leave(&self, client: IpAddr) {
        let mut present = self.present.lock().unwrap_or_else(|e| e.into_inner());
        present.0 -= 1;
        if let Some(n) = present.1.get_mut(&client) {
            *n -= 1;
            if *n == 0 {
                present.1.remove(&client);
            }
        }
    }
}

/// Accepts connections on `listener` forever, on a new thread.
pub fn spawn(
    listener: TcpListener,
    policy: Policy,
    server_name: &'static str,
    handler: Handler,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let admission = Arc::new(Admission {
        counts: Mutex::new(Counts::default()),
        freed: Condvar::new(),
        present: Mutex::new((0, HashMap::new())),
    });
    let policy = Arc::new(policy);
    std::thread::Builder::new()
        .name("factgraph accept".into())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let Ok(peer) = stream.peer_addr() else {
                    continue;
                };
                if let Err((status, message)) = admission.arrive(&policy, peer.ip()) {
                    refuse(stream, status, message);
                    continue;
                }
                let (policy, handler, admission) = (
                    Arc::clone(&policy),
                    Arc::clone(&handler),
                    Arc::clone(&admission),
                );
                let thread_admission = Arc::clone(&admission);
                let spawned = std::thread::Builder::new()
                    .name(format!("factgraph {peer}"))
                    .spawn(move || {
                        let admission = thread_admission;
                        match admit(&admission, &policy, peer.ip()) {
                            Ok(slot) => {
                                connection(stream, &policy, server_name, &*handler);
                                drop(slot);
                            }
                            Err((status, message)) => refuse(stream, status, message),
                        }
                        admission.leave(peer.ip());
                    });
                if spawned.is_err() {
                    admission.leave(peer.ip());
                }
            }
        })
}

const BUSY: &str = "the server has too many open connections; try again shortly";
const TOO_MANY_FROM_YOU: &str =
    "too many open connections from your address; close some and try again";

/// Waits (up to [`ADMISSION_WAIT`]) for a slot under both limits.
fn admit(
    admission: &Arc<Admission>,
    policy: &Policy,
    client: IpAddr,
) -> Result<Slot, (StatusCode, &'static str)> {
    let give_up = Instant::now() + ADMISSION_WAIT;
    let mut counts = admission.counts.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let mine = counts.per_client.get(&client).copied().unwrap_or(0);
        if counts.total < policy.max_connections && mine < policy.max_per_client {
            counts.total += 1;
            *counts.per_client.entry(client).or_default() += 1;
            return Ok(Slot {
                admission: Arc::clone(admission),
                client,
            });
        }
        let left = give_up.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(if mine >= policy.max_per_client {
                (StatusCode::TOO_MANY_REQUESTS, TOO_MANY_FROM_YOU)
            } else {
                (StatusCode::SERVICE_UNAVAILABLE, BUSY)
            });
        }
        counts = admission
            .freed
            .wait_timeout(counts, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

/// Answers a refused connection without reading from it, from the accept thread: the
/// answer is small enough for the socket's buffer, so the write does not block.
fn refuse(mut stream: TcpStream, status: StatusCode, message: &str) {
    let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\nretry-after: 1\r\ncontent-length: {}\r\n\r\n{message}\n",
        message.len() + 1
    );
    let _ = stream.shutdown(Shutdown::Write);
}

/// Why a request could not be read.
enum Failure {
    /// The client closed the connection, or stayed idle past the idle timeout.
    Gone,
    /// A status to answer (then close).
    Answer(StatusCode, String),
}

fn connection(
    mut stream: TcpStream,
    policy: &Policy,
    server_name: &'static str,
    handler: &(dyn Fn(&mut Request<Body>) -> Response<Body> + Send + Sync),
) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(policy.write_timeout));
    let mut buffered: Vec<u8> = Vec::new();
    loop {
        let (mut request, keep_alive) = match read_request(&mut stream, &mut buffered, policy) {
            Ok(r) => r,
            Err(Failure::Gone) => return,
            Err(Failure::Answer(status, message)) => {
                let mut response = Response::builder()
                    .status(status)
                    .header("content-type", "text/plain; charset=utf-8")
                    .body(Body::from(format!("{message}\n")))
                    .unwrap_or_default();
                let _ = write_response(&mut stream, &mut response, false, server_name);
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
        };
        let mut response = handler(&mut request);
        if write_response(&mut stream, &mut response, keep_alive, server_name).is_err()
            || !keep_alive
        {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// Reads bytes until `done` says the buffer holds what is needed, within `deadline`.
/// `idle` is whether no byte of this request has arrived yet (then a timeout or a
/// close is not an error worth answering).
fn fill(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    deadline: Instant,
    limit: usize,
    mut done: impl FnMut(&[u8]) -> bool,
) -> Result<(), Failure> {
    let mut chunk = [0u8; 8192];
    while !done(buffer) {
        if buffer.len() > limit {
            return Err(Failure::Answer(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!("the request head is larger than {limit} bytes"),
            ));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(if buffer.is_empty() {
                Failure::Gone
            } else {
                Failure::Answer(
                    StatusCode::REQUEST_TIMEOUT,
                    "the request did not arrive in time".into(),
                )
            });
        }
        let _ = stream.set_read_timeout(Some(left));
        match stream.read(&mut chunk) {
            Ok(0) => return Err(Failure::Gone),
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Failure::Gone),
        }
    }
    Ok(())
}

fn head_end(buffer: &[u8]) -> Option<usize> {
    buffer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| buffer.windows(2).position(|w| w == b"\n\n").map(|p| p + 2))
}

fn bad(message: impl Into<String>) -> Failure {
    Failure::Answer(StatusCode::BAD_REQUEST, message.into())
}

/// Reads one request (head and body) and says whether the connection stays open.
fn read_request(
    stream: &mut TcpStream,
    buffered: &mut Vec<u8>,
    policy: &Policy,
) -> Result<(Request<Body>, bool), Failure> {
    // The idle wait ends at the first byte; from then the whole request has
    // `request_timeout`.
    if buffered.is_empty() {
        fill(
            stream,
            buffered,
            Instant::now() + policy.idle_timeout,
            policy.max_head,
            |b| !b.is_empty(),
        )?;
    }
    let deadline = Instant::now() + policy.request_timeout;
    fill(stream, buffered, deadline, policy.max_head, |b| {
        head_end(b).is_some()
    })?;
    let end = head_end(buffered).unwrap_or(buffered.len());
    if end > policy.max_head {
        return Err(Failure::Answer(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the request head is larger than {} bytes", policy.max_head),
        ));
    }
    let head = std::str::from_utf8(&buffered[..end])
        .map_err(|_| bad("the request head is not UTF-8"))?
        .to_owned();
    buffered.drain(..end);
    let mut lines = head.split('\n').map(|l| l.trim_end_matches('\r'));
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(format!(
            "malformed request line `{}`",
            crate::error::escape_controls(request_line)
        )));
    };
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => {
            return Err(Failure::Answer(
                StatusCode::HTTP_VERSION_NOT_SUPPORTED,
                format!(
                    "unsupported HTTP version `{}`",
                    crate::error::escape_controls(version)
                ),
            ))
        }
    };
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| bad("malformed method"))?;
    let mut builder = Request::builder().method(method);
    let mut host = None;
    let mut length: Option<usize> = None;
    let mut chunked = false;
    let mut keep_alive = http11;
    let mut expect_continue = false;
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad("malformed header line"));
        };
        let value = value.trim();
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| bad("malformed header name"))?;
        let header = HeaderValue::from_str(value).map_err(|_| bad("malformed header value"))?;
        match name.as_str() {
            "host" => host = Some(value.to_owned()),
            "content-length" => {
                let n = value
                    .parse::<usize>()
                    .map_err(|_| bad("malformed content-length"))?;
                if length.is_some_and(|l| l != n) {
                    return Err(bad("conflicting content-length headers"));
                }
                length = Some(n);
            }
            "transfer-encoding" => {
                if !value.eq_ignore_ascii_case("chunked") {
                    return Err(Failure::Answer(
                        StatusCode::NOT_IMPLEMENTED,
                        "only the chunked transfer encoding is supported".into(),
                    ));
                }
                chunked = true;
            }
            "connection" => {
                let v = value.to_ascii_lowercase();
                if v.contains("close") {
                    keep_alive = false;
                } else if v.contains("keep-alive") {
                    keep_alive = true;
                }
            }
            "expect" => expect_continue = value.eq_ignore_ascii_case("100-continue"),
            _ => {}
        }
        builder = builder.header(name, header);
    }
    if chunked && length.is_some() {
        return Err(bad("both content-length and chunked transfer encoding"));
    }
    let uri = if target.starts_with('/') || target == "*" {
        let host = host.ok_or_else(|| bad("missing Host header"))?;
        format!("http://{host}{target}")
    } else {
        target.to_owned()
    };
    let uri = Uri::try_from(uri.as_str()).map_err(|_| bad("malformed request target"))?;
    builder = builder.uri(uri);

    if length.is_some_and(|n| n > policy.max_body) {
        return Err(Failure::Answer(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request body is larger than {} bytes (the server's limit, --max-body)",
                policy.max_body
            ),
        ));
    }
    if expect_continue && (chunked || length.is_some_and(|n| n > 0)) {
        let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let body = if chunked {
        read_chunked(stream, buffered, deadline, policy.max_body)?
    } else {
        let n = length.unwrap_or(0);
        fill(stream, buffered, deadline, usize::MAX, |b| b.len() >= n).map_err(|f| match f {
            Failure::Gone => Failure::Gone,
            other => other,
        })?;
        buffered.drain(..n).collect()
    };
    let request = builder
        .body(Body::from(body))
        .map_err(|_| bad("malformed request"))?;
    Ok((request, keep_alive))
}

fn read_chunked(
    stream: &mut TcpStream,
    buffered: &mut Vec<u8>,
    deadline: Instant,
    max_body: usize,
) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    loop {
        fill(stream, buffered, deadline, usize::MAX, |b| {
            b.windows(2).any(|w| w == b"\r\n")
        })?;
        let line_end = buffered.windows(2).position(|w| w == b"\r\n").unwrap_or(0);
        let size_text =
            std::str::from_utf8(&buffered[..line_end]).map_err(|_| bad("malformed chunk size"))?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| bad("malformed chunk size"))?;
        buffered.drain(..line_end + 2);
        if body.len() + size > max_body {
            return Err(Failure::Answer(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the request body is larger than {max_body} bytes (the server's limit, --max-body)"
                ),
            ));
        }
        if size == 0 {
            // Trailers (ignored) end with an empty line.
            fill(stream, buffered, deadline, usize::MAX, |b| {
                b.starts_with(b"\r\n") || b.windows(4).any(|w| w == b"\r\n\r\n")
            })?;
            let end = if buffered.starts_with(b"\r\n") {
                2
            } else {
                buffered
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .unwrap_or(0)
                    + 4
            };
            buffered.drain(..end);
            return Ok(body);
        }
        fill(stream, buffered, deadline, usize::MAX, |b| {
            b.len() >= size + 2
        })?;
        body.extend_from_slice(&buffered[..size]);
        buffered.drain(..size + 2);
    }
}

fn write_response(
    stream: &mut TcpStream,
    response: &mut Response<Body>,
    keep_alive: bool,
    server_name: &str,
) -> std::io::Result<()> {
    let mut body = Vec::new();
    response.body_mut().read_to_end(&mut body)?;
    let mut out = Vec::with_capacity(body.len() + 512);
    write!(out, "HTTP/1.1 {}\r\n", response.status())?;
    for (name, value) in response.headers() {
        if matches!(
            name.as_str(),
            "content-length" | "connection" | "transfer-encoding" | "server"
        ) {
            continue;
        }
        write!(out, "{name}: ")?;
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    write!(
        out,
        "server: {server_name}\r\nconnection: {}\r\n",
        if keep_alive { "keep-alive" } else { "close" }
    )?;
    let status = response.status().as_u16();
    if !(status < 200 || status == 204 || status == 304) {
        write!(out, "content-length: {}\r\n", body.len())?;
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    stream.write_all(&out)?;
    stream.flush()
}
