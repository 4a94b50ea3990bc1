//! Commands that tell the user about the app itself: version, where things live, and whether the OS keyring works.

use serde::Serialize;
use tauri::State;

use crate::error::Result;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    /// The SPDX license expression OAuth Desk is distributed under.
    pub license: String,
    /// The custom URI scheme the app answers, e.g. `oauthdesk`.
    pub deep_link_scheme: String,
    /// The redirect URI member sign-in uses, e.g. `oauthdesk://callback`.
    pub callback_uri: String,
    pub data_dir: String,
    pub keyring_service: String,
    /// Which keyring backend this build uses.
    pub keyring_backend: String,
    /// Where the built-in sandbox (local Wix emulator) listens: point a Headless front end at it to test offline.
    pub sandbox_url: String,
    /// Test switches set in this run (debug builds only; a release build has none).
    pub test_switches: Vec<String>,
}

/// The UI has painted its first view with its data (the project list). Logged once per process as
/// `first view painted`: the moment the start-up benchmark (`scripts/bench-app.sh`) times.
#[tauri::command]
#[specta::specta]
pub fn first_view_shown() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| log::info!("first view painted"));
}

#[tauri::command]
#[specta::specta]
pub fn app_info(app: tauri::AppHandle, state: State<'_, AppState>) -> AppInfo {
    let scheme = state.deep_links.scheme().to_owned();
    AppInfo {
        version: app.package_info().version.to_string(),
        license: env!("CARGO_PKG_LICENSE").to_owned(),
        callback_uri: format!("{scheme}://callback"),
        deep_link_scheme: scheme,
        data_dir: state.data_dir.display().to_string(),
        keyring_service: state.keyring_service.clone(),
        keyring_backend: keyring_backend().to_owned(),
        sandbox_url: state.desk.sandbox.base_url().to_string(),
        test_switches: crate::state::test_switches::active(),
    }
}

fn keyring_backend() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(windows) {
        "Windows Credential Manager"
    } else {
        "Secret Service (D-Bus)"
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyringCheck {
    pub backend: String,
    /// Time for one store + read + delete of a probe secret.
    pub millis: u32,
}

/// Store, read back and delete a probe secret, to prove the OS keyring works before any real secret depends on it.
#[tauri::command]
#[specta::specta]
pub async fn check_keyring(state: State<'_, AppState>) -> Result<KeyringCheck> {
    let took = state.desk.secrets.check().await?;
    Ok(KeyringCheck {
        backend: keyring_backend().to_owned(),
        millis: u32::try_from(took.as_millis()).unwrap_or(u32::MAX),
    })
}

/// What "Remove all OAuth Desk data" will delete, for its confirmation. Names and places only.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StoredDataView {
    /// The keyring service the entries are stored under.
    pub keyring_service: String,
    /// One line per keyring entry: what it is and whose.
    pub keyring_entries: Vec<String>,
    /// Folders and files, full paths: the app's data, logs, window size and webview data.
    pub files: Vec<String>,
}

/// The folders the shell's parts write (logs, the window's size, the webview's data and cache), and with the
/// platform's data folder the desk's files too. With `OAUTHDESK_DATA_DIR` (a folder the user or a test chose) only
/// what the app wrote inside it goes, not the folder.
fn shell_folders(app: &tauri::AppHandle, state: &AppState) -> Vec<std::path::PathBuf> {
    use tauri::Manager;
    let paths = app.path();
    let mut folders = Vec::new();
    if crate::state::data_dir_override().is_some() {
        folders.push(state.data_dir.join("logs"));
    } else {
        folders.push(state.data_dir.clone());
        folders.extend(paths.app_log_dir());
    }
    folders.extend(paths.app_local_data_dir());
    folders.extend(paths.app_config_dir());
    folders.extend(paths.app_cache_dir());
    let mut unique: Vec<std::path::PathBuf> = Vec::new();
    for folder in folders {
        if !unique.iter().any(|u| folder.starts_with(u)) {
            unique.retain(|u| !u.starts_with(&folder));
            unique.push(folder);
        }
    }
    unique
}

/// Everything "Remove all OAuth Desk data" would delete now.
#[tauri::command]
#[specta::specta]
pub async fn stored_data(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<StoredDataView> {
    let stored = state.desk.stored_data().await?;
    let folders = shell_folders(&app, &state);
    let listed = folders.clone();
    let mut files: Vec<String> = desk_core::blocking(move || {
        listed
            .into_iter()
            .filter(|f| f.exists())
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
    })
    .await?;
    files.extend(stored.files.into_iter().filter(|f| {
        !folders
            .iter()
            .any(|folder| std::path::Path::new(f).starts_with(folder))
    }));
    Ok(StoredDataView {
        keyring_service: state.keyring_service.clone(),
        keyring_entries: stored.keyring_entries,
        files,
    })
}

/// Delete every keyring entry and file OAuth Desk wrote, then quit: nothing is left to run on. Work that could
/// write again stops first (see `Desk::remove_all_data`); the app leaves with `exit`, not through the event loop,
/// so no plugin writes its files (the window-state plugin saves at a normal exit) after they are gone. A keyring
/// that refuses a deletion stops it with an error, and the app stays open to try again.
#[tauri::command]
#[specta::specta]
pub async fn remove_all_data(app: tauri::AppHandle, state: State<'_, AppState>) -> Result<()> {
    let removed = state.desk.remove_all_data().await?;
    let folders = shell_folders(&app, &state);
    let gone = desk_core::blocking(move || {
        let mut gone = 0u32;
        for folder in folders {
            match std::fs::remove_dir_all(&folder) {
                Ok(()) => gone += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(desk_core::CoreError::Io {
                        action: "remove",
                        path: folder.display().to_string(),
                        source,
                    });
                }
            }
        }
        Ok(gone)
    })
    .await??;
    log::info!(
        "removed all OAuth Desk data: {} keyring entries, {} files and {} folders; quitting",
        removed.keyring_entries,
        removed.files,
        gone
    );
    std::process::exit(0);
}
