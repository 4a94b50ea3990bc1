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
    /// A Wix app install at the loopback Redirect URL was refused (state, code or refresh token missing); nothing
    /// was stored.
    #[error("{message}")]
    InstallRefused { message: String },
    /// Work on a background thread (keyring or file I/O) failed to finish; trying again usually works.
    #[error("{message}")]
    TaskFailed { message: String },
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
            E::UnknownProject(_) | E::NotFound(_) => Self::NotFound { message },
            E::SandboxIsPermanent => Self::InvalidInput {
                field: "project".into(),
                message,
            },
            E::PortInUse { .. } => Self::InvalidInput {
                field: "port".into(),
                message,
            },
            E::Sandbox(_) => Self::Sandbox { message },
            E::InstallRefused(_) => Self::InstallRefused { message },
            E::TaskFailed(_) => Self::TaskFailed { message },
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
            // An answer that is not what Wix documents is Wix's (or the network's) doing, not a bug here.
            E::Network { .. } | E::Timeout { .. } | E::Decode(_) => Self::Network { message },
            E::MissingPermission { wix, .. } => Self::Wix {
                status: wix.status,
                message,
            },
            E::CreateOutcomeUnknown { .. } | E::SecretOutcomeUnknown { .. } => {
                Self::OutcomeUnknown { message }
            }
            E::SignInAgain(_) => Self::Wix {
                status: 401,
                message,
            },
            E::Vault(e) => e.into(),
            E::PageRefused { .. } => Self::Browser { message },
            E::Invalid(_) | E::Setup(_) => Self::internal(message),
        }
    }
}

/// A background task (keyring I/O runs on blocking threads) that panicked or was cancelled.
impl From<tauri::Error> for AppError {
    fn from(error: tauri::Error) -> Self {
        desk_core::CoreError::TaskFailed(error.to_string()).into()
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use desk_core::CoreError;
    use serde_json::{Value, json};

    fn json_of(error: impl Into<AppError>) -> Value {
        serde_json::to_value(error.into()).unwrap()
    }

    fn wix_error(status: u16) -> wix_client::Error {
        wix_client::Error::Wix(wix_client::WixError {
            status,
            code: None,
            message: "No OAuth app abc".into(),
            violations: Vec::new(),
            request_id: Some("req-1".into()),
        })
    }

    /// Every code the UI can receive, from the library error that produces it, with its whole JSON. A new
    /// variant must be added here: the UI's `errors.ts` has a title for each code.
    #[test]
    fn every_error_code_has_its_json_pinned() {
        let cases: Vec<(Value, Value)> = vec![
            (
                json_of(vault::VaultError::Locked("prompt dismissed".into())),
                json!({"code": "keyring", "message": "the OS keyring is locked or refused access (prompt dismissed); unlock it and try again"}),
            ),
            (
                json_of(CoreError::invalid("siteId", "Site ID: paste the ID")),
                json!({"code": "invalidInput", "field": "siteId", "message": "Site ID: paste the ID"}),
            ),
            (
                json_of(CoreError::UnknownProject("p1".into())),
                json!({"code": "notFound", "message": "there is no project p1; it may have been removed — pick another project"}),
            ),
            (
                json_of(CoreError::CorruptFile {
                    path: "/data/projects.json".into(),
                    reason: "expected value".into(),
                }),
                json!({"code": "storage", "message": "the file /data/projects.json is damaged (expected value); move it aside and restart to begin afresh"}),
            ),
            (
                json_of(wix_error(404)),
                json!({"code": "wix", "status": 404, "message": "Wix answered 404: No OAuth app abc; it may have been deleted; refresh the list (request ID req-1)"}),
            ),
            (
                json_of(wix_client::Error::Timeout {
                    host: "www.wixapis.com".into(),
                    seconds: 30,
                }),
                json!({"code": "network", "message": "www.wixapis.com did not answer within 30 s; try again"}),
            ),
            (
                json_of(wix_client::Error::CreateOutcomeUnknown { found: None }),
                json!({"code": "outcomeUnknown", "message": "the create request was sent but its answer was lost, and no new app with that name was found: nothing seems to have been created; refresh the list, then try again"}),
            ),
            (
                json_of(AppError::Browser {
                    message: "could not open the system browser (no handler); set a default browser and try again".into(),
                }),
                json!({"code": "browser", "message": "could not open the system browser (no handler); set a default browser and try again"}),
            ),
            (
                json_of(CoreError::Sandbox("could not start: address in use".into())),
                json!({"code": "sandbox", "message": "the sandbox (local Wix emulator) could not start: address in use"}),
            ),
            (
                json_of(CoreError::InstallRefused("the redirect carried no code or instance ID".into())),
                json!({"code": "installRefused", "message": "the install was refused: the redirect carried no code or instance ID; nothing was stored — start the install again from Wix"}),
            ),
            (
                json_of(CoreError::TaskFailed("task 7 panicked".into())),
                json!({"code": "taskFailed", "message": "a background task failed (task 7 panicked); try again, and if it happens again, the log file has details"}),
            ),
            (
                json_of(AppError::internal("state missing")),
                json!({"code": "internal", "message": "state missing (this is a bug in OAuth Desk; the log file has details)"}),
            ),
        ];
        let codes: Vec<&str> = cases
            .iter()
            .map(|(got, _)| got["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes.len(), 12, "one case per AppError code: {codes:?}");
        for (got, expected) in cases {
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn a_locked_keyring_says_unlock_it_whether_it_came_through_the_core_or_the_wix_client() {
        let locked = || vault::VaultError::Locked("prompt dismissed".into());
        for error in [
            AppError::from(CoreError::Vault(locked())),
            AppError::from(wix_client::Error::Vault(locked())),
            AppError::from(CoreError::from(wix_client::Error::Vault(locked()))),
        ] {
            let value = serde_json::to_value(&error).unwrap();
            assert_eq!(value["code"], "keyring", "{value}");
            let message = value["message"].as_str().unwrap();
            assert!(message.contains("unlock it"), "{message}");
            assert!(!message.contains("bug"), "{message}");
        }
    }

    #[test]
    fn refusals_of_bad_input_name_the_field_and_wix_field_violations_too() {
        let mut wix = wix_error(400);
        if let wix_client::Error::Wix(e) = &mut wix {
            e.violations.push(wix_client::FieldError {
                field: "allowedRedirectUris[0]".into(),
                message: "must be a URL".into(),
            });
        }
        assert_eq!(json_of(wix)["field"], "allowedRedirectUris[0]");
        assert_eq!(
            json_of(CoreError::PortInUse {
                port: 5000,
                reason: "in use".into()
            })["field"],
            "port"
        );
    }
}
