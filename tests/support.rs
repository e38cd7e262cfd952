//! Shared fixtures: throwaway projects in temporary directories, and the binary.
//!
//! Tests never write into the repository's own `sources/` or `exports/`.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The repository root (where the sample data lives).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A project in a temporary directory.
pub struct Project {
    pub dir: tempfile::TempDir,
}

/// A tiny ontology: enough terms for the minimal project's facts.
pub const MINI_ONTOLOGY: &str = r#"@prefix fg: <https://w3id.org/factgraph/ontology#> .
@prefix ent: <https://w3id.org/factgraph/entity/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
fg:State a owl:Class ; rdfs:label "state"@en .
fg:Round a owl:Class ; rdfs:label "round"@en .
fg:Role a owl:Class ; rdfs:label "role"@en .
fg:QualifierProperty a owl:Class ; rdfs:label "qualifier property"@en .
fg:boycotted a owl:ObjectProperty ; rdfs:label "boycotted"@en ; rdfs:range fg:Round .
fg:ordinal a owl:DatatypeProperty ; rdfs:label "ordinal"@en ; rdfs:range xsd:integer .
fg:inRole a owl:ObjectProperty , fg:QualifierProperty ; rdfs:label "in role"@en ; rdfs:range fg:Role .
fg:pointInTime a owl:DatatypeProperty , fg:QualifierProperty ; rdfs:label "point in time"@en ; rdfs:range rdfs:Literal .
fg:startTime a owl:DatatypeProperty , fg:QualifierProperty ; rdfs:label "start time"@en ; rdfs:range rdfs:Literal .
fg:endTime a owl:DatatypeProperty , fg:QualifierProperty ; rdfs:label "end time"@en ; rdfs:range rdfs:Literal .
fg:pointInTime fg:firstDayProperty fg:pointInTimeFirstDay ; fg:lastDayProperty fg:pointInTimeLastDay .
fg:startTime fg:firstDayProperty fg:startTimeFirstDay ; fg:lastDayProperty fg:startTimeLastDay .
fg:endTime fg:firstDayProperty fg:endTimeFirstDay ; fg:lastDayProperty fg:endTimeLastDay .
ent:usa a fg:State ; rdfs:label "United States"@en .
ent:russia a fg:State ; rdfs:label "Russia"@en .
ent:round-15 a fg:Round ; rdfs:label "Astana round 15"@en .
ent:observer a fg:Role ; rdfs:label "observer"@en .
"#;

/// The minimal project's `project.ttl`: a series with a title, a description and a
/// licence (what `release` needs), a curator and a download base.
pub const MINI_PROJECT: &str = r#"@prefix fg: <https://w3id.org/factgraph/ontology#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://example.org/series> a dcat:DatasetSeries ;
    dcterms:title "Mini facts"@en ;
    dcterms:description "A tiny test dataset."@en ;
    dcterms:license <https://creativecommons.org/licenses/by/4.0/> ;
    dcterms:creator <https://example.org/curator> ;
    dcat:keyword "test"@en ;
    fg:downloadBase "https://example.org/files/exports/" .
<https://example.org/curator> a foaf:Agent ; foaf:name "A. Curator" .
"#;

/// The minimal project's one source text (with a curly quote and a non-breaking space).
pub const MINI_TEXT: &str =
    "The “United States” boycotted round 15 in February\u{a0}2021. Round 15 was the fifteenth.\n";

/// The files of a release directory, by name.
pub const RELEASE_FILES: &[&str] = &[
    "CHANGES.md",
    "CITATION.cff",
    "SHA256SUMS",
    "annotations.jsonld",
    "csv-metadata.json",
    "facts.csv",
    "facts.ttl",
    "graph.nq",
    "release.ttl",
    "shapes.ttl",
    "sources.csv",
];

pub const FACTS_HEADER: &str = "fact_id,source_id,subject,predicate,object,object_type,point_in_time,start,end,qualifiers,rank,quote,quote_start,quote_end,note,voice,basis,relayed_by,deprecation_reason\n";

impl Project {
    /// An empty directory.
    pub fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A copy of the repository's sample data (ontology/ and sources/).
    pub fn sample() -> Self {
        let p = Self::empty();
        copy_dir(&repo().join("ontology"), &p.path("ontology"));
        copy_dir(&repo().join("sources"), &p.path("sources"));
        std::fs::copy(repo().join("project.ttl"), p.path("project.ttl")).unwrap();
        p
    }

    /// A tiny valid project: one source, two facts.
    pub fn minimal() -> Self {
        let p = Self::empty();
        p.write("ontology/mini.ttl", MINI_ONTOLOGY);
        p.write("project.ttl", MINI_PROJECT);
        p.write("sources/articles/a1.txt", MINI_TEXT);
        let hash = sha256(MINI_TEXT.as_bytes());
        p.write(
            "sources/sources.csv",
            format!("source_id,file,sha256,title,published,url,publisher,language,retrieved\na1,articles/a1.txt,{hash},A “test” article,2024-10-10,,,en,\n"),
        );
        p.write(
            "sources/facts.csv",
            format!("{FACTS_HEADER}f1,a1,ent:usa,fg:boycotted,ent:round-15,,,2021-02,,fg:inRole=ent:observer,,boycotted round 15,20,38,,source,stated,,\nf2,a1,ent:round-15,fg:ordinal,15,xsd:integer,,,,,,was the fifteenth,66,83,,source,stated,,\n"),
        );
        p
    }

    /// A path inside the project.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file (creating directories).
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    /// Reads a file as text.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Appends a line to the facts table.
    pub fn add_fact_row(&self, row: &str) {
        let mut facts = self.read("sources/facts.csv");
        facts.push_str(row);
        facts.push('\n');
        self.write("sources/facts.csv", facts);
    }

    /// The binary, run with this project as its root (and current directory).
    ///
    /// `FACTGRAPH_TEST_BIN=<path>` runs another build instead (e.g. the main branch's,
    /// to show which cases of the bad-input corpus fail there).
    pub fn cmd(&self) -> Command {
        let mut cmd = match std::env::var_os("FACTGRAPH_TEST_BIN") {
            Some(bin) => Command::new(bin),
            None => Command::cargo_bin("factgraph").expect("binary"),
        };
        cmd.current_dir(self.dir.path())
            .env_remove("FACTGRAPH_ROOT")
            .env_remove("FACTGRAPH_BASE_IRI")
            .env_remove("SOURCE_DATE_EPOCH");
        cmd
    }
}

/// sha256 hex, computed independently of the crate under test.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Recursively copies a directory.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
