#!/usr/bin/env bash
# Every speed scenario in one command, each figure beside a reference measured in the same run. Prints a table and
# writes the figures to bench/results/latest.json (latest-small.json for SIZE=small; docs/performance.md records the latest
# full run and the machine).
#   bash bench/run.sh                  # B1–B9 at full size (about 17 minutes on 2 cores)
#   bash bench/run.sh B1 B6            # some of them (figures in bench/results/latest-partial.json)
#   SIZE=small bash bench/run.sh       # small sizes: proves every scenario runs (CI); the figures mean little
#   KEEP=1 bash bench/run.sh B2        # keep the cluster and logs in /var/tmp/batch-editor-bench-run afterwards
#
#   B1  400 items, provider cap 50, 8 s jobs, default poll settings: makespan ÷ ideal, slot use, polls per job
#   B2  5,000 items, instant simulator, no caps, concurrency 64: items/s and transactions per item, beside pgbench
#   B3  100,000-row manifest: import rows/s beside psql \copy of the same file, peak RSS; a 1,000,000-row API upload: web's peak RSS
#   B4  200 outputs of 20 MB and of 2 MB into Azurite and the file system: worker peak RSS
#   B5  1,000,000 items: worst p95 of every dashboard page and API query (bench/dashboard.sh)
#   B6  B1 with three workers ÷ B1 with one; connections at peak
#   B7  Hangfire.PostgreSql no-op jobs/s enqueued and processed, transactions per job, beside B2's items/s (bench/HangfireBench)
#   B8  a quote's cost and finish time beside what running the same manifest books and takes
#   B9  B1 with spread: lognormal job latencies; makespan beside a zero-overhead FIFO schedule of the same jobs, polls per job
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source bench/lib.sh
for f in bench/scenarios/B*.sh; do source "$f"; done

if [ "${SIZE:-full}" = small ]; then
  b1_items=40 b1_cap=10 b1_latency=2 b2_items=300 b2_pgbench_seconds=3 b3_items=5000 b3_upload_items=5000 b4_outputs=10 b5_items=5000 b5_runs=2 b7_jobs=300 b8_warmup=20 b8_items=40 b8_cap=10 b8_latency=2 b9_items=40 b9_cap=10 b9_median=2 b9_p95=5
else
  b1_items=400 b1_cap=50 b1_latency=8 b2_items=5000 b2_pgbench_seconds=20 b3_items=100000 b3_upload_items=1000000 b4_outputs=200 b5_items=1000000 b5_runs=20 b7_jobs=5000 b8_warmup=100 b8_items=300 b8_cap=25 b8_latency=4 b9_items=400 b9_cap=50 b9_median=8.3 b9_p95=20
fi
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(B1 B2 B3 B4 B5 B6 B7 B8 B9)

trap bench_stop EXIT
bench_start
for s in "${scenarios[@]}"; do
  declare -F "run_$s" >/dev/null || { echo "no scenario $s (B1–B9)" >&2; exit 2; }
  echo "==> $s"
  "run_$s"
done

echo
echo "Results (${SIZE:-full} size; $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo); PostgreSQL $("$(pg_bin)/postgres" --version | awk '{print $3}'); $(date -u +%Y-%m-%d)):"
printf "%-4s | %-60s | %-16s | %-70s | %s\n" id what value reference target
awk -F'\t' '{ printf "%-4s | %-60s | %-16s | %-70s | %s\n", $1, $2, $3, $4, $5 }' "$bench_results"
mkdir -p bench/results
json=bench/results/latest.json
# Only a full-size run of every scenario replaces the recorded figures.
[ $# -gt 0 ] && json=bench/results/latest-partial.json
[ "${SIZE:-full}" = small ] && json=bench/results/latest-small.json
awk -F'\t' -v size="${SIZE:-full}" -v when="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v cores="$(nproc)" '
  function q(s) { gsub(/\\/, "\\\\\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
  BEGIN { printf "{\n  \"size\": %s,\n  \"at\": %s,\n  \"cores\": %s,\n  \"figures\": [", q(size), q(when), cores }
  { printf "%s\n    {\"id\": %s, \"what\": %s, \"value\": %s, \"reference\": %s, \"target\": %s}", (NR > 1 ? "," : ""), q($1), q($2), q($3), q($4), q($5) }
  END { print "\n  ]\n}" }' "$bench_results" > "$json"
echo "Written to $json"
