//! OAuth Desk's Tauri shell: plugin wiring, app state and typed commands, one module per feature. Everything a
//! test without a window needs lives in the crates under `crates/`; this crate only connects them to the window.
//!
//! Commands (and the one event type, sent over a channel: see [`events`]) are declared once in [`specta_builder`], which both registers them with Tauri and generates
//! `ui/src/lib/bindings.ts` (a test fails when the committed bindings drift from the Rust code).

mod clipboard;
mod deep_link;
mod diagnostics;
mod error;
mod events;
mod members;
mod oauth_apps;
mod projects;
mod state;
mod theme;
mod wix_apps;

use tauri::{AppHandle, Manager};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_specta::collect_commands;

pub use error::AppError;

use crate::deep_link::{DeepLinkRecord, DeepLinkSource};
use crate::events::{AppEvent, EventHub};
use crate::state::AppState;

/// The deep-link scheme used when the configuration names none.
const DEFAULT_SCHEME: &str = "oauthdesk";

/// Every command and event the UI may use. The capability file grants the main window exactly these commands.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            events::subscribe_events,
            theme::system_theme,
            diagnostics::stored_data,
            diagnostics::remove_all_data,
            diagnostics::first_view_shown,
            diagnostics::app_info,
            diagnostics::check_keyring,
            recent_deep_links,
            projects::list_projects,
            projects::add_project,
            projects::remove_project,
            projects::test_connection,
            projects::reset_sandbox,
            oauth_apps::query_oauth_apps,
            oauth_apps::get_oauth_app,
            oauth_apps::validate_oauth_app,
            oauth_apps::create_oauth_app,
            oauth_apps::update_oauth_app,
            oauth_apps::delete_oauth_app,
            oauth_apps::reveal_saved_secret,
            oauth_apps::delete_saved_secret,
            oauth_apps::copy_to_clipboard,
            members::member_status,
            members::get_visitor_tokens,
            members::preflight_sign_in,
            members::start_browser_login,
            members::cancel_browser_login,
            members::member_login,
            members::member_register,
            members::member_verify,
            members::send_password_reset,
            members::external_login,
            members::renew_tokens,
            members::logout_member,
            members::captcha_help,
            members::external_login_with_session,
            oauth_apps::generate_app_secret,
            oauth_apps::diagnose_redirect,
            oauth_apps::add_exact_redirect_uri,
            oauth_apps::read_app_secret_from_wix,
            members::forget_tokens,
            members::copy_auth_header,
            members::sign_in_timeline,
            wix_apps::sandbox_wix_app,
            wix_apps::list_wix_app_profiles,
            wix_apps::add_wix_app_profile,
            wix_apps::remove_wix_app_profile,
            wix_apps::wix_app_basic_token,
            wix_apps::wix_app_refresh,
            wix_apps::wix_app_token_status,
            wix_apps::wix_app_finish_configuration,
            wix_apps::copy_wix_app_auth_header,
            wix_apps::install_on_sandbox,
        ])
        .typ::<AppError>()
        .typ::<AppEvent>()
}

/// The deep links received since start, newest first, with their values redacted.
#[tauri::command]
#[specta::specta]
fn recent_deep_links(state: tauri::State<'_, AppState>) -> Vec<DeepLinkRecord> {
    state.deep_links.recent()
}

pub fn run() {
    let builder = specta_builder();
    let context = tauri::generate_context!();
    let scheme = configured_scheme(context.config());

    tauri::Builder::default()
        // First: a second launch (how Linux and Windows deliver a deep link) must reach this instance before
        // any other plugin starts work of its own. Its `deep-link` feature forwards the URL to the deep-link
        // plugin, whose `on_open_url` handler (set up below) receives it.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            bring_to_front(app);
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(log_plugin())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        // The window comes back where and as large as the user left it (saved at exit, in the config folder).
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            app.manage(EventHub::default());
            let data_dir = match state::data_dir_override() {
                Some(dir) => dir,
                None => app.path().app_data_dir()?,
            };
            std::fs::create_dir_all(&data_dir)?;
            let service = state::keyring_service(&app.config().identifier);
            let state = tauri::async_runtime::block_on(AppState::open(data_dir, service, scheme))?;
            app.manage(state);
            wire_deep_links(app.handle());
            wix_apps::forward_events(app.handle());
            theme::watch(app.handle());
            exit_on_signals(app.handle());
            Ok(())
        })
        .build(context)
        .expect("OAuth Desk could not start its window")
        .run(|app, event| {
            // The sandbox writes its state a moment behind its changes: write the last ones before the process
            // ends (a window closed, SIGTERM, a quit through the event loop).
            if let tauri::RunEvent::Exit = event
                && let Some(state) = app.try_state::<AppState>()
            {
                tauri::async_runtime::block_on(state.desk.sandbox.persist());
            }
        });
}

fn configured_scheme(config: &tauri::Config) -> String {
    config
        .plugins
        .0
        .get("deep-link")
        .and_then(|c| c.pointer("/desktop/schemes/0"))
        .and_then(|s| s.as_str())
        .unwrap_or(DEFAULT_SCHEME)
        .to_owned()
}

fn log_plugin() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    use tauri_plugin_log::{Target, TargetKind};
    let file = match state::data_dir_override() {
        Some(dir) => TargetKind::Folder {
            path: dir.join("logs"),
            file_name: None,
        },
        None => TargetKind::LogDir { file_name: None },
    };
    tauri_plugin_log::Builder::new()
        .clear_targets()
        .targets([Target::new(TargetKind::Stdout), Target::new(file)])
        .level(log::LevelFilter::Info)
        // D-Bus traffic (every single-instance hand-over) would flood the file at info level.
        .level_for("zbus", log::LevelFilter::Warn)
        .level_for("tracing", log::LevelFilter::Warn)
        // The deep-link plugin warns about an argument it skips by quoting it whole: a URL with a code in it would
        // reach the log file (found by the leak scan). Our own inbox logs every link, redacted.
        .level_for("tauri_plugin_deep_link", log::LevelFilter::Error)
        // Keep history across rotations instead of deleting the only file at 40 KB (the plugin's default).
        .max_file_size(2 * 1024 * 1024)
        .rotation_strategy(tauri_plugin_log::RotationStrategy::KeepSome(3))
        .build()
}

fn wire_deep_links(app: &AppHandle) {
    // Register the scheme with the desktop (a .desktop file + xdg-mime on Linux). A machine without xdg-utils
    // still works through argv; say so in the log and carry on. Not for a binary a .deb or .rpm installed under
    // /usr: the package's desktop entry declares the scheme, and a per-user copy would outlive the package.
    // Off the main thread: on Linux it runs update-desktop-database and xdg-mime, about a fifth of a second that
    // the first view would otherwise wait for. Links that arrive meanwhile come in through argv as always.
    #[cfg(any(target_os = "linux", windows))]
    if !installed_by_linux_package() {
        let handle = app.clone();
        tauri::async_runtime::spawn_blocking(move || match handle.deep_link().register_all() {
            Ok(()) => log::info!("deep-link scheme registered with the desktop"),
            Err(e) => log::warn!("could not register the deep-link scheme with the desktop: {e}"),
        });
    }

    // Cold start: the URL was our argv.
    match app.deep_link().get_current() {
        Ok(Some(urls)) => {
            for url in urls {
                deliver(app, url.as_str(), DeepLinkSource::ColdStart);
            }
        }
        Ok(None) => {}
        Err(e) => log::warn!("could not read the start-up deep link: {e}"),
    }

    // Running: a second launch forwarded its argv through single-instance.
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            deliver(&handle, url.as_str(), DeepLinkSource::SecondInstance);
        }
    });
}

/// Whether this binary was installed by a Linux package (under `/usr`, with a desktop entry for the scheme).
#[cfg(any(target_os = "linux", windows))]
fn installed_by_linux_package() -> bool {
    cfg!(target_os = "linux") && std::env::current_exe().is_ok_and(|exe| exe.starts_with("/usr/"))
}

fn deliver(app: &AppHandle, raw: &str, source: DeepLinkSource) {
    let state = app.state::<AppState>();
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let record = state.deep_links.receive(raw, source, now);
    log::info!(
        "deep link received ({:?}): {} -> {:?}",
        record.source,
        record.redacted_url,
        record.verdict
    );
    app.state::<EventHub>()
        .emit(AppEvent::DeepLinkReceived(record));
    // Only a pending login's callback counts (state, once, deadline, redirect URI); the desk decides.
    let (handle, raw) = (app.clone(), raw.to_owned());
    tauri::async_runtime::spawn(async move {
        let outcome = handle.state::<AppState>().desk.complete_sign_in(&raw).await;
        log::info!("sign-in callback: {}", outcome.message);
        handle
            .state::<EventHub>()
            .emit(AppEvent::SignInFinished(outcome));
        bring_to_front(&handle);
    });
}

/// A session that ends (logout, shutdown: SIGTERM), a closed terminal (SIGHUP) or Ctrl+C (SIGINT) quits the app
/// through its event loop, as closing the window does, so what is saved at exit (the window's size and place) is
/// saved then too.
fn exit_on_signals(app: &AppHandle) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        for kind in [
            SignalKind::terminate(),
            SignalKind::hangup(),
            SignalKind::interrupt(),
        ] {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                match signal(kind) {
                    Ok(mut received) => {
                        if received.recv().await.is_some() {
                            log::info!("quitting on signal {}", kind.as_raw_value());
                            app.exit(0);
                        }
                    }
                    Err(e) => log::warn!("cannot watch signal {}: {e}", kind.as_raw_value()),
                }
            });
        }
    }
}

fn bring_to_front(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The bindings the UI compiles against must be exactly what the Rust code generates. Run with
    /// `UPDATE_BINDINGS=1` to rewrite them after changing a command, an event or a type.
    #[test]
    fn typescript_bindings_are_up_to_date() {
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
        let generated =
            std::env::temp_dir().join(format!("oauthdesk-bindings-{}.ts", std::process::id()));
        super::specta_builder()
            .export(typescript(), &generated)
            .expect("export bindings");
        let fresh = std::fs::read_to_string(&generated).unwrap();
        let _ = std::fs::remove_file(&generated);
        // tauri-specta 2.0.0-rc.21 also exports Tauri's placeholder for `Channel` as a type alias, which shadows the
        // real `Channel` it imports under the same name (and would type `subscribeEvents`' argument as `null`).
        let placeholder = "export type TAURI_CHANNEL<TSend> = null\n";
        assert!(
            fresh.contains("Channel as TAURI_CHANNEL"),
            "the bindings no longer import Tauri's Channel: revisit this workaround"
        );
        let fresh = fresh.replacen(placeholder, "", 1);
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&committed, &fresh).unwrap();
            return;
        }
        let current = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            current == fresh,
            "ui/src/lib/bindings.ts is out of date: run `UPDATE_BINDINGS=1 cargo test -p oauth-desk bindings`"
        );
    }

    fn typescript() -> specta_typescript::Typescript {
        specta_typescript::Typescript::default()
            .header("// Generated by tauri-specta from the Rust commands. Do not edit: run `UPDATE_BINDINGS=1 cargo test -p oauth-desk bindings`.\n// @ts-nocheck")
            .bigint(specta_typescript::BigIntExportBehavior::Fail)
    }
}
