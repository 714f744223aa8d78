# B4: copying big outputs. N outputs of 20 MB and of 2 MB at concurrency 16, into Azurite and into the file system:
# the worker's peak RSS (GNU time), which must stay flat whatever the output size.
run_B4() {
  ensure_azurite
  local blob_port=$((bench_pg_port + 2)) azurite_pid store mb
  node node_modules/azurite/dist/src/blob/main.js --blobHost 127.0.0.1 --blobPort "$blob_port" --location "$bench_root/azurite" \
    --skipApiVersionCheck --disableTelemetry --loose >"$bench_root/azurite.log" 2>&1 &
  azurite_pid=$!
  wait_for_port 127.0.0.1 "$blob_port" 60
  for store in AzureBlob FileSystem; do
    for mb in 20 2; do
      bench_db "b4_$(echo "$store" | tr A-Z a-z)_$mb"
      export Storage__Kind=$store Storage__Container=bench
      export Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;"
      start_sim 00:00:00.100 --Sim:ImageScale 0.25 --Sim:OutputPadBytes $((mb * 1000 * 1000))
      manifest_csv "$b4_outputs" "$bench_root/b4.csv" "b4-$store-$mb"
      cli submit "$bench_root/b4.csv" --name b4 --provider pixeldojo >/dev/null
      local start; start=$(date +%s.%N)
      /usr/bin/time -f "%M" -o "$bench_root/b4.rss" dotnet src/BatchEditor.Host/bin/Release/net10.0/batch-editor.dll worker --until-idle --concurrency 16 \
        > "$bench_root/b4-worker.log" 2>&1 || { cat "$bench_root/b4-worker.log"; kill "$azurite_pid"; return 1; }
      local seconds; seconds=$(calc "$(date +%s.%N) - $start" 1)
      stop_sim
      record B4 "worker peak RSS, $b4_outputs × $mb MB into $store" "$(( $(cat "$bench_root/b4.rss") / 1024 )) MB" "$(calc "$b4_outputs * $mb / $seconds" 0) MB/s" "< 300 MB, flat"
      unset Storage__ConnectionString Storage__Container
    done
  done
  kill "$azurite_pid" 2>/dev/null; wait "$azurite_pid" 2>/dev/null || true
}
