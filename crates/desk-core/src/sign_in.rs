//! The member sign-in workbench: visitor tokens, browser login with a deep-link callback, custom login, external
//! login, renewal and logout, per project + OAuth app (client ID only — never the app's secret).
//!
//! Custom login (register, login, verify) ends with a session token that must become member tokens. That is tried
//! directly first: the hosted `fullUrl` with `prompt=none` is loaded once, and when Wix redirects to the redirect URI
//! with a code, the member is signed in ([`LoginOutcome::SignedIn`]). When Wix answers with a page instead (one that
//! needs a browser: JavaScript, cookies) or redirects elsewhere, the same URL must be opened in the **system
//! browser**: the login is recorded as pending exactly like a Wix-managed login (state, verifier, deadline, in the
//! keyring), and its callback returns through the app's deep link to [`SignIn::complete`]
//! ([`LoginOutcome::ContinueInBrowser`]). `prompt=none` means no page asks the member anything, so nothing is typed
//! in that browser. The system browser was chosen over a hidden webview of the app's own: it needs no new window,
//! no capability to lock down, and it is the path the deep-link callback and its pending-flow rules already
//! guard. The timeline says which path was taken.
//!
//! Calls made with a held access token whose expiry Wix did not say (no `expires_in`, no JWT `exp`) are renewed
//! when Wix refuses them with 401, then sent once more (a refused call spent nothing).
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
use wix_client::members::{
    CaptchaTokens, LoginErrorCode, LoginState, MemberAuth, ResponseMode, SessionExchange,
    SignOnOptions,
};
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
    /// Member tokens are held and saved: Wix redirected with a code at once (the direct path).
    SignedIn { status: TokenStatus },
    /// The session token needs a page that can run: open `login.authUrl` in the system browser. The login waits
    /// for its deep-link callback like a Wix-managed one (cancel it with [`SignIn::cancel_browser_login`]); the
    /// callback finishes it in [`SignIn::complete`]. `reason` says what Wix answered instead of the code.
    ContinueInBrowser { login: BrowserLogin, reason: String },
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

/// One request of the sign-in timeline (values redacted: method, path, status, time only), or a step the
/// workbench took (`method` is `STEP`, `path` names the step, `note` says what happened; no status).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub at: String,
    pub method: String,
    pub path: String,
    pub status: Option<u16>,
    pub millis: u32,
    /// For a step: what happened (e.g. which path a session token took). Never a value.
    pub note: Option<String>,
}

/// The `path` of the timeline step that says how a session token became member tokens.
pub const SESSION_STEP: &str = "session token → member tokens";

/// What a logout did. The local tokens are forgotten in every case.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LogoutOutcome {
    /// The Wix logout page to open in the system browser (it ends the Wix session), when Wix gave one.
    pub logout_url: Option<String>,
    /// Why Wix refused the logout session, when it did (the local tokens were forgotten anyway).
    pub refused: Option<String>,
    /// Whether `logout_url` returns to the `postFlowUrl` asked for: false when none was asked, or when Wix
    /// refused the one given and the page was made without it.
    pub returns_to_post_flow_url: bool,
}

/// Captcha tokens typed for a custom login or registration (the SDK's `captchaTokens`). Empty ones count as
/// absent. No `Debug`: it carries tokens.
#[derive(Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CaptchaInput {
    /// From the visible reCAPTCHA widget ([`CaptchaHelp::visible_site_key`]).
    pub recaptcha_token: Option<Secret>,
    /// From invisible reCAPTCHA ([`CaptchaHelp::invisible_site_key`]).
    pub invisible_recaptcha_token: Option<Secret>,
}

impl CaptchaInput {
    fn to_wire(&self) -> CaptchaTokens {
        CaptchaTokens {
            recaptcha: self.recaptcha_token.clone(),
            invisible_recaptcha: self.invisible_recaptcha_token.clone(),
        }
    }
}

/// What the captcha field shows: the reCAPTCHA site keys the SDK exposes, how to obtain a token, and the
/// sandbox's test token where it applies.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CaptchaHelp {
    pub visible_site_key: String,
    pub invisible_site_key: String,
    pub how_to: String,
    /// For the sandbox: the token its emulator accepts when its captcha setting is on.
    pub sandbox_token: Option<String>,
}

impl CaptchaHelp {
    /// The help for a project; `sandbox` adds the emulator's test token.
    pub fn new(sandbox: bool) -> Self {
        Self {
            visible_site_key: wix_client::members::CAPTCHA_VISIBLE_SITE_KEY.to_owned(),
            invisible_site_key: wix_client::members::CAPTCHA_INVISIBLE_SITE_KEY.to_owned(),
            how_to: "A site with reCAPTCHA on refuses login and sign-up without a token (missingCaptchaToken). \
                     Render Google's reCAPTCHA widget with the visible site key on a page of your own (or run \
                     grecaptcha.execute with the invisible one), solve it, and paste the token it gives \
                     (grecaptcha.getResponse()) here within two minutes: each token works once."
                .to_owned(),
            sandbox_token: sandbox
                .then(|| wix_emulator::settings::VALID_CAPTCHA_TOKEN.to_owned()),
        }
    }
}

/// The options of an external login with session (the SDK's `getMemberTokensForExternalLoginWithSession`).
#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SignOnInput {
    /// Mark the member's email as verified.
    pub verify_email: bool,
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
                    note: None,
                });
                t.truncate(TIMELINE);
            })),
            ..ClientConfig::with_base_url(target.base_url.clone())
        }
    }

    /// Add a step (no request) to the timeline.
    fn step(&self, path: &str, note: String) {
        let mut t = self.timeline.lock().unwrap_or_else(|e| e.into_inner());
        t.push_front(TimelineEntry {
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            method: "STEP".to_owned(),
            path: path.to_owned(),
            status: None,
            millis: 0,
            note: Some(note),
        });
        t.truncate(TIMELINE);
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

    /// Run `call` with [`Self::caller`]'s token; when Wix refuses that token (401) and it is the held one, renew it
    /// once (single flight) and run `call` once more. A refused call spent nothing, so sending it again is safe.
    async fn with_caller<T, F, Fut>(&self, target: &Target, call: F) -> Result<T>
    where
        F: Fn(Secret) -> Fut,
        Fut: std::future::Future<Output = wix_client::error::Result<T>>,
    {
        let caller = self.caller(target).await?;
        match call(caller.clone()).await {
            Err(wix_client::Error::Wix(e)) if e.status == 401 => {
                let session = self.session(target).await?;
                let held = session
                    .current()
                    .await
                    .is_some_and(|t| t.access_token == caller);
                if !held {
                    return Err(wix_client::Error::Wix(e).into());
                }
                tracing::info!("Wix refused the held access token (401): renewing it once");
                let renewed = session.renew_refused(&caller).await?;
                Ok(call(renewed).await?)
            }
            other => Ok(other?),
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

    /// The redirect URI browser logins return to (the app's deep link unless configured otherwise).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// For the preflight: ask Wix for a login page (a redirect session) as a browser login would, and drop it.
    /// Nothing is recorded as pending, so no callback can ever be accepted for it. Fails as a login would: an
    /// unpublished site, a redirect URI the app does not allow.
    pub(crate) async fn probe_login_page(&self, target: &Target) -> Result<()> {
        let oauth = OAuthData::generate(&self.redirect_uri);
        let members = self.members(target)?;
        self.with_caller(target, |caller| {
            let (members, oauth) = (&members, &oauth);
            async move {
                members
                    .login_url(&caller, oauth, ResponseMode::Query, None)
                    .await
            }
        })
        .await?;
        self.step(
            "preflight",
            "Wix created a login page for the preflight (not opened, not kept)".to_owned(),
        );
        Ok(())
    }

    /// For the preflight: does Wix ask this site's custom logins for a captcha? One login for an address that
    /// cannot be a member (`@example.com`, reserved) with no captcha token: Wix checks the captcha first, so
    /// `missingCaptchaToken` means it asks; any other refusal means it did not ask this time.
    pub(crate) async fn probe_captcha(&self, target: &Target) -> Result<bool> {
        let members = self.members(target)?;
        let email = format!("preflight-{}@example.com", uuid::Uuid::new_v4().simple());
        let password = Secret::from(uuid::Uuid::new_v4().simple().to_string());
        let state = self
            .with_caller(target, |caller| {
                let (members, email, password) = (&members, &email, &password);
                async move { members.login(&caller, email, password, None).await }
            })
            .await?;
        let asks = matches!(
            state,
            LoginState::Failure {
                code: Some(
                    LoginErrorCode::MissingCaptchaToken | LoginErrorCode::InvalidCaptchaToken
                ),
                ..
            }
        );
        self.step(
            "preflight",
            format!(
                "a test login for an address that cannot be a member: Wix {} a captcha",
                if asks { "asked for" } else { "did not ask for" }
            ),
        );
        Ok(asks)
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

    /// Register a member (`captcha` when the site asks for one), then follow the login state machine.
    pub async fn register(
        &self,
        target: &Target,
        email: &str,
        password: &Secret,
        captcha: Option<&CaptchaInput>,
    ) -> Result<LoginOutcome> {
        check_email(email)?;
        let members = self.members(target)?;
        let captcha = captcha.map(CaptchaInput::to_wire);
        let state = self
            .with_caller(target, |caller| {
                let (members, captcha) = (&members, captcha.as_ref());
                async move {
                    members
                        .register(&caller, email.trim(), password, None, captcha)
                        .await
                }
            })
            .await?;
        self.advance(target, state).await
    }

    /// Log a member in (`captcha` when the site asks for one), then follow the login state machine.
    pub async fn login(
        &self,
        target: &Target,
        email: &str,
        password: &Secret,
        captcha: Option<&CaptchaInput>,
    ) -> Result<LoginOutcome> {
        check_email(email)?;
        let members = self.members(target)?;
        let captcha = captcha.map(CaptchaInput::to_wire);
        let state = self
            .with_caller(target, |caller| {
                let (members, captcha) = (&members, captcha.as_ref());
                async move {
                    members
                        .login(&caller, email.trim(), password, captcha)
                        .await
                }
            })
            .await?;
        self.advance(target, state).await
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
        let members = self.members(target)?;
        let state = self
            .with_caller(target, |caller| {
                let (members, state_token) = (&members, &state_token);
                async move { members.verify(&caller, code, state_token).await }
            })
            .await?;
        self.advance(target, state).await
    }

    /// Follow the login state machine: a session token becomes member tokens (directly, or through the system
    /// browser when Wix answers with a page), a verification step is remembered, anything else is reported.
    async fn advance(&self, target: &Target, state: LoginState) -> Result<LoginOutcome> {
        let key = (target.project_id.clone(), target.client_id.clone());
        let verifications = || self.verifications.lock().unwrap_or_else(|e| e.into_inner());
        Ok(match state {
            LoginState::Success { session_token } => {
                verifications().remove(&key);
                self.session_tokens(target, &session_token).await?
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

    /// A session token → member tokens: directly when Wix redirects with a code, else a pending login whose URL
    /// the caller opens in the system browser. The timeline says which.
    async fn session_tokens(
        &self,
        target: &Target,
        session_token: &Secret,
    ) -> Result<LoginOutcome> {
        // Not sent again after a 401: the page load may have spent the session token. The caller's token was
        // accepted a moment ago by the login that gave the session token.
        let caller = self.caller(target).await?;
        let exchange = self
            .members(target)?
            .session_tokens(&caller, session_token, &self.redirect_uri)
            .await?;
        match exchange {
            SessionExchange::Tokens(tokens) => {
                let status = status_of(Some(&tokens));
                self.session(target).await?.set(tokens).await?;
                self.step(
                    SESSION_STEP,
                    "Direct: Wix redirected to the redirect URI with a code, exchanged at once (no browser)."
                        .to_owned(),
                );
                Ok(LoginOutcome::SignedIn { status })
            }
            SessionExchange::NeedsPage(needed) => {
                let reason = needed.answer.to_string();
                let flow_id = uuid::Uuid::new_v4().to_string();
                self.flows.start(
                    &flow_id,
                    &target.project_id,
                    &target.client_id,
                    needed.oauth,
                    self.lifetime,
                );
                self.keep_flow(&flow_id, &target.project_id).await;
                self.step(
                    SESSION_STEP,
                    format!(
                        "System browser: {reason} instead of a redirect with a code, so the same login page opens \
                         in the system browser and returns through {} (prompt=none: it asks nothing).",
                        self.redirect_uri
                    ),
                );
                Ok(LoginOutcome::ContinueInBrowser {
                    login: BrowserLogin {
                        flow_id,
                        auth_url: needed.url.to_string(),
                        redirect_uri: self.redirect_uri.clone(),
                        deadline_seconds: u32::try_from(self.lifetime.as_secs())
                            .unwrap_or(u32::MAX),
                    },
                    reason,
                })
            }
        }
    }

    pub async fn send_password_reset(
        &self,
        target: &Target,
        email: &str,
        return_url: &str,
    ) -> Result<()> {
        check_email(email)?;
        let members = self.members(target)?;
        self.with_caller(target, |caller| {
            let members = &members;
            async move {
                members
                    .send_password_reset(&caller, email.trim(), return_url)
                    .await
            }
        })
        .await
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

    /// External login *with session* (the SDK's `getMemberTokensForExternalLoginWithSession`): `sign-on` for the
    /// member with `email` (Wix creates the member when new), vouched for by the project's API key, then member
    /// tokens for its session token. Held and saved like any member tokens.
    pub async fn external_login_with_session(
        &self,
        target: &Target,
        email: &str,
        api_key: &Secret,
        options: &SignOnInput,
    ) -> Result<TokenStatus> {
        check_email(email)?;
        let session = self.session(target).await?;
        // As the SDK: the held access token (renewed if due), else a visitor's, vouches with the API key.
        let access = self.caller(target).await?;
        let options = SignOnOptions {
            verify_email: options.verify_email.then_some(true),
            ..SignOnOptions::default()
        };
        let tokens = self
            .members(target)?
            .external_login_with_session(&access, api_key, email.trim(), &options)
            .await?;
        let status = status_of(Some(&tokens));
        session.set(tokens).await?;
        Ok(status)
    }

    pub async fn renew(&self, target: &Target) -> Result<TokenStatus> {
        let tokens = self.session(target).await?.renew_now().await?;
        Ok(status_of(Some(&tokens)))
    }

    /// Log out as the SDK does: a logout redirect session with `callbacks: {postFlowUrl}` (`post_flow_url`
    /// optional: where Wix's logout page returns; the OAuth app must allow it), whose page the caller opens in the
    /// system browser. The local tokens are forgotten in **every** case, also when Wix refuses the logout
    /// session: then [`LogoutOutcome::refused`] says why, and when the refusal may be about `post_flow_url`, a
    /// logout page without it is asked for once, so there is still a page that ends the Wix session.
    pub async fn logout(
        &self,
        target: &Target,
        post_flow_url: Option<&str>,
    ) -> Result<LogoutOutcome> {
        let post_flow_url = post_flow_url.map(str::trim).filter(|u| !u.is_empty());
        if let Some(url) = post_flow_url
            && url::Url::parse(url).is_err()
        {
            return Err(CoreError::invalid(
                "postFlowUrl",
                "Enter the absolute URL Wix's logout page should return to (one the OAuth app allows), like \
                 https://shop.example.com/, or leave it empty.",
            ));
        }
        let session = self.session(target).await?;
        let member = session.current().await.is_some_and(|t| t.logged_in());
        let mut outcome = LogoutOutcome {
            logout_url: None,
            refused: None,
            returns_to_post_flow_url: false,
        };
        if member {
            let asked = self.logout_session(target, post_flow_url).await;
            match asked {
                Ok(url) => {
                    outcome.logout_url = Some(url.to_string());
                    outcome.returns_to_post_flow_url = post_flow_url.is_some();
                }
                Err(e) => {
                    outcome.refused = Some(e.to_string());
                    let about_the_url = post_flow_url.is_some()
                        && matches!(&e, CoreError::Wix(wix_client::Error::Wix(w)) if w.status == 400);
                    if about_the_url && let Ok(url) = self.logout_session(target, None).await {
                        outcome.logout_url = Some(url.to_string());
                    }
                }
            }
        }
        session.forget().await?;
        Ok(outcome)
    }

    /// One logout redirect session, with the held token (renewed if due, and once more after a 401).
    async fn logout_session(
        &self,
        target: &Target,
        post_flow_url: Option<&str>,
    ) -> Result<url::Url> {
        let members = self.members(target)?;
        self.with_caller(target, |caller| {
            let members = &members;
            async move { members.logout_url(&caller, post_flow_url).await }
        })
        .await
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
        expires_at: tokens.expires_at.map(|at| at.to_rfc3339()),
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
