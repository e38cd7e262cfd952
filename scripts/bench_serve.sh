#!/usr/bin/env bash
# Benchmark of `factgraph serve` with wrk on loopback (not a test: figures vary by machine).
#
# Usage: scripts/bench_serve.sh [FACTS=100000] [DURATION=15s] [CONNECTIONS=8]
# Serves, as releases (`factgraph release`, then `serve --release v1`): the repository's sample data, and a synthetic
# project of FACTS facts over 1,000 sources (`cargo run --release --example synth`); for each, runs a subject lookup and a
# GROUP BY for DURATION with CONNECTIONS keep-alive connections, and prints requests/s
# and p50/p99 latency. Needs wrk (apt-get install wrk), python3 and bc.
set -euo pipefail
cd "$(dirname "$0")/.."
FACTS="${1:-100000}"; DURATION="${2:-15s}"; CONNECTIONS="${3:-8}"
cargo build --release --quiet --bin factgraph --example synth
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c "import json,sys; print(json.load(sys.stdin)['target_directory'])")
BIN="$TARGET/release/factgraph"
WORK="$(mktemp -d)"
PID=""
# SIGTERM, not SIGINT: a background job ignores SIGINT until the server installs its handler.
cleanup() { if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; rm -rf "$WORK"; }
trap cleanup EXIT

mkdir -p "$WORK/sample"
cp -r ontology sources "$WORK/sample/"
"$BIN" --root "$WORK/sample" release --date 2025-01-01 >/dev/null
"$TARGET/release/examples/synth" "$WORK/synthetic" "$FACTS" 1000 2>/dev/null
start=$(date +%s.%N)
"$BIN" --root "$WORK/synthetic" release --date 2025-01-01 >/dev/null
echo "synthetic: $FACTS facts, release took $(echo "$(date +%s.%N) - $start" | bc) s," \
     "graph.nq $(wc -l < "$WORK/synthetic/exports/v1/graph.nq") quads"

encode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
GROUP_BY='PREFIX fg: <https://w3id.org/factgraph/ontology#> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> SELECT ?p (COUNT(?f) AS ?n) WHERE { ?f a fg:Fact ; rdf:predicate ?p } GROUP BY ?p'

printf '\n| dataset | query | requests/s | p50 | p99 |\n|---|---|---|---|---|\n'
for name in sample synthetic; do
  dir="$WORK/$name"
  fact_id="$(sed -n '2p' "$dir/sources/facts.csv" | cut -d, -f1)"
  LOOKUP="SELECT ?p ?o WHERE { <https://w3id.org/factgraph/fact/$fact_id> ?p ?o }"
  log="$WORK/$name.log"; : >"$log"
  loaded=$(date +%s.%N)
  "$BIN" --root "$dir" serve --release v1 --bind 127.0.0.1:0 --quiet 2>"$log" &
  PID=$!
  url=""
  for _ in $(seq 1 1200); do
    url="$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$log" | head -n 1 || true)"
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$log" >&2; exit 1; }
  echo "$name: ready in $(echo "$(date +%s.%N) - $loaded" | bc) s: $(head -n 1 "$log")" >&2
  for q in lookup group_by; do
    if [ "$q" = lookup ]; then text="$LOOKUP"; else text="$GROUP_BY"; fi
    out="$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency \
      -H 'Accept: application/sparql-results+json' "$url/sparql?query=$(encode "$text")")"
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
    p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    errors="$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)"
    printf '| %s | %s | %s | %s | %s |%s\n' "$name" "$q" "$rps" "$p50" "$p99" "${errors:+ $errors}"
  done
  kill -INT "$PID"; wait "$PID" || true; PID=""
done
