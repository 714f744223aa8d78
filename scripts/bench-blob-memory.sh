#!/usr/bin/env bash
# Benchmark: the worker copies 200 outputs of 20 MB, then of 2 MB, at concurrency 16 from the provider simulator
# into Azurite, and prints its peak RSS for each (GNU time's maximum resident set size of the worker process).
# Budget (issue 4): under 300 MB at 20 MB, and 2 MB vs 20 MB within 50 MB of each other. Exits 1 over budget.
#   bash scripts/bench-blob-memory.sh            (BENCH_OUTPUTS=N to change the count)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
count=${BENCH_OUTPUTS:-200}
pg_port=25432 sim_port=25089 blob_port=25000
ensure_postgres
ensure_azurite
work=$(mktemp -d /var/tmp/batch-editor-bench-XXXX)
chmod 755 "$work"
sim_pid="" azurite_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  [ -n "$azurite_pid" ] && kill "$azurite_pid" 2>/dev/null || true
  stop_private_postgres "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT

start_private_postgres "$work/pg" "$pg_port"
dotnet build BatchEditor.sln -c Release -v quiet --nologo -clp:ErrorsOnly
cli() { dotnet src/BatchEditor.Host/bin/Release/net10.0/batch-editor.dll "$@"; }

node node_modules/azurite/dist/src/blob/main.js --blobHost 127.0.0.1 --blobPort "$blob_port" --location "$work/azurite" \
  --skipApiVersionCheck --disableTelemetry --loose >"$work/azurite.log" 2>&1 &
azurite_pid=$!
wait_for_port 127.0.0.1 "$blob_port" 60

export ConnectionStrings__BatchEditor="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
export Storage__Kind=AzureBlob Storage__Container=bench
export Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;"
export Worker__Concurrency=16 Worker__IdlePollInterval=00:00:00.250 Logging__LogLevel__Default=Warning
export Providers__PixelDojo__BaseUrl="http://127.0.0.1:$sim_port/pixeldojo/api/v1" Providers__PixelDojo__ApiKey=bench \
  Providers__PixelDojo__MaxConcurrency=64 Providers__PixelDojo__RequestsPerMinute=100000 \
  Providers__PixelDojo__FirstPollDelay=00:00:00.200 Providers__PixelDojo__MinPollInterval=00:00:00.200
cli migrate >/dev/null

declare -A rss
for mb in 20 2; do
  dotnet src/BatchEditor.ProviderSim/bin/Release/net10.0/provider-sim.dll --urls "http://127.0.0.1:$sim_port" \
    --Sim:JobLatency 00:00:00.100 --Sim:ImageScale 0.25 --Sim:OutputPadBytes $((mb * 1000 * 1000)) >/dev/null &
  sim_pid=$!
  wait_for_port 127.0.0.1 "$sim_port" 30
  { echo "id,image_url,prompt"; for i in $(seq 1 "$count"); do echo "B$i,https://img.example.com/$i.jpg,Bench $mb MB output $i"; done; } > "$work/bench-$mb.csv"
  cli submit "$work/bench-$mb.csv" --name "bench-${mb}mb" >/dev/null
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss-$mb" dotnet src/BatchEditor.Host/bin/Release/net10.0/batch-editor.dll worker --until-idle >/dev/null
  seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  succeeded=$(cli status "bench-${mb}mb" | grep -c "Succeeded.*$count" || true)
  rss[$mb]=$(( $(cat "$work/rss-$mb") / 1024 ))
  printf "%3d outputs x %2d MB into Azurite at concurrency 16: worker peak RSS %4d MB, %5.1f s, %6.1f MB/s%s\n" \
    "$count" "$mb" "${rss[$mb]}" "$seconds" "$(awk -v n="$count" -v m="$mb" -v s="$seconds" 'BEGIN { print n * m / s }')" "$([ "$succeeded" = 1 ] && echo "" || echo "  (NOT all succeeded)")"
  [ "$succeeded" = 1 ] || exit 1
  kill "$sim_pid"; wait "$sim_pid" 2>/dev/null || true; sim_pid=""
done

difference=$(( rss[20] - rss[2] )); difference=${difference#-}
echo "peak RSS: 20 MB outputs ${rss[20]} MB (budget 300), 2 MB vs 20 MB differ by $difference MB (budget 50)"
[ "${rss[20]}" -lt 300 ] && [ "$difference" -lt 50 ]
