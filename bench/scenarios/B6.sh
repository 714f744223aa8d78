# B6: scale-out. B1's batch with three worker processes on one database, against B1 with one.
run_B6() {
  [ -n "${b1_makespan:-}" ] || { makespan_run b6base 1; b1_makespan=$makespan b1_connections=$max_connections; }
  makespan_run b6 3
  record B6 "makespan, 3 workers ÷ 1 worker" "$(calc "$makespan / $b1_makespan")" "${makespan} s ÷ ${b1_makespan} s" "≤ 1.02"
  record B6 "connections at peak (1 worker / 3 workers)" "${b1_connections} / ${max_connections}" "pg_stat_activity, sampled every 0.2 s" "—"
}
