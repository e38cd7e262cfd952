//! Typed literals as researchers write them in a spreadsheet cell.
//!
//! Dates carry their precision in their shape: `2021` is an `xsd:gYear`, `2021-02` an
//! `xsd:gYearMonth`, `2021-02-15` an `xsd:date`. This keeps "February 2021" from being
//! silently widened to a day the source never gave.

use crate::vocab::{iri, RDF, RDFS, XSD};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use oxigraph::model::{Literal, NamedNode};

/// The datatypes a facts CSV may name in `object_type`.
pub const SUPPORTED: &[&str] = &[
    "string",
    "integer",
    "decimal",
    "boolean",
    "date",
    "dateTime",
    "gYear",
    "gYearMonth",
    "nonNegativeInteger",
    "anyURI",
];

/// Parses a date of year, year-month or full-date precision.
pub fn date_with_precision(value: &str) -> Result<Literal, String> {
    let v = value.trim();
    let bad = || format!("`{value}` is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD");
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = v.split('-').collect();
    match parts.as_slice() {
        [y] if digits(y, 4) => Ok(Literal::new_typed_literal(v, iri(XSD, "gYear"))),
        [y, m] if digits(y, 4) && digits(m, 2) => {
            let month: u32 = m.parse().map_err(|_| bad())?;
            if (1..=12).contains(&month) {
                Ok(Literal::new_typed_literal(v, iri(XSD, "gYearMonth")))
            } else {
                Err(format!("`{value}`: month {month} is not between 01 and 12"))
            }
        }
        [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2) => {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| format!("`{value}` is not a real calendar date"))?;
            Ok(Literal::new_typed_literal(v, iri(XSD, "date")))
        }
        _ => Err(bad()),
    }
}

/// Parses a publication timestamp: a date (any precision above) or an
/// `xsd:dateTime`, with or without a timezone.
pub fn date_or_datetime(value: &str) -> Result<Literal, String> {
    let v = value.trim();
    if v.contains('T') {
        check_datetime(v)?;
        Ok(Literal::new_typed_literal(v, iri(XSD, "dateTime")))
    } else {
        date_with_precision(v)
            .map_err(|_| format!("`{value}` is not a date (YYYY[-MM[-DD]]) or a dateTime (YYYY-MM-DDThh:mm:ss[Z|±hh:mm])"))
    }
}

fn check_datetime(v: &str) -> Result<(), String> {
    let ok = DateTime::parse_from_rfc3339(v).is_ok()
        || NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S").is_ok()
        || NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f").is_ok();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{v}` is not an xsd:dateTime (YYYY-MM-DDThh:mm:ss, optional Z or ±hh:mm)"
        ))
    }
}

/// Checks `value` against an XSD datatype's lexical space (for the supported ones).
pub fn check_lexical(value: &str, datatype: &NamedNode) -> Result<(), String> {
    let Some(local) = datatype.as_str().strip_prefix(XSD) else {
        return Ok(());
    };
    let fail = |what: &str| Err(format!("`{value}` is not a valid xsd:{local} ({what})"));
    match local {
        "integer" => match value.parse::<i128>() {
            Ok(_) if !value.starts_with('+') => Ok(()),
            _ => fail("an integer such as 22"),
        },
        "nonNegativeInteger" => match value.parse::<u128>() {
            Ok(_) if !value.starts_with('+') => Ok(()),
            _ => fail("a whole number ≥ 0"),
        },
        "decimal" => {
            let digits = value.strip_prefix('-').unwrap_or(value);
            let mut parts = digits.splitn(2, '.');
            let int = parts.next().unwrap_or("");
            let frac = parts.next().unwrap_or("0");
            if !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && !frac.is_empty()
                && frac.bytes().all(|b| b.is_ascii_digit())
            {
                Ok(())
            } else {
                fail("a decimal such as 3.5")
            }
        }
        "boolean" => match value {
            "true" | "false" | "1" | "0" => Ok(()),
            _ => fail("true or false"),
        },
        "date" | "gYear" | "gYearMonth" => match date_with_precision(value) {
            Ok(l) if l.datatype() == datatype.as_ref() => Ok(()),
            _ => fail(match local {
                "date" => "YYYY-MM-DD",
                "gYear" => "YYYY",
                _ => "YYYY-MM",
            }),
        },
        "dateTime" => check_datetime(value),
        _ => Ok(()),
    }
}

/// Builds the literal for an `object_type` cell: `xsd:NAME` (as a CURIE) or `@lang`.
pub fn typed(value: &str, object_type: &str) -> Result<Literal, String> {
    let object_type = object_type.trim();
    if let Some(lang) = object_type.strip_prefix('@') {
        return Literal::new_language_tagged_literal(value, lang)
            .map_err(|e| format!("`@{lang}` is not a valid language tag: {e}"));
    }
    let local = object_type
        .strip_prefix("xsd:")
        .filter(|l| SUPPORTED.contains(l))
        .ok_or_else(|| {
            format!(
                "`{object_type}` is not a supported type: use @LANG (e.g. @en) or one of {}",
                SUPPORTED
                    .iter()
                    .map(|s| format!("xsd:{s}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
    let datatype = iri(XSD, local);
    check_lexical(value, &datatype)?;
    Ok(Literal::new_typed_literal(value, datatype))
}

/// Whether a literal fits a declared literal range.
pub fn fits_range(literal: &Literal, range: &NamedNode) -> bool {
    let dt = literal.datatype();
    if *range == iri(RDFS, "Literal") {
        return true;
    }
    if *range == iri(RDF, "langString") {
        return literal.language().is_some();
    }
    if *range == iri(XSD, "string") {
        return dt == iri(XSD, "string").as_ref();
    }
    dt == range.as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_keep_their_precision() {
        assert_eq!(
            date_with_precision("2021").unwrap().datatype(),
            iri(XSD, "gYear").as_ref()
        );
        assert_eq!(
            date_with_precision("2021-02").unwrap().datatype(),
            iri(XSD, "gYearMonth").as_ref()
        );
        assert_eq!(
            date_with_precision("2021-02-28").unwrap().datatype(),
            iri(XSD, "date").as_ref()
        );
        assert!(date_with_precision("2021-02-30").is_err());
        assert!(date_with_precision("2021-13").is_err());
        assert!(date_with_precision("Feb 2021").is_err());
    }

    #[test]
    fn typed_literals_are_checked() {
        assert!(typed("22", "xsd:integer").is_ok());
        assert!(typed("twenty", "xsd:integer").is_err());
        assert!(typed("2024-10-10T14:23:00", "xsd:dateTime").is_ok());
        assert!(typed("x", "xsd:foo").is_err());
        assert_eq!(typed("hi", "@en").unwrap().language(), Some("en"));
        assert!(date_or_datetime("2024-10-10T14:23:00").is_ok());
        assert!(date_or_datetime("10/10/2024").is_err());
    }
}
