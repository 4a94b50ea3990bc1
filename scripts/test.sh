#!/usr/bin/env bash
# Every check and every test, in the order that fails fastest. Called by `make test` (after scripts/setup.sh)
# and so by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started=$SECONDS

step "format"
cargo fmt --all --check

step "release workflow: a valid GitHub workflow (it runs only on GitHub)"
scripts/check-workflows.sh

step "UI: type check, unit tests, build"
npm --prefix ui run --silent check
npm --prefix ui test --silent
npm --prefix ui run --silent build

# Every cargo call below names the whole workspace with dev-dependencies active, so cargo resolves the same
# features each time and builds each dependency once (a `-p` or `--exclude` here would rebuild the Tauri stack).
step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build the app, the emulator and every test"
cargo build --workspace --all-targets --locked

step "Rust tests and end-to-end tests (real Secret Service and Xvfb in a private desktop session)"
# One at a time: the app is single-instance per desktop session, which the deep-link tests rely on. What the
# tests print is kept (target/test-output.log) for the leak scan; stale profiles and counts from an earlier run go
# first, so the summary speaks of this run only.
rm -rf target/e2e/profiles target/tmp/security
scripts/desktop-session.sh cargo test --workspace --locked -- --test-threads=1 2>&1 | tee target/test-output.log

if [[ -x tests/sdk-conformance/run.sh ]]; then
  step "official @wix/sdk against the emulator"
  WIX_EMULATOR_BIN="$PWD/target/debug/wix-emulator" tests/sdk-conformance/run.sh
fi

if [[ -x tests/sdk-conformance/wire.sh ]]; then
  step "wire conformance: our client's requests vs the official SDK's, operation by operation"
  WIX_EMULATOR_BIN="$PWD/target/debug/wix-emulator" WIRE_CLIENT_BIN="$PWD/target/debug/examples/wire_flows" \
    tests/sdk-conformance/wire.sh
fi

step "fuzz: callback URLs, deep links, JWT claims, emulator bodies (AFL++, ${FUZZ_SECONDS:-10} s a target)"
# A short run from the seed corpora; any crash fails the step. Ten minutes a target: scripts/fuzz.sh 600.
scripts/fuzz.sh "${FUZZ_SECONDS:-10}"

step "security: every attack refused, no value leaked"
scripts/security-summary.sh target/test-output.log

# Last, as it builds the release app: a user's install of the .deb, driven through the desktop's own hand-over.
step "packages: build the .deb and .rpm, install the .deb, sign in through xdg-open, remove it"
scripts/test-package.sh

step "done in $((SECONDS - started)) s; screenshots in target/e2e/screenshots/"
