//! The bad-input corpus: `tests/hostile/<case>/case.txt`, one hostile or careless input
//! per case, each with the exit code and the message it must produce.
//!
//! A case starts from a throwaway project (`project: minimal | sample | empty`), lays the
//! files of its `files/` directory over it, applies the directives below in order, runs
//! one command and checks the outcome. Everything a case needs is in its directory, so a
//! new hostile input is a new directory, not new Rust.
//!
//! Directives (one per line, `#` starts a comment):
//! - `project: minimal|sample|empty`
//! - `append: PATH: TEXT` appends TEXT and a newline to PATH (`\n` in TEXT is a newline,
//!   `{esc}` the escape character); `append-raw:` the same without the newline
//! - `repeat: PATH: N: TEXT` appends TEXT N times
//! - `copy: FROM -> TO`, `remove: PATH`
//! - `replace: PATH: FROM => TO` replaces the first FROM in PATH by TO
//! - `symlink: LINK -> TARGET` (TARGET may be absolute, or `{root}/...`)
//! - `fifo: PATH` creates a named pipe
//! - `setup: ARGS` runs the binary first, and it must succeed
//! - `run: ARGS` the command under test (arguments split on spaces; `{root}` is the
//!   project; `{sp}` a space inside an argument)
//! - `env: NAME=VALUE` for the command under test
//! - `exit: N` its exit code
//! - `stderr: TEXT` / `stdout: TEXT` must appear; `stderr-lacks:` / `stdout-lacks:` must not
//! - `unchanged: PATH` the file's bytes are the same after the run
//! - `absent: PATH` no such path exists after the run (nothing half-written)
//! - `no-tmp: DIR` DIR holds no `.tmp-*` entry after the run
//!
//! Every command runs with a 20 s limit: a hang (a FIFO read forever) fails the case
//! instead of the test suite.

use crate::support::Project;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn corpus() -> PathBuf {
    crate::support::repo().join("tests/hostile")
}

fn expand(text: &str, root: &Path) -> String {
    text.replace("{root}", &root.display().to_string())
        .replace("{esc}", "\u{1b}")
        .replace("\\n", "\n")
}

fn args(line: &str, root: &Path) -> Vec<String> {
    line.split(' ')
        .filter(|a| !a.is_empty())
        .map(|a| expand(a, root).replace("{sp}", " "))
        .collect()
}

/// Runs one case; returns a description of each expectation it failed.
fn run_case(dir: &Path) -> Vec<String> {
    let spec = std::fs::read_to_string(dir.join("case.txt")).expect("case.txt");
    let lines: Vec<(&str, &str)> = spec
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap_or((l, ""));
            (k.trim(), v.trim())
        })
        .collect();
    let project = match lines.iter().find(|(k, _)| *k == "project").map(|(_, v)| *v) {
        Some("sample") => Project::sample(),
        Some("empty") => Project::empty(),
        _ => Project::minimal(),
    };
    let root = project.dir.path().to_path_buf();
    if dir.join("files").is_dir() {
        crate::support::copy_dir(&dir.join("files"), &root);
    }
    let mut failures = Vec::new();
    let mut snapshots: BTreeMap<String, Option<Vec<u8>>> = BTreeMap::new();
    let mut output = None;
    for (key, value) in &lines {
        match *key {
            "project" => {}
            "append" => {
                let (path, text) = value.split_once(": ").expect("append: PATH: TEXT");
                let mut content = std::fs::read(root.join(path)).unwrap_or_default();
                content.extend_from_slice(expand(text, &root).as_bytes());
                content.push(b'\n');
                project.write(path, content);
            }
            "append-raw" => {
                let (path, text) = value.split_once(": ").expect("append-raw: PATH: TEXT");
                let mut content = std::fs::read(root.join(path)).unwrap_or_default();
                content.extend_from_slice(expand(text, &root).as_bytes());
                project.write(path, content);
            }
            "repeat" => {
                let (path, rest) = value.split_once(": ").expect("repeat: PATH: N: TEXT");
                let (n, text) = rest.split_once(": ").expect("repeat: PATH: N: TEXT");
                let mut content = std::fs::read(root.join(path)).unwrap_or_default();
                content
                    .extend_from_slice(expand(text, &root).repeat(n.parse().unwrap()).as_bytes());
                project.write(path, content);
            }
            "copy" => {
                let (from, to) = value.split_once(" -> ").expect("copy: FROM -> TO");
                std::fs::copy(root.join(from), root.join(to)).unwrap();
            }
            "remove" => std::fs::remove_file(root.join(value)).unwrap(),
            "replace" => {
                let (path, rest) = value.split_once(": ").expect("replace: PATH: A => B");
                let (from, to) = rest.split_once(" => ").expect("replace: PATH: A => B");
                let text = project.read(path);
                assert!(
                    text.contains(from),
                    "{}: `{from}` not in {path}",
                    dir.display()
                );
                project.write(path, text.replacen(from, &expand(to, &root), 1));
            }
            "symlink" => {
                let (link, target) = value.split_once(" -> ").expect("symlink: LINK -> TARGET");
                let link = root.join(link);
                let _ = std::fs::remove_file(&link);
                std::fs::create_dir_all(link.parent().unwrap()).unwrap();
                std::os::unix::fs::symlink(expand(target, &root), &link).unwrap();
            }
            "fifo" => {
                let path = root.join(value);
                let _ = std::fs::remove_file(&path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                let status = std::process::Command::new("mkfifo")
                    .arg(&path)
                    .status()
                    .unwrap();
                assert!(status.success(), "mkfifo failed");
            }
            "setup" => {
                let out = project
                    .cmd()
                    .args(args(value, &root))
                    .timeout(Duration::from_secs(60))
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{}: setup `{value}` failed: {}",
                    dir.display(),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            "unchanged" => {
                snapshots.insert(value.to_string(), std::fs::read(root.join(value)).ok());
            }
            "run" => {
                let mut cmd = project.cmd();
                cmd.args(args(value, &root))
                    .timeout(Duration::from_secs(20));
                for (k, v) in lines.iter().filter(|(k, _)| *k == "env") {
                    let _ = k;
                    let (name, val) = v.split_once('=').expect("env: NAME=VALUE");
                    cmd.env(name, expand(val, &root));
                }
                output = Some(cmd.output().unwrap());
            }
            "env" => {}
            _ => {
                let Some(out) = &output else {
                    panic!("{}: `{key}` before `run`", dir.display());
                };
                let stdout = String::from_utf8_lossy(&out.stdout);
                let stderr = String::from_utf8_lossy(&out.stderr);
                let check = |ok: bool, what: String| if ok { None } else { Some(what) };
                let failure = match *key {
                    "exit" => check(
                        out.status.code() == value.parse().ok(),
                        format!("exit {:?}, expected {value}", out.status.code()),
                    ),
                    "stderr" => check(
                        stderr.contains(&expand(value, &root)),
                        format!("stderr lacks `{value}`"),
                    ),
                    "stdout" => check(
                        stdout.contains(&expand(value, &root)),
                        format!("stdout lacks `{value}`"),
                    ),
                    "stderr-lacks" => check(
                        !stderr.contains(&expand(value, &root)),
                        format!("stderr has `{value}`"),
                    ),
                    "stdout-lacks" => check(
                        !stdout.contains(&expand(value, &root)),
                        format!("stdout has `{value}`"),
                    ),
                    "absent" => check(
                        std::fs::symlink_metadata(root.join(value)).is_err(),
                        format!("{value} exists"),
                    ),
                    "no-tmp" => {
                        let left: Vec<String> = std::fs::read_dir(root.join(value))
                            .map(|d| {
                                d.filter_map(Result::ok)
                                    .map(|e| e.file_name().to_string_lossy().into_owned())
                                    .filter(|n| n.starts_with(".tmp"))
                                    .collect()
                            })
                            .unwrap_or_default();
                        check(left.is_empty(), format!("{value} still holds {left:?}"))
                    }
                    other => panic!("{}: unknown directive `{other}`", dir.display()),
                };
                if let Some(f) = failure {
                    failures.push(format!("{f}\n--- stdout:\n{stdout}--- stderr:\n{stderr}"));
                }
            }
        }
    }
    assert!(output.is_some(), "{}: no `run:` line", dir.display());
    for (path, before) in snapshots {
        if std::fs::read(root.join(&path)).ok() != before {
            failures.push(format!("{path} was changed"));
        }
    }
    failures
}

/// Every case of the corpus (`HOSTILE=name` runs only the cases whose name contains it).
#[test]
fn hostile_inputs_are_refused_with_a_located_message() {
    let filter = std::env::var("HOSTILE").unwrap_or_default();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("case.txt").is_file())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(&filter))
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no case matches `{filter}`");
    let mut report = String::new();
    for case in &cases {
        for failure in run_case(case) {
            report.push_str(&format!(
                "\n=== {}: {failure}",
                case.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(report.is_empty(), "failing cases:{report}");
}
