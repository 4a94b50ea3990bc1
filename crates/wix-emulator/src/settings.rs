//! Emulator-only toggles that make the site behave like a configured Wix site: `GET` and `PATCH
//! /_emulator/v1/settings`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State as Extract;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::json_body::JsonBody;
use crate::state::State;

/// How the emulated site treats members. The defaults are those of a new published Wix site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// A new member's first login asks for a code sent by email (read it from `/_emulator/v1/outbox`).
    pub require_email_verification: bool,
    /// New members wait for the owner (`POST /_emulator/v1/members/{id}/approve`).
    pub require_owner_approval: bool,
    /// Register and login need `captchaTokens` (the SDK's `[{"Recaptcha": …, "InvisibleRecaptcha": …}]`): none
    /// (or only empty ones) is `400` with application error `-19971` (the SDK's `missingCaptchaToken`); tokens of
    /// which none is [`VALID_CAPTCHA_TOKEN`] are `400` `-19970` (`invalidCaptchaToken`). The emulator cannot check
    /// a real reCAPTCHA token, so it accepts one fixed test token only.
    pub require_captcha: bool,
    /// When false, creating a login redirect session fails as it does for an unpublished Wix site.
    pub site_published: bool,
    /// When true, a `prompt=none` load of `/oauth2/authorize` (a session token becoming a code) answers `200` with
    /// a page whose script submits a form, which then redirects to the redirect URI with the code, instead of a
    /// `303` with the code: the way a Wix page that needs a browser (JavaScript, cookies) would. A client that
    /// reads the redirect itself finds a page, and must load the URL where a page can run. Loading the page spends
    /// nothing: the session token is redeemed only by the form's submission.
    pub authorize_with_page: bool,
}

/// The captcha token the emulator accepts when captcha is required.
pub const VALID_CAPTCHA_TOKEN: &str = "emulator-captcha-ok";

impl Default for Settings {
    fn default() -> Self {
        Self {
            require_email_verification: false,
            require_owner_approval: false,
            require_captcha: false,
            site_published: true,
            authorize_with_page: false,
        }
    }
}

/// A partial update: only the fields present change.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatch {
    require_email_verification: Option<bool>,
    require_owner_approval: Option<bool>,
    require_captcha: Option<bool>,
    site_published: Option<bool>,
    authorize_with_page: Option<bool>,
}

pub async fn get(Extract(state): Extract<Arc<State>>) -> Json<Settings> {
    Json(state.read().settings.clone())
}

pub async fn patch(
    Extract(state): Extract<Arc<State>>,
    JsonBody(patch): JsonBody<SettingsPatch>,
) -> Result<Json<Settings>, ApiError> {
    Ok(Json(state.write(|data| {
        let s = &mut data.settings;
        let set = |field: &mut bool, value: Option<bool>| {
            if let Some(value) = value {
                *field = value;
            }
        };
        set(
            &mut s.require_email_verification,
            patch.require_email_verification,
        );
        set(&mut s.require_owner_approval, patch.require_owner_approval);
        set(&mut s.require_captcha, patch.require_captcha);
        set(&mut s.site_published, patch.site_published);
        set(&mut s.authorize_with_page, patch.authorize_with_page);
        s.clone()
    })))
}
