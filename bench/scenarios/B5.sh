# B5: the dashboard and API at scale (bench/dashboard.sh: its own seeded cluster): the worst p95 over every page and query.
run_B5() {
  ITEMS=$b5_items RUNS=$b5_runs bash bench/dashboard.sh | tee "$bench_root/b5.log" | sed 's/^/    /'
  local worst; worst=$(sed -n 's/^worst p95: \([0-9]*\) ms.*/\1/p' "$bench_root/b5.log")
  record B5 "dashboard/API worst p95 ($b5_items items)" "$worst ms" "server time + a loopback round trip (curl)" "< 300 ms"
}
