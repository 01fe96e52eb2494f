#!/usr/bin/env bash
# Headless Chromium for scripts/screenshot.ts (driven with puppeteer-core, which downloads no
# browser), from Debian's packages, with fonts so the editor's text renders. Does nothing when a
# chromium binary is already on PATH. Prints the binary's path.
set -euo pipefail
for bin in chromium chromium-browser; do
	if command -v "$bin" >/dev/null 2>&1; then command -v "$bin"; exit 0; fi
done
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-liberation >/dev/null
command -v chromium
