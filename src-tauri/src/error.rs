//! How errors reach the UI.
//!
//! Every command returns `Result<T, AppError>`. `AppError` is one enum: each variant is a kind of failure the UI
//! may treat differently, and each carries a `message` written for the user that says what happened and what to do
//! next. It serializes as a tagged object, `{"code": "keyring", "message": "…"}` (plus the variant's own fields,
//! such as `field` for bad input), and the generated bindings (`ui/src/lib/bindings.ts`) type it as a union on
//! `code`. The tests at the bottom pin that JSON: it is the contract with the frontend.
//!
//! To add a failure: add a variant with a `message` (and any field the UI needs), map the library error into it
//! in a `From` impl below, and extend the tests.
//!
//! Messages never contain secrets: library errors are built so their `Display` never includes a key or token.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, specta::Type)]
#[serde(tag = "code", rename_all = "camelCase")]
pub enum AppError {
    /// The OS keyring is missing, locked or failed. Nothing secret was written anywhere else.
    #[error("{message}")]
    Keyring { message: String },
    /// The user's input was refused before anything was sent; `field` names the input.
    #[error("{message}")]
    InvalidInput { field: String, message: String },
    /// The thing asked for does not exist (any more).
    #[error("{message}")]
    NotFound { message: String },
    /// Reading or writing the app's own files failed.
    #[error("{message}")]
    Storage { message: String },
    /// Wix answered with an error; `status` is its HTTP status. The message says what to do.
    #[error("{message}")]
    Wix { status: u16, message: String },
    /// Wix (or the sandbox) could not be reached, or did not answer in time.
    #[error("{message}")]
    Network { message: String },
    /// A create was sent but its answer was lost; the message says what was found.
    #[error("{message}")]
    OutcomeUnknown { message: String },
    /// The system browser (for a login or logout page) could not be opened.
    #[error("{message}")]
    Browser { message: String },
    /// The built-in sandbox (local Wix emulator) failed.
    #[error("{message}")]
    Sandbox { message: String },
    /// A bug or an unexpected state of the app itself.
    #[error("{message}")]
    Internal { message: String },
}

impl AppError {
    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal {
            message: format!(
                "{} (this is a bug in OAuth Desk; the log file has details)",
                message.into()
            ),
        }
    }
}

impl From<vault::VaultError> for AppError {
    fn from(error: vault::VaultError) -> Self {
        Self::Keyring {
            message: error.to_string(),
        }
    }
}

impl From<desk_core::CoreError> for AppError {
    fn from(error: desk_core::CoreError) -> Self {
        use desk_core::CoreError as E;
        let message = error.to_string();
        match error {
            E::InvalidInput { field, message } => Self::InvalidInput { field, message },
            E::UnknownProject(_) => Self::NotFound { message },
            E::SandboxIsPermanent => Self::InvalidInput {
                field: "project".into(),
                message,
            },
            E::Sandbox(_) => Self::Sandbox { message },
            E::Io { .. } | E::CorruptFile { .. } => Self::Storage { message },
            E::Vault(_) => Self::Keyring { message },
            E::Wix(error) => error.into(),
        }
    }
}

impl From<wix_client::Error> for AppError {
    fn from(error: wix_client::Error) -> Self {
        use wix_client::Error as E;
        let message = error.to_string();
        if let Some(first) = error.field_errors().first() {
            return Self::InvalidInput {
                field: first.field.clone(),
                message,
            };
        }
        match error {
            E::Wix(e) => Self::Wix {
                status: e.status,
                message,
            },
            E::Network { .. } | E::Timeout { .. } => Self::Network { message },
            E::CreateOutcomeUnknown { .. } => Self::OutcomeUnknown { message },
            E::SignInAgain(_) => Self::Wix {
                status: 401,
                message,
            },
            E::Invalid(_) | E::Decode(_) | E::Setup(_) => Self::internal(message),
        }
    }
}

/// A background task (keyring I/O runs on blocking threads) that panicked or was cancelled.
impl From<tauri::Error> for AppError {
    fn from(error: tauri::Error) -> Self {
        Self::internal(format!("a background task failed: {error}"))
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keyring_error_serializes_with_code_and_actionable_message() {
        let error = AppError::from(vault::VaultError::Unavailable("no provider".into()));
        let value = serde_json::to_value(&error).unwrap();
        assert_eq!(value["code"], "keyring");
        let message = value["message"].as_str().unwrap();
        assert!(
            message.contains("start a Secret Service provider"),
            "{message}"
        );
        assert_eq!(value.as_object().unwrap().len(), 2);
    }

    #[test]
    fn invalid_input_names_the_field() {
        let error = AppError::invalid_input("name", "Name must be 2 to 256 characters.");
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            json!({"code": "invalidInput", "field": "name", "message": "Name must be 2 to 256 characters."})
        );
    }

    #[test]
    fn core_input_errors_keep_their_field() {
        let error = AppError::from(desk_core::CoreError::invalid(
            "siteId",
            "Site ID: paste the ID",
        ));
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            json!({"code": "invalidInput", "field": "siteId", "message": "Site ID: paste the ID"})
        );
        let error = AppError::from(desk_core::CoreError::UnknownProject("p1".into()));
        assert_eq!(serde_json::to_value(&error).unwrap()["code"], "notFound");
    }

    #[test]
    fn internal_errors_say_they_are_bugs() {
        let value = serde_json::to_value(AppError::internal("state missing")).unwrap();
        assert_eq!(value["code"], "internal");
        assert!(
            value["message"]
                .as_str()
                .unwrap()
                .contains("bug in OAuth Desk")
        );
    }
}
