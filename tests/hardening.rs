//! Attacks that need more than one input file: releases resealed by a tamperer (every
//! checksum recomputed), two writers at once, and `kill -9` at random points.

use crate::support::{sha256, Project};
use std::path::Path;
use std::process::{Command, Stdio};

/// Rewrites a release's `graph.nq` with `edit` and reseals it as a careful tamperer
/// would: the data graph hash (in `graph.nq` and `release.ttl`), `graph.nq`'s size and
/// sha256 in `release.ttl`, and `SHA256SUMS`.
fn reseal(dir: &Path, release_iri: &str, edit: impl FnOnce(&mut Vec<String>)) {
    let nq_path = dir.join("graph.nq");
    let old_nq = std::fs::read(&nq_path).unwrap();
    let mut lines: Vec<String> = String::from_utf8(old_nq.clone())
        .unwrap()
        .lines()
        .map(|l| format!("{l}\n"))
        .collect();
    let is_description = |l: &str| {
        l.starts_with(&format!("<{release_iri}> ")) || l.starts_with(&format!("<{release_iri}/"))
    };
    let data_hash = |lines: &[String]| {
        sha256(
            lines
                .iter()
                .filter(|l| !is_description(l))
                .cloned()
                .collect::<String>()
                .as_bytes(),
        )
    };
    let old_graph_hash = data_hash(&lines);
    edit(&mut lines);
    lines.sort();
    lines.dedup();
    let new_graph_hash = data_hash(&lines);
    let new_nq = lines.concat().replace(&old_graph_hash, &new_graph_hash);
    std::fs::write(&nq_path, &new_nq).unwrap();

    let ttl_path = dir.join("release.ttl");
    let mut ttl = std::fs::read_to_string(&ttl_path)
        .unwrap()
        .replace(&old_graph_hash, &new_graph_hash)
        .replace(&sha256(&old_nq), &sha256(new_nq.as_bytes()));
    let block = ttl.find("dist:graph.nq dcterms:").expect("graph.nq block");
    let old_size = format!("dcat:byteSize \"{}\"", old_nq.len());
    let at = block + ttl[block..].find(&old_size).expect("graph.nq size");
    ttl.replace_range(
        at..at + old_size.len(),
        &format!("dcat:byteSize \"{}\"", new_nq.len()),
    );
    let old_ttl = std::fs::read(&ttl_path).unwrap();
    std::fs::write(&ttl_path, &ttl).unwrap();

    let sums_path = dir.join("SHA256SUMS");
    let sums = std::fs::read_to_string(&sums_path)
        .unwrap()
        .replace(&sha256(&old_nq), &sha256(new_nq.as_bytes()))
        .replace(&sha256(&old_ttl), &sha256(ttl.as_bytes()));
    std::fs::write(&sums_path, sums).unwrap();
}

const V1: &str = "https://w3id.org/factgraph/release/v1";

#[test]
fn the_reseal_helper_keeps_an_untouched_release_valid() {
    let p = Project::minimal();
    p.cmd()
        .args(["release", "--date", "2026-01-01"])
        .assert()
        .success();
    reseal(&p.path("exports/v1"), V1, |lines| {
        lines.push("<https://w3id.org/factgraph/entity/zz> <http://www.w3.org/2000/01/rdf-schema#label> \"zz\" .\n".into());
    });
    p.cmd().args(["verify", "exports/v1"]).assert().success();
}

/// Item 19: a resealed release with an unparsable line in graph.nq verified ok.
#[test]
fn verify_parses_every_line_of_graph_nq() {
    let p = Project::minimal();
    p.cmd()
        .args(["release", "--date", "2026-01-01"])
        .assert()
        .success();
    reseal(&p.path("exports/v1"), V1, |lines| {
        lines.push("<https://w3id.org/factgraph/entity/zz> this is not N-Quads .\n".into());
    });
    let out = p.cmd().args(["verify", "exports/v1"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("graph.nq:"), "{stdout}");
    assert!(stdout.contains("not a valid N-Quads line"), "{stdout}");
}

/// Item 11: `verify DIR --sources S` followed a resealed release's
/// `fg:file "../../../etc/passwd"` out of S and printed the file in the drift report.
#[test]
fn verify_sources_never_leaves_the_sources_directory() {
    let p = Project::minimal();
    p.cmd()
        .args(["release", "--date", "2026-01-01"])
        .assert()
        .success();
    let escape = "../../../../../../../../../../../../etc/passwd";
    reseal(&p.path("exports/v1"), V1, |lines| {
        for line in lines.iter_mut() {
            *line = line.replace("\"articles/a1.txt\"", &format!("\"{escape}\""));
        }
    });
    let out = p
        .cmd()
        .args(["verify", "exports/v1", "--sources", "sources"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(!stdout.contains("root:x:0:0"), "{stdout}");
    assert!(stdout.contains("leaves the sources directory"), "{stdout}");
}

/// The releases form one chain: `latest` resolves, `diff` works, each one verifies.
fn chain_is_whole(p: &Project) {
    p.cmd()
        .args(["query", "--release", "latest", "ASK { ?s ?p ?o }"])
        .assert()
        .success();
    p.cmd()
        .args(["diff", "latest", "working"])
        .assert()
        .success();
    for entry in std::fs::read_dir(p.path("exports")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() && !name.starts_with('.') {
            p.cmd()
                .args(["verify", &format!("exports/{name}")])
                .assert()
                .success();
        }
    }
}

/// Item 5: a release holds the project's lock; a second writer is refused, naming the
/// holder's pid, and nothing is published.
#[test]
fn a_held_lock_refuses_release_add_source_and_fix() {
    let p = Project::minimal();
    let lock_path = p.path(".factgraph/lock");
    std::fs::create_dir_all(lock_path.parent().unwrap()).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap();
    lock.try_lock().unwrap();
    std::fs::write(&lock_path, "4242\n").unwrap();
    p.write("new.txt", "a new article\n");
    for args in [
        vec!["release", "--date", "2026-01-01"],
        vec!["verify", "--fix"],
        vec![
            "add-source",
            "new.txt",
            "--title",
            "T",
            "--published",
            "2024-01-01",
        ],
    ] {
        let out = p.cmd().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("another release is running (pid 4242)")
                || stderr.contains("(pid 4242)"),
            "{args:?}: {stderr}"
        );
    }
    assert!(!p.path("exports/v1").exists());
    drop(lock);
    // Released: the next run goes through (a crashed holder's lock is freed the same
    // way, by the kernel, when its process ends).
    p.cmd()
        .args(["release", "--date", "2026-01-01"])
        .assert()
        .success();
}

/// Item 5: two releases at once with different versions: at most one wins; the other
/// is refused (the lock, or `no changes` if it started after the first finished); the
/// chain stays whole. Repeated, since which one wins is up to the scheduler.
#[test]
fn two_releases_at_once_never_fork_the_chain() {
    let p = Project::minimal();
    for round in 0..5 {
        let note = format!("round {round}");
        let facts = p.read("sources/facts.csv");
        p.write(
            "sources/facts.csv",
            facts.replacen(
                "boycotted round 15,20,38,",
                &format!("boycotted round 15,20,38,{note}"),
                1,
            ),
        );
        let spawn = |version: &str| {
            let bin = assert_cmd::cargo::cargo_bin("factgraph");
            Command::new(bin)
                .current_dir(p.dir.path())
                .args(["release", "--date", "2026-01-01", "--version"])
                .arg(version)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let a = spawn(&format!("a{round}"));
        let b = spawn(&format!("b{round}"));
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let codes = [a.status.code(), b.status.code()];
        let wins = codes.iter().filter(|c| **c == Some(0)).count();
        assert_eq!(wins, 1, "round {round}: {codes:?}");
        for out in [&a, &b] {
            if !out.status.success() {
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(
                    stderr.contains("another release is running") || stderr.contains("no changes"),
                    "round {round}: {stderr}"
                );
            }
        }
        chain_is_whole(&p);
        // The facts are restored for the next round's edit.
        p.write("sources/facts.csv", facts);
    }
}

/// `kill -9` at random points of `release` and `export`, 20 times: never a
/// half-written release or export, and the chain stays whole.
#[test]
fn kill_9_at_random_points_leaves_nothing_half_written() {
    let p = Project::sample();
    p.cmd()
        .args(["release", "--date", "2026-01-01"])
        .assert()
        .success();
    let bin = assert_cmd::cargo::cargo_bin("factgraph");
    // How long one run takes here, so that the kills land in every phase.
    let full = {
        let started = std::time::Instant::now();
        p.cmd()
            .args(["export", "--out", "timing"])
            .assert()
            .success();
        started.elapsed()
    };
    let original = p.read("sources/facts.csv");
    // A deterministic sequence of delays (a linear congruential generator).
    let mut seed = 0x2545_f491_u64;
    for round in 0..20u32 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let fraction = (seed >> 33) as f64 / (1u64 << 31) as f64;
        let delay = full.mul_f64(fraction * 1.2);
        let release = round % 2 == 0;
        let mut cmd = Command::new(&bin);
        cmd.current_dir(p.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if release {
            // A new note each round, so that every release has something to publish.
            p.write(
                "sources/facts.csv",
                original.replacen(
                    "January 2017,1370,1410,\n",
                    &format!("January 2017,1370,1410,kill round {round}\n"),
                    1,
                ),
            );
            cmd.args(["release", "--date", "2026-01-02"]);
        } else {
            cmd.args(["export", "--out", &format!("out{round}")]);
        }
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if !release {
            // An export is whole (every file as a full export writes it) or absent:
            // never a truncated file.
            let out = p.path(&format!("out{round}"));
            for name in ["facts.ttl", "facts.csv", "graph.nq"] {
                if let Ok(bytes) = std::fs::read(out.join(name)) {
                    assert_eq!(
                        sha256(&bytes),
                        sha256(&std::fs::read(p.path("timing").join(name)).unwrap()),
                        "round {round} ({status:?}): {name} differs from a full export"
                    );
                }
            }
        }
        // Every published release verifies; `latest` and `diff` work.
        chain_is_whole(&p);
        p.write("sources/facts.csv", &original);
    }
    // A release run to completion afterwards removes what the kills left behind.
    p.write(
        "sources/facts.csv",
        original.replacen(
            "January 2017,1370,1410,\n",
            "January 2017,1370,1410,after the kills\n",
            1,
        ),
    );
    p.cmd()
        .args(["release", "--date", "2026-01-03"])
        .assert()
        .success();
    chain_is_whole(&p);
    let left: Vec<String> = std::fs::read_dir(p.path("exports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
