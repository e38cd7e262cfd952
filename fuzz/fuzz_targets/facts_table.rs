//! The facts table reader on arbitrary bytes: it must return diagnostics, never panic,
//! and every diagnostic must name the file.
#![no_main]

use factgraph::ontology::Ontology;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

fn ontology() -> &'static Ontology {
    static ONTOLOGY: OnceLock<Ontology> = OnceLock::new();
    ONTOLOGY.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Ontology::load(&root.join("ontology"), &root).0
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("facts.csv");
    std::fs::write(&path, data).unwrap();
    let shown = Path::new("sources/facts.csv");
    let mut rows = 0usize;
    let problems = factgraph::fact::read(&path, shown, ontology(), |parsed, row| {
        rows += 1;
        if let Err(bad) = parsed {
            for d in bad {
                assert_eq!(d.location.path, shown);
                assert!(d.location.line.is_some_and(|l| l >= 1));
                let _ = row.loc("fact_id");
            }
        }
    });
    for d in problems {
        assert_eq!(d.location.path, shown);
        let _ = d.to_string();
    }
});
