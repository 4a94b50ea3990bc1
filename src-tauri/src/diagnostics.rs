//! Commands that tell the user about the app itself: version, where things live, and whether the OS keyring works.

use std::time::Instant;

use serde::Serialize;
use tauri::State;
use vault::{Secret, SecretStore};

use crate::error::{AppError, Result};
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
    let vault = state.vault.clone();
    tauri::async_runtime::spawn_blocking(move || probe(vault.as_ref())).await?
}

fn probe(vault: &dyn SecretStore) -> Result<KeyringCheck> {
    const NAME: &str = "diagnostics/probe";
    let started = Instant::now();
    let value = Secret::new(format!("probe-{}", std::process::id()));
    vault.set(NAME, &value)?;
    let read = vault.get(NAME)?;
    vault.delete(NAME)?;
    if read.as_ref() != Some(&value) {
        return Err(AppError::Keyring {
            message: "the OS keyring accepted a test secret but returned something else; check your keyring \
                      provider (GNOME Keyring, KWallet) and try again"
                .into(),
        });
    }
    Ok(KeyringCheck {
        backend: keyring_backend().to_owned(),
        millis: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vault::MemoryStore;

    #[test]
    fn probe_round_trips_and_leaves_nothing_behind() {
        let store = MemoryStore::default();
        probe(&store).unwrap();
        assert!(store.names().is_empty());
    }

    #[test]
    fn probe_reports_a_refusing_keyring_as_a_keyring_error() {
        let error = probe(&MemoryStore::failing_writes()).unwrap_err();
        assert!(matches!(error, AppError::Keyring { .. }));
    }
}
