//! What the app holds while it runs, and where it keeps things on disk.

use std::path::PathBuf;
use std::sync::Arc;

use desk_core::Desk;
use desk_core::projects::Projects;
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
    pub vault: Arc<dyn SecretStore>,
    pub projects: Arc<Projects>,
    /// Projects, the sandbox and every Wix operation.
    pub desk: Arc<Desk>,
    pub deep_links: DeepLinkInbox,
}

impl AppState {
    /// Open the project list and start the sandbox emulator (on the caller's async runtime).
    pub async fn open(
        data_dir: PathBuf,
        keyring_service: String,
        scheme: String,
    ) -> desk_core::Result<Self> {
        let vault: Arc<dyn SecretStore> = Arc::new(KeyringStore::new(keyring_service.clone()));
        let redirect_uri = format!("{scheme}://callback");
        let desk = Arc::new(Desk::open_with(&data_dir, vault.clone(), &redirect_uri).await?);
        Ok(Self {
            vault,
            projects: desk.projects.clone(),
            desk,
            data_dir,
            keyring_service,
            deep_links: DeepLinkInbox::new(scheme),
        })
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
