#!/usr/bin/env bash
# Install what OAuth Desk needs to build, run and test, on a Debian machine of this kind. Idempotent, and fast when
# everything is already there (it only looks, then installs what is missing).
#
#   scripts/setup.sh            # everything for running and testing
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# --- Debian packages: WebKitGTK and friends for Tauri, Xvfb + WebKitWebDriver for the E2E tests, GNOME Keyring
# for a real Secret Service, D-Bus for the keyring crate.
apt_packages=(
  build-essential pkg-config curl file
  libwebkit2gtk-4.1-dev libgtk-3-dev libssl-dev libxdo-dev librsvg2-dev libayatana-appindicator3-dev libdbus-1-dev
  xvfb xauth webkit2gtk-driver gnome-keyring dbus dbus-x11 procps
  xdg-utils desktop-file-utils rpm
  imagemagick xdotool
)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Rust: fmt and clippy for the checks; tauri-driver for the E2E tests.
command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first" >&2; exit 1; }
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || { say "adding $component"; rustup component add "$component"; }
done
if ! command -v tauri-driver >/dev/null && [[ ! -x "$HOME/.cargo/bin/tauri-driver" ]]; then
  say "installing tauri-driver (cargo install, about a minute)"
  cargo install tauri-driver@2.1.0 --locked --quiet
fi

# --- check-jsonschema (PyPI, pinned) in a virtualenv of its own: validates .github/workflows against GitHub's
# workflow schema, which it ships (scripts/check-workflows.sh).
tools="${XDG_CACHE_HOME:-$HOME/.cache}/oauth-desk"
if [[ ! -x "$tools/check-jsonschema-0.39.0/bin/check-jsonschema" ]]; then
  say "installing check-jsonschema 0.39.0 (PyPI) for the workflow check"
  command -v python3 >/dev/null || { echo "python3 is missing: install Python 3 first" >&2; exit 1; }
  rm -rf "$tools/check-jsonschema-0.39.0"
  python3 -m venv "$tools/check-jsonschema-0.39.0"
  "$tools/check-jsonschema-0.39.0/bin/pip" install --quiet --disable-pip-version-check check-jsonschema==0.39.0
fi

# --- cargo-afl for the fuzz targets (fuzz/, scripts/fuzz.sh): AFL++ on stable Rust. Installing it builds AFL++ for
# the current toolchain (a C compiler and make, from build-essential above); after a Rust update, `cargo afl config
# --build` builds it again for the new one.
afl_version=0.18.2
if ! cargo afl --version 2>/dev/null | grep -q "cargo-afl $afl_version"; then
  say "installing cargo-afl $afl_version (cargo install, builds AFL++, a few minutes)"
  cargo install "cargo-afl@$afl_version" --locked --quiet
fi
rust_release=$(rustc -V | awk '{print $2}')
if ! compgen -G "${XDG_DATA_HOME:-$HOME/.local/share}/afl.rs/rustc-$rust_release-*/afl.rs-$afl_version/afl/bin/afl-fuzz" >/dev/null; then
  say "building AFL++ for rustc $rust_release"
  cargo afl config --build
fi

# --- Node packages for the UI (and the official-SDK conformance suite), only when the lock file changed. The UI's
# include the Tauri CLI that `make package` uses: the official prebuilt @tauri-apps/cli, pinned in ui/package.json.
npm_install() {
  local dir=$1
  [[ -f "$dir/package-lock.json" ]] || return 0
  if [[ ! -f "$dir/node_modules/.package-lock.json" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    say "installing npm packages in $dir"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  fi
}
npm_install ui
npm_install tests/sdk-conformance
