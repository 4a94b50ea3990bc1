//! Visitor tokens and their lifecycle, as the SDK's `OAuthStrategy` does it (client ID only, never a secret):
//! mint with `grantType: anonymous`, renew with `refresh_token`, and — unlike minting anew on every start, which
//! loses the visitor's cart — reuse a stored refresh token first.
//!
//! [`TokenSession`] keeps one project + client's tokens in a [`TokenStore`] and hands out valid access tokens: it renews
//! a configurable margin before expiry, lets only one renewal run at a time however many callers wait
//! (single-flight), and drops the tokens when the server refuses the refresh token (400/401/403: "sign in
//! again"). A renewal is sent once, never retried (under rotation a refresh token is spent by its first use).
//!
//! Decoding is no stricter than the SDK's: a token answer without `expires_in` is accepted. Its expiry is then read
//! from the access token's `exp` claim when it is a JWT, and otherwise unknown: such a token counts as fresh (as the
//! SDK's `NaN` expiry does) until a call is refused with 401, when [`TokenSession::renew_refused`] renews it.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use vault::Secret;

use crate::error::{Error, Result};
use crate::http::{ClientConfig, Http, Retry};
use crate::store::{TokenCell, TokenStore};

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
    /// From `expires_in` at the time of issue, else the access token's JWT `exp`; `None` when the answer said
    /// neither (the token counts as fresh until a call is refused with 401).
    pub expires_at: Option<DateTime<Utc>>,
    pub refresh_token: Secret,
    pub role: Role,
}

impl Tokens {
    /// Valid for at least `margin` more. An unknown expiry counts as fresh: the token is used until a call is
    /// refused (then [`TokenSession::renew_refused`]).
    pub fn fresh_for(&self, margin: Duration) -> bool {
        match self.expires_at {
            Some(at) => at - chrono::Duration::from_std(margin).unwrap_or_default() > Utc::now(),
            None => true,
        }
    }

    /// `loggedIn()` in the SDK: the refresh token is a member's.
    pub fn logged_in(&self) -> bool {
        self.role == Role::Member
    }

    /// The `authorization` header value the SDK sends (the access token as is, no "Bearer").
    pub fn auth_header(&self) -> &str {
        self.access_token.expose()
    }

    /// The tokens as one JSON document, to keep in a secret store.
    pub fn to_stored(&self) -> Secret {
        Secret::new(
            json!({
                "accessToken": self.access_token.expose(),
                "expiresAt": self.expires_at.map(|at| at.to_rfc3339()),
                "refreshToken": self.refresh_token.expose(),
                "role": self.role,
            })
            .to_string(),
        )
    }

    /// Tokens from [`Self::to_stored`]'s document; `None` if it is not one.
    pub fn from_stored(secret: &Secret) -> Option<Self> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Stored {
            access_token: String,
            #[serde(default)]
            expires_at: Option<DateTime<Utc>>,
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

/// A token answer, as the SDK reads it: only `access_token` is required (`null` counts as absent).
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
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
    /// Sent once, never retried: under rotation a refresh token is spent by the first request that reaches the
    /// server, so a blind retry after a lost answer would replay a spent token and end the session.
    pub async fn renew(&self, current: &Tokens) -> Result<Tokens> {
        let body = json!({
            "clientId": self.client_id,
            "grantType": "refresh_token",
            "refreshToken": current.refresh_token.expose(),
        });
        let response = self.request(&body, Retry::Once).await?;
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
    let expires = match response.expires_in {
        Some(seconds) => Some(expires_at(seconds)),
        None => jwt_expiry(&response.access_token),
    };
    Tokens {
        access_token: Secret::new(response.access_token),
        expires_at: expires,
        refresh_token: refresh,
        role,
    }
}

/// The `exp` claim of a JWT access token (decoded, not verified), clamped like `expires_in` to at most a year
/// from now; `None` when the token is not a JWT or has no usable `exp`.
pub fn jwt_expiry(token: &str) -> Option<DateTime<Utc>> {
    use base64::Engine;
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?.as_i64()?;
    let at = DateTime::<Utc>::from_timestamp(exp, 0)?;
    Some(at.min(expires_at(i64::MAX)))
}

/// When a token that lives `expires_in` seconds from now expires. The number comes from a server: it is clamped
/// to 0 ..= 1 year, so a hostile or broken answer can neither overflow nor make a token look valid for ages.
pub fn expires_at(expires_in: i64) -> DateTime<Utc> {
    const YEAR: i64 = 366 * 24 * 3600;
    Utc::now() + chrono::Duration::seconds(expires_in.clamp(0, YEAR))
}

/// One project + OAuth app's tokens, kept in a [`TokenStore`], renewed on demand by one caller at a time.
pub struct TokenSession {
    auth: VisitorAuth,
    store: Arc<dyn TokenStore>,
    margin: Duration,
    tokens: TokenCell<Tokens>,
}

impl TokenSession {
    /// Load the stored tokens (if any) from `store`.
    pub async fn open(
        auth: VisitorAuth,
        store: Arc<dyn TokenStore>,
        margin: Duration,
    ) -> Result<Self> {
        let stored = store.load().await?;
        Ok(Self {
            auth,
            store,
            margin,
            tokens: TokenCell::new(stored),
        })
    }

    /// Tokens held now, without any request.
    pub async fn current(&self) -> Option<Tokens> {
        self.tokens.get().await
    }

    /// Visitor tokens: the held ones if still valid, renewed, or new (and saved).
    pub async fn visitor(&self) -> Result<Tokens> {
        self.tokens
            .fresh_or_renew(
                |t| t.fresh_for(Duration::ZERO),
                async |held: &mut Option<Tokens>| {
                    let tokens = self.auth.visitor_tokens(held.as_ref()).await?;
                    self.store.save(&tokens).await?;
                    Ok(tokens)
                },
            )
            .await
    }

    /// A valid access token. With many callers and an expiring token, exactly one renewal request is sent: the
    /// others wait for it and find the fresh token. A refresh the server refuses (4xx) drops the tokens.
    pub async fn access_token(&self) -> Result<Secret> {
        let margin = self.margin;
        let tokens = self
            .tokens
            .fresh_or_renew(
                |t| t.fresh_for(margin),
                async |held| self.renew_held(held).await,
            )
            .await?;
        Ok(tokens.access_token)
    }

    /// A call made with `refused` (an access token this session handed out) was refused with 401: renew, once for
    /// every caller that saw the refusal, and return the new access token. When another caller already renewed,
    /// its token is returned without a request. A refused refresh token drops the tokens, as in
    /// [`Self::access_token`].
    pub async fn renew_refused(&self, refused: &Secret) -> Result<Secret> {
        let margin = self.margin;
        let tokens = self
            .tokens
            .fresh_or_renew(
                |t| t.access_token != *refused && t.fresh_for(margin),
                async |held| self.renew_held(held).await,
            )
            .await?;
        Ok(tokens.access_token)
    }

    /// Hold (and save) tokens from a sign-in, replacing whatever was held.
    pub async fn set(&self, tokens: Tokens) -> Result<()> {
        self.tokens
            .set(tokens, async |t| Ok::<_, Error>(self.store.save(t).await?))
            .await
    }

    /// Renew now, whatever the expiry (the "renew" button). A refused refresh token drops the tokens.
    pub async fn renew_now(&self) -> Result<Tokens> {
        self.tokens
            .renew(async |held| self.renew_held(held).await)
            .await
    }

    /// Renew `held`, saving the result; a refused refresh token (4xx) clears both `held` and the store.
    async fn renew_held(&self, held: &mut Option<Tokens>) -> Result<Tokens> {
        let Some(current) = held.as_ref() else {
            return Err(Error::SignInAgain("no tokens are held for this app".into()));
        };
        match self.auth.renew(current).await {
            Ok(tokens) => {
                self.store.save(&tokens).await?;
                Ok(tokens)
            }
            // The refresh token was refused (400 invalid_grant, 401, 403): the session is over. A 429 or 5xx
            // is not a refusal: the tokens are kept for a later try.
            Err(Error::Wix(e)) if matches!(e.status, 400 | 401 | 403) => {
                *held = None;
                self.store.clear().await?;
                Err(Error::SignInAgain(e.message))
            }
            Err(e) => Err(e),
        }
    }

    /// Forget the tokens here and in the store.
    pub async fn forget(&self) -> Result<()> {
        self.tokens
            .clear(async || Ok::<_, Error>(self.store.clear().await?))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn jwt(claims: &str) -> String {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.sig", b64(r#"{"alg":"none"}"#), b64(claims))
    }

    fn answer(json: &str) -> Tokens {
        let response: TokenResponse = serde_json::from_str(json).expect("a token answer decodes");
        tokens_from(response, None, Role::Member).expect("tokens")
    }

    #[test]
    fn an_answer_without_expires_in_takes_the_jwt_exp_or_an_unknown_expiry() {
        let exp = Utc::now().timestamp() + 600;
        let with_exp = answer(&format!(
            r#"{{"access_token":"{}","refresh_token":"r"}}"#,
            jwt(&format!(r#"{{"exp":{exp}}}"#))
        ));
        assert_eq!(with_exp.expires_at.map(|t| t.timestamp()), Some(exp));
        assert!(with_exp.fresh_for(Duration::from_secs(60)));
        assert!(!with_exp.fresh_for(Duration::from_secs(900)));

        let opaque = answer(
            r#"{"access_token":"OauthNG.JWS.opaque","refresh_token":"r","expires_in":null}"#,
        );
        assert_eq!(opaque.expires_at, None);
        assert!(
            opaque.fresh_for(Duration::from_secs(3600)),
            "unknown: used until refused"
        );
        let no_exp = answer(&format!(
            r#"{{"access_token":"{}","refresh_token":"r"}}"#,
            jwt(r#"{"sub":"m"}"#)
        ));
        assert_eq!(no_exp.expires_at, None);

        // expires_in wins over the claim; a far-away exp is clamped like expires_in.
        let both = answer(&format!(
            r#"{{"access_token":"{}","refresh_token":"r","expires_in":60}}"#,
            jwt(&format!(r#"{{"exp":{exp}}}"#))
        ));
        assert!(!both.fresh_for(Duration::from_secs(120)));
        let far = jwt_expiry(&jwt(r#"{"exp":99999999999}"#)).unwrap();
        assert!(far <= Utc::now() + chrono::Duration::days(367));
    }

    #[test]
    fn stored_tokens_read_back_with_or_without_an_expiry() {
        let unknown = answer(r#"{"access_token":"a","refresh_token":"r"}"#);
        assert_eq!(Tokens::from_stored(&unknown.to_stored()), Some(unknown));
        let known = answer(r#"{"access_token":"a","refresh_token":"r","expires_in":14400}"#);
        assert_eq!(
            Tokens::from_stored(&known.to_stored()).and_then(|t| t.expires_at),
            known.expires_at.map(|t| {
                DateTime::parse_from_rfc3339(&t.to_rfc3339())
                    .unwrap()
                    .with_timezone(&Utc)
            })
        );
        // What earlier versions stored (an expiry always there) still reads.
        let old = Secret::from(
            r#"{"accessToken":"a","expiresAt":"2030-01-01T00:00:00+00:00","refreshToken":"r","role":"member"}"#,
        );
        assert!(Tokens::from_stored(&old).is_some_and(|t| t.expires_at.is_some()));
    }
}
