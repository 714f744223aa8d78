# B3: import. An N-row manifest: rows per second into items, beside psql's \copy of the same rows into a table of the
# same shape (items' columns and indexes, without its constraints and triggers), and the CLI's peak RSS. Then a larger
# file uploaded to `web` over the API: its peak RSS before and after storing it (the upload streams into PostgreSQL; a
# worker's Hangfire job imports it later, not measured here).
run_B3() {
  local n=$b3_items
  bench_db b3
  manifest_csv "$n" "$bench_root/b3.csv" b3
  /usr/bin/time -f "%e %M" -o "$bench_root/b3.time" \
    dotnet src/BatchEditor.Host/bin/Release/net10.0/batch-editor.dll submit "$bench_root/b3.csv" --name b3 --provider pixeldojo >/dev/null
  read -r seconds rss_kb < "$bench_root/b3.time"
  pg -c "create table copy_reference (like items including defaults including identity including indexes)" \
     -c "do \$\$ declare c text; begin for c in select attname from pg_attribute where attrelid = 'copy_reference'::regclass and attnum > 0 and attnotnull and attname <> 'id' loop execute format('alter table copy_reference alter column %I drop not null', c); end loop; end \$\$"
  # The same rows with the image URL as the one-element array items stores (prepared before the clock starts).
  awk -F, 'NR > 1 { printf "%s,{%s},%s,%s\n", $1, $2, $3, $4 }' "$bench_root/b3.csv" > "$bench_root/b3-reference.csv"
  local start end
  start=$(date +%s.%N)
  pg -c "\\copy copy_reference (row_id, image_urls, prompt, quality) from '$bench_root/b3-reference.csv' with (format csv)"
  end=$(date +%s.%N)
  # And into a bare table of the file's four columns: what the indexes (the trigram search index above all) cost.
  pg -c "create table copy_bare (id text, image_url text, prompt text, quality text)"
  local bare_start bare_end
  bare_start=$(date +%s.%N)
  pg -c "\\copy copy_bare from '$bench_root/b3.csv' with (format csv, header)"
  bare_end=$(date +%s.%N)
  local ours reference
  ours=$(calc "$n / $seconds" 0) reference=$(calc "$n / ($end - $start)" 0)
  record B3 "import rows/s ($n rows, whole CLI process)" "$ours" "psql \\copy: $reference rows/s; ratio $(calc "$ours / $reference")" "≥ 0.5 of \\copy"
  record B3 "  the same, beside a bare 4-column table" "$ours" "psql \\copy: $(calc "$n / ($bare_end - $bare_start)" 0) rows/s; ratio $(calc "$ours / ($n / ($bare_end - $bare_start))")" "—"
  record B3 "import peak RSS" "$((rss_kb / 1024)) MB" "GNU time, the CLI process" "bounded"
  manifest_csv "$b3_upload_items" "$bench_root/b3-upload.csv" b3u
  upload_peak "$bench_root/b3-upload.csv"
  rm -f "$bench_root/b3-upload.csv"
}

# upload_peak FILE: `web` stores FILE from an API upload; its peak RSS before and after, against the file's size.
upload_peak() {
  local port=$((bench_sim_port + 10)) size_mb before after started stored
  size_mb=$(( $(stat -c %s "$1") / 1048576 ))
  cli web --urls "http://127.0.0.1:$port" > "$bench_root/b3-web.log" 2>&1 &
  wait_for_port 127.0.0.1 "$port" 60
  local web; web=$(pgrep -f "batch-editor.dll web --urls http://127.0.0.1:$port")
  before=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$web/status")
  started=$(date +%s.%N)
  curl -sf -o /dev/null -X POST -T "$1" -H 'Content-Type: text/csv' "http://127.0.0.1:$port/api/manifests?name=b3-upload"
  stored=$(calc "$(date +%s.%N) - $started")
  after=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$web/status")
  kill "$web"; wait_for_exit "$web"
  record B3 "API upload: web peak RSS before / after" "$before / $after MB" "a $size_mb MB file, stored in $stored s" "grows far less than the file"
}

wait_for_exit() { while kill -0 "$1" 2>/dev/null; do sleep 0.1; done; }
