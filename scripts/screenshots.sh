#!/usr/bin/env bash
# Screenshots of a fact page and a source page of the static site, taken by headless
# Chromium from file:// (so they also show that the site needs no server).
# Usage: scripts/screenshots.sh [OUT_DIR] [FACT_ID]   (default: screenshots/, astana-021)
# Needs: chromium (Debian package `chromium`), cargo. Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-screenshots}"
FACT="${2:-astana-021}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium is not installed (apt-get install chromium)" >&2
  exit 2
fi
BIN="${FACTGRAPH_BIN:-}"
if [ -z "$BIN" ]; then
  cargo build --quiet --locked
  BIN="${CARGO_TARGET_DIR:-target}/debug/factgraph"
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$BIN" site --root . --release latest --out "$WORK/site" >/dev/null
SOURCE="$(ls "$WORK/site/source/" | sed -n 's/\.html$//p' | head -n 1)"
shot() { # $1: page under the site, $2: PNG name, $3: window height
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$WORK/profile" --hide-scrollbars --window-size="1280,$3" \
    --screenshot="$OUT/$2" "file://$WORK/site/$1" 2>/dev/null
  echo "wrote $OUT/$2 (file://…/site/$1)"
}
shot "fact/$FACT.html" "fact-$FACT.png" 2000
shot "source/$SOURCE.html" "source-$SOURCE.png" 2400
shot "index.html" "index.png" 1200
# The search box works from file:// (no server): open the index with ?q= and count the
# list items left visible.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$WORK/profile" --dump-dom "file://$WORK/site/index.html?q=turkey%20guarantor" \
  2>/dev/null >"$WORK/dom.html"
TOTAL="$(grep -c '<li data-search' "$WORK/dom.html")"
SHOWN="$(grep '<li data-search' "$WORK/dom.html" | grep -vc ' hidden' || true)"
echo "search 'turkey guarantor' from file://: $SHOWN of $TOTAL list items shown"
[ "$SHOWN" -ge 1 ] && [ "$SHOWN" -lt "$TOTAL" ]
