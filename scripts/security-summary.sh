#!/usr/bin/env bash
# The security suite's one line, after every test has run (called by scripts/test.sh):
#   security: sandbox_attacks_refused=N/N loopback_attacks_refused=N/N opener_refused=N/N hostile_links_refused=N/N leaks=0
# Each count is written by the test that attacks that door (target/tmp/security/<class>); the leak scan looks for
# every kind of token, code and secret the emulator issues (its formats are unmistakable), and for the E2E tests'
# API keys, in what the app wrote (data folders, logs, the sandbox's state file) and in the test output.
# Fails if a count is missing, if anything was not refused, or if one value leaked.
set -euo pipefail
cd "$(dirname "$0")/.."
tallies=target/tmp/security
output=${1:-target/test-output.log}

line="security:"
failed=0
for class in sandbox_attacks_refused loopback_attacks_refused opener_refused hostile_links_refused; do
  if [[ ! -s "$tallies/$class" ]]; then
    echo "security: no count for $class (its test did not run)" >&2
    failed=1
    continue
  fi
  count=$(tr -d '[:space:]' <"$tallies/$class")
  line+=" $class=$count"
  [[ "${count%%/*}" == "${count##*/}" ]] || failed=1
done

# Formats of what the emulator issues (tokens, codes, session and state tokens, client and app secrets, JWT-shaped
# access tokens), and the API keys the E2E tests type in. Seeded demo values ("emu-secret-seeded-1") are public.
pattern='EMU\.[a-z-]+\.[A-Za-z0-9_-]{16,}|emu-(app-)?secret-[A-Za-z0-9_-]{20,}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.|IST\.e2e-[a-z-]+-[0-9]+'
places=(target/e2e/profiles)
[[ -f "$output" ]] && places+=("$output")
leaks=$(grep -rEo "$pattern" "${places[@]}" 2>/dev/null | wc -l || true)
line+=" leaks=$leaks"
if ((leaks > 0)); then
  echo "security: values leaked into these files (values not shown):" >&2
  grep -rElE "$pattern" "${places[@]}" >&2 || true
  failed=1
fi
echo "$line"
exit "$failed"
