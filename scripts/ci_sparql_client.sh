#!/usr/bin/env bash
# Starts `factgraph serve` over the repository's sample data on a free loopback port,
# runs the SPARQLWrapper checks against it, stops it. Fails if anything fails.
# Needs: cargo, python3 with SPARQLWrapper (pip install SPARQLWrapper).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${FACTGRAPH_BIN:-}"
if [ -z "$BIN" ]; then
  cargo build --quiet --locked
  BIN="${CARGO_TARGET_DIR:-target}/debug/factgraph"
fi
LOG="$(mktemp)"
"$BIN" serve --root . --bind 127.0.0.1:0 2>"$LOG" &
PID=$!
# SIGTERM, not SIGINT: a background job ignores SIGINT until the server installs its handler.
cleanup() { kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -f "$LOG"; }
trap cleanup EXIT
URL=""
for _ in $(seq 1 300); do
  URL="$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$LOG" | head -n 1 || true)"
  [ -n "$URL" ] && break
  if ! kill -0 "$PID" 2>/dev/null; then echo "factgraph serve exited early:" >&2; cat "$LOG" >&2; exit 1; fi
  sleep 0.1
done
if [ -z "$URL" ]; then echo "factgraph serve did not start within 30 s:" >&2; cat "$LOG" >&2; exit 1; fi
python3 scripts/sparqlwrapper_check.py "$URL"
