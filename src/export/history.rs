//! The `facts.csv` headers that releases have been published with.
//!
//! A published release is immutable, so a newer `factgraph` must still verify a table
//! written with an older column set. Columns are only ever added, so every historical
//! header is the current one ([`super::columns::FACTS`]) with some columns left out,
//! in the same order; the list below names each exactly, so that a table with any
//! other header is still refused.

use super::columns::{header, FACTS};

/// Columns of `facts.csv` in releases made before voice, basis and deprecation reasons
/// (issue 9): `exports/v1` was published with these.
pub const FACTS_V1: &[&str] = &[
    "fact_id",
    "fact_iri",
    "subject",
    "subject_label",
    "predicate",
    "predicate_label",
    "object",
    "object_label",
    "object_datatype",
    "object_language",
    "point_in_time",
    "start",
    "end",
    "qualifiers",
    "rank",
    "quote",
    "quote_start",
    "quote_end",
    "source_id",
    "source_title",
    "source_published",
    "source_url",
    "source_sha256",
    "fact_sha256",
    "note",
];

/// A header that a release's table may have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownHeader {
    /// Which column set: `current` or the release that introduced it (`v1`).
    pub name: &'static str,
    /// The columns, in order.
    pub columns: Vec<&'static str>,
}

/// Every `facts.csv` header a release may have, the current one first.
pub fn facts_headers() -> Vec<KnownHeader> {
    vec![
        KnownHeader {
            name: "current",
            columns: header(FACTS),
        },
        KnownHeader {
            name: "v1",
            columns: FACTS_V1.to_vec(),
        },
    ]
}

/// The known header `found` is, if any.
pub fn known_facts_header(found: &[&str]) -> Option<KnownHeader> {
    facts_headers().into_iter().find(|h| h.columns == found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn historical_headers_are_current_columns_in_current_order() {
        let current = header(FACTS);
        for known in facts_headers() {
            let positions: Vec<usize> = known
                .columns
                .iter()
                .map(|c| current.iter().position(|n| n == c).expect(c))
                .collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "{}", known.name);
        }
        assert_eq!(known_facts_header(&current).unwrap().name, "current");
        assert_eq!(known_facts_header(FACTS_V1).unwrap().name, "v1");
        assert_eq!(known_facts_header(&FACTS_V1[1..]), None);
    }
}
