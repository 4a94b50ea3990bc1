//! Wix app OAuth (for Wix app developers, per installation), as Wix documents it:
//!
//! - **Basic** (client credentials): `POST /oauth2/token` `{"grant_type": "client_credentials", "client_id": <app
//!   ID>, "client_secret", "instance_id"}` → `{"access_token", "token_type", "expires_in": 14400}` (4 hours).
//! - **Advanced**: the "Add app" page (`GET /installer/add-app/{appId}`, the emulator's stand-in for the "Add app"
//!   button of Wix's dashboard and App Market; a browser opens it, so it needs no admin token) sends the browser to
//!   the app's *App URL* with `?token=`; the app sends it on to
//!   `GET /installer/install?token&appId&redirectUrl&state` (a consent page); consent (`POST /installer/install`)
//!   installs the app on the site (a new instance) and sends the browser to the *Redirect URL* with `code`,
//!   `instanceId` and `state`. `POST /oauth/access` `{"grant_type": "authorization_code", "client_id",
//!   "client_secret", "code"}` → `{"access_token", "refresh_token", "expires_in": 300}` (codes single use, 10
//!   minutes; access tokens 5 minutes); the same call with `"grant_type": "refresh_token", "refresh_token"` renews.
//!   `GET /installer/close-window?access_token` ends the install in the browser; `POST /apps/v1/bi-event`
//!   `{"eventName": "APP_FINISHED_CONFIGURATION"}` (with the instance's access token) reports setup done.
//!
//! Emulator-only: `GET|POST /_emulator/v1/wix-apps` (list; create `{name, appUrl?, redirectUrl?}` → with its
//! secret), `PATCH /_emulator/v1/wix-apps/{appId}` (`appUrl`, `redirectUrl`),
//! `POST /_emulator/v1/instances/{instanceId}/revoke` (the refresh tokens of an instance stop working, as after an
//! uninstall).
//!
//! Choices: the install token lives 10 minutes and works once; the redirect URL must equal the app's registered one;
//! refresh tokens are rotated on every refresh (the old one stops working).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State as Extract};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::json_body::JsonBody;
use crate::page::{self, escape};
use crate::state::{State, random_token, token_key};
use crate::tokens::Grant;

/// Basic OAuth access tokens: 4 hours.
pub const BASIC_TOKEN_SECONDS: i64 = 4 * 60 * 60;
/// Advanced OAuth access tokens: 5 minutes.
pub const ADVANCED_TOKEN_SECONDS: i64 = 5 * 60;
/// Install tokens and authorization codes: 10 minutes.
pub const CODE_SECONDS: i64 = 10 * 60;

/// The seeded Wix app of the sandbox (its secret is well known: it only opens a local emulator).
pub const SEEDED_WIX_APP_ID: &str = "a990a001-0000-4000-8000-000000000001";
pub const SEEDED_WIX_APP_SECRET: &str = "emu-app-secret-seeded";
/// The sandbox site's first installation of the seeded app (for basic OAuth out of the box).
pub const SEEDED_INSTANCE_ID: &str = "1a57a001-0000-4000-8000-000000000001";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WixApp {
    pub app_id: String,
    pub name: String,
    pub secret: String,
    #[serde(default)]
    pub app_url: Option<String>,
    #[serde(default)]
    pub redirect_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    pub instance_id: String,
    pub app_id: String,
    pub installed_date: DateTime<Utc>,
    #[serde(default)]
    pub finished_configuration: bool,
}

/// An install in progress (token) or a code waiting for exchange.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstallStep {
    pub app_id: String,
    pub instance_id: Option<String>,
    pub expires_at: i64,
}

pub fn seed(data: &mut crate::state::Data) {
    data.wix_apps.insert(
        SEEDED_WIX_APP_ID.to_owned(),
        WixApp {
            app_id: SEEDED_WIX_APP_ID.to_owned(),
            name: "Sandbox Wix app".to_owned(),
            secret: SEEDED_WIX_APP_SECRET.to_owned(),
            app_url: None,
            redirect_url: None,
        },
    );
    data.instances.insert(
        SEEDED_INSTANCE_ID.to_owned(),
        Instance {
            instance_id: SEEDED_INSTANCE_ID.to_owned(),
            app_id: SEEDED_WIX_APP_ID.to_owned(),
            installed_date: Utc::now(),
            finished_configuration: true,
        },
    );
}

fn invalid_client() -> ApiError {
    ApiError::application(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Unknown app ID or wrong app secret",
    )
}

fn invalid_grant(description: &str) -> ApiError {
    ApiError::application(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// Check the app ID and secret.
fn app(state: &State, app_id: &str, secret: &str) -> Result<WixApp, ApiError> {
    match state.read().wix_apps.get(app_id) {
        Some(app) if app.secret == secret => Ok(app.clone()),
        _ => Err(invalid_client()),
    }
}

fn text(body: &Value, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn required(body: &Value, key: &str) -> Result<String, ApiError> {
    text(body, key).ok_or_else(|| ApiError::invalid(key, "is required"))
}

/// `grant_type: client_credentials` on `POST /oauth2/token` (called from there).
pub fn client_credentials(state: &State, body: &Value) -> Result<Value, ApiError> {
    let app = app(
        state,
        &required(body, "client_id")?,
        &required(body, "client_secret")?,
    )?;
    let instance_id = required(body, "instance_id")?;
    let installed = state
        .read()
        .instances
        .get(&instance_id)
        .is_some_and(|i| i.app_id == app.app_id);
    if !installed {
        return Err(invalid_grant(
            "The app is not installed on a site with this instance ID",
        ));
    }
    let (access, _) = issue(state, &app.app_id, &instance_id, BASIC_TOKEN_SECONDS, false);
    Ok(json!({"access_token": access, "token_type": "Bearer", "expires_in": BASIC_TOKEN_SECONDS}))
}

/// Mint an app access token (and, for advanced OAuth, a refresh token) for an instance.
fn issue(
    state: &State,
    app_id: &str,
    instance_id: &str,
    seconds: i64,
    refresh: bool,
) -> (String, Option<String>) {
    let expires_at = state.now().timestamp() + seconds;
    let access = format!("EMU.app.{}", random_token(48));
    let refresh = refresh.then(|| format!("EMU.app-refresh.{}", random_token(48)));
    let grant = |role: &str, expires_at| Grant {
        client_id: app_id.to_owned(),
        role: role.to_owned(),
        subject: instance_id.to_owned(),
        expires_at,
    };
    state.write(|data| {
        data.access_tokens
            .insert(token_key(&access), grant("app", Some(expires_at)));
        if let Some(refresh) = &refresh {
            data.refresh_tokens
                .insert(token_key(refresh), grant("app", None));
        }
    });
    (access, refresh)
}

/// `POST /oauth/access`: advanced OAuth's code exchange and refresh.
pub async fn access(
    Extract(state): Extract<Arc<State>>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let grant_type = required(&body, "grant_type")?;
    let app = app(
        &state,
        &required(&body, "client_id")?,
        &required(&body, "client_secret")?,
    )?;
    let now = state.now().timestamp();
    let instance_id = match grant_type.as_str() {
        "authorization_code" => {
            let code = required(&body, "code")?;
            let step = state.write(|data| data.install_codes.remove(&token_key(&code)));
            match step {
                Some(step) if step.app_id == app.app_id && step.expires_at > now => {
                    step.instance_id.unwrap_or_default()
                }
                Some(step) if step.app_id == app.app_id => {
                    return Err(invalid_grant(
                        "The code expired (codes live 10 minutes): install again",
                    ));
                }
                _ => {
                    return Err(invalid_grant(
                        "The code is unknown, already used, or for another app",
                    ));
                }
            }
        }
        "refresh_token" => {
            let refresh = required(&body, "refresh_token")?;
            // Rotation: the presented refresh token is spent either way.
            let grant = state.write(|data| data.refresh_tokens.remove(&token_key(&refresh)));
            match grant {
                Some(g) if g.client_id == app.app_id && g.role == "app" => g.subject,
                _ => {
                    return Err(invalid_grant(
                        "The refresh token is unknown, revoked or already used: install the app again, or use basic OAuth",
                    ));
                }
            }
        }
        other => {
            return Err(ApiError::application(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("{other} is not supported here"),
            ));
        }
    };
    let (access, refresh) = issue(
        &state,
        &app.app_id,
        &instance_id,
        ADVANCED_TOKEN_SECONDS,
        true,
    );
    Ok(Json(json!({
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": ADVANCED_TOKEN_SECONDS,
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallParams {
    token: Option<String>,
    app_id: Option<String>,
    redirect_url: Option<String>,
    state: Option<String>,
}

fn check_install(state: &State, params: &InstallParams) -> Result<WixApp, (StatusCode, String)> {
    let app_id = params
        .app_id
        .as_deref()
        .ok_or((StatusCode::BAD_REQUEST, "appId is missing.".to_owned()))?;
    let app = state
        .read()
        .wix_apps
        .get(app_id)
        .cloned()
        .ok_or((StatusCode::NOT_FOUND, "No app has this app ID.".to_owned()))?;
    let token_ok = params.token.as_deref().is_some_and(|t| {
        state
            .read()
            .install_tokens
            .get(&token_key(t))
            .is_some_and(|s| s.app_id == app.app_id && s.expires_at > state.now().timestamp())
    });
    if !token_ok {
        return Err((
            StatusCode::BAD_REQUEST,
            "The install token is missing, expired or already used: start from “Add app” again."
                .to_owned(),
        ));
    }
    match (&params.redirect_url, &app.redirect_url) {
        (Some(given), Some(registered)) if given == registered => Ok(app),
        (Some(given), registered) => Err((
            StatusCode::BAD_REQUEST,
            format!(
                "The redirect URL {given} is not the app's registered Redirect URL ({}).",
                registered.as_deref().unwrap_or("none registered")
            ),
        )),
        (None, _) => Err((
            StatusCode::BAD_REQUEST,
            "redirectUrl is missing.".to_owned(),
        )),
    }
}

/// `GET /installer/install`: the consent page.
pub async fn installer(
    Extract(state): Extract<Arc<State>>,
    Query(params): Query<InstallParams>,
) -> Response {
    let app = match check_install(&state, &params) {
        Ok(app) => app,
        Err((status, message)) => return page::message(status, "Cannot install", &message),
    };
    let hidden = [
        ("token", &params.token),
        ("appId", &params.app_id),
        ("redirectUrl", &params.redirect_url),
        ("state", &params.state),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .map(|v| format!(r#"<input type="hidden" name="{k}" value="{}">"#, escape(v)))
    })
    .collect::<Vec<_>>()
    .join("\n");
    let body = format!(
        r#"<p>“{name}” asks to be added to the sandbox site. It will be able to call Wix APIs for this site.</p>
<form method="post" action="/installer/install" data-testid="consent-form">
{hidden}
<button type="submit" name="decision" value="agree" data-testid="agree">Agree &amp; add</button>
<button type="submit" name="decision" value="cancel" data-testid="cancel">Cancel</button>
</form>"#,
        name = escape(&app.name)
    );
    Html(page::layout("Add app", &body)).into_response()
}

#[derive(Deserialize)]
pub struct ConsentForm {
    #[serde(flatten)]
    params: InstallParams,
    decision: Option<String>,
}

/// `POST /installer/install`: consent given (or not).
pub async fn consent(
    Extract(state): Extract<Arc<State>>,
    axum::Form(form): axum::Form<ConsentForm>,
) -> Response {
    let params = &form.params;
    let app = match check_install(&state, params) {
        Ok(app) => app,
        Err((status, message)) => return page::message(status, "Cannot install", &message),
    };
    // The install token works once.
    if let Some(token) = &params.token {
        state.write(|data| data.install_tokens.remove(&token_key(token)));
    }
    if form.decision.as_deref() != Some("agree") {
        return page::message(StatusCode::OK, "Not installed", "The app was not added.");
    }
    let instance_id = uuid::Uuid::new_v4().to_string();
    let code = format!("EMU.install-code.{}", random_token(32));
    let expires_at = state.now().timestamp() + CODE_SECONDS;
    state.write(|data| {
        data.instances.insert(
            instance_id.clone(),
            Instance {
                instance_id: instance_id.clone(),
                app_id: app.app_id.clone(),
                installed_date: state.now(),
                finished_configuration: false,
            },
        );
        data.install_codes.insert(
            token_key(&code),
            InstallStep {
                app_id: app.app_id.clone(),
                instance_id: Some(instance_id.clone()),
                expires_at,
            },
        );
    });
    let Ok(mut url) = url::Url::parse(params.redirect_url.as_deref().unwrap_or_default()) else {
        return page::message(
            StatusCode::BAD_REQUEST,
            "Cannot install",
            "The redirect URL is not a URL.",
        );
    };
    url.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("instanceId", &instance_id)
        .append_pair("state", params.state.as_deref().unwrap_or_default());
    Redirect::to(url.as_str()).into_response()
}

#[derive(Deserialize)]
pub struct CloseParams {
    access_token: Option<String>,
}

/// `GET /installer/close-window`: the end of an install in the browser.
pub async fn close_window(
    Extract(state): Extract<Arc<State>>,
    Query(params): Query<CloseParams>,
) -> Response {
    let live = params.access_token.as_deref().is_some_and(|t| {
        state
            .read()
            .access_tokens
            .get(&token_key(t))
            .is_some_and(|g| g.role == "app")
    });
    if live {
        page::message(
            StatusCode::OK,
            "App added",
            "The app is installed. You can close this window.",
        )
    } else {
        page::message(
            StatusCode::UNAUTHORIZED,
            "Cannot finish",
            "The access token is missing or not valid.",
        )
    }
}

/// `POST /apps/v1/bi-event`.
pub async fn bi_event(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_start_matches("Bearer ").trim().to_owned())
        .unwrap_or_default();
    let now = state.now().timestamp();
    let grant = state.read().access_tokens.get(&token_key(&token)).cloned();
    let Some(grant) = grant.filter(|g| g.role == "app" && g.expires_at.is_none_or(|t| t > now))
    else {
        return Err(ApiError::unauthenticated(
            "Missing, expired or unknown app access token: refresh it first",
        ));
    };
    let event = required(&body, "eventName")?;
    if event != "APP_FINISHED_CONFIGURATION" {
        return Err(ApiError::invalid(
            "eventName",
            "must be APP_FINISHED_CONFIGURATION",
        ));
    }
    state.write(|data| {
        if let Some(instance) = data.instances.get_mut(&grant.subject) {
            instance.finished_configuration = true;
        }
    });
    Ok(Json(json!({})))
}

// Emulator-only.

pub async fn list(Extract(state): Extract<Arc<State>>) -> Json<Value> {
    let data = state.read();
    let apps: Vec<&WixApp> = data.wix_apps.values().collect();
    let instances: Vec<&Instance> = data.instances.values().collect();
    Json(json!({"wixApps": apps, "instances": instances}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppPatch {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    app_url: Option<String>,
    #[serde(default)]
    redirect_url: Option<String>,
}

fn check_urls(patch: &AppPatch) -> Result<(), ApiError> {
    for (field, value) in [
        ("appUrl", &patch.app_url),
        ("redirectUrl", &patch.redirect_url),
    ] {
        if let Some(v) = value
            && url::Url::parse(v).is_err()
        {
            return Err(ApiError::invalid(field, "is not an absolute URL"));
        }
    }
    Ok(())
}

pub async fn create(
    Extract(state): Extract<Arc<State>>,
    JsonBody(patch): JsonBody<AppPatch>,
) -> Result<Json<Value>, ApiError> {
    check_urls(&patch)?;
    let app = WixApp {
        app_id: uuid::Uuid::new_v4().to_string(),
        name: patch.name.unwrap_or_else(|| "Wix app".to_owned()),
        secret: format!("emu-app-secret-{}", random_token(24)),
        app_url: patch.app_url,
        redirect_url: patch.redirect_url,
    };
    state.write(|data| data.wix_apps.insert(app.app_id.clone(), app.clone()));
    Ok(Json(json!({"wixApp": app})))
}

pub async fn update(
    Extract(state): Extract<Arc<State>>,
    Path(app_id): Path<String>,
    JsonBody(patch): JsonBody<AppPatch>,
) -> Result<Json<Value>, ApiError> {
    check_urls(&patch)?;
    state
        .write(|data| {
            let app = data.wix_apps.get_mut(&app_id)?;
            if let Some(name) = patch.name {
                app.name = name;
            }
            if patch.app_url.is_some() {
                app.app_url = patch.app_url;
            }
            if patch.redirect_url.is_some() {
                app.redirect_url = patch.redirect_url;
            }
            Some(app.clone())
        })
        .map(|app| Json(json!({"wixApp": app})))
        .ok_or_else(|| ApiError::not_found(format!("No Wix app {app_id}")))
}

/// `GET /installer/add-app/{appId}`, the "Add app" button: a fresh install token, and off to the app's App URL
/// (where the install goes on to the consent page, which the user must still agree to). Expired install tokens
/// are dropped on the way, so opening it often cannot grow the state without bound.
pub async fn add(Extract(state): Extract<Arc<State>>, Path(app_id): Path<String>) -> Response {
    let app = state.read().wix_apps.get(&app_id).cloned();
    let Some(app) = app else {
        return page::message(
            StatusCode::NOT_FOUND,
            "Cannot add",
            "No app has this app ID.",
        );
    };
    let Some(Ok(mut url)) = app.app_url.as_deref().map(url::Url::parse) else {
        return page::message(
            StatusCode::BAD_REQUEST,
            "Cannot add",
            "This app has no App URL registered: set one first.",
        );
    };
    let token = format!("EMU.install.{}", random_token(32));
    let now = state.now().timestamp();
    let expires_at = now + CODE_SECONDS;
    state.write(|data| {
        data.install_tokens.retain(|_, step| step.expires_at > now);
        data.install_tokens.insert(
            token_key(&token),
            InstallStep {
                app_id: app.app_id.clone(),
                instance_id: None,
                expires_at,
            },
        )
    });
    url.query_pairs_mut().append_pair("token", &token);
    Redirect::to(url.as_str()).into_response()
}

pub async fn revoke(
    Extract(state): Extract<Arc<State>>,
    Path(instance_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let found = state.write(|data| {
        let found = data.instances.contains_key(&instance_id);
        data.refresh_tokens
            .retain(|_, g| !(g.role == "app" && g.subject == instance_id));
        found
    });
    if found {
        Ok(Json(json!({})))
    } else {
        Err(ApiError::not_found(format!("No instance {instance_id}")))
    }
}
