#!/usr/bin/env bash
# Run a command inside a desktop session of its own: a private D-Bus session bus with an unlocked GNOME Keyring
# (a real Secret Service for the keyring crate) and, when there is no display, a virtual X display (Xvfb).
#
#   scripts/desktop-session.sh CMD [ARGS...]
#
# Used by the test command (always: tests must never touch the developer's real keyring) and by the run command
# on a machine with no desktop session. The keyring lives in a throwaway directory and is gone afterwards.
set -euo pipefail

if [[ -z "${OAUTHDESK_IN_SESSION:-}" ]]; then
  export OAUTHDESK_IN_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi

scratch=$(mktemp -d -t oauthdesk-session.XXXXXX)
cleanup() {
  [[ -n "${xvfb_pid:-}" ]] && kill "$xvfb_pid" 2>/dev/null || true
  [[ -n "${keyring_pid:-}" ]] && kill "$keyring_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

# GNOME Keyring keeps its files under $XDG_DATA_HOME/keyrings. `--unlock` with an (empty) password line on stdin
# creates and unlocks the default "login" collection without a prompt; `--start` then brings up the Secret
# Service component on our bus. (`--unlock --components=secrets` alone leaves no default collection, and the
# keyring crate then fails with "no result found".)
# Settings go there too: desktop associations (`xdg-mime default` writes $XDG_CONFIG_HOME/mimeapps.list) made
# inside the session must not change the user's, nor the user's decide what the session's `xdg-open` does.
export XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
eval "$(printf '\n' | gnome-keyring-daemon --unlock)"
eval "$(gnome-keyring-daemon --start --components=secrets)"
keyring_pid=${GNOME_KEYRING_PID:-}
export GNOME_KEYRING_CONTROL

if [[ -z "${DISPLAY:-}" ]]; then
  # -displayfd picks a free display number and tells us which.
  exec {fd}<> <(:)
  Xvfb -displayfd "$fd" -screen 0 1280x800x24 -nolisten tcp >"$scratch/xvfb.log" 2>&1 &
  xvfb_pid=$!
  read -r -t 20 -u "$fd" display_number || { echo "Xvfb did not start:" >&2; cat "$scratch/xvfb.log" >&2; exit 1; }
  export DISPLAY=":$display_number"
fi

"$@"
