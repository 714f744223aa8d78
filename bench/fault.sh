#!/usr/bin/env bash
# The fault tests at full size: 2,000 items with 40 SIGKILLs, 3,000 items under simulator chaos, a rolling restart of
# three workers 15 times over 120 items (half synchronous, 30 s each), and the rest as in CI (which runs 500 / 10, 400
# and 24 items / 5 restarts). Prints each test's counts. Takes several minutes on 2 cores.
#   bash bench/fault.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BATCHEDITOR_FAULT_SCALE=full bash scripts/test.sh --filter "FullyQualifiedName~ProcessFaultTests|FullyQualifiedName~ChaosTests|FullyQualifiedName~DatabaseRestartTests|FullyQualifiedName~DeployTests|FullyQualifiedName~AnswerSpillTests|FullyQualifiedName~ClockTests"
