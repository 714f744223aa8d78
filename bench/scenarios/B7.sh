# B7: Hangfire beside the engine. No-op jobs through Hangfire.PostgreSql, configured as BatchEditor's workers configure
# it (bench/HangfireBench): jobs/s enqueued and processed, with the workers' default Hangfire worker count (4) and with
# 16, and database transactions per job, beside B2's items/s and pgbench in the same run. This is why item steps stay on
# the engine and Hangfire runs the rest (docs/architecture.md).
run_B7() {
  local n=$b7_jobs
  [ -n "${b2_items_per_second:-}" ] || run_B2
  local workers
  for workers in 4 16; do
    bench_db "b7w$workers"
    local t0; t0=$(xacts)
    local enqueue; enqueue=$(hangfire_bench enqueue "$n")
    local t1; t1=$(xacts)
    local process; process=$(Jobs__WorkerCount=$workers hangfire_bench process "$n")
    local t2; t2=$(xacts)
    [ "$(pg -c "select count(*) from hangfire.job where statename = 'Succeeded'")" = "$n" ] || { echo "not every job succeeded"; return 1; }
    if [ "$workers" = 4 ]; then
      record B7 "Hangfire no-op jobs/s enqueued ($n jobs, 8 callers)" "$(calc "$n / $enqueue" 0)" "transactions per enqueue: $(calc "($t1 - $t0) / $n" 1)" "—"
    fi
    record B7 "Hangfire no-op jobs/s processed ($workers Hangfire workers)" "$(calc "$n / $process" 0)" \
      "engine (B2): $b2_items_per_second items/s, each item 3+ steps; pgbench $b2_tps TPS" "—"
    record B7 "transactions per processed job ($workers Hangfire workers)" "$(calc "($t2 - $t1) / $n" 1)" \
      "engine (B2): $b2_transactions_per_item per item, all its steps" "—"
  done
}

# xacts: commits + rollbacks so far in the current scenario's database.
xacts() { pg -c "select xact_commit + xact_rollback from pg_stat_database where datname = '$bench_db_name'"; }

hangfire_bench() { dotnet bench/HangfireBench/bin/Release/net10.0/hangfire-bench.dll "$@"; }
