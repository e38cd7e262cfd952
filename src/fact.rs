//! Facts: rows of the facts CSV, validated into typed claims.
//!
//! A row is turned into a [`Fact`] only when every cell is valid against the ontology;
//! otherwise each bad cell yields its own diagnostic, so one run lists them all.

use crate::error::{Code, Diagnostic};
use crate::literal;
use crate::ontology::{Expect, Ontology};
use crate::table::{self, is_valid_id, Row};
use crate::vocab::{iri, FG, RDF};

use crate::attribution::{
    agent, altered_quotation, comparable_days, deprecation_reason, entity, expand, time_column,
    voice,
};
pub use crate::attribution::{Basis, DeprecationReason, Rank, Voice};
use oxigraph::model::{Literal, NamedNode, Term};
use std::path::Path;

/// Columns of the facts table, in their documented order.
pub const COLUMNS: &[&str] = &[
    "fact_id",
    "source_id",
    "subject",
    "predicate",
    "object",
    "object_type",
    "point_in_time",
    "start",
    "end",
    "qualifiers",
    "rank",
    "deprecation_reason",
    "voice",
    "relayed_by",
    "basis",
    "quote",
    "quote_start",
    "quote_end",
    "note",
];
const REQUIRED: &[&str] = &[
    "fact_id",
    "source_id",
    "subject",
    "predicate",
    "object",
    "voice",
    "basis",
    "quote",
];

/// One validated fact.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// Stable, user-chosen id.
    pub id: String,
    /// The id of the source that supports it.
    pub source_id: String,
    /// Subject entity.
    pub subject: NamedNode,
    /// Predicate.
    pub predicate: NamedNode,
    /// Object entity or literal.
    pub object: Term,
    /// Qualifiers (time columns first, then the `qualifiers` cell, in order). Boxed
    /// slices, not vectors: a grown vector's spare room, kept by a million held facts,
    /// was a fifth of `check`'s memory.
    pub qualifiers: Box<[(NamedNode, Term)]>,
    /// Rank.
    pub rank: Rank,
    /// Why it is deprecated (present exactly when `rank` is deprecated).
    pub deprecation_reason: Option<DeprecationReason>,
    /// Whose claim it is inside the source.
    pub voice: Voice,
    /// The agency that relayed it to the source, if the source says so.
    pub relayed_by: Option<NamedNode>,
    /// How the quote supports it.
    pub basis: Basis,
    /// The first and last day (`xsd:date`) of every date value on the statement node,
    /// under the properties the ontology pairs with the date's property.
    pub days: Box<[(NamedNode, Term)]>,
    /// The verbatim quote.
    pub quote: String,
    /// Recorded quote positions (code points, end exclusive), if any.
    pub recorded: Option<(usize, usize)>,
    /// A researcher's note.
    pub note: Option<String>,
    /// Line in the facts table.
    pub line: u64,
}

/// Streams the facts table, passing each row's outcome (and the row, for locations)
/// to `each`, in table order.
/// Returns the problems of the file itself (header, encoding, ragged rows).
///
/// Rows are parsed a batch at a time on every core: parsing (IRIs, literals, dates,
/// the ontology's checks) is most of `check`'s time, and rows do not depend on each
/// other (duplicates and sources are checked by `each`, in order).
pub fn read(
    path: &Path,
    shown: &Path,
    ontology: &Ontology,
    mut each: impl FnMut(Result<Fact, Vec<Diagnostic>>, &Row<'_>),
) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    table::read_batches(path, shown, REQUIRED, &COLUMNS[5..], PARSE_BATCH, |rows| {
        let parsed: Vec<_> = rows.par_iter().map(|r| parse_row(r, ontology)).collect();
        for (outcome, row) in parsed.into_iter().zip(rows.iter()) {
            each(outcome, row);
        }
    })
}

/// Rows parsed together: enough to keep every core busy, few enough to hold.
const PARSE_BATCH: usize = 4096;

/// Validates one row.
pub fn parse_row(row: &Row<'_>, ontology: &Ontology) -> Result<Fact, Vec<Diagnostic>> {
    let mut bad = Vec::new();
    let mut required = |column: &str| {
        let v = row.get(column).map(str::to_owned);
        if v.is_none() {
            bad.push(row.problem(column, Code::MissingField, "this field is required"));
        }
        v
    };
    let id = required("fact_id");
    let source_id = required("source_id");
    let subject = required("subject");
    let predicate = required("predicate");
    let object = required("object");
    let quote = Some(row.raw("quote").to_owned()).filter(|q| !q.trim().is_empty());
    if quote.is_none() {
        bad.push(row.problem(
            "quote",
            Code::MissingField,
            "every fact needs the exact words of its source",
        ));
    }
    if let Some(id) = &id {
        if !is_valid_id(id) {
            bad.push(row.problem("fact_id", Code::BadValue, format!("`{id}` is not a valid id (letters, digits, `_`, `.`, `-`; starting with a letter or digit)")));
        }
    }
    if let Some(s) = &source_id {
        if !is_valid_id(s) {
            bad.push(row.problem(
                "source_id",
                Code::BadValue,
                format!("`{s}` is not a valid source id"),
            ));
        }
    }
    let subject = subject.and_then(|s| entity(row, "subject", &s, ontology, &mut bad));
    let predicate = predicate.and_then(|p| {
        let p_iri = expand(row, "predicate", &p, ontology, &mut bad)?;
        if ontology.is_property(&p_iri) {
            Some(p_iri)
        } else {
            bad.push(row.problem(
                "predicate",
                Code::UnknownTerm,
                format!("`{p}` is not a property declared in the ontology"),
            ));
            None
        }
    });
    let object = object.and_then(|o| match row.get("object_type") {
        None => entity(row, "object", &o, ontology, &mut bad).map(Term::from),
        Some(ty) => literal::typed(row.raw("object").trim(), ty)
            .map_err(|e| {
                bad.push(row.problem(
                    if e.contains("supported type") || e.contains("language tag") {
                        "object_type"
                    } else {
                        "object"
                    },
                    Code::BadLiteral,
                    e,
                ))
            })
            .ok()
            .map(Term::from),
    });
    if let (Some(p), Some(o)) = (&predicate, &object) {
        if let Err(message) = fits(ontology, p, o) {
            bad.push(row.problem("object", Code::WrongType, message));
        }
    }
    let mut qualifiers = Vec::new();
    for (column, local) in [
        ("point_in_time", "pointInTime"),
        ("start", "startTime"),
        ("end", "endTime"),
    ] {
        if let Some(v) = row.get(column) {
            match literal::date_with_precision(v) {
                Ok(l) => qualifiers.push((iri(FG, local), Term::from(l))),
                Err(e) => bad.push(row.problem(column, Code::BadLiteral, e)),
            }
        }
    }
    if let Some(cell) = row.get("qualifiers") {
        for part in cell.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            if let Some(q) = qualifier(row, part, ontology, &mut bad) {
                qualifiers.push(q);
            }
        }
    }
    let rank = match row.get("rank").map(str::to_ascii_lowercase).as_deref() {
        None | Some("normal") => Rank::Normal,
        Some("preferred") => Rank::Preferred,
        Some("deprecated") => Rank::Deprecated,
        Some(other) => {
            bad.push(row.problem("rank", Code::BadValue, format!("`{other}` is not a rank: use preferred, normal or deprecated (empty means normal)")));
            Rank::Normal
        }
    };
    let deprecation_reason = deprecation_reason(row, rank, &mut bad);
    let voice = row
        .get("voice")
        .and_then(|v| voice(row, v, ontology, &mut bad));
    if row.get("voice").is_none() {
        bad.push(row.problem(
            "voice",
            Code::MissingField,
            "whose claim is this? write `source` for the source's own voice, or the CURIE of the agent it reports (e.g. ent:sergey-vershinin)",
        ));
    }
    let relayed_by = row
        .get("relayed_by")
        .and_then(|v| agent(row, "relayed_by", v, ontology, &mut bad));
    let basis = match row.get("basis").map(str::to_ascii_lowercase).as_deref() {
        None => {
            bad.push(row.problem(
                "basis",
                Code::MissingField,
                "how does the quote support the fact? write stated, paraphrase or inference",
            ));
            None
        }
        Some(b) => match Basis::ALL.into_iter().find(|x| x.as_str() == b) {
            Some(x) => Some(x),
            None => {
                bad.push(row.problem(
                    "basis",
                    Code::BadValue,
                    format!("`{b}` is not a basis: use stated, paraphrase or inference"),
                ));
                None
            }
        },
    };
    if basis == Some(Basis::Inference) && row.get("note").is_none() {
        bad.push(row.problem(
            "note",
            Code::MissingField,
            "an inference needs a note saying what knowledge was added to the quoted words",
        ));
    }
    if let (Some(Term::Literal(l)), Some(q)) = (&object, &quote) {
        if let Some(words) = altered_quotation(l.value(), q) {
            bad.push(row.problem(
                "object",
                Code::BadValue,
                format!("the words in quotation marks “{words}” are not in the quote: quoted words must be kept exactly as the source gives them"),
            ));
        }
    }
    let mut days = Vec::new();
    if let Some(o) = &object {
        comparable_days(
            row,
            "object",
            &iri(RDF, "object"),
            o,
            ontology,
            &mut days,
            &mut bad,
        );
    }
    for (property, value) in &qualifiers {
        let column = time_column(property);
        comparable_days(row, column, property, value, ontology, &mut days, &mut bad);
    }
    let recorded = positions(row, quote.as_deref(), &mut bad);
    if !bad.is_empty() {
        return Err(bad);
    }
    let (Some(voice), Some(basis)) = (voice, basis) else {
        return Err(bad);
    };
    match (id, source_id, subject, predicate, object, quote) {
        (Some(id), Some(source_id), Some(subject), Some(predicate), Some(object), Some(quote)) => {
            Ok(Fact {
                id,
                source_id,
                subject,
                predicate,
                object,
                qualifiers: qualifiers.into_boxed_slice(),
                rank,
                deprecation_reason,
                voice,
                relayed_by,
                basis,
                days: days.into_boxed_slice(),
                quote,
                recorded,
                note: row.get("note").map(str::to_owned),
                line: row.line,
            })
        }
        _ => Err(bad),
    }
}

/// Checks a value against the property's `rdfs:range`.
fn fits(ontology: &Ontology, property: &NamedNode, value: &Term) -> Result<(), String> {
    let p = ontology.compact(property);
    match (ontology.expect(property), value) {
        (Expect::Any, _) => Ok(()),
        (Expect::Instance(class), Term::NamedNode(n)) => {
            if ontology.is_instance_of(n, &class) {
                Ok(())
            } else {
                Err(format!(
                    "{} is not a {} (the range of {p})",
                    ontology.compact(n),
                    ontology.compact(&class)
                ))
            }
        }
        (Expect::Instance(class), _) => Err(format!(
            "{p} expects an entity of class {}, not a literal (empty the object_type cell)",
            ontology.compact(&class)
        )),
        (Expect::Literal(dt), Term::Literal(l)) => {
            if literal::fits_range(l, &dt) {
                Ok(())
            } else {
                Err(format!(
                    "{p} expects a {} literal, not {}",
                    ontology.compact(&dt),
                    l
                ))
            }
        }
        (Expect::Literal(dt), _) => Err(format!(
            "{p} expects a {} literal, not an entity (fill object_type)",
            ontology.compact(&dt)
        )),
    }
}

fn qualifier(
    row: &Row<'_>,
    part: &str,
    ontology: &Ontology,
    bad: &mut Vec<Diagnostic>,
) -> Option<(NamedNode, Term)> {
    let Some((property, value)) = part.split_once('=') else {
        bad.push(row.problem(
            "qualifiers",
            Code::BadValue,
            format!(
                "`{part}` is not of the form property=value (e.g. fg:round=ent:astana-round-15)"
            ),
        ));
        return None;
    };
    let (property, value) = (property.trim(), value.trim());
    let p = expand(row, "qualifiers", property, ontology, bad)?;
    if !ontology.is_qualifier(&p) {
        bad.push(row.problem(
            "qualifiers",
            Code::UnknownTerm,
            format!("`{property}` is not declared as a fg:QualifierProperty in the ontology"),
        ));
        return None;
    }
    // The time qualifiers have their own columns; written in this cell they are
    // checked the same way (a date of year, month or day precision), not as text.
    if [
        iri(FG, "pointInTime"),
        iri(FG, "startTime"),
        iri(FG, "endTime"),
    ]
    .contains(&p)
    {
        return match literal::date_with_precision(value) {
            Ok(l) => Some((p, l.into())),
            Err(e) => {
                bad.push(row.problem("qualifiers", Code::BadLiteral, format!("{property}: {e}")));
                None
            }
        };
    }
    let term: Term = match ontology.expect(&p) {
        Expect::Instance(_) => entity(row, "qualifiers", value, ontology, bad)?.into(),
        Expect::Literal(dt) if dt.as_str().starts_with(crate::vocab::XSD) => {
            let local = &dt.as_str()[crate::vocab::XSD.len()..];
            match literal::typed(value, &format!("xsd:{local}")) {
                Ok(l) => l.into(),
                Err(e) => {
                    bad.push(row.problem(
                        "qualifiers",
                        Code::BadLiteral,
                        format!("{property}: {e}"),
                    ));
                    return None;
                }
            }
        }
        Expect::Literal(_) | Expect::Any => loose_value(value, ontology),
    };
    if let Err(message) = fits(ontology, &p, &term) {
        bad.push(row.problem("qualifiers", Code::WrongType, message));
        return None;
    }
    Some((p, term))
}

/// A value with no declared datatype: a declared entity's CURIE, a date of any
/// precision, an integer, or else a plain string.
fn loose_value(value: &str, ontology: &Ontology) -> Term {
    if let Ok(n) = ontology.expand(value) {
        if ontology.is_declared(&n) {
            return n.into();
        }
    }
    if let Ok(l) = literal::date_with_precision(value) {
        return l.into();
    }
    if value.parse::<i64>().is_ok() {
        return Literal::new_typed_literal(value, iri(crate::vocab::XSD, "integer")).into();
    }
    Literal::new_simple_literal(value).into()
}

fn positions(
    row: &Row<'_>,
    quote: Option<&str>,
    bad: &mut Vec<Diagnostic>,
) -> Option<(usize, usize)> {
    let mut number = |column: &str| {
        row.get(column).and_then(|v| {
            v.parse::<usize>()
                .map_err(|_| {
                    bad.push(row.problem(
                        column,
                        Code::BadValue,
                        format!("`{v}` is not a code point offset (a whole number ≥ 0)"),
                    ))
                })
                .ok()
        })
    };
    let (start, end) = (number("quote_start"), number("quote_end"));
    match (start, end) {
        (Some(s), Some(e)) => {
            let length = quote.map_or(0, |q| q.chars().count());
            if quote.is_some() && e.checked_sub(s) != Some(length) {
                bad.push(row.problem(
                    "quote_end",
                    Code::BadValue,
                    format!(
                        "quote_end - quote_start is {}, but the quote is {length} code points long",
                        e as i128 - s as i128
                    ),
                ));
                return None;
            }
            Some((s, e))
        }
        (None, None) => None,
        (Some(_), None) if row.get("quote_end").is_none() => {
            bad.push(row.problem(
                "quote_end",
                Code::MissingField,
                "quote_start is set, so quote_end is needed too",
            ));
            None
        }
        (None, Some(_)) if row.get("quote_start").is_none() => {
            bad.push(row.problem(
                "quote_start",
                Code::MissingField,
                "quote_end is set, so quote_start is needed too",
            ));
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses the data rows of a facts table against the sample project's ontology.
    fn parse(rows: &str) -> Vec<Result<Fact, Vec<Diagnostic>>> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let (ontology, problems) = Ontology::load(&root.join("ontology"), root);
        assert!(problems.is_empty(), "{problems:?}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("facts.csv");
        std::fs::write(&path, format!("{}\n{rows}", COLUMNS.join(","))).unwrap();
        let mut out = Vec::new();
        let problems = read(&path, Path::new("facts.csv"), &ontology, |fact, _| {
            out.push(fact)
        });
        assert!(problems.is_empty(), "{problems:?}");
        out
    }

    #[test]
    fn a_valid_row_becomes_a_fact() {
        let mut rows = parse(
            "astana-001,s1,ent:astana-process,fg:startDate,2017-01,xsd:gYearMonth,,,,,,,source,,stated,The Astana process began,1370,1394,why\n",
        );
        assert_eq!(rows.len(), 1);
        let fact = rows.remove(0).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(fact.id, "astana-001");
        assert_eq!(fact.source_id, "s1");
        assert_eq!(fact.rank, Rank::Normal);
        assert_eq!(fact.recorded, Some((1370, 1394)));
        assert_eq!(fact.note.as_deref(), Some("why"));
        assert_eq!(fact.voice, Voice::Source);
        assert_eq!(fact.basis, Basis::Stated);
        assert_eq!(fact.deprecation_reason, None);
        // The gYearMonth object's first and last day, comparable in SPARQL.
        let days: Vec<String> = fact
            .days
            .iter()
            .map(|(p, v)| format!("{} {v}", p.as_str()))
            .collect();
        assert_eq!(
            days,
            [
                format!(
                    "{FG}objectFirstDay \"2017-01-01\"^^<{}date>",
                    crate::vocab::XSD
                ),
                format!(
                    "{FG}objectLastDay \"2017-01-31\"^^<{}date>",
                    crate::vocab::XSD
                ),
            ]
        );
        assert_eq!(fact.line, 2);
        let Term::Literal(object) = &fact.object else {
            panic!("a literal object");
        };
        assert_eq!(object.value(), "2017-01");
        assert_eq!(
            object.datatype().as_str(),
            format!("{}gYearMonth", crate::vocab::XSD)
        );
    }

    #[test]
    fn a_bad_row_names_its_fields() {
        let mut rows =
            parse("bad id!,s1,ent:nowhere,fg:startDate,soon,xsd:gYearMonth,,,,,,,,,,q,,,\n");
        assert_eq!(rows.len(), 1);
        let Err(problems) = rows.remove(0) else {
            panic!("expected an invalid row");
        };
        let fields: Vec<_> = problems
            .iter()
            .filter_map(|d| d.location.field.as_deref())
            .collect();
        assert!(fields.contains(&"fact_id"), "{problems:?}");
        assert!(fields.contains(&"object"), "{problems:?}");
        assert!(fields.contains(&"voice"), "{problems:?}");
        assert!(fields.contains(&"basis"), "{problems:?}");
        assert!(problems.iter().all(|d| d.location.line == Some(2)));
    }
}
