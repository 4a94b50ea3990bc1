//! The core's one error type. Each variant's message says what happened and what to do next; the shell maps the
//! variants onto the UI's error codes (`src-tauri/src/error.rs`).

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The user's input was refused before anything was stored or sent; `field` names the input.
    #[error("{message}")]
    InvalidInput { field: String, message: String },
    /// No project with that ID.
    #[error("there is no project {0}; it may have been removed — pick another project")]
    UnknownProject(String),
    /// Something asked for is not there (any more): a Wix app profile, a saved secret, a held token. The message
    /// says what, and what to do.
    #[error("{0}")]
    NotFound(String),
    /// The sandbox is built in: it can be reset, not removed.
    #[error("the sandbox project is built in and cannot be removed; use Reset to start it afresh")]
    SandboxIsPermanent,
    /// The sandbox emulator failed to start, or refused what the app asked of it.
    #[error("the sandbox (local Wix emulator) {0}")]
    Sandbox(String),
    /// A Wix app install through the loopback Redirect URL was refused: nothing was stored.
    #[error("the install was refused: {0}; nothing was stored — start the install again from Wix")]
    InstallRefused(String),
    /// A loopback port OAuth Desk must serve on is taken by another program.
    #[error(
        "port {port} on 127.0.0.1 is in use by another program ({reason}); close it, or give the profile another port and register the new URLs with Wix"
    )]
    PortInUse { port: u16, reason: String },
    /// Work sent to a background thread (keyring or file I/O) panicked or was cancelled.
    #[error(
        "a background task failed ({0}); try again, and if it happens again, the log file has details"
    )]
    TaskFailed(String),
    /// Reading or writing one of the app's files failed.
    #[error("could not {action} {path}: {source}; check that the folder is writable")]
    Io {
        action: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// One of the app's files exists but is not what this version writes.
    #[error("the file {path} is damaged ({reason}); move it aside and restart to begin afresh")]
    CorruptFile { path: String, reason: String },
    /// A Wix call failed (or was refused before sending).
    #[error(transparent)]
    Wix(wix_client::Error),
    /// The OS keyring refused; nothing was written elsewhere.
    #[error(transparent)]
    Vault(#[from] vault::VaultError),
}

impl From<wix_client::Error> for CoreError {
    /// A keyring failure inside the Wix client is a keyring failure, not a Wix one.
    fn from(error: wix_client::Error) -> Self {
        match error {
            wix_client::Error::Vault(e) => Self::Vault(e),
            other => Self::Wix(other),
        }
    }
}

impl CoreError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

/// Run blocking work (a keyring call, file I/O) on a blocking thread, off the async runtime and the UI thread.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| CoreError::TaskFailed(e.to_string()))
}
