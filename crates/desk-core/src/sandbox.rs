//! The built-in sandbox project: the local Wix emulator, started in-process on a loopback port, with its state
//! kept in the app's data directory so it survives restarts.
//!
//! The port is kept too (`sandbox/port`): the sandbox comes back at the same URL after a restart when the port is
//! still free, so a Headless front end pointed at it keeps working, and so does a login page a browser opened
//! before the restart. If the port is taken, any free port is used (and remembered).
//!
//! One process at a time: the app and the `oauthdesk` command line share the data folder, and two emulators
//! writing one state file would lose each other's changes. [`Sandbox::start`] takes an exclusive lock on
//! `sandbox/lock` first (an OS file lock, released when the process ends, even by a crash) and fails with
//! [`CoreError::Sandbox`] ([`IN_USE`]) when another process holds it. Sandboxes started again in the same process
//! (a desk restarted in place, as tests do) share the lock.

use std::path::Path;
use std::sync::Arc;

use wix_emulator::{AdminCredentials, EmulatorConfig, RunningEmulator};

use crate::error::{CoreError, Result};

/// The sandbox's folder in the data directory (its state file and remembered port).
pub(crate) const DIR: &str = "sandbox";

/// The lock file in [`DIR`] held by the process running the sandbox.
pub const LOCK_FILE: &str = "lock";

/// How [`CoreError::Sandbox`] begins when another process runs the sandbox on the same data folder.
pub const IN_USE: &str = "is in use by another OAuth Desk process";

pub struct Sandbox {
    emulator: RunningEmulator,
    /// Held for the sandbox's life (`None` for a detached sandbox, which shares no file).
    _lock: Option<Arc<std::fs::File>>,
}

impl Sandbox {
    /// Start the emulator with its state in `<data_dir>/sandbox/state.json` (seeded on first start). Its admin
    /// routes need `admin_token` (a fresh random one when `None`), which only this process holds.
    ///
    /// Fails with [`CoreError::Sandbox`] ([`IN_USE`]) when another process (the app, or an `oauthdesk` command)
    /// runs the sandbox on the same data folder.
    pub async fn start(data_dir: &Path, admin_token: Option<String>) -> Result<Self> {
        let dir = data_dir.join(DIR);
        let port_file = dir.join("port");
        let admin_token = admin_token
            .map(wix_emulator::AdminToken::new)
            .transpose()
            .map_err(|e| CoreError::Sandbox(format!("was given an unusable admin token: {e}")))?;
        let lock = {
            let dir = dir.clone();
            crate::blocking(move || lock(&dir)).await??
        };
        let config = EmulatorConfig {
            data_path: Some(dir.join("state.json")),
            admin_token,
            ..EmulatorConfig::default()
        };
        let remembered = std::fs::read_to_string(&port_file)
            .ok()
            .and_then(|p| p.trim().parse::<u16>().ok())
            .filter(|p| *p != 0);
        let emulator = match remembered {
            Some(port) => {
                let mut on_port = config.clone();
                on_port.bind.set_port(port);
                match wix_emulator::start(on_port).await {
                    Ok(emulator) => Ok(emulator),
                    Err(e) => {
                        tracing::info!("sandbox port {port} is not free ({e}); using another");
                        wix_emulator::start(config).await
                    }
                }
            }
            None => wix_emulator::start(config).await,
        }
        .map_err(|e| CoreError::Sandbox(format!("could not start: {e}")))?;
        if let Some(port) = emulator.base_url().port()
            && Some(port) != remembered
            && let Err(e) = std::fs::create_dir_all(&dir)
                .and_then(|()| std::fs::write(&port_file, port.to_string()))
        {
            tracing::warn!("could not remember the sandbox port: {e}");
        }
        tracing::info!("sandbox emulator listening at {}", emulator.base_url());
        Ok(Self {
            emulator,
            _lock: Some(lock),
        })
    }

    /// A sandbox that shares nothing with any data folder: seeded, in memory, on a free port, with no lock. For a
    /// process that works on connected projects only (an `oauthdesk --project NAME` command), so it never waits for
    /// or blocks the app's sandbox.
    pub async fn detached() -> Result<Self> {
        let emulator = wix_emulator::start(EmulatorConfig::default())
            .await
            .map_err(|e| CoreError::Sandbox(format!("could not start: {e}")))?;
        Ok(Self {
            emulator,
            _lock: None,
        })
    }

    pub fn base_url(&self) -> &url::Url {
        self.emulator.base_url()
    }

    /// The token the sandbox's `/_emulator/v1` admin routes require.
    pub fn admin_token(&self) -> &str {
        self.emulator.admin_token()
    }

    pub fn admin(&self) -> &AdminCredentials {
        self.emulator.admin()
    }

    /// Register a Wix app's App URL and Redirect URL with the sandbox (in-process, as the Dev Center would).
    pub fn register_wix_app(&self, app_id: &str, app_url: &str, redirect_url: &str) -> Result<()> {
        if self
            .emulator
            .set_wix_app_urls(app_id, app_url, redirect_url)
        {
            Ok(())
        } else {
            Err(CoreError::invalid(
                "appId",
                "The sandbox has no Wix app with this ID: use the sandbox's demo app (“Fill in the sandbox demo app”).",
            ))
        }
    }

    /// Back to the seeded OAuth apps.
    pub fn reset(&self) {
        self.emulator.reset();
    }

    /// Write the sandbox's latest changes to its state file now. They reach it within a second anyway, and when
    /// the sandbox is dropped; this is for a process about to end without dropping it (the app quitting), or
    /// before another desk opens the same data folder.
    pub async fn persist(&self) {
        self.emulator.persist().await;
    }
}

/// The sandbox locks this process holds, by folder. Desks in one process (tests that restart a desk in place)
/// share a folder's lock; the OS lock keeps other processes out.
static HELD: std::sync::Mutex<Vec<(std::path::PathBuf, std::sync::Weak<std::fs::File>)>> =
    std::sync::Mutex::new(Vec::new());

/// Take the exclusive lock on `<dir>/lock` (creating both), or say who holds it. Blocking file I/O, on a blocking
/// thread; the open and the (non-blocking) OS lock happen under `HELD` so two starts in this process cannot race.
fn lock(dir: &Path) -> Result<Arc<std::fs::File>> {
    let path = dir.join(LOCK_FILE);
    let io = |action, source| CoreError::Io {
        action,
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| io("create the folder of", e))?;
    let key = std::fs::canonicalize(dir).map_err(|e| io("find", e))?;
    let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
    held.retain(|(_, file)| file.strong_count() > 0);
    if let Some(file) = held
        .iter()
        .find(|(folder, _)| *folder == key)
        .and_then(|(_, file)| file.upgrade())
    {
        return Ok(file);
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io("open", e))?;
    match file.try_lock() {
        Ok(()) => {
            let file = Arc::new(file);
            held.push((key, Arc::downgrade(&file)));
            Ok(file)
        }
        Err(std::fs::TryLockError::WouldBlock) => Err(CoreError::Sandbox(format!(
            "{IN_USE} (the app, or an `oauthdesk` command) that holds {}; close it first",
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(io("lock", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether another process could take the folder's lock now (the OS lock belongs to an open file, so a fresh
    /// open here is refused exactly as another process's is).
    fn free(dir: &Path) -> bool {
        let file = std::fs::File::open(dir.join(DIR).join(LOCK_FILE)).unwrap();
        file.try_lock().is_ok()
    }

    #[tokio::test]
    async fn the_sandbox_holds_its_folders_lock_until_the_last_desk_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = Sandbox::start(dir.path(), None).await.unwrap();
        assert!(
            !free(dir.path()),
            "another process could run this sandbox too"
        );
        // A desk restarted in the same process shares the lock.
        let second = Sandbox::start(dir.path(), None).await.unwrap();
        drop(first);
        assert!(!free(dir.path()));
        // A detached sandbox shares nothing and takes no lock.
        let detached = Sandbox::detached().await.unwrap();
        assert_ne!(detached.base_url(), second.base_url());
        drop(second);
        assert!(free(dir.path()));
        Sandbox::start(dir.path(), None).await.unwrap();
    }
}
