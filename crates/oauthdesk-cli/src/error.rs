//! What can go wrong in a command, and its exit code. Errors print on stderr with the same words the app shows
//! (the `Display` of [`desk_core::CoreError`]).

use desk_core::CoreError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A failure of the operation itself, in the app's words.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The command was used in a way it cannot run (exit code 2), e.g. `apps delete` with no terminal to confirm
    /// on and no `--yes`.
    #[error("{0}")]
    Usage(String),
    /// Anything else that stopped the command; the message says what and what to do.
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    /// 2 for bad usage, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            _ => 1,
        }
    }

    /// A line to add under the message, when the command line has a way out the app does not.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            CliError::Core(CoreError::Sandbox(message))
                if message.starts_with(desk_core::sandbox::IN_USE) =>
            {
                Some(
                    "hint: close OAuth Desk, or pass `--project NAME` to work on a connected project (`oauthdesk projects list`)",
                )
            }
            _ => None,
        }
    }
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;
