#!/usr/bin/env bash
# Dashboard and API speed at scale: seeds ITEMS items (default 1,000,000) in one manifest plus history, attempts,
# outputs and ledger rows, starts `batch-editor web`, requests every page and API query RUNS times (default 20) and
# prints the p50 / p95 time of each (measured by curl on loopback: server time plus a local round trip).
#   bash bench/dashboard.sh            # 1,000,000 items
#   ITEMS=20000 RUNS=5 bash bench/dashboard.sh
#   KEEP=1 bash bench/dashboard.sh     # keep the seeded cluster afterwards, and reuse it next time (psql on port 15442)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
items=${ITEMS:-1000000}
runs=${RUNS:-20}
port=${BENCH_PG_PORT:-15442}
web_port=${BENCH_WEB_PORT:-15090}
dir=/var/tmp/batch-editor-bench-pg
ensure_postgres
web_pid=
if [ "${KEEP:-}" = 1 ]; then
  trap 'kill $web_pid 2>/dev/null || true' EXIT
else
  rm -rf "$dir"
  trap 'kill $web_pid 2>/dev/null || true; stop_private_postgres "$dir"; rm -rf "$dir"' EXIT
fi
reuse=$([ "${KEEP:-}" = 1 ] && [ -f "$dir/seeded-$items" ] && echo 1 || true)
start_private_postgres "$dir" "$port"
dotnet build src/BatchEditor.Host -c Release -v quiet --nologo -clp:ErrorsOnly
cli() { dotnet src/BatchEditor.Host/bin/Release/net10.0/batch-editor.dll "$@"; }
export ConnectionStrings__BatchEditor="Host=127.0.0.1;Port=$port;Username=postgres;Database=batch_editor"
export Storage__Root=/var/tmp/batch-editor-bench-out Providers__PixelDojo__ApiKey=bench
cli migrate >/dev/null
psql() { "$(pg_bin)/psql" -h 127.0.0.1 -p "$port" -U postgres -d batch_editor -v ON_ERROR_STOP=1 -q "$@"; }

if [ -n "$reuse" ]; then
  echo "==> reusing the $items items seeded before (KEEP=1)"
else
echo "==> seeding $items items"
start=$(date +%s)
psql <<SQL
insert into manifests (id, name, content_hash, source_file, default_provider, item_count)
values ('01000000-0000-7000-8000-000000000001', 'big', 'bench', 'big.csv', 'pixeldojo', $items),
       ('01000000-0000-7000-8000-000000000002', 'small', 'bench2', 'small.csv', 'pixeldojo', 20);
-- 90 % succeeded over the last 7 days, the rest spread over the other states.
insert into items (manifest_id, row_id, line, provider, model, prompt, image_urls, state, reason, finished_at, updated_at)
select '01000000-0000-7000-8000-000000000001', 'SKU-' || lpad(g::text, 7, '0'), g + 1, 'pixeldojo', 'gpt-image-2-edit',
       'Put product ' || g || ' on a ' || (array['grey','white','oak','marble'])[1 + g % 4] || ' backdrop',
       array['https://img.example.com/' || g || '.jpg'],
       s.state,
       case s.state when 'Succeeded' then '1 output(s) stored and verified' when 'Failed' then 'pixeldojo job failed: content policy'
                    when 'NeedsReview' then '500 from pixeldojo; the job may exist' else 'imported' end,
       case when s.state in ('Succeeded','Failed') then now() - (g % 10080) * interval '1 minute' end, now()
from generate_series(1, $items) g
cross join lateral (select case when g % 10 < 9 then 'Succeeded' when g % 100 = 99 then 'Failed' when g % 1000 = 989 then 'NeedsReview'
                                when g % 100 = 79 then 'Running' else 'Pending' end as state) s;
insert into items (manifest_id, row_id, line, provider, model, prompt, image_urls)
select '01000000-0000-7000-8000-000000000002', 'URGENT-' || g, g + 1, 'pixeldojo', 'gpt-image-2-edit', 'Urgent ' || g, array['https://img.example.com/u.jpg']
from generate_series(1, 20) g;
insert into item_history (item_id, from_state, to_state, reason, actor, at)
select id, 'Pending', state, reason, 'bench', coalesce(finished_at, now()) from items;
-- Answered submits are settled with the answer, as the engine records them; a NeedsReview item's is open.
insert into provider_attempts (item_id, provider, worker, claimed_at, sent_at, finished_at, outcome, http_status, provider_job_id, settled_at, settlement)
select id, provider, 'bench', coalesce(finished_at, now()) - interval '30 seconds', coalesce(finished_at, now()) - interval '29 seconds', finished_at,
       case when state = 'NeedsReview' then 'ambiguous' else 'accepted' end, 200, 'job-' || id,
       case when state <> 'NeedsReview' then coalesce(finished_at, now()) - interval '29 seconds' end,
       case when state <> 'NeedsReview' then 'answered' end
from items where state <> 'Pending';
insert into outputs (item_id, ordinal, source_url, state, blob_name, location, content_type, size_bytes, stored_at)
select id, 0, 'https://cdn.example.com/' || id || '.png', 'Stored', id || '/1.png', '/out/' || id || '/1.png', 'image/png', 900000, finished_at
from items where state = 'Succeeded';
insert into usage_ledger (item_id, manifest_id, provider, kind, credits, cost_usd, estimated, note, created_at)
select id, manifest_id, provider, 'charge', 5, 0.05, false, 'pixeldojo reported', coalesce(finished_at, now()) from items where state <> 'Pending';
vacuum analyze;
SQL
echo "    seeded in $(( $(date +%s) - start )) s: $(psql -tAc 'select count(*) from items') items, $(psql -tAc 'select count(*) from usage_ledger') ledger rows"
touch "$dir/seeded-$items"
fi

dotnet src/BatchEditor.Host/bin/Release/net10.0/batch-editor.dll web --urls "http://127.0.0.1:$web_port" >/tmp/batch-editor-bench-web.log 2>&1 &
web_pid=$!
wait_for_port 127.0.0.1 "$web_port" 60
base="http://127.0.0.1:$web_port"
failed=$(psql -tAc "select id from items where state = 'Failed' order by id limit 1")
[ -n "$failed" ] || { echo "the seed holds no Failed item" >&2; exit 1; }
deep=$(psql -tAc "select id from items where manifest_id = '01000000-0000-7000-8000-000000000001' order by id offset $((items * 9 / 10)) limit 1")
paths=(
  "/dashboard" "/dashboard/manifests" "/dashboard/manifests/big" "/dashboard/manifests/big?state=Failed"
  "/dashboard/manifests/big?after=$deep" "/dashboard/manifests/big?q=SKU-0777777" "/dashboard/items?q=marble" "/dashboard/items?q=no-such-words" "/dashboard/items?q=backdrop%20product"
  "/dashboard/manifests/big?q=SKU-07"
  "/dashboard/manifests/big?state=NeedsReview&q=oak"
  "/dashboard/items?state=NeedsReview" "/dashboard/items/$failed" "/dashboard/providers" "/dashboard/schedules" "/dashboard/workers"
  "/api/overview" "/api/throughput?window=30m" "/api/throughput?window=24h" "/api/throughput?window=7d" "/api/manifests"
  "/api/manifests/big" "/api/manifests/big/items?limit=200&after=$deep" "/api/items?q=content%20policy" "/api/items/$failed"
  "/api/usage" "/api/providers" "/metrics"
)
for p in "${paths[@]}"; do curl -s -o /dev/null "$base$p"; done # warm up (JIT, plans)
printf "\n%-55s %8s %8s\n" "request ($items items, $runs runs)" "p50 ms" "p95 ms"
worst=0
for p in "${paths[@]}"; do
  times=$(for ((i = 0; i < runs; i++)); do curl -s -o /dev/null -w "%{http_code} %{time_total}\n" "$base$p"; done)
  if echo "$times" | grep -qv '^200 '; then echo "$p: not 200: $(echo "$times" | grep -v '^200 ' | head -1)"; exit 1; fi
  read -r p50 p95 < <(echo "$times" | awk '{print $2 * 1000}' | sort -n | awk '{a[NR]=$1} END {i50=int(NR*0.5+0.5); i95=int(NR*0.95+0.5); if (i95<1) i95=1; printf "%.0f %.0f\n", a[i50], a[i95]}')
  printf "%-55s %8s %8s\n" "$p" "$p50" "$p95"
  [ "$p95" -gt "$worst" ] && worst=$p95
done
echo
echo "worst p95: ${worst} ms (target < 300 ms)"
