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
    "anyURI",
];

/// The first and last day of the interval a date of any precision names, as
/// `xsd:date` literals (`2021-02` gives 2021-02-01 and 2021-02-28); `None` for a
/// literal that is not a `xsd:gYear`, `xsd:gYearMonth` or `xsd:date`.
///
/// SPARQL compares none of the three types with the others, so these days are what a
/// date-range FILTER can use whatever precision the source gave.
pub fn day_bounds(literal: &Literal) -> Option<(Literal, Literal)> {
    let v = literal.value();
    let (first, last) = match literal.datatype().as_str().strip_prefix(XSD)? {
        "gYear" => {
            let y: i32 = v.parse().ok()?;
            (
                NaiveDate::from_ymd_opt(y, 1, 1)?,
                NaiveDate::from_ymd_opt(y, 12, 31)?,
            )
        }
        "gYearMonth" => {
            let first = NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d").ok()?;
            let next = first.checked_add_months(chrono::Months::new(1))?;
            (first, next.pred_opt()?)
        }
        "date" => {
            let day = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()?;
            (day, day)
        }
        _ => return None,
    };
    let date = |d: NaiveDate| {
        Literal::new_typed_literal(d.format("%Y-%m-%d").to_string(), iri(XSD, "date"))
    };
    Some((date(first), date(last)))
}

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
        Ok(Literal::new_typed_literal(
            canonical_datetime(v),
            iri(XSD, "dateTime"),
        ))
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
    Ok(Literal::new_typed_literal(
        canonical(value, local),
        datatype,
    ))
}

/// The canonical lexical form of a valid value, the form RDF stores (Oxigraph,
/// Virtuoso) return: a literal written otherwise (`007`, `1` for true) would come back
/// changed from a store and no longer hash to its fact's `fg:sha256`.
fn canonical(value: &str, local: &str) -> String {
    match local {
        "integer" => value
            .parse::<i128>()
            .map_or_else(|_| value.to_owned(), |n| n.to_string()),
        "boolean" => match value {
            "1" => "true".to_owned(),
            "0" => "false".to_owned(),
            other => other.to_owned(),
        },
        "decimal" => canonical_decimal(value),
        "dateTime" => canonical_datetime(value),
        _ => value.to_owned(),
    }
}

/// `-007.50` becomes `-7.5`, and `3.0` becomes `3`: the form Oxigraph writes back
/// (XSD 1.1 would write `3.0`, but a store's answer is what hashes are recomputed from).
fn canonical_decimal(value: &str) -> String {
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = if frac.is_empty() { "0" } else { frac };
    let sign = if negative && (int != "0" || frac != "0") {
        "-"
    } else {
        ""
    };
    if frac == "0" {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// A valid `xsd:dateTime` as stores write it back: a zero offset as `Z`, no trailing
/// zeros in fractional seconds (`…00.500+00:00` becomes `…00.5Z`).
fn canonical_datetime(value: &str) -> String {
    let (time, zone) = if let Some(t) = value.strip_suffix('Z') {
        (t, "Z")
    } else if value.len() > 6 && matches!(value.as_bytes()[value.len() - 6], b'+' | b'-') {
        let (t, z) = value.split_at(value.len() - 6);
        (
            t,
            if z == "+00:00" || z == "-00:00" {
                "Z"
            } else {
                z
            },
        )
    } else {
        (value, "")
    };
    let time = match time.split_once('.') {
        Some((whole, frac)) => match frac.trim_end_matches('0') {
            "" => whole.to_owned(),
            f => format!("{whole}.{f}"),
        },
        None => time.to_owned(),
    };
    format!("{time}{zone}")
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

    #[test]
    fn literals_take_their_canonical_form() {
        assert_eq!(typed("007", "xsd:integer").unwrap().value(), "7");
        assert_eq!(typed("-0", "xsd:integer").unwrap().value(), "0");
        assert_eq!(typed("1", "xsd:boolean").unwrap().value(), "true");
        assert_eq!(typed("-007.50", "xsd:decimal").unwrap().value(), "-7.5");
        assert_eq!(typed("3.0", "xsd:decimal").unwrap().value(), "3");
        assert_eq!(typed("0.10", "xsd:decimal").unwrap().value(), "0.1");
        let t = |v: &str| typed(v, "xsd:dateTime").unwrap().value().to_owned();
        assert_eq!(t("2024-10-10T14:23:00.500+00:00"), "2024-10-10T14:23:00.5Z");
        assert_eq!(t("2024-10-10T14:23:00.000"), "2024-10-10T14:23:00");
        assert_eq!(t("2024-10-10T14:23:00+02:00"), "2024-10-10T14:23:00+02:00");
        assert!(typed("5", "xsd:nonNegativeInteger").is_err());
    }

    #[test]
    fn day_bounds_cover_each_precision() {
        let days = |v: &str| {
            let (a, b) = day_bounds(&date_with_precision(v).unwrap()).unwrap();
            (a.value().to_owned(), b.value().to_owned())
        };
        assert_eq!(days("2021"), ("2021-01-01".into(), "2021-12-31".into()));
        assert_eq!(days("2021-02"), ("2021-02-01".into(), "2021-02-28".into()));
        assert_eq!(days("2024-02"), ("2024-02-01".into(), "2024-02-29".into()));
        assert_eq!(days("2024-12"), ("2024-12-01".into(), "2024-12-31".into()));
        assert_eq!(
            days("2024-01-24"),
            ("2024-01-24".into(), "2024-01-24".into())
        );
        assert!(day_bounds(&Literal::new_simple_literal("2021")).is_none());
    }
}
