//! The published tables: `facts.csv`, `sources.csv` and their CSVW metadata
//! (`csv-metadata.json`, the file CSVW processors look for beside any CSV of the
//! directory), all generated from the column lists of [`super::columns`].

use super::columns::{self, fact_cells, source_cells, Column, FactRow, SourceRow};
use crate::error::{Error, Result};
use crate::pipeline::Checked;
use crate::project::Config;
use std::collections::BTreeMap;
use std::io::BufWriter;
use std::path::Path;

/// Writes a CSV table: the header of `columns`, then one record per row, `\n`-terminated.
fn write_table<F>(
    path: &Path,
    columns: &[Column<F>],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::new(file));
    let csv_err = |source: csv::Error| Error::Csv {
        path: path.to_path_buf(),
        source,
    };
    w.write_record(columns::header(columns)).map_err(csv_err)?;
    for row in rows {
        w.write_record(&row).map_err(csv_err)?;
    }
    w.flush().map_err(|e| Error::io(path, e))
}

/// Writes the facts table ([`columns::FACTS`], one row per fact, sorted by id).
pub fn write_facts_csv(
    path: &Path,
    config: &Config,
    checked: &Checked,
    fact_hashes: &BTreeMap<String, String>,
) -> Result<()> {
    let hash = |i: usize| {
        fact_hashes
            .get(checked.facts.id(i))
            .cloned()
            .unwrap_or_default()
    };
    write_facts_csv_indexed(path, config, checked, &hash).map(|_| ())
}

/// [`write_facts_csv`], with the content hash of `checked.facts[i]` given by
/// `fact_hash(i)`; rows are formatted on every core (each CSV record is formatted on its
/// own, so the chunks concatenate to what one writer would write). Returns the file's
/// size and sha256, computed while writing.
pub fn write_facts_csv_indexed(
    path: &Path,
    config: &Config,
    checked: &Checked,
    fact_hash: &(dyn Fn(usize) -> String + Sync),
) -> Result<super::FileInfo> {
    use rayon::slice::ParallelSliceMut;
    let facts = &checked.facts;
    let mut order: Vec<usize> = (0..facts.len()).collect();
    order.par_sort_unstable_by(|&a, &b| facts.id(a).cmp(facts.id(b)));
    write_facts_csv_ordered(path, config, checked, &order, fact_hash)
}

/// [`write_facts_csv_indexed`], given the facts' indices sorted by id.
pub fn write_facts_csv_ordered(
    path: &Path,
    config: &Config,
    checked: &Checked,
    by_id: &[usize],
    fact_hash: &(dyn Fn(usize) -> String + Sync),
) -> Result<super::FileInfo> {
    let csv_err = |source: csv::Error| Error::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut file = super::outfile::HashingFile::create(path)?;
    let mut header = super::outfile::csv_writer(Vec::new());
    header
        .write_record(columns::header(columns::FACTS))
        .map_err(csv_err)?;
    file.write(
        &header
            .into_inner()
            .map_err(|e| Error::io(path, e.into_error()))?,
    )?;
    let facts = &checked.facts;
    super::outfile::csv_rows(
        path,
        by_id,
        |&i| {
            let cited = &facts.get(i);
            fact_cells(&FactRow {
                config,
                ontology: &checked.ontology,
                cited,
                source: &checked.sources[&cited.fact.source_id].source,
                fact_sha256: &fact_hash(i),
            })
        },
        |chunk| file.write(chunk),
    )?;
    file.finish()
}

/// Writes a release's `sources.csv` ([`columns::SOURCES`], sorted by id).
pub fn write_sources_csv(path: &Path, config: &Config, checked: &Checked) -> Result<()> {
    let rows = checked.sources.values().map(|loaded| {
        source_cells(&SourceRow {
            config,
            source: &loaded.source,
        })
    });
    write_table(path, columns::SOURCES, rows)
}

/// A CSVW virtual column stating `<about> rdf:type <class>` for every row.
fn type_column(name: &str, about: Option<&str>, class: &str) -> serde_json::Value {
    let mut column = serde_json::json!({
        "name": name,
        "virtual": true,
        "propertyUrl": "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
        "valueUrl": class,
    });
    if let (Some(about), Some(object)) = (about, column.as_object_mut()) {
        object.insert("aboutUrl".into(), about.into());
    }
    column
}

/// The CSVW metadata (JSON-LD) describing `facts.csv` and `sources.csv` as a table
/// group. Each column says what the standard CSVW-to-RDF conversion makes of it
/// ([`columns::Rdf`]), and virtual columns add the rows' types, so that converting the
/// tables gives triples of the graph itself (where a column-level mapping can).
pub fn csvw_metadata(config: &Config, version: &str, date: &str) -> String {
    use serde_json::json;
    let source_ns = config.minter.source_ns();
    let mut fact_columns = super::csvw::columns(columns::FACTS, &source_ns);
    fact_columns.extend([
        type_column(
            "type_fact",
            None,
            "https://w3id.org/factgraph/ontology#Fact",
        ),
        type_column(
            "type_statement",
            None,
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement",
        ),
        type_column(
            "type_quote",
            Some("{+fact_iri}#quote"),
            "http://www.w3.org/ns/oa#TextQuoteSelector",
        ),
        type_column(
            "type_position",
            Some("{+fact_iri}#position"),
            "http://www.w3.org/ns/oa#TextPositionSelector",
        ),
    ]);
    let mut source_columns = super::csvw::columns(columns::SOURCES, &source_ns);
    source_columns.extend([
        type_column(
            "type_source",
            None,
            "https://w3id.org/factgraph/ontology#SourceArticle",
        ),
        type_column("type_entity", None, "http://www.w3.org/ns/prov#Entity"),
    ]);
    let value = json!({
        "@context": "http://www.w3.org/ns/csvw",
        "dc:title": format!("factgraph release {version}"),
        "dc:issued": date,
        "dc:identifier": config.minter.release(version).as_str(),
        "tables": [
            {
                "url": "facts.csv",
                "dc:title": "Facts",
                "dc:description": "One row per source-attributed fact.",
                "tableSchema": {
                    "columns": fact_columns,
                    "primaryKey": "fact_id",
                    "aboutUrl": format!("{}{{fact_id}}", config.minter.fact_ns()),
                    "foreignKeys": [{
                        "columnReference": "source_id",
                        "reference": {"resource": "sources.csv", "columnReference": "source_id"}
                    }]
                }
            },
            {
                "url": "sources.csv",
                "dc:title": "Sources",
                "dc:description": "One row per source article.",
                "tableSchema": {
                    "columns": source_columns,
                    "primaryKey": "source_id",
                    "aboutUrl": format!("{}{{source_id}}", config.minter.source_ns()),
                }
            }
        ]
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
