//! What pages need besides the graph: source texts (checked against their recorded
//! sha256) and each fact's hashes across releases.

use crate::error::{Error, Result};
use crate::quote::SourceText;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Texts by (file, sha256); `None` when missing or not matching.
type TextCache = HashMap<(String, String), Option<Arc<SourceText>>>;

/// Source texts, read once from a project's `sources/` and kept only when their
/// sha256 is the one the graph records (a page never highlights a different text).
#[derive(Debug)]
pub struct Texts {
    dir: Option<PathBuf>,
    cache: Mutex<TextCache>,
}

impl Texts {
    /// Texts under `dir` (a project's `sources/`), or none.
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self {
            dir,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The text of `file` (relative to the sources directory) if it hashes to `sha256`.
    pub fn get(&self, file: &str, sha256: &str) -> Option<Arc<SourceText>> {
        let dir = self.dir.as_ref()?;
        let key = (file.to_owned(), sha256.to_owned());
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry(key)
            .or_insert_with(|| {
                // The graph's `fg:file` is relative and checked at build time; refuse
                // anything that could step out of the directory all the same.
                if file.split('/').any(|part| part == ".." || part.is_empty()) {
                    return None;
                }
                let bytes = crate::safe_read::read_in(
                    dir,
                    &dir.join(file),
                    crate::safe_read::MAX_TEXT_FILE,
                )
                .ok()?;
                if crate::hash::sha256_hex(&bytes) != sha256 {
                    return None;
                }
                String::from_utf8(bytes)
                    .ok()
                    .map(|t| Arc::new(SourceText::new(t)))
            })
            .clone()
    }
}

/// One release's view of a fact: its content hash there, or absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Release version.
    pub version: String,
    /// Release date.
    pub issued: String,
    /// The fact's `fg:sha256` in that release; `None` when the release lacks the fact.
    pub sha256: Option<String>,
}

/// Fact hashes by release, oldest release first.
#[derive(Debug, Clone, Default)]
pub struct History {
    releases: Vec<(String, String, HashMap<String, String>)>,
}

impl History {
    /// The history of the releases in `infos` (oldest first), read from each release's
    /// `facts.csv` (columns `fact_id` and `fact_sha256`).
    pub fn read(infos: &[crate::release::ReleaseInfo]) -> Result<Self> {
        let mut releases = Vec::new();
        for info in infos {
            let path = info.dir.join("facts.csv");
            let mut reader = csv::Reader::from_path(&path)
                .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
            let headers = reader
                .headers()
                .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?
                .clone();
            let column = |name: &str| {
                headers
                    .iter()
                    .position(|h| h == name)
                    .ok_or_else(|| Error::Usage(format!("{}: no `{name}` column", path.display())))
            };
            let (id, hash) = (column("fact_id")?, column("fact_sha256")?);
            let mut hashes = HashMap::new();
            for record in reader.records() {
                let record =
                    record.map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
                if let (Some(i), Some(h)) = (record.get(id), record.get(hash)) {
                    hashes.insert(i.to_owned(), h.to_owned());
                }
            }
            releases.push((info.version.clone(), info.issued.clone(), hashes));
        }
        Ok(Self { releases })
    }

    /// The history a page of release `info` shows: the releases of `exports` up to and
    /// including it (so a site built for `v1` stays the same when `v2` appears), or
    /// only itself when it is not one of them (a downloaded release directory).
    pub fn until(exports: &std::path::Path, info: &crate::release::ReleaseInfo) -> Result<Self> {
        let listed = crate::release::list(exports).unwrap_or_default();
        let mut chain = Vec::new();
        let same = |a: &std::path::Path, b: &std::path::Path| {
            a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
        };
        if listed
            .iter()
            .any(|r| r.version == info.version && same(&r.dir, &info.dir))
        {
            for r in listed {
                let last = r.version == info.version;
                chain.push(r);
                if last {
                    break;
                }
            }
        } else {
            chain.push(info.clone());
        }
        Self::read(&chain)
    }

    /// Every release with this fact's hash there (or `None`).
    pub fn of(&self, fact_id: &str) -> Vec<HistoryEntry> {
        self.releases
            .iter()
            .map(|(version, issued, hashes)| HistoryEntry {
                version: version.clone(),
                issued: issued.clone(),
                sha256: hashes.get(fact_id).cloned(),
            })
            .collect()
    }
}
