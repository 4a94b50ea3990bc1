//! The built-in sandbox project: the local Wix emulator, started in-process on a free loopback port, with its
//! state kept in the app's data directory so it survives restarts.

use std::path::Path;

use wix_emulator::{AdminCredentials, EmulatorConfig, RunningEmulator};

use crate::error::{CoreError, Result};

pub struct Sandbox {
    emulator: RunningEmulator,
}

impl Sandbox {
    /// Start the emulator with its state in `<data_dir>/sandbox/state.json` (seeded on first start).
    pub async fn start(data_dir: &Path) -> Result<Self> {
        let config = EmulatorConfig {
            data_path: Some(data_dir.join("sandbox").join("state.json")),
            ..EmulatorConfig::default()
        };
        let emulator = wix_emulator::start(config)
            .await
            .map_err(|e| CoreError::Sandbox(e.to_string()))?;
        tracing::info!("sandbox emulator listening at {}", emulator.base_url());
        Ok(Self { emulator })
    }

    pub fn base_url(&self) -> &url::Url {
        self.emulator.base_url()
    }

    pub fn admin(&self) -> &AdminCredentials {
        self.emulator.admin()
    }

    /// Back to the seeded OAuth apps.
    pub fn reset(&self) {
        self.emulator.reset();
    }
}
