//! `completions` and `man`: generated from the clap definitions, so they list every
//! command the binary has.

use crate::support::Project;

const COMMANDS: &[&str] = &[
    "check",
    "export",
    "query",
    "add-source",
    "release",
    "diff",
    "verify",
    "cite",
    "serve",
    "site",
    "push",
    "completions",
    "man",
];

#[test]
fn completions_know_every_command() {
    let p = Project::empty();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = p.cmd().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for command in COMMANDS {
            assert!(
                script.contains(command),
                "{shell} completion lacks {command}"
            );
        }
    }
    assert!(!p
        .cmd()
        .args(["completions", "tcsh"])
        .output()
        .unwrap()
        .status
        .success());
}

#[test]
fn the_man_page_is_roff_with_every_command() {
    let out = Project::empty().cmd().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH factgraph 1"), "{page}");
    for command in COMMANDS {
        assert!(
            page.contains(&command.replace('-', "\\-")),
            "the man page lacks {command}"
        );
    }
}
