//! Listening: the connections of [`super::connections`] around [`Service::handle`],
//! and the graceful shutdown (stop accepting, let requests in flight finish).

use super::connections;
use super::{open, Logger, ServeConfig, ServeError, Service};
use oxhttp::model::{Body, Request};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// A server accepting connections.
pub struct Running {
    addr: SocketAddr,
    service: Arc<Service>,
    _accept: std::thread::JoinHandle<()>,
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

/// Starts listening on `bind` (port 0: a free port) with at most `max_connections`
/// connections open at once (three quarters of them from any one address; see
/// [`connections::Policy`]).
pub fn start(
    service: Service,
    bind: SocketAddr,
    max_connections: usize,
) -> Result<Running, ServeError> {
    let listener =
        TcpListener::bind(bind).map_err(|source| ServeError::Bind { addr: bind, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| ServeError::Bind { addr: bind, source })?;
    let policy = connections::Policy {
        max_connections: max_connections.max(1),
        max_per_client: (max_connections * 3 / 4).max(1),
        max_body: service.limits.max_body_bytes,
        ..connections::Policy::default()
    };
    let service = Arc::new(service);
    let handler = Arc::clone(&service);
    let accept = connections::spawn(
        listener,
        policy,
        concat!("factgraph/", env!("CARGO_PKG_VERSION")),
        Arc::new(move |request: &mut Request<Body>| handler.handle(request)),
    )
    .map_err(|source| ServeError::Bind { addr, source })?;
    Ok(Running {
        addr,
        service,
        _accept: accept,
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
