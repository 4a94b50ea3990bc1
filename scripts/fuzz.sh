#!/usr/bin/env bash
# Build the fuzz targets (fuzz/, cargo-afl on stable Rust) and run each in turn for SECONDS_PER_TARGET seconds
# (default 10), from its seed corpus (fuzz/corpus/<target>) with its dictionary (fuzz/dict/<target>.dict).
# Prints per target: executions, executions/s, coverage (edges found, share of the bitmap), crashes, hangs; then
# `fuzz: targets=4 execs=N crashes=0 hangs=0`. Exits nonzero if any target crashed (its inputs are kept in the
# output folder: replay one with `<target folder>/release/<target> < <file>`, OAUTH_DESK_FUZZ_TRACE=1 to see what
# it did).
#
#   scripts/fuzz.sh            # short run (make test)
#   scripts/fuzz.sh 600        # ten minutes a target
#   FUZZ_TARGETS="callback deep_link" scripts/fuzz.sh 60
#
# Needs cargo-afl (scripts/setup.sh installs it). Runs at the lowest CPU priority: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${1:-10}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: $0 [SECONDS_PER_TARGET]" >&2; exit 2; }
targets=(${FUZZ_TARGETS:-callback deep_link jwt_claims emulator_bodies})
# Its own target folder: the AFL build's flags differ from the workspace's, so sharing one would rebuild both. It
# lives outside the clone by default, so that a fresh clone on the same machine (CI) rebuilds only our crates and
# not the instrumented dependencies (about 10 CPU-minutes).
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/oauth-desk/afl-target}
out=${FUZZ_OUT:-$root/target/fuzz-out}

command -v cargo-afl >/dev/null || { echo "cargo-afl is missing: run scripts/setup.sh" >&2; exit 1; }

echo "fuzz: building ${targets[*]} (cargo afl build --release)"
(cd fuzz && nice -n 19 cargo afl build --release --locked --quiet)

# No UI (a log line now and then), no CPU pinning (the cores are shared), no wait for a core-dump handler.
export AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FAST_CAL=1

stat() { sed -n "s/^$1 *: *//p" "$2" | head -n 1; }

total_execs=0 total_crashes=0 total_hangs=0 failed=()
for target in "${targets[@]}"; do
  rm -rf "${out:?}/$target"
  mkdir -p "$out/$target"
  log="$out/$target/afl.log"
  nice -n 19 cargo afl fuzz -i "fuzz/corpus/$target" -o "$out/$target" -x "fuzz/dict/$target.dict" \
    -t 2000 -V "$seconds" -- "$CARGO_TARGET_DIR/release/$target" >"$log" 2>&1 || {
    echo "fuzz: $target: afl-fuzz failed; the end of $log:" >&2
    tail -n 30 "$log" >&2
    failed+=("$target")
    continue
  }
  stats="$out/$target/default/fuzzer_stats"
  if [[ ! -f $stats ]]; then
    echo "fuzz: $target: no statistics in $stats" >&2
    failed+=("$target")
    continue
  fi
  execs=$(stat execs_done "$stats")
  crashes=$(stat saved_crashes "$stats")
  hangs=$(stat saved_hangs "$stats")
  printf 'fuzz: %-16s execs=%-9s execs/s=%-8s edges=%s/%s bitmap=%s corpus=%s stability=%s crashes=%s hangs=%s (%ss)\n' \
    "$target" "$execs" "$(stat execs_per_sec "$stats")" "$(stat edges_found "$stats")" "$(stat total_edges "$stats")" \
    "$(stat bitmap_cvg "$stats")" "$(stat corpus_count "$stats")" "$(stat stability "$stats")" "$crashes" "$hangs" \
    "$(stat run_time "$stats")"
  if ((crashes > 0)); then
    echo "fuzz: $target crashed; inputs in $out/$target/default/crashes/" >&2
    failed+=("$target")
  fi
  total_execs=$((total_execs + execs))
  total_crashes=$((total_crashes + crashes))
  total_hangs=$((total_hangs + hangs))
done

echo "fuzz: targets=${#targets[@]} execs=$total_execs crashes=$total_crashes hangs=$total_hangs"
if ((${#failed[@]})); then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
