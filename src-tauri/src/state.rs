//! What the app holds while it runs, where it keeps things on disk, and the switches tests use.

use std::path::PathBuf;
use std::sync::Arc;

use desk_core::Desk;
use desk_core::desk::DeskOptions;
use vault::{KeyringStore, SecretStore};

use crate::deep_link::DeepLinkInbox;

/// Overrides the directory for the app's files (settings, logs). Tests use it to keep every run apart.
pub const ENV_DATA_DIR: &str = "OAUTHDESK_DATA_DIR";
/// Overrides the OS keyring service name under which secrets are stored. Tests use it to never touch a user's
/// real entries.
pub const ENV_KEYRING_SERVICE: &str = "OAUTHDESK_KEYRING_SERVICE";

pub struct AppState {
    pub data_dir: PathBuf,
    pub keyring_service: String,
    /// Projects, the sandbox, the keyring's one writer and every Wix operation.
    pub desk: Arc<Desk>,
    pub deep_links: DeepLinkInbox,
}

impl AppState {
    /// Open the project list and start the sandbox emulator (on the caller's async runtime). No keyring call
    /// happens here, so a locked keyring never delays the window.
    pub async fn open(
        data_dir: PathBuf,
        keyring_service: String,
        scheme: String,
    ) -> desk_core::Result<Self> {
        let store = test_switches::keyring(KeyringStore::new(keyring_service.clone()));
        let options = test_switches::desk_options(DeskOptions {
            redirect_uri: format!("{scheme}://callback"),
            ..DeskOptions::default()
        });
        let desk = Arc::new(Desk::open_with(&data_dir, store, options).await?);
        Ok(Self {
            desk,
            data_dir,
            keyring_service,
            deep_links: DeepLinkInbox::new(scheme),
        })
    }
}

/// Switches the end-to-end tests use to point the app at an emulator, shorten waits and slow the keyring down.
/// They exist in debug builds only (what the tests run); a release build ignores these variables, so nothing in
/// a user's environment can send their API keys or tokens elsewhere.
pub mod test_switches {
    use super::*;

    /// Where connected projects' Wix APIs are (an emulator a test started).
    pub const ENV_WIX_API_BASE: &str = "OAUTHDESK_WIX_API_BASE";
    /// Where Wix's installer pages are.
    pub const ENV_WIX_INSTALLER_BASE: &str = "OAUTHDESK_WIX_INSTALLER_BASE";
    /// How long a browser login waits for its callback, in seconds.
    pub const ENV_LOGIN_DEADLINE: &str = "OAUTHDESK_LOGIN_DEADLINE_SECONDS";
    /// Milliseconds every keyring call waits first, as a keyring behind an unlock prompt does.
    pub const ENV_KEYRING_DELAY_MS: &str = "OAUTHDESK_TEST_KEYRING_DELAY_MS";
    /// The sandbox's admin token, so a test can drive the sandbox's `/_emulator/v1` routes (members, outbox,
    /// faults) as the app does. Without it each run makes a random one that only the app holds.
    pub const ENV_SANDBOX_ADMIN_TOKEN: &str = "OAUTHDESK_TEST_SANDBOX_ADMIN_TOKEN";

    fn var(name: &str) -> Option<String> {
        if cfg!(debug_assertions) {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        } else {
            None
        }
    }

    /// The names of the switches set in this run (Settings shows them).
    pub fn active() -> Vec<String> {
        [
            ENV_WIX_API_BASE,
            ENV_WIX_INSTALLER_BASE,
            ENV_LOGIN_DEADLINE,
            ENV_KEYRING_DELAY_MS,
            ENV_SANDBOX_ADMIN_TOKEN,
            crate::members::ENV_BROWSER_RECORD,
        ]
        .into_iter()
        .filter(|name| var(name).is_some())
        .map(str::to_owned)
        .collect()
    }

    pub fn desk_options(mut options: DeskOptions) -> DeskOptions {
        let url = |name| var(name).and_then(|v| url::Url::parse(&v).ok());
        if let Some(base) = url(ENV_WIX_API_BASE) {
            options.wix_api = base;
        }
        if let Some(base) = url(ENV_WIX_INSTALLER_BASE) {
            options.wix_installer = base;
        }
        if let Some(seconds) = var(ENV_LOGIN_DEADLINE)
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|s| *s > 0)
        {
            options.login_deadline = std::time::Duration::from_secs(seconds);
        }
        if let Some(token) = var(ENV_SANDBOX_ADMIN_TOKEN) {
            options.sandbox_admin_token = Some(token);
        }
        options
    }

    pub fn keyring(store: KeyringStore) -> Arc<dyn SecretStore> {
        match var(ENV_KEYRING_DELAY_MS).and_then(|v| v.parse::<u64>().ok()) {
            Some(ms) => Arc::new(vault::SlowStore::new(
                store,
                std::time::Duration::from_millis(ms),
            )),
            None => Arc::new(store),
        }
    }

    /// A file to record browser URLs in instead of opening them (see `members::opener`).
    pub fn browser_record() -> Option<PathBuf> {
        var(crate::members::ENV_BROWSER_RECORD).map(PathBuf::from)
    }
}

/// The data directory: `$OAUTHDESK_DATA_DIR` if set, else the platform's app data directory.
pub fn data_dir_override() -> Option<PathBuf> {
    std::env::var_os(ENV_DATA_DIR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

pub fn keyring_service(identifier: &str) -> String {
    std::env::var(ENV_KEYRING_SERVICE)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| identifier.to_owned())
}
