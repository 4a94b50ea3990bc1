#!/usr/bin/env bash
# Build the release app and its Linux packages with Tauri's bundler: a .deb and an .rpm (what `make package` runs).
#
#   scripts/package.sh              # target/release/bundle/deb/oauth-desk_<version>_amd64.deb and .../rpm/...rpm
#   scripts/package.sh deb          # only the .deb
#
# The Tauri CLI is the official prebuilt `@tauri-apps/cli` from npm, pinned in ui/package.json and installed by
# scripts/setup.sh (the same Rust CLI and bundler as the `tauri-cli` crate, which takes many minutes to compile on
# this project's 2-core machines; see the README). It reads tauri.conf.json and, on Linux, tauri.linux.conf.json
# (at the top level, through their symlinks in src-tauri/); its `beforeBuildCommand` builds the UI, then it builds
# the release binary and bundles it. The AppImage needs tools the bundler downloads, so it is built only by the
# release workflow (.github/workflows/release.yml).
#
# Each package installs /usr/bin/oauth-desk, /usr/bin/oauthdesk (the command line), the icons, and
# /usr/share/applications/oauth-desk.desktop, which declares `MimeType=x-scheme-handler/oauthdesk;` with
# `Exec=oauth-desk %u` (packaging/linux/oauth-desk.desktop): the desktop hands `oauthdesk://` links to the
# installed app with no registration at run time.
set -euo pipefail
cd "$(dirname "$0")/.."

bundles=${1:-deb,rpm}
tauri=ui/node_modules/.bin/tauri
[[ -x $tauri ]] || { echo "package: $tauri is missing: run scripts/setup.sh first" >&2; exit 1; }

# The app is src-tauri/ (the CLI would otherwise take the top-level folder, which also holds a tauri.conf.json, for
# the app), and the UI's package.json is the front end it checks versions against.
export TAURI_APP_PATH=src-tauri TAURI_FRONTEND_PATH=ui

# The command line, `oauthdesk`, goes in beside the app as /usr/bin/oauthdesk: built first, then handed to the
# bundler as an external binary (named with the target triple, as the bundler expects it). Named here, not in
# tauri.conf.json, where every plain `cargo build` of the app would need it built first.
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
triple=$(rustc -vV | sed -n 's/^host: //p')
cargo build --release --locked -p oauthdesk-cli
mkdir -p "$target_dir/sidecar"
cp "$target_dir/release/oauthdesk" "$target_dir/sidecar/oauthdesk-$triple"
"$tauri" build --ci --bundles "$bundles" \
  --config "{\"bundle\": {\"externalBin\": [\"$target_dir/sidecar/oauthdesk\"]}}" -- --locked

out="${CARGO_TARGET_DIR:-target}/release/bundle"
for kind in ${bundles//,/ }; do
  ls -1 "$out/$kind"/oauth-desk[_-]*."$kind"
done
