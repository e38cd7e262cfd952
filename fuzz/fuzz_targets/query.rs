//! The query front end on arbitrary text: the shape check, the mistake finder and the
//! parser never panic (nor overflow the stack: the check bounds what the parser sees).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let prefixes = vec![(
        "fg".to_owned(),
        "https://w3id.org/factgraph/ontology#".to_owned(),
    )];
    let _ = factgraph::query::limits::find_mistake(text);
    match factgraph::query::prepare(text, &prefixes, None) {
        Ok(_) => assert!(factgraph::query::limits::check(text).is_ok()),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
