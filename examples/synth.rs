//! Writes a synthetic factgraph project for benchmarks: `cargo run --release --example
//! synth -- OUT_DIR FACTS [SOURCES]`.
//!
//! Deterministic (no randomness): the same arguments give the same bytes. Each fact
//! cites one sentence of one of the generated articles, with its code point positions;
//! the articles contain curly quotes so code points and bytes differ.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

const ONTOLOGY: &str = r#"@prefix fg: <https://w3id.org/factgraph/ontology#> .
@prefix ent: <https://w3id.org/factgraph/entity/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
fg:Fact a owl:Class ; rdfs:subClassOf rdf:Statement ; rdfs:label "fact"@en .
fg:State a owl:Class ; rdfs:label "state"@en .
fg:Round a owl:Class ; rdfs:label "round"@en .
fg:QualifierProperty a owl:Class ; rdfs:label "qualifier property"@en .
fg:metAt a owl:ObjectProperty ; rdfs:label "met at"@en ; rdfs:range fg:Round .
fg:atRound a owl:ObjectProperty , fg:QualifierProperty ; rdfs:label "at round"@en ; rdfs:range fg:Round .
fg:pointInTime a owl:DatatypeProperty , fg:QualifierProperty ; rdfs:label "point in time"@en ; rdfs:range rdfs:Literal ;
    fg:firstDayProperty fg:pointInTimeFirstDay ; fg:lastDayProperty fg:pointInTimeLastDay .
"#;

/// The dataset's metadata: `release` needs at least a licence.
const PROJECT: &str = r#"@prefix fg: <https://w3id.org/factgraph/ontology#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://example.org/synthetic> a dcat:DatasetSeries ;
    dcterms:title "Synthetic facts"@en ;
    dcterms:description "Generated for benchmarks."@en ;
    dcterms:license <https://creativecommons.org/licenses/by/4.0/> ;
    dcterms:creator <https://example.org/bench> .
<https://example.org/bench> a foaf:Agent ; foaf:name "Benchmark" .
"#;

const STATES: usize = 200;
const ROUNDS: usize = 50;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = PathBuf::from(args.get(1).expect("usage: synth OUT_DIR FACTS [SOURCES]"));
    let facts: usize = args.get(2).and_then(|n| n.parse().ok()).expect("FACTS");
    let sources: usize = args
        .get(3)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10)
        .max(1);
    std::fs::create_dir_all(out.join("ontology")).unwrap();
    std::fs::create_dir_all(out.join("sources/articles")).unwrap();
    let mut ontology = ONTOLOGY.to_owned();
    for s in 0..STATES {
        writeln!(
            ontology,
            "ent:state-{s} a fg:State ; rdfs:label \"State {s}\"@en ."
        )
        .unwrap();
    }
    for r in 0..ROUNDS {
        writeln!(
            ontology,
            "ent:round-{r} a fg:Round ; rdfs:label \"Round {r}\"@en ."
        )
        .unwrap();
    }
    std::fs::write(out.join("ontology/synthetic.ttl"), ontology).unwrap();
    std::fs::write(out.join("project.ttl"), PROJECT).unwrap();

    let mut table =
        String::from("source_id,file,sha256,title,published,url,publisher,language,retrieved\n");
    let mut rows = std::fs::File::create(out.join("sources/facts.csv")).unwrap();
    let mut rows = std::io::BufWriter::new(&mut rows);
    writeln!(rows, "fact_id,source_id,subject,predicate,object,object_type,point_in_time,start,end,qualifiers,rank,quote,quote_start,quote_end,note,voice,basis,relayed_by,deprecation_reason").unwrap();
    let per_source = facts.div_ceil(sources);
    let mut id = 0;
    for s in 0..sources {
        let mut text = format!("Synthetic article {s}: “generated” for benchmarks.\n\n");
        let mut chars = text.chars().count();
        for _ in 0..per_source {
            if id == facts {
                break;
            }
            let (state, round) = ((id * 7919) % STATES, (id * 104_729) % ROUNDS);
            let sentence = format!("State {state} met at round {round} — record {id}.");
            let len = sentence.chars().count();
            writeln!(
                rows,
                "f{id},s{s},ent:state-{state},fg:metAt,ent:round-{round},,{}-{:02},,,fg:atRound=ent:round-{round},,{sentence},{chars},{},,source,stated,,",
                2017 + id % 8,
                1 + id % 12,
                chars + len
            )
            .unwrap();
            text.push_str(&sentence);
            text.push(' ');
            chars += len + 1;
            id += 1;
        }
        let file = format!("articles/s{s}.txt");
        let hash: String = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        std::fs::write(out.join("sources").join(&file), &text).unwrap();
        writeln!(
            table,
            "s{s},{file},{hash},Synthetic article {s},2024-10-{:02},,,en,",
            1 + s % 28
        )
        .unwrap();
    }
    rows.flush().unwrap();
    std::fs::write(out.join("sources/sources.csv"), table).unwrap();
    eprintln!(
        "wrote {} facts over {sources} sources to {}",
        id,
        out.display()
    );
}
