//! Versioned releases: immutable, checksummed, diffable snapshots under `exports/`.
//!
//! `factgraph release` writes `exports/<version>/`:
//!
//! | file | what |
//! |---|---|
//! | `facts.ttl` | sources and facts (Turtle, as `export` writes it) |
//! | `facts.csv` | one row per fact ([`crate::export::columns::FACTS`]) |
//! | `csv-metadata.json` | CSVW metadata describing `facts.csv` and `sources.csv` (named `facts.csv-metadata.json` in v1) |
//! | `annotations.jsonld` | every fact's quote as a W3C Web Annotation (JSON-LD) |
//! | `sources.csv` | one row per source ([`crate::export::columns::SOURCES`]) |
//! | `graph.nq` | the whole release: data graph + release description (sorted N-Quads) |
//! | `release.ttl` | the release described with DCAT, VoID and SPDX checksums |
//! | `shapes.ttl` | the SHACL shapes the graph conforms to (`ontology/shapes.ttl`, or the built-in ones) |
//! | `CHANGES.md` | facts and sources added, removed, changed since the previous release |
//! | `CITATION.cff` | how to cite the release (Citation File Format), from `project.ttl` |
//! | `SHA256SUMS` | `sha256sum -c` input for every other file |
//!
//! # Versions
//! By default `v1`, `v2`, … (one more than the largest `v<N>` in `exports/`). `--version`
//! accepts any new name matching `[A-Za-z0-9][A-Za-z0-9._-]*` except the reserved
//! `latest` and `working`. `ls` sorts `v10` before `v2`: the order of releases is the
//! chain of `dcat:previousVersion` links in their `release.ttl`, and `exports/latest`
//! (one line: the newest version) and `exports/releases.csv` (one row per release,
//! oldest first) are derived from that chain and rewritten on every `release` run.
//!
//! # The data graph and its hash
//! The *data graph* is the ontology, the sources and the facts: exactly what
//! `factgraph export` writes as `graph.nq`. Its hash (`fg:graphSha256`) is the sha256
//! of its canonical N-Quads lines (`S P O .\n`, no graph name) sorted by their UTF-8
//! bytes, without duplicates. The graph has no blank nodes, so this sorted form is
//! canonical (it equals RDFC-1.0 output) and the hash does not depend on file order.
//!
//! A release's `graph.nq` holds the data graph plus the release description, sorted.
//! Every line of the release description has as subject the release IRI `R`
//! (`<base>release/<version>`) or an IRI starting with `R/` (its distributions
//! `R/<file>` and their checksums `R/<file>#sha256`); `release` refuses inputs whose
//! data graph has such a subject. So, to recompute the hash from `graph.nq`:
//!
//! > drop every line that starts with `<R> ` or `<R/`; the remaining lines, in
//! > order, are the data graph; their sha256 is `fg:graphSha256`.
//!
//! # What describes what
//! `release.ttl` describes every file except itself and `SHA256SUMS` (a file cannot
//! contain its own checksum): byte size, media type, format, licence, download URL and
//! sha256 of each, and the release's catalogue fields from `project.ttl` (licence,
//! publisher, creator, contact point, keywords, series); it also repeats `project.ttl`'s
//! own triples, which are part of the data graph. `graph.nq` contains the release
//! description minus the triples about `graph.nq` itself (its `dcat:distribution` and
//! `void:dataDump` links, its size and checksum) and minus every `dcat:byteSize`
//! (DCAT-AP requires `xsd:nonNegativeInteger`, which stores return as `xsd:integer`;
//! every line of `graph.nq` must come back from a store unchanged). `CITATION.cff` says
//! how to cite the release.
//! `SHA256SUMS` lists every other file, `release.ttl` and `graph.nq` included.
//! `void:triples` counts the triples of the data graph.
//!
//! # Immutability and atomicity
//! A release is built in a hidden temporary directory inside `exports/`
//! (`.tmp-release-*`), each file flushed to disk, and renamed to `exports/<version>`
//! only when complete. A run killed before the rename leaves only that hidden
//! directory, which every command ignores (delete it at leisure); a release directory
//! that exists is complete. An existing version is refused, and so is a release whose
//! data graph hash equals the previous release's ([`crate::Error::NoChanges`]). Nothing in an
//! earlier release directory is ever opened for writing.
//!
//!
//! One writer at a time: `release` holds the project's lock ([`crate::lock`]), removes
//! the `.tmp-*` entries interrupted runs left, and writes `latest` and `releases.csv`
//! to temporary files before the rename, so a full disk fails with nothing published.

pub mod catalogue;
pub mod citation;
pub mod describe;
pub mod groups;
pub mod index;
pub mod proof;
pub mod publish;
pub mod snapshot;

pub use catalogue::{
    list, next_version, read_description, read_info, resolve, validate_version, ReleaseInfo,
    RESERVED_NAMES,
};
pub use index::{index_csv, stage_index, write_index};
pub use publish::{build, release, release_with, Built, Options, Released};
pub use snapshot::{first_release_markdown, snapshot, snapshot_named, working_snapshot};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_checked() {
        for ok in ["v1", "v10", "2026.1", "v1-rc.2"] {
            validate_version(ok).unwrap();
        }
        for bad in ["", "../v1", ".v1", "v 1", "latest", "working", "v1/x"] {
            assert!(validate_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn next_version_sorts_numerically() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(next_version(dir.path()).unwrap(), "v1");
        for v in ["v2", "v10", "v9", "2026.1", "vx"] {
            std::fs::create_dir(dir.path().join(v)).unwrap();
        }
        assert_eq!(next_version(dir.path()).unwrap(), "v11");
    }
}
