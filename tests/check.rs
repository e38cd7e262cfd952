//! `factgraph check`: clean inputs pass; each kind of user error is reported with its
//! file, line, column and field, and exit code 1.

use crate::support::{Project, FACTS_HEADER};
use predicates::prelude::*;

#[test]
fn sample_data_is_clean() {
    Project::sample()
        .cmd()
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("1 source(s), 58 fact(s)"));
}

#[test]
fn minimal_project_is_clean() {
    Project::minimal()
        .cmd()
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("1 source(s), 2 fact(s)"));
}

/// Runs `check` on the minimal project plus one bad facts row (line 4) and expects
/// exactly one problem, printed as `expected`.
fn rejects_row(row: &str, expected: &str) {
    let p = Project::minimal();
    p.add_fact_row(row);
    let out = p.cmd().arg("check").assert().code(1).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(expected),
        "expected `{expected}` in:\n{stderr}"
    );
    assert!(
        stderr.contains("1 problem(s) found"),
        "expected one problem:\n{stderr}"
    );
}

#[test]
fn unknown_source() {
    rejects_row(
        "f3,nope,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,source,stated,,",
        "sources/facts.csv:4:2: error[unknown-source]: field `source_id`: source `nope` is not in sources/sources.csv",
    );
}

#[test]
fn unknown_prefix() {
    rejects_row(
        "f3,a1,wd:Q30,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,source,stated,,",
        "sources/facts.csv:4:3: error[unknown-prefix]: field `subject`: unknown prefix `wd:` in `wd:Q30`",
    );
}

#[test]
fn unknown_term() {
    rejects_row(
        "f3,a1,ent:france,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,source,stated,,",
        "sources/facts.csv:4:3: error[unknown-term]: field `subject`: `ent:france` is not declared in the ontology",
    );
}

#[test]
fn unknown_predicate() {
    rejects_row(
        "f3,a1,ent:usa,fg:attended,ent:round-15,,,,,,,boycotted round 15,,,,source,stated,,",
        "sources/facts.csv:4:4: error[unknown-term]: field `predicate`: `fg:attended` is not a property declared in the ontology",
    );
}

#[test]
fn literal_of_the_wrong_type() {
    rejects_row(
        "f3,a1,ent:round-15,fg:ordinal,fifteenth,xsd:integer,,,,,,was the fifteenth,,,,source,stated,,",
        "sources/facts.csv:4:5: error[bad-literal]: field `object`: `fifteenth` is not a valid xsd:integer",
    );
}

#[test]
fn unsupported_object_type() {
    rejects_row(
        "f3,a1,ent:round-15,fg:ordinal,15,xsd:int,,,,,,was the fifteenth,,,,source,stated,,",
        "sources/facts.csv:4:6: error[bad-literal]: field `object_type`: `xsd:int` is not a supported type",
    );
}

#[test]
fn object_outside_the_range() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:russia,,,,,,,boycotted round 15,,,,source,stated,,",
        "sources/facts.csv:4:5: error[wrong-type]: field `object`: ent:russia is not a fg:Round (the range of fg:boycotted)",
    );
}

#[test]
fn impossible_date() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,2021-02-30,,,,,boycotted round 15,,,,source,stated,,",
        "sources/facts.csv:4:7: error[bad-literal]: field `point_in_time`: `2021-02-30` is not a real calendar date",
    );
}

#[test]
fn date_in_a_spreadsheet_format() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,02/2021,,,,boycotted round 15,,,,source,stated,,",
        "sources/facts.csv:4:8: error[bad-literal]: field `start`: `02/2021` is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD",
    );
}

#[test]
fn unknown_qualifier() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,fg:ordinal=3,,boycotted round 15,,,,source,stated,,",
        "sources/facts.csv:4:10: error[unknown-term]: field `qualifiers`: `fg:ordinal` is not declared as a fg:QualifierProperty",
    );
}

#[test]
fn bad_rank() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,wrong,boycotted round 15,,,,source,stated,,",
        "sources/facts.csv:4:11: error[bad-value]: field `rank`: `wrong` is not a rank",
    );
}

#[test]
fn duplicate_fact_id() {
    rejects_row(
        "f1,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,source,stated,,",
        "sources/facts.csv:4:1: error[duplicate-id]: field `fact_id`: fact id `f1` is already used on line 2",
    );
}

#[test]
fn fact_without_a_voice() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,,stated,,",
        "sources/facts.csv:4:16: error[missing-field]: field `voice`: whose claim is this? write `source` for the source's own voice",
    );
}

#[test]
fn voice_that_is_not_an_agent() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,ent:round-15,stated,,",
        "sources/facts.csv:4:16: error[wrong-type]: field `voice`: ent:round-15 is not a prov:Agent",
    );
}

#[test]
fn fact_without_a_basis() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,source,,,",
        "sources/facts.csv:4:17: error[missing-field]: field `basis`: how does the quote support the fact? write stated, paraphrase or inference",
    );
}

#[test]
fn unknown_basis() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,source,guess,,",
        "sources/facts.csv:4:17: error[bad-value]: field `basis`: `guess` is not a basis: use stated, paraphrase or inference",
    );
}

#[test]
fn inference_without_a_note() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,source,inference,,",
        "sources/facts.csv:4:15: error[missing-field]: field `note`: an inference needs a note saying what knowledge was added",
    );
}

#[test]
fn inference_with_a_note_is_fine() {
    let p = Project::minimal();
    p.add_fact_row("f3,a1,ent:russia,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,the curator's reading,source,inference,,");
    p.cmd().arg("check").assert().success();
}

#[test]
fn deprecated_fact_without_a_reason() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,deprecated,boycotted round 15,,,,source,stated,,",
        "sources/facts.csv:4:19: error[missing-field]: field `deprecation_reason`: a deprecated fact needs a reason: one of inconsistent-within-source, error-in-source",
    );
}

#[test]
fn unknown_deprecation_reason() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,deprecated,boycotted round 15,,,,source,stated,,wrong",
        "sources/facts.csv:4:19: error[bad-value]: field `deprecation_reason`: `wrong` is not a reason for deprecation",
    );
}

#[test]
fn reason_on_a_fact_that_is_not_deprecated() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,source,stated,,superseded",
        "sources/facts.csv:4:19: error[bad-value]: field `deprecation_reason`: only a deprecated fact has a deprecation reason",
    );
}

#[test]
fn relayed_by_must_be_an_agent() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,source,stated,ent:observer,",
        "sources/facts.csv:4:18: error[wrong-type]: field `relayed_by`: ent:observer is not a prov:Agent",
    );
}

#[test]
fn header_without_the_voice_column() {
    let p = Project::minimal();
    let facts = p.read("sources/facts.csv").replacen(",voice,", ",", 1);
    let facts: String = facts
        .lines()
        .map(|l| l.replacen(",source,", ",", 1) + "\n")
        .collect();
    p.write("sources/facts.csv", facts);
    p.cmd()
        .arg("check")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "required column `voice` is missing from the header",
        ));
}

#[test]
fn altered_words_in_quotation_marks() {
    let p = Project::sample();
    let facts = p.read("sources/facts.csv").replacen(
        ",“normalizing relations between Turkey and Syria” is vital",
        ",“Normalizing relations between Turkey and Syria” is vital",
        1,
    );
    p.write("sources/facts.csv", facts);
    p.cmd()
        .arg("check")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "sources/facts.csv:47:5: error[bad-value]: field `object`: the words in quotation marks “Normalizing relations between Turkey and Syria” are not in the quote",
        ));
}

#[test]
fn quote_not_in_source() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 16,,,,source,stated,,",
        "sources/facts.csv:4:12: error[quote-not-found]: field `quote`: quote \"boycotted round 16\" is not found verbatim in source `a1` (articles/a1.txt)",
    );
}

#[test]
fn quote_with_straight_quotes_where_the_source_has_curly_ones() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,\"The \"\"United States\"\"\",,,,source,stated,,",
        "error[quote-not-found]",
    );
}

#[test]
fn ambiguous_quote_without_positions() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,ound 15,,,,source,stated,,",
        "sources/facts.csv:4:12: error[quote-ambiguous]: field `quote`: quote \"ound 15\" occurs 2 times in source `a1` (code points 31..38, 58..65); set quote_start and quote_end to say which",
    );
}

#[test]
fn ambiguous_quote_with_positions_is_fine() {
    let p = Project::minimal();
    p.add_fact_row("f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,ound 15,58,65,,source,stated,,");
    p.cmd().arg("check").assert().success();
}

#[test]
fn quote_at_the_wrong_positions() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,0,18,,source,stated,,",
        "sources/facts.csv:4:13: error[quote-moved]: field `quote_start`: quote is not at code points 0..18 of source `a1` but at 20..38",
    );
}

#[test]
fn positions_that_do_not_span_the_quote() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,20,30,,source,stated,,",
        "sources/facts.csv:4:14: error[bad-value]: field `quote_end`: quote_end - quote_start is 10, but the quote is 18 code points long",
    );
}

#[test]
fn missing_required_field() {
    rejects_row(
        "f3,a1,,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,source,stated,,",
        "sources/facts.csv:4:3: error[missing-field]: field `subject`: this field is required",
    );
}

#[test]
fn ragged_row() {
    rejects_row(
        "f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted, round 15,,,,source,stated,,",
        "sources/facts.csv:4: error[csv]: this row has 20 fields but the header has 19",
    );
}

#[test]
fn unknown_column_in_header() {
    let p = Project::minimal();
    let facts = p.read("sources/facts.csv").replacen(",note,", ",notes,", 1);
    p.write("sources/facts.csv", facts);
    p.cmd()
        .arg("check")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "sources/facts.csv:1:15: error[csv]: field `notes`: unknown column `notes`",
        ));
}

#[test]
fn facts_file_that_is_not_utf8() {
    let p = Project::minimal();
    let mut bytes = p.read("sources/facts.csv").into_bytes();
    bytes.extend_from_slice(
        b"f3,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,caf\xe9,source,stated,,\n",
    );
    p.write("sources/facts.csv", bytes);
    p.cmd()
        .arg("check")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "sources/facts.csv:4:15: error[not-utf8]: field `note`: the file is not valid UTF-8",
        ));
}

#[test]
fn source_file_that_is_not_utf8() {
    let p = Project::minimal();
    let bytes = b"Latin-1 caf\xe9\n".to_vec();
    let hash = crate::support::sha256(&bytes);
    p.write("sources/articles/a1.txt", &bytes);
    let table = p.read("sources/sources.csv");
    let old = crate::support::sha256(crate::support::MINI_TEXT.as_bytes());
    p.write("sources/sources.csv", table.replace(&old, &hash));
    p.cmd().arg("check").assert().code(1).stderr(predicate::str::contains(
        "sources/articles/a1.txt:1:12: error[not-utf8]: the file is not valid UTF-8 (invalid byte 0xe9 at byte offset 11)",
    ));
}

#[test]
fn source_whose_bytes_changed() {
    let p = Project::minimal();
    let text = crate::support::MINI_TEXT.replace("fifteenth", "15th");
    p.write("sources/articles/a1.txt", text);
    let out = p.cmd().arg("check").assert().code(1).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("sources/sources.csv:2: error[hash-mismatch]: field `sha256`: source `a1`: sources/articles/a1.txt has sha256"),
        "{stderr}"
    );
    // The facts citing it are re-checked against the new text: f2's quote is gone.
    assert!(
        stderr.contains("sources/facts.csv:3:12: error[quote-not-found]"),
        "{stderr}"
    );
    assert!(stderr.contains("2 problem(s) found"), "{stderr}");
}

#[test]
fn every_problem_is_listed_in_one_run() {
    let p = Project::minimal();
    p.write(
        "sources/facts.csv",
        format!(
            "{FACTS_HEADER}\
             f1,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,not in the text,,,,source,stated,,\n\
             f1,a1,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,source,stated,,\n\
             f3,a1,x:y,fg:nope,ent:round-15,,2021-13,,,,,boycotted round 15,,,,source,stated,,\n"
        ),
    );
    let out = p.cmd().arg("check").assert().code(1).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    for expected in [
        "sources/facts.csv:2:12: error[quote-not-found]",
        "sources/facts.csv:3:1: error[duplicate-id]",
        "sources/facts.csv:4:3: error[unknown-prefix]",
        "sources/facts.csv:4:4: error[unknown-term]",
        "sources/facts.csv:4:7: error[bad-literal]",
        "5 problem(s) found",
    ] {
        assert!(
            stderr.contains(expected),
            "expected `{expected}` in:\n{stderr}"
        );
    }
}

#[test]
fn sources_table_problems() {
    let p = Project::minimal();
    let table = p.read("sources/sources.csv");
    p.write(
        "sources/sources.csv",
        format!("{table}a1,articles/missing.txt,abc,Another,10 Oct 2024,not a url,,en,\n"),
    );
    let out = p.cmd().arg("check").assert().code(1).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    for expected in [
        "sources/sources.csv:3:1: error[duplicate-id]: field `source_id`: source id `a1` is already used on line 2",
        "sources/sources.csv:3:3: error[bad-value]: field `sha256`: expected 64 lowercase hexadecimal digits",
        "sources/sources.csv:3:5: error[bad-literal]: field `published`",
        "sources/sources.csv:3:6: error[bad-value]: field `url`",
    ] {
        assert!(stderr.contains(expected), "expected `{expected}` in:\n{stderr}");
    }
}

#[test]
fn ontology_syntax_error_is_located() {
    let p = Project::minimal();
    p.write(
        "ontology/broken.ttl",
        "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n  ex:d \"unterminated .\n",
    );
    p.cmd().arg("check").assert().code(1).stderr(
        predicate::str::contains("ontology/broken.ttl:3:")
            .and(predicate::str::contains("error[ontology]")),
    );
}

#[test]
fn a_table_saved_by_a_spreadsheet_with_bom_and_crlf_is_read() {
    let p = Project::minimal();
    let facts = p.read("sources/facts.csv").replace('\n', "\r\n");
    p.write("sources/facts.csv", format!("\u{feff}{facts}"));
    p.cmd()
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("2 fact(s)"));
}

#[test]
fn lines_are_right_in_crlf_files_and_after_multi_line_cells() {
    let p = Project::minimal();
    let facts = p.read("sources/facts.csv").replace(
        ",,,,,,was the fifteenth,66,83,,source,stated,,\n",
        ",,,,,,was the fifteenth,66,83,\"a note\non two lines\",source,stated,,\n",
    );
    p.write("sources/facts.csv", facts.replace('\n', "\r\n"));
    p.add_fact_row(
        "f3,nope,ent:usa,fg:boycotted,ent:round-15,,,,,,,boycotted round 15,,,,source,stated,,\r",
    );
    p.cmd()
        .arg("check")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "sources/facts.csv:5:2: error[unknown-source]",
        ));
}
