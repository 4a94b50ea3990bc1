#!/usr/bin/env bash
# The last stage of `make test`: build the Linux packages, install the .deb as a user would, prove the desktop hands
# `oauthdesk://` links to the installed app, and remove it again. Prints how long each part took.
#
#   scripts/test-package.sh
#
# Needs root (or sudo) for apt-get, and the debug E2E test binaries (scripts/test.sh builds them first).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[package]\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31m[package] %s\033[0m\n' "$*" >&2; exit 1; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
apt_quiet() { DEBIAN_FRONTEND=noninteractive as_root apt-get "$@" -y -qq -o Dpkg::Use-Pty=0 >/dev/null; }
started=$SECONDS

target=${CARGO_TARGET_DIR:-target}
version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' tauri.conf.json | head -1)
deb="$target/release/bundle/deb/oauth-desk_${version}_amd64.deb"
rpm="$target/release/bundle/rpm/oauth-desk-${version}-1.x86_64.rpm"
entry=/usr/share/applications/oauth-desk.desktop

# A package left by an interrupted run would make the "installed" checks meaningless.
if dpkg-query -W -f='${Status}' oauth-desk 2>/dev/null | grep -q "install ok installed"; then
  say "removing an oauth-desk package left installed by an earlier run"
  apt_quiet purge oauth-desk
fi

say "building the release app, the .deb and the .rpm"
rm -f "$deb" "$rpm"
scripts/package.sh deb,rpm
built=$SECONDS
[[ -f $deb && -f $rpm ]] || fail "expected $deb and $rpm"

say "what the packages declare"
control=$(dpkg-deb --field "$deb")
echo "$control" | grep -E '^(Package|Version|Depends):'
for dep in 'libwebkit2gtk-4.1-0' 'libgtk-3-0' 'gnome-keyring | kwalletmanager | keepassxc'; do
  grep -q "^Depends:.*$dep" <<<"$control" || fail ".deb does not depend on '$dep'"
done
contents=$(dpkg-deb --contents "$deb")
for path in usr/bin/oauth-desk usr/bin/oauthdesk usr/share/applications/oauth-desk.desktop usr/share/icons/hicolor/128x128/apps/oauth-desk.png; do
  grep -qE " (\./)?$path\$" <<<"$contents" || fail ".deb does not install /$path"
done
requires=$(rpm -qp --requires "$rpm" 2>/dev/null)
echo "$requires" | sed 's/^/rpm requires: /'
for dep in 'libwebkit2gtk-4.1.so.0()(64bit)' 'libgtk-3.so.0()(64bit)' '(gnome-keyring or kf6-kwallet or kf5-kwallet or keepassxc)'; do
  grep -qxF "$dep" <<<"$requires" || fail ".rpm does not require '$dep'"
done
rpm -qpl "$rpm" 2>/dev/null | grep -qx /usr/share/applications/oauth-desk.desktop || fail ".rpm has no desktop entry"
rpm -qpl "$rpm" 2>/dev/null | grep -qx /usr/bin/oauthdesk || fail ".rpm has no /usr/bin/oauthdesk"

say "installing $deb"
apt_quiet install "$(realpath "$deb")"
installed=$SECONDS
[[ -x /usr/bin/oauth-desk ]] || fail "/usr/bin/oauth-desk is not installed"
[[ -f $entry ]] || fail "$entry is not installed"
desktop-file-validate "$entry" || fail "$entry is not a valid desktop entry"
grep -qx 'MimeType=x-scheme-handler/oauthdesk;' "$entry" || fail "$entry does not declare the oauthdesk scheme"
grep -qx 'Exec=oauth-desk %u' "$entry" || fail "$entry does not pass the URL to the app"
# The command line works from the package, and needs no GTK or WebKit (it runs on a headless CI machine).
/usr/bin/oauthdesk --version | grep -qx "oauthdesk $version" || fail "/usr/bin/oauthdesk --version does not say $version"
if ldd /usr/bin/oauthdesk | grep -Eq 'libgtk|libwebkit'; then fail "/usr/bin/oauthdesk links GTK or WebKit"; fi

say "the installed app under Xvfb: the sandbox's OAuth apps, then a browser login handed back through xdg-open"
# A session of its own: no per-user association can hide or stand in for the package's.
scripts/desktop-session.sh bash -c '
  set -euo pipefail
  handler=$(xdg-mime query default x-scheme-handler/oauthdesk)
  echo "xdg-mime query default x-scheme-handler/oauthdesk: $handler"
  [[ $handler == oauth-desk.desktop ]] || { echo "the installed desktop entry is not the handler" >&2; exit 1; }
  OAUTHDESK_APP_BIN=/usr/bin/oauth-desk cargo test --workspace --locked --test installed -- --ignored --test-threads=1
'
smoked=$SECONDS

say "removing the package"
apt_quiet purge oauth-desk
[[ ! -e /usr/bin/oauth-desk ]] || fail "/usr/bin/oauth-desk is still there after removal"
[[ ! -e /usr/bin/oauthdesk ]] || fail "/usr/bin/oauthdesk is still there after removal"
[[ ! -e $entry ]] || fail "$entry is still there after removal"
scripts/desktop-session.sh bash -c '[[ -z $(xdg-mime query default x-scheme-handler/oauthdesk) ]]' \
  || fail "oauthdesk:// still has a handler after removal"

say "deb $(du -h "$deb" | cut -f1), rpm $(du -h "$rpm" | cut -f1); build $((built - started)) s, install $((installed - built)) s, smoke test $((smoked - installed)) s, remove $((SECONDS - smoked)) s"
