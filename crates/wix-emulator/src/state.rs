//! The emulator's data: everything lives in memory behind one lock, and is optionally mirrored to a JSON file.
//!
//! # The state file
//! Changes never wait for the disk. Each one bumps the data's version and wakes a dedicated writer thread, which
//! waits [`WRITE_BEHIND`] more (so a burst of changes goes out in one write), serialises the data under the read
//! lock (no clone), lets go of it and replaces the file atomically (a temporary file, fsynced, renamed over the
//! old one, the folder fsynced). So a crash loses at most the last second of changes and never leaves a torn
//! file. A clean stop writes the last changes: [`State::flush`] (called by `RunningEmulator::shutdown` and its
//! drop), and the writer's own last write when the state is dropped.
//!
//! Nothing is stored per visitor: visitor tokens carry their claims and an HMAC made with the state's
//! [`SigningKey`] (see `tokens`). What is stored (member and app tokens, codes, sessions, install steps) is pruned
//! [`PRUNE_GRACE_SECONDS`] after it expires, so the file stays small under load.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, RwLock};
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use hmac::Mac;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::EmulatorError;
use crate::members::{Email, Member, MemberSession, PasswordReset, Verification};
use crate::oauth_apps::{DomainMapping, OAuthApp};
use crate::settings::Settings;
use crate::tokens::{AuthCode, Grant};
use crate::wix_apps::{InstallStep, Instance, WixApp};

/// How long the writer waits after a change before writing the state file, so that the changes of that window
/// go out in one write. Half the promised bound (a change reaches the file within 1 s), leaving the other half
/// for serialising and writing.
pub const WRITE_BEHIND: Duration = Duration::from_millis(500);

/// Expired codes, sessions, install steps and tokens are kept this long past their expiry (so a late attempt still
/// hears "expired" rather than "unknown"), then pruned.
pub const PRUNE_GRACE_SECONDS: i64 = 60 * 60;

/// A change prunes when at least this long (emulator clock) has passed since the last pruning.
const PRUNE_EVERY_SECONDS: i64 = 60;

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

/// The key the emulator signs visitor tokens with (HMAC-SHA256): 32 random bytes, base64url in the state file
/// (which is `0600`) and in the admin export. A new one at every reset (so a reset revokes every visitor token),
/// and the default of a state that has none (an older state file: its stored tokens still work).
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey([u8; 32]);

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

impl SigningKey {
    fn mac(&self, purpose: &str, message: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        // The purpose first, so a signature made for one kind of token is no good for another.
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(message);
        mac
    }

    /// The signature of `message` for `purpose` (32 bytes).
    pub fn sign(&self, purpose: &str, message: &[u8]) -> Vec<u8> {
        self.mac(purpose, message).finalize().into_bytes().to_vec()
    }

    /// Whether `signature` is this key's for `message` and `purpose` (compared in constant time).
    pub fn verify(&self, purpose: &str, message: &[u8], signature: &[u8]) -> bool {
        self.mac(purpose, message).verify_slice(signature).is_ok()
    }
}

impl Default for SigningKey {
    /// A fresh random key.
    fn default() -> Self {
        Self(rand::random())
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(redacted)")
    }
}

impl Serialize for SigningKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for SigningKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.as_bytes())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .map(Self)
            .ok_or_else(|| {
                serde::de::Error::custom(
                    "signing_key must be 32 bytes in unpadded base64url; remove the field to get a new key",
                )
            })
    }
}

/// Everything the emulator knows, as persisted.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Data {
    #[serde(default)]
    pub apps: HashMap<String, StoredApp>,
    /// Issued member and app access tokens, by `token_key` (as every token-like map below). Visitor tokens are
    /// not stored (they are signed with `signing_key`); a state file from before holds some, still honoured.
    #[serde(default)]
    pub access_tokens: HashMap<String, Grant>,
    /// Issued member and app refresh tokens (visitor ones are signed, not stored).
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
    /// What visitor tokens are signed with.
    #[serde(default)]
    pub signing_key: SigningKey,
}

/// What the state file holds: [`Data`] but the outbox (its links carry raw tokens) and the client secrets (the
/// file holds no issued secret). Serialised straight from the data under its read lock, without a copy.
#[derive(Serialize)]
struct OnDisk<'a> {
    apps: HashMap<&'a str, AppOnDisk<'a>>,
    access_tokens: &'a HashMap<String, Grant>,
    refresh_tokens: &'a HashMap<String, Grant>,
    members: &'a HashMap<String, Member>,
    verifications: &'a HashMap<String, Verification>,
    sessions: &'a HashMap<String, MemberSession>,
    codes: &'a HashMap<String, AuthCode>,
    resets: &'a HashMap<String, PasswordReset>,
    settings: &'a Settings,
    wix_apps: &'a HashMap<String, WixApp>,
    instances: &'a HashMap<String, Instance>,
    install_tokens: &'a HashMap<String, InstallStep>,
    install_codes: &'a HashMap<String, InstallStep>,
    signing_key: &'a SigningKey,
}

#[derive(Serialize)]
struct AppOnDisk<'a> {
    app: &'a OAuthApp,
}

impl<'a> OnDisk<'a> {
    fn of(data: &'a Data) -> Self {
        Self {
            apps: data
                .apps
                .iter()
                .map(|(id, stored)| (id.as_str(), AppOnDisk { app: &stored.app }))
                .collect(),
            access_tokens: &data.access_tokens,
            refresh_tokens: &data.refresh_tokens,
            members: &data.members,
            verifications: &data.verifications,
            sessions: &data.sessions,
            codes: &data.codes,
            resets: &data.resets,
            settings: &data.settings,
            wix_apps: &data.wix_apps,
            instances: &data.instances,
            install_tokens: &data.install_tokens,
            install_codes: &data.install_codes,
            signing_key: &data.signing_key,
        }
    }
}

/// Drop what expired more than [`PRUNE_GRACE_SECONDS`] before `now` (Unix seconds): member and app access
/// tokens, authorization codes, member sessions, install tokens and codes. Refresh tokens do not expire.
fn prune(data: &mut Data, now: i64) {
    let cutoff = now.saturating_sub(PRUNE_GRACE_SECONDS);
    data.access_tokens
        .retain(|_, grant| grant.expires_at.is_none_or(|t| t > cutoff));
    data.codes.retain(|_, code| code.expires_at > cutoff);
    data.sessions
        .retain(|_, session| session.expires_at > cutoff);
    data.install_tokens
        .retain(|_, step| step.expires_at > cutoff);
    data.install_codes
        .retain(|_, step| step.expires_at > cutoff);
}

/// How far the emulator's clock may run ahead of the wall clock in all: 100 years (well inside what dates and
/// Unix timestamps hold, so `now + lifetime` arithmetic cannot overflow).
pub const MAX_CLOCK_OFFSET_SECONDS: i64 = 100 * 366 * 24 * 60 * 60;

/// The data, and what the writer thread shares with the request handlers.
struct Store {
    data: RwLock<Data>,
    /// The data's version: bumped under the write lock at every change.
    version: AtomicU64,
    /// The state file and the version it holds. Locked while the file is written (never the data lock), so two
    /// writes never interleave and an older version never replaces a newer one.
    file: Option<Mutex<FileState>>,
    wake: Mutex<Wake>,
    wakeup: Condvar,
}

struct FileState {
    path: PathBuf,
    version: u64,
    /// The last write failed (logged once, until a write succeeds again).
    failing: bool,
}

#[derive(Default)]
struct Wake {
    /// A change waits to be written.
    pending: bool,
    /// The state is going away: write what is left and end.
    stop: bool,
}

impl Store {
    fn lock_wake(&self) -> std::sync::MutexGuard<'_, Wake> {
        self.wake.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Tell the writer thread a change waits.
    fn wake_writer(&self) {
        let mut wake = self.lock_wake();
        if !wake.pending {
            wake.pending = true;
            self.wakeup.notify_one();
        }
    }

    /// Write the current version to the state file unless it holds it already. Blocking: never call it on the
    /// async runtime (use `spawn_blocking`).
    fn flush(&self) -> Result<(), EmulatorError> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
        let written = {
            let data = self.data.read().unwrap_or_else(|e| e.into_inner());
            let version = self.version.load(Ordering::Relaxed);
            if version == file.version {
                return Ok(());
            }
            serde_json::to_vec(&OnDisk::of(&data)).map(|bytes| (version, bytes))
        };
        let result = written
            .map_err(std::io::Error::other)
            .and_then(|(version, bytes)| save(&file.path, &bytes).map(|()| version));
        match result {
            Ok(version) => {
                file.version = version;
                if std::mem::take(&mut file.failing) {
                    tracing::info!("the state file {} is written again", file.path.display());
                }
                Ok(())
            }
            Err(e) => {
                let error = EmulatorError::Save {
                    path: file.path.display().to_string(),
                    reason: e.to_string(),
                };
                if !std::mem::replace(&mut file.failing, true) {
                    tracing::warn!("{error}");
                }
                Err(error)
            }
        }
    }

    /// The writer thread: wait for a change, wait [`WRITE_BEHIND`] for more, write; until told to stop, which
    /// writes what is left at once.
    fn run_writer(&self) {
        loop {
            let stop = {
                let mut wake = self.lock_wake();
                while !wake.pending && !wake.stop {
                    wake = self.wakeup.wait(wake).unwrap_or_else(|e| e.into_inner());
                }
                if !wake.stop {
                    wake = self
                        .wakeup
                        .wait_timeout_while(wake, WRITE_BEHIND, |w| !w.stop)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                wake.pending = false;
                wake.stop
            };
            let failed = self.flush().is_err();
            if stop {
                return;
            }
            if failed {
                // Try again after the next wait (the failure was logged once).
                self.lock_wake().pending = true;
            }
        }
    }
}

pub struct State {
    pub admin: AdminCredentials,
    store: Arc<Store>,
    /// The thread writing the state file (when there is one); joined on drop, after its last write.
    writer: Option<std::thread::JoinHandle<()>>,
    /// The emulator clock's Unix second from which the next change prunes.
    next_prune: AtomicI64,
    requests: AtomicU64,
    /// The emulator's own base URL, known once it listens (links in pages and emails point at it).
    base_url: OnceLock<url::Url>,
    /// Seconds added to the wall clock (`POST /_emulator/v1/clock`), so tests can expire codes and tokens.
    clock_offset: AtomicI64,
    /// Faults to inject into the next requests (`/_emulator/v1/faults`); never persisted.
    pub faults: Mutex<Vec<crate::faults::Fault>>,
}

impl State {
    /// Load the state file (if any; else seed or start empty) and, with a file, start its writer thread. Blocking
    /// (it reads and may write the file): call it off the async runtime.
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
        let store = Arc::new(Store {
            data: RwLock::new(data),
            // A loaded file holds version 0; a fresh one is written below.
            version: AtomicU64::new(u64::from(fresh)),
            file: data_path.as_ref().map(|path| {
                Mutex::new(FileState {
                    path: path.clone(),
                    version: 0,
                    failing: false,
                })
            }),
            wake: Mutex::new(Wake::default()),
            wakeup: Condvar::new(),
        });
        let writer = match &data_path {
            Some(path) => {
                // Write the starting state at once, so the file always mirrors what the emulator serves.
                if store.flush().is_err() {
                    store.lock_wake().pending = true;
                }
                let store = store.clone();
                let thread = std::thread::Builder::new()
                    .name("wix-emulator-state-writer".to_owned())
                    .spawn(move || store.run_writer())
                    .map_err(|e| {
                        EmulatorError::Startup(format!(
                            "could not start the thread that writes {}: {e}",
                            path.display()
                        ))
                    })?;
                Some(thread)
            }
            None => None,
        };
        Ok(Self {
            admin,
            store,
            writer,
            next_prune: AtomicI64::new(i64::MIN),
            requests: AtomicU64::new(0),
            base_url: OnceLock::new(),
            clock_offset: AtomicI64::new(0),
            faults: Mutex::new(Vec::new()),
        })
    }

    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Data> {
        self.store.data.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Change the data under the write lock (pruning what expired, once a minute), and have the writer thread
    /// put it in the state file within [`WRITE_BEHIND`] (if a file is configured). Never waits for the disk.
    pub fn write<T>(&self, change: impl FnOnce(&mut Data) -> T) -> T {
        let result = {
            let mut data = self.store.data.write().unwrap_or_else(|e| e.into_inner());
            let result = change(&mut data);
            let now = self.now().timestamp();
            if now >= self.next_prune.load(Ordering::Relaxed) {
                prune(&mut data, now);
                self.next_prune
                    .store(now.saturating_add(PRUNE_EVERY_SECONDS), Ordering::Relaxed);
            }
            self.store.version.fetch_add(1, Ordering::Relaxed);
            result
        };
        if self.writer.is_some() {
            self.store.wake_writer();
        }
        result
    }

    /// Write the latest changes to the state file now (nothing without a file, or when it is up to date).
    /// Blocking: call it off the async runtime, or through [`State::persist`].
    pub fn flush(&self) -> Result<(), EmulatorError> {
        self.store.flush()
    }

    /// [`State::flush`] on a blocking thread: for the admin operations that replace everything (reset, import,
    /// clear), whose answer should mean "on disk". A failure is logged and left to the writer to retry.
    pub async fn persist(self: &Arc<Self>) {
        if self.writer.is_none() {
            return;
        }
        let state = self.clone();
        match tokio::task::spawn_blocking(move || state.flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => self.store.wake_writer(),
            Err(e) => tracing::warn!("writing the state file stopped: {e}"),
        }
    }

    /// Replace everything with imported data, pruning what it brings that expired long ago.
    pub fn import(&self, imported: Data) {
        let now = self.now().timestamp();
        self.write(|data| {
            *data = imported;
            prune(data, now);
        });
    }

    /// Back to the seeded state (or empty), with a new signing key: every visitor token dies.
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

impl Drop for State {
    /// Stop the writer thread after its last write (blocking for that write).
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            {
                let mut wake = self.store.lock_wake();
                wake.stop = true;
                self.store.wakeup.notify_one();
            }
            if writer.join().is_err() {
                tracing::warn!("the state file writer panicked; the last changes may be lost");
            }
        }
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

/// Replace the state file with `bytes` atomically: a uniquely named temporary file beside it, fsynced, renamed over
/// it, the folder fsynced (`atomic-write-file`).
///
/// The file holds secrets (member password hashes, the signing key), so on Unix it is created `0600` (whatever
/// the old file's mode was), and a folder the emulator creates for it is `0700`.
fn save(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    let mut options = atomic_write_file::AtomicWriteFile::options();
    #[cfg(unix)]
    {
        use atomic_write_file::unix::OpenOptionsExt as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600).preserve_mode(false);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The state file holds every field of `Data` but the outbox, and no client secret: a field added to `Data`
    /// and forgotten in `OnDisk` fails here.
    #[test]
    fn the_state_file_holds_everything_but_the_outbox_and_the_secrets() {
        let data = seed_data();
        let exported = serde_json::to_value(&data).unwrap();
        let on_disk = serde_json::to_value(OnDisk::of(&data)).unwrap();
        let mut want: Vec<&String> = exported.as_object().unwrap().keys().collect();
        want.retain(|k| *k != "outbox");
        want.sort();
        let mut got: Vec<&String> = on_disk.as_object().unwrap().keys().collect();
        got.sort();
        assert_eq!(got, want);
        let text = on_disk.to_string();
        assert!(!text.contains("emu-secret-"), "a client secret in the file");
        let back: Data = serde_json::from_value(on_disk).unwrap();
        assert_eq!(back.apps.len(), data.apps.len());
        assert_eq!(back.signing_key, data.signing_key);
    }

    #[test]
    fn signatures_hold_only_for_their_key_purpose_and_message() {
        let key = SigningKey::default();
        let signature = key.sign("a", b"message");
        assert!(key.verify("a", b"message", &signature));
        assert!(!key.verify("b", b"message", &signature));
        assert!(!key.verify("a", b"messagf", &signature));
        assert!(!SigningKey::default().verify("a", b"message", &signature));
        assert_eq!(format!("{key:?}"), "SigningKey(redacted)");
    }
}
