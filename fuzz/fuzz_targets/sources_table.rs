//! The sources table reader on arbitrary bytes: diagnostics, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sources.csv");
    std::fs::write(&path, data).unwrap();
    let shown = Path::new("sources/sources.csv");
    let (sources, problems) = factgraph::source::read_table(&path, shown);
    for source in &sources {
        // What the table accepts never leaves the sources directory.
        assert!(!Path::new(&source.file).components().any(|c| matches!(
            c,
            std::path::Component::ParentDir
                | std::path::Component::RootDir
                | std::path::Component::Prefix(_)
        )));
    }
    for d in problems {
        assert_eq!(d.location.path, shown);
        let _ = d.to_string();
    }
});
