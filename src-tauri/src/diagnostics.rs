//! Commands that tell the user about the app itself: version, where things live, and whether the OS keyring works.

use serde::Serialize;
use tauri::State;

use crate::error::Result;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
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

#[tauri::command]
#[specta::specta]
pub fn app_info(app: tauri::AppHandle, state: State<'_, AppState>) -> AppInfo {
    let scheme = state.deep_links.scheme().to_owned();
    AppInfo {
        version: app.package_info().version.to_string(),
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
