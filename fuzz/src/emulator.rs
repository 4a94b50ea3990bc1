//! `emulator_bodies`: request bodies for the emulator's JSON (and login-form) routes, driven in-process through
//! its real router (`wix_emulator::test_support::service`, every guard and fault layer included).
//!
//! A seeded state is made once through the emulator's own routes (and again every few minutes, before its codes
//! expire): a visitor's tokens, a registered member logged in (a live session token), two authorization codes
//! from the hosted login page (one exchanged for member tokens, one left pending with its PKCE verifier), a
//! registration waiting for its emailed verification code, plus the seeded OAuth apps, Wix app and instance. Each
//! input then runs against a fresh emulator holding exactly that state.
//!
//! Input: up to 4 requests, one a line: `<route><flags><body>`. `<route>` is a letter, `a` to `r` (see
//! [`ROUTES`]); `<flags>` a digit whose bits choose the credentials (0: the route's own, 1: none, 2: the
//! visitor's token, 3: the member's token), `4` sends the body as `text/plain`, `8` adds a foreign `Origin`.
//! Placeholders in the body (`{CODE}`, `{VERIFIER}`, `{MEMBER}`, ... see [`Seeded::values`]) become the seeded
//! values.
//!
//! Invariants: nothing panics; no answer is a 5xx unless it is an injected fault (`INJECTED_FAULT`), and a body
//! breaks off only after a fault was armed; afterwards the emulator is healthy, its state export reads back, and it
//! answers a normal visitor token request (once its faults are cleared and the seeded state put back, if the input
//! armed faults or replaced the apps).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use base64::Engine;
use serde_json::{Value, json};
use sha2::Digest;
use tower::ServiceExt;
use wix_emulator::AdminToken;
use wix_emulator::test_support::{StateData, service};

/// The address the in-process emulator pretends to listen on (nothing is bound).
const HOST: &str = "127.0.0.1:8787";
const ADMIN_TOKEN: &str = "fuzz-admin-token-0123456789abcdef";
const EMAIL: &str = "fuzz.member@example.com";
const UNVERIFIED_EMAIL: &str = "fuzz.unverified@example.com";
const PASSWORD: &str = "pa55word-fuzz";
const REDIRECT: &str = "oauthdesk://callback";
const LOGIN_STATE: &str = "fuzz-login-state";
const VERIFIER: &str = "fuzz-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
/// Codes and session tokens live 10 minutes: make the seeded state again well before.
const RESEED_AFTER: Duration = Duration::from_secs(4 * 60);

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `authorization: <API key>` and `wix-site-id`.
    ApiKey,
    /// `authorization: Bearer <admin token>`.
    Admin,
    /// The visitor's access token.
    Visitor,
    /// `authorization: <visitor access token>,<API key>` (external login; other grants ignore it).
    External,
    /// A Wix app's access token (basic OAuth).
    App,
    None,
}

/// The routes fuzzed, by letter: method, path (`{APP}`, `{WIXAPP}` replaced), credentials, form body or JSON.
pub const ROUTES: &[(&str, &str, Auth, bool)] = &[
    ("POST", "/oauth-app/v1/oauth-apps", Auth::ApiKey, false), // a
    (
        "POST",
        "/oauth-app/v1/oauth-apps/query",
        Auth::ApiKey,
        false,
    ), // b
    (
        "PATCH",
        "/oauth-app/v1/oauth-apps/{APP}",
        Auth::ApiKey,
        false,
    ), // c
    ("POST", "/oauth2/token", Auth::External, false),          // d
    (
        "POST",
        "/_api/redirects-api/v1/redirect-session",
        Auth::Visitor,
        false,
    ), // e
    (
        "POST",
        "/_api/iam/authentication/v2/register",
        Auth::Visitor,
        false,
    ), // f
    (
        "POST",
        "/_api/iam/authentication/v2/login",
        Auth::Visitor,
        false,
    ), // g
    (
        "POST",
        "/_api/iam/verification/v1/auth/verify",
        Auth::Visitor,
        false,
    ), // h
    (
        "POST",
        "/_api/iam/recovery/v1/send-email",
        Auth::Visitor,
        false,
    ), // i
    ("POST", "/oauth/access", Auth::None, false),              // j
    ("POST", "/apps/v1/bi-event", Auth::App, false),           // k
    ("PUT", "/_emulator/v1/state", Auth::Admin, false),        // l
    ("PATCH", "/_emulator/v1/settings", Auth::Admin, false),   // m
    ("POST", "/_emulator/v1/faults", Auth::Admin, false),      // n
    ("POST", "/_emulator/v1/wix-apps", Auth::Admin, false),    // o
    (
        "PATCH",
        "/_emulator/v1/wix-apps/{WIXAPP}",
        Auth::Admin,
        false,
    ), // p
    ("POST", "/_emulator/v1/clock", Auth::Admin, false),       // q
    ("POST", "/oauth2/authorize", Auth::None, true),           // r
];

/// The seeded state and the values the placeholders stand for.
pub struct Seeded {
    data: StateData,
    /// The state as JSON, to put back with `PUT /_emulator/v1/state`.
    json: Vec<u8>,
    /// `(placeholder, value)`.
    pub values: Vec<(&'static str, String)>,
    made: Instant,
}

impl Seeded {
    fn value(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
}

/// What the target keeps between inputs: a runtime whose clock is paused (injected latencies pass at once), and
/// the seeded state.
pub struct Harness {
    runtime: tokio::runtime::Runtime,
    seeded: Seeded,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    pub fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("a tokio runtime");
        let seeded = runtime.block_on(seed());
        Self { runtime, seeded }
    }

    pub fn check(&mut self, data: &[u8]) {
        if self.seeded.made.elapsed() > RESEED_AFTER {
            self.seeded = self.runtime.block_on(seed());
        }
        self.runtime.block_on(run(&self.seeded, data));
    }
}

fn addr() -> SocketAddr {
    HOST.parse().expect("a socket address")
}

fn fresh(data: Option<StateData>) -> Router {
    service(
        addr(),
        AdminToken::new(ADMIN_TOKEN).expect("a valid admin token"),
        data,
    )
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    /// The body, or why it broke off.
    body: Result<Vec<u8>, String>,
}

impl Answer {
    fn json(&self) -> Value {
        self.body
            .as_ref()
            .ok()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null)
    }

    fn text(&self) -> String {
        match &self.body {
            Ok(b) => String::from_utf8_lossy(b).into_owned(),
            Err(e) => e.clone(),
        }
    }
}

async fn call(
    router: &Router,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Answer {
    let mut request = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).expect("a method"))
        .uri(path)
        .header("host", HOST);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let request = request.body(Body::from(body)).expect("a request");
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 16 << 20)
        .await
        .map(|b| b.to_vec())
        .map_err(|e| e.to_string());
    Answer {
        status,
        headers,
        body,
    }
}

fn json_type() -> (&'static str, String) {
    ("content-type", "application/json".to_owned())
}

fn admin() -> (&'static str, String) {
    ("authorization", format!("Bearer {ADMIN_TOKEN}"))
}

async fn json_call(
    router: &Router,
    method: &str,
    path: &str,
    mut headers: Vec<(&str, String)>,
    body: Value,
) -> Answer {
    headers.push(json_type());
    call(
        router,
        method,
        path,
        &headers,
        body.to_string().into_bytes(),
    )
    .await
}

/// An answer the seeding needs to succeed.
fn ok(answer: Answer, what: &str) -> Answer {
    assert!(
        answer.status.is_success() || answer.status.is_redirection(),
        "seeding: {what} answered {}: {}",
        answer.status,
        answer.text()
    );
    answer
}

fn field(answer: &Answer, pointer: &str) -> String {
    answer
        .json()
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("seeding: no {pointer} in {}", answer.text()))
        .to_owned()
}

/// Make the seeded state through the emulator's own routes.
async fn seed() -> Seeded {
    let router = fresh(None);
    let app = wix_emulator::SEEDED_APP_IDS[0];
    let admin_creds = wix_emulator::AdminCredentials::sandbox();
    let token = |body: Value| json_call(&router, "POST", "/oauth2/token", vec![], body);

    let visitor = ok(
        token(json!({"clientId": app, "grantType": "anonymous"})).await,
        "visitor tokens",
    );
    let access = field(&visitor, "/access_token");
    let refresh = field(&visitor, "/refresh_token");
    let as_visitor = || vec![("authorization", access.clone())];
    let credentials = |email: &str| json!({"loginId": {"email": email}, "password": PASSWORD});

    let registered = ok(
        json_call(
            &router,
            "POST",
            "/_api/iam/authentication/v2/register",
            as_visitor(),
            credentials(EMAIL),
        )
        .await,
        "register",
    );
    let member = field(&registered, "/identity/id");
    let logged_in = ok(
        json_call(
            &router,
            "POST",
            "/_api/iam/authentication/v2/login",
            as_visitor(),
            credentials(EMAIL),
        )
        .await,
        "login",
    );
    let session = field(&logged_in, "/sessionToken");

    // Two codes from the hosted login page, as a browser gets them.
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(VERIFIER.as_bytes()));
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", app),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "offline_access"),
            ("state", LOGIN_STATE),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("response_mode", "query"),
            ("prompt", "login"),
            ("action", "login"),
            ("email", EMAIL),
            ("password", PASSWORD),
        ])
        .finish();
    let mut codes = Vec::new();
    for _ in 0..2 {
        let answer = ok(
            call(
                &router,
                "POST",
                "/oauth2/authorize",
                &[(
                    "content-type",
                    "application/x-www-form-urlencoded".to_owned(),
                )],
                form.clone().into_bytes(),
            )
            .await,
            "the hosted login form",
        );
        let location = answer
            .headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .and_then(|l| url::Url::parse(l).ok())
            .expect("seeding: the login form redirects to the callback");
        let code = location
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .expect("seeding: a code in the callback");
        codes.push(code);
    }
    let member_tokens = ok(
        token(json!({
            "clientId": app, "grantType": "authorization_code", "code": codes[0],
            "codeVerifier": VERIFIER, "redirectUri": REDIRECT,
        }))
        .await,
        "the code exchange",
    );

    let app_token = ok(
        token(json!({
            "grant_type": "client_credentials",
            "client_id": wix_emulator::wix_apps::SEEDED_WIX_APP_ID,
            "client_secret": wix_emulator::wix_apps::SEEDED_WIX_APP_SECRET,
            "instance_id": wix_emulator::wix_apps::SEEDED_INSTANCE_ID,
        }))
        .await,
        "a Wix app token",
    );

    // A registration waiting for its emailed code.
    let settings = |on: bool| {
        json_call(
            &router,
            "PATCH",
            "/_emulator/v1/settings",
            vec![admin()],
            json!({"requireEmailVerification": on}),
        )
    };
    ok(settings(true).await, "require email verification");
    let waiting = ok(
        json_call(
            &router,
            "POST",
            "/_api/iam/authentication/v2/register",
            as_visitor(),
            credentials(UNVERIFIED_EMAIL),
        )
        .await,
        "register (to verify)",
    );
    let state_token = field(&waiting, "/stateToken");
    ok(settings(false).await, "stop requiring email verification");
    let outbox = ok(
        call(&router, "GET", "/_emulator/v1/outbox", &[admin()], vec![]).await,
        "the outbox",
    );
    let emails = outbox.json();
    let verification_code = emails["emails"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["to"] == UNVERIFIED_EMAIL)
        .and_then(|e| e["code"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("seeding: no verification code in {}", outbox.text()));

    let exported = ok(
        call(&router, "GET", "/_emulator/v1/state", &[admin()], vec![]).await,
        "the state export",
    );
    let json = exported.body.expect("seeding: the state export");
    let data: StateData = serde_json::from_slice(&json).expect("seeding: the export reads back");
    let values = vec![
        ("{APP}", app.to_owned()),
        ("{APP2}", wix_emulator::SEEDED_APP_IDS[1].to_owned()),
        ("{REDIRECT}", REDIRECT.to_owned()),
        ("{STATE}", LOGIN_STATE.to_owned()),
        ("{CHALLENGE}", challenge),
        ("{VERIFIER}", VERIFIER.to_owned()),
        ("{CODE}", codes[1].clone()),
        ("{ACCESS}", access.clone()),
        ("{REFRESH}", refresh),
        ("{MACCESS}", field(&member_tokens, "/access_token")),
        ("{MREFRESH}", field(&member_tokens, "/refresh_token")),
        ("{MEMBER}", member),
        ("{EMAIL}", EMAIL.to_owned()),
        ("{EMAIL2}", UNVERIFIED_EMAIL.to_owned()),
        ("{PASSWORD}", PASSWORD.to_owned()),
        ("{SESSION}", session),
        ("{STATE_TOKEN}", state_token),
        ("{VCODE}", verification_code),
        (
            "{WIXAPP}",
            wix_emulator::wix_apps::SEEDED_WIX_APP_ID.to_owned(),
        ),
        (
            "{WIXSECRET}",
            wix_emulator::wix_apps::SEEDED_WIX_APP_SECRET.to_owned(),
        ),
        (
            "{INSTANCE}",
            wix_emulator::wix_apps::SEEDED_INSTANCE_ID.to_owned(),
        ),
        ("{APPTOKEN}", field(&app_token, "/access_token")),
        ("{APIKEY}", admin_creds.api_key),
        ("{SITE}", admin_creds.site_id),
        (
            "{CAPTCHA}",
            wix_emulator::settings::VALID_CAPTCHA_TOKEN.to_owned(),
        ),
    ];
    Seeded {
        data,
        json,
        values,
        made: Instant::now(),
    }
}

/// One input against a fresh emulator holding the seeded state.
async fn run(seeded: &Seeded, data: &[u8]) {
    let router = fresh(Some(seeded.data.clone()));
    let mut fault_armed = false;
    for line in data.split(|b| *b == b'\n').take(4) {
        let [route, flags, body @ ..] = line else {
            continue;
        };
        let (method, path, auth, form) =
            ROUTES[usize::from(route.wrapping_sub(b'a')) % ROUTES.len()];
        let path = path
            .replace("{APP}", seeded.value("{APP}"))
            .replace("{WIXAPP}", seeded.value("{WIXAPP}"));
        let body = match std::str::from_utf8(body) {
            Ok(text) => {
                let mut text = text.to_owned();
                for (name, value) in &seeded.values {
                    text = text.replace(name, value);
                }
                text.into_bytes()
            }
            Err(_) => body.to_vec(),
        };
        let mut headers: Vec<(&str, String)> = Vec::new();
        let api_key = seeded.value("{APIKEY}");
        match (flags & 3, auth) {
            (0, Auth::ApiKey) => {
                headers.push(("authorization", api_key.to_owned()));
                headers.push(("wix-site-id", seeded.value("{SITE}").to_owned()));
            }
            (0, Auth::Admin) => headers.push(admin()),
            (0, Auth::Visitor) => {
                headers.push(("authorization", seeded.value("{ACCESS}").to_owned()))
            }
            (0, Auth::External) => headers.push((
                "authorization",
                format!("{},{api_key}", seeded.value("{ACCESS}")),
            )),
            (0, Auth::App) => {
                headers.push(("authorization", seeded.value("{APPTOKEN}").to_owned()))
            }
            (0, Auth::None) | (1, _) => {}
            (2, _) => headers.push(("authorization", seeded.value("{ACCESS}").to_owned())),
            _ => headers.push(("authorization", seeded.value("{MACCESS}").to_owned())),
        }
        let content_type = if flags & 4 != 0 {
            "text/plain"
        } else if form {
            "application/x-www-form-urlencoded"
        } else {
            "application/json"
        };
        headers.push(("content-type", content_type.to_owned()));
        if flags & 8 != 0 {
            headers.push(("origin", "http://evil.example".to_owned()));
        }
        let answer = call(&router, method, &path, &headers, body).await;
        if crate::tracing() {
            let text = answer.text();
            eprintln!(
                "{method} {path} -> {} {}",
                answer.status,
                &text[..text.floor_char_boundary(300)]
            );
        }
        let injected = answer.text().contains("INJECTED_FAULT");
        assert!(
            !answer.status.is_server_error() || injected,
            "{method} {path} answered {}: {}",
            answer.status,
            answer.text()
        );
        assert!(
            answer.body.is_ok() || fault_armed,
            "{method} {path}: the body broke off with no fault armed: {}",
            answer.text()
        );
        if path == "/_emulator/v1/faults" && answer.status.is_success() {
            fault_armed = true;
        }
    }
    still_works(&router, seeded).await;
}

/// After any input: the emulator is healthy, its state exports and reads back as what `PUT /_emulator/v1/state`
/// and the state file take, and a visitor gets tokens, if need be once its faults are cleared and the seeded state
/// is put back (the input may have armed faults or replaced the apps).
async fn still_works(router: &Router, seeded: &Seeded) {
    let health = call(router, "GET", "/_emulator/v1/health", &[admin()], vec![]).await;
    assert_eq!(health.status, StatusCode::OK, "health: {}", health.text());
    let exported = call(router, "GET", "/_emulator/v1/state", &[admin()], vec![]).await;
    assert_eq!(
        exported.status,
        StatusCode::OK,
        "export: {}",
        exported.text()
    );
    let json = exported.body.expect("the export");
    if let Err(e) = serde_json::from_slice::<StateData>(&json) {
        panic!(
            "the state export does not read back ({e}): {}",
            String::from_utf8_lossy(&json)
        );
    }
    let visitor_tokens = || {
        json_call(
            router,
            "POST",
            "/oauth2/token",
            vec![],
            json!({"clientId": seeded.value("{APP}"), "grantType": "anonymous"}),
        )
    };
    if visitor_tokens().await.status == StatusCode::OK {
        return;
    }
    let cleared = call(router, "DELETE", "/_emulator/v1/faults", &[admin()], vec![]).await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text());
    let restored = call(
        router,
        "PUT",
        "/_emulator/v1/state",
        &[admin(), json_type()],
        seeded.json.clone(),
    )
    .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text());
    let visitor = visitor_tokens().await;
    assert_eq!(
        visitor.status,
        StatusCode::OK,
        "a normal token request after the input: {}",
        visitor.text()
    );
    assert!(visitor.json()["access_token"].is_string());
}
