#!/usr/bin/env bash
# Validates a release's release.ttl against the DCAT-AP 3 SHACL shapes with pyshacl,
# in a throwaway virtualenv (not part of CI: it needs the shapes and a Python install).
#
#   scripts/dcat_ap_shacl.sh SHAPES_DIR [RELEASE_DIR]
#
# SHAPES_DIR holds the DCAT-AP 3.0.x shapes from https://github.com/SEMICeu/DCAT-AP
# (releases/3.0.1/html/shacl/): shapes.ttl (the cardinality and datatype rules, whose
# violations make a release unusable for catalogues) and, optionally, range.ttl (class
# ranges) and shapes_recommended.ttl (warnings). RELEASE_DIR defaults to the newest
# release (exports/latest). Exit 0 when shapes.ttl reports no violation.
#
# The data graph is release.ttl alone: what a harvester reads. range.ttl expects every
# linked node (licence document, media type...) to be typed in that same graph, which a
# release does not state for vocabularies it only points to (IANA media types, the EU
# file-type authority, Creative Commons licences), so its report is informational.
set -euo pipefail
shapes=${1:?usage: $0 SHAPES_DIR [RELEASE_DIR]}
root=$(cd "$(dirname "$0")/.." && pwd)
release=${2:-$root/exports/$(cat "$root/exports/latest")}
venv=${VENV:-$(mktemp -d)/venv}
if [ ! -x "$venv/bin/pyshacl" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet pyshacl
fi
status=0
echo "== $release/release.ttl against $shapes/shapes.ttl (mandatory rules)"
"$venv/bin/pyshacl" -s "$shapes/shapes.ttl" -df turtle -sf turtle "$release/release.ttl" || status=$?
for extra in range.ttl shapes_recommended.ttl; do
    if [ -f "$shapes/$extra" ]; then
        echo "== informational: $shapes/$extra"
        "$venv/bin/pyshacl" -s "$shapes/$extra" -df turtle -sf turtle "$release/release.ttl" \
            | grep -E "^Conforms|Results \(|Message:" | sort | uniq -c | sort -rn | head -20 || true
    fi
done
exit $status
