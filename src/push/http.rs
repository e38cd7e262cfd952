//! The HTTP side of `push`: one client, the authentication state, retries with backoff.

use super::auth::{Challenge, Credentials as AuthCredentials};
use super::{snippet, Credentials, Event, Settings};
use crate::error::{Error, Result};
use oxhttp::model::{Body, HeaderMap, Method, Request, StatusCode};
use std::io::Read;
use std::time::Duration;

/// The HTTP side: one client, the authentication state, retries.
pub(super) struct Http {
    client: oxhttp::Client,
    credentials: Option<AuthCredentials>,
    challenge: Option<Challenge>,
    retries_allowed: u32,
    backoff: Duration,
    pub(super) retries: u64,
}

/// Why one attempt failed.
enum Failure {
    /// Worth another attempt.
    Transient(String, Option<Duration>),
    /// Not worth it.
    Final(Error),
}

impl Http {
    pub(super) fn new(credentials: Option<Credentials>, settings: &Settings) -> Self {
        Self {
            client: oxhttp::Client::new()
                .with_global_timeout(settings.timeout)
                .with_user_agent(concat!("factgraph/", env!("CARGO_PKG_VERSION")))
                .unwrap_or_else(|_| oxhttp::Client::new().with_global_timeout(settings.timeout)),
            credentials: credentials.map(|c| AuthCredentials::new(c.user, c.password)),
            challenge: None,
            retries_allowed: settings.retries,
            backoff: settings.backoff,
            retries: 0,
        }
    }

    /// Sends a request until it succeeds, fails for good, or runs out of retries;
    /// returns the body of the successful answer.
    pub(super) fn send(
        &mut self,
        what: &str,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        on_event: &mut impl FnMut(&Event),
    ) -> Result<Vec<u8>> {
        let response = self.exchange(what, &method, url, headers, Some(body), on_event)?;
        response
            .into_body()
            .to_vec()
            .map_err(|e| Error::Usage(format!("{method} {url}: reading the answer: {e}")))
    }

    /// A GET whose answer is read as a stream.
    pub(super) fn open(
        &mut self,
        what: &str,
        url: &str,
        headers: &[(&str, &str)],
        on_event: &mut impl FnMut(&Event),
    ) -> Result<Body> {
        Ok(self
            .exchange(what, &Method::GET, url, headers, None, on_event)?
            .into_body())
    }

    fn exchange(
        &mut self,
        what: &str,
        method: &Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        on_event: &mut impl FnMut(&Event),
    ) -> Result<oxhttp::model::Response<Body>> {
        let mut attempt = 0u32;
        let mut answered_challenge = false;
        loop {
            attempt += 1;
            if self.credentials.is_some() && self.challenge.is_none() {
                self.probe(url);
            }
            match self.attempt(method, url, headers, body, &mut answered_challenge) {
                Ok(response) => return Ok(response),
                Err(Failure::Final(e)) => return Err(e),
                Err(Failure::Transient(reason, retry_after)) => {
                    // A store that refuses a request (an expired nonce) may close the
                    // connection before reading the body, which shows up here as a broken
                    // pipe: learn the challenge afresh before sending the body again.
                    self.challenge = None;
                    if attempt > self.retries_allowed {
                        return Err(Error::Usage(format!(
                            "{method} {url}: {reason} (gave up after {attempt} attempt(s))"
                        )));
                    }
                    let doubled = self.backoff.saturating_mul(1 << (attempt - 1).min(16));
                    let wait = retry_after.unwrap_or(doubled).min(Duration::from_secs(30));
                    on_event(&Event::Retry {
                        what: what.to_owned(),
                        attempt,
                        reason,
                        wait,
                    });
                    self.retries += 1;
                    std::thread::sleep(wait);
                }
            }
        }
    }

    /// Learns the store's authentication challenge with a bodiless `HEAD`, so that a
    /// large batch is never sent only to be refused (a server answering 401 early may
    /// close the connection before the body is read). Any failure here is left to the
    /// real request to report.
    fn probe(&mut self, url: &str) {
        let Ok(request) = Request::builder()
            .method(Method::HEAD)
            .uri(url)
            .body(Body::empty())
        else {
            return;
        };
        if let Ok(response) = self.client.request(request) {
            if response.status() == StatusCode::UNAUTHORIZED {
                self.challenge = Challenge::from_headers(response.headers());
            }
        }
    }

    /// One attempt, answering at most one authentication challenge on the way.
    fn attempt(
        &mut self,
        method: &Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        answered_challenge: &mut bool,
    ) -> std::result::Result<oxhttp::model::Response<Body>, Failure> {
        loop {
            let mut request = Request::builder().method(method.clone()).uri(url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if let (Some(challenge), Some(credentials)) = (&mut self.challenge, &self.credentials) {
                let target = request_target(url);
                request = request.header(
                    "authorization",
                    challenge.authorization(credentials, method.as_str(), &target),
                );
            }
            let request = request
                .body(body.map_or_else(Body::empty, |b| Body::from(b.to_vec())))
                .map_err(|e| Failure::Final(Error::Usage(format!("{method} {url}: {e}"))))?;
            let response = match self.client.request(request) {
                Ok(r) => r,
                Err(e) => return Err(Failure::Transient(e.to_string(), None)),
            };
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            if status == StatusCode::UNAUTHORIZED {
                let Some(_) = &self.credentials else {
                    return Err(Failure::Final(Error::Usage(format!(
                        "{method} {url}: the store asks for credentials (401); set FACTGRAPH_PUSH_USER and FACTGRAPH_PUSH_PASSWORD"
                    ))));
                };
                let challenge = Challenge::from_headers(response.headers());
                // A stale nonce is not a wrong password: answer the new challenge.
                let stale = challenge.as_ref().is_some_and(Challenge::is_stale);
                if *answered_challenge && !stale {
                    return Err(Failure::Final(Error::Usage(format!(
                        "{method} {url}: the store refused the credentials in FACTGRAPH_PUSH_USER / FACTGRAPH_PUSH_PASSWORD (401)"
                    ))));
                }
                match challenge {
                    Some(c) => {
                        self.challenge = Some(c);
                        *answered_challenge = true;
                        continue;
                    }
                    None => {
                        return Err(Failure::Final(Error::Usage(format!(
                            "{method} {url}: the store answered 401 without a Basic or Digest challenge factgraph can answer"
                        ))))
                    }
                }
            }
            let retry_after = retry_after(response.headers());
            let mut start = Vec::new();
            // An error page can be large: its start says enough.
            let _ = Read::take(response.into_body(), 64 * 1024).read_to_end(&mut start);
            let text = snippet(&start);
            let reason = format!(
                "{} {}{}",
                status.as_u16(),
                status.canonical_reason().unwrap_or(""),
                if text.is_empty() {
                    String::new()
                } else {
                    format!(": {text}")
                }
            );
            return Err(if is_transient(status) {
                Failure::Transient(reason, retry_after)
            } else {
                Failure::Final(Error::Usage(format!("{method} {url}: {reason}")))
            });
        }
    }
}

pub(super) fn is_transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 425 | 429 | 500 | 502 | 503 | 504)
}

/// A `Retry-After` given in seconds (HTTP dates are ignored: the backoff applies).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?;
    value.trim().parse().ok().map(Duration::from_secs)
}

/// The request target (path and query) of a URL, as Digest authentication signs it.
fn request_target(url: &str) -> String {
    url.parse::<oxhttp::model::Uri>()
        .ok()
        .and_then(|u| u.path_and_query().map(|p| p.as_str().to_owned()))
        .unwrap_or_else(|| "/".to_owned())
}
