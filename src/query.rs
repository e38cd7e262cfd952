//! Running SPARQL over a store and writing the results in standard formats.
//!
//! The ontology's prefixes (and `fact:`, `source:`, `release:`) are predeclared, so
//! `SELECT * { ?f fg:round ent:astana-round-21 }` works without PREFIX lines; a query's
//! own PREFIX lines take precedence.
//!
//! Relative IRIs resolve against a base IRI given by the caller (a query's own BASE line
//! wins): the project's base IRI for `factgraph query`, the endpoint's URL for `serve`
//! (the "service-defined base" of the SPARQL 1.2 Protocol, as Oxigraph's server does), so
//! `CONSTRUCT { <s> <p> 1 } WHERE {}` is a valid query.

use crate::error::{Error, Result};
use crate::store::Store;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::Term;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlEvaluator};
use std::io::Write;

pub mod limits;

/// How to print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An aligned text table (SELECT/ASK); Turtle for CONSTRUCT/DESCRIBE.
    Table,
    /// SPARQL 1.1 Query Results JSON (SELECT/ASK); N-Triples for graphs.
    Json,
    /// SPARQL 1.1 Query Results CSV.
    Csv,
    /// SPARQL 1.1 Query Results TSV.
    Tsv,
    /// SPARQL Query Results XML.
    Xml,
    /// Turtle (CONSTRUCT/DESCRIBE).
    Turtle,
    /// N-Triples (CONSTRUCT/DESCRIBE).
    NTriples,
}

/// Parses a query with the given predeclared prefixes and base IRI, turning a syntax
/// error into a message that names the line and column.
pub fn prepare(
    query: &str,
    prefixes: &[(String, String)],
    base_iri: Option<&str>,
    cancel: Option<CancellationToken>,
) -> Result<oxigraph::sparql::PreparedSparqlQuery> {
    limits::check(query).map_err(|limits::Refused(why)| Error::QueryRefused(why))?;
    let mut evaluator = SparqlEvaluator::new();
    if let Some(base) = base_iri {
        evaluator = evaluator
            .with_base_iri(base)
            .map_err(|e| Error::Usage(format!("bad base IRI <{base}>: {e}")))?;
    }
    if let Some(token) = cancel {
        evaluator = evaluator.with_cancellation_token(token);
    }
    for (name, ns) in prefixes {
        evaluator = evaluator
            .with_prefix(name, ns)
            .map_err(|e| Error::Usage(format!("bad prefix {name}: {e}")))?;
    }
    evaluator.parse_query(query).map_err(|e| {
        // The parser places most errors at the end of the text: a misspelt query form
        // and the common mistakes (an operator with no operand, a bracket never closed)
        // are found where they are by a plain scan; otherwise the parser's words.
        let message = query_form_error(query)
            .or_else(|| {
                limits::find_mistake(query)
                    .map(|m| format!("line {}, column {}: {}", m.line, m.column, m.message))
            })
            .unwrap_or_else(|| describe_syntax_error(&e.to_string()));
        Error::QuerySyntax(message)
    })
}

/// When the word after the prologue (`PREFIX`/`BASE` lines, comments) is not a query
/// form, says so at that word: the parser alone reports the last alternative it tried
/// (`SELEC nonsense` gets "expected CONSTRUCT"), which sends people to the wrong fix.
pub fn query_form_error(query: &str) -> Option<String> {
    let mut rest = query;
    loop {
        rest = rest.trim_start();
        if rest.starts_with('#') {
            rest = rest.split_once('\n').map_or("", |(_, r)| r);
            continue;
        }
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        match word.to_ascii_uppercase().as_str() {
            // The prologue: `PREFIX p: <iri>` and `BASE <iri>` end at their IRI.
            "PREFIX" | "BASE" => {
                rest = rest.split_once('>').map_or("", |(_, r)| r);
            }
            "SELECT" | "CONSTRUCT" | "ASK" | "DESCRIBE" => return None,
            // Updates are refused elsewhere with their own message.
            "INSERT" | "DELETE" | "LOAD" | "CLEAR" | "CREATE" | "DROP" | "COPY" | "MOVE"
            | "ADD" | "WITH" => return None,
            _ => {
                let offset = query.len() - rest.len();
                let before = &query[..offset];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                let found = if word.is_empty() {
                    rest.chars()
                        .next()
                        .map_or_else(|| "the end of the query".to_owned(), |c| format!("`{c}`"))
                } else {
                    format!("`{word}`")
                };
                return Some(format!(
                    "line {line}, column {column}: expected SELECT, CONSTRUCT, ASK or DESCRIBE (after any PREFIX and BASE lines), found {found}"
                ));
            }
        }
    }
}

/// Rewrites peg's `error at 3:7: expected …` as `line 3, column 7: expected …`.
pub fn describe_syntax_error(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("error at ") {
        if let Some((position, expected)) = rest.split_once(": ") {
            if let Some((line, column)) = position.split_once(':') {
                return format!("line {line}, column {column}: {expected}");
            }
        }
    }
    message.to_owned()
}

/// Runs a query on a store (relative IRIs resolved against `base_iri`) and writes its
/// results.
///
/// Parsing and evaluation run on a thread with a [`limits::EVALUATION_STACK`] stack:
/// both recurse over the query's shape, which [`limits::check`] bounds for that stack.
pub fn run(
    store: &Store,
    query: &str,
    prefixes: &[(String, String)],
    base_iri: Option<&str>,
    format: Format,
    cancel: Option<CancellationToken>,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    on_big_stack(|| {
        let results = prepare(query, prefixes, base_iri, cancel)?
            .on_store(store)
            .execute()
            .map_err(|e| Error::QueryEvaluation(Box::new(e)))?;
        write_results(results, prefixes, format, out)
    })
}

/// Runs `work` on a scoped thread with a [`limits::EVALUATION_STACK`] stack and returns
/// its result (a panic in `work` is resumed on the caller's thread).
pub fn on_big_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("factgraph query".into())
            .stack_size(limits::EVALUATION_STACK)
            .spawn_scoped(scope, work);
        match handle {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread could be made (out of memory or threads): refuse to run the
            // query on a smaller stack rather than risk an abort.
            Err(e) => panic!("cannot start a query thread: {e}"),
        }
    })
}

fn eval_error(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::QueryEvaluation(Box::new(e))
}

fn out_error(e: std::io::Error) -> Error {
    Error::io("<stdout>", e)
}

/// Writes query results in `format`.
pub fn write_results(
    results: QueryResults<'_>,
    prefixes: &[(String, String)],
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    let results_format = match format {
        Format::Json => Some(QueryResultsFormat::Json),
        Format::Csv => Some(QueryResultsFormat::Csv),
        Format::Tsv => Some(QueryResultsFormat::Tsv),
        Format::Xml => Some(QueryResultsFormat::Xml),
        _ => None,
    };
    match results {
        QueryResults::Solutions(solutions) => {
            if let Some(f) = results_format {
                let mut w = QueryResultsSerializer::from_format(f)
                    .serialize_solutions_to_writer(out, solutions.variables().to_vec())
                    .map_err(out_error)?;
                for solution in solutions {
                    w.serialize(&solution.map_err(eval_error)?)
                        .map_err(out_error)?;
                }
                w.finish().map_err(out_error)?;
                return Ok(());
            }
            if format != Format::Table {
                return Err(Error::Usage(
                    "SELECT results can be written as table, json, csv, tsv or xml".into(),
                ));
            }
            let variables: Vec<String> = solutions
                .variables()
                .iter()
                .map(|v| v.as_str().to_owned())
                .collect();
            let mut rows = Vec::new();
            for solution in solutions {
                let solution = solution.map_err(eval_error)?;
                rows.push(
                    (0..variables.len())
                        .map(|i| {
                            solution
                                .get(i)
                                .map(|t| compact(t, prefixes))
                                .unwrap_or_default()
                        })
                        .collect::<Vec<_>>(),
                );
            }
            write_table(out, &variables, &rows).map_err(out_error)
        }
        QueryResults::Boolean(value) => {
            if let Some(f) = results_format {
                QueryResultsSerializer::from_format(f)
                    .serialize_boolean_to_writer(out, value)
                    .map_err(out_error)?;
                return Ok(());
            }
            writeln!(out, "{value}").map_err(out_error)
        }
        QueryResults::Graph(triples) => {
            let rdf_format = match format {
                Format::Table | Format::Turtle => RdfFormat::Turtle,
                Format::NTriples | Format::Json => RdfFormat::NTriples,
                Format::Xml => RdfFormat::RdfXml,
                // CSV and TSV are tables of bindings: printing triples under that name
                // would hand a script something it does not expect.
                Format::Csv | Format::Tsv => {
                    return Err(Error::Usage(
                        "CONSTRUCT and DESCRIBE results are graphs, not tables: use --format turtle or ntriples (csv and tsv are for SELECT)".into(),
                    ))
                }
            };
            let mut serializer = RdfSerializer::from_format(rdf_format);
            if rdf_format == RdfFormat::Turtle {
                for (name, ns) in prefixes {
                    serializer = serializer
                        .with_prefix(name, ns)
                        .map_err(|e| Error::Usage(e.to_string()))?;
                }
            }
            let mut w = serializer.for_writer(out);
            for triple in triples {
                w.serialize_triple(&triple.map_err(eval_error)?)
                    .map_err(out_error)?;
            }
            w.finish().map_err(out_error)?;
            Ok(())
        }
    }
}

/// A term for a human: CURIE when a prefix fits, the lexical value for plain strings.
pub fn compact(term: &Term, prefixes: &[(String, String)]) -> String {
    match term {
        Term::NamedNode(n) => crate::vocab::compact_iri(
            n.as_str(),
            prefixes.iter().map(|(n, ns)| (n.as_str(), ns.as_str())),
        ),
        Term::Literal(l) if l.datatype() == oxigraph::model::vocab::xsd::STRING => {
            l.value().to_owned()
        }
        Term::Literal(l) if l.language().is_some() => {
            format!("{}@{}", l.value(), l.language().unwrap_or_default())
        }
        Term::Literal(l) => {
            let dt = Term::from(l.datatype().into_owned());
            let dt = compact(&dt, prefixes);
            if dt == "xsd:integer" || dt == "xsd:nonNegativeInteger" || dt == "xsd:decimal" {
                l.value().to_owned()
            } else {
                format!("{}^^{dt}", l.value())
            }
        }
        other => other.to_string(),
    }
}

fn write_table(
    out: &mut dyn Write,
    header: &[String],
    rows: &[Vec<String>],
) -> std::io::Result<()> {
    let clean = |s: &str| s.replace(['\n', '\r', '\t'], " ");
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(clean(cell).chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: &[String]| -> std::io::Result<()> {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let c = clean(c);
                let pad = widths[i] - c.chars().count();
                format!("{c}{}", " ".repeat(pad))
            })
            .collect();
        writeln!(out, "| {} |", padded.join(" | "))
    };
    line(out, header)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    writeln!(out, "|-{}-|", rule.join("-|-"))?;
    for row in rows {
        line(out, row)?;
    }
    writeln!(out, "{} row(s)", rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_query_form_is_named_where_it_is() {
        assert_eq!(
            query_form_error("SELEC nonsense").unwrap(),
            "line 1, column 1: expected SELECT, CONSTRUCT, ASK or DESCRIBE (after any PREFIX and BASE lines), found `SELEC`"
        );
        let q = "# who\nPREFIX ex: <http://e/#>\n  selec ?x WHERE {}";
        assert!(query_form_error(q)
            .unwrap()
            .starts_with("line 3, column 3:"));
        assert!(query_form_error("PREFIX ex: <http://e/> select * {}").is_none());
        assert!(query_form_error("ASK {}").is_none());
        assert!(query_form_error("INSERT DATA {}").is_none());
    }
}
