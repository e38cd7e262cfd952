//! Content negotiation: the `Accept` header (with q-values) and the `format=` fallback.
//!
//! # Rationale
//! Each kind of result has an ordered list of offers (media type → format); the
//! server picks the offer with the highest quality in the client's `Accept`, the
//! most specific matching range deciding an offer's quality (RFC 9110 §12.5.1), and
//! the server's own order breaking ties. `format=` (or Fuseki's `output=`) wins over
//! the header, for clients that cannot set headers (a plain link, `curl` in a hurry).

use oxigraph::io::{JsonLdProfileSet, RdfFormat};
use oxigraph::sparql::results::QueryResultsFormat;

/// A response format for SELECT/ASK results or for CONSTRUCT/DESCRIBE graphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Negotiated {
    /// A SPARQL results format.
    Results(QueryResultsFormat),
    /// An RDF graph format.
    Graph(RdfFormat),
}

impl Negotiated {
    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Negotiated::Results(QueryResultsFormat::Json) => "application/sparql-results+json",
            Negotiated::Results(QueryResultsFormat::Xml) => "application/sparql-results+xml",
            Negotiated::Results(QueryResultsFormat::Csv) => "text/csv; charset=utf-8",
            Negotiated::Results(QueryResultsFormat::Tsv) => {
                "text/tab-separated-values; charset=utf-8"
            }
            Negotiated::Results(_) => "application/octet-stream",
            Negotiated::Graph(RdfFormat::Turtle) => "text/turtle",
            Negotiated::Graph(RdfFormat::NTriples) => "application/n-triples",
            Negotiated::Graph(RdfFormat::RdfXml) => "application/rdf+xml",
            Negotiated::Graph(RdfFormat::JsonLd { .. }) => "application/ld+json",
            Negotiated::Graph(f) => f.media_type(),
        }
    }
}

/// What a query returns, which decides the offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SELECT solutions or an ASK boolean.
    Results,
    /// A CONSTRUCT or DESCRIBE graph.
    Graph,
}

const JSON_LD: RdfFormat = RdfFormat::JsonLd {
    profile: JsonLdProfileSet::empty(),
};

/// Offers for SELECT/ASK, preferred first. Aliases map to the same format.
const RESULT_OFFERS: &[(&str, Negotiated)] = &[
    (
        "application/sparql-results+json",
        Negotiated::Results(QueryResultsFormat::Json),
    ),
    (
        "application/json",
        Negotiated::Results(QueryResultsFormat::Json),
    ),
    (
        "application/sparql-results+xml",
        Negotiated::Results(QueryResultsFormat::Xml),
    ),
    (
        "application/xml",
        Negotiated::Results(QueryResultsFormat::Xml),
    ),
    ("text/xml", Negotiated::Results(QueryResultsFormat::Xml)),
    ("text/csv", Negotiated::Results(QueryResultsFormat::Csv)),
    (
        "text/tab-separated-values",
        Negotiated::Results(QueryResultsFormat::Tsv),
    ),
];

/// Offers for CONSTRUCT/DESCRIBE, preferred first.
const GRAPH_OFFERS: &[(&str, Negotiated)] = &[
    ("text/turtle", Negotiated::Graph(RdfFormat::Turtle)),
    ("application/turtle", Negotiated::Graph(RdfFormat::Turtle)),
    ("application/x-turtle", Negotiated::Graph(RdfFormat::Turtle)),
    (
        "application/n-triples",
        Negotiated::Graph(RdfFormat::NTriples),
    ),
    ("text/plain", Negotiated::Graph(RdfFormat::NTriples)),
    ("application/rdf+xml", Negotiated::Graph(RdfFormat::RdfXml)),
    ("application/xml", Negotiated::Graph(RdfFormat::RdfXml)),
    ("application/ld+json", Negotiated::Graph(JSON_LD)),
    ("application/json", Negotiated::Graph(JSON_LD)),
];

/// The offers for a kind of result.
pub fn offers(kind: Kind) -> &'static [(&'static str, Negotiated)] {
    match kind {
        Kind::Results => RESULT_OFFERS,
        Kind::Graph => GRAPH_OFFERS,
    }
}

/// A comma-separated list of the media types offered for `kind`, for error messages.
pub fn offered(kind: Kind) -> String {
    offers(kind)
        .iter()
        .map(|(m, _)| *m)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The format named by a `format=` value (a short name or a media type), if it fits `kind`.
pub fn by_name(kind: Kind, name: &str) -> Option<Negotiated> {
    let name = name.trim().to_ascii_lowercase();
    let short = match (kind, name.as_str()) {
        (Kind::Results, "json" | "srj") => Some(Negotiated::Results(QueryResultsFormat::Json)),
        (Kind::Results, "xml" | "srx") => Some(Negotiated::Results(QueryResultsFormat::Xml)),
        (Kind::Results, "csv") => Some(Negotiated::Results(QueryResultsFormat::Csv)),
        (Kind::Results, "tsv") => Some(Negotiated::Results(QueryResultsFormat::Tsv)),
        (Kind::Graph, "turtle" | "ttl" | "n3") => Some(Negotiated::Graph(RdfFormat::Turtle)),
        (Kind::Graph, "ntriples" | "n-triples" | "nt") => {
            Some(Negotiated::Graph(RdfFormat::NTriples))
        }
        (Kind::Graph, "rdfxml" | "rdf/xml" | "rdf" | "xml") => {
            Some(Negotiated::Graph(RdfFormat::RdfXml))
        }
        (Kind::Graph, "jsonld" | "json-ld" | "json") => Some(Negotiated::Graph(JSON_LD)),
        _ => None,
    };
    short.or_else(|| {
        let essence = name.split(';').next().unwrap_or_default().trim();
        offers(kind)
            .iter()
            .find(|(m, _)| *m == essence)
            .map(|(_, f)| *f)
    })
}

/// The format asked for by `format=`/`output=` values: the first that names a format
/// for `kind` (a short name, a media type, or a list of media types as some clients
/// send). Values naming nothing usable are ignored, so `Accept` decides.
pub fn from_params(kind: Kind, values: &[String]) -> Option<Negotiated> {
    values.iter().find_map(|value| {
        by_name(kind, value).or_else(|| {
            value
                .contains('/')
                .then(|| negotiate(kind, Some(value)))
                .flatten()
        })
    })
}

/// One media range of an `Accept` header.
#[derive(Debug, Clone, PartialEq)]
struct Range {
    kind: String,
    subtype: String,
    quality: f32,
}

fn parse_accept(header: &str) -> Vec<Range> {
    header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let (kind, subtype) = parts.next()?.trim().split_once('/')?;
            let mut quality = 1.0;
            for param in parts {
                if let Some((name, value)) = param.split_once('=') {
                    if name.trim().eq_ignore_ascii_case("q") {
                        quality = value.trim().parse::<f32>().unwrap_or(1.0).clamp(0.0, 1.0);
                    }
                }
            }
            Some(Range {
                kind: kind.trim().to_ascii_lowercase(),
                subtype: subtype.trim().to_ascii_lowercase(),
                quality,
            })
        })
        .collect()
}

/// The quality the client gives a media type: that of the most specific matching
/// range, or 0 when no range matches.
fn quality(ranges: &[Range], media_type: &str) -> f32 {
    let (kind, subtype) = media_type.split_once('/').unwrap_or((media_type, ""));
    ranges
        .iter()
        .filter_map(|r| {
            let specificity = match (r.kind.as_str(), r.subtype.as_str()) {
                (k, s) if k == kind && s == subtype => 3,
                (k, "*") if k == kind => 2,
                ("*", "*") => 1,
                _ => return None,
            };
            Some((specificity, r.quality))
        })
        .max_by_key(|(specificity, _)| *specificity)
        .map_or(0.0, |(_, q)| q)
}

/// The best offer for `kind` under an `Accept` header (none or empty: the first
/// offer); `None` when the client accepts none of them.
pub fn negotiate(kind: Kind, accept: Option<&str>) -> Option<Negotiated> {
    let offers = offers(kind);
    let ranges = accept.map(parse_accept).unwrap_or_default();
    if ranges.is_empty() {
        return offers.first().map(|(_, f)| *f);
    }
    let mut best: Option<(f32, Negotiated)> = None;
    for (media_type, format) in offers {
        let q = quality(&ranges, media_type);
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, *format));
        }
    }
    best.map(|(_, f)| f)
}

/// Whether the client prefers HTML over SPARQL results (a browser opening `/sparql`).
pub fn prefers_html(accept: Option<&str>) -> bool {
    let ranges = accept.map(parse_accept).unwrap_or_default();
    let explicit = ranges
        .iter()
        .any(|r| r.kind == "text" && r.subtype == "html" && r.quality > 0.0);
    let html = quality(&ranges, "text/html");
    explicit
        && RESULT_OFFERS
            .iter()
            .chain(GRAPH_OFFERS)
            .all(|(m, _)| quality(&ranges, m) < html)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Negotiated = Negotiated::Results(QueryResultsFormat::Json);
    const XML: Negotiated = Negotiated::Results(QueryResultsFormat::Xml);
    const CSV: Negotiated = Negotiated::Results(QueryResultsFormat::Csv);
    const TSV: Negotiated = Negotiated::Results(QueryResultsFormat::Tsv);

    #[test]
    fn no_accept_header_gets_the_first_offer() {
        assert_eq!(negotiate(Kind::Results, None), Some(JSON));
        assert_eq!(
            negotiate(Kind::Graph, Some("")),
            Some(Negotiated::Graph(RdfFormat::Turtle))
        );
    }

    #[test]
    fn q_values_decide() {
        let accept = "application/sparql-results+json;q=0.5, text/csv";
        assert_eq!(negotiate(Kind::Results, Some(accept)), Some(CSV));
        let accept = "text/tab-separated-values;q=0.9, application/sparql-results+xml;q=0.8";
        assert_eq!(negotiate(Kind::Results, Some(accept)), Some(TSV));
    }

    #[test]
    fn the_most_specific_range_sets_the_quality() {
        // JSON is explicitly refused even though */* is welcome.
        let accept = "*/*;q=0.9, application/sparql-results+json;q=0, application/json;q=0";
        assert_eq!(negotiate(Kind::Results, Some(accept)), Some(XML));
    }

    #[test]
    fn wildcards_and_ties_follow_the_server_order() {
        assert_eq!(negotiate(Kind::Results, Some("*/*")), Some(JSON));
        assert_eq!(negotiate(Kind::Results, Some("text/*")), Some(XML));
        assert_eq!(
            negotiate(Kind::Graph, Some("application/*")),
            Some(Negotiated::Graph(RdfFormat::Turtle))
        );
    }

    #[test]
    fn nothing_acceptable_is_none() {
        assert_eq!(negotiate(Kind::Results, Some("image/png")), None);
        assert_eq!(negotiate(Kind::Graph, Some("text/csv")), None);
    }

    #[test]
    fn sparqlwrapper_and_yasgui_headers() {
        let sparqlwrapper_json =
            "application/sparql-results+json,application/json,text/javascript,application/javascript";
        assert_eq!(
            negotiate(Kind::Results, Some(sparqlwrapper_json)),
            Some(JSON)
        );
        assert_eq!(
            negotiate(
                Kind::Graph,
                Some("application/ld+json,application/x-json+ld")
            ),
            Some(Negotiated::Graph(JSON_LD))
        );
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(prefers_html(Some(browser)));
        assert!(!prefers_html(Some(
            "application/sparql-results+json,*/*;q=0.9"
        )));
        assert!(!prefers_html(None));
    }

    #[test]
    fn format_names() {
        assert_eq!(by_name(Kind::Results, "CSV"), Some(CSV));
        assert_eq!(by_name(Kind::Results, "text/csv; charset=utf-8"), Some(CSV));
        assert_eq!(
            by_name(Kind::Graph, "nt"),
            Some(Negotiated::Graph(RdfFormat::NTriples))
        );
        assert_eq!(by_name(Kind::Graph, "csv"), None);
        // What SPARQLWrapper sends for JSON-LD: a name, then the Accept list.
        let sent = [
            "json-ld".to_owned(),
            "application/ld+json,application/x-json+ld".to_owned(),
        ];
        assert_eq!(
            from_params(Kind::Graph, &sent),
            Some(Negotiated::Graph(JSON_LD))
        );
        let list = ["application/ld+json,application/x-json+ld".to_owned()];
        assert_eq!(
            from_params(Kind::Graph, &list),
            Some(Negotiated::Graph(JSON_LD))
        );
        // A name for the other kind of result is ignored (Accept decides).
        assert_eq!(from_params(Kind::Graph, &["csv".to_owned()]), None);
    }
}
