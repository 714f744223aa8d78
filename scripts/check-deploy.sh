#!/usr/bin/env bash
# Checks the deployment files without a Docker engine or a cluster: docker-compose.yml as Compose resolves it, the
# Dockerfile it builds, and deploy/kubernetes against the Kubernetes API schema. Run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_azurite # Node.js and the schema packages
ensure_docker_compose
docker-compose -f docker-compose.yml config | node scripts/check-compose.mjs
node scripts/check-kubernetes.mjs deploy/kubernetes
