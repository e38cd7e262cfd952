//! Query timeouts: one timer thread cancels the tokens of queries past their deadline.
//!
//! # Rationale
//! Oxigraph checks a [`CancellationToken`] each time evaluation reads the store, so a
//! cancelled query stops within microseconds and its thread is free again. One shared
//! thread with a deadline-ordered map costs a map insert per query instead of a thread
//! spawn per query (the server answers thousands of small queries per second).

use oxigraph::sparql::CancellationToken;
use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

#[derive(Default)]
struct State {
    next_id: u64,
    armed: BTreeMap<(Instant, u64), CancellationToken>,
    stopped: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The timer: dropping it stops its thread.
pub struct Watchdog {
    shared: Arc<Shared>,
}

/// A query's deadline; dropping it (the query finished) disarms it.
pub struct Armed {
    shared: Arc<Shared>,
    key: (Instant, u64),
}

impl Watchdog {
    /// Starts the timer thread.
    pub fn start() -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let thread_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("factgraph query watchdog".into())
            .spawn(move || run(&thread_shared))?;
        Ok(Self { shared })
    }

    /// Cancels `token` once `timeout` has passed, unless the returned guard is dropped first.
    pub fn arm(&self, token: CancellationToken, timeout: Duration) -> Armed {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        let key = (deadline, state.next_id);
        state.next_id += 1;
        let earliest = state.armed.keys().next().is_none_or(|k| key < *k);
        state.armed.insert(key, token);
        drop(state);
        if earliest {
            self.shared.wake.notify_one();
        }
        Armed {
            shared: Arc::clone(&self.shared),
            key,
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.lock().stopped = true;
        self.shared.wake.notify_one();
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        self.shared.lock().armed.remove(&self.key);
    }
}

fn run(shared: &Shared) {
    let mut state = shared.lock();
    loop {
        if state.stopped {
            return;
        }
        let now = Instant::now();
        while let Some(entry) = state.armed.first_entry() {
            if entry.key().0 > now {
                break;
            }
            entry.remove().cancel();
        }
        state = match state.armed.keys().next() {
            Some((deadline, _)) => {
                let wait = deadline.saturating_duration_since(now);
                shared
                    .wake
                    .wait_timeout(state, wait)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => shared
                .wake
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_deadline_cancels_its_token() {
        let watchdog = Watchdog::start().unwrap();
        let token = CancellationToken::new();
        let _guard = watchdog.arm(token.clone(), Duration::ZERO);
        // The timer thread runs on its own schedule: wait (bounded) for the cancellation.
        let give_up = Instant::now() + Duration::from_secs(10);
        while !token.is_cancelled() && Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(token.is_cancelled());
        assert!(watchdog.shared.lock().armed.is_empty());
    }

    #[test]
    fn a_finished_query_is_disarmed() {
        let watchdog = Watchdog::start().unwrap();
        let token = CancellationToken::new();
        let guard = watchdog.arm(token.clone(), Duration::from_secs(3600));
        assert_eq!(watchdog.shared.lock().armed.len(), 1);
        drop(guard);
        assert!(watchdog.shared.lock().armed.is_empty());
        assert!(!token.is_cancelled());
    }
}
