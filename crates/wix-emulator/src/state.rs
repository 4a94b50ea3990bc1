//! The emulator's data: everything lives in memory behind one lock, and is optionally mirrored to a JSON file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::EmulatorError;
use crate::members::{Email, Member, MemberSession, PasswordReset, Verification};
use crate::oauth_apps::{DomainMapping, OAuthApp};
use crate::settings::Settings;
use crate::tokens::{AuthCode, Grant};
use crate::wix_apps::{InstallStep, Instance, WixApp};

/// Who may call the admin APIs (the OAuth Apps API), as Wix's `ApiKeyStrategy` sends it: the API key in
/// `authorization` and the site or account in `wix-site-id` / `wix-account-id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminCredentials {
    pub api_key: String,
    pub site_id: String,
    pub account_id: String,
}

impl AdminCredentials {
    /// The fixed, well-known credentials of the sandbox. They are not secret: they only open a local emulator.
    pub fn sandbox() -> Self {
        Self {
            api_key: "emulator-admin-api-key".to_owned(),
            site_id: "00000000-0000-4000-8000-000000000001".to_owned(),
            account_id: "00000000-0000-4000-8000-0000000000a1".to_owned(),
        }
    }
}

/// One OAuth app as stored: the app and its client secret (which the API returns from create, generate-secret and
/// get-secret). The secret is kept in memory only: the state file holds none (see [`save`]), so after a restart
/// an issued secret can no longer be read back (the seeded apps' public demo secrets come back with them).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredApp {
    pub app: OAuthApp,
    #[serde(default)]
    pub secret: String,
}

/// Everything the emulator knows, as persisted.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Data {
    #[serde(default)]
    pub apps: HashMap<String, StoredApp>,
    /// Issued access tokens, by `token_key` (as every token-like map below).
    #[serde(default)]
    pub access_tokens: HashMap<String, Grant>,
    /// Issued refresh tokens.
    #[serde(default)]
    pub refresh_tokens: HashMap<String, Grant>,
    /// Site members, by member ID (`@wix/identity`).
    #[serde(default)]
    pub members: HashMap<String, Member>,
    /// Logins waiting for an emailed verification code, by `token_key` of the state token.
    #[serde(default)]
    pub verifications: HashMap<String, Verification>,
    /// Session tokens from a successful login, by token: each turns into one authorization code.
    #[serde(default)]
    pub sessions: HashMap<String, MemberSession>,
    /// Authorization codes, by code: single use, 10 minutes.
    #[serde(default)]
    pub codes: HashMap<String, AuthCode>,
    /// Password-reset links, by `token_key` of the link's token.
    #[serde(default)]
    pub resets: HashMap<String, PasswordReset>,
    /// What the emulator "emailed" (verification codes, reset links), oldest first. Kept in memory only (and in
    /// the admin export): the links carry raw reset tokens, which the state file never holds.
    #[serde(default)]
    pub outbox: Vec<Email>,
    #[serde(default)]
    pub settings: Settings,
    /// Wix apps (for Wix app OAuth), by app ID.
    #[serde(default)]
    pub wix_apps: HashMap<String, WixApp>,
    /// Installations of Wix apps on the site, by instance ID.
    #[serde(default)]
    pub instances: HashMap<String, Instance>,
    /// Install tokens sent to App URLs, by token key.
    #[serde(default)]
    pub install_tokens: HashMap<String, InstallStep>,
    /// Advanced OAuth codes, by code key.
    #[serde(default)]
    pub install_codes: HashMap<String, InstallStep>,
}

/// How far the emulator's clock may run ahead of the wall clock in all: 100 years (well inside what dates and
/// Unix timestamps hold, so `now + lifetime` arithmetic cannot overflow).
pub const MAX_CLOCK_OFFSET_SECONDS: i64 = 100 * 366 * 24 * 60 * 60;

pub struct State {
    pub admin: AdminCredentials,
    pub data: RwLock<Data>,
    data_path: Option<PathBuf>,
    /// Serialises writes of the state file, so two saves never interleave.
    save_lock: Mutex<()>,
    requests: AtomicU64,
    /// The emulator's own base URL, known once it listens (links in pages and emails point at it).
    base_url: OnceLock<url::Url>,
    /// Seconds added to the wall clock (`POST /_emulator/v1/clock`), so tests can expire codes and tokens.
    clock_offset: AtomicI64,
    /// Faults to inject into the next requests (`/_emulator/v1/faults`); never persisted.
    pub faults: Mutex<Vec<crate::faults::Fault>>,
}

impl State {
    pub fn new(
        admin: AdminCredentials,
        data_path: Option<PathBuf>,
        seed: bool,
    ) -> Result<Self, EmulatorError> {
        let loaded = match &data_path {
            Some(path) => load(path)?,
            None => None,
        };
        let fresh = loaded.is_none();
        let data = match loaded {
            Some(data) => data,
            None if seed => seed_data(),
            None => Data::default(),
        };
        let state = Self {
            admin,
            data: RwLock::new(data),
            data_path,
            save_lock: Mutex::new(()),
            requests: AtomicU64::new(0),
            base_url: OnceLock::new(),
            clock_offset: AtomicI64::new(0),
            faults: Mutex::new(Vec::new()),
        };
        if fresh {
            // Write the starting state at once, so the file always mirrors what the emulator serves.
            state.write(|_| ());
        }
        Ok(state)
    }

    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Data> {
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Change the data under the write lock, then persist it (if a file is configured).
    pub fn write<T>(&self, change: impl FnOnce(&mut Data) -> T) -> T {
        let (result, snapshot) = {
            let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
            let result = change(&mut data);
            (result, self.data_path.as_ref().map(|_| data.clone()))
        };
        if let (Some(path), Some(snapshot)) = (&self.data_path, snapshot) {
            let _guard = self.save_lock.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = save(path, &snapshot) {
                tracing::warn!("could not save emulator state to {}: {e}", path.display());
            }
        }
        result
    }

    /// Back to the seeded state (or empty).
    pub fn reset(&self, seed: bool) {
        self.write(|data| *data = if seed { seed_data() } else { Data::default() });
    }

    pub fn set_base_url(&self, url: url::Url) {
        let _ = self.base_url.set(url);
    }

    /// An absolute URL on this emulator for `path` (no leading slash).
    pub fn url(&self, path: &str) -> String {
        match self.base_url.get() {
            Some(base) => format!("{base}{path}"),
            None => format!("/{path}"),
        }
    }

    /// The emulator's idea of now: the wall clock plus any offset a test asked for.
    pub fn now(&self) -> DateTime<Utc> {
        let wall = Utc::now();
        chrono::TimeDelta::try_seconds(self.clock_offset.load(Ordering::Relaxed))
            .and_then(|offset| wall.checked_add_signed(offset))
            .unwrap_or(wall)
    }

    /// Move the clock `seconds` ahead (0 or more); `None` (and no change) if the total offset would pass
    /// [`MAX_CLOCK_OFFSET_SECONDS`].
    pub fn advance_clock(&self, seconds: i64) -> Option<DateTime<Utc>> {
        if seconds < 0 {
            return None;
        }
        self.clock_offset
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                offset
                    .checked_add(seconds)
                    .filter(|total| *total <= MAX_CLOCK_OFFSET_SECONDS)
            })
            .ok()?;
        Some(self.now())
    }

    pub fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

fn load(path: &Path) -> Result<Option<Data>, EmulatorError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice::<Data>(&bytes)
            .map(|mut data| {
                // The seeded apps' demo secrets are public; they come back with the apps.
                for (i, id) in SEEDED_APP_IDS.iter().enumerate() {
                    if let Some(stored) = data.apps.get_mut(*id)
                        && stored.secret.is_empty()
                    {
                        stored.secret = format!("emu-secret-seeded-{i}");
                    }
                }
                Some(data)
            })
            .map_err(|e| EmulatorError::State {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(EmulatorError::State {
            path: path.display().to_string(),
            reason: e.to_string(),
        }),
    }
}

/// Replace the state file atomically: a uniquely named temporary file beside it, fsynced, renamed over it.
///
/// The file holds secrets (client secrets, hashes), so on Unix it is created `0600` (whatever the old file's mode
/// was), and a folder the emulator creates for it is `0700`. The outbox is left out (its links carry raw tokens).
fn save(path: &Path, data: &Data) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    let mut value = serde_json::to_value(data).map_err(std::io::Error::other)?;
    if let Some(fields) = value.as_object_mut() {
        fields.remove("outbox");
        // Client secrets stay in memory (the file must hold no issued secret, like every token here is hashed).
        if let Some(apps) = fields.get_mut("apps").and_then(|a| a.as_object_mut()) {
            for app in apps.values_mut() {
                if let Some(app) = app.as_object_mut() {
                    app.remove("secret");
                }
            }
        }
    }
    let bytes = serde_json::to_vec(&value).map_err(std::io::Error::other)?;
    let mut options = atomic_write_file::AtomicWriteFile::options();
    #[cfg(unix)]
    {
        use atomic_write_file::unix::OpenOptionsExt as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600).preserve_mode(false);
    }
    let mut file = options.open(path)?;
    file.write_all(&bytes)?;
    file.commit()?;
    #[cfg(unix)]
    {
        // The temporary file was created 0600 already; make sure of it (a umask can only remove bits).
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// `create_dir_all`, with the folders it creates `0700` on Unix (an existing folder is left as it is).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// How tokens, codes and session tokens are stored: their SHA-256 (base64url), never the value, so the state
/// file holds nothing a client could present.
pub fn token_key(token: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(token.as_bytes()))
}

/// A new random string of `len` URL-safe characters.
pub fn random_token(len: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The seeded OAuth apps. Fixed IDs and dates, so screenshots and tests are reproducible.
pub const SEEDED_APP_IDS: [&str; 4] = [
    "5eed0001-0000-4000-8000-000000000001",
    "5eed0002-0000-4000-8000-000000000002",
    "5eed0003-0000-4000-8000-000000000003",
    "5eed0004-0000-4000-8000-000000000004",
];

fn seed_data() -> Data {
    let date =
        |day: u32| -> DateTime<Utc> { Utc.with_ymd_and_hms(2026, 10, day, 9, 30, 0).unwrap() };
    let app = |i: usize, name: &str, kind: &str, tech: &str, uris: &[&str], day: u32| StoredApp {
        app: OAuthApp {
            id: SEEDED_APP_IDS[i].to_owned(),
            name: name.to_owned(),
            description: format!("Seeded by the sandbox: {name}"),
            application_type: kind.to_owned(),
            technology: tech.to_owned(),
            allowed_redirect_uris: uris.iter().map(|u| (*u).to_owned()).collect(),
            allowed_redirect_domains: Vec::new(),
            login_url: None,
            logout_url: None,
            wix_pages_domains_mappings: Vec::<DomainMapping>::new(),
            redirect_url_wix_pages: None,
            created_date: date(day),
            allow_secret_generation: true,
        },
        secret: format!("emu-secret-seeded-{i}"),
    };
    let apps = [
        app(
            0,
            "Storefront (Next.js)",
            "WEB_APP",
            "REACT",
            &["oauthdesk://callback", "http://127.0.0.1:5173/callback"],
            1,
        ),
        app(
            1,
            "Mobile shop",
            "MOBILE",
            "REACT_NATIVE",
            &["com.example.shop://callback"],
            5,
        ),
        app(
            2,
            "Booking widget",
            "WEB_APP",
            "VUE",
            &["https://bookings.example.com/callback"],
            12,
        ),
        app(3, "Internal tools", "OTHER", "OTHER_TECHNOLOGY", &[], 20),
    ];
    let mut data = Data {
        apps: apps.into_iter().map(|a| (a.app.id.clone(), a)).collect(),
        ..Data::default()
    };
    crate::wix_apps::seed(&mut data);
    data
}
