//! Wix app OAuth, for Wix app developers (per installation, "instance"):
//!
//! - **Basic**: [`WixAppAuth::basic_token`] — app ID + app secret + instance ID → an access token valid 4 hours
//!   (`POST /oauth2/token`, `grant_type: client_credentials`). No refresh token: ask again after expiry.
//! - **Advanced**: the install handshake's URLs ([`installer_url`], [`close_window_url`]), the code exchange
//!   ([`WixAppAuth::exchange_code`]) and renewal ([`WixAppAuth::refresh`]) on `POST /oauth/access` — access tokens
//!   valid 5 minutes, and a refresh token to keep — and the finished-configuration BI event.
//!
//! The secret goes only in request bodies; it never reaches a log line (the request log holds paths only).

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use vault::Secret;

use crate::error::{Error, Result};
use crate::http::{ClientConfig, Http, Retry};

/// An app access token (and, from advanced OAuth, the refresh token to keep). `Debug` shows neither.
#[derive(Debug, Clone)]
pub struct AppToken {
    pub access_token: Secret,
    pub expires_at: DateTime<Utc>,
    pub refresh_token: Option<Secret>,
}

#[derive(Deserialize)]
struct Answer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    /// Wix's documented lifetimes apply when the answer does not say.
    #[serde(default)]
    expires_in: Option<i64>,
}

/// One Wix app's OAuth calls.
#[derive(Clone)]
pub struct WixAppAuth {
    http: Http,
    app_id: String,
    secret: Secret,
}

impl WixAppAuth {
    pub fn new(config: ClientConfig, app_id: &str, secret: Secret) -> Result<Self> {
        if app_id.trim().is_empty() {
            return Err(Error::Invalid(vec![crate::FieldError {
                field: "appId".into(),
                message: "Enter the app ID (Wix Dev Center → your app → OAuth).".into(),
            }]));
        }
        Ok(Self {
            http: Http::new(config)?,
            app_id: app_id.trim().to_owned(),
            secret,
        })
    }

    /// Basic OAuth: an access token for one installation, valid 4 hours.
    pub async fn basic_token(&self, instance_id: &str) -> Result<AppToken> {
        let body = json!({
            "grant_type": "client_credentials",
            "client_id": self.app_id,
            "client_secret": self.secret.expose(),
            "instance_id": instance_id.trim(),
        });
        let answer: Answer = self
            .http
            .send(
                Method::POST,
                "oauth2/token",
                Some(&body),
                Retry::Idempotent,
                |r| r,
            )
            .await?;
        Ok(token(answer, 4 * 60 * 60))
    }

    /// Advanced OAuth: the code from the Redirect URL → access + refresh token. Sent once, never retried.
    pub async fn exchange_code(&self, code: &Secret) -> Result<AppToken> {
        let body = json!({
            "grant_type": "authorization_code",
            "client_id": self.app_id,
            "client_secret": self.secret.expose(),
            "code": code.expose(),
        });
        self.access(&body).await
    }

    /// Advanced OAuth: a new access token for a refresh token. The answer's refresh token replaces the old one
    /// (Wix may rotate it); sent once, since a rotated token cannot be presented twice.
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<AppToken> {
        let body = json!({
            "grant_type": "refresh_token",
            "client_id": self.app_id,
            "client_secret": self.secret.expose(),
            "refresh_token": refresh_token.expose(),
        });
        let mut token = self.access(&body).await?;
        if token.refresh_token.is_none() {
            token.refresh_token = Some(refresh_token.clone());
        }
        Ok(token)
    }

    async fn access(&self, body: &serde_json::Value) -> Result<AppToken> {
        let answer: Answer = self
            .http
            .send(Method::POST, "oauth/access", Some(body), Retry::Once, |r| r)
            .await?;
        Ok(token(answer, 5 * 60))
    }

    /// Report `APP_FINISHED_CONFIGURATION` for the installation the access token belongs to.
    pub async fn send_finished_configuration(&self, access_token: &Secret) -> Result<()> {
        let body = json!({"eventName": "APP_FINISHED_CONFIGURATION"});
        let _: serde_json::Value = self
            .http
            .send(
                Method::POST,
                "apps/v1/bi-event",
                Some(&body),
                Retry::Once,
                |r| r.header("authorization", access_token.expose()),
            )
            .await?;
        Ok(())
    }
}

fn token(answer: Answer, default_seconds: i64) -> AppToken {
    AppToken {
        access_token: Secret::new(answer.access_token),
        expires_at: crate::visitor::expires_at(answer.expires_in.unwrap_or(default_seconds)),
        refresh_token: answer.refresh_token.map(Secret::new),
    }
}

/// Where the App URL sends the user: Wix's installer (`<wix>/installer/install`) with the install `token`, the app
/// ID, the Redirect URL and the app's own `state`.
pub fn installer_url(
    wix: &url::Url,
    token: &str,
    app_id: &str,
    redirect_url: &str,
    state: &str,
) -> url::Url {
    let mut url = wix.join("installer/install").expect("a fixed path joins");
    url.query_pairs_mut()
        .append_pair("token", token)
        .append_pair("appId", app_id)
        .append_pair("redirectUrl", redirect_url)
        .append_pair("state", state);
    url
}

/// Where the Redirect URL may send the user when done: Wix's close-window page with the access token.
pub fn close_window_url(wix: &url::Url, access_token: &Secret) -> url::Url {
    let mut url = wix
        .join("installer/close-window")
        .expect("a fixed path joins");
    url.query_pairs_mut()
        .append_pair("access_token", access_token.expose());
    url
}
