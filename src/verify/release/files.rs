//! A release's files against `SHA256SUMS` and `release.ttl`.

use super::super::{Problem, Report};
use super::{FileCheck, FileStatus, ReleaseDetails};
use crate::error::{Error, Result};
use crate::verify::ProblemKind;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The largest `SHA256SUMS` read: a release lists eight files.
const MAX_SUMS_FILE: u64 = 1024 * 1024;

/// The entries of a release directory: its regular files, name → (bytes, sha256); the
/// names of its subdirectories (a release has none); and the entries that are not
/// regular files (symbolic links, FIFOs, devices), name → why.
pub(super) struct Present {
    files: BTreeMap<String, (u64, String)>,
    dirs: Vec<String>,
    not_regular: Vec<(String, String)>,
}

/// Hashes every file of `dir`, several at a time. A symbolic link or a FIFO is
/// recorded, never followed nor read: its target's hash and size would otherwise be
/// printed as the release's.
pub(super) fn hash_files(dir: &Path) -> Result<Present> {
    use rayon::prelude::*;
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            dirs.push(name);
        } else {
            files.push((name, path));
        }
    }
    dirs.sort();
    let hashed = files
        .par_iter()
        .map(|(name, path)| {
            let file = match crate::safe_read::open_in(dir, path) {
                Ok(file) => file,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                    return Ok((name.clone(), Err(e.to_string())));
                }
                Err(e) => return Err(Error::io(path, e)),
            };
            let bytes = file.metadata().map_err(|e| Error::io(path, e))?.len();
            let sha = crate::hash::sha256_reader(file).map_err(|e| Error::io(path, e))?;
            Ok((name.clone(), Ok((bytes, sha))))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut present = Present {
        files: BTreeMap::new(),
        dirs,
        not_regular: Vec::new(),
    };
    for (name, hashed) in hashed {
        match hashed {
            Ok(file) => {
                present.files.insert(name, file);
            }
            Err(why) => present.not_regular.push((name, why)),
        }
    }
    present.not_regular.sort();
    Ok(present)
}

/// Compares every file (hashed by [`hash_files`]) with `SHA256SUMS` and `release.ttl`.
pub(super) fn check_files(
    dir: &Path,
    info: Option<&crate::release::ReleaseInfo>,
    present: Present,
    details: &mut ReleaseDetails,
    report: &mut Report,
) -> Result<()> {
    for name in present.dirs {
        report.problems.push(Problem::new(
            ProblemKind::ExtraFile,
            name,
            "a release holds no directories",
        ));
    }
    for (name, why) in present.not_regular {
        report.problems.push(Problem::new(
            ProblemKind::NotRegularFile,
            name,
            format!("{why}; a release holds only regular files"),
        ));
    }
    let present = present.files;
    let sums_path = dir.join("SHA256SUMS");
    // Read only if it is a regular file (a link or a FIFO was reported above).
    let read = if present.contains_key("SHA256SUMS") {
        crate::safe_read::read_in(dir, &sums_path, MAX_SUMS_FILE)
    } else {
        Err(std::io::ErrorKind::NotFound.into())
    };
    let sums: Option<BTreeMap<String, String>> = match read {
        Ok(bytes) => Some(parse_sums(&bytes, report)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&sums_path, e)),
    };
    let declared = info.map(|i| &i.files);
    let mut names: BTreeSet<String> = present.keys().cloned().collect();
    names.extend(sums.iter().flat_map(|s| s.keys().cloned()));
    names.extend(declared.iter().flat_map(|d| d.keys().cloned()));
    names.insert("SHA256SUMS".into());
    names.insert("release.ttl".into());
    for name in names {
        let actual = present.get(&name);
        let in_sums = sums.as_ref().and_then(|s| s.get(&name)).cloned();
        let in_ttl = declared.and_then(|d| d.get(&name)).cloned();
        let mut check = FileCheck {
            name: name.clone(),
            status: FileStatus::Ok,
            sha256sums: in_sums.clone(),
            declared_sha256: in_ttl.as_ref().map(|t| t.1.clone()),
            declared_bytes: in_ttl.as_ref().map(|t| t.0),
            actual_sha256: actual.map(|a| a.1.clone()),
            actual_bytes: actual.map(|a| a.0),
        };
        let expected_by_sums = name != "SHA256SUMS";
        let expected_by_ttl = name != "SHA256SUMS" && name != "release.ttl";
        let Some((bytes, sha)) = actual else {
            check.status = FileStatus::Missing;
            report.problems.push(Problem::new(
                ProblemKind::MissingFile,
                name.as_str(),
                "the file is missing from the release",
            ));
            details.files.push(check);
            continue;
        };
        if (sums.is_none() || !expected_by_sums || in_sums.is_none())
            && (info.is_none() || !expected_by_ttl || in_ttl.is_none())
            && name != "SHA256SUMS"
            && name != "release.ttl"
        {
            check.status = FileStatus::Extra;
            report.problems.push(Problem::new(
                ProblemKind::ExtraFile,
                name.as_str(),
                "neither SHA256SUMS nor release.ttl lists this file",
            ));
            details.files.push(check);
            continue;
        }
        if sums.is_some() && expected_by_sums && in_sums.is_none() {
            report.problems.push(Problem::new(
                ProblemKind::UndeclaredFile,
                "SHA256SUMS",
                format!("{name} is not listed"),
            ));
        }
        if info.is_some() && expected_by_ttl && in_ttl.is_none() {
            report.problems.push(Problem::new(
                ProblemKind::UndeclaredFile,
                "release.ttl",
                format!("{name} has no dcat:distribution"),
            ));
        }
        if let Some(expected) = &in_sums {
            if expected != sha {
                check.status = FileStatus::Changed;
                report.problems.push(Problem::new(
                    ProblemKind::HashMismatch,
                    name.as_str(),
                    format!("sha256 is {sha}, SHA256SUMS says {expected}"),
                ));
            }
        }
        if let Some((declared_bytes, declared_sha)) = &in_ttl {
            if declared_bytes != bytes {
                check.status = FileStatus::Changed;
                report.problems.push(Problem::new(
                    ProblemKind::SizeMismatch,
                    name.as_str(),
                    format!("{bytes} bytes, release.ttl declares dcat:byteSize {declared_bytes}"),
                ));
            }
            if declared_sha != sha {
                check.status = FileStatus::Changed;
                report.problems.push(Problem::new(
                    ProblemKind::HashMismatch,
                    name.as_str(),
                    format!("sha256 is {sha}, release.ttl declares {declared_sha}"),
                ));
            }
        }
        details.files.push(check);
    }
    if sums.is_none() {
        report.problems.push(Problem::new(
            ProblemKind::MissingFile,
            "SHA256SUMS",
            "the release has no SHA256SUMS",
        ));
    }
    Ok(())
}

/// `sha256sum` output: `<hex>  <name>` (or `<hex> *<name>`) per line.
pub(super) fn parse_sums(bytes: &[u8], report: &mut Report) -> BTreeMap<String, String> {
    let mut sums = BTreeMap::new();
    for (i, line) in String::from_utf8_lossy(bytes).lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line.split_once(' ').and_then(|(hash, rest)| {
            let name = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('*'))?;
            (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| (name.to_owned(), hash.to_ascii_lowercase()))
        });
        match parsed {
            Some((name, hash)) => {
                sums.insert(name, hash);
            }
            None => report.problems.push(Problem::new(
                ProblemKind::BadSha256sums,
                format!("SHA256SUMS:{}", i + 1),
                "not a `<sha256>  <file>` line",
            )),
        }
    }
    sums
}
