//! Where OAuth Desk keeps its things, for every program that uses them: the desktop app and the `oauthdesk`
//! command line open the same data folder and the same keyring service, so a project connected in one is there in
//! the other.
//!
//! - The data folder is the platform's data folder joined with the app's [`IDENTIFIER`] (what Tauri's
//!   `app_data_dir()` gives the app: `$XDG_DATA_HOME/dev.oauthdesk.app` on Linux, `~/Library/Application
//!   Support/dev.oauthdesk.app` on macOS, `%APPDATA%\dev.oauthdesk.app` on Windows), unless [`ENV_DATA_DIR`] names
//!   another.
//! - Secrets live in the OS keyring under the service [`IDENTIFIER`], unless [`ENV_KEYRING_SERVICE`] names another.
//!
//! Tests set both variables so no run touches a user's folder or keyring entries.

use std::path::PathBuf;

use vault::KeyringStore;

use crate::desk::DeskOptions;
use crate::error::{CoreError, Result};

/// The app's identifier (`identifier` in `tauri.conf.json`; a test keeps the two equal). It names the
/// data folder and the keyring service.
pub const IDENTIFIER: &str = "dev.oauthdesk.app";

/// Overrides the folder for the app's files (project list, keyring ledger, sandbox state, logs).
pub const ENV_DATA_DIR: &str = "OAUTHDESK_DATA_DIR";

/// Overrides the OS keyring service name under which secrets are stored.
pub const ENV_KEYRING_SERVICE: &str = "OAUTHDESK_KEYRING_SERVICE";

/// The data folder named by [`ENV_DATA_DIR`], if it is set and not empty.
pub fn data_dir_override() -> Option<PathBuf> {
    std::env::var_os(ENV_DATA_DIR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The data folder: [`ENV_DATA_DIR`] if set, else the platform's data folder joined with [`IDENTIFIER`] (the
/// folder Tauri's `app_data_dir()` gives the app). Not created here.
pub fn data_dir() -> Result<PathBuf> {
    if let Some(dir) = data_dir_override() {
        return Ok(dir);
    }
    dirs::data_dir()
        .map(|base| base.join(IDENTIFIER))
        .ok_or_else(|| CoreError::Io {
            action: "find",
            path: "the data folder".to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("this system names no data folder for its user; set {ENV_DATA_DIR}"),
            ),
        })
}

/// The keyring service: [`ENV_KEYRING_SERVICE`] if set, else `identifier` (the app passes its configured one;
/// other programs pass [`IDENTIFIER`]).
pub fn keyring_service(identifier: &str) -> String {
    std::env::var(ENV_KEYRING_SERVICE)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| identifier.to_owned())
}

/// The OS keyring under [`keyring_service`]`(`[`IDENTIFIER`]`)`.
pub fn keyring_store() -> KeyringStore {
    KeyringStore::new(keyring_service(IDENTIFIER))
}

/// Switches the tests use to point a program at an emulator instead of Wix. They work in debug builds only (what
/// the tests run): a release build ignores these variables, so nothing in a user's environment can send their API
/// keys or tokens elsewhere. The app reads the same names (`src-tauri/src/state.rs`).
pub mod test_switches {
    use super::DeskOptions;

    /// Where connected projects' Wix APIs are (an emulator a test started).
    pub const ENV_WIX_API_BASE: &str = "OAUTHDESK_WIX_API_BASE";
    /// Where Wix's installer pages are.
    pub const ENV_WIX_INSTALLER_BASE: &str = "OAUTHDESK_WIX_INSTALLER_BASE";
    /// How long a browser login waits for its callback, in seconds.
    pub const ENV_LOGIN_DEADLINE: &str = "OAUTHDESK_LOGIN_DEADLINE_SECONDS";
    /// The sandbox's admin token, so a test can drive the sandbox's `/_emulator/v1` routes.
    pub const ENV_SANDBOX_ADMIN_TOKEN: &str = "OAUTHDESK_TEST_SANDBOX_ADMIN_TOKEN";

    /// The switch's value in a debug build, if set and not empty; always `None` in a release build.
    pub fn var(name: &str) -> Option<String> {
        if cfg!(debug_assertions) {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        } else {
            None
        }
    }

    /// `options` with the switches set in this run applied.
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The app's data folder and keyring service come from `tauri.conf.json`'s identifier; the command line uses
    /// this constant. If they drift apart, the two programs stop seeing each other's projects.
    #[test]
    fn identifier_is_the_apps() {
        let conf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tauri.conf.json");
        let conf: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(conf).unwrap()).unwrap();
        assert_eq!(conf["identifier"], IDENTIFIER);
    }

    /// On Linux, the folder Tauri gives the app: `$XDG_DATA_HOME/<identifier>`, else
    /// `~/.local/share/<identifier>`.
    #[cfg(target_os = "linux")]
    #[test]
    fn data_dir_on_linux_is_xdg_data_home_and_identifier() {
        if data_dir_override().is_some() {
            return; // a run that moved the folder on purpose
        }
        let base = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(std::env::var_os("HOME").unwrap()).join(".local/share")
            });
        assert_eq!(data_dir().unwrap(), base.join("dev.oauthdesk.app"));
    }
}
