#!/usr/bin/env bash
# The second, independent proof checker on real proofs: releases the repository's sample
# data in a throwaway copy, writes an inclusion proof of every fact with
# `factgraph cite --proof --format json`, and checks each with scripts/verify_proof.py
# (Python standard library only) against the release's release.ttl. Then checks that a
# proof with one flipped hex digit, and a proof checked against another root, are
# refused. Fails if anything fails. Needs: cargo, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${FACTGRAPH_BIN:-}"
if [ -z "$BIN" ]; then
  cargo build --quiet --locked
  BIN="${CARGO_TARGET_DIR:-target}/debug/factgraph"
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp -r ontology sources project.ttl "$WORK/"
"$BIN" --root "$WORK" release --date 2026-11-29 >/dev/null
TTL="$WORK/exports/v1/release.ttl"
ids=$(python3 -c 'import csv,sys; print("\n".join(r["fact_id"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))))' "$WORK/exports/v1/facts.csv")
n=0
for id in $ids; do
  "$BIN" --root "$WORK" cite "$id" --release v1 --proof --format json >"$WORK/$id.json"
  python3 scripts/verify_proof.py "$WORK/$id.json" --release-ttl "$TTL" >/dev/null
  n=$((n + 1))
done
echo "verify_proof.py: $n proof(s) of the sample release proved"

first=$(echo "$ids" | head -n 1)
python3 - "$WORK/$first.json" "$WORK/flipped.json" <<'PY'
import json, sys
proof = json.load(open(sys.argv[1]))
h = proof["audit_path"][0]
proof["audit_path"][0] = ("1" if h[0] != "1" else "2") + h[1:]
json.dump(proof, open(sys.argv[2], "w"))
PY
if python3 scripts/verify_proof.py "$WORK/flipped.json" --release-ttl "$TTL" 2>/dev/null; then
  echo "verify_proof.py accepted a proof with a flipped sibling" >&2; exit 1
fi
if python3 scripts/verify_proof.py "$WORK/$first.json" --merkle-root "$(printf '0%.0s' $(seq 64))" 2>/dev/null; then
  echo "verify_proof.py accepted a proof against another root" >&2; exit 1
fi
echo "verify_proof.py: a flipped sibling and a foreign root are refused"
