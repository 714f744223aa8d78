# B1: does the worker keep a provider's paid capacity busy? N items, a provider cap, jobs of a fixed latency, default
# poll settings. Ideal makespan: N ÷ cap × latency. Also B6's baseline (B6.sh runs the same with several workers).

# makespan_run NAME WORKERS: runs the B1 batch with WORKERS worker processes; sets makespan, ideal, utilisation, polls_*,
# stored_p95 and max_connections.
makespan_run() {
  local name=$1 workers=$2 n=$b1_items cap=$b1_cap latency=$b1_latency
  bench_db "$name"
  start_sim "00:00:$(printf %02d "$latency")"
  export Providers__PixelDojo__MaxConcurrency=$cap
  manifest_csv "$n" "$bench_root/$name.csv" "$name"
  cli submit "$bench_root/$name.csv" --name "$name" --provider pixeldojo >/dev/null
  # Connections to this database, sampled while the workers run.
  ( while :; do pg -c "select count(*) - 1 from pg_stat_activity where datname = '$name'"; sleep 0.2; done ) > "$bench_root/$name-connections" 2>/dev/null &
  local sampler=$! pids=() w
  # 64 steps shared among the workers, plus 8 each so a worker's own polls and copies never wait for its submits.
  for ((w = 0; w < workers; w++)); do
    cli worker --until-idle --concurrency $((64 / workers + 8)) > "$bench_root/$name-worker-$w.log" 2>&1 & pids+=($!)
  done
  for w in "${pids[@]}"; do wait "$w" || { echo "a worker failed:"; cat "$bench_root/$name"-worker-*.log; return 1; }; done
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  local ok; ok=$(pg -c "select count(*) from items where state = 'Succeeded'")
  [ "$ok" = "$n" ] || { echo "only $ok of $n items succeeded"; return 1; }
  IFS='|' read -r makespan polls_mean polls_max stored_p95 < <(pg -c "$timeline_sql
    select extract(epoch from max(stored) - min(claimed)),
           round(avg(poll_count), 2), max(poll_count),
           extract(epoch from percentile_cont(0.95) within group (order by stored - (submitted_at + interval '$latency seconds')))
    from t")
  ideal=$(calc "$n / $cap * $latency" 1)
  # A slot is used while its job runs at the provider (latency): idle while it waits to be submitted or to be found done.
  utilisation=$(calc "100 * $n * $latency / ($cap * $makespan)" 1)
  makespan=$(calc "$makespan" 1)
  max_connections=$(sort -n "$bench_root/$name-connections" | tail -1)
  sim_polls=$(sim_stat polls) sim_submits=$(sim_stat submits)
  stop_sim
}

run_B1() {
  makespan_run b1 1
  b1_makespan=$makespan b1_connections=$max_connections
  local bound=$(( (b1_latency + 1) / 2 + 1 )) # ⌈latency ÷ MinPollInterval (2 s)⌉ + 1
  record B1 "makespan ÷ ideal ($b1_items items, cap $b1_cap, ${b1_latency} s jobs)" "$(calc "$makespan / $ideal")" "${makespan} s ÷ ideal ${ideal} s" "≤ 1.05"
  record B1 "slot utilisation" "${utilisation} %" "time jobs ran at the provider ÷ (cap × makespan)" "≥ 95 %"
  record B1 "status requests per job (mean / max)" "${polls_mean} / ${polls_max}" "simulator counted $(calc "$sim_polls / $sim_submits") per job; bound ⌈latency ÷ 2 s⌉ + 1 = $bound" "max ≤ $bound"
  record B1 "completion → stored, p95" "$(calc "$stored_p95") s" "from the job's completion at the provider" "—"
}
