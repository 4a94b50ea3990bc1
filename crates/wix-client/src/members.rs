//! Member sign-in with `OAuthStrategy` parity (client ID only — member flows never need the secret):
//!
//! - Wix-managed login: [`MemberAuth::login_url`] (a redirect session with PKCE S256 + state) for the system
//!   browser, then [`MemberAuth::exchange_code`] for the code the callback brings (one attempt, exact redirect URI).
//! - Custom login: [`MemberAuth::register`], [`MemberAuth::login`], [`MemberAuth::verify`] (the login state
//!   machine) and [`MemberAuth::session_tokens`] — a session token becomes member tokens through `prompt=none`,
//!   with no browser or iframe: the redirect is read, not followed.
//! - [`MemberAuth::send_password_reset`], [`MemberAuth::external_login`] (member ID + API key),
//!   [`MemberAuth::logout_url`].
//!
//! The identity and redirect calls carry the caller's visitor (or member) access token, as the SDK sends it.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use vault::Secret;

use crate::callback::parse_callback;
use crate::error::{Error, Result};
use crate::http::{ClientConfig, Http, Retry};
use crate::pkce::OAuthData;
use crate::visitor::{Role, TokenResponse, Tokens, tokens_from};

/// Where the browser sends the code back, as the SDK's `responseMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    Fragment,
    Query,
    WebMessage,
}

impl ResponseMode {
    fn as_str(self) -> &'static str {
        match self {
            ResponseMode::Fragment => "fragment",
            ResponseMode::Query => "query",
            ResponseMode::WebMessage => "web_message",
        }
    }
}

/// The SDK's `errorCode` for a failed login or registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LoginErrorCode {
    InvalidEmail,
    InvalidPassword,
    ResetPassword,
    EmailAlreadyExists,
    MissingCaptchaToken,
    InvalidCaptchaToken,
}

/// Where a register, login or verification stands (the SDK's `loginState`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginState {
    /// Logged in: turn the session token into tokens with [`MemberAuth::session_tokens`].
    Success { session_token: Secret },
    /// A code was emailed; send it with [`MemberAuth::verify`] and this state token.
    EmailVerificationRequired { state_token: Secret },
    /// The site owner must approve the member first.
    OwnerApprovalRequired,
    Failure {
        code: Option<LoginErrorCode>,
        message: String,
    },
}

/// Member sign-in for one OAuth app.
#[derive(Clone)]
pub struct MemberAuth {
    http: Http,
    client_id: String,
}

#[derive(Deserialize)]
struct RedirectSessionResponse {
    #[serde(rename = "redirectSession")]
    redirect_session: RedirectSession,
}

#[derive(Deserialize)]
struct RedirectSession {
    #[serde(rename = "fullUrl")]
    full_url: String,
}

impl MemberAuth {
    pub fn new(config: ClientConfig, client_id: &str) -> Result<Self> {
        Ok(Self {
            http: Http::new(config)?,
            client_id: client_id.to_owned(),
        })
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    fn as_caller(
        token: &Secret,
    ) -> impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder + '_ {
        move |r| r.header("authorization", token.expose())
    }

    /// The login URL for the system browser (a redirect session, `prompt` login unless a session token is given).
    pub async fn login_url(
        &self,
        caller: &Secret,
        oauth: &OAuthData,
        mode: ResponseMode,
        session_token: Option<&Secret>,
    ) -> Result<url::Url> {
        let mut request = json!({
            "redirectUri": oauth.redirect_uri,
            "clientId": self.client_id,
            "codeChallenge": oauth.code_challenge,
            "codeChallengeMethod": oauth.code_challenge_method(),
            "responseMode": mode.as_str(),
            "responseType": "code",
            "scope": "offline_access",
            "state": oauth.state.secret(),
        });
        if let Some(token) = session_token {
            request["sessionToken"] = json!(token.expose());
        }
        let body = json!({
            "auth": {"authRequest": request, "prompt": if session_token.is_some() { "none" } else { "login" }}
        });
        self.redirect_session(caller, &body)
            .await
            .map_err(explain_login_url_error)
    }

    /// Create a redirect session (login or logout) and return its `fullUrl`.
    async fn redirect_session(&self, caller: &Secret, body: &Value) -> Result<url::Url> {
        let session: RedirectSessionResponse = self
            .http
            .send(
                Method::POST,
                "_api/redirects-api/v1/redirect-session",
                Some(body),
                Retry::Once,
                Self::as_caller(caller),
            )
            .await?;
        let url = url::Url::parse(&session.redirect_session.full_url)
            .map_err(|e| Error::Decode(format!("the redirect session's URL is not a URL: {e}")))?;
        // It comes from a server's answer: it is opened in a browser, or loaded here, only if it is Wix's.
        crate::pages::check(&url, Some(self.http.base_url()))?;
        Ok(url)
    }

    /// Exchange a callback's code for member tokens: one attempt, with the login's verifier and redirect URI.
    pub async fn exchange_code(&self, code: &Secret, oauth: &OAuthData) -> Result<Tokens> {
        let body = json!({
            "clientId": self.client_id,
            "grantType": "authorization_code",
            "redirectUri": oauth.redirect_uri,
            "code": code.expose(),
            "codeVerifier": oauth.code_verifier.secret(),
        });
        let response: TokenResponse = self
            .http
            .send(
                Method::POST,
                "oauth2/token",
                Some(&body),
                Retry::Once,
                |r| r,
            )
            .await?;
        tokens_from(response, None, Role::Member)
    }

    pub async fn register(
        &self,
        caller: &Secret,
        email: &str,
        password: &Secret,
        profile: Option<Value>,
    ) -> Result<LoginState> {
        let mut body = json!({"loginId": {"email": email}, "password": password.expose()});
        if let Some(profile) = profile {
            body["profile"] = profile;
        }
        self.state_call(caller, "_api/iam/authentication/v2/register", &body, true)
            .await
    }

    pub async fn login(
        &self,
        caller: &Secret,
        email: &str,
        password: &Secret,
    ) -> Result<LoginState> {
        let body = json!({"loginId": {"email": email}, "password": password.expose()});
        self.state_call(caller, "_api/iam/authentication/v2/login", &body, false)
            .await
    }

    /// Send the emailed verification code for a login or registration waiting on it.
    pub async fn verify(
        &self,
        caller: &Secret,
        code: &str,
        state_token: &Secret,
    ) -> Result<LoginState> {
        let body = json!({"code": code.trim(), "stateToken": state_token.expose()});
        self.state_call(caller, "_api/iam/verification/v1/auth/verify", &body, false)
            .await
    }

    async fn state_call(
        &self,
        caller: &Secret,
        path: &str,
        body: &Value,
        register: bool,
    ) -> Result<LoginState> {
        let answer: Result<Value> = self
            .http
            .send(
                Method::POST,
                path,
                Some(body),
                Retry::Once,
                Self::as_caller(caller),
            )
            .await;
        match answer {
            Ok(value) => Ok(login_state(&value)),
            // A refused caller token is an error to act on; any other 4xx is the login's answer.
            Err(Error::Wix(e))
                if (400..500).contains(&e.status)
                    && e.code.as_deref() != Some("UNAUTHENTICATED") =>
            {
                let code = match e.code.as_deref() {
                    Some("-19976") => Some(LoginErrorCode::InvalidPassword),
                    Some("-19973") => Some(LoginErrorCode::ResetPassword),
                    Some("-19995") => Some(LoginErrorCode::EmailAlreadyExists),
                    Some("-19971") => Some(LoginErrorCode::MissingCaptchaToken),
                    Some("-19970") => Some(LoginErrorCode::InvalidCaptchaToken),
                    _ if e.violations.iter().any(|v| v.field.contains("email")) => {
                        Some(LoginErrorCode::InvalidEmail)
                    }
                    // The SDK reports every other login failure as invalidEmail; registration has no such default.
                    _ if !register && e.code.is_some() => Some(LoginErrorCode::InvalidEmail),
                    _ => None,
                };
                Ok(LoginState::Failure {
                    code,
                    message: e.message,
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Member tokens for a session token, with no browser: a `prompt=none` login whose redirect is read here.
    /// `redirect_uri` must be one of the OAuth app's allowed redirect URIs.
    pub async fn session_tokens(
        &self,
        caller: &Secret,
        session_token: &Secret,
        redirect_uri: &str,
    ) -> Result<Tokens> {
        let oauth = OAuthData::generate(redirect_uri);
        let url = self
            .login_url(caller, &oauth, ResponseMode::Query, Some(session_token))
            .await?;
        let location = self.http.redirect_location(url).await?;
        let callback =
            parse_callback(location.as_str()).map_err(|e| Error::Decode(e.to_string()))?;
        if let Some(error) = callback.error {
            return Err(Error::SignInAgain(format!(
                "Wix refused the session token: {error}{}",
                callback
                    .error_description
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            )));
        }
        if callback.state.as_deref() != Some(oauth.state.secret().as_str()) {
            return Err(Error::Decode(
                "the login answered with another state".into(),
            ));
        }
        let code = callback
            .code
            .ok_or_else(|| Error::Decode("the login answered without a code".into()))?;
        self.exchange_code(&code, &oauth).await
    }

    /// Ask Wix to email a password-reset link that returns to `redirect_url`.
    pub async fn send_password_reset(
        &self,
        caller: &Secret,
        email: &str,
        redirect_url: &str,
    ) -> Result<()> {
        let body =
            json!({"email": email, "redirect": {"url": redirect_url, "clientId": self.client_id}});
        let _: Value = self
            .http
            .send(
                Method::POST,
                "_api/iam/recovery/v1/send-email",
                Some(&body),
                Retry::Once,
                Self::as_caller(caller),
            )
            .await?;
        Ok(())
    }

    /// External login: member tokens for `member_id`, vouched for by an API key and a visitor access token.
    pub async fn external_login(
        &self,
        visitor: &Secret,
        api_key: &Secret,
        member_id: &str,
    ) -> Result<Tokens> {
        let body = json!({"grant_type": "authorized_client", "scope": "offline_access", "member_id": member_id});
        let header = Secret::new(format!("{},{}", visitor.expose(), api_key.expose()));
        let response: TokenResponse = self
            .http
            .send(
                Method::POST,
                "oauth2/token",
                Some(&body),
                Retry::Once,
                |r| r.header("authorization", header.expose()),
            )
            .await?;
        tokens_from(response, None, Role::Member)
    }

    /// The logout URL (a logout redirect session) that returns to `post_flow_url`. Clear local tokens as well.
    pub async fn logout_url(
        &self,
        caller: &Secret,
        post_flow_url: Option<&str>,
    ) -> Result<url::Url> {
        let mut body = json!({"logout": {"clientId": self.client_id}});
        if let Some(url) = post_flow_url {
            body["callbacks"] = json!({"postFlowUrl": url});
        }
        self.redirect_session(caller, &body).await
    }
}

fn login_state(value: &Value) -> LoginState {
    let text = |key: &str| value[key].as_str().map(|s| Secret::new(s.to_owned()));
    match value["state"].as_str() {
        Some("SUCCESS") => match text("sessionToken") {
            Some(session_token) => LoginState::Success { session_token },
            None => LoginState::Failure {
                code: None,
                message: "Wix said SUCCESS without a session token".into(),
            },
        },
        Some("REQUIRE_EMAIL_VERIFICATION") => match text("stateToken") {
            Some(state_token) => LoginState::EmailVerificationRequired { state_token },
            None => LoginState::Failure {
                code: None,
                message: "Wix asked for email verification without a state token".into(),
            },
        },
        Some("REQUIRE_OWNER_APPROVAL") => LoginState::OwnerApprovalRequired,
        other => LoginState::Failure {
            code: None,
            message: format!("unknown login state {}", other.unwrap_or("(none)")),
        },
    }
}

/// Say what the common login-URL failures mean: an unpublished site, and a redirect URI not registered.
fn explain_login_url_error(error: Error) -> Error {
    match error {
        Error::Wix(mut e)
            if e.code.as_deref() == Some("SITE_NOT_PUBLISHED")
                || e.message.contains("not published") =>
        {
            e.message = "the site is not published, so Wix cannot create a login URL for it: publish the site \
                         (Wix dashboard → Publish), then try again"
                .into();
            Error::Wix(e)
        }
        other => other,
    }
}
