#!/usr/bin/env bash
# The fault tests at full size: 2,000 items with 40 SIGKILLs, 3,000 items under simulator chaos, and the rest as in CI
# (which runs 500 / 10 and 400). Prints each test's counts. Takes a few minutes on 2 cores.
#   bash bench/fault.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BATCHEDITOR_FAULT_SCALE=full bash scripts/test.sh --filter "FullyQualifiedName~ProcessFaultTests|FullyQualifiedName~ChaosTests|FullyQualifiedName~DatabaseRestartTests"
