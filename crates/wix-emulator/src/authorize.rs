//! Redirect sessions and the hosted login page: how a member signs in through the browser.
//!
//! - `POST /_api/redirects-api/v1/redirect-session` (`@wix/redirects` `createRedirectSession`, called with a visitor
//!   or member token): `{"auth": {"authRequest": {...PKCE params}, "prompt"}}` for login, or
//!   `{"logout": {"clientId"}, "callbacks": {"postFlowUrl"}}` for logout. Answers
//!   `{"redirectSession": {"id", "fullUrl", "urlDetails": {"endpoint", "searchParams"}}}`.
//! - `GET /oauth2/authorize?client_id&redirect_uri&response_type=code&state&code_challenge&code_challenge_method=S256
//!   &response_mode&prompt[&sessionToken]`: the login `fullUrl`. With `prompt=none` and a live `sessionToken` it
//!   redirects at once with a code (the docs' direct-login path); otherwise it shows the login form. With the
//!   setting [`crate::settings::Settings::authorize_with_page`], `prompt=none` answers `200` with a page whose
//!   script submits a form (`action=session` and the same parameters) to `POST /oauth2/authorize`, which redeems
//!   the session token and redirects with the code: loading the page spends nothing.
//! - `POST /oauth2/authorize` (the form): log in, sign up, enter an emailed code, or cancel. Success redirects to
//!   the exact redirect URI with `code` and `state` in the fragment or query (per `response_mode`), or, for
//!   `web_message`, answers a page that posts `{code, state}` to its parent; refusal redirects with `error` and
//!   `error_description`.
//! - `GET /oauth2/logout?client_id&postFlowUrl`: the logout `fullUrl`; redirects to `postFlowUrl` when the OAuth
//!   app allows it (one of its `allowedRedirectUris`, or a host in its `allowedRedirectDomains`); otherwise the page
//!   says so and goes nowhere.
//! - `web_message` needs an `http(s)` redirect URI the app allows: the answer page posts to that URI's origin
//!   only (never `*`), and only that origin may frame it.
//!
//! Choices where Wix's behaviour is not knowable from here: a redirect URI that is not exactly in the OAuth app's
//! `allowedRedirectUris` fails when the session is created (400, naming the string to register) and again on the
//! page; an unpublished site (emulator setting) fails session creation with `SITE_NOT_PUBLISHED`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::json_body::JsonBody;
use crate::members::{self, Refusal, Step, caller_client};
use crate::page::{self, escape};
use crate::settings::VALID_CAPTCHA_TOKEN;
use crate::state::{State, random_token, token_key};
use crate::tokens::AuthCode;

/// Authorization codes live 10 minutes, as Wix documents.
pub const CODE_SECONDS: i64 = 10 * 60;

/// The parameters of an authorization request, as they travel in the authorize URL and the login form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    response_mode: Option<String>,
    prompt: Option<String>,
    #[serde(rename = "sessionToken")]
    session_token: Option<String>,
}

impl AuthParams {
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("response_type", &self.response_type),
            ("scope", &self.scope),
            ("state", &self.state),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
            ("response_mode", &self.response_mode),
            ("prompt", &self.prompt),
            ("sessionToken", &self.session_token),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }

    fn mode(&self) -> &str {
        self.response_mode.as_deref().unwrap_or("fragment")
    }
}

/// Where the answer goes, once the client and redirect URI are known to be good.
struct Target {
    client_id: String,
    redirect_uri: Option<String>,
    mode: String,
    state: Option<String>,
    /// For `web_message`: the one origin the answer page posts to (and that may frame it).
    message_origin: Option<String>,
}

/// Why a `web_message` login has nowhere to post.
const WEB_MESSAGE_ORIGIN: &str = "response_mode web_message needs a redirect_uri that is an http(s) URL in the OAuth app's allowed redirect URIs: the answer is posted to its origin only.";

fn not_allowed_message(uri: &str) -> String {
    format!(
        "The redirect URI {uri} is not in this OAuth app's allowed redirect URIs. Add exactly this string to the app."
    )
}

/// Check what must hold before anything may be sent to the redirect URI.
fn target(state: &State, params: &AuthParams) -> Result<Target, (StatusCode, String)> {
    let client_id = params
        .client_id
        .clone()
        .ok_or((StatusCode::BAD_REQUEST, "client_id is missing.".to_owned()))?;
    let data = state.read();
    let app = data.apps.get(&client_id).ok_or((
        StatusCode::BAD_REQUEST,
        "Unknown or deleted OAuth app client ID.".to_owned(),
    ))?;
    let mode = params.mode().to_owned();
    if !["fragment", "query", "web_message"].contains(&mode.as_str()) {
        return Err((
            StatusCode::BAD_REQUEST,
            format!("response_mode {mode} is not one of fragment, query, web_message."),
        ));
    }
    let message_origin = match &params.redirect_uri {
        Some(uri) if !app.app.allowed_redirect_uris.contains(uri) => {
            return Err((StatusCode::BAD_REQUEST, not_allowed_message(uri)));
        }
        None => {
            return Err((
                StatusCode::BAD_REQUEST,
                "redirect_uri is missing.".to_owned(),
            ));
        }
        Some(uri) if mode == "web_message" => Some(
            crate::oauth_apps::allowed_origin(&app.app, uri)
                .ok_or((StatusCode::BAD_REQUEST, WEB_MESSAGE_ORIGIN.to_owned()))?,
        ),
        Some(_) => None,
    };
    Ok(Target {
        client_id,
        redirect_uri: params.redirect_uri.clone(),
        mode,
        state: params.state.clone(),
        message_origin,
    })
}

/// Send `pairs` to the client: to the redirect URI (fragment or query) or, for `web_message`, to the parent window.
fn deliver(target: &Target, mut pairs: Vec<(&str, String)>) -> Response {
    if let Some(state) = &target.state {
        pairs.push(("state", state.clone()));
    }
    if target.mode == "web_message" {
        // `target()` made sure of an allowed origin; without one nothing is posted.
        let Some(origin) = target.message_origin.as_deref() else {
            return page::message(
                StatusCode::BAD_REQUEST,
                "Cannot sign in",
                WEB_MESSAGE_ORIGIN,
            );
        };
        let Ok(frame_policy) = HeaderValue::from_str(&format!("frame-ancestors {origin}")) else {
            return page::message(
                StatusCode::BAD_REQUEST,
                "Cannot sign in",
                WEB_MESSAGE_ORIGIN,
            );
        };
        let message: serde_json::Map<String, Value> = pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v)))
            .collect();
        let json = Value::Object(message).to_string().replace("</", "<\\/");
        let target_origin = Value::String(origin.to_owned())
            .to_string()
            .replace("</", "<\\/");
        let body = format!(
            "<!doctype html><html><body><script>window.parent.postMessage({json}, {target_origin});</script></body></html>"
        );
        return (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (header::CONTENT_SECURITY_POLICY, frame_policy),
            ],
            body,
        )
            .into_response();
    }
    let uri = target.redirect_uri.as_deref().unwrap_or_default();
    let Ok(mut url) = url::Url::parse(uri) else {
        return page::message(
            StatusCode::BAD_REQUEST,
            "Bad redirect URI",
            &format!("{uri} is not an absolute URL."),
        );
    };
    if target.mode == "query" {
        url.query_pairs_mut()
            .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
    } else {
        let fragment = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        url.set_fragment(Some(&fragment));
    }
    Redirect::to(url.as_str()).into_response()
}

fn refuse(target: &Target, error: &str, description: &str) -> Response {
    deliver(
        target,
        vec![
            ("error", error.to_owned()),
            ("error_description", description.to_owned()),
        ],
    )
}

/// A new single-use code for `member_id`, bound to the request's client, redirect URI and PKCE challenge.
fn issue_code(state: &State, target: &Target, params: &AuthParams, member_id: &str) -> String {
    let code = format!("EMU.code.{}", random_token(32));
    let stored = AuthCode {
        client_id: target.client_id.clone(),
        member_id: member_id.to_owned(),
        redirect_uri: target.redirect_uri.clone(),
        code_challenge: params.code_challenge.clone().unwrap_or_default(),
        expires_at: state.now().timestamp() + CODE_SECONDS,
    };
    state.write(|data| data.codes.insert(token_key(&code), stored));
    code
}

/// Turn a live session token into its member ID, once.
fn redeem_session(state: &State, session_token: &str) -> Option<String> {
    let now = state.now().timestamp();
    state.write(|data| {
        let session = data.sessions.remove(&token_key(session_token))?;
        (session.expires_at > now && data.members.contains_key(&session.member_id))
            .then_some(session.member_id)
    })
}

pub async fn authorize(
    Extract(state): Extract<Arc<State>>,
    Query(params): Query<AuthParams>,
) -> Response {
    let target = match target(&state, &params) {
        Ok(target) => target,
        Err((status, message)) => return page::message(status, "Cannot sign in", &message),
    };
    if let Some(problem) = pkce_problem(&params) {
        return refuse(&target, "invalid_request", problem);
    }
    if params.prompt.as_deref() == Some("none") {
        if state.read().settings.authorize_with_page {
            return authorize_page(&params);
        }
        return match params
            .session_token
            .as_deref()
            .and_then(|t| redeem_session(&state, t))
        {
            Some(member) => {
                let code = issue_code(&state, &target, &params, &member);
                deliver(&target, vec![("code", code)])
            }
            None => refuse(
                &target,
                "login_required",
                "prompt=none needs a live session token from a login",
            ),
        };
    }
    login_form(&state, &params, None, StatusCode::OK)
}

/// The script of the auto-submitting authorize page; the page's CSP allows this script (by its hash) and no other.
const SUBMIT_SCRIPT: &str = "document.forms[0].submit();";

/// The page a `prompt=none` load answers with when [`crate::settings::Settings::authorize_with_page`] is on: a form
/// holding the request's parameters and `action=session`, submitted by the page's one script (a button when
/// scripts are off). Nothing is redeemed until the form arrives.
fn authorize_page(params: &AuthParams) -> Response {
    use base64::Engine;
    use sha2::Digest;
    let hash =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(SUBMIT_SCRIPT));
    let body = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-{hash}'; form-action *">
<title>Signing in · Wix emulator</title></head>
<body><p>Local Wix emulator (not Wix): signing you in…</p>
<form method="post" action="/oauth2/authorize" data-testid="authorize-page-form">
{hidden}
<input type="hidden" name="action" value="session">
<noscript><button type="submit">Continue</button></noscript>
</form>
<script>{SUBMIT_SCRIPT}</script>
</body></html>"#,
        hidden = hidden_fields(params),
    );
    Html(body).into_response()
}

fn pkce_problem(params: &AuthParams) -> Option<&'static str> {
    if params.response_type.as_deref().unwrap_or("code") != "code" {
        Some("response_type must be code")
    } else if params.code_challenge.as_deref().is_none_or(str::is_empty) {
        Some("code_challenge is required (PKCE)")
    } else if params.code_challenge_method.as_deref() != Some("S256") {
        Some("code_challenge_method must be S256")
    } else {
        None
    }
}

fn hidden_fields(params: &AuthParams) -> String {
    params
        .pairs()
        .into_iter()
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                escape(k),
                escape(v)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn login_form(
    state: &State,
    params: &AuthParams,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let captcha = if state.read().settings.require_captcha {
        r#"<label><input type="checkbox" name="captcha" value="yes" data-testid="captcha"> I am not a robot</label>"#
    } else {
        ""
    };
    let error = error
        .map(|e| {
            format!(
                r#"<p class="error" role="alert" data-testid="login-error">{}</p>"#,
                escape(e)
            )
        })
        .unwrap_or_default();
    let body = format!(
        r#"{error}
<form method="post" action="/oauth2/authorize" data-testid="login-form">
{hidden}
<label>Email <input type="email" name="email" autocomplete="username" required data-testid="email"></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required data-testid="password"></label>
{captcha}
<button type="submit" name="action" value="login" data-testid="login">Log in</button>
<button type="submit" name="action" value="register" data-testid="register">Sign up</button>
<button type="submit" name="action" value="cancel" formnovalidate data-testid="cancel">Cancel</button>
</form>
<p class="note">New here? Enter an email and a password and choose “Sign up”.</p>"#,
        hidden = hidden_fields(params),
    );
    (status, Html(page::layout("Log in", &body))).into_response()
}

fn verify_form(params: &AuthParams, state_token: &str, error: Option<&str>) -> Response {
    let error = error
        .map(|e| {
            format!(
                r#"<p class="error" role="alert" data-testid="login-error">{}</p>"#,
                escape(e)
            )
        })
        .unwrap_or_default();
    let body = format!(
        r#"{error}
<p>We emailed you a 6-digit code.</p>
<form method="post" action="/oauth2/authorize" data-testid="verify-form">
{hidden}
<input type="hidden" name="state_token" value="{state_token}">
<label>Code <input name="code" inputmode="numeric" autocomplete="one-time-code" required data-testid="code"></label>
<button type="submit" name="action" value="verify" data-testid="verify">Verify</button>
<button type="submit" name="action" value="cancel" formnovalidate data-testid="cancel">Cancel</button>
</form>"#,
        hidden = hidden_fields(params),
        state_token = escape(state_token),
    );
    Html(page::layout("Verify your email", &body)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(flatten)]
    params: AuthParams,
    action: Option<String>,
    email: Option<String>,
    password: Option<String>,
    captcha: Option<String>,
    code: Option<String>,
    state_token: Option<String>,
}

pub async fn submit(
    Extract(state): Extract<Arc<State>>,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let params = &form.params;
    let target = match target(&state, params) {
        Ok(target) => target,
        Err((status, message)) => return page::message(status, "Cannot sign in", &message),
    };
    if let Some(problem) = pkce_problem(params) {
        return refuse(&target, "invalid_request", problem);
    }
    let captcha = form
        .captcha
        .is_some()
        .then(|| json!([{ "Recaptcha": VALID_CAPTCHA_TOKEN }]));
    let email = form.email.as_deref().unwrap_or_default();
    let password = form.password.as_deref().unwrap_or_default();
    let outcome = match form.action.as_deref().unwrap_or("login") {
        "cancel" => return refuse(&target, "access_denied", "The member cancelled the login"),
        // The auto-submitting authorize page's form: the session token becomes a code now.
        "session" if params.prompt.as_deref() == Some("none") => {
            return match params
                .session_token
                .as_deref()
                .and_then(|t| redeem_session(&state, t))
            {
                Some(member) => {
                    let code = issue_code(&state, &target, params, &member);
                    deliver(&target, vec![("code", code)])
                }
                None => refuse(
                    &target,
                    "login_required",
                    "prompt=none needs a live session token from a login",
                ),
            };
        }
        "register" => members::register(&state, email, password, None, captcha.as_ref()),
        "verify" => {
            let state_token = form.state_token.as_deref().unwrap_or_default();
            match members::verify(
                &state,
                form.code.as_deref().unwrap_or_default(),
                state_token,
            ) {
                Err(refusal) => return verify_form(params, state_token, Some(refusal.message())),
                ok => ok,
            }
        }
        _ => members::login(&state, email, password, captcha.as_ref()),
    };
    match outcome {
        Ok(Step::Success { session_token, .. }) => match redeem_session(&state, &session_token) {
            Some(member) => {
                let code = issue_code(&state, &target, params, &member);
                deliver(&target, vec![("code", code)])
            }
            None => login_form(
                &state,
                params,
                Some("The session ended; log in again."),
                StatusCode::OK,
            ),
        },
        Ok(Step::VerifyEmail { state_token }) => verify_form(params, &state_token, None),
        Ok(Step::OwnerApproval) => refuse(
            &target,
            "access_denied",
            "The site owner must approve this member before they can log in",
        ),
        Err(refusal @ (Refusal::WrongPassword | Refusal::MemberNotFound)) => login_form(
            &state,
            params,
            Some(refusal.message()),
            StatusCode::UNAUTHORIZED,
        ),
        Err(refusal) => login_form(
            &state,
            params,
            Some(refusal.message()),
            StatusCode::BAD_REQUEST,
        ),
    }
}

#[derive(Debug, Deserialize)]
pub struct LogoutParams {
    client_id: Option<String>,
    #[serde(rename = "postFlowUrl")]
    post_flow_url: Option<String>,
}

pub async fn logout(
    Extract(state): Extract<Arc<State>>,
    Query(params): Query<LogoutParams>,
) -> Response {
    let app = params
        .client_id
        .as_ref()
        .and_then(|c| state.read().apps.get(c).map(|a| a.app.clone()));
    let Some(app) = app else {
        return page::message(
            StatusCode::BAD_REQUEST,
            "Cannot log out",
            "Unknown or deleted OAuth app client ID.",
        );
    };
    match params.post_flow_url {
        Some(url) if crate::oauth_apps::redirect_allowed(&app, &url) => {
            Redirect::to(&url).into_response()
        }
        Some(_) => page::message(
            StatusCode::BAD_REQUEST,
            "Logged out",
            "You are logged out, but this page does not go back to the site: postFlowUrl is not one of the OAuth \
             app's allowed redirect URIs or domains.",
        ),
        None => page::message(
            StatusCode::OK,
            "Logged out",
            "You are logged out of this site.",
        ),
    }
}

/// `POST /_api/redirects-api/v1/redirect-session`.
pub async fn create_redirect_session(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    caller_client(&state, &headers)?;
    let (endpoint, params): SessionUrl = if let Some(auth) = body.get("auth") {
        login_session(&state, auth)?
    } else if let Some(logout) = body.get("logout") {
        let client = logout
            .get("clientId")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::invalid("logout.clientId", "is required"))?;
        if !state.read().apps.contains_key(client) {
            return Err(ApiError::invalid(
                "logout.clientId",
                "is not an OAuth app of this site",
            ));
        }
        let mut params = vec![("client_id".to_owned(), client.to_owned())];
        if let Some(url) = body
            .pointer("/callbacks/postFlowUrl")
            .and_then(Value::as_str)
        {
            if url::Url::parse(url).is_err() {
                return Err(ApiError::invalid(
                    "callbacks.postFlowUrl",
                    "is not an absolute URL",
                ));
            }
            params.push(("postFlowUrl".to_owned(), url.to_owned()));
        }
        ("oauth2/logout", params)
    } else {
        return Err(ApiError::invalid(
            "auth",
            "the emulator serves login (auth) and logout redirect sessions only",
        ));
    };
    let endpoint = state.url(endpoint);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish();
    let search: serde_json::Map<String, Value> = params
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    Ok(Json(json!({
        "redirectSession": {
            "id": uuid::Uuid::new_v4().to_string(),
            "fullUrl": format!("{endpoint}?{query}"),
            "urlDetails": {"endpoint": endpoint, "searchParams": search},
        }
    })))
}

/// A redirect session's target: the emulator path and its query parameters.
type SessionUrl = (&'static str, Vec<(String, String)>);

fn login_session(state: &State, auth: &Value) -> Result<SessionUrl, ApiError> {
    let request = auth
        .get("authRequest")
        .ok_or_else(|| ApiError::invalid("auth.authRequest", "is required"))?;
    let text = |name: &str| request.get(name).and_then(Value::as_str).map(str::to_owned);
    let field = |name: &str| format!("auth.authRequest.{name}");
    let client_id =
        text("clientId").ok_or_else(|| ApiError::invalid(&field("clientId"), "is required"))?;
    let data = state.read();
    let app = data
        .apps
        .get(&client_id)
        .ok_or_else(|| ApiError::invalid(&field("clientId"), "is not an OAuth app of this site"))?;
    if !data.settings.site_published {
        return Err(ApiError::application(
            StatusCode::BAD_REQUEST,
            "SITE_NOT_PUBLISHED",
            "The site is not published, so members cannot log in yet: publish the site, then try again",
        ));
    }
    let mode = text("responseMode").unwrap_or_else(|| "fragment".to_owned());
    if !["fragment", "query", "web_message"].contains(&mode.as_str()) {
        return Err(ApiError::invalid(
            &field("responseMode"),
            "must be fragment, query or web_message",
        ));
    }
    let redirect_uri = text("redirectUri");
    match &redirect_uri {
        Some(uri) if !app.app.allowed_redirect_uris.contains(uri) => {
            return Err(ApiError::invalid(
                &field("redirectUri"),
                not_allowed_message(uri),
            ));
        }
        None => {
            return Err(ApiError::invalid(&field("redirectUri"), "is required"));
        }
        Some(uri)
            if mode == "web_message"
                && crate::oauth_apps::allowed_origin(&app.app, uri).is_none() =>
        {
            return Err(ApiError::invalid(&field("redirectUri"), WEB_MESSAGE_ORIGIN));
        }
        _ => {}
    }
    if text("codeChallengeMethod").as_deref() != Some("S256") {
        return Err(ApiError::invalid(
            &field("codeChallengeMethod"),
            "must be S256",
        ));
    }
    if text("codeChallenge").is_none_or(|c| c.is_empty()) {
        return Err(ApiError::invalid(
            &field("codeChallenge"),
            "is required (PKCE)",
        ));
    }
    if text("responseType").is_some_and(|t| t != "code") {
        return Err(ApiError::invalid(&field("responseType"), "must be code"));
    }
    let prompt = auth
        .get("prompt")
        .and_then(Value::as_str)
        .unwrap_or("login");
    if !["login", "none"].contains(&prompt) {
        return Err(ApiError::invalid("auth.prompt", "must be login or none"));
    }
    let mut params = vec![("client_id".to_owned(), client_id)];
    if let Some(uri) = redirect_uri {
        params.push(("redirect_uri".to_owned(), uri));
    }
    params.push(("response_type".to_owned(), "code".to_owned()));
    params.push((
        "scope".to_owned(),
        text("scope").unwrap_or_else(|| "offline_access".to_owned()),
    ));
    for (name, key) in [("state", "state"), ("codeChallenge", "code_challenge")] {
        if let Some(value) = text(name) {
            params.push((key.to_owned(), value));
        }
    }
    params.push(("code_challenge_method".to_owned(), "S256".to_owned()));
    params.push(("response_mode".to_owned(), mode));
    params.push(("prompt".to_owned(), prompt.to_owned()));
    if let Some(token) = text("sessionToken") {
        params.push(("sessionToken".to_owned(), token));
    }
    Ok(("oauth2/authorize", params))
}
