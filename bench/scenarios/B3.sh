# B3: import. An N-row manifest: rows per second into items, beside psql's \copy of the same file into a table of the
# file's shape (no indexes), and the CLI's peak RSS.
run_B3() {
  local n=$b3_items
  bench_db b3
  manifest_csv "$n" "$bench_root/b3.csv" b3
  /usr/bin/time -f "%e %M" -o "$bench_root/b3.time" \
    dotnet src/BatchEditor.Host/bin/Release/net10.0/batch-editor.dll submit "$bench_root/b3.csv" --name b3 --provider pixeldojo >/dev/null
  read -r seconds rss_kb < "$bench_root/b3.time"
  pg -c "create table copy_reference (id text, image_url text, prompt text, quality text)"
  local start end
  start=$(date +%s.%N)
  pg -c "\\copy copy_reference from '$bench_root/b3.csv' with (format csv, header)"
  end=$(date +%s.%N)
  local ours reference
  ours=$(calc "$n / $seconds" 0) reference=$(calc "$n / ($end - $start)" 0)
  record B3 "import rows/s ($n rows, whole CLI process)" "$ours" "psql \\copy: $reference rows/s; ratio $(calc "$ours / $reference")" "≥ 0.5 of \\copy"
  record B3 "import peak RSS" "$((rss_kb / 1024)) MB" "GNU time, the CLI process" "bounded"
}
