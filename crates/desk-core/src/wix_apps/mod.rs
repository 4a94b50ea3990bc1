//! The Wix app OAuth workbench: app profiles (app ID, secret in the keyring, basic or advanced), access tokens per
//! instance, and — for advanced OAuth in local development — the App URL and Redirect URL served on loopback
//! (`http://127.0.0.1:<port>/app` and `/redirect`, the port fixed per profile so it can be registered).
//!
//! - [`profiles`]: the profile list (`wix-apps.json`, no secret) and adding or removing a profile with all it owns.
//! - [`tokens`]: access tokens per instance, each renewed by one caller at a time (the Wix client's
//!   [`wix_client::store::TokenCell`]) and, while the app runs, a minute before it expires, whether or not a
//!   window shows it.
//! - [`install`]: the install handshake: a fresh `state` per install, checked at the Redirect URL (a mismatch
//!   aborts and stores nothing); the instance's refresh token goes to the keyring *before* anything else.
//! - [`loopback`]: the HTTP server of the App URL and Redirect URL.

mod install;
mod loopback;
pub(crate) mod profiles;
mod tokens;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use wix_client::ClientConfig;
use wix_client::wix_apps::WixAppAuth;

use crate::error::{CoreError, Result};
use crate::sandbox::Sandbox;
use crate::secrets::{Entry, Secrets};

pub use install::{INSTALL_DEADLINE, MAX_PENDING_INSTALLS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Strategy {
    Basic,
    Advanced,
}

/// An installation the profile knows about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KnownInstance {
    pub instance_id: String,
    /// RFC 3339.
    pub added: String,
    /// RFC 3339 of the last access token obtained.
    pub last_token: Option<String>,
    pub finished_configuration: bool,
    /// Whether the keyring holds its refresh token (advanced only); filled in when listed.
    #[serde(default)]
    pub has_refresh_token: bool,
}

/// A Wix app profile, as stored (no secret) and as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WixAppProfile {
    pub id: String,
    pub name: String,
    pub app_id: String,
    pub strategy: Strategy,
    /// On the built-in sandbox (the local emulator) rather than Wix.
    pub sandbox: bool,
    /// Loopback port of the App URL and Redirect URL (advanced).
    pub port: Option<u16>,
    pub instances: Vec<KnownInstance>,
}

impl WixAppProfile {
    pub fn app_url(&self) -> Option<String> {
        self.port.map(|p| format!("http://127.0.0.1:{p}/app"))
    }

    pub fn redirect_url(&self) -> Option<String> {
        self.port.map(|p| format!("http://127.0.0.1:{p}/redirect"))
    }
}

/// A profile with what the UI needs around it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WixAppProfileView {
    pub profile: WixAppProfile,
    pub app_url: Option<String>,
    pub redirect_url: Option<String>,
    /// Whether the loopback server of an advanced profile is listening.
    pub listening: bool,
    /// Why it is not (its port is taken), with what to do.
    pub serve_error: Option<String>,
}

/// What the user types to add a profile. No `Debug`: it carries the app secret.
#[derive(Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewWixAppProfile {
    pub name: String,
    pub app_id: String,
    pub app_secret: vault::Secret,
    pub strategy: Strategy,
    pub sandbox: bool,
    /// Advanced: the loopback port to serve on (blank: a free one, then fixed).
    pub port: Option<u16>,
}

/// An access token as the UI sees it: no value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppTokenStatus {
    pub profile_id: String,
    pub instance_id: String,
    pub strategy: Strategy,
    /// RFC 3339.
    pub expires_at: String,
}

/// Sent when an install finished (or failed) through the loopback Redirect URL.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InstallOutcome {
    pub profile_id: String,
    pub instance_id: Option<String>,
    pub ok: bool,
    pub message: String,
}

/// What the workbench tells the UI without being asked.
#[derive(Debug, Clone)]
pub enum WixAppEvent {
    /// An install finished or was aborted at a profile's Redirect URL.
    Installed(InstallOutcome),
    /// A held token was renewed before it expired.
    TokenRenewed(AppTokenStatus),
    /// A held token could not be renewed and was dropped; the message says why.
    RenewalFailed {
        profile_id: String,
        instance_id: String,
        message: String,
    },
}

/// Where a profile's calls go.
#[derive(Clone)]
pub struct Bases {
    /// The API (`https://www.wixapis.com/` or the sandbox).
    pub api: url::Url,
    /// The installer pages (`https://www.wix.com/` or the sandbox).
    pub installer: url::Url,
}

/// The workbench: one per app.
pub struct WixApps {
    profiles: profiles::ProfileList,
    tokens: tokens::TokenCache,
    installs: install::Installs,
    servers: loopback::Servers,
    secrets: Arc<Secrets>,
    sandbox: Arc<Sandbox>,
    sandbox_bases: Bases,
    wix: Bases,
    events: tokio::sync::broadcast::Sender<WixAppEvent>,
}

impl WixApps {
    /// Open the profile list in `data_dir`; its keyring entries are those `secrets` holds for each profile.
    pub async fn open(
        data_dir: &std::path::Path,
        secrets: Arc<Secrets>,
        sandbox: Arc<Sandbox>,
        wix: Bases,
    ) -> Result<Arc<Self>> {
        let profiles = profiles::ProfileList::open(data_dir, &secrets).await?;
        let sandbox_bases = Bases {
            api: sandbox.base_url().clone(),
            installer: sandbox.base_url().clone(),
        };
        let (events, _) = tokio::sync::broadcast::channel(64);
        Ok(Arc::new(Self {
            profiles,
            tokens: tokens::TokenCache::default(),
            installs: install::Installs::default(),
            servers: loopback::Servers::default(),
            secrets,
            sandbox,
            sandbox_bases,
            wix,
            events,
        }))
    }

    /// Installs finished at the loopback Redirect URLs and tokens renewed in the background, for the UI.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<WixAppEvent> {
        self.events.subscribe()
    }

    fn bases(&self, profile: &WixAppProfile) -> &Bases {
        if profile.sandbox {
            &self.sandbox_bases
        } else {
            &self.wix
        }
    }

    /// The client for a profile, with its app secret from the keyring.
    async fn auth(&self, profile: &WixAppProfile) -> Result<WixAppAuth> {
        let entry = Entry::WixAppSecret {
            profile: profile.id.clone(),
        };
        let secret = self.secrets.get(&entry).await?.ok_or_else(|| {
            CoreError::NotFound(
                "The app secret is not in the OS keyring any more: remove the profile and add it again.".into(),
            )
        })?;
        Ok(WixAppAuth::new(
            ClientConfig::with_base_url(self.bases(profile).api.clone()),
            &profile.app_id,
            secret,
        )?)
    }
}
