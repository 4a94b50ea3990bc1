//! A local server that speaks Wix's wire protocol for what OAuth Desk uses: the app's built-in **sandbox
//! project**, and the ground truth its tests run against (nothing here can reach Wix).
//!
//! Start it in-process with [`start`] (port 0 picks a free port) or as the `wix-emulator` binary
//! (`wix-emulator --port 8787 --data state.json`; it prints its base URL, then `admin token: …`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), wix_emulator::EmulatorError> {
//! let emulator = wix_emulator::start(wix_emulator::EmulatorConfig::default()).await?;
//! println!("Wix API at {}, API key {}", emulator.base_url(), emulator.admin().api_key);
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Routes
//! Wix API (same paths, methods, JSON names and error shapes as `https://www.wixapis.com`):
//! - `POST /oauth-app/v1/oauth-apps` — create; the response alone carries `secret`.
//! - `GET /oauth-app/v1/oauth-apps/{id}` — get.
//! - `POST /oauth-app/v1/oauth-apps/query` — filter `{"id": x}` or `{"id": {"$eq": x}}`; sort `name`,
//!   `createdDate` (`ASC`/`DESC`), then `id` descending (Wix's default order); offset paging, `limit` 1–100
//!   (default 50); `pagingMetadata {count, offset, total}`.
//! - `PATCH /oauth-app/v1/oauth-apps/{id}` — `{"oAuthApp": {...}, "mask": "name,loginUrl"}` (the JS SDK's
//!   string form) or `"mask": {"paths": [...]}` (the REST docs' form). Only masked fields change; no mask changes
//!   nothing; an unknown field in the mask is a 400.
//! - `DELETE /oauth-app/v1/oauth-apps/{id}`.
//! - `GET /oauth-app/v1/oauth-apps/{id}/secret` — `{"oAuthAppSecret"}`: GetOAuthAppSecret, which
//!   `@wix/auth-management` 1.0.94 calls (`getOAuthAppSecret`); so the secret is *not* only in the create answer.
//! - `POST /oauth-app/v1/oauth-apps/{id}/generate-secret` — `{"oAuthAppSecret"}`: once per app; the old secret is
//!   replaced and `allowSecretGeneration` (in every app answer) turns false; again is `428`.
//!
//! - `POST /oauth2/token` — visitor tokens (`grantType: anonymous`) and renewal (`refresh_token`) for an OAuth app's
//!   `clientId`; see [`tokens`]. A deleted app's client ID, and every token it was issued, stop working.
//!
//! - `POST /oauth2/token` also serves `authorization_code` (PKCE S256; single-use 10-minute codes; exact redirect
//!   URI) and `authorized_client` (external login); see [`tokens`].
//! - `POST /_api/redirects-api/v1/redirect-session` — login (PKCE params, `prompt` login/none, `sessionToken`,
//!   response modes fragment/query/web_message) and logout (`postFlowUrl`) sessions whose `fullUrl` is the
//!   emulator's hosted page: `GET|POST /oauth2/authorize`, `GET /oauth2/logout`; see [`authorize`].
//! - `POST /_api/iam/authentication/v2/register|login`, `POST /_api/iam/verification/v1/auth/verify`,
//!   `POST /_api/iam/recovery/v1/send-email` — members (`@wix/identity`); see [`members`]. Captcha: setting
//!   `requireCaptcha`, test token [`settings::VALID_CAPTCHA_TOKEN`].
//! - `POST /_api/iam/authentication/v2/sign-on` (`authorization: <access token>,<API key>`) — a session token for
//!   a member by email (created when new), redeemed by `authorized_client` with `session_token`; see [`members`].
//!
//! - Wix app OAuth: `client_credentials` on `/oauth2/token` (basic), and `POST /oauth/access`, `GET|POST
//!   /installer/install`, `GET /installer/close-window`, `POST /apps/v1/bi-event` (advanced); see [`wix_apps`].
//!
//! Admin calls need `authorization: <API key>` and `wix-site-id` or `wix-account-id` ([`AdminCredentials`]).
//! A missing or wrong key is `401 UNAUTHENTICATED`; a right key with a wrong or missing site/account is
//! `403 PERMISSION_DENIED`. Every response carries an `x-wix-request-id` header.
//!
//! Emulator-only (not Wix; like Firebase's `/emulator/...`), every one listed in [`ADMIN_ROUTES`] and every one
//! needing the **admin token** — `authorization: Bearer <token>`, compared in constant time; without it `401
//! UNAUTHENTICATED`, with a body saying how to authenticate. [`start`] makes a fresh random token per run (32 random
//! bytes, base64url) unless [`EmulatorConfig::admin_token`] sets one; read it with
//! [`RunningEmulator::admin_token`] (`test_support::AdminClient::of` sends it for you). The binary prints it at
//! start (`admin token: …`, the second line of its standard output), takes `--admin-token <T>` (or
//! `WIX_EMULATOR_ADMIN_TOKEN`) to fix it, and `--open-admin` to serve these routes without one (for a throwaway CI
//! pipeline; off by default). A body sent to them must be `application/json`.
//! - `GET /_emulator/v1/health` — `{"status": "ok", "requests": n}` (requests served so far).
//! - `POST /_emulator/v1/reset` — back to the seeded state.
//! - `GET /_emulator/v1/state` — everything, secrets included (it is a local test server); `PUT` imports it.
//! - `GET|DELETE /_emulator/v1/oauth-apps` — every OAuth app (secrets excluded), or none (their tokens go too).
//! - `GET|PATCH /_emulator/v1/settings` — require email verification / owner approval / captcha, site published,
//!   `prompt=none` answered by a page instead of a redirect ([`settings::Settings`]).
//! - `GET|DELETE /_emulator/v1/members`, `POST /_emulator/v1/members/{id}/approve`,
//!   `POST /_emulator/v1/members/{id}/require-password-reset`.
//! - `GET|DELETE /_emulator/v1/outbox` — the verification codes and reset links the emulator "emailed" (in memory
//!   only: never in the state file).
//! - `GET|POST|DELETE /_emulator/v1/faults` — fault injection per route for the next N requests ([`faults`];
//!   capped: ≤ 1,000 requests, ≤ 60 s latency, ≤ 100 armed).
//! - `GET|POST /_emulator/v1/wix-apps`, `PATCH /_emulator/v1/wix-apps/{appId}`,
//!   `POST /_emulator/v1/instances/{id}/revoke`.
//! - `POST /_emulator/v1/clock` `{"advanceSeconds"}` — move the emulator's clock ahead (expire codes and tokens):
//!   0 to [`MAX_CLOCK_ADVANCE_SECONDS`] (10 years) per call, 100 years in all; anything else is a 400.
//!
//! Pages a browser opens (no admin token; not under `/_emulator`):
//! - `GET /installer/add-app/{appId}` ([`ADD_APP_ROUTE`]) — the emulator's stand-in for the "Add app" button of
//!   Wix's dashboard: a fresh install token, then a redirect to the app's App URL, from where the install goes on
//!   to the consent page the user must agree to. (It was `GET /_emulator/v1/wix-apps/{appId}/add`, now a 404.)
//! - `GET|POST /reset-password/{token}` ([`RESET_PASSWORD_ROUTE`]) — the page a reset link opens (it was under
//!   `/_emulator/v1/`). Reset tokens are stored hashed, like every token.
//!
//! # Doors closed to web pages
//! The emulator listens on loopback, where any web page the user opens can send it requests. So:
//! - **Host**: every route answers only `Host: 127.0.0.1:<port>`, `localhost:<port>` or `[::1]:<port>` (and the
//!   bound address, when bound to one specific non-loopback address); anything else is `421` (DNS rebinding).
//! - **Origin**: `POST`, `PUT`, `PATCH` and `DELETE` on any route, and every method on `/_emulator/v1`, are `403`
//!   when a browser sends an `Origin` other than the emulator's own (`http://127.0.0.1:<port>`,
//!   `http://localhost:<port>`); no `Origin` (a non-browser client) passes. The hosted pages' forms post to their
//!   own origin. `/_emulator/v1` also refuses `Sec-Fetch-Site: cross-site`/`same-site`.
//! - **JSON** bodies must be `application/json` (`415` otherwise): browsers send `text/plain` cross-site without a
//!   preflight; the official `@wix/sdk` sends `application/json`.
//! - **Framing**: HTML answers carry `Content-Security-Policy: frame-ancestors 'none'` and `X-Frame-Options: DENY`
//!   (the `web_message` answer page: `frame-ancestors <the one origin it posts to>`).
//! - **Redirects** from hosted pages (logout `postFlowUrl`, reset `redirect`, `web_message` target origin) go only
//!   where the OAuth app allows: one of its `allowedRedirectUris`, or a host in its `allowedRedirectDomains`.
//! - **Numbers** from clients are range-checked (clock, faults, paging) and date arithmetic is checked: a refused
//!   request leaves the emulator working.
//! - The **state file** is written `0600`, in a `0700` folder when the emulator creates it (Unix).
//!
//! # The state file
//! With [`EmulatorConfig::data_path`] (the binary's `--data`), requests never wait for the disk: a thread of its
//! own writes the changes within a second (500 ms batches, serialised under the read lock, replaced atomically and
//! fsynced), so a crash loses at most the last second and never tears the file; [`RunningEmulator::shutdown`],
//! dropping the emulator, and the binary's Ctrl+C or SIGTERM write the last changes, and the admin reset, import
//! and clear routes write before answering. Visitor tokens are signed (HMAC-SHA256 with a random key kept in the
//! file and renewed at every reset) rather than stored, and expired codes, sessions and member and app tokens are
//! pruned an hour after they expire: a million anonymous grants leave the file as it was.
//!
//! With the `test-support` feature, `test_support` has a typed client for these routes and the players that
//! stand in for the browser on the hosted pages (for tests; off by default).
//!
//! # Deliberate deviations
//! - Secrets are prefixed `emu-secret-`, so nobody mistakes them for production ones.
//! - Validation follows the docs (name 2–256 chars, ≤ 20 redirect URIs and domains, ≤ 200 domain mappings,
//!   `redirectUrlWixPages` ≤ 1,024 chars, http(s) login/logout URLs, known enum values); Wix's exact messages
//!   are unknown, so ours name the field (`oAuthApp.<field>`) in `validationError.fieldViolations`.
//! - Unknown fields in a create body are ignored, as read-only ones (`id`, `createdDate`) are.
//! - Member sign-in: see [`authorize`] and [`members`] for the error codes and checks chosen where the packages
//!   do not say (unknown email `-19999`, wrong verification code `-19988`, `SITE_NOT_PUBLISHED`, redirect URI
//!   checked at session creation). Member access tokens last 4 hours like visitor ones. The hosted page keeps no
//!   browser session (no single sign-on between logins); the captcha is a checkbox.

pub mod authorize;
mod error;
pub mod faults;
mod guard;
mod json_body;
pub mod members;
pub mod oauth_apps;
mod page;
pub mod settings;
mod state;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod tokens;
pub mod wix_apps;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State as Extract};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use serde_json::json;
use tokio::sync::oneshot;

pub use error::{ApiError, EmulatorError};
pub use guard::AdminToken;
pub use state::{AdminCredentials, SEEDED_APP_IDS};

use state::State;

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where to listen; port 0 picks a free one. Loopback by default.
    pub bind: SocketAddr,
    /// Mirror the state to this JSON file (loaded at start if present). Changes reach it within a second, written
    /// by a thread of its own (atomically); [`RunningEmulator::shutdown`] and dropping the emulator write the last
    /// ones.
    pub data_path: Option<PathBuf>,
    /// Start (and reset) with a few OAuth apps, when there is no state file to load.
    pub seed: bool,
    pub admin: AdminCredentials,
    /// The token `/_emulator/v1` requires (`authorization: Bearer <token>`); `None` (the default) makes a fresh
    /// random one at every start. Read it back with [`RunningEmulator::admin_token`].
    pub admin_token: Option<AdminToken>,
    /// Serve `/_emulator/v1` without the token (the binary's `--open-admin`, for a CI pipeline that wants it).
    /// Off by default; the Host and Origin checks still apply.
    pub open_admin: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_path: None,
            seed: true,
            admin: AdminCredentials::sandbox(),
            admin_token: None,
            open_admin: false,
        }
    }
}

/// A running emulator. Dropping it stops the server (without waiting for it) and writes the last changes to the
/// state file (blocking for that write); [`RunningEmulator::shutdown`] waits for the server to finish.
pub struct RunningEmulator {
    base_url: url::Url,
    state: Arc<State>,
    access: Arc<guard::Access>,
    seed: bool,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningEmulator {
    /// E.g. `http://127.0.0.1:41234/`: use it where the SDK uses `https://www.wixapis.com/`.
    pub fn base_url(&self) -> &url::Url {
        &self.base_url
    }

    pub fn admin(&self) -> &AdminCredentials {
        &self.state.admin
    }

    /// The token `/_emulator/v1` requires, as `authorization: Bearer <token>` (random per run unless
    /// [`EmulatorConfig::admin_token`] set it). Hand it only to what should administer the emulator; never log it.
    pub fn admin_token(&self) -> &str {
        self.access.token().expose()
    }

    /// The "Add app" page of Wix app `app_id` (see [`ADD_APP_ROUTE`]): what the system browser opens to start an
    /// install.
    pub fn add_app_url(&self, app_id: &str) -> url::Url {
        add_app_url(&self.base_url, app_id)
    }

    /// Back to the seeded state (or empty when started without seeding). The state file follows within a second.
    pub fn reset(&self) {
        self.state.reset(self.seed);
    }

    /// Register a Wix app's App URL and Redirect URL, as one does in the Dev Center (for the app embedding this
    /// emulator, which needs no HTTP round trip to itself). `false` if there is no such app.
    pub fn set_wix_app_urls(&self, app_id: &str, app_url: &str, redirect_url: &str) -> bool {
        self.state
            .write(|data| match data.wix_apps.get_mut(app_id) {
                Some(app) => {
                    app.app_url = Some(app_url.to_owned());
                    app.redirect_url = Some(redirect_url.to_owned());
                    true
                }
                None => false,
            })
    }

    /// Write the latest changes to the state file now (they reach it within a second anyway): for an app about to
    /// end its process without dropping the emulator (e.g. through `std::process::exit`).
    pub async fn persist(&self) {
        self.state.persist().await;
    }

    /// How many requests the emulator has served.
    pub fn requests(&self) -> u64 {
        self.state.requests()
    }

    /// Stop serving, wait for the server to finish, and write the last changes to the state file.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.state.persist().await;
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        // Dropping the sender stops the server. Its last requests may still change the state: the writer thread
        // writes those when the server lets go of the state.
        self.stop.take();
        if let Err(e) = self.state.flush() {
            tracing::warn!("the last changes may be lost: {e}");
        }
    }
}

/// Start the emulator on the current tokio runtime.
pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
    // Loading (and maybe writing) the state file is blocking: off the runtime.
    let (admin, data_path, seed) = (config.admin, config.data_path, config.seed);
    let state = tokio::task::spawn_blocking(move || State::new(admin, data_path, seed))
        .await
        .map_err(|e| EmulatorError::Startup(e.to_string()))??;
    let state = Arc::new(state);
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| EmulatorError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind {
            addr: config.bind,
            source,
        })?;
    let base_url =
        url::Url::parse(&format!("http://{addr}/")).expect("a socket address makes a URL");
    state.set_base_url(base_url.clone());
    let token = config.admin_token.unwrap_or_else(AdminToken::generate);
    let access = Arc::new(guard::Access::new(addr, token, config.open_admin));
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(state.clone(), access.clone(), config.seed);
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("wix-emulator stopped: {e}");
        }
    });
    Ok(RunningEmulator {
        base_url,
        state,
        access,
        seed: config.seed,
        stop: Some(stop),
        task: Some(task),
    })
}

/// Every emulator-only route, as (method, path under `/_emulator/v1`). The router serves exactly these (it is
/// built from this list), all behind the admin token; the security tests cover each one.
pub const ADMIN_ROUTES: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("POST", "/reset"),
    ("GET", "/state"),
    ("PUT", "/state"),
    ("GET", "/oauth-apps"),
    ("DELETE", "/oauth-apps"),
    ("GET", "/settings"),
    ("PATCH", "/settings"),
    ("GET", "/members"),
    ("DELETE", "/members"),
    ("POST", "/members/{id}/approve"),
    ("POST", "/members/{id}/require-password-reset"),
    ("GET", "/outbox"),
    ("DELETE", "/outbox"),
    ("GET", "/faults"),
    ("POST", "/faults"),
    ("DELETE", "/faults"),
    ("GET", "/wix-apps"),
    ("POST", "/wix-apps"),
    ("PATCH", "/wix-apps/{app_id}"),
    ("POST", "/instances/{instance_id}/revoke"),
    ("POST", "/clock"),
];

/// The longest the emulator's clock may move in one call: 10 years.
pub const MAX_CLOCK_ADVANCE_SECONDS: i64 = 10 * 366 * 24 * 60 * 60;

/// The handler of one emulator-only route of [`ADMIN_ROUTES`].
fn admin_route(method: &str, path: &str, seed: bool) -> MethodRouter<Arc<State>> {
    use axum::routing::{delete, patch, put};
    match (method, path) {
        ("GET", "/health") => get(|Extract(state): Extract<Arc<State>>| async move {
            axum::Json(json!({"status": "ok", "requests": state.requests()}))
        }),
        ("POST", "/reset") => post(move |Extract(state): Extract<Arc<State>>| async move {
            state.reset(seed);
            state.persist().await;
            axum::Json(json!({}))
        }),
        ("GET", "/state") => {
            get(
                |Extract(state): Extract<Arc<State>>| async move { axum::Json(json!(*state.read())) },
            )
        }
        ("PUT", "/state") => put(
            |Extract(state): Extract<Arc<State>>,
             json_body::JsonBody(data): json_body::JsonBody<state::Data>| async move {
                state.import(data);
                state.persist().await;
                axum::Json(json!({}))
            },
        ),
        ("GET", "/oauth-apps") => get(|Extract(state): Extract<Arc<State>>| async move {
            let data = state.read();
            let mut apps: Vec<_> = data.apps.values().map(|a| &a.app).collect();
            apps.sort_by_key(|a| a.created_date);
            axum::Json(json!({"oAuthApps": apps}))
        }),
        ("DELETE", "/oauth-apps") => delete(|Extract(state): Extract<Arc<State>>| async move {
            state.write(|data| {
                data.apps.clear();
                data.access_tokens.retain(|_, g| g.role == "app");
                data.refresh_tokens.retain(|_, g| g.role == "app");
                data.codes.clear();
            });
            state.persist().await;
            axum::Json(json!({}))
        }),
        ("GET", "/settings") => get(settings::get),
        ("PATCH", "/settings") => patch(settings::patch),
        ("GET", "/members") => get(members::list),
        ("DELETE", "/members") => delete(members::clear),
        ("POST", "/members/{id}/approve") => post(members::approve),
        ("POST", "/members/{id}/require-password-reset") => post(members::require_reset),
        ("GET", "/outbox") => get(members::outbox),
        ("DELETE", "/outbox") => delete(members::clear_outbox),
        ("GET", "/faults") => get(faults::list),
        ("POST", "/faults") => post(faults::arm),
        ("DELETE", "/faults") => delete(faults::clear),
        ("GET", "/wix-apps") => get(wix_apps::list),
        ("POST", "/wix-apps") => post(wix_apps::create),
        ("PATCH", "/wix-apps/{app_id}") => patch(wix_apps::update),
        ("POST", "/instances/{instance_id}/revoke") => post(wix_apps::revoke),
        ("POST", "/clock") => post(
            |Extract(state): Extract<Arc<State>>,
             json_body::JsonBody(body): json_body::JsonBody<serde_json::Value>| async move {
                let seconds = body
                    .get("advanceSeconds")
                    .and_then(serde_json::Value::as_i64)
                    .filter(|s| (0..=MAX_CLOCK_ADVANCE_SECONDS).contains(s))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "advanceSeconds",
                            format!(
                                "is required: a whole number of seconds from 0 to {MAX_CLOCK_ADVANCE_SECONDS} (10 years)"
                            ),
                        )
                    })?;
                let now = state.advance_clock(seconds).ok_or_else(|| {
                    ApiError::invalid(
                        "advanceSeconds",
                        "would move the clock more than 100 years ahead in all: reset the emulator first",
                    )
                })?;
                Ok::<_, ApiError>(axum::Json(json!({"now": now})))
            },
        ),
        _ => unreachable!("ADMIN_ROUTES lists {method} {path} but no handler serves it"),
    }
}

fn router(state: Arc<State>, access: Arc<guard::Access>, seed: bool) -> Router {
    let mut admin_paths: Vec<(&str, MethodRouter<Arc<State>>)> = Vec::new();
    for (method, path) in ADMIN_ROUTES {
        let handler = admin_route(method, path, seed);
        match admin_paths.iter_mut().find(|(p, _)| p == path) {
            Some((_, existing)) => {
                let merged = std::mem::take(existing).merge(handler);
                *existing = merged;
            }
            None => admin_paths.push((path, handler)),
        }
    }
    let emulator = admin_paths
        .into_iter()
        .fold(Router::new(), |router, (path, handler)| {
            router.route(path, handler)
        })
        .route_layer(middleware::from_fn_with_state(access.clone(), guard::admin));
    Router::new()
        .route("/oauth-app/v1/oauth-apps", post(oauth_apps::create))
        .route("/oauth-app/v1/oauth-apps/query", post(oauth_apps::query))
        .route(
            "/oauth-app/v1/oauth-apps/{id}",
            get(oauth_apps::get)
                .patch(oauth_apps::update)
                .delete(oauth_apps::delete),
        )
        .route(
            "/oauth-app/v1/oauth-apps/{id}/secret",
            get(oauth_apps::secret),
        )
        .route(
            "/oauth-app/v1/oauth-apps/{id}/generate-secret",
            post(oauth_apps::generate_secret),
        )
        .route("/oauth2/token", post(tokens::token))
        .route(
            "/oauth2/authorize",
            get(authorize::authorize).post(authorize::submit),
        )
        .route("/oauth2/logout", get(authorize::logout))
        .route("/oauth/access", post(wix_apps::access))
        .route(ADD_APP_ROUTE, get(wix_apps::add))
        .route(
            "/installer/install",
            get(wix_apps::installer).post(wix_apps::consent),
        )
        .route("/installer/close-window", get(wix_apps::close_window))
        .route("/apps/v1/bi-event", post(wix_apps::bi_event))
        .route(
            RESET_PASSWORD_ROUTE,
            get(members::reset_page).post(members::reset_submit),
        )
        .route(
            "/_api/redirects-api/v1/redirect-session",
            post(authorize::create_redirect_session),
        )
        .route(
            "/_api/iam/authentication/v2/register",
            post(members::register_v2),
        )
        .route("/_api/iam/authentication/v2/login", post(members::login_v2))
        .route(
            "/_api/iam/authentication/v2/sign-on",
            post(members::sign_on),
        )
        .route(
            "/_api/iam/verification/v1/auth/verify",
            post(members::verify_during_authentication),
        )
        .route(
            "/_api/iam/recovery/v1/send-email",
            post(members::send_recovery_email),
        )
        .nest("/_emulator/v1", emulator)
        .fallback(|| async { ApiError::not_found("No such route on the Wix emulator") })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            faults::inject,
        ))
        .layer(middleware::from_fn(guard::frame_headers))
        .layer(middleware::from_fn_with_state(access, guard::guard))
        .layer(middleware::from_fn_with_state(state.clone(), stamp))
        .with_state(state)
}

/// The "Add app" page: the emulator's stand-in for the "Add app" button of Wix's dashboard (App Market). A
/// browser opens it (no token): it makes a 10-minute install token and redirects to the app's App URL, where the
/// install continues to the consent page (`/installer/install`), which the user must still agree to.
pub const ADD_APP_ROUTE: &str = "/installer/add-app/{app_id}";

/// The page a password-reset email links to (a browser opens it: no token; the link's token is the secret).
pub const RESET_PASSWORD_ROUTE: &str = "/reset-password/{token}";

/// The address of the "Add app" page of Wix app `app_id` on the emulator at `base_url`.
pub fn add_app_url(base_url: &url::Url, app_id: &str) -> url::Url {
    let mut url = base_url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut()
        .map(|mut segments| {
            segments
                .pop_if_empty()
                .extend(["installer", "add-app", app_id]);
        })
        .ok();
    url
}

/// Count the request and give the response an `x-wix-request-id`, as Wix does.
async fn stamp(Extract(state): Extract<Arc<State>>, request: Request, next: Next) -> Response {
    state.count_request();
    let started = std::time::Instant::now();
    let method = request.method().clone();
    // The route's template (`/reset-password/{token}`), not the raw path: paths can carry tokens.
    let path = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "(no route)".to_owned());
    let mut response = next.run(request).await;
    let id = uuid::Uuid::new_v4().to_string();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-wix-request-id", value);
    }
    // Method, path, status and time only: never headers, queries or bodies (they carry keys and tokens).
    tracing::info!(%method, %path, status = response.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    response
}
