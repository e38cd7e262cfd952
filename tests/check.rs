//! `factgraph check`: clean inputs pass; each kind of user error is reported with its
//! file, line and field, and a non-zero exit.

use crate::support::Project;
use predicates::prelude::*;

#[test]
fn sample_data_is_clean() {
    Project::sample()
        .cmd()
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("49 fact(s)"));
}

#[test]
fn minimal_project_is_clean() {
    Project::minimal().cmd().arg("check").assert().success();
}
