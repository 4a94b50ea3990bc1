//! The Wix app OAuth workbench: app profiles (app ID, secret in the vault, basic or advanced), basic tokens per
//! instance, and — for advanced OAuth in local development — the App URL and Redirect URL served on loopback
//! (`http://127.0.0.1:<port>/app` and `/redirect`, the port fixed per profile so it can be registered).
//!
//! The install handshake: the App URL receives `token`, makes a fresh `state`, and sends the browser to Wix's
//! installer; the Redirect URL receives `code`, `instanceId` and `state`, checks the state (a mismatch aborts and
//! stores nothing), exchanges the code, and puts the instance's refresh token in the vault *before* anything else —
//! losing it breaks the install silently. Then the browser goes to Wix's close-window page.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State as Extract};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use vault::{Secret, SecretStore, entry};
use wix_client::ClientConfig;
use wix_client::wix_apps::{AppToken, WixAppAuth, close_window_url, installer_url};

use crate::error::{CoreError, Result};

const FILE: &str = "wix-apps.json";
/// How long an install may take between the App URL and the Redirect URL.
const INSTALL_DEADLINE: Duration = Duration::from_secs(10 * 60);

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
    /// Whether the vault holds its refresh token (advanced only); filled in when listed.
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
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewWixAppProfile {
    pub name: String,
    pub app_id: String,
    pub app_secret: String,
    pub strategy: Strategy,
    pub sandbox: bool,
    /// Advanced: the loopback port to serve on (blank: a free one, then fixed).
    pub port: Option<u16>,
}

/// An access token as the UI sees it: no value.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppTokenStatus {
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

/// Where a profile's calls go.
#[derive(Clone)]
pub struct Bases {
    /// The API (`https://www.wixapis.com/` or the sandbox).
    pub api: url::Url,
    /// The installer pages (`https://www.wix.com/` or the sandbox).
    pub installer: url::Url,
}

struct Inner {
    profiles: Vec<WixAppProfile>,
    /// Install states waiting for the Redirect URL: state → (profile ID, deadline).
    installs: HashMap<String, (String, Instant)>,
    /// Access tokens held while the app runs, by (profile, instance).
    tokens: HashMap<(String, String), (Strategy, AppToken)>,
    servers: HashMap<String, tokio::task::JoinHandle<()>>,
}

pub struct WixApps {
    path: PathBuf,
    vault: Arc<dyn SecretStore>,
    sandbox: Bases,
    wix: Bases,
    inner: Mutex<Inner>,
    events: tokio::sync::broadcast::Sender<InstallOutcome>,
}

impl WixApps {
    pub fn open(
        data_dir: &Path,
        vault: Arc<dyn SecretStore>,
        sandbox: Bases,
        wix: Bases,
    ) -> Result<Arc<Self>> {
        let path = data_dir.join(FILE);
        let profiles = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| CoreError::CorruptFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(CoreError::Io {
                    action: "read",
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let (events, _) = tokio::sync::broadcast::channel(16);
        Ok(Arc::new(Self {
            path,
            vault,
            sandbox,
            wix,
            inner: Mutex::new(Inner {
                profiles,
                installs: HashMap::new(),
                tokens: HashMap::new(),
                servers: HashMap::new(),
            }),
            events,
        }))
    }

    /// Install outcomes from the loopback Redirect URLs, for the UI.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<InstallOutcome> {
        self.events.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn save(&self, profiles: &[WixAppProfile]) -> Result<()> {
        let json = serde_json::to_vec_pretty(profiles).expect("profiles serialize");
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, json)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|source| CoreError::Io {
                action: "write",
                path: self.path.display().to_string(),
                source,
            })
    }

    fn bases(&self, profile: &WixAppProfile) -> &Bases {
        if profile.sandbox {
            &self.sandbox
        } else {
            &self.wix
        }
    }

    fn profile(&self, id: &str) -> Result<WixAppProfile> {
        self.lock()
            .profiles
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .ok_or_else(|| {
                CoreError::invalid("profile", "There is no such Wix app profile; pick another.")
            })
    }

    fn update(&self, id: &str, change: impl FnOnce(&mut WixAppProfile)) -> Result<()> {
        let mut inner = self.lock();
        let profile = inner
            .profiles
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(|| {
                CoreError::invalid("profile", "There is no such Wix app profile; pick another.")
            })?;
        change(profile);
        let snapshot = inner.profiles.clone();
        drop(inner);
        self.save(&snapshot)
    }

    fn auth(&self, profile: &WixAppProfile) -> Result<WixAppAuth> {
        let secret = self.vault.get(&entry::wix_app_secret(&profile.id))?.ok_or_else(|| {
            CoreError::invalid(
                "appSecret",
                "The app secret is not in the OS keyring any more: remove the profile and add it again.",
            )
        })?;
        Ok(WixAppAuth::new(
            ClientConfig::with_base_url(self.bases(profile).api.clone()),
            &profile.app_id,
            secret,
        )?)
    }

    pub fn list(&self) -> Vec<WixAppProfileView> {
        let inner = self.lock();
        inner
            .profiles
            .iter()
            .map(|p| {
                let mut profile = p.clone();
                for instance in &mut profile.instances {
                    instance.has_refresh_token = matches!(
                        self.vault
                            .get(&entry::wix_app_refresh_token(&p.id, &instance.instance_id)),
                        Ok(Some(_))
                    );
                }
                WixAppProfileView {
                    app_url: p.app_url(),
                    redirect_url: p.redirect_url(),
                    listening: inner.servers.get(&p.id).is_some_and(|s| !s.is_finished()),
                    profile,
                }
            })
            .collect()
    }

    /// Add a profile: check the input, keep the secret in the vault, and for advanced OAuth serve the App URL and
    /// Redirect URL (on the sandbox, also register them with its app, as one would in the Dev Center).
    pub async fn add(self: &Arc<Self>, new: NewWixAppProfile) -> Result<WixAppProfileView> {
        let name = new.name.trim();
        if !(1..=80).contains(&name.chars().count()) {
            return Err(CoreError::invalid("name", "Name: 1 to 80 characters."));
        }
        if new.app_id.trim().is_empty() {
            return Err(CoreError::invalid(
                "appId",
                "Enter the app ID (Dev Center → your app → OAuth).",
            ));
        }
        if new.app_secret.trim().is_empty() {
            return Err(CoreError::invalid(
                "appSecret",
                "Enter the app secret (Dev Center → your app → OAuth).",
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let port = match new.strategy {
            Strategy::Basic => None,
            Strategy::Advanced => Some(match new.port {
                Some(port) if port >= 1024 => port,
                Some(_) => {
                    return Err(CoreError::invalid(
                        "port",
                        "Choose a port from 1024 to 65535.",
                    ));
                }
                None => free_port()?,
            }),
        };
        let profile = WixAppProfile {
            id: id.clone(),
            name: name.to_owned(),
            app_id: new.app_id.trim().to_owned(),
            strategy: new.strategy,
            sandbox: new.sandbox,
            port,
            instances: Vec::new(),
        };
        self.vault.set(
            &entry::wix_app_secret(&id),
            &Secret::new(new.app_secret.trim().to_owned()),
        )?;
        let snapshot = {
            let mut inner = self.lock();
            inner.profiles.push(profile.clone());
            inner.profiles.clone()
        };
        self.save(&snapshot)?;
        if profile.strategy == Strategy::Advanced {
            if profile.sandbox {
                self.register_with_sandbox(&profile).await?;
            }
            self.serve(&profile).await?;
        }
        Ok(self
            .list()
            .into_iter()
            .find(|v| v.profile.id == id)
            .expect("just added"))
    }

    async fn register_with_sandbox(&self, profile: &WixAppProfile) -> Result<()> {
        let url = self
            .sandbox
            .api
            .join(&format!("_emulator/v1/wix-apps/{}", profile.app_id))
            .expect("a path joins");
        let response = reqwest::Client::new()
            .patch(url)
            .json(&serde_json::json!({"appUrl": profile.app_url(), "redirectUrl": profile.redirect_url()}))
            .send()
            .await
            .map_err(|e| CoreError::Sandbox(e.to_string()))?;
        if !response.status().is_success() {
            return Err(CoreError::invalid(
                "appId",
                "The sandbox has no Wix app with this ID: use the sandbox's demo app.",
            ));
        }
        Ok(())
    }

    /// Start the loopback server of every advanced profile (at app start).
    pub async fn serve_all(self: &Arc<Self>) {
        let profiles: Vec<WixAppProfile> = self.lock().profiles.clone();
        for profile in profiles.iter().filter(|p| p.strategy == Strategy::Advanced) {
            if let Err(e) = self.serve(profile).await {
                tracing::warn!("the App URL of “{}” is not served: {e}", profile.name);
            }
        }
    }

    async fn serve(self: &Arc<Self>, profile: &WixAppProfile) -> Result<()> {
        let Some(port) = profile.port else {
            return Ok(());
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            CoreError::invalid(
                "port",
                format!("Port {port} is in use ({e}); close what uses it, or add the profile again with another port."),
            )
        })?;
        let router = axum::Router::new()
            .route("/app", get(app_url))
            .route("/redirect", get(redirect_url))
            .with_state((self.clone(), profile.id.clone()));
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::warn!("the App URL server stopped: {e}");
            }
        });
        if let Some(old) = self.lock().servers.insert(profile.id.clone(), task) {
            old.abort();
        }
        Ok(())
    }

    /// Remove a profile, its secret and its instances' refresh tokens, and stop its server.
    pub fn remove(&self, id: &str) -> Result<()> {
        let profile = self.profile(id)?;
        for instance in &profile.instances {
            self.vault
                .delete(&entry::wix_app_refresh_token(id, &instance.instance_id))?;
        }
        self.vault.delete(&entry::wix_app_secret(id))?;
        let snapshot = {
            let mut inner = self.lock();
            inner.profiles.retain(|p| p.id != id);
            inner.tokens.retain(|(p, _), _| p != id);
            if let Some(server) = inner.servers.remove(id) {
                server.abort();
            }
            inner.profiles.clone()
        };
        self.save(&snapshot)
    }

    fn note_token(
        &self,
        profile_id: &str,
        instance_id: &str,
        strategy: Strategy,
        token: &AppToken,
    ) -> Result<()> {
        self.lock().tokens.insert(
            (profile_id.to_owned(), instance_id.to_owned()),
            (strategy, token.clone()),
        );
        let now = chrono::Utc::now().to_rfc3339();
        self.update(profile_id, |p| {
            match p
                .instances
                .iter_mut()
                .find(|i| i.instance_id == instance_id)
            {
                Some(instance) => instance.last_token = Some(now),
                None => p.instances.push(KnownInstance {
                    instance_id: instance_id.to_owned(),
                    added: now.clone(),
                    last_token: Some(now),
                    finished_configuration: false,
                    has_refresh_token: false,
                }),
            }
        })
    }

    /// Basic OAuth: a 4-hour access token for an instance (also the fallback of an advanced instance without a
    /// refresh token).
    pub async fn basic_token(&self, profile_id: &str, instance_id: &str) -> Result<AppTokenStatus> {
        let instance_id = instance_id.trim();
        if instance_id.is_empty() {
            return Err(CoreError::invalid(
                "instanceId",
                "Enter the instance ID of an installation.",
            ));
        }
        let profile = self.profile(profile_id)?;
        let token = self.auth(&profile)?.basic_token(instance_id).await?;
        self.note_token(profile_id, instance_id, Strategy::Basic, &token)?;
        Ok(status(instance_id, Strategy::Basic, &token))
    }

    /// Advanced OAuth: a new access token from the stored refresh token; the rotated refresh token is stored before
    /// this returns.
    pub async fn refresh(&self, profile_id: &str, instance_id: &str) -> Result<AppTokenStatus> {
        let profile = self.profile(profile_id)?;
        let name = entry::wix_app_refresh_token(profile_id, instance_id);
        let refresh = self.vault.get(&name)?.ok_or_else(|| {
            CoreError::invalid(
                "refreshToken",
                "No refresh token is stored for this instance: use basic OAuth for it (the documented fallback), or install again.",
            )
        })?;
        let token = self.auth(&profile)?.refresh(&refresh).await?;
        if let Some(rotated) = &token.refresh_token {
            self.vault.set(&name, rotated)?;
        }
        self.note_token(profile_id, instance_id, Strategy::Advanced, &token)?;
        Ok(status(instance_id, Strategy::Advanced, &token))
    }

    /// The token held for an instance, renewed if it expires within a minute.
    async fn live_token(&self, profile_id: &str, instance_id: &str) -> Result<Secret> {
        let held = self
            .lock()
            .tokens
            .get(&(profile_id.to_owned(), instance_id.to_owned()))
            .cloned();
        match held {
            Some((_, token))
                if token.expires_at > chrono::Utc::now() + chrono::Duration::seconds(60) =>
            {
                Ok(token.access_token)
            }
            Some((Strategy::Basic, _)) => {
                self.basic_token(profile_id, instance_id).await?;
                self.live_token_now(profile_id, instance_id)
            }
            _ => {
                self.refresh(profile_id, instance_id).await?;
                self.live_token_now(profile_id, instance_id)
            }
        }
    }

    fn live_token_now(&self, profile_id: &str, instance_id: &str) -> Result<Secret> {
        self.lock()
            .tokens
            .get(&(profile_id.to_owned(), instance_id.to_owned()))
            .map(|(_, t)| t.access_token.clone())
            .ok_or_else(|| {
                CoreError::invalid("instanceId", "No access token is held for this instance.")
            })
    }

    /// The access token for an explicit copy.
    pub async fn auth_header(&self, profile_id: &str, instance_id: &str) -> Result<Secret> {
        self.live_token(profile_id, instance_id).await
    }

    /// Report `APP_FINISHED_CONFIGURATION` for an instance.
    pub async fn finish_configuration(&self, profile_id: &str, instance_id: &str) -> Result<()> {
        let profile = self.profile(profile_id)?;
        let access = self.live_token(profile_id, instance_id).await?;
        self.auth(&profile)?
            .send_finished_configuration(&access)
            .await?;
        self.update(profile_id, |p| {
            if let Some(i) = p
                .instances
                .iter_mut()
                .find(|i| i.instance_id == instance_id)
            {
                i.finished_configuration = true;
            }
        })
    }

    /// The current token of an instance, if held (no request).
    pub fn token_status(&self, profile_id: &str, instance_id: &str) -> Option<AppTokenStatus> {
        self.lock()
            .tokens
            .get(&(profile_id.to_owned(), instance_id.to_owned()))
            .map(|(strategy, token)| status(instance_id, *strategy, token))
    }

    /// On the sandbox, the "Add app" page that starts an install (for the system browser).
    pub fn sandbox_install_url(&self, profile_id: &str) -> Result<String> {
        let profile = self.profile(profile_id)?;
        if !profile.sandbox || profile.strategy != Strategy::Advanced {
            return Err(CoreError::invalid(
                "profile",
                "Only an advanced profile on the sandbox can be installed from here; on Wix, install from the Dev Center (“Test your app”).",
            ));
        }
        Ok(self
            .sandbox
            .installer
            .join(&format!("_emulator/v1/wix-apps/{}/add", profile.app_id))
            .expect("a path joins")
            .to_string())
    }

    fn start_install(&self, profile_id: &str, token: &str) -> Result<url::Url> {
        let profile = self.profile(profile_id)?;
        let state = uuid::Uuid::new_v4().simple().to_string();
        let mut inner = self.lock();
        let now = Instant::now();
        inner.installs.retain(|_, (_, deadline)| *deadline > now);
        inner.installs.insert(
            state.clone(),
            (profile_id.to_owned(), now + INSTALL_DEADLINE),
        );
        drop(inner);
        Ok(installer_url(
            &self.bases(&profile).installer,
            token,
            &profile.app_id,
            &profile.redirect_url().unwrap_or_default(),
            &state,
        ))
    }

    async fn finish_install(
        &self,
        profile_id: &str,
        params: &RedirectParams,
    ) -> Result<(String, url::Url)> {
        let state = params.state.as_deref().unwrap_or_default();
        let pending = self.lock().installs.remove(state);
        match pending {
            Some((owner, deadline)) if owner == profile_id && deadline > Instant::now() => {}
            _ => {
                return Err(CoreError::invalid(
                    "state",
                    "The state does not match an install started here (or it expired): the install was aborted and nothing was stored.",
                ));
            }
        }
        let (Some(code), Some(instance_id)) = (&params.code, &params.instance_id) else {
            return Err(CoreError::invalid(
                "code",
                "The redirect has no code or instance ID.",
            ));
        };
        let profile = self.profile(profile_id)?;
        let token = self
            .auth(&profile)?
            .exchange_code(&Secret::new(code.clone()))
            .await?;
        let refresh = token.refresh_token.clone().ok_or_else(|| {
            CoreError::invalid("code", "Wix returned no refresh token for the install.")
        })?;
        // First, before anything else: the refresh token into the vault.
        self.vault.set(
            &entry::wix_app_refresh_token(profile_id, instance_id),
            &refresh,
        )?;
        self.note_token(profile_id, instance_id, Strategy::Advanced, &token)?;
        Ok((
            instance_id.clone(),
            close_window_url(&self.bases(&profile).installer, &token.access_token),
        ))
    }
}

fn status(instance_id: &str, strategy: Strategy, token: &AppToken) -> AppTokenStatus {
    AppTokenStatus {
        instance_id: instance_id.to_owned(),
        strategy,
        expires_at: token.expires_at.to_rfc3339(),
    }
}

fn free_port() -> Result<u16> {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|source| CoreError::Io {
            action: "find a free port for",
            path: "127.0.0.1".into(),
            source,
        })
}

type ServerState = (Arc<WixApps>, String);

#[derive(Deserialize)]
struct AppParams {
    token: Option<String>,
}

/// The App URL: Wix sends the user here with `token`; send them on to the installer with a fresh state.
async fn app_url(
    Extract((apps, profile_id)): Extract<ServerState>,
    Query(params): Query<AppParams>,
) -> Response {
    let Some(token) = params.token.filter(|t| !t.is_empty()) else {
        return page(
            "Cannot install",
            "The App URL was opened without a token: start from “Add app” on Wix.",
        );
    };
    match apps.start_install(&profile_id, &token) {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(e) => page("Cannot install", &e.to_string()),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RedirectParams {
    code: Option<String>,
    instance_id: Option<String>,
    state: Option<String>,
}

/// The Redirect URL: check the state, exchange the code, keep the refresh token, and close the install window.
async fn redirect_url(
    Extract((apps, profile_id)): Extract<ServerState>,
    Query(params): Query<RedirectParams>,
) -> Response {
    let result = apps.finish_install(&profile_id, &params).await;
    let outcome = |ok, instance_id, message: String| InstallOutcome {
        profile_id: profile_id.clone(),
        instance_id,
        ok,
        message,
    };
    match result {
        Ok((instance_id, close)) => {
            let _ = apps.events.send(outcome(
                true,
                Some(instance_id),
                "Installed: the refresh token is in the OS keyring.".into(),
            ));
            Redirect::to(close.as_str()).into_response()
        }
        Err(e) => {
            let message = e.to_string();
            let _ = apps
                .events
                .send(outcome(false, params.instance_id.clone(), message.clone()));
            page("Install aborted", &message)
        }
    }
}

fn page(title: &str, text: &str) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>{t}</title><h1>{t}</h1><p>{x}</p><p>OAuth Desk</p>",
        t = escape(title),
        x = escape(text)
    ))
    .into_response()
}
