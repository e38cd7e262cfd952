//! The quote judgement: the one place that decides whether a citation is `ok`,
//! `moved`, `drifted`, `missing` or `ambiguous`, for the working inputs and for
//! releases alike.

use super::{word_diff, Citation, Drift, FactReport, FactStatus, Matcher, Span, DRIFT_THRESHOLD};

/// Checks one quote against its source's matcher.
pub fn classify(
    matcher: &mut Matcher<'_>,
    citation: &Citation,
    source_changed: bool,
) -> FactReport {
    let mut report = FactReport {
        fact_id: citation.fact_id.clone(),
        line: None,
        source_id: citation.source_id.clone(),
        status: FactStatus::Ok,
        quote: citation.quote.clone(),
        expected: citation.recorded.map(Span::from),
        occurrences: Vec::new(),
        moved_to: None,
        drift: None,
        source_changed,
        fixed: false,
        message: String::new(),
    };
    let quote = citation.quote.as_str();
    let short = shorten(quote);
    let expected = citation
        .recorded
        .map(|r| format!(" (expected at {})", Span::from(r)))
        .unwrap_or_default();
    if let Some((start, end)) = citation.recorded {
        if matcher.is_at(quote, start, end) {
            return report;
        }
    }
    let found = matcher.find_all(quote);
    report.occurrences = found.iter().copied().map(Span::from).collect();
    match (citation.recorded, found.as_slice()) {
        (None, [only]) => {
            report.expected = None;
            report.moved_to = None;
            report.message = format!("found once at {}", Span::from(*only));
            report.occurrences.clear();
        }
        (None, [_, _, ..]) => {
            report.status = FactStatus::Ambiguous;
            report.message = format!(
                "quote \"{short}\" occurs {} times ({}); record quote_start and quote_end to say which",
                found.len(),
                spans(&report.occurrences)
            );
        }
        (Some((start, _)), [_, ..]) => {
            let nearest = *found
                .iter()
                .min_by_key(|(s, _)| (s.abs_diff(start), *s))
                .expect("non-empty");
            report.status = FactStatus::Moved;
            report.moved_to = Some(nearest.into());
            report.message = format!(
                "quote \"{short}\" is not at {} but at {}{}",
                Span::from(citation.recorded.unwrap_or_default()),
                Span::from(nearest),
                if found.len() > 1 {
                    format!(
                        " (nearest of {} occurrences: {})",
                        found.len(),
                        spans(&report.occurrences)
                    )
                } else {
                    String::new()
                }
            );
        }
        (_, []) => match matcher.closest(quote, citation.recorded.map(|r| r.0)) {
            Some(c) => {
                report.status = FactStatus::Drifted;
                report.message = format!(
                    "quote \"{short}\" is not in the source verbatim{expected}; closest text at {}..{} (similarity {:.3}{})",
                    c.start,
                    c.end,
                    c.similarity,
                    if c.formatting_only {
                        ", differs only in whitespace, quote marks or Unicode normalisation"
                    } else {
                        ""
                    }
                );
                report.drift = Some(Drift {
                    span: Span {
                        start: c.start,
                        end: c.end,
                    },
                    diff: word_diff(quote, &c.text),
                    similarity: (f64::from(c.similarity) * 1000.0).round() / 1000.0,
                    formatting_only: c.formatting_only,
                    text: c.text,
                });
            }
            None => {
                report.status = FactStatus::Missing;
                report.message = format!(
                    "quote \"{short}\" is not in the source{expected}, and nothing close is (similarity below {DRIFT_THRESHOLD})"
                );
            }
        },
    }
    report
}

fn spans(all: &[Span]) -> String {
    all.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A quote cut to 60 code points for messages.
pub fn shorten(quote: &str) -> String {
    let short: String = quote.chars().take(60).collect();
    if quote.chars().count() > 60 {
        format!("{short}…")
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quote::SourceText;

    fn judge(text: &str, quote: &str, recorded: Option<(usize, usize)>) -> FactReport {
        let text = SourceText::new(text.to_owned());
        let mut matcher = Matcher::new(&text);
        let citation = Citation {
            fact_id: "f1".into(),
            source_id: "s1".into(),
            quote: quote.into(),
            recorded,
        };
        classify(&mut matcher, &citation, false)
    }

    const TEXT: &str = "The bridge opened in 1932. It was painted red in 1950.";

    #[test]
    fn at_its_recorded_positions_is_ok() {
        let report = judge(TEXT, "opened in 1932", Some((11, 25)));
        assert_eq!(report.status, FactStatus::Ok, "{}", report.message);
    }

    #[test]
    fn elsewhere_is_moved_with_the_new_span() {
        let report = judge(TEXT, "opened in 1932", Some((0, 14)));
        assert_eq!(report.status, FactStatus::Moved);
        assert_eq!(report.moved_to, Some(Span::from((11, 25))));
    }

    #[test]
    fn a_close_variant_is_drifted() {
        let report = judge(TEXT, "It was painted  red in 1950", Some((27, 54)));
        assert_eq!(report.status, FactStatus::Drifted, "{}", report.message);
        assert!(report.drift.is_some());
    }

    #[test]
    fn nothing_close_is_missing() {
        let report = judge(TEXT, "the tunnel collapsed in 1871", Some((0, 28)));
        assert_eq!(report.status, FactStatus::Missing);
    }
}
