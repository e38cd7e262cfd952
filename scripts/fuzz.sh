#!/usr/bin/env bash
# Runs each cargo-fuzz target (fuzz/fuzz_targets/) for a fixed time and prints, per
# target, the executions and whether it found a crash.
#
#   scripts/fuzz.sh            # 60 s per target
#   scripts/fuzz.sh 300        # 5 minutes per target
#
# Needs a nightly toolchain (`rustup toolchain install nightly`) and cargo-fuzz
# (`cargo install cargo-fuzz`). The corpus starts from the sample data and the example
# queries; findings go to fuzz/artifacts/<target>/, logs to fuzz/logs/.
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/fuzz"
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$HOME/.cache/factgraph/target-fuzz}
mkdir -p logs corpus/facts_table corpus/sources_table corpus/ontology corpus/query
cp -n "$root/sources/facts.csv" corpus/facts_table/sample.csv 2>/dev/null || true
cp -n "$root/sources/sources.csv" corpus/sources_table/sample.csv 2>/dev/null || true
for f in "$root"/ontology/*.ttl; do cp -n "$f" corpus/ontology/ 2>/dev/null || true; done
for f in "$root"/queries/*.rq; do cp -n "$f" corpus/query/ 2>/dev/null || true; done
for f in "$root"/tests/hostile/*/files/sources/facts.csv; do
  [ -f "$f" ] && cp -n "$f" "corpus/facts_table/$(basename "$(dirname "$(dirname "$(dirname "$f")")")").csv" || true
done

cargo +nightly fuzz build -O >/dev/null
status=0
for target in facts_table sources_table ontology query; do
  log="logs/$target.log"
  if cargo +nightly fuzz run -O "$target" "corpus/$target" -- \
      -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
      >"$log" 2>&1; then
    verdict="no crash"
  else
    verdict="FAILED (see $log and fuzz/artifacts/$target/)"
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  printf '%-14s %3ss  %10s executions  %s\n' "$target" "$seconds" "$runs" "$verdict"
done
exit $status
