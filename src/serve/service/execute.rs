//! Running a query in its own process (see [`crate::sandbox`]) and serializing its
//! results within the limits.

use super::{response, Params, Reject, Service};
use crate::query;
use crate::sandbox;
use crate::serve::{negotiate, Endpoint, Kind, Negotiated};
use oxhttp::model::header::VARY;
use oxhttp::model::{Body, HeaderValue, Request, Response, StatusCode};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode};
use oxigraph::sparql::results::QueryResultsSerializer;
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults};
use std::fmt;
use std::io::{Read, Write};

/// The largest response a query's process may send back: 256 MiB (`--max-rows` is the
/// finer bound; this one stops a process that writes without end).
const RESPONSE_CAP: usize = 256 * 1024 * 1024;

/// Writes a child's answer to the pipe: `O`, rows, content type, headers' body; or `R`,
/// status, message.
fn encode(
    answer: Result<(Response<Body>, Option<usize>), Reject>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match answer {
        Ok((response, rows)) => {
            let content_type = response
                .headers()
                .get(oxhttp::model::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            out.write_all(b"O")?;
            out.write_all(&(rows.map_or(u64::MAX, |r| r as u64)).to_le_bytes())?;
            out.write_all(&(content_type.len() as u32).to_le_bytes())?;
            out.write_all(content_type.as_bytes())?;
            let mut body = Vec::new();
            response.into_body().read_to_end(&mut body)?;
            out.write_all(&body)
        }
        Err(reject) => {
            out.write_all(b"R")?;
            out.write_all(&reject.status.as_u16().to_le_bytes())?;
            out.write_all(reject.message.as_bytes())
        }
    }
}

/// Reads what [`encode`] wrote.
fn decode(bytes: &[u8]) -> Result<(Response<Body>, Option<usize>), Reject> {
    let broken = || {
        Reject::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the query's process sent a broken answer",
        )
    };
    match bytes.split_first() {
        Some((b'O', rest)) if rest.len() >= 12 => {
            let rows = u64::from_le_bytes(rest[..8].try_into().map_err(|_| broken())?);
            let length = u32::from_le_bytes(rest[8..12].try_into().map_err(|_| broken())?) as usize;
            let rest = &rest[12..];
            if rest.len() < length {
                return Err(broken());
            }
            let content_type = std::str::from_utf8(&rest[..length]).map_err(|_| broken())?;
            let mut r = response(StatusCode::OK, content_type, rest[length..].to_vec());
            r.headers_mut()
                .insert(VARY, HeaderValue::from_static("Accept"));
            Ok((r, (rows != u64::MAX).then_some(rows as usize)))
        }
        Some((b'R', rest)) if rest.len() >= 2 => {
            let status = u16::from_le_bytes([rest[0], rest[1]]);
            Err(Reject::new(
                StatusCode::from_u16(status).map_err(|_| broken())?,
                String::from_utf8_lossy(&rest[2..]).into_owned(),
            ))
        }
        _ => Err(broken()),
    }
}

/// The absolute URL a query was sent to, without its query string: the base IRI its
/// relative IRIs resolve against (the SPARQL 1.2 Protocol's "service-defined base"; the
/// W3C test `query_content_type_construct` sends `CONSTRUCT { <s> <p> 1 } WHERE {}`).
/// The HTTP layer makes the request URI absolute from the `Host` header; a request
/// without one (only in tests calling [`Service::handle`]) gets no base.
pub(super) fn endpoint_url(request: &Request<Body>) -> Option<String> {
    let uri = request.uri();
    Some(format!(
        "{}://{}{}",
        uri.scheme_str()?,
        uri.authority()?,
        uri.path()
    ))
}

impl Service {
    /// Runs `text` on `endpoint`, relative IRIs resolved against `base`.
    pub(super) fn run(
        &self,
        endpoint: &Endpoint,
        text: &str,
        base: Option<&str>,
        params: &Params,
        accept: Option<&str>,
    ) -> Result<(Response<Body>, Option<usize>), Reject> {
        let token = CancellationToken::new();
        let mut prepared = query::prepare(text, &self.dataset.prefixes, base, Some(token.clone()))
            .map_err(|e| Reject::new(StatusCode::BAD_REQUEST, e.to_string()))?;
        let iri = |iri: &String| {
            NamedNode::new(iri).map_err(|e| {
                Reject::new(
                    StatusCode::BAD_REQUEST,
                    format!("bad graph IRI `{iri}`: {e}"),
                )
            })
        };
        if params.union_default_graph {
            prepared.dataset_mut().set_default_graph_as_union();
        } else if !params.default_graphs.is_empty() || !params.named_graphs.is_empty() {
            // The protocol's dataset replaces the query's own FROM / FROM NAMED.
            let default = params
                .default_graphs
                .iter()
                .map(|g| iri(g).map(GraphName::from))
                .collect::<Result<Vec<_>, _>>()?;
            let named = params
                .named_graphs
                .iter()
                .map(|g| iri(g).map(NamedOrBlankNode::from))
                .collect::<Result<Vec<_>, _>>()?;
            prepared.dataset_mut().set_default_graph(default);
            prepared.dataset_mut().set_available_named_graphs(named);
        } else if let Some(graph) = &endpoint.default_graph {
            if prepared.dataset().is_default_dataset() {
                prepared
                    .dataset_mut()
                    .set_default_graph(vec![graph.clone().into()]);
            }
        }
        // Evaluation and serialization run in a child process (see crate::sandbox):
        // whatever the query does to memory, CPU or the stack, only the child pays,
        // and it is killed at the deadline.
        let budget = sandbox::Budget {
            timeout: self.limits.timeout,
            memory: self.limits.max_query_memory,
            max_output: RESPONSE_CAP,
        };
        let outcome = query::on_big_stack(|| {
            sandbox::run(&budget, |out| {
                let answer = self.evaluate(prepared, params, accept, &token);
                let _ = encode(answer, out);
            })
        })
        .map_err(|e| {
            Reject::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("cannot start the query's process: {e}"),
            )
        })?;
        match outcome {
            sandbox::Outcome::Finished(bytes) => decode(&bytes),
            sandbox::Outcome::TimedOut => Err(self.timed_out()),
            sandbox::Outcome::TooLarge => Err(Reject::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "the response would be larger than {} MiB; add a LIMIT",
                    RESPONSE_CAP / (1024 * 1024)
                ),
            )),
            sandbox::Outcome::Died(why) => Err(Reject::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the query was stopped: {why}; each query may use {} MiB (--max-memory) and {} s (--timeout); narrow it down",
                    self.limits.max_query_memory / (1024 * 1024),
                    self.limits.timeout.as_secs_f64()
                ),
            )),
        }
    }

    /// In the child process: evaluates, negotiates the format and serializes.
    fn evaluate(
        &self,
        prepared: oxigraph::sparql::PreparedSparqlQuery,
        params: &Params,
        accept: Option<&str>,
        token: &CancellationToken,
    ) -> Result<(Response<Body>, Option<usize>), Reject> {
        let results = prepared
            .on_store(&self.dataset.store)
            .execute()
            .map_err(|e| self.evaluation_failed(&e, token))?;
        let kind = match results {
            QueryResults::Graph(_) => Kind::Graph,
            _ => Kind::Results,
        };
        let format = negotiate::from_params(kind, &params.formats)
            .or_else(|| negotiate(kind, accept))
            .ok_or_else(|| {
                Reject::new(
                    StatusCode::NOT_ACCEPTABLE,
                    format!(
                        "none of the accepted media types ({}) is available for this query; use one of: {}",
                        accept.unwrap_or_default(),
                        negotiate::offered(kind)
                    ),
                )
            })?;
        let (body, rows) = self.serialize(results, format, token)?;
        let mut r = response(StatusCode::OK, format.content_type(), body);
        r.headers_mut()
            .insert(VARY, HeaderValue::from_static("Accept"));
        Ok((r, Some(rows)))
    }

    fn timed_out(&self) -> Reject {
        Reject::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the query was stopped after the server's time limit of {} s (--timeout); narrow it down or add a LIMIT",
                self.limits.timeout.as_secs_f64()
            ),
        )
    }

    fn evaluation_failed(&self, error: &dyn fmt::Display, token: &CancellationToken) -> Reject {
        if token.is_cancelled() {
            self.timed_out()
        } else {
            Reject::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("SPARQL evaluation failed: {error}"),
            )
        }
    }

    fn too_many(&self, what: &str) -> Reject {
        Reject::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "the result has more than {} {what} (the server's limit, --max-rows); add a LIMIT (and OFFSET to page through it)",
                self.limits.max_rows
            ),
        )
    }

    fn serialize(
        &self,
        results: QueryResults<'_>,
        format: Negotiated,
        token: &CancellationToken,
    ) -> Result<(Vec<u8>, usize), Reject> {
        let failed = |e: &dyn fmt::Display| {
            Reject::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot write the results: {e}"),
            )
        };
        let eval = |e: QueryEvaluationError| self.evaluation_failed(&e, token);
        match (results, format) {
            (QueryResults::Solutions(solutions), Negotiated::Results(f)) => {
                let mut writer = QueryResultsSerializer::from_format(f)
                    .serialize_solutions_to_writer(Vec::new(), solutions.variables().to_vec())
                    .map_err(|e| failed(&e))?;
                let mut rows = 0;
                for solution in solutions {
                    let solution = solution.map_err(eval)?;
                    rows += 1;
                    if rows > self.limits.max_rows {
                        return Err(self.too_many("rows"));
                    }
                    writer.serialize(&solution).map_err(|e| failed(&e))?;
                }
                Ok((writer.finish().map_err(|e| failed(&e))?, rows))
            }
            (QueryResults::Boolean(value), Negotiated::Results(f)) => {
                let body = QueryResultsSerializer::from_format(f)
                    .serialize_boolean_to_writer(Vec::new(), value)
                    .map_err(|e| failed(&e))?;
                Ok((body, 1))
            }
            (QueryResults::Graph(triples), Negotiated::Graph(f)) => {
                let mut serializer = RdfSerializer::from_format(f);
                if matches!(f, RdfFormat::Turtle | RdfFormat::RdfXml) {
                    for (name, ns) in &self.dataset.prefixes {
                        serializer = serializer.with_prefix(name, ns).map_err(|e| failed(&e))?;
                    }
                }
                let mut writer = serializer.for_writer(Vec::new());
                let mut rows = 0;
                for triple in triples {
                    let triple = triple.map_err(eval)?;
                    rows += 1;
                    if rows > self.limits.max_rows {
                        return Err(self.too_many("triples"));
                    }
                    writer.serialize_triple(&triple).map_err(|e| failed(&e))?;
                }
                Ok((writer.finish().map_err(|e| failed(&e))?, rows))
            }
            _ => Err(failed(&"the negotiated format does not fit the query form")),
        }
    }
}
