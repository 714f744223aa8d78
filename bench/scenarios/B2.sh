# B2: engine throughput. N items, an instant simulator, no caps, one worker at concurrency 64: items per second end to
# end (submit, poll, copy, ledger), and database transactions per item, beside pgbench's simple-update TPS here.
run_B2() {
  local n=$b2_items
  bench_db b2
  start_sim 00:00:00
  manifest_csv "$n" "$bench_root/b2.csv" b2
  cli submit "$bench_root/b2.csv" --name b2 --provider pixeldojo >/dev/null
  local before; before=$(pg -c "select xact_commit + xact_rollback from pg_stat_database where datname = 'b2'")
  cli worker --until-idle --concurrency 64 > "$bench_root/b2-worker.log" 2>&1 || { cat "$bench_root/b2-worker.log"; return 1; }
  local after; after=$(pg -c "select xact_commit + xact_rollback from pg_stat_database where datname = 'b2'")
  local ok; ok=$(pg -c "select count(*) from items where state = 'Succeeded'")
  [ "$ok" = "$n" ] || { echo "only $ok of $n items succeeded"; return 1; }
  local seconds; seconds=$(pg -c "$timeline_sql select extract(epoch from max(stored) - min(claimed)) from t")
  stop_sim

  # The reference: pgbench's simple-update (-N) on the same cluster, 8 clients.
  pg -d postgres -c "drop database if exists pgbench" -c "create database pgbench" >/dev/null
  "$(pg_bin)/pgbench" -h 127.0.0.1 -p "$bench_pg_port" -U postgres -i -q -s 10 pgbench >/dev/null 2>&1
  local tps; tps=$("$(pg_bin)/pgbench" -h 127.0.0.1 -p "$bench_pg_port" -U postgres -N -c 8 -j 2 -T "$b2_pgbench_seconds" pgbench 2>/dev/null \
    | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
  # Kept for B7, which sets Hangfire's figures beside these.
  b2_items_per_second=$(calc "$n / $seconds" 0) b2_tps=$(calc "$tps" 0) b2_transactions_per_item=$(calc "($after - $before) / $n" 1)
  record B2 "items/s end to end ($n items, concurrency 64)" "$b2_items_per_second" "pgbench simple-update: $b2_tps TPS" "≥ 500"
  record B2 "transactions per item" "$b2_transactions_per_item" "pg_stat_database commits + rollbacks during the run" "—"
}
