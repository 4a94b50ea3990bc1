//! What the app holds while it runs, where it keeps things on disk, and the switches tests use.

use std::path::PathBuf;
use std::sync::Arc;

use desk_core::Desk;
use desk_core::desk::DeskOptions;
use vault::{KeyringStore, SecretStore};

use crate::deep_link::DeepLinkInbox;

// Where things live (the data folder, the keyring service, their overrides) is shared with the command line.
pub use desk_core::location::{data_dir_override, keyring_service};

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
    pub use desk_core::location::test_switches::{
        ENV_LOGIN_DEADLINE, ENV_SANDBOX_ADMIN_TOKEN, ENV_WIX_API_BASE, ENV_WIX_INSTALLER_BASE,
        desk_options, var,
    };

    /// Milliseconds every keyring call waits first, as a keyring behind an unlock prompt does.
    pub const ENV_KEYRING_DELAY_MS: &str = "OAUTHDESK_TEST_KEYRING_DELAY_MS";

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
