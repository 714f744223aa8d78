#!/usr/bin/env bash
# Quick start: run every test. Installs what the tests need when missing (PostgreSQL server binaries, Node.js and
# Azurite); the tests start their own throwaway PostgreSQL clusters, Azurite and provider simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_postgres
ensure_azurite
ensure_chromium
export BATCHEDITOR_CHROMIUM=${BATCHEDITOR_CHROMIUM:-$(command -v chromium)}
export BATCHEDITOR_PG_BIN=${BATCHEDITOR_PG_BIN:-$(pg_bin)}
report=TestResults/fault-report.txt
rm -f "$report"
status=0
dotnet test BatchEditor.sln -c Release --nologo "$@" || status=$?
# The fault tests' counts (a passing test's own output is hidden by the test runner).
if [ -s "$report" ]; then echo; echo "Fault tests:"; sed 's/^/  /' "$report"; fi
exit $status
