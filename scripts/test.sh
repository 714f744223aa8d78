#!/usr/bin/env bash
# Quick start: run every test. Installs what the tests need (PostgreSQL server binaries) when missing;
# the tests start their own throwaway PostgreSQL cluster and provider simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_postgres
export BATCHEDITOR_PG_BIN=${BATCHEDITOR_PG_BIN:-$(pg_bin)}
dotnet test BatchEditor.sln -c Release --nologo "$@"
