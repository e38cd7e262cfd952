//! The query page at `/` and the SPARQL Service Description at `GET /sparql`.
//!
//! The page is static HTML (`index.html`, compiled in) plus a JSON block naming the
//! endpoints and example queries; the examples are the repository's `queries/*.rq`,
//! compiled in too, so the binary needs no files at run time.

use super::Dataset;

/// The repository's example queries, with a short title each.
const FILE_EXAMPLES: &[(&str, &str)] = &[
    (
        "Boycotts, with round and date (queries/boycotts.rq)",
        include_str!("../../queries/boycotts.rq"),
    ),
    (
        "Observers of each round (queries/observers.rq)",
        include_str!("../../queries/observers.rq"),
    ),
    (
        "Claims of one source, with quotes (queries/claims-of-source.rq)",
        include_str!("../../queries/claims-of-source.rq"),
    ),
    (
        "Conflicting claims (queries/conflicting-claims.rq)",
        include_str!("../../queries/conflicting-claims.rq"),
    ),
];

const FACTS_PER_PREDICATE: &str = "# How many facts use each predicate (a GROUP BY).
PREFIX fg: <https://w3id.org/factgraph/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>

SELECT ?predicate (COUNT(?fact) AS ?facts)
WHERE { ?fact a fg:Fact ; rdf:predicate ?predicate }
GROUP BY ?predicate
ORDER BY DESC(?facts) ?predicate
";

const DESCRIBE_A_FACT: &str = "# One fact as RDF: its statement node, citation and quote selectors.
PREFIX fg: <https://w3id.org/factgraph/ontology#>

CONSTRUCT { ?f ?p ?o . ?part ?q ?v }
WHERE {
  { SELECT ?f WHERE { ?f a fg:Fact } ORDER BY ?f LIMIT 1 }
  ?f ?p ?o .
  OPTIONAL { ?f fg:citation ?part . ?part ?q ?v }
}
";

fn examples(dataset: &Dataset) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vec![(
        "Facts per predicate (GROUP BY)".into(),
        FACTS_PER_PREDICATE.into(),
    )];
    out.extend(
        FILE_EXAMPLES
            .iter()
            .map(|(title, query)| ((*title).to_owned(), (*query).to_owned())),
    );
    out.push(("One fact as RDF (CONSTRUCT)".into(), DESCRIBE_A_FACT.into()));
    if !dataset.named_graphs.is_empty() {
        out.push((
            "Facts per release (GRAPH)".into(),
            "# Every release is a named graph: count the facts in each.
PREFIX fg: <https://w3id.org/factgraph/ontology#>

SELECT ?release (COUNT(?fact) AS ?facts)
WHERE { GRAPH ?release { ?fact a fg:Fact } }
GROUP BY ?release
ORDER BY ?release
"
            .into(),
        ));
    }
    if let [.., previous, newest] = dataset.named_graphs.as_slice() {
        out.push((
            "Facts added in the newest release".into(),
            format!(
                "# Facts in the newest release that the previous one does not have.
PREFIX fg: <https://w3id.org/factgraph/ontology#>

SELECT ?factId ?fact
WHERE {{
  GRAPH <{}> {{ ?fact fg:factId ?factId }}
  FILTER NOT EXISTS {{ GRAPH <{}> {{ ?fact fg:factId ?factId }} }}
}}
ORDER BY ?factId
",
                newest.as_str(),
                previous.as_str()
            ),
        ));
    }
    out
}

/// The query page, with the endpoints and examples of `dataset`.
pub fn render(dataset: &Dataset) -> String {
    let config = serde_json::json!({
        "description": dataset.description,
        "endpoints": dataset.endpoints.iter().map(|e| serde_json::json!({
            "path": e.path,
            "label": e.label,
            "defaultGraph": e.default_graph.as_ref().map(|g| g.as_str().to_owned()),
        })).collect::<Vec<_>>(),
        "namedGraphs": dataset.named_graphs.iter().map(|g| g.as_str().to_owned()).collect::<Vec<_>>(),
        "prefixes": dataset.prefixes,
        "pages": dataset.resources.pages(),
        "examples": examples(dataset).into_iter().map(|(title, query)| serde_json::json!({
            "title": title,
            "query": query,
        })).collect::<Vec<_>>(),
    });
    // Inside <script>, "</" could close the element: JSON allows escaping the slash.
    let config = config.to_string().replace("</", "<\\/");
    include_str!("index.html").replace("\"__FACTGRAPH_CONFIG__\"", &config)
}

/// A SPARQL 1.1 Service Description of the endpoint (Turtle; `<>` is the endpoint).
pub fn service_description(dataset: &Dataset) -> String {
    let mut out = String::from(
        "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .

<> a sd:Service ;
  sd:endpoint <> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML,
    formats:SPARQL_Results_CSV, formats:SPARQL_Results_TSV,
    formats:Turtle, formats:N-Triples, formats:RDF_XML, formats:JSON-LD ;
  sd:defaultDataset [
    a sd:Dataset ;
    sd:defaultGraph [ a sd:Graph ]",
    );
    for graph in &dataset.named_graphs {
        out.push_str(&format!(
            " ;\n    sd:namedGraph [ a sd:NamedGraph ; sd:name <{}> ]",
            graph.as_str()
        ));
    }
    out.push_str("\n  ] .\n");
    out
}
