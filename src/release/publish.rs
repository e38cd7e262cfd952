//! Publishing a release: plan (version, date, graph) → write the files into a hidden
//! directory → describe them → commit (one rename), then refresh the index files.

use super::catalogue::{
    case_collision, list, next_version, read_info, validate_version, ReleaseInfo,
};
use super::describe::{is_byte_size, Description, DescriptionLines};
use super::index::{stage_index, write_index};
use super::snapshot::{first_release_markdown, snapshot};
use crate::diff::{self, Changes, Snapshot, Table};
use crate::error::{Error, Result};
use crate::export::{self, file_info, FileInfo};
use crate::hash::{canonical_lines, graph_sha256};
use crate::lock::{remove_stale_temporaries, ProjectLock};
use crate::pipeline::{self, Checked};
use crate::project::Config;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What to release.
#[derive(Debug, Clone)]
pub struct Options {
    /// The version name; the next `vN` when absent.
    pub version: Option<String>,
    /// The release date.
    pub date: NaiveDate,
}

/// What `release` did.
#[derive(Debug, Clone)]
pub struct Released {
    /// The new release.
    pub info: ReleaseInfo,
    /// Every file written (`SHA256SUMS` included), by name.
    pub files: Vec<FileInfo>,
    /// Changes since the previous release (none for a first release).
    pub changes: Option<Changes>,
    /// The dataset's title from `project.ttl`, for the citation line.
    pub title: Option<String>,
}

fn usage(message: impl Into<String>) -> Error {
    Error::Usage(message.into())
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

/// The working inputs, checked and built, with their data graph lines and hash.
pub struct Built {
    /// What passed validation.
    pub checked: Checked,
    /// Each fact's content hash, by id.
    pub fact_hashes: BTreeMap<String, String>,
    /// The data graph as sorted canonical N-Quads lines.
    pub lines: Vec<String>,
    /// sha256 of `lines` concatenated.
    pub graph_sha256: String,
    /// The root of the Merkle tree over the facts, lowercase hex.
    pub merkle_root: String,
}

/// Checks and builds the working inputs (any problem is an error).
pub fn build(config: &Config) -> Result<Built> {
    let checked = pipeline::checked(config)?;
    let (lines, fact_hashes) = pipeline::canonical(config, &checked);
    let graph_sha256 = graph_sha256(&lines);
    let merkle_root = merkle_root_by_id(&fact_hashes)?;
    Ok(Built {
        checked,
        fact_hashes,
        lines,
        graph_sha256,
        merkle_root,
    })
}

/// The Merkle root over fact hashes keyed by fact id: id order is the tree's leaf order
/// (fact IRIs are one namespace followed by the id).
fn merkle_root_by_id(fact_hashes: &BTreeMap<String, String>) -> Result<String> {
    let mut root = crate::merkle::RootBuilder::default();
    for (id, hash) in fact_hashes {
        let hash = crate::merkle::parse_hex(hash)
            .ok_or_else(|| usage(format!("fact {id}: `{hash}` is not a sha256")))?;
        root.push_fact(&hash);
    }
    Ok(crate::merkle::to_hex(&root.root()))
}

/// Publishes a new release of the working inputs under `exports/<version>/`.
///
/// Holds the project's [`ProjectLock`] throughout: a second writer is refused, so two
/// releases cannot both name the same previous version (a forked chain), and the
/// `.tmp-*` entries an interrupted run left in `exports/` can be removed safely.
pub fn release(config: &Config, options: &Options) -> Result<Released> {
    release_with(config, options, &export::WriteOptions::default())
}

/// [`release`], with a memory budget for sorting and progress bars.
///
/// The data graph is streamed once (never held): `facts.ttl` and `graph.nq` are
/// written as it passes, `graph.nq` only up to where the release description sorts
/// (the rest is held back in an unnamed file), then the tables, then the description,
/// merged into the rest of `graph.nq`.
pub fn release_with(
    config: &Config,
    options: &Options,
    write: &export::WriteOptions,
) -> Result<Released> {
    let lock = ProjectLock::acquire(&config.root, "release")?;
    remove_stale_temporaries(&config.exports_dir(), &lock)?;
    let plan = plan(config, options, write)?;
    let staging = crate::atomic::staging_dir(&plan.exports, ".tmp-release-")?;
    let own = DescriptionLines::new(config.minter.release(&plan.version).as_str());
    let prefixes = own.prefixes();
    let written = export::write_streamed(
        staging.path(),
        &plan.exports,
        config,
        &plan.checked,
        write,
        Some((prefixes[1], &prefixes)),
    )?;
    if let Some(p) = plan.previous() {
        if p.graph_sha256 == written.data_sha256 {
            return Err(Error::NoChanges {
                previous: p.version.clone(),
                graph_sha256: p.graph_sha256.clone(),
            });
        }
    }
    let by_id = plan.fact_order();
    let merkle_root = merkle_root(&by_id, &written.streamed.fact_hashes);
    let (tables, changes) = write_tables(config, &plan, &written, &by_id, staging.path())?;
    let files = describe(config, &plan, written, &merkle_root, tables, staging.path())?;
    // The index files are written (not yet renamed) before the release is published,
    // so that a write failure leaves no release that `latest` does not name.
    let mut staged_info = read_info(staging.path())?;
    staged_info.dir.clone_from(&plan.dest);
    let mut releases = plan.releases.clone();
    releases.push(staged_info);
    let index = stage_index(&plan.exports, &releases)?;
    let title = plan
        .checked
        .metadata
        .title
        .as_ref()
        .map(|t| t.value().to_owned());
    let info = commit(&plan, staging)?;
    for file in index {
        file.persist()?;
    }
    drop(lock);
    Ok(Released {
        info,
        files,
        changes,
        title,
    })
}

/// The Merkle root over the facts' hashes in id order (the tree's leaf order: fact
/// IRIs are one namespace followed by the id), lowercase hex.
fn merkle_root(by_id: &[usize], fact_hashes: &[[u8; 32]]) -> String {
    let mut root = crate::merkle::RootBuilder::default();
    for &i in by_id {
        root.push_fact(&fact_hashes[i]);
    }
    crate::merkle::to_hex(&root.root())
}

/// Everything decided before a file is written: the version, its directory, the date,
/// the earlier releases and the checked inputs.
struct Plan {
    exports: PathBuf,
    version: String,
    dest: PathBuf,
    date: String,
    releases: Vec<ReleaseInfo>,
    checked: Checked,
}

impl Plan {
    fn previous(&self) -> Option<&ReleaseInfo> {
        self.releases.last()
    }

    /// Indices of the facts sorted by id.
    fn fact_order(&self) -> Vec<usize> {
        use rayon::slice::ParallelSliceMut;
        let facts = &self.checked.facts;
        let mut order: Vec<usize> = (0..facts.len()).collect();
        order.par_sort_unstable_by(|&a, &b| facts.id(a).cmp(facts.id(b)));
        order
    }
}

/// Chooses the version and checks that the release may happen: a new version, a date
/// not before the previous release's, valid inputs with a licence. (That they do not
/// describe the release's own IRI and differ from the previous release is checked as
/// the graph streams.)
fn plan(config: &Config, options: &Options, write: &export::WriteOptions) -> Result<Plan> {
    let exports = config.exports_dir();
    let version = match &options.version {
        Some(v) => {
            validate_version(v)?;
            v.clone()
        }
        None => next_version(&exports)?,
    };
    let dest = exports.join(&version);
    if dest.exists() || dest.symlink_metadata().is_ok() {
        return Err(Error::ReleaseExists {
            version,
            path: dest,
        });
    }
    if let Some(path) = case_collision(&exports, &version)? {
        return Err(Error::ReleaseExists { version, path });
    }
    let releases = list(&exports)?;
    write_index(&exports, &releases)?;
    let date = options.date.format("%Y-%m-%d").to_string();
    if let Some(p) = releases.last() {
        if date < p.issued {
            return Err(usage(format!(
                "release date {date} is before {} ({}); releases are dated in order",
                p.version, p.issued
            )));
        }
    }
    let checked = pipeline::checked_with(config, &write.progress)?;
    if checked.metadata.license.is_none() {
        return Err(usage(format!(
            "cannot publish without a licence: {} must give the dataset series a dct:license (e.g. <https://creativecommons.org/licenses/by/4.0/>), so that users know how they may reuse the data",
            crate::metadata::FILE
        )));
    }
    Ok(Plan {
        exports,
        version,
        dest,
        date,
        releases,
        checked,
    })
}

/// Writes the tables (`facts.csv`, `sources.csv`, the CSVW metadata) and `CHANGES.md`
/// into `dir`; returns them described, and the changes since the previous release.
fn write_tables(
    config: &Config,
    plan: &Plan,
    written: &export::Written,
    by_id: &[usize],
    dir: &Path,
) -> Result<(Vec<FileInfo>, Option<Changes>)> {
    let checked = &plan.checked;
    let facts_csv =
        export::write_facts_csv_ordered(&dir.join("facts.csv"), config, checked, by_id, &|i| {
            written.streamed.fact_hash(i)
        })?;
    export::write_sources_csv(&dir.join("sources.csv"), config, checked)?;
    let metadata = dir.join("csv-metadata.json");
    std::fs::write(
        &metadata,
        export::csvw_metadata(config, &plan.version, &plan.date),
    )
    .map_err(io(&metadata))?;
    let (ontology, name) = (config.ontology_dir(), crate::ontology::SHAPES_FILE);
    let shapes = crate::ontology::shapes(&ontology).map_err(io(&ontology.join(name)))?;
    std::fs::write(dir.join(name), shapes).map_err(io(&dir.join(name)))?;
    let release_iri = config.minter.release(&plan.version);
    crate::annotations::write(
        &dir.join("annotations.jsonld"),
        config,
        checked,
        &format!("{}/annotations", release_iri.as_str()),
        &format!(
            "factgraph release {}: the quote of every fact, as W3C Web Annotations",
            plan.version
        ),
    )?;

    let side = diff::Side {
        name: plan.version.clone(),
        issued: Some(plan.date.clone()),
        graph_sha256: written.data_sha256.clone(),
        facts: checked.facts.len(),
        sources: checked.sources.len(),
        triples: written.streamed.lines,
    };
    // A first release needs only counts: the tables are not read back.
    let changes = match plan.previous() {
        Some(p) => {
            let new = Snapshot {
                name: side.name.clone(),
                issued: side.issued.clone(),
                graph_sha256: side.graph_sha256.clone(),
                triples: side.triples,
                facts: Table::read(&dir.join("facts.csv"))?,
                sources: Table::read(&dir.join("sources.csv"))?,
            };
            Some(diff::compare(&snapshot(&p.dir)?, &new))
        }
        None => None,
    };
    let changes_md = match &changes {
        Some(c) => c.markdown(),
        None => first_release_markdown(&side),
    };
    let changes_path = dir.join("CHANGES.md");
    std::fs::write(&changes_path, changes_md).map_err(io(&changes_path))?;
    let mut files = [
        "CHANGES.md",
        "annotations.jsonld",
        "csv-metadata.json",
        crate::ontology::SHAPES_FILE,
        "sources.csv",
    ]
    .iter()
    .map(|n| file_info(&dir.join(n)))
    .collect::<Result<Vec<_>>>()?;
    files.push(facts_csv);
    Ok((files, changes))
}

/// Describes the written files: `graph.nq` (data graph plus the description minus
/// what concerns `graph.nq` itself), `release.ttl` (the whole description),
/// `CITATION.cff` and `SHA256SUMS`; returns every file of the release, by name.
fn describe(
    config: &Config,
    plan: &Plan,
    written: export::Written,
    merkle_root: &str,
    mut files: Vec<FileInfo>,
    dir: &Path,
) -> Result<Vec<FileInfo>> {
    let checked = &plan.checked;
    let release_iri = config.minter.release(&plan.version);
    let description = Description {
        release: release_iri.clone(),
        version: &plan.version,
        date: &plan.date,
        previous: plan.previous(),
        graph_sha256: &written.data_sha256,
        merkle_root,
        facts: checked.facts.len(),
        sources: checked.sources.len(),
        triples: written.streamed.lines as usize,
        metadata: &checked.metadata,
    };
    let citation = dir.join("CITATION.cff");
    std::fs::write(
        &citation,
        super::citation::cff(
            &checked.metadata,
            &plan.version,
            &plan.date,
            release_iri.as_str(),
            &written.data_sha256,
        ),
    )
    .map_err(io(&citation))?;
    files.push(file_info(&citation)?);
    files.push(written.ttl.clone());
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let held = written.held.ok_or_else(|| {
        Error::Store(
            "internal error: graph.nq was not held open"
                .to_owned()
                .into(),
        )
    })?;
    let mut own_lines: Vec<String> = description
        .quads(&files)
        .iter()
        .map(crate::hash::canonical_line)
        .filter(|l| !is_byte_size(l))
        .collect();
    own_lines.sort_unstable();
    own_lines.dedup();
    files.push(export::finish_held(held, &own_lines, &plan.exports)?);
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let mut release_prefixes = pipeline::prefixes(config, &checked.ontology);
    release_prefixes.push(("dist".to_owned(), format!("{}/", release_iri.as_str())));
    export::write_turtle(
        &dir.join("release.ttl"),
        &release_prefixes,
        canonical_lines(
            description
                .quads(&files)
                .into_iter()
                .chain(checked.metadata.quads.iter().cloned()),
        )
        .iter(),
    )?;
    files.push(file_info(&dir.join("release.ttl"))?);
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let sums: String = files
        .iter()
        .map(|f| format!("{}  {}\n", f.sha256, f.name))
        .collect();
    let sums_path = dir.join("SHA256SUMS");
    std::fs::write(&sums_path, sums).map_err(io(&sums_path))?;
    files.push(file_info(&sums_path)?);
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// Flushes the staged directory, makes it public and renames it to
/// `exports/<version>` (refusing to replace a version published meanwhile).
fn commit(plan: &Plan, staging: tempfile::TempDir) -> Result<ReleaseInfo> {
    let dir = staging.path();
    crate::atomic::sync_files(dir)?;
    crate::atomic::make_public(dir, true)?;
    let (version, dest) = (&plan.version, &plan.dest);
    // A non-empty directory is never replaced by rename(2): if another run published
    // this version meanwhile, the rename fails and ours is discarded.
    if dest.exists() {
        return Err(Error::ReleaseExists {
            version: version.clone(),
            path: dest.clone(),
        });
    }
    std::fs::rename(dir, dest).map_err(|e| {
        if dest.exists() {
            Error::ReleaseExists {
                version: version.clone(),
                path: dest.clone(),
            }
        } else {
            Error::io(dest, e)
        }
    })?;
    let _ = staging.keep();
    crate::atomic::sync_dir(&plan.exports);
    read_info(dest)
}
