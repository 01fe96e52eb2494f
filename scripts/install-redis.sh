#!/usr/bin/env bash
# Redis for the queue-mode e2e test (n8n's queue mode keeps its job queue in Redis), from Debian's
# packages. Does nothing when redis-server is already on PATH.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# The package starts a system service on 6379; the test runs its own on a free port instead.
($SUDO service redis-server stop || true) >/dev/null 2>&1
command -v redis-server
