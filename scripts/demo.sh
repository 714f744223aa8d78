#!/usr/bin/env bash
# Quick start: a real batch on the embedded defaults — a private PostgreSQL cluster in .data/, file-system
# storage in .data/outputs, and the provider simulator standing in for the provider.
#   bash scripts/demo.sh [provider]      (pixeldojo, gptimageapi, gmicloud, wavespeed, fal or openai; default pixeldojo)
#   bash scripts/demo.sh stop            stops the demo's PostgreSQL (it is left running so `status`, `web` … can use it)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
root=$PWD
provider=${1:-pixeldojo}
pg_port=${DEMO_PG_PORT:-15432}  # below the ephemeral port range, so no outgoing connection holds it
sim_port=${DEMO_SIM_PORT:-15089}
data=${DEMO_DATA:-$root/.data}
mkdir -p "$data"

ensure_postgres
# The postgres user must reach the cluster folder; home folders are often closed to it.
pg_dir=$data/pg
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$data" 2>/dev/null; then pg_dir=/var/tmp/batch-editor-demo-pg-$pg_port; fi
sim_pid_file=$data/sim.pid
if [ "$provider" = stop ]; then
  if [ -f "$sim_pid_file" ]; then kill "$(cat "$sim_pid_file")" 2>/dev/null || true; rm -f "$sim_pid_file"; fi
  stop_private_postgres "$pg_dir"
  echo "The demo's simulator and PostgreSQL ($pg_dir) are stopped; the data stays in $pg_dir and $data (delete .data/ to start afresh)."
  exit 0
fi
echo "==> PostgreSQL: private cluster in $pg_dir on port $pg_port"
start_private_postgres "$pg_dir" "$pg_port"

echo "==> Building"
dotnet build BatchEditor.sln -c Release -v quiet --nologo -clp:ErrorsOnly

# The simulator keeps running after the demo (like its PostgreSQL), so the next batch can use it too.
if [ -f "$sim_pid_file" ] && kill -0 "$(cat "$sim_pid_file")" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$sim_port") 2>/dev/null; then
  echo "==> The provider simulator is running on 127.0.0.1:$sim_port"
else
  echo "==> Starting the provider simulator on 127.0.0.1:$sim_port (log: $data/sim.log)"
  nohup dotnet src/BatchEditor.ProviderSim/bin/Release/net10.0/provider-sim.dll --urls "http://127.0.0.1:$sim_port" --Sim:JobLatency 00:00:02 \
    > "$data/sim.log" 2>&1 < /dev/null &
  echo $! > "$sim_pid_file"
fi
wait_for_port 127.0.0.1 "$sim_port" 30

# Every setting the demo uses goes into one file, which the demo itself sources: what it shows is what `source` gives you.
sim="http://127.0.0.1:$sim_port"
{
  echo "# Written by scripts/demo.sh: BatchEditor on the demo's PostgreSQL, storage folder and provider simulator."
  echo "# Use it with: source .data/demo.env   (then: batch-editor --help)"
  echo "export ConnectionStrings__BatchEditor=\"Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=batch_editor\""
  echo "export Storage__Root=\"$data/outputs\""
  echo "export Worker__IdlePollInterval=00:00:00.250"
  echo "export Downloads__AllowPrivateNetworks=true  # the simulator serves its images from this machine"
  echo "# Every provider points at the simulator, which speaks each one's protocol under its own path (see $sim/)."
  echo "export Providers__PixelDojo__BaseUrl=$sim/pixeldojo/api/v1 Providers__PixelDojo__CreditPriceUsd=0.01"
  echo "export Providers__GptImageApi__BaseUrl=$sim/gptimageapi/v1 Providers__GptImageApi__CreditPriceUsd=0.01"
  echo "export Providers__GmiCloud__BaseUrl=$sim/gmicloud/api/v1/ie/requestqueue/apikey Providers__GmiCloud__PricePerImageUsd=0.04"
  echo "export Providers__WaveSpeed__BaseUrl=$sim/wavespeed/api/v3"
  echo "export Providers__Fal__BaseUrl=$sim/fal"
  echo "export Providers__OpenAI__BaseUrl=$sim/openai/v1"
  for section in PixelDojo GptImageApi GmiCloud WaveSpeed Fal OpenAI; do
    echo "export Providers__${section}__ApiKey=sim-demo-key Providers__${section}__FirstPollDelay=00:00:01 Providers__${section}__MinPollInterval=00:00:01 Providers__${section}__MaxConcurrency=8 Providers__${section}__RequestsPerMinute=600"
  done
  echo "batch-editor() { dotnet \"$root/src/BatchEditor.Host/bin/Release/net10.0/batch-editor.dll\" \"\$@\"; }"
} > "$data/demo.env"
# shellcheck source=/dev/null
source "$data/demo.env"
cli() { batch-editor "$@"; }

echo "==> batch-editor migrate"
cli migrate
name="catalogue-$(date +%Y%m%d-%H%M%S)"
manifest=samples/catalogue.csv
if [ "$provider" = openai ]; then
  # OpenAI takes the image files, not URLs: point the rows at stand-in photos the simulator serves.
  manifest=$data/catalogue-openai.csv
  sed "s#https://images.example-shop.com/catalogue/\([^,]*\)\.jpg#$sim/inputs/\1.png#" samples/catalogue.csv > "$manifest"
fi
echo "==> batch-editor quote $manifest --provider $provider   (what it will cost and take; nothing is queued)"
cli quote "$manifest" --provider "$provider"
echo "==> batch-editor submit $manifest --provider $provider --name $name --sample 4 --sample-by category   (4 first, each of another category)"
submitted=$(cli submit "$manifest" --provider "$provider" --name "$name" --force --sample 4 --sample-by category)
echo "$submitted"
manifest_id=$(echo "$submitted" | sed -n "s/.*manifest '[^']*' (\([0-9a-f-]*\)).*/\1/p" | tr -d -)
echo "==> batch-editor worker --until-idle   (the sample; the rest waits: exit 6)"
cli worker --until-idle || [ $? -eq 6 ]
echo "==> batch-editor approve $name   (after looking at the sample: batch-editor web, then /dashboard/manifests/$name/sample)"
cli approve "$name"
echo "==> batch-editor worker --until-idle"
cli worker --until-idle
echo "==> batch-editor status $name"
cli status "$name"
cli results "$name" -o "$data/results-$name.csv"
echo
# Outputs are filed under the manifest's id (a name may be reused; an id never is).
echo "Outputs are in $data/outputs/$manifest_id/; per-item results (with each output's path) in $data/results-$name.csv"
echo "The simulator and PostgreSQL keep running; every setting the demo used is in $data/demo.env. To go on (README: After the demo):"
echo "  source $data/demo.env"
echo "  batch-editor submit samples/products_export.csv --prompt \"Put the {Title} by {Vendor} on a white backdrop\" --name my-first-export"
echo "Stop both with: bash scripts/demo.sh stop"
