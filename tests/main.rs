//! Integration tests: one binary, one module per command or concern.

mod support;

// `check`: every user error, with its message and exit code.
mod check;
// `export`: files, determinism, and re-reading them with an independent RDF parser.
mod export;
// `query`: SPARQL formats, errors, the example queries.
mod query;
// `add-source`: registering articles.
mod add_source;
// `release`, `diff`, `query --release`: immutable, checksummed, reproducible releases.
mod release;
// `verify` on the working inputs: each citation status, exit codes, `--fix`.
mod verify;
// `cite`: text, BibTeX and CSL-JSON citations of one fact.
mod cite;
// `verify <release dir>`: checksums, graph and fact hashes, tampering, `--sources`.
mod verify_release;
// Merkle roots and inclusion proofs: `cite --proof`, `verify-proof`, tampering.
mod proof;
// `serve`: the SPARQL endpoint over HTTP (formats, limits, read-only, releases, Ctrl-C).
mod serve;
// ARCHITECTURE.md's invariants, checked on the sources (store boundary, sizes, no cycles).
mod architecture;
// Conformance: the base IRI of queries, shapes.ttl kept out of the data graph.
mod conformance;
// The W3C SPARQL 1.1 Protocol test suite (tests/w3c/protocol) against `factgraph serve`.
mod w3c_protocol;
// `push`: the Graph Store Protocol client (batches, retries, Digest auth, count check).
mod push;
// Dereferenceable IRIs (serve), the static site, annotations.jsonld.
mod linked;
// `completions` and `man` from the clap definitions.
mod completions;
// Issue 11: exports in bounded memory (external sort: byte-identical, no leftovers).
mod scale;
// The bad-input corpus (tests/hostile/): hostile and careless inputs, one case a directory.
mod hostile;
// Tampered releases resealed, two writers at once, kill -9 at random points.
mod hardening;
// The endpoint under hostile requests: deep, memory-hungry, CPU-only queries, slow clients.
mod serve_hostile;
