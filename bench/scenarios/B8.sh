# B8: are quotes right? A warm-up batch teaches the job time; then a quote of the next manifest (cost, finish time) is
# compared with what running it books and takes. Finish: from the first claim to the last job found done (a quote
# leaves the copies out: they hold no provider slot).
run_B8() {
  local warm=$b8_warmup n=$b8_items cap=$b8_cap latency=$b8_latency
  bench_db b8
  start_sim "00:00:$(printf %02d "$latency")"
  export Providers__PixelDojo__MaxConcurrency=$cap Providers__PixelDojo__CreditPriceUsd=0.01
  manifest_csv "$warm" "$bench_root/b8-warm.csv" warm
  cli submit "$bench_root/b8-warm.csv" --name b8-warm --provider pixeldojo >/dev/null
  cli worker --until-idle --concurrency 64 > "$bench_root/b8-warm.log" 2>&1

  manifest_csv "$n" "$bench_root/b8.csv" quoted
  cli quote "$bench_root/b8.csv" --provider pixeldojo --json > "$bench_root/b8-quote.json"
  local q_credits q_seconds q_job q_learned
  q_credits=$(sed -n 's/.*"total": *{ *"credits": *\([0-9.]*\).*/\1/p' <(tr -d '\n' < "$bench_root/b8-quote.json"))
  q_seconds=$(tr -d '\n' < "$bench_root/b8-quote.json" | sed -n 's/.*"total":.*"finishSeconds": *\([0-9.]*\).*/\1/p')
  q_job=$(tr -d '\n' < "$bench_root/b8-quote.json" | sed -n 's/.*"jobTimeSeconds": *\([0-9.]*\).*/\1/p')
  q_learned=$(tr -d '\n' < "$bench_root/b8-quote.json" | sed -n 's/.*"learnedFrom": *\([0-9]*\).*/\1/p')
  cli submit "$bench_root/b8.csv" --name b8 --provider pixeldojo >/dev/null
  cli worker --until-idle --concurrency 64 > "$bench_root/b8-worker.log" 2>&1
  local credits took
  credits=$(pg -c "select sum(l.credits) from usage_ledger l join manifests m on m.id = l.manifest_id where m.name = 'b8'")
  took=$(pg -c "$timeline_sql
    select extract(epoch from max(seen_done) - min(claimed)) from t join items i using (id) join manifests m on m.id = i.manifest_id where m.name = 'b8'")
  stop_sim
  record B8 "quote's cost ÷ booked ($n items)" "$(calc "$q_credits / $credits" 3)" "quoted $q_credits credits, booked $credits" "within 5 %"
  record B8 "quote's finish time ÷ actual (cap $cap, ${latency} s jobs)" "$(calc "$q_seconds / $took" 2)" \
    "quoted $(calc "$q_seconds" 1) s (job time $q_job s: median of the last $q_learned of $warm warm-up jobs), took $(calc "$took" 1) s" "within 25 %"
}
