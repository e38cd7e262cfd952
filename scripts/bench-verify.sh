#!/usr/bin/env bash
# Benchmark of `factgraph verify` on a synthetic project (not a test: prints figures).
#
#   scripts/bench-verify.sh [FACTS] [SOURCES]     (default 100000 facts, 5 sources)
#
# Builds the release binary and the `synth` example, generates a project in a
# temporary directory, and times (wall clock and peak RSS, via /usr/bin/time -v):
#   1. verify, every quote at its recorded position;
#   2. verify after every article got a line inserted at its start (every source
#      `changed`, every fact `moved`: the exact-search path);
#   3. verify --fix on that project (then verify again: all moved facts fixed);
#   4. verify with 1% of quotes altered by a typo (the drift path);
#   5. release, then verify of the release directory with --sources.
set -euo pipefail
FACTS=${1:-100000}
SOURCES=${2:-5}
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin factgraph --example synth
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c "import json,sys; print(json.load(sys.stdin)[\"target_directory\"])")
BIN=$TARGET/release/factgraph
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$TARGET/release/examples/synth" "$WORK/p" "$FACTS" "$SOURCES"

measure() { # label, then the command
    local label=$1
    shift
    local code=0
    /usr/bin/time -v "$@" >"$WORK/out" 2>"$WORK/time" || code=$?
    local wall rss
    wall=$(grep 'Elapsed (wall clock)' "$WORK/time" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$WORK/time" | awk '{print $NF}')
    printf '%-44s wall %8s  peak RSS %7.1f MiB  exit %s\n' "$label" "$wall" "$(echo "$rss / 1024" | bc -l)" "$code"
    grep -E '^  (facts|sources):' "$WORK/out" | sed 's/^/      /' || true
}

cd "$WORK/p"
measure "verify (all ok)" "$BIN" verify
cp -r sources sources.orig
for f in sources/articles/*.txt; do
    { printf 'Inserted line.\n'; cat "$f"; } >"$f.new" && mv "$f.new" "$f"
done
measure "verify (sources changed, all facts moved)" "$BIN" verify
measure "verify --fix (rewrites every position)" "$BIN" verify --fix
rm -rf sources && mv sources.orig sources
# A typo in every 100th quote: "met at" -> "mett at".
awk -F, 'NR > 1 && NR % 100 == 0 { sub(/met at/, "mett at") } { print }' OFS=, \
    sources/facts.csv >facts.tmp && mv facts.tmp sources/facts.csv
measure "verify (1% of quotes drifted)" "$BIN" verify
awk -F, 'NR > 1 { sub(/mett at/, "met at") } { print }' OFS=, \
    sources/facts.csv >facts.tmp && mv facts.tmp sources/facts.csv
measure "release" "$BIN" release --date 2025-01-01
measure "verify exports/v1 (no sources)" "$BIN" verify exports/v1
measure "verify exports/v1 --sources sources" "$BIN" verify exports/v1 --sources sources
ls -l exports/v1 | awk 'NR > 1 { printf "      %10d  %s\n", $5, $NF }'
