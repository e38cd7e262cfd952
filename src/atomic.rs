//! Atomic writes: a file or a directory appears complete, or not at all.
//!
//! Files go to a temporary sibling and are renamed over their destination;
//! directories are assembled in a hidden temporary directory beside their destination
//! and moved into place. A failure or a kill leaves at most a hidden temporary entry
//! (`.tmp*`, `.factgraph-tmp-*`, `.tmp-release-*`, `.building-*`), never something that
//! looks complete. Temporary entries are created private, so what is published is
//! made readable ([`make_public`]) before it is moved into place.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

/// Writes a file through a temporary sibling and a rename, so readers never see half of
/// it. The file keeps the permissions it had, or gets `0644` when new (a temporary
/// file is created `0600`, which would otherwise leak into shared tables).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    stage_file(path, bytes)?.persist()
}

/// A file written in full (and flushed) to a temporary sibling of its destination,
/// not yet renamed over it: what can fail (a full disk) has happened already, and
/// [`StagedFile::persist`] is one rename. Dropped without `persist`, it is removed.
#[derive(Debug)]
pub struct StagedFile {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl StagedFile {
    /// Renames the staged file over its destination.
    pub fn persist(self) -> Result<()> {
        let path = self.path;
        self.tmp
            .persist(&path)
            .map_err(|e| Error::io(&path, e.error))?;
        Ok(())
    }
}

/// Writes `bytes` to a temporary sibling of `path` (see [`StagedFile`]).
pub fn stage_file(path: &Path, bytes: &[u8]) -> Result<StagedFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(io(dir))?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    tmp.as_file().sync_all().map_err(io(path))?;
    let permissions = match std::fs::metadata(path) {
        Ok(m) => Some(m.permissions()),
        Err(_) => default_permissions(),
    };
    if let Some(permissions) = permissions {
        std::fs::set_permissions(tmp.path(), permissions).map_err(io(path))?;
    }
    Ok(StagedFile {
        tmp,
        path: path.to_path_buf(),
    })
}

#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}

/// A fresh hidden temporary directory inside `parent` (created if needed), removed
/// when dropped unless kept.
pub fn staging_dir(parent: &Path, prefix: &str) -> Result<tempfile::TempDir> {
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(parent)
        .map_err(io(parent))
}

/// Runs `write` on a fresh temporary directory beside `out`, then moves what it wrote
/// into `out` (creating it if needed). On failure nothing is left behind: the
/// temporary directory is removed and `out` is untouched.
pub fn write_dir<T>(out: &Path, write: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = staging_dir(&parent, ".factgraph-tmp-")?;
    let value = write(tmp.path())?;
    if !out.exists() {
        let kept = tmp.keep();
        std::fs::rename(&kept, out).map_err(|e| {
            let _ = std::fs::remove_dir_all(&kept);
            Error::io(out, e)
        })?;
        return Ok(value);
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .map_err(io(tmp.path()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for from in entries {
        let to = out.join(from.file_name().unwrap_or_default());
        std::fs::rename(&from, &to).map_err(io(&to))?;
    }
    Ok(value)
}

/// Flushes every file of a directory to disk.
pub fn sync_files(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        std::fs::File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(io(&path))?;
    }
    Ok(())
}

/// Flushes a directory's entries (a rename into it) to disk, as far as the platform
/// allows; failure only weakens durability, so it is ignored.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Makes a file or directory readable by everyone (as the rest of a repository is):
/// temporary files and directories are created private.
pub fn make_public(path: &Path, directory: bool) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if directory { 0o755 } else { 0o644 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io(path))?;
    }
    #[cfg(not(unix))]
    let _ = (path, directory);
    Ok(())
}
