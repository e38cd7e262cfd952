//! Streaming a release's `graph.nq` one node at a time.
//!
//! `graph.nq`'s lines are sorted, so the lines of one subject are contiguous, and the
//! lines of a node's `#…` parts (`<F#annotation>`, `<F#quote>`, …) sort just before the
//! node's own (`#` is below `>`). A *group* is a node with its parts; it is complete
//! when the stream leaves the node's own lines, so only the groups still open are held
//! (those whose parts interleave, such as `<F-1>` between `<F#quote>` and `<F>`).

use crate::error::{Error, Result};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Quad;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

/// Reads `graph.nq` (or any sorted canonical N-Quads) line by line and hands over each
/// group, complete, as (node `<…>`, its lines without their newlines).
pub fn for_each_group(path: &Path, mut on_group: impl FnMut(&str, Vec<String>)) -> Result<()> {
    let file = crate::safe_read::open_no_follow(path).map_err(|e| Error::io(path, e))?;
    // Large reads: graph.nq is gigabytes at a million facts.
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    // Open groups by node without its closing `>`, so that a line's group is found
    // without building its name.
    let mut open: HashMap<String, Vec<String>> = HashMap::new();
    let mut previous = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader
            .read_line(&mut line)
            .map_err(|e| Error::io(path, e))?
            == 0
        {
            break;
        }
        let Some(subject) = subject_of(&line) else {
            continue;
        };
        if subject != previous {
            // All of `<P#…>` sorts before `<P>`, so a group ends with its last `<P>` line.
            if !previous.is_empty() && !previous.contains('#') {
                if let Some(lines) = open.remove(&previous[..previous.len() - 1]) {
                    on_group(&previous, lines);
                }
            }
            previous.clear();
            previous.push_str(subject);
        }
        let key = match subject.split_once('#') {
            Some((base, _)) => base,
            None => &subject[..subject.len() - 1],
        };
        let text = line.trim_end_matches(['\n', '\r']).to_owned();
        match open.get_mut(key) {
            Some(lines) => lines.push(text),
            None => {
                open.insert(key.to_owned(), vec![text]);
            }
        }
    }
    let mut rest: Vec<(String, Vec<String>)> = open
        .into_iter()
        .map(|(key, lines)| (format!("{key}>"), lines))
        .collect();
    rest.sort();
    for (group, lines) in rest {
        on_group(&group, lines);
    }
    Ok(())
}

/// The subject `<…>` of an N-Quads line.
pub fn subject_of(line: &str) -> Option<&str> {
    if !line.starts_with('<') {
        return None;
    }
    line.find('>').map(|end| &line[..=end])
}

/// Parses lines of a group (without their newlines); lines that do not parse are left
/// out (the graph check reports a corrupt `graph.nq`).
pub fn parse(lines: &[String]) -> Vec<Quad> {
    let mut text = String::new();
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    RdfParser::from_format(RdfFormat::NQuads)
        .for_slice(text.as_bytes())
        .filter_map(std::result::Result::ok)
        .collect()
}
