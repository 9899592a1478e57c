#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian + Node 20 machine: redis-server (BullMQ
# integration tests), clang + lld (the WASM backend, built by npm ci's postinstall), chromium
# (explorer browser tests), python3-torch (PyTorch interop tests and bench peers), then npm ci.
# .ci/run calls this same script; run it as root (or through sudo) once per machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v clang >/dev/null 2>&1 || need+=(clang)
command -v wasm-ld >/dev/null 2>&1 || need+=(lld)
[ -x /usr/bin/chromium ] || need+=(chromium)
/usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || need+=(python3-torch)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${need[@]}"
fi
npm ci --no-audit --no-fund
