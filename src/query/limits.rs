//! Bounds on a query's shape, checked on its text before the SPARQL parser sees it.
//!
//! Oxigraph parses and evaluates queries recursively: every nested parenthesis, every
//! UNION branch and every property path step adds stack frames, and a 2 KB query of
//! 1,000 parentheses overflowed a server thread's stack, which aborts the whole
//! process (a stack overflow cannot be caught). So the text is scanned first, outside
//! strings, IRIs and comments, and a query over any bound is refused with a message
//! saying which bound; everything under the bounds is evaluated on a thread whose stack
//! is sized for them ([`EVALUATION_STACK`]).
//!
//! # Rationale
//! A scanner of a few dozen lines cannot overflow anything and does not depend on the
//! parser's internals, so the bounds hold whatever the parser version does. The bounds
//! are far above what a hand-written query uses (the example queries nest 4 deep).

/// The most nested `(`, `{` and `[` a query may have.
pub const MAX_DEPTH: usize = 64;
/// The most UNION keywords a query may have.
pub const MAX_UNIONS: usize = 256;
/// The most operators (property path steps `/ | ^` and expression operators) a query
/// may have: each is a node of a tree the evaluator walks recursively.
pub const MAX_OPERATORS: usize = 1024;
/// The most keywords that each add a level to the query's algebra tree (OPTIONAL,
/// MINUS, BIND, FILTER, GRAPH, SERVICE, VALUES, and `.`-separated triple blocks).
pub const MAX_CLAUSES: usize = 2048;
/// The longest query text: 512 KiB.
pub const MAX_BYTES: usize = 512 * 1024;
/// The stack of the thread that parses and evaluates a query: enough for every query
/// within the bounds above, with a wide margin (only the pages used are committed).
pub const EVALUATION_STACK: usize = 256 * 1024 * 1024;

/// Why a query was refused before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

/// Checks a query's text against the bounds; also refuses `SERVICE`, since factgraph
/// queries only its own graph (and sends no request anywhere).
pub fn check(query: &str) -> Result<(), Refused> {
    if query.len() > MAX_BYTES {
        return Err(Refused(format!(
            "the query is {} bytes long; at most {} KiB are accepted",
            query.len(),
            MAX_BYTES / 1024
        )));
    }
    let bytes = query.as_bytes();
    let (mut depth, mut deepest, mut unions, mut operators, mut clauses) = (0usize, 0, 0, 0, 0);
    let mut service = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'<' => {
                if let Some(end) = iri_end(bytes, i) {
                    i = end;
                    continue;
                }
                operators += 1;
            }
            b'(' | b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b'}' | b']' => depth = depth.saturating_sub(1),
            b'/' | b'|' | b'^' | b'&' | b'+' | b'*' | b'=' | b'!' | b'>' | b'-' => {
                operators += 1;
                // `||`, `&&`, `!=`, `>=`, `^^` are one operator.
                if bytes
                    .get(i + 1)
                    .is_some_and(|n| matches!(n, b'|' | b'&' | b'=' | b'^'))
                {
                    i += 1;
                }
            }
            b'.' | b';' | b',' => clauses += 1,
            b'?' | b'$' | b'_' | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b':' => {
                let start = i;
                i = word_end(bytes, i);
                let word = &query[start..i];
                if word.eq_ignore_ascii_case("UNION") {
                    unions += 1;
                } else if word.eq_ignore_ascii_case("SERVICE") {
                    service = true;
                } else if [
                    "OPTIONAL", "MINUS", "BIND", "FILTER", "GRAPH", "SERVICE", "VALUES",
                ]
                .iter()
                .any(|k| word.eq_ignore_ascii_case(k))
                {
                    clauses += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if service {
        return Err(Refused(
            "SERVICE (a federated query) is not supported: factgraph answers from its own graph only".into(),
        ));
    }
    if deepest > MAX_DEPTH {
        return Err(Refused(format!(
            "the query nests deeper than {MAX_DEPTH} levels of (), {{}} or [] ({deepest} levels)"
        )));
    }
    if unions > MAX_UNIONS {
        return Err(Refused(format!(
            "the query has {unions} UNION keywords; at most {MAX_UNIONS} are accepted (use VALUES for long alternatives)"
        )));
    }
    if operators > MAX_OPERATORS {
        return Err(Refused(format!(
            "the query has {operators} operators (property path steps such as `/`, `|`, `^`, and expression operators); at most {MAX_OPERATORS} are accepted"
        )));
    }
    if clauses > MAX_CLAUSES {
        return Err(Refused(format!(
            "the query has {clauses} clauses (triple patterns, OPTIONAL, MINUS, BIND, FILTER, GRAPH, VALUES); at most {MAX_CLAUSES} are accepted"
        )));
    }
    Ok(())
}

/// A syntax mistake found by a plain scan of the text, with its 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mistake {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong there.
    pub message: String,
}

/// Looks for a common mistake the parser reports badly: Oxigraph's parser places most
/// errors at the end of the text, whatever their place. Called only on a query that did
/// not parse, so it can never refuse a valid one.
pub fn find_mistake(query: &str) -> Option<Mistake> {
    let bytes = query.as_bytes();
    let at = |offset: usize, message: String| {
        let before = &query[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before[before.rfind('\n').map_or(0, |n| n + 1)..]
            .chars()
            .count()
            + 1;
        Mistake {
            line,
            column,
            message,
        }
    };
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut form_seen = false;
    let mut expect_iri_or_name = 0u8;
    let mut last_operator: Option<(usize, &str)> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        match b {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'"' | b'\'' => {
                i = skip_string(bytes, i);
                last_operator = None;
                continue;
            }
            b'<' if iri_end(bytes, i).is_some() => {
                i = iri_end(bytes, i).unwrap_or(bytes.len());
                last_operator = None;
                expect_iri_or_name = expect_iri_or_name.saturating_sub(1);
                continue;
            }
            b'(' | b'{' | b'[' => {
                open.push((b, i));
                last_operator = None;
            }
            b')' | b'}' | b']' => {
                let opener = match b {
                    b')' => b'(',
                    b'}' => b'{',
                    _ => b'[',
                };
                if let Some((operator_at, operator)) = last_operator {
                    if b == b')' || b == b']' {
                        let _ = operator_at;
                        return Some(at(
                            i,
                            format!(
                                "`{}` right after `{operator}`: an expression is missing",
                                b as char
                            ),
                        ));
                    }
                }
                match open.pop() {
                    Some((o, _)) if o == opener => {}
                    Some((o, from)) => {
                        let m = at(from, String::new());
                        return Some(at(
                            i,
                            format!(
                                "`{}` closes the `{}` opened at line {}, column {}",
                                b as char, o as char, m.line, m.column
                            ),
                        ));
                    }
                    None => return Some(at(i, format!("`{}` closes nothing", b as char))),
                }
                last_operator = None;
            }
            b'=' | b'<' | b'>' | b'!' | b'&' | b'|' | b'+' | b'*' | b'/' => {
                let mut end = i + 1;
                while end < bytes.len() && matches!(bytes[end], b'=' | b'&' | b'|') {
                    end += 1;
                }
                last_operator = Some((i, &query[i..end]));
                i = end;
                continue;
            }
            _ if b.is_ascii_alphabetic()
                || b == b'?'
                || b == b'$'
                || b == b'_'
                || b.is_ascii_digit()
                || b == b':'
                || b >= 0x80 =>
            {
                i = word_end(bytes, i);
                let word = &query[start..i];
                last_operator = None;
                if expect_iri_or_name > 0 {
                    expect_iri_or_name -= 1;
                    continue;
                }
                if !form_seen {
                    if word.eq_ignore_ascii_case("PREFIX") {
                        expect_iri_or_name = 2;
                    } else if word.eq_ignore_ascii_case("BASE") {
                        expect_iri_or_name = 1;
                    } else if ["SELECT", "CONSTRUCT", "DESCRIBE", "ASK"]
                        .iter()
                        .any(|k| word.eq_ignore_ascii_case(k))
                    {
                        form_seen = true;
                    } else {
                        return Some(at(
                            start,
                            format!(
                                "`{word}` is not a query form: a query starts with SELECT, CONSTRUCT, DESCRIBE or ASK (after any PREFIX and BASE lines)"
                            ),
                        ));
                    }
                }
                continue;
            }
            _ => last_operator = None,
        }
        i += 1;
    }
    if let Some((o, from)) = open.pop() {
        return Some(at(from, format!("this `{}` is never closed", o as char)));
    }
    None
}

/// The index just after the string literal starting at `start` (`'`, `"`, or their
/// long forms), or the end of the text if it is not closed (the parser reports it).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let long = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut i = start + if long { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            q if q == quote => {
                if !long {
                    return i + 1;
                }
                if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                    return i + 3;
                }
                i += 1;
            }
            b'\n' if !long => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// If an IRI reference starts at `start` (`<` then IRI characters then `>`), the index
/// after it; otherwise (a `<` comparison) `None`.
fn iri_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => return Some(i + 1),
            b'<' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' | b'\\' => return None,
            c if c <= b' ' => return None,
            _ => i += 1,
        }
    }
    None
}

/// The end of the name, keyword or prefixed name starting at `i` (a `.` belongs to it
/// only when a name character follows, as in `ex:a.b`, not at a triple's end).
fn word_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric()
            || matches!(bytes[i], b'_' | b'-' | b':' | b'?' | b'$' | b'%')
            || (bytes[i] == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric))
            || bytes[i] >= 0x80)
    {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!("ASK{{FILTER({}1{})}}", "(".repeat(n), ")".repeat(n))
    }

    #[test]
    fn ordinary_queries_pass() {
        for q in [
            "SELECT ?p (COUNT(?f) AS ?n) WHERE { ?f a fg:Fact ; rdf:predicate ?p } GROUP BY ?p",
            "SELECT * { ?s <http://x/a#b> ?o FILTER(?o < 3 && ?o >= 1 || ?o != \"a((((\") }",
            "SELECT * { ?s fg:p/fg:q|^fg:r ?o } # comment with ((((((\n",
            &nested(60),
        ] {
            assert_eq!(check(q), Ok(()), "{q}");
        }
        for file in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/queries")).unwrap() {
            let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
            assert_eq!(check(&text), Ok(()), "{text}");
        }
    }

    #[test]
    fn brackets_inside_strings_iris_and_comments_do_not_count() {
        let q = format!(
            "ASK {{ ?s ?p \"{}\" . ?s ?p '''{}''' . ?s <http://x/{}> ?o }} # {}",
            "(".repeat(500),
            "{".repeat(500),
            "%28".repeat(10),
            "[".repeat(500)
        );
        assert_eq!(check(&q), Ok(()));
    }

    #[test]
    fn mistakes_are_placed_where_they_are() {
        let m = find_mistake("SELECT ?x\nWHERE {\n  ?x ?p ?o .\n  FILTER(?x = )\n}\n").unwrap();
        assert_eq!((m.line, m.column), (4, 15), "{m:?}");
        assert!(m.message.contains("after `=`"));
        let m = find_mistake("SELEC * WHERE {}").unwrap();
        assert_eq!((m.line, m.column), (1, 1));
        assert!(m.message.contains("SELECT, CONSTRUCT"));
        let m = find_mistake("PREFIX ex: <http://x/>\nASK { ?s ?p ?o ").unwrap();
        assert_eq!((m.line, m.column), (2, 5));
        let m = find_mistake("ASK { ?s ?p (1 }").unwrap();
        assert_eq!((m.line, m.column), (1, 16));
        assert_eq!(
            find_mistake("PREFIX ex: <http://x/> SELECT * { ?s ex:p ?o FILTER(?o < 3) }"),
            None
        );
    }

    #[test]
    fn hostile_shapes_are_refused_with_their_reason() {
        assert!(check(&nested(1000)).unwrap_err().0.contains("nests deeper"));
        let union = format!("SELECT * {{ {} {{}} }}", "{} UNION ".repeat(5000));
        assert!(check(&union).unwrap_err().0.contains("UNION"));
        let path = format!("ASK {{ ?s {}fg:p ?o }}", "fg:p/".repeat(20000));
        assert!(check(&path).unwrap_err().0.contains("property path"));
        let sum = format!("ASK {{ FILTER({}1) }}", "1+".repeat(5000));
        assert!(check(&sum).unwrap_err().0.contains("operators"));
        let binds = "BIND(1 AS ?x) ".repeat(3000);
        assert!(check(&format!("SELECT * {{ {binds} }}"))
            .unwrap_err()
            .0
            .contains("clauses"));
        assert!(check(&"#".repeat(MAX_BYTES + 1))
            .unwrap_err()
            .0
            .contains("bytes"));
        assert!(check("SELECT * { service <http://x/> { ?s ?p ?o } }")
            .unwrap_err()
            .0
            .contains("SERVICE"));
        assert_eq!(check("SELECT * { ?s ex:SERVICE ?o }"), Ok(()));
    }
}
