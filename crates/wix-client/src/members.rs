//! Member sign-in with `OAuthStrategy` parity (client ID only — member flows never need the secret):
//!
//! - Wix-managed login: [`MemberAuth::login_url`] (a redirect session with PKCE S256 + state) for the system
//!   browser, then [`MemberAuth::exchange_code`] for the code the callback brings (one attempt, exact redirect URI).
//! - Custom login: [`MemberAuth::register`], [`MemberAuth::login`] (both with optional [`CaptchaTokens`]),
//!   [`MemberAuth::verify`] (the login state machine) and [`MemberAuth::session_tokens`] — a session token becomes
//!   member tokens through `prompt=none`. The hosted `fullUrl` is loaded here once, with no cookies and no
//!   JavaScript: when Wix answers with a redirect to the redirect URI carrying a code, that code is exchanged
//!   ([`SessionExchange::Tokens`]); when it answers with a page (or a redirect anywhere else), the same `fullUrl`
//!   must be loaded where a page can run ([`SessionExchange::NeedsPage`]), and its code comes back to the redirect
//!   URI like a Wix-managed login's.
//! - [`MemberAuth::send_password_reset`], [`MemberAuth::external_login`] (member ID + API key),
//!   [`MemberAuth::external_login_with_session`] (email + API key, through `sign-on`),
//!   [`MemberAuth::logout_url`] (with `callbacks`, as the SDK sends it).
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

/// The reCAPTCHA site keys the SDK exposes (`captchaVisibleSiteKey`, `captchaInvisibleSiteKey` of
/// `OAuthStrategy`): a page that renders Google's reCAPTCHA widget with one of these gets a token Wix accepts.
pub const CAPTCHA_VISIBLE_SITE_KEY: &str = "6Ld0J8IcAAAAANyrnxzrRlX1xrrdXsOmsepUYosy";
pub const CAPTCHA_INVISIBLE_SITE_KEY: &str = "6LdoPaUfAAAAAJphvHoUoOob7mx0KDlXyXlgrx5v";

/// The SDK's `captchaTokens` input: a site with reCAPTCHA on refuses register and login without one
/// ([`LoginErrorCode::MissingCaptchaToken`]). `Debug` hides the tokens.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CaptchaTokens {
    /// From the visible reCAPTCHA widget ([`CAPTCHA_VISIBLE_SITE_KEY`]).
    pub recaptcha: Option<Secret>,
    /// From invisible reCAPTCHA ([`CAPTCHA_INVISIBLE_SITE_KEY`]).
    pub invisible_recaptcha: Option<Secret>,
}

impl std::fmt::Debug for CaptchaTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptchaTokens")
            .field("recaptcha", &self.recaptcha.as_ref().map(|_| "[redacted]"))
            .field(
                "invisible_recaptcha",
                &self.invisible_recaptcha.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl CaptchaTokens {
    /// A token from the visible reCAPTCHA widget.
    pub fn recaptcha(token: Secret) -> Self {
        Self {
            recaptcha: Some(token),
            invisible_recaptcha: None,
        }
    }

    /// `[{"Recaptcha": …, "InvisibleRecaptcha": …}]` with absent tokens dropped, as the SDK sends it; `None` when
    /// neither token is there (then the SDK sends no `captchaTokens`).
    fn to_wire(&self) -> Option<Value> {
        let mut entry = serde_json::Map::new();
        let non_empty = |t: &Option<Secret>| {
            t.as_ref()
                .map(|t| t.expose().trim().to_owned())
                .filter(|t| !t.is_empty())
        };
        if let Some(token) = non_empty(&self.recaptcha) {
            entry.insert("Recaptcha".into(), Value::String(token));
        }
        if let Some(token) = non_empty(&self.invisible_recaptcha) {
            entry.insert("InvisibleRecaptcha".into(), Value::String(token));
        }
        (!entry.is_empty()).then(|| json!([entry]))
    }
}

/// The optional inputs of a sign-on (the SDK's `getMemberTokensForExternalLoginWithSession` options).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignOnOptions {
    /// The identity profile, sent as given (`{"nickname": …}`, …).
    pub profile: Option<Value>,
    /// Mark the email as verified.
    pub verify_email: Option<bool>,
    pub merge_existing_contact: Option<bool>,
}

/// What a session token's exchange found (see [`MemberAuth::session_tokens`]).
#[derive(Debug)]
pub enum SessionExchange {
    /// Wix redirected to the redirect URI with a code, which was exchanged: member tokens.
    Tokens(Tokens),
    /// Wix answered in a way only a page that can run finishes: load `url` (in the system browser, returning
    /// through `oauth.redirect_uri`) and accept its callback for `oauth`'s state, as for a Wix-managed login.
    NeedsPage(PageNeeded),
}

/// A session-token login that needs a page that can run. Holds the login's PKCE verifier: keep it with the
/// pending logins (in the keyring), nowhere else.
#[derive(Debug)]
pub struct PageNeeded {
    /// The `fullUrl` (checked: Wix's, or the sandbox's) to open.
    pub url: url::Url,
    /// The verifier, state and redirect URI the callback must match.
    pub oauth: OAuthData,
    /// What Wix answered instead of the redirect with a code.
    pub answer: DirectAnswer,
}

/// What the direct load of a `prompt=none` `fullUrl` answered, when it was not the redirect with a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectAnswer {
    /// A page (a 2xx answer), e.g. one that needs JavaScript or cookies.
    Page { status: u16 },
    /// A redirect to somewhere other than the redirect URI (shown redacted: no parameter values).
    RedirectElsewhere { to: String },
}

impl std::fmt::Display for DirectAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Page { status } => write!(f, "Wix answered with a page ({status})"),
            Self::RedirectElsewhere { to } => write!(f, "Wix redirected to {to}"),
        }
    }
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

    /// `registerV2`: `{"loginId": {"email"}, "password", "profile"?, "captchaTokens"?}`.
    pub async fn register(
        &self,
        caller: &Secret,
        email: &str,
        password: &Secret,
        profile: Option<Value>,
        captcha: Option<&CaptchaTokens>,
    ) -> Result<LoginState> {
        let mut body = json!({"loginId": {"email": email}, "password": password.expose()});
        if let Some(profile) = profile {
            body["profile"] = profile;
        }
        if let Some(tokens) = captcha.and_then(CaptchaTokens::to_wire) {
            body["captchaTokens"] = tokens;
        }
        self.state_call(caller, "_api/iam/authentication/v2/register", &body, true)
            .await
    }

    /// `loginV2`: `{"loginId": {"email"}, "password", "captchaTokens"?}`.
    pub async fn login(
        &self,
        caller: &Secret,
        email: &str,
        password: &Secret,
        captcha: Option<&CaptchaTokens>,
    ) -> Result<LoginState> {
        let mut body = json!({"loginId": {"email": email}, "password": password.expose()});
        if let Some(tokens) = captcha.and_then(CaptchaTokens::to_wire) {
            body["captchaTokens"] = tokens;
        }
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

    /// Member tokens for a session token: a `prompt=none` login (`responseMode: query`, `redirect_uri` one of the
    /// OAuth app's allowed redirect URIs) whose `fullUrl` is loaded here once, without following it.
    /// - A redirect to `redirect_uri` with a code (and this login's state): the code is exchanged, and the answer
    ///   is [`SessionExchange::Tokens`].
    /// - A redirect to `redirect_uri` with an `error`: [`Error::SignInAgain`] (Wix refused the session token).
    /// - A page (2xx), or a redirect anywhere else: [`SessionExchange::NeedsPage`] with the `fullUrl` and this
    ///   login's PKCE data, for the caller to open where a page can run and finish on the callback.
    /// - Any other status: the error Wix answered.
    pub async fn session_tokens(
        &self,
        caller: &Secret,
        session_token: &Secret,
        redirect_uri: &str,
    ) -> Result<SessionExchange> {
        let oauth = OAuthData::generate(redirect_uri);
        let url = self
            .login_url(caller, &oauth, ResponseMode::Query, Some(session_token))
            .await?;
        let location = match self.http.load_once(url.clone()).await? {
            crate::http::Loaded::Redirect(location) => location,
            crate::http::Loaded::Page { status } => {
                return Ok(SessionExchange::NeedsPage(PageNeeded {
                    url,
                    oauth,
                    answer: DirectAnswer::Page { status },
                }));
            }
        };
        if !crate::callback::arrives_at(&location, redirect_uri) {
            return Ok(SessionExchange::NeedsPage(PageNeeded {
                url,
                oauth,
                answer: DirectAnswer::RedirectElsewhere {
                    to: crate::callback::redact(&location),
                },
            }));
        }
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
        Ok(SessionExchange::Tokens(
            self.exchange_code(&code, &oauth).await?,
        ))
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

    /// `signOn` (`POST /_api/iam/authentication/v2/sign-on`): a session token for the member with `email`,
    /// vouched for by an API key (`authorization: <access token>,<API key>`). The first half of
    /// [`Self::external_login_with_session`]. Sent once: it may create the member.
    pub async fn sign_on(
        &self,
        access: &Secret,
        api_key: &Secret,
        email: &str,
        options: &SignOnOptions,
    ) -> Result<SignedOn> {
        let mut body = json!({"loginId": {"email": email}});
        if let Some(profile) = &options.profile {
            body["profile"] = profile.clone();
        }
        if let Some(verify) = options.verify_email {
            body["verifyEmail"] = json!(verify);
        }
        if let Some(merge) = options.merge_existing_contact {
            body["mergeExistingContact"] = json!(merge);
        }
        let header = Secret::new(format!("{},{}", access.expose(), api_key.expose()));
        let answer: Value = self
            .http
            .send(
                Method::POST,
                "_api/iam/authentication/v2/sign-on",
                Some(&body),
                Retry::Once,
                |r| r.header("authorization", header.expose()),
            )
            .await?;
        let session_token = answer["sessionToken"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(Secret::from)
            .ok_or_else(|| Error::Decode("sign-on answered without a sessionToken".into()))?;
        let member_id = answer["identity"]["id"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| Error::Decode("sign-on answered without identity.id".into()))?;
        Ok(SignedOn {
            session_token,
            member_id,
        })
    }

    /// The SDK's `getMemberTokensForExternalLoginWithSession`: [`Self::sign_on`], then the token endpoint with
    /// `{"grant_type": "authorized_client", "member_id", "session_token"}` (no `scope`) and the same combined
    /// `authorization`. `access` is a visitor (or member) access token.
    pub async fn external_login_with_session(
        &self,
        access: &Secret,
        api_key: &Secret,
        email: &str,
        options: &SignOnOptions,
    ) -> Result<Tokens> {
        let signed_on = self.sign_on(access, api_key, email, options).await?;
        let body = json!({
            "grant_type": "authorized_client",
            "member_id": signed_on.member_id,
            "session_token": signed_on.session_token.expose(),
        });
        let header = Secret::new(format!("{},{}", access.expose(), api_key.expose()));
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

    /// The logout URL (a logout redirect session) that returns to `post_flow_url`, sent as the SDK's `logout`
    /// sends it: `{"logout": {"clientId"}, "callbacks": {"postFlowUrl"?}}` (`callbacks` always there, empty
    /// without a URL). Clear local tokens as well, whatever this answers.
    pub async fn logout_url(
        &self,
        caller: &Secret,
        post_flow_url: Option<&str>,
    ) -> Result<url::Url> {
        let callbacks = match post_flow_url {
            Some(url) => json!({"postFlowUrl": url}),
            None => json!({}),
        };
        let body = json!({"logout": {"clientId": self.client_id}, "callbacks": callbacks});
        self.redirect_session(caller, &body).await
    }
}

/// A sign-on's answer. `Debug` hides the session token.
#[derive(Debug, Clone)]
pub struct SignedOn {
    pub session_token: Secret,
    pub member_id: String,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captcha_tokens_go_on_the_wire_as_the_sdk_sends_them() {
        let both = CaptchaTokens {
            recaptcha: Some(Secret::from("v")),
            invisible_recaptcha: Some(Secret::from("i")),
        };
        assert_eq!(
            both.to_wire(),
            Some(json!([{"Recaptcha": "v", "InvisibleRecaptcha": "i"}]))
        );
        assert_eq!(
            CaptchaTokens::recaptcha(Secret::from(" v ")).to_wire(),
            Some(json!([{"Recaptcha": "v"}]))
        );
        assert_eq!(CaptchaTokens::default().to_wire(), None);
        assert_eq!(CaptchaTokens::recaptcha(Secret::from("  ")).to_wire(), None);
        assert!(!format!("{both:?}").contains("\"v\""));
    }
}
