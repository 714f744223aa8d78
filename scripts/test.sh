#!/usr/bin/env bash
# Quick start: run every test. Installs what the tests need when missing (PostgreSQL server binaries, Node.js and
# Azurite, Chromium, faketime, docker-compose); checks the deployment files, then runs the tests, which start their own
# throwaway PostgreSQL clusters, Azurite and provider simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_postgres
ensure_azurite
ensure_chromium
ensure_faketime
bash scripts/check-deploy.sh
export BATCHEDITOR_CHROMIUM=${BATCHEDITOR_CHROMIUM:-$(command -v chromium)}
export BATCHEDITOR_PG_BIN=${BATCHEDITOR_PG_BIN:-$(pg_bin)}
report=TestResults/fault-report.txt
rm -f "$report"
status=0
tmp=${TMPDIR:-/tmp}
leftovers() { ls -d "$tmp"/batch-editor-* "$tmp"/azurite-* "$tmp"/be-fs-* 2>/dev/null | sort || true; } # ls fails when none match
before=$(leftovers)
dotnet test BatchEditor.sln -c Release --nologo "$@" || status=$?
# A test run leaves nothing behind in the temp folder: clusters and Azurite data are removed by their watchdogs once
# the test host is gone (within a few seconds), everything else by the tests themselves.
for _ in $(seq 20); do
  new=$(comm -13 <(echo "$before") <(leftovers))
  [ -z "$new" ] && break
  sleep 1
done
if [ -n "$new" ]; then
  echo "The test run left these behind in $tmp:"; echo "$new" | sed 's/^/  /'
  [ $status -eq 0 ] && status=1
fi
# The fault tests' counts (a passing test's own output is hidden by the test runner).
if [ -s "$report" ]; then echo; echo "Fault tests:"; sed 's/^/  /' "$report"; fi
exit $status
