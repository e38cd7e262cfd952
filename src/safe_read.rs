//! Reading input files safely: only regular files, only inside the directory they
//! belong to, never more than a stated size.
//!
//! Every command reads files named by someone else: rows of `sources.csv`, the
//! `fg:file` of a downloaded release, the entries of a release directory. Three kinds of
//! file turn such a read into an attack: a symbolic link (it brings `/etc/passwd` into an
//! export, or makes `verify` print its hash), a FIFO or a device (the read never ends, or
//! `/dev/zero` fills memory), and a path with `..` (it leaves the root). [`open_in`]
//! refuses all three before reading a byte.
//!
//! # Rationale
//! The checks use `symlink_metadata` on every component below the root, then open the
//! file and compare the opened file's device and inode with what was checked, so a swap
//! between the check and the open is detected rather than followed. Opening a FIFO would
//! block, so the file type is checked *before* the open. Reading stops at the limit + 1
//! bytes, so an oversized file costs at most the limit in memory.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// The largest text file read whole (a source article, an ontology file): 256 MiB.
pub const MAX_TEXT_FILE: u64 = 256 * 1024 * 1024;

fn refuse(path: &Path, why: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{}: {why}", path.display()),
    )
}

/// What kind of file this metadata describes, for messages.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Checks that `path` is `root` joined with plain components (no `..`, no absolute
/// part), that no component below `root` is a symbolic link, and that the last one is a
/// regular file. Returns its metadata.
pub fn check_in(root: &Path, path: &Path) -> io::Result<std::fs::Metadata> {
    let relative = path.strip_prefix(root).map_err(|_| {
        refuse(
            path,
            format!(
                "is outside {}; factgraph reads only files inside it",
                root.display()
            ),
        )
    })?;
    let mut current = root.to_path_buf();
    let components: Vec<Component<'_>> = relative.components().collect();
    if components.is_empty() {
        return Err(refuse(path, "names a directory, not a file"));
    }
    for (i, component) in components.iter().enumerate() {
        match component {
            Component::Normal(part) => current.push(part),
            Component::CurDir => continue,
            _ => {
                return Err(refuse(
                    path,
                    format!(
                    "leaves {} (`..` or an absolute path); factgraph reads only files inside it",
                    root.display()
                ),
                ))
            }
        }
        let meta = std::fs::symlink_metadata(&current)?;
        let last = i + 1 == components.len();
        if meta.file_type().is_symlink() {
            return Err(refuse(
                &current,
                "is a symbolic link; factgraph reads only regular files (copy the file in instead)",
            ));
        }
        if last {
            if !meta.is_file() {
                return Err(refuse(
                    &current,
                    format!(
                        "is {}, not a regular file; factgraph reads only regular files",
                        kind(&meta)
                    ),
                ));
            }
            return Ok(meta);
        }
        if !meta.is_dir() {
            return Err(refuse(&current, "is not a directory"));
        }
    }
    Err(refuse(path, "names a directory, not a file"))
}

/// Opens a regular file at `path` (follows no symbolic link, blocks on no FIFO), which
/// must lie inside `root` (see [`check_in`]).
pub fn open_in(root: &Path, path: &Path) -> io::Result<File> {
    let meta = check_in(root, path)?;
    open_checked(path, &meta)
}

/// Opens the regular file at `path`, refusing a symbolic link, a FIFO or a device as
/// its last component (for files whose directory was already chosen: a release's
/// `graph.nq`, the facts table).
pub fn open_no_follow(path: &Path) -> io::Result<File> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    open_in(dir, &dir.join(path.file_name().unwrap_or_default()))
}

/// Opens a file the user named directly (a command-line argument): symbolic links are
/// followed, but the target must be a regular file.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(refuse(
            path,
            format!(
                "is {}, not a regular file; factgraph reads only regular files",
                kind(&meta)
            ),
        ));
    }
    open_checked(path, &meta)
}

fn open_checked(path: &Path, expected: &std::fs::Metadata) -> io::Result<File> {
    use std::os::unix::fs::MetadataExt;
    let file = File::open(path)?;
    let opened = file.metadata()?;
    if opened.dev() != expected.dev() || opened.ino() != expected.ino() || !opened.is_file() {
        return Err(refuse(path, "changed while it was being opened"));
    }
    Ok(file)
}

/// Reads at most `limit` bytes of an open file; more is an error naming the file.
pub fn read_capped(mut file: File, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    (&mut file).take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(refuse(
            path,
            format!(
                "is larger than {} MiB, the most factgraph reads of such a file",
                limit / (1024 * 1024)
            ),
        ));
    }
    Ok(bytes)
}

/// Reads a whole regular file inside `root`, at most `limit` bytes.
pub fn read_in(root: &Path, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_capped(open_in(root, path)?, path, limit)
}

/// The entries of a directory that are worth reading: every entry, with its path, so
/// that callers can report the ones that are not regular files instead of skipping them
/// silently.
pub fn entries(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        out.push(entry?.path());
    }
    out.sort();
    Ok(out)
}

/// Whether a relative path from a table or a release (`articles/x.txt`) is made only of
/// plain names: no `..`, no root, no prefix. Such a path cannot leave its root.
pub fn is_plain_relative(path: &Path) -> bool {
    path.components().count() > 0 && path.components().all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_symlinks_fifos_and_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("ok.txt"), "fine").unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.join("link.txt")).unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::os::unix::fs::symlink(root.join("sub"), root.join("linked-dir")).unwrap();
        std::fs::write(root.join("sub/in.txt"), "inner").unwrap();
        assert!(std::process::Command::new("mkfifo")
            .arg(root.join("pipe"))
            .status()
            .unwrap()
            .success());

        assert_eq!(
            read_in(root, &root.join("ok.txt"), 100).unwrap(),
            b"fine".to_vec()
        );
        assert_eq!(
            read_in(root, &root.join("sub/in.txt"), 100).unwrap(),
            b"inner".to_vec()
        );
        let message = |p: &str| read_in(root, &root.join(p), 100).unwrap_err().to_string();
        assert!(message("link.txt").contains("symbolic link"));
        assert!(message("linked-dir/in.txt").contains("symbolic link"));
        assert!(message("pipe").contains("FIFO"));
        assert!(message("sub").contains("directory"));
        assert!(message("../etc/passwd").contains("leaves"));
        assert!(read_in(root, Path::new("/etc/passwd"), 100)
            .unwrap_err()
            .to_string()
            .contains("outside"));
        assert!(read_in(root, &root.join("ok.txt"), 2)
            .unwrap_err()
            .to_string()
            .contains("larger than"));
        assert!(open_regular(&root.join("pipe"))
            .unwrap_err()
            .to_string()
            .contains("FIFO"));
    }

    #[test]
    fn plain_relative_paths() {
        assert!(is_plain_relative(Path::new("articles/x.txt")));
        assert!(!is_plain_relative(Path::new("../x.txt")));
        assert!(!is_plain_relative(Path::new("/etc/passwd")));
        assert!(!is_plain_relative(Path::new("a/../../b")));
        assert!(!is_plain_relative(Path::new("")));
    }
}
