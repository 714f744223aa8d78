#!/usr/bin/env bash
# Quick start: run every test. Installs what the tests need when missing (PostgreSQL server binaries, Node.js and
# Azurite); the tests start their own throwaway PostgreSQL cluster, Azurite and provider simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_postgres
ensure_azurite
export BATCHEDITOR_PG_BIN=${BATCHEDITOR_PG_BIN:-$(pg_bin)}
dotnet test BatchEditor.sln -c Release --nologo "$@"
