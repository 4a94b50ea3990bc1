//! Tauri's build step. The configuration lives at the repository root (`../tauri.conf.json`, and on Linux
//! `../tauri.linux.conf.json`); tauri-build, `generate_context!()`, the Tauri CLI and its bundler all read it through
//! the symlinks beside this file, so paths in it resolve from this directory (`../ui/dist`, `../icons/…`). On
//! Windows, where a checkout may turn a symlink into a text file, the release workflow copies the files in first.
//!
//! The app manifest lists every command: with it, a command is callable only where a capability grants its
//! `allow-<command>` permission (see `capabilities/main.json`), not by default from any window.

const COMMANDS: &[&str] = &[
    "subscribe_events",
    "captcha_help",
    "external_login_with_session",
    "generate_app_secret",
    "diagnose_redirect",
    "add_exact_redirect_uri",
    "read_app_secret_from_wix",
    "system_theme",
    "stored_data",
    "remove_all_data",
    "first_view_shown",
    "app_info",
    "check_keyring",
    "recent_deep_links",
    "list_projects",
    "add_project",
    "remove_project",
    "test_connection",
    "reset_sandbox",
    "query_oauth_apps",
    "get_oauth_app",
    "validate_oauth_app",
    "create_oauth_app",
    "update_oauth_app",
    "delete_oauth_app",
    "reveal_saved_secret",
    "delete_saved_secret",
    "copy_to_clipboard",
    "member_status",
    "get_visitor_tokens",
    "preflight_sign_in",
    "start_browser_login",
    "cancel_browser_login",
    "member_login",
    "member_register",
    "member_verify",
    "send_password_reset",
    "external_login",
    "renew_tokens",
    "logout_member",
    "forget_tokens",
    "copy_auth_header",
    "sign_in_timeline",
    "sandbox_wix_app",
    "list_wix_app_profiles",
    "add_wix_app_profile",
    "remove_wix_app_profile",
    "wix_app_basic_token",
    "wix_app_refresh",
    "wix_app_token_status",
    "wix_app_finish_configuration",
    "copy_wix_app_auth_header",
    "install_on_sandbox",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
