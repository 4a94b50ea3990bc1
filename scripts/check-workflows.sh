#!/usr/bin/env bash
# The GitHub workflows cannot run on this project's machines, so `make test` checks that each is a valid workflow:
# parsed as YAML and validated against the schema of GitHub's workflow syntax (vendored in check-jsonschema, pinned
# and installed by scripts/setup.sh; no network needed).
set -euo pipefail
cd "$(dirname "$0")/.."
checker="${XDG_CACHE_HOME:-$HOME/.cache}/oauth-desk/check-jsonschema-0.39.0/bin/check-jsonschema"
[[ -x $checker ]] || { echo "check-workflows: $checker is missing: run scripts/setup.sh first" >&2; exit 1; }
"$checker" --builtin-schema vendor.github-workflows .github/workflows/*.yml
