#!/usr/bin/env bash
# Run the official @wix/sdk against the emulator binary ($WIX_EMULATOR_BIN, default target/debug/wix-emulator).
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node --test --test-reporter=spec
