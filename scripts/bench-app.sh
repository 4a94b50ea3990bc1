#!/usr/bin/env bash
# OAuth Desk beside the smallest Tauri 2 app (benches/tauri-minimal: same Tauri version, same release profile),
# both built in this run: binary size, .deb size, start-up to the first view with its data, and memory (PSS of the
# whole process tree, WebKit's processes included) after 6 s idle; for OAuth Desk also after loading 1,000 OAuth
# apps. Prints figures and ratios; asserts nothing. Runs the apps in a private desktop session (Xvfb, D-Bus,
# keyring), like the tests. Run it when nothing else is compiling: the start-up times are wall-clock times.
#
#   scripts/bench-app.sh              # builds, then measures (10 launches each)
#   BENCH_LAUNCHES=3 scripts/bench-app.sh
#   BENCH_NO_BUILD=1 scripts/bench-app.sh   # measure again what the last run built
#
# The last line is machine-readable:
#   bench-app: bin_mb=… deb_mb=… start_ms=… start_ratio=… pss_mb=… pss_ratio=… pss_1000_mb=…
# Targets (issue 11): .deb ≤ 10 MB, binary ≤ 12 MB, start ≤ 1.2× and PSS ≤ 1.10× the baseline's.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[bench-app]\033[0m %s\n' "$*" >&2; }
launches=${BENCH_LAUNCHES:-10}
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
# One target directory for both apps: the baseline reuses every dependency OAuth Desk built with the same features.
export CARGO_TARGET_DIR=$target

# The baseline must be built exactly as OAuth Desk is.
profile() { sed -n '/^\[profile\.release\]/,/^\[/p' "$1" | grep -Ev '^(\[|#|$)'; }
if ! diff <(profile Cargo.toml) <(profile benches/tauri-minimal/Cargo.toml) >/dev/null; then
  echo "bench-app: [profile.release] differs between Cargo.toml and benches/tauri-minimal/Cargo.toml" >&2
  diff <(profile Cargo.toml) <(profile benches/tauri-minimal/Cargo.toml) >&2 || true
  exit 1
fi

if [[ -z ${BENCH_NO_BUILD:-} ]]; then
  say "building OAuth Desk (release) and its .deb"
  scripts/package.sh deb >/dev/null
  say "building the minimal Tauri app (release) and its .deb"
  (cd benches/tauri-minimal && "$root/ui/node_modules/.bin/tauri" build --ci --bundles deb -- --locked >/dev/null)
fi
say "building the measuring driver"
cargo build --quiet --locked -p oauth-desk-e2e --example bench_app

version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' tauri.conf.json | head -1)
app_bin=$target/release/oauth-desk
app_deb=$target/release/bundle/deb/oauth-desk_${version}_amd64.deb
base_bin=$target/release/tauri-minimal
base_deb=$target/release/bundle/deb/tauri-minimal_0.1.0_amd64.deb
mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f", b / 1048576 }'; }

run() { # name binary [extra args]: prints the driver's bench-run line
  local name=$1 bin=$2
  shift 2
  local out=$target/bench/$name.txt
  mkdir -p "$target/bench"
  OAUTHDESK_APP_BIN=$bin scripts/desktop-session.sh "$target/debug/examples/bench_app" \
    --name "$name" --launches "$launches" --idle-secs 6 "$@" >"$out"
  cat "$out" >&2
  grep '^bench-run:' "$out"
}
say "measuring the minimal app ($launches launches)"
base=$(run tauri-minimal "$base_bin")
say "measuring OAuth Desk ($launches launches, then 1,000 OAuth apps)"
app=$(run oauth-desk "$app_bin" --oauth-apps 1000)
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
bin_mb=$(mb "$app_bin") deb_mb=$(mb "$app_deb")
base_bin_mb=$(mb "$base_bin") base_deb_mb=$(mb "$base_deb")
start_ms=$(field "$app" start_ms) base_start_ms=$(field "$base" start_ms)
pss_mb=$(field "$app" pss_mb) base_pss_mb=$(field "$base" pss_mb)
pss_1000_mb=$(field "$app" pss_apps_mb)

printf '\n%-28s %12s %14s %8s\n' "" "OAuth Desk" "tauri-minimal" "ratio"
printf '%-28s %12s %14s %8s\n' "binary (MB)" "$bin_mb" "$base_bin_mb" "$(ratio "$bin_mb" "$base_bin_mb")"
printf '%-28s %12s %14s %8s\n' ".deb (MB)" "$deb_mb" "$base_deb_mb" "$(ratio "$deb_mb" "$base_deb_mb")"
printf '%-28s %12s %14s %8s\n' "first view, median (ms)" "$start_ms" "$base_start_ms" "$(ratio "$start_ms" "$base_start_ms")"
printf '%-28s %12s %14s %8s\n' "PSS after 6 s idle (MB)" "$pss_mb" "$base_pss_mb" "$(ratio "$pss_mb" "$base_pss_mb")"
printf '%-28s %12s %14s %8s\n' "PSS, 1,000 OAuth apps (MB)" "$pss_1000_mb" "" ""
echo "bench-app: bin_mb=$bin_mb deb_mb=$deb_mb start_ms=$start_ms start_ratio=$(ratio "$start_ms" "$base_start_ms") pss_mb=$pss_mb pss_ratio=$(ratio "$pss_mb" "$base_pss_mb") pss_1000_mb=$pss_1000_mb"
