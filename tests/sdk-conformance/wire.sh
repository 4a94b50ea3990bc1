#!/usr/bin/env bash
# Wire conformance: the official SDK's requests and our client's, for every operation OAuth Desk performs, through
# one recording proxy in front of the emulator, compared operation by operation (wire/run.mjs). Needs the emulator
# ($WIX_EMULATOR_BIN, default target/debug/wix-emulator) and our side's flows ($WIRE_CLIENT_BIN, default
# target/debug/examples/wire_flows), both built by `cargo build --workspace --all-targets`.
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node wire/run.mjs
