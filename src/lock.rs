//! One writer at a time: an advisory lock on the project.
//!
//! `release`, `verify --fix` and `add-source` read the project, then write it. Two of
//! them at once could fork the release chain (two releases naming the same previous
//! version) or lose an edit of `sources/facts.csv`. Each takes [`ProjectLock`] first; a
//! second writer is refused at once with the holder's pid instead of waiting.
//!
//! # Rationale
//! The lock is an OS file lock (`flock` through `File::try_lock`) on
//! `.factgraph/lock`, not the existence of a file: the kernel releases it when the
//! holder's process ends, however it ends (`kill -9` included), so no stale lock is ever
//! left to delete by hand. The file's text (pid and command) is only for the message.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The project's writer lock, held until dropped.
#[derive(Debug)]
pub struct ProjectLock {
    _file: File,
    path: PathBuf,
}

impl ProjectLock {
    /// Takes the lock of the project at `root` for `command` (`release`,
    /// `verify --fix`, `add-source`), or says who holds it.
    pub fn acquire(root: &Path, command: &str) -> Result<Self> {
        let dir = root.join(".factgraph");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = dir.join("lock");
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let mut words = holder.split_whitespace();
                let pid = words.next().unwrap_or("unknown");
                let what = words.collect::<Vec<_>>().join(" ");
                let what = if what.is_empty() { "release" } else { &what };
                return Err(Error::Usage(format!(
                    "another {what} is running (pid {pid}) on this project; wait for it to end and run this again (its lock, {}, is released when it ends, even by a crash)",
                    path.display()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        // Only the holder writes the file, so its text is always the holder's.
        let record = format!("{} {command}\n", std::process::id());
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(record.as_bytes()))
            .map_err(|e| Error::io(&path, e))?;
        Ok(Self { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Removes the hidden `.tmp*` entries an interrupted writer left in `dir` (half-built
/// releases, staged index files). Call it only under [`ProjectLock`]: then no other writer is building one.
/// Returns what was removed.
pub fn remove_stale_temporaries(dir: &Path, _lock: &ProjectLock) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(removed);
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        if !entry.file_name().to_string_lossy().starts_with(".tmp") {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        }
        .map_err(|e| Error::io(&path, e))?;
        removed.push(path);
    }
    removed.sort();
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let first = ProjectLock::acquire(dir.path(), "release").unwrap();
        let refused = ProjectLock::acquire(dir.path(), "add-source").unwrap_err();
        let message = refused.to_string();
        assert!(
            message.contains(&format!(
                "another release is running (pid {})",
                std::process::id()
            )),
            "{message}"
        );
        drop(first);
        ProjectLock::acquire(dir.path(), "add-source").unwrap();
    }

    #[test]
    fn stale_temporaries_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let lock = ProjectLock::acquire(dir.path(), "release").unwrap();
        std::fs::create_dir_all(dir.path().join("exports/.tmp-release-x/sub")).unwrap();
        std::fs::write(dir.path().join("exports/.tmp-latest"), "v1").unwrap();
        std::fs::create_dir_all(dir.path().join("exports/v1")).unwrap();
        let removed = remove_stale_temporaries(&dir.path().join("exports"), &lock).unwrap();
        assert_eq!(removed.len(), 2);
        assert!(dir.path().join("exports/v1").is_dir());
    }
}
