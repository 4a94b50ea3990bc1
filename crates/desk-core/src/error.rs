//! The core's one error type. Each variant's message says what happened and what to do next; the shell maps the
//! variants onto the UI's error codes.

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The user's input was refused before anything was stored or sent.
    #[error("{message}")]
    InvalidInput { field: String, message: String },
    /// No project with that ID.
    #[error("there is no project {0}; it may have been removed — pick another project")]
    UnknownProject(String),
    /// The sandbox is built in: it can be reset, not removed.
    #[error("the sandbox project is built in and cannot be removed; use Reset to start it afresh")]
    SandboxIsPermanent,
    /// The sandbox emulator failed to start.
    #[error("the sandbox (local Wix emulator) could not start: {0}")]
    Sandbox(String),
    /// Reading or writing the project file failed.
    #[error("could not {action} {path}: {source}; check that the folder is writable")]
    Io {
        action: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The project file exists but is not what this version writes.
    #[error(
        "the project file {path} is damaged ({reason}); move it aside and restart to begin with a fresh list"
    )]
    CorruptFile { path: String, reason: String },
    /// A Wix call failed (or was refused before sending).
    #[error(transparent)]
    Wix(#[from] wix_client::Error),
    /// The OS keyring refused; nothing was written elsewhere.
    #[error(transparent)]
    Vault(#[from] vault::VaultError),
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
