//! `factgraph add-source`: registering an article copies it, hashes it and appends its
//! row, or refuses without touching anything.

use crate::support::Project;
use predicates::prelude::*;

#[test]
fn registers_a_new_article() {
    let p = Project::minimal();
    let before = p.read("sources/sources.csv");
    let text = "Second article: “quoted” words.\n";
    p.write("incoming/second.txt", text);
    p.cmd()
        .args([
            "add-source",
            "incoming/second.txt",
            "--title",
            "Second, with a comma",
            "--published",
            "2024-11-01",
            "--language",
            "en",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("added source `second`"));
    assert_eq!(p.read("sources/articles/second.txt"), text);
    let after = p.read("sources/sources.csv");
    assert!(
        after.starts_with(&before),
        "existing rows are kept byte for byte"
    );
    assert_eq!(
        &after[before.len()..],
        format!(
            "second,articles/second.txt,{},\"Second, with a comma\",2024-11-01,,,en,\n",
            crate::support::sha256(text.as_bytes())
        )
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(p.path("sources/sources.csv"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o644,
            "the rewritten table stays readable by everyone"
        );
    }
    p.add_fact_row(
        "f9,second,ent:usa,fg:boycotted,ent:round-15,,,,,,,“quoted” words,,,,source,stated,,",
    );
    p.cmd().arg("check").assert().success();
}

#[test]
fn refuses_bad_input_and_writes_nothing() {
    let p = Project::minimal();
    let before = p.read("sources/sources.csv");
    p.write("incoming/a.txt", "text\n");
    p.write("incoming/latin1.txt", b"caf\xe9\n");
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "incoming/a.txt",
                "--title",
                "T",
                "--published",
                "1 Nov 2024",
            ],
            "--published: `1 Nov 2024` is not a date",
        ),
        (
            &[
                "incoming/a.txt",
                "--title",
                "T",
                "--published",
                "2024-11-01",
                "--id",
                "a1",
            ],
            "source id `a1` already exists",
        ),
        (
            &[
                "incoming/a.txt",
                "--title",
                "T",
                "--published",
                "2024-11-01",
                "--id",
                "bad id",
            ],
            "`bad id` is not a valid source id",
        ),
        (
            &[
                "incoming/latin1.txt",
                "--title",
                "T",
                "--published",
                "2024-11-01",
            ],
            "incoming/latin1.txt:1:4: error[not-utf8]",
        ),
        (
            &[
                "incoming/missing.txt",
                "--title",
                "T",
                "--published",
                "2024-11-01",
            ],
            "incoming/missing.txt",
        ),
    ];
    for (args, expected) in cases {
        p.cmd()
            .arg("add-source")
            .args(*args)
            .assert()
            .code(predicate::ne(0))
            .stderr(predicate::str::contains(*expected));
    }
    assert_eq!(p.read("sources/sources.csv"), before);
    assert!(!p.path("sources/articles/a.txt").exists());
    assert!(!p.path("sources/articles/latin1.txt").exists());
}

#[test]
fn refuses_an_article_registered_twice() {
    let p = Project::minimal();
    p.write("incoming/copy.txt", crate::support::MINI_TEXT);
    p.cmd()
        .args([
            "add-source",
            "incoming/copy.txt",
            "--title",
            "T",
            "--published",
            "2024-11-01",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "already registered as source `a1`",
        ));
}
