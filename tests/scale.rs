//! Issue 11: exports in bounded memory. The external sort, forced to spill with a
//! tiny `--sort-memory`, must give byte-identical files, and leave no temporary file
//! behind after success, failure or a kill.

use crate::support::{Project, FACTS_HEADER, MINI_TEXT};
use std::collections::BTreeSet;
use std::path::Path;

/// A project whose fact ids nest (`f1`, `f10`, `f1-a`, …), whose facts share subjects,
/// with deprecated facts, notes, a triple also stated by the ontology, and `n` facts.
fn nested(n: usize) -> Project {
    let p = Project::minimal();
    let mut rows = String::from(FACTS_HEADER);
    let suffixes = ["", "-a", ".b", "_c", "A", "0z"];
    for i in 0..n {
        let id = format!("f{}{}", i / suffixes.len(), suffixes[i % suffixes.len()]);
        let subject = ["ent:usa", "ent:russia"][i % 2];
        let (rank, reason) = if i % 7 == 3 {
            ("deprecated", "error-in-source")
        } else {
            ("", "")
        };
        let note = if i % 5 == 0 {
            "a note, with a comma"
        } else {
            ""
        };
        rows.push_str(&format!(
            "{id},a1,{subject},fg:boycotted,ent:round-15,,,2021-02,,fg:inRole=ent:observer,{rank},boycotted round 15,20,38,\"{note}\",source,stated,,{reason}\n"
        ));
    }
    p.write("sources/facts.csv", rows);
    // The ontology states one fact's plain triple too: it stays out of facts.ttl.
    let mut ontology = p.read("ontology/mini.ttl");
    ontology.push_str("ent:usa fg:boycotted ent:round-15 .\n");
    p.write("ontology/mini.ttl", ontology);
    assert!(MINI_TEXT.contains("boycotted round 15"));
    p
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn entries(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_spilling_export_is_byte_identical_to_the_in_memory_one() {
    let p = nested(600);
    p.cmd()
        .args(["export", "--out", "memory"])
        .assert()
        .success();
    let before = entries(p.dir.path());
    p.cmd()
        .args(["export", "--out", "spilled"])
        .env("FACTGRAPH_SORT_MEMORY", "1K")
        .assert()
        .success();
    let memory = files(&p.path("memory"));
    let spilled = files(&p.path("spilled"));
    assert_eq!(memory.len(), 3);
    for ((name, a), (other, b)) in memory.iter().zip(&spilled) {
        assert_eq!(name, other);
        assert!(
            a == b,
            "{name} differs between the in-memory and the spilled sort"
        );
    }
    // Nothing but the new output appeared beside it.
    let after = entries(p.dir.path());
    let new: Vec<_> = after.difference(&before).collect();
    assert_eq!(new, ["spilled"]);

    // graph.nq is the sorted, unique canonical lines, and its hash the printed one.
    let file = |name: &str| {
        let found = memory.iter().find(|f| f.0 == name).unwrap();
        String::from_utf8(found.1.clone()).unwrap()
    };
    let nq = file("graph.nq");
    let lines: Vec<&str> = nq.lines().collect();
    assert!(
        lines.windows(2).all(|w| w[0] < w[1]),
        "graph.nq is not sorted and unique"
    );
    // The ontology's copy of a triple is not data: facts.ttl leaves it out.
    let ttl = file("facts.ttl");
    assert!(nq.contains("<https://w3id.org/factgraph/entity/usa> <https://w3id.org/factgraph/ontology#boycotted> <https://w3id.org/factgraph/entity/round-15> .\n"));
    assert!(!ttl.contains("ent:usa fg:boycotted"));
}

#[test]
fn a_spilling_release_is_byte_identical_to_the_in_memory_one() {
    let a = nested(300);
    let b = nested(300);
    for (p, memory) in [(&a, "256M"), (&b, "1K")] {
        p.cmd()
            .args(["release", "--date", "2026-11-28"])
            .env("FACTGRAPH_SORT_MEMORY", memory)
            .assert()
            .success();
        assert_eq!(
            entries(&p.path("exports")),
            ["latest", "releases.csv", "v1"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
    }
    let (x, y) = (files(&a.path("exports/v1")), files(&b.path("exports/v1")));
    assert_eq!(x.len(), crate::support::RELEASE_FILES.len());
    for ((name, a), (_, b)) in x.iter().zip(&y) {
        assert!(a == b, "{name} differs");
    }
    // The release description sorts among the data lines (`release/` < `source/`).
    let nq = String::from_utf8(x.iter().find(|f| f.0 == "graph.nq").unwrap().1.clone()).unwrap();
    let lines: Vec<&str> = nq.lines().collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]));
    assert!(nq.contains("<https://w3id.org/factgraph/release/v1> "));
    assert!(nq.contains("<https://w3id.org/factgraph/source/a1> "));
}

#[test]
fn a_release_failing_mid_stream_leaves_nothing() {
    let p = nested(300);
    p.cmd()
        .args(["release", "--date", "2026-11-28"])
        .assert()
        .success();
    let before = entries(&p.path("exports"));
    // An unchanged graph is only known once the data graph has streamed (and, with
    // this budget, spilled into exports/): refused then, with nothing left behind.
    // (The inputs describing the release's own IRI, the other refusal made as the
    // graph streams, is now refused earlier, by `check`.)
    p.cmd()
        .args(["release", "--date", "2026-11-29"])
        .env("FACTGRAPH_SORT_MEMORY", "1K")
        .assert()
        .code(3)
        .stderr(predicates::str::contains("no changes since v1"));
    assert_eq!(entries(&p.path("exports")), before);
    assert!(entries(&p.path("exports/v1"))
        .iter()
        .all(|n| !n.starts_with('.')));
}

/// Descriptors of `pid` open on unnamed files in `dir` (a spilled run reads as
/// `<dir>/#<inode> (deleted)` with `O_TMPFILE`, `<dir>/<name> (deleted)` otherwise).
#[cfg(target_os = "linux")]
fn unnamed_files(pid: u32, dir: &Path) -> usize {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return 0;
    };
    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| {
            let t = target.to_string_lossy();
            t.starts_with(&*dir.to_string_lossy()) && t.ends_with(" (deleted)")
        })
        .count()
}

#[cfg(target_os = "linux")]
#[test]
fn a_killed_export_leaves_no_sort_files() {
    let p = nested(30_000);
    let parent = p.dir.path().canonicalize().unwrap();
    let before = entries(&parent);
    let exe = assert_cmd::cargo::cargo_bin("factgraph");
    let mut child = std::process::Command::new(exe)
        .current_dir(&parent)
        .args(["--quiet", "export", "--out", "out"])
        .env("FACTGRAPH_SORT_MEMORY", "1K")
        .env_remove("FACTGRAPH_ROOT")
        .env_remove("FACTGRAPH_BASE_IRI")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) until it holds spilled runs open, then kill it.
    let mut spilled = false;
    for _ in 0..6000 {
        if unnamed_files(child.id(), &parent) > 0 {
            spilled = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(spilled, "the export never spilled (or finished first)");
    // What is left: at most the export's hidden staging directory (as after any killed
    // export), never a run of the sort, named or not.
    let after = entries(&parent);
    for new in after.difference(&before) {
        assert!(new.starts_with(".factgraph-tmp-"), "left behind: {new}");
        let inside = entries(&parent.join(new));
        assert!(
            inside
                .iter()
                .all(|f| ["facts.ttl", "graph.nq", "facts.csv"].contains(&f.as_str())),
            "left behind in {new}: {inside:?}"
        );
    }
}

/// The streamed export (spilling or not) against the in-memory path it replaces
/// (`pipeline::canonical` + `export::write_graph_files`), through the library, on the
/// repository's sample and on a nested project.
#[test]
fn the_streamed_export_equals_the_in_memory_path() {
    let nested = nested(200);
    for root in [crate::support::repo(), nested.dir.path().to_path_buf()] {
        let base = factgraph::project::DEFAULT_BASE_IRI;
        let config = factgraph::Config::new(&root, base).unwrap();
        let checked = factgraph::pipeline::checked(&config).unwrap();
        let (lines, hashes) = factgraph::pipeline::canonical(&config, &checked);
        let old = tempfile::tempdir().unwrap();
        factgraph::export::write_graph_files(old.path(), &config, &checked, &hashes, &lines)
            .unwrap();
        for budget in [1 << 30, 512] {
            let out = tempfile::tempdir().unwrap();
            let options = factgraph::export::WriteOptions {
                sort_budget: budget,
                ..Default::default()
            };
            factgraph::export::export_with(&config, &out.path().join("x"), &options).unwrap();
            for name in ["facts.ttl", "facts.csv", "graph.nq"] {
                let a = std::fs::read_to_string(old.path().join(name)).unwrap();
                let b = std::fs::read_to_string(out.path().join("x").join(name)).unwrap();
                if a != b {
                    let first = a.lines().zip(b.lines()).position(|(x, y)| x != y);
                    panic!(
                        "{name} differs (budget {budget}, {}) at line {first:?}: {:?} vs {:?}",
                        root.display(),
                        first.and_then(|i| a.lines().nth(i)),
                        first.and_then(|i| b.lines().nth(i)),
                    );
                }
            }
        }
    }
}
