# The two front-door commands. Both install whatever is missing first (scripts/setup.sh).
.PHONY: run test setup bindings package bench-app

## Install what is missing, build, and open OAuth Desk.
run: setup
	npm --prefix ui run --silent build
	cargo build --release --locked -p oauth-desk
	scripts/run-app.sh target/release/oauth-desk

## Install what is missing, then every check and test: fmt, clippy, Rust tests, UI tests, end-to-end.
test: setup
	scripts/test.sh

setup:
	scripts/setup.sh

## Build the release app and its Linux packages (.deb and .rpm) in target/release/bundle/.
package: setup
	scripts/package.sh

## OAuth Desk beside a minimal Tauri 2 app: binary and .deb size, start-up time, memory.
bench-app: setup
	scripts/bench-app.sh

## Regenerate ui/src/lib/bindings.ts after changing a command, event or type.
bindings:
	UPDATE_BINDINGS=1 cargo test -p oauth-desk --lib bindings
