//! Listening: oxhttp's threaded server around [`Service::handle`], and the graceful
//! shutdown (stop accepting, let requests in flight finish).

use super::{open, Logger, ServeConfig, ServeError, Service};
use crate::error::Error;
use oxhttp::{ListeningServer, Server};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// A server accepting connections.
pub struct Running {
    addr: SocketAddr,
    service: Arc<Service>,
    _server: ListeningServer,
}

impl Running {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://addr`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The service behind it.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// Stops answering new requests (503) and waits up to `grace` for those in flight;
    /// returns how many were still running when it gave up. `stop_waiting` ends the
    /// wait early when it receives (a second Ctrl-C).
    pub fn shutdown(&self, grace: Duration, stop_waiting: Option<&mpsc::Receiver<()>>) -> usize {
        self.service.closing.store(true, Ordering::SeqCst);
        let give_up = Instant::now() + grace;
        while self.service.in_flight() > 0 && Instant::now() < give_up {
            if stop_waiting.is_some_and(|rx| rx.try_recv().is_ok()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.service.in_flight()
    }
}

/// Resolves port 0 to a free port (oxhttp binds by address and does not report the
/// port it got), so the caller can print where it listens. Another process could
/// take the port in between; binding then fails with a clear error.
fn resolve_port(bind: SocketAddr) -> Result<SocketAddr, ServeError> {
    if bind.port() != 0 {
        return Ok(bind);
    }
    let listener =
        TcpListener::bind(bind).map_err(|source| ServeError::Bind { addr: bind, source })?;
    listener
        .local_addr()
        .map_err(|source| ServeError::Bind { addr: bind, source })
}

/// Starts listening on `bind` (port 0: a free port) with at most `max_connections`
/// connections handled at once.
pub fn start(
    service: Service,
    bind: SocketAddr,
    max_connections: usize,
) -> Result<Running, ServeError> {
    let addr = resolve_port(bind)?;
    let service = Arc::new(service);
    let handler = Arc::clone(&service);
    let server = Server::new(move |request| handler.handle(request))
        .bind(addr)
        .with_server_name(concat!("factgraph/", env!("CARGO_PKG_VERSION")))
        .map_err(|e| Error::Usage(e.to_string()))?
        .with_global_timeout(Duration::from_secs(60))
        .with_max_concurrent_connections(max_connections.max(1))
        .spawn()
        .map_err(|source| ServeError::Bind { addr, source })?;
    Ok(Running {
        addr,
        service,
        _server: server,
    })
}

/// How a served session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Requests answered.
    pub served: u64,
    /// Requests still running when the grace period ran out (or a second Ctrl-C came).
    pub abandoned: usize,
}

/// Loads what `config.serving` names, listens, calls `on_ready` (to say where), and
/// serves until `shutdown` receives (or its sender is dropped); then refuses new
/// requests and lets those in flight finish (up to the query timeout, or until
/// `shutdown` receives again). The binary sends on Ctrl-C: signals are a process
/// concern, not the library's.
pub fn serve(
    config: ServeConfig,
    log: Option<Logger>,
    shutdown: mpsc::Receiver<()>,
    on_ready: impl FnOnce(&Running),
) -> Result<Stopped, ServeError> {
    let dataset = open(&config.project, &config.serving)?;
    let mut service = Service::new(dataset, config.limits.clone())?;
    if let Some(log) = log {
        service = service.with_log(log);
    }
    let running = start(service, config.bind, config.max_connections)?;
    on_ready(&running);
    let _ = shutdown.recv();
    let abandoned = running.shutdown(
        config.limits.timeout + Duration::from_secs(1),
        Some(&shutdown),
    );
    Ok(Stopped {
        served: running.service.served(),
        abandoned,
    })
}
