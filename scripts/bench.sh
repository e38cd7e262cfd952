#!/usr/bin/env bash
# Benchmark of factgraph against pyoxigraph and rdflib on synthetic projects
# (not a test: it prints figures).
#
#   scripts/bench.sh [FACTS...]          default: 100000
#
# For each size, it generates a synthetic project with `examples/synth.rs` (FACTS
# facts over FACTS/10 sources, about 32 quads a fact), then measures, with
# /usr/bin/time -v (wall clock and peak RSS of the whole process):
#   - factgraph check, release, verify (working inputs), verify exports/v1,
#     query --release v1 (a one-subject lookup: time to the answer), cite --release v1,
#     serve --release v1 (time to load, then one lookup and one GROUP BY over every
#     fact, with curl; a server killed for memory is reported, not fatal);
#   - pyoxigraph (in memory), right after the release: bulk-load the release's
#     graph.nq, dump Turtle and N-Quads (the load alone is timed inside the same run);
#   - rdflib: parse graph.nq and serialize Turtle (only up to 100,000 facts: it takes
#     minutes and gigabytes beyond);
#   - sha256sum of every file of the release: the floor of any check that reads them.
# and prints one Markdown table per size, with the ratios the README quotes.
#
# pyoxigraph and rdflib are installed in a throwaway virtualenv (removed at the end).
# Set FEATURES=persistent to build factgraph with the on-disk store: the query and
# serve rows then show the first run (which builds the store) and a second one.
# Set KEEP=1 to keep the generated projects (their path is printed); FACTGRAPH_BIN and
# SYNTH_BIN to use prebuilt binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(100000)
FEATURES=${FEATURES:-}
PORT=${PORT:-7391}

# FACTGRAPH_BIN and SYNTH_BIN: use these binaries instead of building them.
if [ -z "${FACTGRAPH_BIN:-}" ] || [ -z "${SYNTH_BIN:-}" ]; then
    cargo build --release --quiet --bin factgraph --example synth ${FEATURES:+--features "$FEATURES"}
    TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
fi
BIN=${FACTGRAPH_BIN:-$TARGET/release/factgraph}
SYNTH=${SYNTH_BIN:-$TARGET/release/examples/synth}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/factgraph-bench.XXXXXX")
SERVER=
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi
    if [ "${KEEP:-}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check pyoxigraph rdflib
PY=$WORK/venv/bin/python
PYOX_VERSION=$("$PY" -c 'import pyoxigraph; print(pyoxigraph.__version__)')
RDFLIB_VERSION=$("$PY" -c 'import rdflib; print(rdflib.__version__)')

cat >"$WORK/pyox.py" <<'EOF'
import sys, time
import pyoxigraph as ox
nq, out = sys.argv[1], sys.argv[2]
start = time.perf_counter()
store = ox.Store()
store.bulk_load(path=nq, format=ox.RdfFormat.N_QUADS)
loaded = time.perf_counter()
store.dump(output=out + ".ttl", format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph())
store.dump(output=out + ".nq", format=ox.RdfFormat.N_QUADS)
print(f"load {loaded - start:.2f}")
EOF
cat >"$WORK/rdflib_bench.py" <<'EOF'
import sys
import rdflib
g = rdflib.Graph()
g.parse(sys.argv[1], format="nt")
g.serialize(destination=sys.argv[2], format="turtle")
EOF

# measure LABEL CMD...: runs CMD under /usr/bin/time -v; sets WALL (s) and RSS (MiB).
measure() {
    local label=$1
    shift
    local code=0
    /usr/bin/time -v "$@" >"$WORK/out" 2>"$WORK/time" || code=$?
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$WORK/time")
    RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$WORK/time")
    if [ "$code" != 0 ]; then
        echo "warning: $label exited $code:" >&2
        tail -n 5 "$WORK/time" "$WORK/out" >&2 || true
    fi
    echo "  $label: ${WALL} s, ${RSS} MiB" >&2
}

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}' if b else '-')" "$1" "$2"; }
row() { printf '| %s | %s s | %s MiB | %s |\n' "$1" "$2" "$3" "${4:-}"; }

for FACTS in "${SIZES[@]}"; do
    SOURCES=$((FACTS / 10 > 0 ? FACTS / 10 : 1))
    P=$WORK/p$FACTS
    echo "== $FACTS facts, $SOURCES sources ==" >&2
    "$SYNTH" "$P" "$FACTS" "$SOURCES" 2>/dev/null
    cd "$P"
    measure check "$BIN" --quiet check
    CHECK=($WALL $RSS)
    measure release "$BIN" --quiet release --date 2025-01-01
    RELEASE=($WALL $RSS)
    # Side by side: pyoxigraph on the same graph.nq right after the release, before the
    # steps that hold a whole store in memory.
    measure "pyoxigraph load + dump" "$PY" "$WORK/pyox.py" exports/v1/graph.nq "$WORK/pyox"
    PYOX=($WALL $RSS)
    PYOX_LOAD=$(awk '/^load/ { print $2 }' "$WORK/out")
    rm -f "$WORK/pyox.ttl" "$WORK/pyox.nq"
    measure "verify (working inputs)" "$BIN" --quiet verify
    VERIFY_WORKING=($WALL $RSS)
    measure "read + hash of the working inputs" sh -c 'find ontology sources -type f -print0 | xargs -0 sha256sum >/dev/null'
    HASH_WORKING=($WALL $RSS)
    measure "verify exports/v1" "$BIN" --quiet verify exports/v1
    VERIFY_RELEASE=($WALL $RSS)
    measure "sha256sum exports/v1/*" sh -c 'sha256sum exports/v1/* >/dev/null'
    FLOOR=($WALL $RSS)
    NQ_BYTES=$(stat -c %s exports/v1/graph.nq)
    QUADS=$(wc -l <exports/v1/graph.nq)
    LAST=$((FACTS - 1))
    LOOKUP="SELECT ?p ?o WHERE { fact:f$LAST ?p ?o }"
    GROUP='SELECT ?p (COUNT(?f) AS ?n) WHERE { ?f a fg:Fact ; rdf:predicate ?p } GROUP BY ?p'
    measure "query --release v1 (lookup)" "$BIN" --quiet query --release v1 "$LOOKUP"
    QUERY1=($WALL $RSS)
    measure "cite --release v1" "$BIN" --quiet cite "f$LAST" --release v1
    CITE=($WALL $RSS)
    QUERY2=(- -)
    if [ -n "$FEATURES" ]; then
        measure "query --release v1 (lookup, store reused)" "$BIN" --quiet query --release v1 "$LOOKUP"
        QUERY2=($WALL $RSS)
    fi

    # serve: time to the first answer, then one lookup and one GROUP BY. A server that
    # dies (an in-memory store of millions of quads can outgrow the machine) is a row
    # saying so, not the end of the benchmark.
    start=$(date +%s.%N)
    "$BIN" --quiet serve --release v1 --bind "127.0.0.1:$PORT" --timeout 600 2>/dev/null &
    SERVER=$!
    SERVE_LOAD=died SERVE_LOOKUP=- SERVE_GROUP=- SERVE_RSS=-
    until curl -sf -o /dev/null "http://127.0.0.1:$PORT/sparql?query=ASK%7B%7D"; do
        if ! kill -0 "$SERVER" 2>/dev/null; then
            echo "warning: serve died while loading (killed for memory?)" >&2
            SERVER=
            break
        fi
        sleep 0.2
    done
    if [ -n "$SERVER" ]; then
        SERVE_LOAD=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
        SERVE_LOOKUP=$(curl -sf -o /dev/null -w '%{time_total}' -H 'Accept: text/csv' --data-urlencode "query=$LOOKUP" "http://127.0.0.1:$PORT/sparql")
        SERVE_GROUP=$(curl -sf -o /dev/null -w '%{time_total}' -H 'Accept: text/csv' --data-urlencode "query=$GROUP" "http://127.0.0.1:$PORT/sparql")
        SERVE_RSS=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER/status")
        kill "$SERVER"
        wait "$SERVER" 2>/dev/null || true
        SERVER=
    fi
    echo "  serve: ready in $SERVE_LOAD s, lookup $SERVE_LOOKUP s, GROUP BY $SERVE_GROUP s, $SERVE_RSS MiB" >&2

    RDFLIB=(- -)
    if [ "$FACTS" -le 100000 ]; then
        measure "rdflib parse + Turtle" "$PY" "$WORK/rdflib_bench.py" exports/v1/graph.nq "$WORK/rdflib.ttl"
        RDFLIB=($WALL $RSS)
        rm -f "$WORK/rdflib.ttl"
    fi
    cd - >/dev/null

    echo
    echo "### $FACTS facts ($SOURCES sources, $QUADS quads, graph.nq $((NQ_BYTES / 1000000)) MB)"
    echo
    echo "| work | wall | peak RSS | ratio |"
    echo "|---|---|---|---|"
    row "factgraph check" "${CHECK[0]}" "${CHECK[1]}"
    row "factgraph release" "${RELEASE[0]}" "${RELEASE[1]}" "$(ratio "${RELEASE[0]}" "${PYOX[0]}") x pyoxigraph load + dump"
    row "factgraph verify (working inputs)" "${VERIFY_WORKING[0]}" "${VERIFY_WORKING[1]}" "$(ratio "${VERIFY_WORKING[0]}" "${HASH_WORKING[0]}") x reading + hashing them"
    row "factgraph verify exports/v1" "${VERIFY_RELEASE[0]}" "${VERIFY_RELEASE[1]}" "$(ratio "${VERIFY_RELEASE[0]}" "$PYOX_LOAD") x pyoxigraph load"
    row "factgraph query --release v1 (lookup, whole process)" "${QUERY1[0]}" "${QUERY1[1]}" "${FEATURES:+first run: builds the store}"
    if [ -n "$FEATURES" ]; then
        row "factgraph query --release v1 (lookup, store reused)" "${QUERY2[0]}" "${QUERY2[1]}"
    fi
    row "factgraph cite --release v1 (one fact, whole process)" "${CITE[0]}" "${CITE[1]}"
    row "factgraph serve --release v1: ready" "$SERVE_LOAD" "$SERVE_RSS"
    row "… one-subject lookup (curl)" "$SERVE_LOOKUP" "-"
    row "… GROUP BY over all facts (curl)" "$SERVE_GROUP" "-"
    row "pyoxigraph $PYOX_VERSION: bulk load + dump Turtle and N-Quads" "${PYOX[0]}" "${PYOX[1]}"
    row "… of which the load" "$PYOX_LOAD" "-"
    if [ "${RDFLIB[0]}" != - ]; then
        row "rdflib $RDFLIB_VERSION: parse + Turtle" "${RDFLIB[0]}" "${RDFLIB[1]}" "$(ratio "${RDFLIB[0]}" "${RELEASE[0]}") x factgraph release"
    fi
    row "sha256sum of the release (floor)" "${FLOOR[0]}" "${FLOOR[1]}"
    row "sha256sum of the working inputs" "${HASH_WORKING[0]}" "${HASH_WORKING[1]}"
    echo
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); factgraph ${FEATURES:-default} build"
