//! Member sign-in commands (the workbench). The logic is in `desk_core::sign_in`; tokens never cross to the UI
//! except as an auth header copied to the clipboard on an explicit click.
//!
//! Login pages open in the **system browser** (RFC 8252), never in this webview, through a [`UrlOpener`]: the
//! opener plugin normally, or — where no desktop browser exists (CI) — a recorder that appends each URL to the file
//! named by `OAUTHDESK_BROWSER_RECORD`, for a test to play the browser and return through the deep link.

use std::io::Write;
use std::path::PathBuf;

use desk_core::preflight::Preflight;
use desk_core::sign_in::{
    BrowserLogin, CaptchaHelp, CaptchaInput, LoginOutcome, LogoutOutcome, SignOnInput,
    TimelineEntry, TokenStatus,
};
use serde::Deserialize;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;
use vault::Secret;

use crate::error::{AppError, Result};
use crate::state::AppState;

/// Names a file to which URLs are appended instead of opening a browser (tests, CI).
pub const ENV_BROWSER_RECORD: &str = "OAUTHDESK_BROWSER_RECORD";

/// Opens sign-in and sign-out pages outside the app.
pub trait UrlOpener: Send + Sync {
    fn open(&self, url: &str) -> std::result::Result<(), String>;
}

/// The user's default browser, through the opener plugin.
pub struct SystemBrowser(pub AppHandle);

impl UrlOpener for SystemBrowser {
    fn open(&self, url: &str) -> std::result::Result<(), String> {
        self.0
            .opener()
            .open_url(url, None::<&str>)
            .map_err(|e| e.to_string())
    }
}

/// Appends each URL as a line to a file, for a test that plays the browser.
pub struct RecordingBrowser(pub PathBuf);

impl UrlOpener for RecordingBrowser {
    fn open(&self, url: &str) -> std::result::Result<(), String> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.0)
            .map_err(|e| e.to_string())?;
        writeln!(file, "{url}").map_err(|e| e.to_string())
    }
}

/// The opener the app uses: the recorder when `OAUTHDESK_BROWSER_RECORD` is set (debug builds only), else the
/// system browser.
pub fn opener(app: &AppHandle) -> Box<dyn UrlOpener> {
    match crate::state::test_switches::browser_record() {
        Some(path) => Box::new(RecordingBrowser(path)),
        None => Box::new(SystemBrowser(app.clone())),
    }
}

/// Open a login, logout or install page in the system browser, if it is one OAuth Desk may open: `https` on a Wix
/// host, or the sandbox's own origin (see `wix_client::pages`). Anything else is refused, naming its host.
pub fn open_page(app: &AppHandle, state: &AppState, url: &str) -> Result<()> {
    let parsed = url::Url::parse(url).map_err(|_| AppError::Browser {
        message: "the page to open is not a valid URL, so it was not opened".into(),
    })?;
    // Besides Wix's own pages: the sandbox's, and (where a debug build's test switch moved the Wix API to a local
    // emulator) that emulator's.
    let locals = [state.desk.sandbox.base_url(), state.desk.wix_base()];
    if let Err(refused) = wix_client::pages::check(&parsed, None)
        && !locals
            .iter()
            .any(|local| wix_client::pages::check(&parsed, Some(local)).is_ok())
    {
        return Err(AppError::Browser {
            message: refused.to_string(),
        });
    }
    opener(app).open(url).map_err(|e| AppError::Browser {
        message: format!(
            "could not open the system browser ({e}); set a default browser and try again"
        ),
    })
}

fn target(
    state: &AppState,
    project_id: &str,
    client_id: &str,
) -> Result<desk_core::sign_in::Target> {
    Ok(state.desk.sign_in_target(project_id, client_id)?)
}

/// Who is signed in with this project + OAuth app (from the keyring), without any request.
#[tauri::command]
#[specta::specta]
pub async fn member_status(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
) -> Result<TokenStatus> {
    let t = target(&state, &project_id, &client_id)?;
    Ok(state.desk.sign_in.status(&t).await?)
}

/// Visitor tokens: reuse the stored ones (renewing them if needed) before minting a new visitor.
#[tauri::command]
#[specta::specta]
pub async fn get_visitor_tokens(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
) -> Result<TokenStatus> {
    let t = target(&state, &project_id, &client_id)?;
    Ok(state.desk.sign_in.visitor(&t).await?)
}

/// Start a Wix-managed login: PKCE + state recorded as pending, the login page opened in the system browser.
#[tauri::command]
#[specta::specta]
pub async fn start_browser_login(
    app: AppHandle,
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
) -> Result<BrowserLogin> {
    let t = target(&state, &project_id, &client_id)?;
    let login = state.desk.sign_in.start_browser_login(&t).await?;
    if let Err(e) = open_page(&app, &state, &login.auth_url) {
        state
            .desk
            .sign_in
            .cancel_browser_login(&login.flow_id)
            .await;
        return Err(e);
    }
    Ok(login)
}

/// The sign-in preflight: what would make a browser login fail (the app, its redirect URI, an unpublished site)
/// and whether Wix asks for a captcha, each with its fix. Opens nothing.
#[tauri::command]
#[specta::specta]
pub async fn preflight_sign_in(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
) -> Result<Preflight> {
    Ok(state
        .desk
        .preflight_sign_in(&project_id, &client_id)
        .await?)
}

/// Stop waiting for a browser login; its callback, if it still comes, is ignored.
#[tauri::command]
#[specta::specta]
pub async fn cancel_browser_login(state: State<'_, AppState>, flow_id: String) -> Result<bool> {
    Ok(state.desk.sign_in.cancel_browser_login(&flow_id).await)
}

/// An email and password from the form. No `Debug`: it carries the password.
#[derive(Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub email: String,
    pub password: Secret,
    /// reCAPTCHA tokens, for a site that asks for them.
    #[serde(default)]
    pub captcha: Option<CaptchaInput>,
}

/// When Wix's answer to the session token is a page (not a redirect with the code), open it in the system browser:
/// the login then waits for its deep-link callback like a Wix-managed one. If the browser cannot be opened, the
/// waiting login is cancelled and the error says so.
async fn continue_in_browser(
    app: &AppHandle,
    state: &AppState,
    outcome: LoginOutcome,
) -> Result<LoginOutcome> {
    if let LoginOutcome::ContinueInBrowser { login, .. } = &outcome
        && let Err(e) = open_page(app, state, &login.auth_url)
    {
        state
            .desk
            .sign_in
            .cancel_browser_login(&login.flow_id)
            .await;
        return Err(e);
    }
    Ok(outcome)
}

/// Custom login with email and password. The session token becomes member tokens directly when Wix redirects
/// with the code; when it serves a page instead, that page finishes in the system browser (see
/// [`continue_in_browser`]).
#[tauri::command]
#[specta::specta]
pub async fn member_login(
    app: AppHandle,
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
    credentials: Credentials,
) -> Result<LoginOutcome> {
    let t = target(&state, &project_id, &client_id)?;
    let outcome = state
        .desk
        .sign_in
        .login(
            &t,
            &credentials.email,
            &credentials.password,
            credentials.captcha.as_ref(),
        )
        .await?;
    continue_in_browser(&app, &state, outcome).await
}

#[tauri::command]
#[specta::specta]
pub async fn member_register(
    app: AppHandle,
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
    credentials: Credentials,
) -> Result<LoginOutcome> {
    let t = target(&state, &project_id, &client_id)?;
    let outcome = state
        .desk
        .sign_in
        .register(
            &t,
            &credentials.email,
            &credentials.password,
            credentials.captcha.as_ref(),
        )
        .await?;
    continue_in_browser(&app, &state, outcome).await
}

/// Send the code from the verification email.
#[tauri::command]
#[specta::specta]
pub async fn member_verify(
    app: AppHandle,
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
    code: String,
) -> Result<LoginOutcome> {
    let t = target(&state, &project_id, &client_id)?;
    let outcome = state.desk.sign_in.verify(&t, &code).await?;
    continue_in_browser(&app, &state, outcome).await
}

/// The reCAPTCHA site keys the SDK exposes and how to get a token for them (and, for the sandbox, its test token).
#[tauri::command]
#[specta::specta]
pub fn captcha_help(state: State<'_, AppState>, project_id: String) -> Result<CaptchaHelp> {
    Ok(state.desk.captcha_help(&project_id)?)
}

/// Ask Wix to email a password-reset link that returns to `return_url`.
#[tauri::command]
#[specta::specta]
pub async fn send_password_reset(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
    email: String,
    return_url: String,
) -> Result<()> {
    let t = target(&state, &project_id, &client_id)?;
    if url::Url::parse(return_url.trim()).is_err() {
        return Err(AppError::invalid_input(
            "returnUrl",
            "Enter the absolute URL the reset link should return to, like https://shop.example.com/login.",
        ));
    }
    Ok(state
        .desk
        .sign_in
        .send_password_reset(&t, &email, return_url.trim())
        .await?)
}

/// External login: member ID + API key (typed for one use, or the project's from the keyring).
#[tauri::command]
#[specta::specta]
pub async fn external_login(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
    member_id: String,
    api_key: Option<Secret>,
) -> Result<TokenStatus> {
    let t = target(&state, &project_id, &client_id)?;
    let key = state.desk.api_key_for(&project_id, api_key).await?;
    Ok(state
        .desk
        .sign_in
        .external_login(&t, &member_id, &key)
        .await?)
}

/// External login "with session" (the SDK's `getMemberTokensForExternalLoginWithSession`): sign-on by email with
/// the API key, then the session token becomes member tokens.
#[tauri::command]
#[specta::specta]
pub async fn external_login_with_session(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
    email: String,
    verify_email: bool,
    api_key: Option<Secret>,
) -> Result<TokenStatus> {
    let t = target(&state, &project_id, &client_id)?;
    let key = state.desk.api_key_for(&project_id, api_key).await?;
    Ok(state
        .desk
        .sign_in
        .external_login_with_session(&t, &email, &key, &SignOnInput { verify_email })
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn renew_tokens(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
) -> Result<TokenStatus> {
    let t = target(&state, &project_id, &client_id)?;
    Ok(state.desk.sign_in.renew(&t).await?)
}

/// Log out like the SDK (with `postFlowUrl`, where the logout page returns to, when one is given). The local
/// tokens are always forgotten; the logout page, when Wix gave one, opens in the system browser.
#[tauri::command]
#[specta::specta]
pub async fn logout_member(
    app: AppHandle,
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
    post_flow_url: Option<String>,
) -> Result<LogoutOutcome> {
    let t = target(&state, &project_id, &client_id)?;
    let outcome = state
        .desk
        .sign_in
        .logout(&t, post_flow_url.as_deref())
        .await?;
    if let Some(url) = &outcome.logout_url
        && let Err(e) = open_page(&app, &state, url)
    {
        log::warn!("could not open the logout page: {e}");
    }
    Ok(outcome)
}

/// Forget the tokens (here and in the keyring) without logging out on Wix.
#[tauri::command]
#[specta::specta]
pub async fn forget_tokens(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
) -> Result<()> {
    let t = target(&state, &project_id, &client_id)?;
    Ok(state.desk.sign_in.forget(&t).await?)
}

/// Copy the `authorization` header value (the access token, renewed if due) to the clipboard.
#[tauri::command]
#[specta::specta]
pub async fn copy_auth_header(
    app: AppHandle,
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
) -> Result<()> {
    let t = target(&state, &project_id, &client_id)?;
    let header = state.desk.sign_in.auth_header(&t).await?;
    crate::clipboard::copy_secret(&app, header)
}

/// The last sign-in requests (method, path, status, time; no values), newest first.
#[tauri::command]
#[specta::specta]
pub fn sign_in_timeline(state: State<'_, AppState>) -> Vec<TimelineEntry> {
    state.desk.sign_in.timeline()
}
