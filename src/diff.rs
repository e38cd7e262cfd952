//! What changed between two snapshots of the graph: facts and sources added, removed
//! and changed, by stable id, with the old and new value of every changed field.
//!
//! A snapshot is read from the two tables a release publishes (`facts.csv` keyed by
//! `fact_id`, `sources.csv` keyed by `source_id`) plus the release's graph hash and
//! counts; the working inputs give the same tables (see `release::working_snapshot`).
//! The same [`Changes`] value renders as `CHANGES.md` ([`Changes::markdown`]) and as
//! JSON ([`Changes::json`]), so `factgraph diff vN-1 vN` prints exactly `vN/CHANGES.md`.
//!
//! # Rationale
//! Comparing rows of the published tables, column by column, rather than triples:
//! a row is what a researcher reads, a changed cell names the field that changed,
//! and an old release can be compared without rebuilding its graph. A row is
//! *changed* when any of its cells differs (the key excepted); `fact_sha256` is one
//! of the columns, so a change that no other column shows (such as a note) still
//! lists the fact, with its old and new hash.

use crate::error::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// A CSV table keyed by its first column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// The header, in file order.
    pub columns: Vec<String>,
    /// Rows by key (the first column), each as column name → value.
    pub rows: BTreeMap<String, BTreeMap<String, String>>,
}

impl Table {
    /// Reads a CSV file with a header; the first column is the key.
    pub fn read(path: &Path) -> Result<Table> {
        let bad = |message: String| Error::CorruptRelease {
            path: path.to_path_buf(),
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(crate::safe_read::open_no_follow(path).map_err(|e| Error::io(path, e))?);
        let columns: Vec<String> = reader
            .headers()
            .map_err(|e| bad(e.to_string()))?
            .iter()
            .map(str::to_owned)
            .collect();
        if columns.is_empty() {
            return Err(bad("the table has no header".into()));
        }
        let mut rows = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| bad(e.to_string()))?;
            let line = record.position().map_or(0, csv::Position::line);
            let row: BTreeMap<String, String> = columns
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_owned))
                .collect();
            let key = record.get(0).unwrap_or_default().to_owned();
            if rows.insert(key.clone(), row).is_some() {
                return Err(bad(format!("line {line}: key `{key}` appears twice")));
            }
        }
        Ok(Table { columns, rows })
    }
}

/// One side of a comparison: a release or the working inputs.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Its name: a version, a path, or `working`.
    pub name: String,
    /// Its release date (none for the working inputs).
    pub issued: Option<String>,
    /// The sha256 of its data graph.
    pub graph_sha256: String,
    /// The number of triples of its data graph.
    pub triples: u64,
    /// `facts.csv`.
    pub facts: Table,
    /// `sources.csv`.
    pub sources: Table,
}

/// A summary of one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// Version, path or `working`.
    pub name: String,
    /// Release date, if a release.
    pub issued: Option<String>,
    /// sha256 of the data graph.
    pub graph_sha256: String,
    /// Number of facts.
    pub facts: usize,
    /// Number of sources.
    pub sources: usize,
    /// Number of triples of the data graph.
    pub triples: u64,
}

/// A row present on one side only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Its key (fact or source id).
    pub id: String,
    /// Its cells, by column name.
    pub values: BTreeMap<String, String>,
}

/// One changed cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The column.
    pub field: String,
    /// The value before.
    pub old: String,
    /// The value after.
    pub new: String,
}

/// A row present on both sides with different cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    /// Its key.
    pub id: String,
    /// The cells that differ, in the new table's column order.
    pub fields: Vec<FieldChange>,
    /// A fact's rank in the new table when it is not `normal`, with its reason
    /// (`deprecated: inconsistent-within-source`); empty otherwise.
    pub rank: String,
}

/// The changes of one table, each list sorted by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TableChanges {
    /// Columns only the new table has (compared as if the old table had them empty, so
    /// each row's new value is shown).
    pub columns_added: Vec<String>,
    /// Columns only the old table has (not compared).
    pub columns_removed: Vec<String>,
    /// Rows only in the new table.
    pub added: Vec<Row>,
    /// Rows only in the old table.
    pub removed: Vec<Row>,
    /// Rows in both, with different cells.
    pub changed: Vec<Changed>,
}

impl TableChanges {
    /// Whether no row changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Everything that changed from one snapshot to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// The old side.
    pub from: Side,
    /// The new side.
    pub to: Side,
    /// Whether the data graphs differ (their hashes do).
    pub graph_changed: bool,
    /// Facts, by `fact_id`.
    pub facts: TableChanges,
    /// Sources, by `source_id`.
    pub sources: TableChanges,
}

fn side(s: &Snapshot) -> Side {
    Side {
        name: s.name.clone(),
        issued: s.issued.clone(),
        graph_sha256: s.graph_sha256.clone(),
        facts: s.facts.rows.len(),
        sources: s.sources.rows.len(),
        triples: s.triples,
    }
}

/// Compares two tables by key, column by column. A column only the new table has is
/// compared against empty (its values are new information, e.g. who voices a claim); a
/// column only the old table has is listed, not reported on every row.
pub fn compare_tables(old: &Table, new: &Table) -> TableChanges {
    let columns: Vec<&String> = new.columns.iter().skip(1).collect();
    let mut out = TableChanges {
        columns_added: new
            .columns
            .iter()
            .filter(|c| !old.columns.contains(c))
            .cloned()
            .collect(),
        columns_removed: old
            .columns
            .iter()
            .filter(|c| !new.columns.contains(c))
            .cloned()
            .collect(),
        ..TableChanges::default()
    };
    for (id, row) in &new.rows {
        match old.rows.get(id) {
            None => out.added.push(Row {
                id: id.clone(),
                values: row.clone(),
            }),
            Some(before) => {
                let fields: Vec<FieldChange> = columns
                    .iter()
                    .filter_map(|c| {
                        let old = before.get(*c).cloned().unwrap_or_default();
                        let new = row.get(*c).cloned().unwrap_or_default();
                        (old != new).then(|| FieldChange {
                            field: (*c).clone(),
                            old,
                            new,
                        })
                    })
                    .collect();
                if !fields.is_empty() {
                    out.changed.push(Changed {
                        id: id.clone(),
                        fields,
                        rank: rank_badge(row),
                    });
                }
            }
        }
    }
    for (id, row) in &old.rows {
        if !new.rows.contains_key(id) {
            out.removed.push(Row {
                id: id.clone(),
                values: row.clone(),
            });
        }
    }
    out
}

/// `deprecated: <reason>` (or `preferred`) for a row whose rank is not normal.
fn rank_badge(row: &BTreeMap<String, String>) -> String {
    match row.get("rank").map(String::as_str) {
        None | Some("normal" | "") => String::new(),
        Some(rank) => match row.get("deprecation_reason").filter(|r| !r.is_empty()) {
            Some(reason) => format!("{rank}: {reason}"),
            None => rank.to_owned(),
        },
    }
}

/// Compares two snapshots.
pub fn compare(from: &Snapshot, to: &Snapshot) -> Changes {
    Changes {
        from: side(from),
        to: side(to),
        graph_changed: from.graph_sha256 != to.graph_sha256,
        facts: compare_tables(&from.facts, &to.facts),
        sources: compare_tables(&from.sources, &to.sources),
    }
}

/// A value as a Markdown code span that shows it exactly: the fence is longer than any
/// run of backticks inside; line breaks are shown as `\n`, `\r`; empty is *(empty)*.
pub fn code(value: &str) -> String {
    if value.is_empty() {
        return "*(empty)*".to_owned();
    }
    let value = value.replace('\r', "\\r").replace('\n', "\\n");
    let mut longest = 0;
    let mut run = 0;
    for c in value.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    if longest > 0 || value.starts_with(' ') && value.ends_with(' ') {
        format!("{fence} {value} {fence}")
    } else {
        format!("{fence}{value}{fence}")
    }
}

fn named(side: &Side) -> String {
    match &side.issued {
        Some(date) => format!("{} ({date})", side.name),
        None => side.name.clone(),
    }
}

fn fact_summary(values: &BTreeMap<String, String>) -> String {
    let pick = |column: &str| {
        let label = values
            .get(&format!("{column}_label"))
            .filter(|l| !l.is_empty());
        let value = values.get(column).cloned().unwrap_or_default();
        label.cloned().unwrap_or(value)
    };
    let mut out = format!(
        "{} · {} · {}",
        pick("subject"),
        pick("predicate"),
        pick("object")
    );
    // Who claims it, how, and how it ranks: what a reader weighs a new fact by.
    let voice = match values.get("voice").map(String::as_str) {
        Some("source") => "the source's own voice".to_owned(),
        Some(_) => pick("voice"),
        None => String::new(),
    };
    let mut about = Vec::new();
    if !voice.is_empty() {
        about.push(format!("voice: {voice}"));
    }
    if let Some(b) = values.get("basis").filter(|b| !b.is_empty()) {
        about.push(format!("basis: {b}"));
    }
    let rank = rank_badge(values);
    if !rank.is_empty() {
        about.push(format!("rank: {rank}"));
    }
    if !about.is_empty() {
        out.push_str(&format!(" ({})", about.join("; ")));
    }
    out
}

fn source_summary(values: &BTreeMap<String, String>) -> String {
    values.get("title").cloned().unwrap_or_default()
}

fn section(
    out: &mut String,
    noun: &str,
    changes: &TableChanges,
    summary: fn(&BTreeMap<String, String>) -> String,
) {
    let list = |out: &mut String, title: &str, rows: &[Row]| {
        let _ = writeln!(out, "## {noun} {title} ({})\n", rows.len());
        if rows.is_empty() {
            out.push_str("None.\n\n");
            return;
        }
        for row in rows {
            let _ = writeln!(out, "- `{}`: {}", row.id, summary(&row.values));
        }
        out.push('\n');
    };
    for (columns, verb, how) in [
        (
            &changes.columns_added,
            "added",
            "each row's value is shown as a change from empty",
        ),
        (&changes.columns_removed, "removed", "not compared"),
    ] {
        if !columns.is_empty() {
            let names: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
            let _ = writeln!(
                out,
                "{noun} table: column(s) {verb}: {} ({how}).\n",
                names.join(", ")
            );
        }
    }
    list(out, "added", &changes.added);
    list(out, "removed", &changes.removed);
    let _ = writeln!(out, "## {noun} changed ({})\n", changes.changed.len());
    if changes.changed.is_empty() {
        out.push_str("None.\n\n");
    }
    for changed in &changes.changed {
        if changed.rank.is_empty() {
            let _ = writeln!(out, "### `{}`\n", changed.id);
        } else {
            let _ = writeln!(out, "### `{}` ({})\n", changed.id, changed.rank);
        }
        for f in &changed.fields {
            let _ = writeln!(out, "- `{}`: {} → {}", f.field, code(&f.old), code(&f.new));
        }
        out.push('\n');
    }
}

impl Changes {
    /// Whether the two sides have the same data graph and tables.
    pub fn is_empty(&self) -> bool {
        !self.graph_changed && self.facts.is_empty() && self.sources.is_empty()
    }

    /// The Markdown text of `CHANGES.md`.
    pub fn markdown(&self) -> String {
        let (a, b) = (&self.from, &self.to);
        let mut out = format!("# Changes from {} to {}\n\n", named(a), named(b));
        let _ = writeln!(
            out,
            "{} fact(s) added, {} removed, {} changed; {} source(s) added, {} removed, {} changed.{}\n",
            self.facts.added.len(),
            self.facts.removed.len(),
            self.facts.changed.len(),
            self.sources.added.len(),
            self.sources.removed.len(),
            self.sources.changed.len(),
            if !self.graph_changed {
                " The data graphs are identical."
            } else if self.facts.is_empty() && self.sources.is_empty() {
                " Only the ontology (vocabulary, entities or labels) changed."
            } else {
                ""
            }
        );
        summary_table(&mut out, &[a, b]);
        section(&mut out, "Facts", &self.facts, fact_summary);
        section(&mut out, "Sources", &self.sources, source_summary);
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    }

    /// Stable, pretty-printed JSON (fields in a fixed order, rows sorted by id).
    pub fn json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// The table of counts and hashes, one column per side.
pub fn summary_table(out: &mut String, sides: &[&Side]) {
    let row = |out: &mut String, name: &str, cell: &dyn Fn(&Side) -> String| {
        let cells: Vec<String> = sides.iter().map(|s| cell(s)).collect();
        let _ = writeln!(out, "| {name} | {} |", cells.join(" | "));
    };
    row(out, "", &|s| s.name.clone());
    let _ = writeln!(out, "|---|{}", "---|".repeat(sides.len()));
    row(out, "facts", &|s| s.facts.to_string());
    row(out, "sources", &|s| s.sources.to_string());
    row(out, "triples", &|s| s.triples.to_string());
    row(out, "graph sha256", &|s| format!("`{}`", s.graph_sha256));
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: rows
                .iter()
                .map(|r| {
                    (
                        r[0].to_owned(),
                        columns
                            .iter()
                            .zip(r.iter())
                            .map(|(c, v)| ((*c).to_owned(), (*v).to_owned()))
                            .collect(),
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn tables_compare_by_key_and_column() {
        let old = table(&["id", "a", "b"], &[&["x", "1", "2"], &["y", "1", "1"]]);
        let new = table(&["id", "a", "b"], &[&["x", "1", "3"], &["z", "0", "0"]]);
        let c = compare_tables(&old, &new);
        assert_eq!(c.added.iter().map(|r| &r.id).collect::<Vec<_>>(), ["z"]);
        assert_eq!(c.removed.iter().map(|r| &r.id).collect::<Vec<_>>(), ["y"]);
        assert_eq!(
            c.changed,
            [Changed {
                id: "x".into(),
                fields: vec![FieldChange {
                    field: "b".into(),
                    old: "2".into(),
                    new: "3".into()
                }],
                rank: String::new(),
            }]
        );
    }

    #[test]
    fn a_new_column_is_compared_against_empty_and_a_dropped_one_is_listed() {
        let old = table(&["id", "a", "gone"], &[&["x", "1", "g"], &["y", "1", "g"]]);
        let new = table(&["id", "a", "note"], &[&["x", "1", "hi"], &["y", "2", ""]]);
        let c = compare_tables(&old, &new);
        assert_eq!(c.columns_added, ["note"]);
        assert_eq!(c.columns_removed, ["gone"]);
        assert_eq!(c.changed.len(), 2);
        assert_eq!(c.changed[0].id, "x");
        assert_eq!(c.changed[0].fields[0].field, "note");
        assert_eq!(c.changed[1].id, "y");
        assert_eq!(c.changed[1].fields.len(), 1);
        assert_eq!(c.changed[1].fields[0].field, "a");
    }

    #[test]
    fn a_deprecated_fact_shows_its_rank_and_reason() {
        let cols = ["fact_id", "rank", "deprecation_reason", "note"];
        let old = table(&cols, &[&["f", "deprecated", "superseded", "a"]]);
        let new = table(&cols, &[&["f", "deprecated", "superseded", "b"]]);
        let c = compare_tables(&old, &new);
        assert_eq!(c.changed[0].rank, "deprecated: superseded");
        let mut md = String::new();
        section(&mut md, "Facts", &c, fact_summary);
        assert!(md.contains("### `f` (deprecated: superseded)"), "{md}");
    }

    #[test]
    fn code_spans_show_values_exactly() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code(""), "*(empty)*");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code("l1\nl2"), "`l1\\nl2`");
    }
}
