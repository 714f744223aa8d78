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
data=$root/.data

ensure_postgres
# The postgres user must reach the cluster folder; home folders are often closed to it.
pg_dir=$data/pg
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$root" 2>/dev/null; then pg_dir=/var/tmp/batch-editor-demo-pg; fi
if [ "$provider" = stop ]; then
  stop_private_postgres "$pg_dir"
  echo "The demo's PostgreSQL ($pg_dir) is stopped; its data stays in $pg_dir (delete .data/ to start afresh)."
  exit 0
fi
echo "==> PostgreSQL: private cluster in $pg_dir on port $pg_port"
start_private_postgres "$pg_dir" "$pg_port"

echo "==> Building"
dotnet build BatchEditor.sln -c Release -v quiet --nologo -clp:ErrorsOnly
cli() { dotnet src/BatchEditor.Host/bin/Release/net10.0/batch-editor.dll "$@"; }

echo "==> Starting the provider simulator on 127.0.0.1:$sim_port"
dotnet src/BatchEditor.ProviderSim/bin/Release/net10.0/provider-sim.dll --urls "http://127.0.0.1:$sim_port" --Sim:JobLatency 00:00:02 &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true' EXIT
wait_for_port 127.0.0.1 "$sim_port" 30

export ConnectionStrings__BatchEditor="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=batch_editor"
export Storage__Root="$data/outputs"
export Worker__IdlePollInterval=00:00:00.250
export Downloads__AllowPrivateNetworks=true # the simulator serves its outputs from this machine
# Every provider points at the simulator, which speaks each one's protocol under its own path.
sim="http://127.0.0.1:$sim_port"
export Providers__PixelDojo__BaseUrl="$sim/pixeldojo/api/v1" Providers__PixelDojo__CreditPriceUsd=0.01
export Providers__GptImageApi__BaseUrl="$sim/gptimageapi/v1" Providers__GptImageApi__CreditPriceUsd=0.01
export Providers__GmiCloud__BaseUrl="$sim/gmicloud/api/v1/ie/requestqueue/apikey" Providers__GmiCloud__PricePerImageUsd=0.04
export Providers__WaveSpeed__BaseUrl="$sim/wavespeed/api/v3"
export Providers__Fal__BaseUrl="$sim/fal"
export Providers__OpenAI__BaseUrl="$sim/openai/v1"
for section in PixelDojo GptImageApi GmiCloud WaveSpeed Fal OpenAI; do
  export "Providers__${section}__ApiKey=sim-demo-key" "Providers__${section}__FirstPollDelay=00:00:01" \
    "Providers__${section}__MinPollInterval=00:00:01" "Providers__${section}__MaxConcurrency=8" "Providers__${section}__RequestsPerMinute=600"
done

echo "==> batch-editor migrate"
cli migrate
name="catalogue-$(date +%Y%m%d-%H%M%S)"
manifest=samples/catalogue.csv
if [ "$provider" = openai ]; then
  # OpenAI takes the image files, not URLs: point the rows at stand-in photos the simulator serves.
  manifest=$data/catalogue-openai.csv
  sed "s#https://images.example-shop.com/catalogue/\([^,]*\)\.jpg#$sim/inputs/\1.png#" samples/catalogue.csv > "$manifest"
fi
echo "==> batch-editor submit $manifest --provider $provider --name $name"
submitted=$(cli submit "$manifest" --provider "$provider" --name "$name" --force)
echo "$submitted"
manifest_id=$(echo "$submitted" | sed -n "s/.*manifest '[^']*' (\([0-9a-f-]*\)).*/\1/p" | tr -d -)
echo "==> batch-editor worker --until-idle"
cli worker --until-idle
echo "==> batch-editor status $name"
cli status "$name"
cli results "$name" -o "$data/results-$name.csv"
echo
# Outputs are filed under the manifest's id (a name may be reused; an id never is).
echo "Outputs are in $data/outputs/$manifest_id/; per-item results (with each output's path) in $data/results-$name.csv"
echo "The demo's PostgreSQL keeps running on port $pg_port (ConnectionStrings__BatchEditor=\"Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=batch_editor\");"
echo "stop it with: bash scripts/demo.sh stop"
