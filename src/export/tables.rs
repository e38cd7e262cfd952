//! The published tables: `facts.csv`, `sources.csv` and their CSVW metadata
//! (`facts.csv-metadata.json`), all generated from the column lists of
//! [`super::columns`].

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
    let mut facts: Vec<_> = checked.facts.iter().collect();
    facts.sort_by(|a, b| a.fact.id.cmp(&b.fact.id));
    let rows = facts.into_iter().map(|cited| {
        fact_cells(&FactRow {
            config,
            ontology: &checked.ontology,
            cited,
            source: &checked.sources[&cited.fact.source_id].source,
            fact_sha256: fact_hashes.get(&cited.fact.id).map_or("", String::as_str),
        })
    });
    write_table(path, columns::FACTS, rows)
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

/// The CSVW metadata (JSON-LD) describing `facts.csv` and `sources.csv` as a table group.
pub fn csvw_metadata(config: &Config, version: &str, date: &str) -> String {
    use serde_json::json;
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
                    "columns": columns::csvw(columns::FACTS),
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
                    "columns": columns::csvw(columns::SOURCES),
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
