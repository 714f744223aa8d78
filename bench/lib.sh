# Helpers for bench/run.sh and its scenarios (bench/scenarios/B*.sh). Source it after scripts/lib.sh.
# One private PostgreSQL cluster for the whole run, a fresh database per scenario, the provider simulator per scenario.

bench_root=/var/tmp/batch-editor-bench-run
bench_pg_port=${BENCH_PG_PORT:-15452}
bench_sim_port=${BENCH_SIM_PORT:-15453}
bench_results=$bench_root/results.tsv
sim_pid=

bench_start() {
  ensure_postgres
  stop_private_postgres "$bench_root/pg"
  rm -rf "$bench_root"; mkdir -p "$bench_root"; chmod 755 "$bench_root"
  start_private_postgres "$bench_root/pg" "$bench_pg_port"
  : > "$bench_results"
  echo "==> building"
  dotnet build BatchEditor.sln -c Release -v quiet --nologo -clp:ErrorsOnly
}

# Stops what the run started and deletes its folder (B4 leaves gigabytes of outputs), unless KEEP=1.
bench_stop() {
  stop_sim
  stop_private_postgres "$bench_root/pg"
  [ "${KEEP:-}" = 1 ] || rm -rf "$bench_root"
}

cli() { dotnet src/BatchEditor.Host/bin/Release/net10.0/batch-editor.dll "$@"; }

# bench_db NAME: a fresh, migrated database NAME; the CLI's settings point at it, with file-system storage and the
# simulator as PixelDojo (caps lifted; a scenario sets its own).
bench_db() {
  local name=$1
  pg -d postgres -c "drop database if exists $name" -c "create database $name" >/dev/null
  bench_db_name=$name
  export ConnectionStrings__BatchEditor="Host=127.0.0.1;Port=$bench_pg_port;Username=postgres;Database=$name"
  export Storage__Kind=FileSystem Storage__Root="$bench_root/outputs-$name"
  export Downloads__AllowPrivateNetworks=true Logging__LogLevel__Default=Warning
  export Providers__PixelDojo__BaseUrl="http://127.0.0.1:$bench_sim_port/pixeldojo/api/v1" Providers__PixelDojo__ApiKey=bench
  export Providers__PixelDojo__MaxConcurrency=10000 Providers__PixelDojo__RequestsPerMinute=100000
  cli migrate >/dev/null
}

# pg ARGS…: psql on the bench cluster (the current scenario's database unless -d is given).
pg() { "$(pg_bin)/psql" -h 127.0.0.1 -p "$bench_pg_port" -U postgres -d "${bench_db_name:-postgres}" -v ON_ERROR_STOP=1 -qtA "$@"; }

# start_sim LATENCY [ARGS…]: the provider simulator with jobs of LATENCY (e.g. 00:00:08), small images.
start_sim() {
  stop_sim
  dotnet src/BatchEditor.ProviderSim/bin/Release/net10.0/provider-sim.dll --urls "http://127.0.0.1:$bench_sim_port" \
    --Sim:JobLatency "$1" --Sim:ImageScale 0.05 "${@:2}" >"$bench_root/sim.log" 2>&1 &
  sim_pid=$!
  wait_for_port 127.0.0.1 "$bench_sim_port" 30
}

stop_sim() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; sim_pid=; fi
}

sim_stat() { curl -s "http://127.0.0.1:$bench_sim_port/_sim/stats" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }

# manifest_csv N FILE TAG: a manifest of N rows.
manifest_csv() {
  awk -v n="$1" -v tag="$3" 'BEGIN { print "id,image_url,prompt,quality"
    for (i = 1; i <= n; i++) printf "%s-%07d,https://images.example-shop.com/p/%d.jpg,Place product %d on a pale grey backdrop (%s),medium\n", tag, i, i, i, tag }' > "$2"
}

# record ID WHAT VALUE REFERENCE TARGET: one line of the results table.
record() { printf "%s\t%s\t%s\t%s\t%s\n" "$@" >> "$bench_results"; printf "    %-4s %-44s %s   (%s; target %s)\n" "$@"; }

# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# Items' timeline in the current database: when each was claimed, seen done and stored.
timeline_sql="
  with t as (
    select i.id, i.submitted_at, i.poll_count,
           (select min(h.at) from item_history h where h.item_id = i.id and h.to_state = 'Submitting') as claimed,
           (select min(h.at) from item_history h where h.item_id = i.id and h.to_state = 'Copying') as seen_done,
           (select min(h.at) from item_history h where h.item_id = i.id and h.to_state = 'Succeeded') as stored
    from items i)"
