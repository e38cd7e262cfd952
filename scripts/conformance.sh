#!/usr/bin/env bash
# Conformance checks, run by .ci/run (and by anyone: `scripts/conformance.sh`):
#   1. the W3C SPARQL 1.1 Protocol test suite against `factgraph serve`
#      (tests/w3c_protocol.rs; prints its tally: pass / not applicable / fail);
#   2. SHACL (ontology/shapes.ttl, with pySHACL): a fresh export and a fresh release of the
#      sample, and every committed release (graph.nq and release.ttl), must conform; and
#      the shapes must catch each known way of breaking a fact (scripts/shacl_check.py);
#   3. CSVW (csvwvalidate, from the csvw package): every CSV of every committed release and
#      of a fresh release, against the release's csv-metadata.json (facts.csv-metadata.json
#      in releases made before that name).
# Fails on the first check that fails. pySHACL and csvw are installed, pinned, into a
# virtualenv under ~/.cache/factgraph (reused when its pins match).
#
# Known exceptions for committed releases (files that can never be edited) are listed in
# SHACL_WITHOUT below, each with its reason, and in the README ("Standards and
# conformance"); new releases get every check.
set -euo pipefail
cd "$(dirname "$0")/.."
STARTED=$SECONDS

PINS="pyshacl==0.40.1 csvw==4.1.1 rdflib==7.6.0"
VENV="${FACTGRAPH_VENV:-${HOME:-/root}/.cache/factgraph/venv-conformance}"
# Committed files validated without some shapes: "<file>|<shape>[,<shape>]|<reason>".
SHACL_WITHOUT=(
  "exports/v1/graph.nq|AttributionShape,AttributionRules|v1 (2026-11-28) predates voice, basis and deprecation reasons (issue 9): its facts have none"
)

step() { printf '\n--- %s (%ss)\n' "$*" "$((SECONDS - STARTED))"; }

step "virtualenv with $PINS"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.pins" 2>/dev/null)" != "$PINS" ]; then
  rm -rf "$VENV"
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    # Debian's python3 needs its venv package for ensurepip.
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$VENV"
    python3 -m venv "$VENV"
  fi
  # shellcheck disable=SC2086 # PINS is a list of requirements
  "$VENV/bin/pip" install --quiet --disable-pip-version-check $PINS
  echo "$PINS" >"$VENV/.pins"
fi
"$VENV/bin/python" -c 'import pyshacl, csvw; print("pyshacl", pyshacl.__version__)'

BIN="${FACTGRAPH_BIN:-}"
if [ -z "$BIN" ]; then
  cargo build --quiet --locked
  BIN="${CARGO_TARGET_DIR:-target}/debug/factgraph"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

step "W3C SPARQL 1.1 Protocol test suite against factgraph serve"
if cargo test --quiet --locked --test integration w3c_protocol -- --nocapture >"$WORK/w3c.log" 2>&1; then
  grep -E '^(pass|n/a|FAIL) |^W3C SPARQL' "$WORK/w3c.log"
else
  cat "$WORK/w3c.log" >&2
  echo "the W3C SPARQL 1.1 Protocol suite failed" >&2
  exit 1
fi

# A throwaway copy of the sample: a fresh export and a fresh release of it (export writes
# no CSVW metadata, so the fresh CSVs are checked as a release publishes them).
mkdir -p "$WORK/project"
cp -R ontology sources "$WORK/project/"
[ -f project.ttl ] && cp project.ttl "$WORK/project/"
"$BIN" export --root "$WORK/project" --out "$WORK/export" >/dev/null
"$BIN" release --root "$WORK/project" --version v1 --date 2026-01-01 >/dev/null
FRESH="$WORK/project/exports/v1"
cmp "$WORK/export/facts.csv" "$FRESH/facts.csv"
cmp "$WORK/export/facts.ttl" "$FRESH/facts.ttl"

RELEASES=()
for dir in exports/*/; do
  dir="${dir%/}"
  [ -f "$dir/release.ttl" ] && RELEASES+=("$dir")
done
echo "committed releases: ${RELEASES[*]:-none}"

shacl_exception() { # $1: file; prints "<shapes>|<reason>" from SHACL_WITHOUT, or nothing
  local e
  for e in "${SHACL_WITHOUT[@]+"${SHACL_WITHOUT[@]}"}"; do
    if [ "${e%%|*}" = "$1" ]; then echo "${e#*|}"; fi
  done
}

step "SHACL: ontology/shapes.ttl catches broken facts"
"$VENV/bin/python" scripts/shacl_check.py ontology/shapes.ttl --self-test "$WORK/export/graph.nq"

step "SHACL: fresh export, fresh release and committed releases against ontology/shapes.ttl"
TARGETS=("$WORK/export/graph.nq" "$FRESH/graph.nq" "$FRESH/release.ttl")
for dir in "${RELEASES[@]+"${RELEASES[@]}"}"; do
  for file in graph.nq release.ttl; do
    exception="$(shacl_exception "$dir/$file")"
    if [ -n "$exception" ]; then
      echo "known exception: $dir/$file is validated without fgsh:${exception%%|*}: ${exception#*|}"
      "$VENV/bin/python" scripts/shacl_check.py ontology/shapes.ttl \
        --without "${exception%%|*}" "$dir/$file"
    else
      TARGETS+=("$dir/$file")
    fi
  done
done
"$VENV/bin/python" scripts/shacl_check.py ontology/shapes.ttl "${TARGETS[@]}"
# A release that publishes shapes also conforms to its own.
for dir in "$FRESH" "${RELEASES[@]+"${RELEASES[@]}"}"; do
  if [ -f "$dir/shapes.ttl" ]; then
    "$VENV/bin/python" scripts/shacl_check.py "$dir/shapes.ttl" "$dir/graph.nq" |
      sed "s|^SHACL conforms: |SHACL conforms to its own shapes.ttl: |"
  fi
done

step "CSVW: every CSV of each release against its metadata (csvwvalidate)"
for dir in "$FRESH" "${RELEASES[@]+"${RELEASES[@]}"}"; do
  metadata="$dir/csv-metadata.json"
  [ -f "$metadata" ] || metadata="$dir/facts.csv-metadata.json"
  shown="${dir#"$WORK/project/"}"
  [ "$dir" = "$FRESH" ] && shown="fresh release of the sample"
  # Every CSV in the directory must be a table of the metadata: csvwvalidate on a CSV
  # alone looks for <name>-metadata.json and, for sources.csv, validates nothing.
  "$VENV/bin/python" - "$dir" "$metadata" <<'PY'
import json, pathlib, sys
d, metadata = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
described = {t["url"] for t in json.loads(metadata.read_text())["tables"]}
missing = sorted(p.name for p in d.glob("*.csv") if p.name not in described)
if missing:
    sys.exit(f"{d}: CSV files not described by {metadata.name}: {missing}")
PY
  if ! result="$("$VENV/bin/csvwvalidate" "$metadata" 2>&1)" || [ "$result" != "OK" ]; then
    echo "csvwvalidate FAILED: $metadata" >&2
    echo "$result" >&2
    exit 1
  fi
  for csv in "$dir"/*.csv; do
    echo "csvwvalidate OK: $shown/$(basename "$csv")"
  done
done

step "conformance: all checks passed"
