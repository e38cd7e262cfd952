//! `factgraph export`: the files, their determinism, and an independent re-reading.

use crate::support::Project;

#[test]
fn export_writes_three_files() {
    let p = Project::minimal();
    p.cmd().args(["export", "--out", "out"]).assert().success();
    for f in ["facts.ttl", "facts.csv", "graph.nq"] {
        assert!(p.path("out").join(f).is_file(), "{f} missing");
    }
}
