//! Visitor tokens and their lifecycle, as the SDK's `OAuthStrategy` does it (client ID only, never a secret):
//! mint with `grantType: anonymous`, renew with `refresh_token`, and — unlike minting anew on every start, which
//! loses the visitor's cart — reuse a stored refresh token first.
//!
//! [`TokenSession`] keeps one project + client's tokens in the vault and hands out valid access tokens: it renews
//! a configurable margin before expiry, lets only one renewal run at a time however many callers wait
//! (single-flight), and drops the tokens when the server refuses the refresh token (4xx: "sign in again").

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use vault::{Secret, SecretStore};

use crate::error::{Error, Result};
use crate::http::{ClientConfig, Http, Retry};

/// Who the tokens stand for (by the refresh token's role).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Visitor,
    Member,
}

/// A set of tokens. `Debug` prints neither token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: Secret,
    /// From `expires_in` at the time of issue.
    pub expires_at: DateTime<Utc>,
    pub refresh_token: Secret,
    pub role: Role,
}

impl Tokens {
    /// Valid for at least `margin` more.
    pub fn fresh_for(&self, margin: Duration) -> bool {
        self.expires_at - chrono::Duration::from_std(margin).unwrap_or_default() > Utc::now()
    }

    /// `loggedIn()` in the SDK: the refresh token is a member's.
    pub fn logged_in(&self) -> bool {
        self.role == Role::Member
    }

    /// The `authorization` header value the SDK sends (the access token as is, no "Bearer").
    pub fn auth_header(&self) -> &str {
        self.access_token.expose()
    }

    /// One JSON document for the vault.
    fn to_vault(&self) -> Secret {
        Secret::new(
            json!({
                "accessToken": self.access_token.expose(),
                "expiresAt": self.expires_at.to_rfc3339(),
                "refreshToken": self.refresh_token.expose(),
                "role": self.role,
            })
            .to_string(),
        )
    }

    fn from_vault(secret: &Secret) -> Option<Self> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Stored {
            access_token: String,
            expires_at: DateTime<Utc>,
            refresh_token: String,
            role: Role,
        }
        let stored: Stored = serde_json::from_str(secret.expose()).ok()?;
        Some(Self {
            access_token: Secret::new(stored.access_token),
            expires_at: stored.expires_at,
            refresh_token: Secret::new(stored.refresh_token),
            role: stored.role,
        })
    }
}

#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    expires_in: i64,
}

/// The token endpoint for one OAuth app.
#[derive(Clone)]
pub struct VisitorAuth {
    http: Http,
    client_id: String,
}

impl VisitorAuth {
    pub fn new(config: ClientConfig, client_id: &str) -> Result<Self> {
        Ok(Self {
            http: Http::new(config)?,
            client_id: client_id.to_owned(),
        })
    }

    /// New visitor tokens (`grantType: anonymous`). Not retried: each try would be a different visitor.
    pub async fn mint(&self) -> Result<Tokens> {
        let body = json!({ "clientId": self.client_id, "grantType": "anonymous" });
        let response = self.request(&body, Retry::Once).await?;
        let refresh = response
            .refresh_token
            .clone()
            .ok_or_else(|| Error::Decode("no refresh_token".into()))?;
        Ok(tokens(response, Secret::new(refresh), Role::Visitor))
    }

    /// A new access token for `current`'s refresh token. The refresh token is kept unless the server rotates it.
    pub async fn renew(&self, current: &Tokens) -> Result<Tokens> {
        let body = json!({
            "clientId": self.client_id,
            "grantType": "refresh_token",
            "refreshToken": current.refresh_token.expose(),
        });
        let response = self.request(&body, Retry::Idempotent).await?;
        let refresh = response
            .refresh_token
            .clone()
            .map(Secret::new)
            .unwrap_or_else(|| current.refresh_token.clone());
        Ok(tokens(response, refresh, current.role))
    }

    async fn request(&self, body: &serde_json::Value, retry: Retry) -> Result<TokenResponse> {
        self.http
            .send(Method::POST, "oauth2/token", Some(body), retry, |r| r)
            .await
    }

    /// The SDK's `generateVisitorTokens`: keep valid tokens, else renew a stored refresh token, else mint.
    pub async fn visitor_tokens(&self, stored: Option<&Tokens>) -> Result<Tokens> {
        if let Some(stored) = stored {
            if stored.fresh_for(Duration::ZERO) {
                return Ok(stored.clone());
            }
            match self.renew(stored).await {
                Ok(tokens) => return Ok(tokens),
                Err(e) => {
                    tracing::info!("stored refresh token refused ({e}); minting a new visitor")
                }
            }
        }
        self.mint().await
    }
}

/// Tokens from a token answer; its refresh token, else `fallback`, else the answer is incomplete.
pub(crate) fn tokens_from(
    response: TokenResponse,
    fallback: Option<Secret>,
    role: Role,
) -> Result<Tokens> {
    let refresh = response
        .refresh_token
        .clone()
        .map(Secret::new)
        .or(fallback)
        .ok_or_else(|| Error::Decode("no refresh_token".into()))?;
    Ok(tokens(response, refresh, role))
}

fn tokens(response: TokenResponse, refresh: Secret, role: Role) -> Tokens {
    Tokens {
        access_token: Secret::new(response.access_token),
        expires_at: Utc::now() + chrono::Duration::seconds(response.expires_in),
        refresh_token: refresh,
        role,
    }
}

/// One project + OAuth app's tokens, kept in the vault, renewed on demand by one caller at a time.
pub struct TokenSession {
    auth: VisitorAuth,
    vault: Arc<dyn SecretStore>,
    entry: String,
    margin: Duration,
    tokens: tokio::sync::Mutex<Option<Tokens>>,
}

impl TokenSession {
    /// Load the stored tokens (if any) for `project_id` + the auth's client ID.
    pub fn open(
        auth: VisitorAuth,
        vault: Arc<dyn SecretStore>,
        project_id: &str,
        margin: Duration,
    ) -> Result<Self> {
        let entry = vault::entry::member_tokens(project_id, &auth.client_id);
        let stored = vault.get(&entry).map_err(|e| Error::Setup(e.to_string()))?;
        let tokens = stored.as_ref().and_then(Tokens::from_vault);
        Ok(Self {
            auth,
            vault,
            entry,
            margin,
            tokens: tokio::sync::Mutex::new(tokens),
        })
    }

    /// Tokens held now, without any request.
    pub async fn current(&self) -> Option<Tokens> {
        self.tokens.lock().await.clone()
    }

    /// Visitor tokens: the stored ones if still valid, renewed, or new (and saved).
    pub async fn visitor(&self) -> Result<Tokens> {
        let mut held = self.tokens.lock().await;
        let tokens = self.auth.visitor_tokens(held.as_ref()).await?;
        self.save(&tokens)?;
        *held = Some(tokens.clone());
        Ok(tokens)
    }

    /// A valid access token. With many callers and an expiring token, exactly one renewal request is sent: the
    /// others wait for the lock and find the fresh token. A refresh the server refuses (4xx) drops the tokens.
    pub async fn access_token(&self) -> Result<Secret> {
        let mut held = self.tokens.lock().await;
        let Some(current) = held.as_ref() else {
            return Err(Error::SignInAgain("no tokens are held for this app".into()));
        };
        if current.fresh_for(self.margin) {
            return Ok(current.access_token.clone());
        }
        match self.auth.renew(current).await {
            Ok(tokens) => {
                self.save(&tokens)?;
                let access = tokens.access_token.clone();
                *held = Some(tokens);
                Ok(access)
            }
            Err(Error::Wix(e)) if (400..500).contains(&e.status) => {
                *held = None;
                let _ = self.vault.delete(&self.entry);
                Err(Error::SignInAgain(e.message))
            }
            Err(e) => Err(e),
        }
    }

    /// Hold (and save) tokens from a sign-in, replacing whatever was held.
    pub async fn set(&self, tokens: Tokens) -> Result<()> {
        let mut held = self.tokens.lock().await;
        self.save(&tokens)?;
        *held = Some(tokens);
        Ok(())
    }

    /// Renew now, whatever the expiry (the "renew" button). A refused refresh token drops the tokens.
    pub async fn renew_now(&self) -> Result<Tokens> {
        let mut held = self.tokens.lock().await;
        let Some(current) = held.as_ref() else {
            return Err(Error::SignInAgain("no tokens are held for this app".into()));
        };
        match self.auth.renew(current).await {
            Ok(tokens) => {
                self.save(&tokens)?;
                *held = Some(tokens.clone());
                Ok(tokens)
            }
            Err(Error::Wix(e)) if (400..500).contains(&e.status) => {
                *held = None;
                let _ = self.vault.delete(&self.entry);
                Err(Error::SignInAgain(e.message))
            }
            Err(e) => Err(e),
        }
    }

    /// Forget the tokens here and in the vault.
    pub async fn forget(&self) -> Result<()> {
        *self.tokens.lock().await = None;
        self.vault
            .delete(&self.entry)
            .map(|_| ())
            .map_err(|e| Error::Setup(e.to_string()))
    }

    fn save(&self, tokens: &Tokens) -> Result<()> {
        self.vault
            .set(&self.entry, &tokens.to_vault())
            .map_err(|e| Error::Setup(format!("could not keep the tokens: {e}")))
    }
}
