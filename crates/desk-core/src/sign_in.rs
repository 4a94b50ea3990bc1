//! The member sign-in workbench: visitor tokens, browser login with a deep-link callback, custom login, external
//! login, renewal and logout, per project + OAuth app (client ID only — never the app's secret).
//!
//! Tokens live in the keyring (one entry per project + client ID, written through [`Secrets`]) and never leave
//! this module except as an auth header on an explicit copy: the UI gets a [`TokenStatus`] (role, expiry, decoded
//! claims) instead. Each pending browser login is kept in the keyring too (it holds the PKCE verifier), so a cold
//! start by the deep link can finish it; it is deleted the moment the login ends.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use vault::Secret;
use wix_client::callback::{Accepted, DEFAULT_DEADLINE, PendingFlows, Refused, SavedFlow};
use wix_client::members::{LoginErrorCode, LoginState, MemberAuth, ResponseMode};
use wix_client::pkce::OAuthData;
use wix_client::visitor::{Role, TokenSession, Tokens, VisitorAuth};
use wix_client::{ClientConfig, RequestRecord};

use crate::error::{CoreError, Result};
use crate::secrets::{Entry, Secrets};

/// Renew this long before the access token expires.
const RENEW_MARGIN: Duration = Duration::from_secs(60);
/// How many requests the timeline keeps.
const TIMELINE: usize = 100;

/// Who the held tokens stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SignedInAs {
    Nobody,
    Visitor,
    Member,
}

/// One claim of a JWT access token, decoded but **not verified**.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Claim {
    pub name: String,
    pub value: String,
}

/// What the tokens panel shows. Never a token value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TokenStatus {
    pub signed_in_as: SignedInAs,
    /// RFC 3339.
    pub expires_at: Option<String>,
    /// Claims decoded from the access token if it is a JWT (not verified).
    pub claims: Vec<Claim>,
}

/// A browser login that was started: open `auth_url` in the system browser and wait for the deep link.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BrowserLogin {
    pub flow_id: String,
    pub auth_url: String,
    pub redirect_uri: String,
    pub deadline_seconds: u32,
}

/// Where a custom login, registration or verification stands.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum LoginOutcome {
    /// Member tokens are held and saved.
    SignedIn { status: TokenStatus },
    /// A code was emailed: send it with "verify".
    VerifyEmail,
    /// The site owner must approve the member first.
    OwnerApproval,
    /// Refused; `code` is the SDK's `errorCode` (e.g. `invalidPassword`).
    Failed {
        code: Option<String>,
        message: String,
    },
}

/// How a deep-link callback ended.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallbackOutcome {
    /// The flow it completed, when it matched one.
    pub flow_id: Option<String>,
    pub project_id: Option<String>,
    pub client_id: Option<String>,
    pub accepted: bool,
    pub message: String,
}

/// One request of the sign-in timeline (values redacted: method, path, status, time only).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub at: String,
    pub method: String,
    pub path: String,
    pub status: Option<u16>,
    pub millis: u32,
}

/// The project-specific parts a sign-in needs, from the desk.
#[derive(Clone)]
pub struct Target {
    pub project_id: String,
    pub base_url: url::Url,
    pub client_id: String,
}

type Key = (String, String);

/// The sign-in state of the whole app: pending browser logins, token sessions, emailed-code logins, timeline.
pub struct SignIn {
    secrets: Arc<Secrets>,
    pub redirect_uri: String,
    flows: PendingFlows,
    /// Set once the logins a previous run left pending were taken back from the keyring (on first need, not at
    /// start, so a slow keyring never delays the window).
    restored: tokio::sync::OnceCell<()>,
    sessions: Mutex<HashMap<Key, Arc<TokenSession>>>,
    /// State tokens of logins waiting for an emailed code.
    verifications: Mutex<HashMap<Key, Secret>>,
    timeline: Arc<Mutex<VecDeque<TimelineEntry>>>,
    lifetime: Duration,
}

impl SignIn {
    pub fn new(secrets: Arc<Secrets>, redirect_uri: String) -> Self {
        Self {
            secrets,
            redirect_uri,
            flows: PendingFlows::new(),
            restored: tokio::sync::OnceCell::new(),
            sessions: Mutex::default(),
            verifications: Mutex::default(),
            timeline: Arc::default(),
            lifetime: DEFAULT_DEADLINE,
        }
    }

    /// Browser logins wait this long for their callback (default 5 minutes).
    pub fn with_deadline(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Take back the logins a previous run left pending (its callback may be what started this run); expired or
    /// unreadable ones are deleted. Runs once.
    async fn restore_pending(&self) {
        self.restored
            .get_or_init(|| async {
                let saved = self
                    .secrets
                    .entries(|e| matches!(e, Entry::PendingLogin { .. }));
                for entry in saved {
                    let flow = match self.secrets.get(&entry).await {
                        Ok(Some(json)) => serde_json::from_str::<SavedFlow>(json.expose()).ok(),
                        Ok(None) => None,
                        Err(e) => {
                            tracing::warn!("could not read a pending login from the keyring: {e}");
                            continue;
                        }
                    };
                    if !flow.is_some_and(|f| self.flows.restore(f))
                        && let Err(e) = self.secrets.delete(&entry).await
                    {
                        tracing::warn!("could not delete an ended login from the keyring: {e}");
                    }
                }
            })
            .await;
    }

    /// Keep a started login in the keyring (it holds the verifier), so a cold start can finish it.
    async fn keep_flow(&self, flow_id: &str, project_id: &str) {
        let Some(saved) = self.flows.saved(flow_id) else {
            return;
        };
        let entry = Entry::PendingLogin {
            project: project_id.to_owned(),
            flow: flow_id.to_owned(),
        };
        let json = serde_json::to_string(&saved).expect("a saved flow serializes");
        if let Err(e) = self.secrets.set(&entry, Secret::new(json)).await {
            tracing::warn!(
                "could not keep the pending login in the keyring (a cold start cannot finish it): {e}"
            );
        }
    }

    /// Delete an ended login's keyring entry.
    async fn drop_flow(&self, flow_id: &str) {
        let entries = self
            .secrets
            .entries(|e| matches!(e, Entry::PendingLogin { flow, .. } if flow == flow_id));
        for entry in entries {
            if let Err(e) = self.secrets.delete(&entry).await {
                tracing::warn!("could not delete an ended login from the keyring: {e}");
            }
        }
    }

    /// Forget everything held in memory for a project that is being removed or reset: its token sessions, its
    /// logins waiting for a code or a callback. (Its keyring entries are deleted by their owner, [`Secrets`].)
    pub fn forget_project(&self, project_id: &str) {
        self.lock_sessions().retain(|(p, _), _| p != project_id);
        self.verifications
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(p, _), _| p != project_id);
        self.flows.cancel_project(project_id);
    }

    fn config(&self, target: &Target) -> ClientConfig {
        let timeline = self.timeline.clone();
        ClientConfig {
            observer: Some(Arc::new(move |r: &RequestRecord| {
                let mut t = timeline.lock().unwrap_or_else(|e| e.into_inner());
                t.push_front(TimelineEntry {
                    at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    method: r.method.clone(),
                    path: r.path.clone(),
                    status: r.status,
                    millis: r.millis.min(u32::MAX as u64) as u32,
                });
                t.truncate(TIMELINE);
            })),
            ..ClientConfig::with_base_url(target.base_url.clone())
        }
    }

    fn members(&self, target: &Target) -> Result<MemberAuth> {
        Ok(MemberAuth::new(self.config(target), &target.client_id)?)
    }

    /// The token session of a project + client, opened (from the vault) once and shared, so renewals are
    /// single-flight across every caller.
    async fn session(&self, target: &Target) -> Result<Arc<TokenSession>> {
        let key = (target.project_id.clone(), target.client_id.clone());
        if let Some(session) = self.lock_sessions().get(&key) {
            return Ok(session.clone());
        }
        let auth = VisitorAuth::new(self.config(target), &target.client_id)?;
        let store = self
            .secrets
            .token_store(&target.project_id, &target.client_id);
        let session = Arc::new(TokenSession::open(auth, store, RENEW_MARGIN).await?);
        Ok(self.lock_sessions().entry(key).or_insert(session).clone())
    }

    fn lock_sessions(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<TokenSession>>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An access token to call identity and redirect APIs with: the held one (renewed if due), else a visitor's.
    async fn caller(&self, target: &Target) -> Result<Secret> {
        let session = self.session(target).await?;
        match session.access_token().await {
            Ok(token) => Ok(token),
            Err(_) => Ok(session.visitor().await?.access_token),
        }
    }

    pub async fn status(&self, target: &Target) -> Result<TokenStatus> {
        Ok(status_of(
            self.session(target).await?.current().await.as_ref(),
        ))
    }

    /// Visitor tokens: the held ones if valid, else a stored refresh token renewed, else a new visitor.
    pub async fn visitor(&self, target: &Target) -> Result<TokenStatus> {
        let tokens = self.session(target).await?.visitor().await?;
        Ok(status_of(Some(&tokens)))
    }

    /// Start a Wix-managed login: a fresh PKCE verifier and state, recorded as pending, and the login URL.
    pub async fn start_browser_login(&self, target: &Target) -> Result<BrowserLogin> {
        let caller = self.caller(target).await?;
        let oauth = OAuthData::generate(&self.redirect_uri);
        let url = self
            .members(target)?
            .login_url(&caller, &oauth, ResponseMode::Query, None)
            .await?;
        let flow_id = uuid::Uuid::new_v4().to_string();
        self.flows.start(
            &flow_id,
            &target.project_id,
            &target.client_id,
            oauth,
            self.lifetime,
        );
        self.keep_flow(&flow_id, &target.project_id).await;
        Ok(BrowserLogin {
            flow_id,
            auth_url: url.to_string(),
            redirect_uri: self.redirect_uri.clone(),
            deadline_seconds: self.lifetime.as_secs() as u32,
        })
    }

    /// Stop waiting for a browser login; `false` if it was not waiting.
    pub async fn cancel_browser_login(&self, flow_id: &str) -> bool {
        let cancelled = self.flows.cancel(flow_id).is_some();
        if cancelled {
            self.drop_flow(flow_id).await;
        }
        cancelled
    }

    /// A deep link arrived: accept it only for a pending login (state, once, deadline, redirect URI), then
    /// exchange its code and keep the member tokens. Anything else changes nothing.
    pub async fn complete(
        &self,
        url: &str,
        base_url_of: impl Fn(&str) -> Option<url::Url>,
    ) -> CallbackOutcome {
        let rejected = |message: String| CallbackOutcome {
            flow_id: None,
            project_id: None,
            client_id: None,
            accepted: false,
            message,
        };
        self.restore_pending().await;
        let Accepted {
            flow_id,
            flow,
            code,
        } = match self.flows.accept(url) {
            Ok(accepted) => accepted,
            Err(Refused { rejection, ended }) => {
                // A forged, mistargeted or replayed link changed nothing and writes nothing. A refusal or an
                // expiry ended its login: delete its keyring entry and tell the UI which login stopped waiting.
                let mut outcome = rejected(format!("Ignored a sign-in callback: {rejection}."));
                if let Some(id) = ended {
                    self.drop_flow(&id).await;
                    outcome.flow_id = Some(id);
                }
                return outcome;
            }
        };
        self.drop_flow(&flow_id).await;
        let flow_id = Some(flow_id);
        let outcome = |accepted: bool, message: String| CallbackOutcome {
            flow_id: flow_id.clone(),
            project_id: Some(flow.project_id.clone()),
            client_id: Some(flow.client_id.clone()),
            accepted,
            message,
        };
        let Some(base_url) = base_url_of(&flow.project_id) else {
            return outcome(false, "The project of this login was removed.".into());
        };
        let target = Target {
            project_id: flow.project_id.clone(),
            base_url,
            client_id: flow.client_id.clone(),
        };
        let exchanged = async {
            let tokens = self
                .members(&target)?
                .exchange_code(&code, &flow.oauth)
                .await?;
            self.session(&target).await?.set(tokens).await?;
            Ok::<_, CoreError>(())
        };
        match exchanged.await {
            Ok(()) => outcome(
                true,
                "Signed in: member tokens are saved in the OS keyring.".into(),
            ),
            Err(e) => outcome(false, format!("The code could not be exchanged: {e}")),
        }
    }

    pub async fn register(
        &self,
        target: &Target,
        email: &str,
        password: &Secret,
    ) -> Result<LoginOutcome> {
        check_email(email)?;
        let caller = self.caller(target).await?;
        let state = self
            .members(target)?
            .register(&caller, email.trim(), password, None)
            .await?;
        self.advance(target, &caller, state).await
    }

    pub async fn login(
        &self,
        target: &Target,
        email: &str,
        password: &Secret,
    ) -> Result<LoginOutcome> {
        check_email(email)?;
        let caller = self.caller(target).await?;
        let state = self
            .members(target)?
            .login(&caller, email.trim(), password)
            .await?;
        self.advance(target, &caller, state).await
    }

    pub async fn verify(&self, target: &Target, code: &str) -> Result<LoginOutcome> {
        if code.trim().is_empty() {
            return Err(CoreError::invalid("code", "Enter the code from the email."));
        }
        let key = (target.project_id.clone(), target.client_id.clone());
        let state_token = self
            .verifications
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned()
            .ok_or_else(|| {
                CoreError::NotFound(
                    "No login is waiting for a code; log in or register first.".into(),
                )
            })?;
        let caller = self.caller(target).await?;
        let state = self
            .members(target)?
            .verify(&caller, code, &state_token)
            .await?;
        self.advance(target, &caller, state).await
    }

    /// Follow the login state machine: a session token becomes member tokens (no browser), a verification step is
    /// remembered, anything else is reported.
    async fn advance(
        &self,
        target: &Target,
        caller: &Secret,
        state: LoginState,
    ) -> Result<LoginOutcome> {
        let key = (target.project_id.clone(), target.client_id.clone());
        let verifications = || self.verifications.lock().unwrap_or_else(|e| e.into_inner());
        Ok(match state {
            LoginState::Success { session_token } => {
                verifications().remove(&key);
                let tokens = self
                    .members(target)?
                    .session_tokens(caller, &session_token, &self.redirect_uri)
                    .await?;
                let status = status_of(Some(&tokens));
                self.session(target).await?.set(tokens).await?;
                LoginOutcome::SignedIn { status }
            }
            LoginState::EmailVerificationRequired { state_token } => {
                verifications().insert(key, state_token);
                LoginOutcome::VerifyEmail
            }
            LoginState::OwnerApprovalRequired => LoginOutcome::OwnerApproval,
            LoginState::Failure { code, message } => LoginOutcome::Failed {
                code: code.map(|c| error_code_name(c).to_owned()),
                message,
            },
        })
    }

    pub async fn send_password_reset(
        &self,
        target: &Target,
        email: &str,
        return_url: &str,
    ) -> Result<()> {
        check_email(email)?;
        let caller = self.caller(target).await?;
        Ok(self
            .members(target)?
            .send_password_reset(&caller, email.trim(), return_url)
            .await?)
    }

    pub async fn external_login(
        &self,
        target: &Target,
        member_id: &str,
        api_key: &Secret,
    ) -> Result<TokenStatus> {
        if member_id.trim().is_empty() {
            return Err(CoreError::invalid("memberId", "Enter the member's ID."));
        }
        let session = self.session(target).await?;
        // External login needs a visitor token to vouch with, whatever is held now.
        let visitor = VisitorAuth::new(self.config(target), &target.client_id)?
            .mint()
            .await?;
        let tokens = self
            .members(target)?
            .external_login(&visitor.access_token, api_key, member_id.trim())
            .await?;
        let status = status_of(Some(&tokens));
        session.set(tokens).await?;
        Ok(status)
    }

    pub async fn renew(&self, target: &Target) -> Result<TokenStatus> {
        let tokens = self.session(target).await?.renew_now().await?;
        Ok(status_of(Some(&tokens)))
    }

    /// The logout URL (for the system browser); the local tokens are forgotten either way.
    pub async fn logout(&self, target: &Target) -> Result<Option<url::Url>> {
        let session = self.session(target).await?;
        let held = session.current().await;
        let url = match held {
            Some(tokens) if tokens.logged_in() => Some(
                self.members(target)?
                    .logout_url(&tokens.access_token, None)
                    .await?,
            ),
            _ => None,
        };
        session.forget().await?;
        Ok(url)
    }

    pub async fn forget(&self, target: &Target) -> Result<()> {
        Ok(self.session(target).await?.forget().await?)
    }

    /// The `authorization` header value for an explicit copy.
    pub async fn auth_header(&self, target: &Target) -> Result<Secret> {
        Ok(self.session(target).await?.access_token().await?)
    }

    pub fn timeline(&self) -> Vec<TimelineEntry> {
        self.timeline
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Browser logins still waiting for their callback.
    pub fn pending(&self) -> usize {
        self.flows.len()
    }
}

fn check_email(email: &str) -> Result<()> {
    let email = email.trim();
    match email.split_once('@') {
        Some((local, domain)) if !local.is_empty() && domain.contains('.') => Ok(()),
        _ => Err(CoreError::invalid(
            "email",
            "Enter an email address like name@example.com.",
        )),
    }
}

fn error_code_name(code: LoginErrorCode) -> &'static str {
    match code {
        LoginErrorCode::InvalidEmail => "invalidEmail",
        LoginErrorCode::InvalidPassword => "invalidPassword",
        LoginErrorCode::ResetPassword => "resetPassword",
        LoginErrorCode::EmailAlreadyExists => "emailAlreadyExists",
        LoginErrorCode::MissingCaptchaToken => "missingCaptchaToken",
        LoginErrorCode::InvalidCaptchaToken => "invalidCaptchaToken",
    }
}

/// What the UI may see of a set of tokens.
pub fn status_of(tokens: Option<&Tokens>) -> TokenStatus {
    let Some(tokens) = tokens else {
        return TokenStatus {
            signed_in_as: SignedInAs::Nobody,
            expires_at: None,
            claims: Vec::new(),
        };
    };
    TokenStatus {
        signed_in_as: match tokens.role {
            Role::Visitor => SignedInAs::Visitor,
            Role::Member => SignedInAs::Member,
        },
        expires_at: Some(tokens.expires_at.to_rfc3339()),
        claims: decode_claims(tokens.access_token.expose()),
    }
}

/// The payload claims of a JWT, decoded only (no signature check), bounded for display
/// ([`wix_client::jwt::decode_claims`]). Not a JWT: no claims.
pub fn decode_claims(token: &str) -> Vec<Claim> {
    wix_client::jwt::decode_claims(token)
        .into_iter()
        .map(|c| Claim {
            name: c.name,
            value: c.value,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::*;

    #[test]
    fn claims_are_decoded_from_jwts_only() {
        let payload =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"sub":"m1","exp":5}"#);
        let claims = decode_claims(&format!("h.{payload}.s"));
        assert!(claims.contains(&Claim {
            name: "sub".into(),
            value: "m1".into()
        }));
        assert!(claims.contains(&Claim {
            name: "exp".into(),
            value: "5".into()
        }));
        assert!(decode_claims("OauthNG.JWS.opaque.token").is_empty());
        assert!(decode_claims("not-a-jwt").is_empty());
    }
}
