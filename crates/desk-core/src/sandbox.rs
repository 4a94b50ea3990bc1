//! The built-in sandbox project: the local Wix emulator, started in-process on a loopback port, with its state
//! kept in the app's data directory so it survives restarts.
//!
//! The port is kept too (`sandbox/port`): the sandbox comes back at the same URL after a restart when the port is
//! still free, so a Headless front end pointed at it keeps working, and so does a login page a browser opened
//! before the restart. If the port is taken, any free port is used (and remembered).

use std::path::Path;

use wix_emulator::{AdminCredentials, EmulatorConfig, RunningEmulator};

use crate::error::{CoreError, Result};

/// The sandbox's folder in the data directory (its state file and remembered port).
pub(crate) const DIR: &str = "sandbox";

pub struct Sandbox {
    emulator: RunningEmulator,
}

impl Sandbox {
    /// Start the emulator with its state in `<data_dir>/sandbox/state.json` (seeded on first start). Its admin
    /// routes need `admin_token` (a fresh random one when `None`), which only this process holds.
    pub async fn start(data_dir: &Path, admin_token: Option<String>) -> Result<Self> {
        let dir = data_dir.join(DIR);
        let port_file = dir.join("port");
        let admin_token = admin_token
            .map(wix_emulator::AdminToken::new)
            .transpose()
            .map_err(|e| CoreError::Sandbox(format!("was given an unusable admin token: {e}")))?;
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
        Ok(Self { emulator })
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
