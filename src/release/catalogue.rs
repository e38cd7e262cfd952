//! The release catalogue: which releases exist in `exports/`, in which order, and
//! what each one's `release.ttl` says ([`ReleaseInfo`]); version names.

use crate::error::{Error, Result};
use crate::project::Config;
use crate::table::is_valid_id;
use crate::vocab::{iri, DCAT, DCTERMS, FG, RDF, SPDX, VOID};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, Term};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The names `--version` may not take (they mean something else to `diff`/`query`).
pub const RESERVED_NAMES: &[&str] = &["latest", "working"];
/// A published release, as its `release.ttl` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseInfo {
    /// Version name.
    pub version: String,
    /// Its directory.
    pub dir: PathBuf,
    /// Its IRI.
    pub iri: String,
    /// Release date (`YYYY-MM-DD`).
    pub issued: String,
    /// The previous version's name, if any.
    pub previous: Option<String>,
    /// The data graph hash.
    pub graph_sha256: String,
    /// The root of the Merkle tree over the facts (`fg:merkleRoot`); releases made
    /// before factgraph recorded it have none.
    pub merkle_root: Option<String>,
    /// Number of facts.
    pub facts: u64,
    /// Number of sources.
    pub sources: u64,
    /// Triples of the data graph.
    pub triples: u64,
    /// Described files: name → (bytes, sha256).
    pub files: BTreeMap<String, (u64, String)>,
    /// The prefixes `release.ttl` declares (those of the release's ontology).
    pub prefixes: Vec<(String, String)>,
}

fn corrupt(path: &Path, message: String) -> Error {
    Error::CorruptRelease {
        path: path.to_path_buf(),
        message,
    }
}

fn usage(message: impl Into<String>) -> Error {
    Error::Usage(message.into())
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

/// Checks a version name given with `--version`.
pub fn validate_version(version: &str) -> Result<()> {
    if !is_valid_id(version) || version.len() > 100 {
        return Err(usage(format!(
            "`{version}` is not a valid version: use letters, digits, `.`, `_` and `-`, starting with a letter or digit (e.g. v3 or 2026.1)"
        )));
    }
    // In any case: on a case-insensitive file system `LATEST` is the `latest` file.
    if RESERVED_NAMES
        .iter()
        .any(|r| r.eq_ignore_ascii_case(version))
    {
        return Err(usage(format!(
            "`{version}` is reserved (it names something else in `diff` and `query`, in any letter case); choose another --version"
        )));
    }
    if let Some(digits) = version.strip_prefix(['v', 'V']) {
        if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.parse::<u64>().map_or(true, |n| n == u64::MAX)
        {
            return Err(usage(format!(
                "`{version}` is too large a version number: the next release could not be numbered after it; choose a smaller --version"
            )));
        }
    }
    Ok(())
}

/// Whether `exports/` already holds an entry named `version` in another letter case
/// (`V2` beside `v2`): the same directory on a case-insensitive file system.
pub fn case_collision(exports: &Path, version: &str) -> Result<Option<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(exports) else {
        return Ok(None);
    };
    for entry in entries {
        let entry = entry.map_err(io(exports))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != version && name.eq_ignore_ascii_case(version) {
            return Ok(Some(entry.path()));
        }
    }
    Ok(None)
}

/// The default version: `v<N+1>` for the largest `v<N>` among the names in `exports/`
/// (any entry, release or not), or `v1`.
pub fn next_version(exports: &Path) -> Result<String> {
    let mut largest = 0u64;
    if exports.is_dir() {
        for entry in std::fs::read_dir(exports).map_err(io(exports))? {
            let name = entry.map_err(io(exports))?.file_name();
            let name = name.to_string_lossy();
            if let Some(n) = name
                .strip_prefix('v')
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse::<u64>().ok())
            {
                largest = largest.max(n);
            }
        }
    }
    let next = largest.checked_add(1).ok_or_else(|| {
        usage(format!(
            "cannot number the release after v{largest}: pass --version with a name of your choice"
        ))
    })?;
    Ok(format!("v{next}"))
}

fn literal_value(term: &Term) -> Option<String> {
    match term {
        Term::Literal(l) => Some(l.value().to_owned()),
        _ => None,
    }
}

/// Reads a release's `release.ttl`.
pub fn read_info(dir: &Path) -> Result<ReleaseInfo> {
    read_description(&dir.join("release.ttl"))
}

/// Reads a release description file (a release's `release.ttl`, wherever it is and
/// whatever its name); `dir` is the directory it is in.
pub fn read_description(path: &Path) -> Result<ReleaseInfo> {
    let path = path.to_path_buf();
    let dir = path.parent().unwrap_or(Path::new("."));
    let file = crate::safe_read::open_no_follow(&path).map_err(io(&path))?;
    let bad = |what: &str| Error::CorruptRelease {
        path: path.clone(),
        message: what.to_owned(),
    };
    let mut parser =
        RdfParser::from_format(RdfFormat::Turtle).for_reader(std::io::BufReader::new(file));
    let mut quads = Vec::new();
    let mut prefixes = Vec::new();
    while let Some(quad) = parser.next() {
        quads.push(quad.map_err(|e| bad(&e.to_string()))?);
        if prefixes.is_empty() {
            prefixes = parser
                .prefixes()
                .map(|(n, i)| (n.to_owned(), i.to_owned()))
                .collect();
        }
    }
    let rdf_type = iri(RDF, "type");
    let release_class = Term::from(iri(FG, "Release"));
    let subjects: Vec<String> = quads
        .iter()
        .filter(|q| q.predicate == rdf_type && q.object == release_class)
        .map(|q| q.subject.to_string())
        .collect();
    let [subject] = subjects.as_slice() else {
        return Err(bad("expected exactly one resource of type fg:Release"));
    };
    let objects = |s: &str, p: NamedNode| -> Vec<Term> {
        quads
            .iter()
            .filter(|q| q.subject.to_string() == s && q.predicate == p)
            .map(|q| q.object.clone())
            .collect()
    };
    let one = |s: &str, ns: &str, local: &str| -> Result<String> {
        match objects(s, iri(ns, local)).as_slice() {
            [t] => literal_value(t).ok_or_else(|| bad(&format!("{local} is not a literal"))),
            _ => Err(bad(&format!("expected one {local} of {s}"))),
        }
    };
    let number = |s: &str, ns: &str, local: &str| -> Result<u64> {
        one(s, ns, local)?
            .parse()
            .map_err(|_| bad(&format!("{local} is not a number")))
    };
    let release_iri = subject
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    let previous = match objects(subject, iri(DCAT, "previousVersion")).as_slice() {
        [] => None,
        [Term::NamedNode(p)] => Some(p.as_str().rsplit('/').next().unwrap_or_default().to_owned()),
        _ => return Err(bad("expected at most one dcat:previousVersion")),
    };
    let merkle_root = match objects(subject, iri(FG, "merkleRoot")).as_slice() {
        [] => None,
        [t] => Some(literal_value(t).ok_or_else(|| bad("merkleRoot is not a literal"))?),
        _ => return Err(bad("expected at most one fg:merkleRoot")),
    };
    let mut files = BTreeMap::new();
    for d in objects(subject, iri(DCAT, "distribution")) {
        let Term::NamedNode(d) = d else {
            return Err(bad("a dcat:distribution is not an IRI"));
        };
        let name = d
            .as_str()
            .strip_prefix(&format!("{release_iri}/"))
            .ok_or_else(|| bad(&format!("distribution {d} is not under {release_iri}/")))?
            .to_owned();
        let d_key = d.to_string();
        let bytes = number(&d_key, DCAT, "byteSize")?;
        let checksum = format!("<{}#sha256>", d.as_str());
        let sha256 = one(&checksum, SPDX, "checksumValue")?;
        files.insert(name, (bytes, sha256));
    }
    Ok(ReleaseInfo {
        version: one(subject, DCAT, "version")?,
        dir: dir.to_path_buf(),
        iri: release_iri,
        issued: one(subject, DCTERMS, "issued")?,
        previous,
        graph_sha256: one(subject, FG, "graphSha256")?,
        merkle_root,
        facts: number(subject, FG, "factCount")?,
        sources: number(subject, FG, "sourceCount")?,
        triples: number(subject, VOID, "triples")?,
        files,
        prefixes,
    })
}

/// The releases in `exports/`, oldest first (following `dcat:previousVersion`).
///
/// A release is a directory whose name does not start with `.` and that holds a
/// `release.ttl`. Fails if the releases do not form one chain (a release was deleted
/// or edited by hand).
pub fn list(exports: &Path) -> Result<Vec<ReleaseInfo>> {
    let mut by_version: BTreeMap<String, ReleaseInfo> = BTreeMap::new();
    if !exports.is_dir() {
        return Ok(Vec::new());
    }
    for entry in std::fs::read_dir(exports).map_err(io(exports))? {
        let path = entry.map_err(io(exports))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || !path.join("release.ttl").is_file() {
            continue;
        }
        let info = read_info(&path)?;
        if info.version != name {
            return Err(corrupt(&path, format!(
                "release.ttl says version `{}`; a release directory must be named after its version",
                info.version
            )));
        }
        by_version.insert(name, info);
    }
    let referenced: Vec<&str> = by_version
        .values()
        .filter_map(|i| i.previous.as_deref())
        .collect();
    let heads: Vec<&String> = by_version
        .keys()
        .filter(|v| !referenced.contains(&v.as_str()))
        .collect();
    let Some(head) = heads.first() else {
        return if by_version.is_empty() {
            Ok(Vec::new())
        } else {
            Err(corrupt(
                exports,
                "the releases' previous versions form a cycle".to_owned(),
            ))
        };
    };
    if heads.len() > 1 {
        return Err(corrupt(exports, format!(
            "releases {} are each the newest of a separate chain; every release must follow the previous one (was a release directory deleted?)",
            heads.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    let mut chain = Vec::new();
    let mut next = Some((*head).clone());
    while let Some(version) = next {
        let Some(info) = by_version.remove(&version) else {
            let after = chain.last().map_or(String::new(), |i: &ReleaseInfo| {
                format!(" (the previous version of {})", i.version)
            });
            return Err(corrupt(
                exports,
                format!("release {version}{after} is missing; releases are immutable, restore it"),
            ));
        };
        next = info.previous.clone();
        chain.push(info);
    }
    if !by_version.is_empty() {
        return Err(corrupt(
            exports,
            "the releases' previous versions form a cycle".to_owned(),
        ));
    }
    chain.reverse();
    Ok(chain)
}

/// Finds a release by name: `latest`, a version in `exports/`, or a path to a
/// release directory (e.g. a downloaded one).
pub fn resolve(config: &Config, name: &str) -> Result<PathBuf> {
    let exports = config.exports_dir();
    if name == "latest" {
        return list(&exports)?
            .pop()
            .map(|i| i.dir)
            .ok_or_else(|| usage(format!("{} holds no release yet", exports.display())));
    }
    if is_valid_id(name) && exports.join(name).join("release.ttl").is_file() {
        return Ok(exports.join(name));
    }
    let path = PathBuf::from(name);
    if path.join("release.ttl").is_file() {
        return Ok(path);
    }
    let known: Vec<String> = list(&exports)
        .map(|l| l.into_iter().map(|i| i.version).collect())
        .unwrap_or_default();
    Err(usage(format!(
        "no release `{name}`: not a version in {} ({}) nor a release directory",
        exports.display(),
        if known.is_empty() {
            "none yet".to_owned()
        } else {
            format!("known: {}", known.join(", "))
        }
    )))
}
