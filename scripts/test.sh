#!/usr/bin/env bash
# Every check and every test, in the order that fails fastest. Called by `make test` (after scripts/setup.sh)
# and so by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started=$SECONDS

step "format"
cargo fmt --all --check

step "UI: type check, unit tests, build"
npm --prefix ui run --silent check
npm --prefix ui test --silent
npm --prefix ui run --silent build

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build the app and the emulator"
cargo build --workspace --bins --locked

step "Rust tests (real Secret Service in a private D-Bus session)"
scripts/desktop-session.sh cargo test --workspace --exclude oauth-desk-e2e --locked

step "end-to-end: the real app window under Xvfb, over WebDriver"
scripts/desktop-session.sh cargo test -p oauth-desk-e2e --locked -- --test-threads=1

if [[ -x tests/sdk-conformance/run.sh ]]; then
  step "official @wix/sdk against the emulator"
  WIX_EMULATOR_BIN="$PWD/target/debug/wix-emulator" tests/sdk-conformance/run.sh
fi

step "done in $((SECONDS - started)) s; screenshots in target/e2e/screenshots/"
