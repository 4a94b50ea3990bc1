#!/usr/bin/env bash
# Open the app. On a machine with no desktop session (no display, or no D-Bus session for the keyring), run it in
# a session of its own: a virtual display and a throwaway keyring, and say so.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/oauth-desk}
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then
  exec "$bin"
fi
echo "No desktop session here: starting OAuth Desk on a virtual display (Xvfb) with a throwaway keyring."
echo "A screenshot of its window is written to target/run-screenshot.png once it shows; Ctrl+C to quit."
exec scripts/desktop-session.sh bash -c '
  "$0" & app=$!
  # The window exists once X knows it by its title; give WebKit a moment to paint its first view, then shoot it.
  if xdotool search --sync --onlyvisible --name "^OAuth Desk$" >/dev/null 2>&1; then
    sleep 2
    import -window root target/run-screenshot.png && echo "screenshot: target/run-screenshot.png"
  fi
  wait $app' "$bin"
