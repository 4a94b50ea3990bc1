//! Tauri's build step. The configuration lives at the repository root (`../tauri.conf.json`); tauri-build reads it
//! through the `src-tauri/tauri.conf.json` symlink, so the root file stays the single source of truth.
//!
//! The app manifest lists every command: with it, a command is callable only where a capability grants its
//! `allow-<command>` permission (see `capabilities/main.json`), not by default from any window.

const COMMANDS: &[&str] = &[
    "app_info",
    "check_keyring",
    "recent_deep_links",
    "list_projects",
    "add_project",
    "remove_project",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
