//! What the test suites share to drive an emulator from outside, over HTTP (feature `test-support`, off by
//! default; only dev-dependencies and the end-to-end crate turn it on).
//!
//! - [`AdminClient`]: a typed client for the emulator-only routes under `/_emulator/v1/`, with the admin token
//!   ([`AdminClient::of`] takes it from an in-process emulator).
//! - The hosted-page players, which stand in for the system browser: [`play_login`] submits the hosted
//!   `/oauth2/authorize` page and returns the callback URL it redirects to; [`play_install`] follows a Wix app
//!   install from the "Add app" page through the App URL and the installer's consent to the Redirect URL.
//!
//! - [`service`]: the whole emulator (every route and guard) with no listener, to drive in-process with
//!   `tower::ServiceExt::oneshot` from a chosen state (the fuzz targets do).
//!
//! The players panic with a message naming what went wrong (they are test code); the admin client answers
//! `Result<_, AdminError>` so tests can also assert on refusals.

use std::fmt;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use crate::RunningEmulator;
pub use crate::faults::{Fault, FaultKind};
pub use crate::members::Email;
pub use crate::oauth_apps::OAuthApp;
pub use crate::settings::Settings;
/// Everything the emulator holds, as `GET /_emulator/v1/state` exports it and `PUT` imports it.
pub use crate::state::Data as StateData;
pub use crate::wix_apps::{Instance, WixApp};

/// The password the players type into the hosted login page.
pub const PLAYER_PASSWORD: &str = "pa55word";

/// A refused or failed emulator-only call.
#[derive(Debug)]
pub struct AdminError {
    pub method: Method,
    pub url: Url,
    /// The HTTP status, when an answer came at all.
    pub status: Option<u16>,
    /// The answer's body, or the transport or decoding error.
    pub body: String,
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "{} {}: {status}: {}", self.method, self.url, self.body),
            None => write!(f, "{} {}: {}", self.method, self.url, self.body),
        }
    }
}

impl std::error::Error for AdminError {}

pub type AdminResult<T> = Result<T, AdminError>;

/// `GET /_emulator/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    /// Requests served so far (this one included).
    pub requests: u64,
}

/// `PATCH /_emulator/v1/settings`: only the fields set change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_email_verification: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_owner_approval: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_captcha: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_published: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorize_with_page: Option<bool>,
}

impl SettingsPatch {
    pub fn require_email_verification(mut self, on: bool) -> Self {
        self.require_email_verification = Some(on);
        self
    }

    pub fn require_owner_approval(mut self, on: bool) -> Self {
        self.require_owner_approval = Some(on);
        self
    }

    pub fn require_captcha(mut self, on: bool) -> Self {
        self.require_captcha = Some(on);
        self
    }

    pub fn site_published(mut self, on: bool) -> Self {
        self.site_published = Some(on);
        self
    }

    /// `prompt=none` answers with an auto-submitting page instead of a redirect ([`Settings::authorize_with_page`]).
    pub fn authorize_with_page(mut self, on: bool) -> Self {
        self.authorize_with_page = Some(on);
        self
    }
}

/// A member as the emulator-only listing shows it (never with its password hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedMember {
    pub id: String,
    pub email: String,
    pub status: String,
    pub email_verified: bool,
    pub must_reset_password: bool,
    #[serde(default)]
    pub profile: Value,
    pub created_date: DateTime<Utc>,
    /// Never in a listing: here so a test can assert that it stays absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<Value>,
}

/// `GET /_emulator/v1/wix-apps`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WixAppsListing {
    pub wix_apps: Vec<WixApp>,
    pub instances: Vec<Instance>,
}

/// `POST /_emulator/v1/wix-apps` (create) and `PATCH /_emulator/v1/wix-apps/{appId}`: only the fields set change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WixAppPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
}

impl Fault {
    /// A fault on the next request to `path` (any method).
    pub fn next(path: &str, fault: FaultKind) -> Self {
        Self {
            path: path.to_owned(),
            method: None,
            times: 1,
            fault,
        }
    }

    /// Only requests with this method.
    pub fn only_method(mut self, method: &str) -> Self {
        self.method = Some(method.to_owned());
        self
    }

    /// The next `times` requests instead of one.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }
}

impl FaultKind {
    /// An error answer with this status and no `Retry-After`.
    pub fn status(status: u16) -> Self {
        Self::Status {
            status,
            retry_after: None,
        }
    }
}

/// A typed client for the emulator-only routes (`/_emulator/v1/...`) of an emulator at a base URL.
///
/// These routes need the emulator's admin token (`authorization: Bearer <token>`):
/// [`AdminClient::of`] takes it from the in-process emulator; [`AdminClient::new`] has none, so add
/// [`AdminClient::with_token`] (the token an embedding app got from [`RunningEmulator::admin_token`], or the
/// `admin token:` line the `wix-emulator` program prints), unless the emulator runs with `--open-admin`.
#[derive(Debug, Clone)]
pub struct AdminClient {
    base_url: Url,
    token: Option<String>,
    http: reqwest::Client,
}

impl AdminClient {
    /// The emulator at `base_url` (e.g. `http://127.0.0.1:41234/`), without a token: add
    /// [`AdminClient::with_token`] unless it runs with `--open-admin`.
    pub fn new(base_url: &Url) -> Self {
        let mut base_url = base_url.clone();
        if !base_url.path().ends_with('/') {
            let path = format!("{}/", base_url.path());
            base_url.set_path(&path);
        }
        Self {
            base_url,
            token: None,
            http: browser(),
        }
    }

    /// The in-process emulator `emulator`, with its admin token.
    pub fn of(emulator: &RunningEmulator) -> Self {
        Self::new(emulator.base_url()).with_token(emulator.admin_token())
    }

    /// Send `authorization: Bearer <token>` with every call.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The address of an emulator-only route, e.g. `url("wix-apps")`.
    pub fn url(&self, path: &str) -> Url {
        self.base_url
            .join(&format!("_emulator/v1/{path}"))
            .expect("an emulator-only route makes a URL")
    }

    fn request(&self, method: Method, path: &str) -> (reqwest::RequestBuilder, Method, Url) {
        let url = self.url(path);
        let mut request = self.http.request(method.clone(), url.clone());
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        (request, method, url)
    }

    /// Send, and answer the response once it is a success (any other status is an [`AdminError`]).
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> AdminResult<reqwest::Response> {
        let (mut request, method, url) = self.request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        let error = |status: Option<u16>, body: String| AdminError {
            method: method.clone(),
            url: url.clone(),
            status,
            body,
        };
        let response = request
            .send()
            .await
            .map_err(|e| error(None, e.to_string()))?;
        let status = response.status();
        if status.is_success() || status.is_redirection() {
            return Ok(response);
        }
        let text = response.text().await.unwrap_or_default();
        Err(error(Some(status.as_u16()), text))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> AdminResult<T> {
        let response = self.send(method.clone(), path, body).await?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| AdminError {
            method: method.clone(),
            url: self.url(path),
            status: Some(status),
            body: e.to_string(),
        })?;
        serde_json::from_str(&text).map_err(|e| AdminError {
            method,
            url: self.url(path),
            status: Some(status),
            body: format!("{e} in {text}"),
        })
    }

    /// A call whose answer is an object: answers its member `key`.
    async fn field<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        key: &str,
    ) -> AdminResult<T> {
        let mut answer: Value = self.call(method.clone(), path, body).await?;
        let value = answer.get_mut(key).map(Value::take).unwrap_or_default();
        serde_json::from_value(value).map_err(|e| AdminError {
            method,
            url: self.url(path),
            status: None,
            body: format!("{key}: {e} in {answer}"),
        })
    }

    /// A call whose answer carries nothing to read.
    async fn command(&self, method: Method, path: &str, body: Option<&Value>) -> AdminResult<()> {
        self.call::<Value>(method, path, body).await.map(drop)
    }

    /// `POST /members/{id}/<action>`: answers the member after the change.
    async fn member_action(&self, id: &str, action: &str) -> AdminResult<ListedMember> {
        let path = format!("members/{id}/{action}");
        self.field(Method::POST, &path, None, "member").await
    }

    /// Any emulator-only call with a JSON body, answered as JSON: for bodies the typed calls cannot express
    /// (e.g. a fault kind the emulator must refuse).
    pub async fn call_json(&self, method: Method, path: &str, body: &Value) -> AdminResult<Value> {
        self.call(method, path, Some(body)).await
    }

    /// `GET /health`.
    pub async fn health(&self) -> AdminResult<Health> {
        self.call(Method::GET, "health", None).await
    }

    /// `POST /reset`: back to the seeded state.
    pub async fn reset(&self) -> AdminResult<()> {
        self.command(Method::POST, "reset", None).await
    }

    /// `GET /state`: everything, secrets included.
    pub async fn export_state(&self) -> AdminResult<StateData> {
        self.call(Method::GET, "state", None).await
    }

    /// `PUT /state`: replace everything.
    pub async fn import_state(&self, data: &StateData) -> AdminResult<()> {
        let body = serde_json::to_value(data).expect("the state serialises");
        self.command(Method::PUT, "state", Some(&body)).await
    }

    /// `GET /settings`.
    pub async fn settings(&self) -> AdminResult<Settings> {
        self.call(Method::GET, "settings", None).await
    }

    /// `PATCH /settings`; answers the settings after the change.
    pub async fn patch_settings(&self, patch: &SettingsPatch) -> AdminResult<Settings> {
        let body = serde_json::to_value(patch).expect("a settings patch serialises");
        self.call(Method::PATCH, "settings", Some(&body)).await
    }

    /// `GET /members`, oldest first.
    pub async fn members(&self) -> AdminResult<Vec<ListedMember>> {
        self.field(Method::GET, "members", None, "members").await
    }

    /// `DELETE /members`: every member, with their sessions, codes and tokens.
    pub async fn clear_members(&self) -> AdminResult<()> {
        self.command(Method::DELETE, "members", None).await
    }

    /// `POST /members/{id}/approve`.
    pub async fn approve_member(&self, id: &str) -> AdminResult<ListedMember> {
        self.member_action(id, "approve").await
    }

    /// `POST /members/{id}/require-password-reset`.
    pub async fn require_password_reset(&self, id: &str) -> AdminResult<ListedMember> {
        self.member_action(id, "require-password-reset").await
    }

    /// `GET /outbox`: what the emulator "emailed", oldest first.
    pub async fn outbox(&self) -> AdminResult<Vec<Email>> {
        self.field(Method::GET, "outbox", None, "emails").await
    }

    /// `DELETE /outbox`.
    pub async fn clear_outbox(&self) -> AdminResult<()> {
        self.command(Method::DELETE, "outbox", None).await
    }

    /// `GET /oauth-apps`: every OAuth app (no secrets), oldest first.
    pub async fn oauth_apps(&self) -> AdminResult<Vec<OAuthApp>> {
        self.field(Method::GET, "oauth-apps", None, "oAuthApps")
            .await
    }

    /// `DELETE /oauth-apps`: every OAuth app, and their tokens.
    pub async fn clear_oauth_apps(&self) -> AdminResult<()> {
        self.command(Method::DELETE, "oauth-apps", None).await
    }

    /// `GET /faults`: the faults still armed.
    pub async fn faults(&self) -> AdminResult<Vec<Fault>> {
        self.field(Method::GET, "faults", None, "faults").await
    }

    /// `POST /faults`: arm a fault; answers every fault armed.
    pub async fn inject_fault(&self, fault: &Fault) -> AdminResult<Vec<Fault>> {
        let body = serde_json::to_value(fault).expect("a fault serialises");
        self.field(Method::POST, "faults", Some(&body), "faults")
            .await
    }

    /// `DELETE /faults`.
    pub async fn clear_faults(&self) -> AdminResult<()> {
        self.command(Method::DELETE, "faults", None).await
    }

    /// `POST /clock`: move the emulator's clock forward; answers its new time.
    pub async fn advance_clock(&self, seconds: i64) -> AdminResult<DateTime<Utc>> {
        let body = json!({"advanceSeconds": seconds});
        self.field(Method::POST, "clock", Some(&body), "now").await
    }

    /// `GET /wix-apps`: the Wix apps (with secrets) and their installations.
    pub async fn wix_apps(&self) -> AdminResult<WixAppsListing> {
        self.call(Method::GET, "wix-apps", None).await
    }

    /// `POST /wix-apps`: a new Wix app, with its secret.
    pub async fn create_wix_app(&self, app: &WixAppPatch) -> AdminResult<WixApp> {
        let body = serde_json::to_value(app).expect("a Wix app patch serialises");
        self.field(Method::POST, "wix-apps", Some(&body), "wixApp")
            .await
    }

    /// `PATCH /wix-apps/{appId}`, e.g. to register the App URL and Redirect URL.
    pub async fn update_wix_app(&self, app_id: &str, patch: &WixAppPatch) -> AdminResult<WixApp> {
        let body = serde_json::to_value(patch).expect("a Wix app patch serialises");
        let path = format!("wix-apps/{app_id}");
        self.field(Method::PATCH, &path, Some(&body), "wixApp")
            .await
    }

    /// The "Add app" page of a Wix app (`GET /installer/add-app/{appId}`, see [`crate::ADD_APP_ROUTE`]), where
    /// an install starts. A browser opens it: it is not an admin route and needs no token.
    pub fn add_page(&self, app_id: &str) -> Url {
        crate::add_app_url(&self.base_url, app_id)
    }

    /// Press "Add app" as a browser would (no token): answers where the page sends the browser (the App URL with a
    /// fresh install `token`).
    pub async fn add_wix_app(&self, app_id: &str) -> AdminResult<Url> {
        let url = self.add_page(app_id);
        let error = |status: Option<u16>, body: String| AdminError {
            method: Method::GET,
            url: url.clone(),
            status,
            body,
        };
        let response = self
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| error(None, e.to_string()))?;
        let status = response.status();
        if !status.is_redirection() {
            let text = response.text().await.unwrap_or_default();
            return Err(error(Some(status.as_u16()), text));
        }
        location(&url, &response).ok_or_else(|| AdminError {
            method: Method::GET,
            url,
            status: Some(response.status().as_u16()),
            body: "no redirect to the App URL".to_owned(),
        })
    }

    /// `POST /instances/{instanceId}/revoke`: the instance's refresh tokens stop working.
    pub async fn revoke_instance(&self, instance_id: &str) -> AdminResult<()> {
        let path = format!("instances/{instance_id}/revoke");
        self.command(Method::POST, &path, None).await
    }
}

/// An HTTP client that plays a browser step by step: it never follows redirects, so each `Location` can be read.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

/// Where a redirect answer sends the browser, resolved against the URL that answered.
pub fn location(from: &Url, response: &reqwest::Response) -> Option<Url> {
    if !response.status().is_redirection() {
        return None;
    }
    let to = response.headers().get("location")?.to_str().ok()?;
    from.join(to).ok()
}

/// The value of query parameter `name` in `url`.
pub fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// What the player does on the hosted login page: the page's three buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginAction {
    Login,
    Register,
    Cancel,
}

impl LoginAction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Register => "register",
            Self::Cancel => "cancel",
        }
    }
}

/// Play the system browser on the hosted login page at `auth_url` (a redirect session's `fullUrl`): open it
/// (it must answer 200), submit its form with `action`, `email` and [`PLAYER_PASSWORD`], and return the URL it
/// redirects to (the app's callback, with a code or an error). Panics when the page does not lead to a redirect.
pub async fn play_login(auth_url: &str, action: LoginAction, email: &str) -> String {
    let browser = browser();
    let url = Url::parse(auth_url).unwrap_or_else(|e| panic!("the login URL {auth_url:?}: {e}"));
    let page = browser
        .get(url.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("open the hosted login page {url}: {e}"));
    assert_eq!(page.status(), 200, "the hosted login page {url}");
    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    form.extend([
        ("action".to_owned(), action.as_str().to_owned()),
        ("email".to_owned(), email.to_owned()),
        ("password".to_owned(), PLAYER_PASSWORD.to_owned()),
    ]);
    // The page's form posts to `/oauth2/authorize` on the same server.
    let done = browser
        .post(url.join("/oauth2/authorize").expect("a URL"))
        .form(&form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("submit the hosted login form: {e}"));
    let status = done.status();
    assert!(
        status.is_redirection(),
        "the hosted login form answered {status}, not a redirect: {}",
        done.text().await.unwrap_or_default()
    );
    done.headers()["location"]
        .to_str()
        .expect("a textual Location")
        .to_owned()
}

/// Play a browser that runs the page a `prompt=none` login answers with when the emulator's
/// [`Settings::authorize_with_page`] is on: open `auth_url` (it must answer 200 with the auto-submitting form),
/// submit the form as its script would, and return the URL the submission redirects to (the app's callback, with a
/// code or an error). Panics when the page is not that form or the submission does not redirect.
pub async fn play_authorize_page(auth_url: &str) -> String {
    let browser = browser();
    let url = Url::parse(auth_url).unwrap_or_else(|e| panic!("the login URL {auth_url:?}: {e}"));
    let page = browser
        .get(url.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("open the authorize page {url}: {e}"));
    assert_eq!(page.status(), 200, "the authorize page {url}");
    let html = page.text().await.unwrap_or_default();
    assert!(
        html.contains(r#"data-testid="authorize-page-form""#)
            && html.contains(r#"name="action" value="session""#)
            && html.contains(".submit()"),
        "not the auto-submitting authorize page: {html}"
    );
    // The form's hidden fields are the URL's own parameters, plus the action.
    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    form.push(("action".to_owned(), "session".to_owned()));
    let done = browser
        .post(url.join("/oauth2/authorize").expect("a URL"))
        .form(&form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("submit the authorize page's form: {e}"));
    let status = done.status();
    assert!(
        status.is_redirection(),
        "the authorize page's form answered {status}, not a redirect: {}",
        done.text().await.unwrap_or_default()
    );
    done.headers()["location"]
        .to_str()
        .expect("a textual Location")
        .to_owned()
}

/// Agree on the installer's consent page at `installer` (`/installer/install?token&appId&redirectUrl&state`):
/// submit its form with `decision=agree`, and return the answer (a redirect to the Redirect URL on success).
pub async fn agree_to_install(http: &reqwest::Client, installer: &Url) -> reqwest::Response {
    let form: Vec<(String, String)> = installer
        .query_pairs()
        .into_owned()
        .chain([("decision".to_owned(), "agree".to_owned())])
        .collect();
    http.post(installer.join("/installer/install").expect("a URL"))
        .form(&form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("submit the installer's consent form: {e}"))
}

/// Play the browser through a Wix app install from `start` (the "Add app" page): follow each redirect one by
/// one, agreeing on the installer's consent page, until a page answers without redirecting (it must be a
/// success). Returns every URL visited, `start` first.
pub async fn play_install(start: &str) -> Vec<Url> {
    let http = browser();
    let mut visited = Vec::new();
    let mut next = Url::parse(start).unwrap_or_else(|e| panic!("the install URL {start:?}: {e}"));
    for _ in 0..10 {
        visited.push(next.clone());
        let response = if next.path() == "/installer/install" {
            agree_to_install(&http, &next).await
        } else {
            http.get(next.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("open {next}: {e}"))
        };
        let Some(to) = location(&next, &response) else {
            assert!(
                response.status().is_success(),
                "{next}: {}",
                response.status()
            );
            return visited;
        };
        next = to;
    }
    panic!("too many redirects: {visited:?}");
}

/// The emulator's whole service, every route with its Host, Origin, admin-token and fault layers, without a
/// listener: drive it in-process with `tower::ServiceExt::oneshot`. It answers as if it listened on `addr`
/// (requests must carry `Host: <addr>`, and links it makes point at `http://<addr>/`), with the sandbox's
/// [`crate::AdminCredentials`] and `admin_token` for `/_emulator/v1`. It starts from `data` (e.g. what
/// `GET /_emulator/v1/state` exported), or else the seeded state; its clock is the wall clock and no fault is
/// armed, so each call gives a fresh, independent emulator.
pub fn service(
    addr: std::net::SocketAddr,
    admin_token: crate::AdminToken,
    data: Option<StateData>,
) -> axum::Router {
    let state = crate::state::State::new(crate::AdminCredentials::sandbox(), None, true)
        .expect("an emulator without a state file always starts");
    if let Some(data) = data {
        state.write(|current| *current = data);
    }
    state.set_base_url(
        Url::parse(&format!("http://{addr}/")).expect("a socket address makes a URL"),
    );
    let access = crate::guard::Access::new(addr, admin_token, false);
    crate::router(
        std::sync::Arc::new(state),
        std::sync::Arc::new(access),
        true,
    )
}

/// Record how many attacks of one class a security test refused, adding them to `<refused>/<total>` in
/// `<dir>/security/<class>` (several tests may attack the same door), for the test command's one-line summary
/// (`scripts/security-summary.sh`, which starts from an empty folder). Pass the calling test's
/// `env!("CARGO_TARGET_TMPDIR")`.
pub fn record_security_tally(dir: &str, class: &str, refused: usize, total: usize) {
    let dir = std::path::Path::new(dir).join("security");
    std::fs::create_dir_all(&dir).expect("the security tally folder");
    let file = dir.join(class);
    let (before_refused, before_total) = std::fs::read_to_string(&file)
        .ok()
        .and_then(|text| {
            let (r, t) = text.trim().split_once('/')?;
            Some((r.parse::<usize>().ok()?, t.parse::<usize>().ok()?))
        })
        .unwrap_or((0, 0));
    std::fs::write(
        file,
        format!("{}/{}\n", before_refused + refused, before_total + total),
    )
    .expect("the security tally");
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;

    async fn token(router: axum::Router, host: &str, client_id: &str) -> StatusCode {
        let request = Request::post("/oauth2/token")
            .header("host", host)
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"clientId": client_id, "grantType": "anonymous"}).to_string(),
            ))
            .unwrap();
        router.oneshot(request).await.unwrap().status()
    }

    #[tokio::test]
    async fn the_in_process_service_guards_and_starts_from_the_given_state() {
        let addr: std::net::SocketAddr = "127.0.0.1:9".parse().unwrap();
        let admin = || crate::AdminToken::new("fuzz-admin-token-0123456789").unwrap();
        let seeded = crate::SEEDED_APP_IDS[0];
        assert_eq!(
            token(service(addr, admin(), None), "127.0.0.1:9", seeded).await,
            StatusCode::OK
        );
        assert_eq!(
            token(service(addr, admin(), None), "evil.example:9", seeded).await,
            StatusCode::MISDIRECTED_REQUEST
        );
        let empty = service(addr, admin(), Some(StateData::default()));
        assert_eq!(
            token(empty, "127.0.0.1:9", seeded).await,
            StatusCode::BAD_REQUEST
        );
    }
}
