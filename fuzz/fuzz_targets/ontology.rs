//! The ontology loader on arbitrary Turtle: diagnostics, never a panic; what loads has
//! no blank node and passes the reserved-term check without panicking.
#![no_main]

use factgraph::ontology::Ontology;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let ontology_dir = dir.path().join("ontology");
    std::fs::create_dir(&ontology_dir).unwrap();
    std::fs::write(ontology_dir.join("fuzz.ttl"), data).unwrap();
    let (ontology, problems) = Ontology::load(&ontology_dir, dir.path());
    for quad in &ontology.quads {
        assert!(!quad.subject.is_blank_node() && !quad.object.is_blank_node());
    }
    let minter = factgraph::project::Minter::new(factgraph::project::DEFAULT_BASE_IRI).unwrap();
    let _ = ontology.reserved_problems(&minter);
    for d in problems {
        let _ = d.to_string();
    }
});
