#!/usr/bin/env bash
# `factgraph push` against a real Virtuoso (Debian's virtuoso-opensource): starts one on
# free loopback ports with its files in a temporary directory, then
#   1. pushes the sample release (exports/v1) through the Graph Store Protocol endpoint
#      with Digest authentication (a fresh dba password, from the environment only),
#   2. queries it back over HTTP (SPARQL protocol) and checks facts and a quote,
#   3. pushes it again (idempotent: same counts),
#   4. pushes the second committed release (exports/v2) into its own graph,
#      leaving the first graph as it was,
# and stops Virtuoso. Fails if anything fails. Needs: root (apt-get) or virtuoso-t, curl,
# python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

if ! command -v virtuoso-t >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq virtuoso-opensource >/dev/null
fi
BIN="${FACTGRAPH_BIN:-}"
if [ -z "$BIN" ]; then
  cargo build --quiet --locked
  BIN="${CARGO_TARGET_DIR:-target}/debug/factgraph"
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

WORK="$(mktemp -d)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
SQL_PORT="$(free_port)"
HTTP_PORT="$(free_port)"
while [ "$HTTP_PORT" = "$SQL_PORT" ]; do HTTP_PORT="$(free_port)"; done
VSP=/var/lib/virtuoso-opensource-7/vsp
[ -d "$VSP" ] || VSP="$WORK"
cat >"$WORK/virtuoso.ini" <<EOF
[Database]
DatabaseFile       = $WORK/virtuoso.db
ErrorLogFile       = $WORK/virtuoso.log
LockFile           = $WORK/virtuoso.lck
TransactionFile    = $WORK/virtuoso.trx
xa_persistent_file = $WORK/virtuoso.pxa
TempStorage        = TempDatabase
[TempDatabase]
DatabaseFile       = $WORK/virtuoso-temp.db
TransactionFile    = $WORK/virtuoso-temp.trx
[Parameters]
ServerPort         = 127.0.0.1:$SQL_PORT
DisableUnixSocket  = 1
NumberOfBuffers    = 20000
MaxDirtyBuffers    = 15000
DirsAllowed        = ., $WORK
[HTTPServer]
ServerPort         = 127.0.0.1:$HTTP_PORT
ServerRoot         = $VSP
ServerThreads      = 4
MaxClientConnections = 4
[SPARQL]
ResultSetMaxRows   = 100000
MaxQueryExecutionTime = 60
EOF

virtuoso-t +configfile "$WORK/virtuoso.ini" +foreground >"$WORK/stdout.log" 2>&1 &
VPID=$!
cleanup() {
  kill -TERM "$VPID" 2>/dev/null || true
  wait "$VPID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

BASE="http://127.0.0.1:$HTTP_PORT"
for _ in $(seq 1 120); do
  curl -sf -o /dev/null "$BASE/sparql?query=ASK%7B%7D" && break
  if ! kill -0 "$VPID" 2>/dev/null; then echo "virtuoso exited early:" >&2; cat "$WORK/stdout.log" >&2; exit 1; fi
  sleep 0.5
done
curl -sf -o /dev/null "$BASE/sparql?query=ASK%7B%7D" || { echo "virtuoso did not answer within 60 s" >&2; cat "$WORK/stdout.log" >&2; exit 1; }
echo "virtuoso $(virtuoso-t -? 2>&1 | sed -n 's/.*Version \([^ ]*\).*/\1/p' | head -n 1) on $BASE"

# A fresh password for dba, so the check below can tell it never leaks.
PASSWORD="fg-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
isql-vt "127.0.0.1:$SQL_PORT" dba dba exec="USER_SET_PASSWORD('dba', '$PASSWORD');" >/dev/null

GSP="$BASE/sparql-graph-crud-auth"
SPARQL="$BASE/sparql"
V1=https://w3id.org/factgraph/release/v1

count() { # $1: graph IRI, $2: optional triple pattern
  local pattern="${2:-?s ?p ?o}"
  curl -sf "$SPARQL" -H 'Accept: text/csv' \
    --data-urlencode "query=SELECT (COUNT(*) AS ?n) WHERE { GRAPH <$1> { $pattern } }" | tail -n 1 | tr -d '"\r'
}
lines() { wc -l <"$1" | tr -d ' '; }

echo "--- without credentials the store's 401 is explained"
if "$BIN" push --root "$ROOT" --release v1 --endpoint "$GSP" >"$WORK/out.txt" 2>&1; then
  echo "push without credentials succeeded" >&2; exit 1
fi
grep -q FACTGRAPH_PUSH_USER "$WORK/out.txt"

export FACTGRAPH_PUSH_USER=dba FACTGRAPH_PUSH_PASSWORD="$PASSWORD"

echo "--- 1. push the sample release (small batches, so PUT then POSTs)"
"$BIN" push --root "$ROOT" --release v1 --endpoint "$GSP" --sparql "$SPARQL" --batch-size 400 2>&1 | tee "$WORK/push1.txt"
EXPECTED="$(lines exports/v1/graph.nq)"
[ "$(count "$V1")" = "$EXPECTED" ] || { echo "graph <$V1> holds $(count "$V1") triples, expected $EXPECTED" >&2; exit 1; }

echo "--- 2. query it back over HTTP"
FACTS="$(count "$V1" '?f a <https://w3id.org/factgraph/ontology#Fact>')"
[ "$FACTS" = 49 ] || { echo "expected 49 facts, found $FACTS" >&2; exit 1; }
QUOTE="$(curl -sf "$SPARQL" -H 'Accept: text/csv' --data-urlencode "query=PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?q WHERE { GRAPH <$V1> { <https://w3id.org/factgraph/fact/astana-021#quote> oa:exact ?q } }" | tail -n 1)"
[ "$QUOTE" = '"The last round of the Astana process was held on January 25 of last year"' ] || { echo "unexpected quote: $QUOTE" >&2; exit 1; }
# The default endpoint reads the graph back instead of counting with SPARQL.
"$BIN" push --root "$ROOT" --release v1 --endpoint "$GSP" 2>&1 | tee "$WORK/push1b.txt" | tail -n 1

echo "--- 3. push again: idempotent"
"$BIN" push --root "$ROOT" --release v1 --endpoint "$GSP" --sparql "$SPARQL" 2>&1 | tee "$WORK/push2.txt" | tail -n 1
[ "$(count "$V1")" = "$EXPECTED" ] || { echo "after a second push <$V1> holds $(count "$V1") triples" >&2; exit 1; }

echo "--- 4. a second release into its own graph"
# The committed v2 is the second release: pushing it must leave v1's graph as it was.
PROJECT="$ROOT"
V2=https://w3id.org/factgraph/release/v2
"$BIN" push --root "$PROJECT" --release v2 --endpoint "$GSP" --sparql "$SPARQL" 2>&1 | tee "$WORK/push3.txt" | tail -n 1
[ "$(count "$V2")" = "$(lines "$PROJECT/exports/v2/graph.nq")" ] || { echo "graph <$V2> has the wrong count" >&2; exit 1; }
V2_FACTS=$(grep -c '^<[^>]*> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/factgraph/ontology#Fact> ' "$PROJECT/exports/v2/graph.nq")
[ "$(count "$V2" '?f a <https://w3id.org/factgraph/ontology#Fact>')" = "$V2_FACTS" ] || { echo "v2 should have $V2_FACTS facts" >&2; exit 1; }
[ "$(count "$V1")" = "$EXPECTED" ] || { echo "pushing v2 changed <$V1>" >&2; exit 1; }

echo "--- the password appears in no output"
if grep -l -- "$PASSWORD" "$WORK"/*.txt; then echo "the password leaked into the output" >&2; exit 1; fi

echo "virtuoso: every push check passed"
