//! The client's one error type. Every message says what happened and what to do next, and never contains a key,
//! secret or token.

use serde::Serialize;

/// One input field that is not acceptable, named as the UI names it (`name`, `allowedRedirectUris[2]`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// An error answer from Wix (or the emulator), parsed from its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WixError {
    pub status: u16,
    /// `applicationError.code`, e.g. `NOT_FOUND`, when the body had one.
    pub code: Option<String>,
    pub message: String,
    /// `validationError.fieldViolations`.
    pub violations: Vec<FieldError>,
    /// The `x-wix-request-id` header, to quote to Wix support.
    pub request_id: Option<String>,
}

impl WixError {
    /// What to do next, by status.
    fn advice(&self) -> &'static str {
        match self.status {
            400 => "fix the values named and try again",
            401 => "check the API key (Wix dashboard → API Keys) and paste it again",
            403 => {
                "give the API key the “Manage OAuth Apps” permission, and check the site or account ID"
            }
            404 => "it may have been deleted; refresh the list",
            429 => "Wix is rate-limiting these calls; wait a moment and try again",
            500..=599 => "Wix had a problem; try again in a moment",
            _ => "try again; if it keeps failing, quote the request ID to Wix support",
        }
    }
}

impl std::fmt::Display for WixError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Wix answered {}: {}; {}",
            self.status,
            self.message,
            self.advice()
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request ID {id})")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input was refused before anything was sent.
    #[error("{}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" "))]
    Invalid(Vec<FieldError>),
    /// Wix answered with an error.
    #[error("{0}")]
    Wix(WixError),
    /// No answer: the network or the server is unreachable.
    #[error(
        "could not reach {host}: {reason}; check your connection (or that the sandbox is running) and try again"
    )]
    Network { host: String, reason: String },
    /// The server did not answer in time.
    #[error("{host} did not answer within {seconds} s; try again")]
    Timeout { host: String, seconds: u64 },
    /// A create was sent but its answer was lost, so whether it happened is unknown. It is never retried blindly.
    #[error("{}", lost_create_message(.found.as_deref()))]
    CreateOutcomeUnknown {
        /// The client ID of an app found by name and creation time, if any.
        found: Option<String>,
    },
    /// The refresh token was refused (or there is none): the tokens were dropped.
    #[error("the session ended ({0}); sign in again")]
    SignInAgain(String),
    /// The answer was not what the API documents.
    #[error("unexpected answer from Wix ({0}); try again, and report it if it persists")]
    Decode(String),
    /// A server answered with a page to open that is not `https` on a Wix host (nor the sandbox's own origin):
    /// it was neither opened nor loaded.
    #[error(
        "the server sent a page at {shown}, which is not a Wix page, so OAuth Desk did not open it; check the project's settings, and report it if it persists"
    )]
    PageRefused { shown: String },
    /// Wix refused the call for lack of a permission (403): the API key must be given `permission`.
    #[error("{}", missing_permission_message(.action, .permission, .wix))]
    MissingPermission {
        /// What was refused, e.g. "generate an OAuth app's secret".
        action: &'static str,
        /// The permission Wix's packages name for the call, e.g. `OAUTH_APP.APP_UPDATE`.
        permission: &'static str,
        wix: Box<WixError>,
    },
    /// A secret generation was sent but its answer was lost (or unreadable), and the secret could not be read
    /// back either. Wix generates a secret once per app, so it is not sent again.
    #[error(
        "the secret generation was sent but its answer was lost, and the secret could not be read back ({reason}); \
         Wix generates a secret only once per app, so OAuth Desk did not ask again: read it later with \
         “Get secret” (the API key needs the headless:v1:o_auth_app:get_o_auth_app_secret permission), or create a \
         new app"
    )]
    SecretOutcomeUnknown { reason: String },
    /// The OS keyring refused to keep or give back a token or secret; nothing was sent in its place.
    #[error(transparent)]
    Vault(#[from] vault::VaultError),
    /// The HTTP client could not be set up.
    #[error("could not set up the HTTP client: {0}")]
    Setup(String),
}

fn missing_permission_message(action: &str, permission: &str, wix: &WixError) -> String {
    let mut text = format!(
        "Wix answered {}: {}; the API key may not {action}: give it the {permission} permission (Wix dashboard → \
         API Keys → the key → permissions), and check the project's site or account ID",
        wix.status, wix.message
    );
    if let Some(id) = &wix.request_id {
        text.push_str(&format!(" (request ID {id})"));
    }
    text
}

fn lost_create_message(found: Option<&str>) -> String {
    match found {
        Some(id) => format!(
            "the create request was sent but its answer was lost; an app with that name was created just now \
             (client ID {id}), but its client secret could not be recovered: Wix shows it only once. Use that app \
             without a secret, or delete it and create it again"
        ),
        None => "the create request was sent but its answer was lost, and no new app with that name was found: \
                 nothing seems to have been created; refresh the list, then try again"
            .to_owned(),
    }
}

impl Error {
    /// The field errors of a refusal before sending, or of a Wix validation error.
    /// A 403 from Wix becomes [`Error::MissingPermission`] naming `permission`; anything else is unchanged.
    pub fn needing(self, action: &'static str, permission: &'static str) -> Self {
        match self {
            Error::Wix(wix) if wix.status == 403 => Error::MissingPermission {
                action,
                permission,
                wix: Box::new(wix),
            },
            other => other,
        }
    }

    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Invalid(errors) => errors,
            Error::Wix(e) => &e.violations,
            _ => &[],
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
