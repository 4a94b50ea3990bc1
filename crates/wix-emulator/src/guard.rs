//! What keeps web pages out of the emulator: it listens on loopback, and any page the user opens in a browser can
//! send requests there, so every request is checked before a route sees it.
//!
//! - **Host** (every route): only `127.0.0.1:<port>`, `localhost:<port>` and `[::1]:<port>` (and the bound address
//!   itself, when bound to one specific address), where `<port>` is the listening port. Anything else is
//!   `421 MISDIRECTED_REQUEST`: a DNS-rebinding page (`evil.example` resolving to 127.0.0.1) names its own host.
//! - **Origin** (every `POST`, `PUT`, `PATCH` and `DELETE`, and every method on `/_emulator/v1`): when a browser
//!   sends an `Origin` that is not the emulator's own (`http://127.0.0.1:<port>`, `http://localhost:<port>`), the
//!   request is `403 FORBIDDEN_ORIGIN`. No `Origin` at all is a non-browser client, and passes. The hosted pages'
//!   forms post to their own origin, so they pass.
//! - **Admin token** (`/_emulator/v1/*`): `authorization: Bearer <token>`, compared in constant time; the token is
//!   random per run unless configured ([`crate::EmulatorConfig::admin_token`]). Without it: `401 UNAUTHENTICATED`
//!   with a body that says how to authenticate. `--open-admin` ([`crate::EmulatorConfig::open_admin`]) serves these
//!   routes without a token (Host and Origin still apply).
//! - **Framing**: every HTML answer carries `Content-Security-Policy: frame-ancestors 'none'` and
//!   `X-Frame-Options: DENY`, except the `web_message` answer page, which may be framed by the one origin it
//!   posts to.
//!
//! JSON bodies must be sent as `application/json` (see `json_body`), so a cross-site `text/plain` form post cannot
//! reach a JSON route without a preflight.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State as Extract};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The secret that opens `/_emulator/v1`. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(String);

impl AdminToken {
    /// A fixed token (e.g. from `--admin-token`). It must be 16 to 512 visible ASCII characters (it travels in a
    /// header).
    pub fn new(token: impl Into<String>) -> Result<Self, String> {
        let token = token.into();
        if !(16..=512).contains(&token.len()) {
            return Err("the admin token must be 16 to 512 characters long".to_owned());
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(
                "the admin token must be visible ASCII characters (no spaces or control characters)"
                    .to_owned(),
            );
        }
        Ok(Self(token))
    }

    /// A fresh random token: 32 random bytes, base64url (43 characters).
    pub fn generate() -> Self {
        use base64::Engine;
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The token itself (to hand to a client; never log it).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this token, in time that does not depend on where they differ (both are hashed
    /// first, so not on the length either).
    fn matches(&self, candidate: &str) -> bool {
        use sha2::Digest;
        let a = sha2::Sha256::digest(self.0.as_bytes());
        let b = sha2::Sha256::digest(candidate.as_bytes());
        let diff = a
            .iter()
            .zip(b.iter())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y));
        std::hint::black_box(diff) == 0
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

/// Who may reach the emulator, once it knows its address.
#[derive(Debug)]
pub struct Access {
    /// Accepted `Host` values (`host:port`, lower case).
    hosts: Vec<String>,
    /// Accepted `Origin` values (`http://host:port`, lower case).
    origins: Vec<String>,
    token: AdminToken,
    open_admin: bool,
}

impl Access {
    pub fn new(addr: SocketAddr, token: AdminToken, open_admin: bool) -> Self {
        let port = addr.port();
        let mut hosts = vec![
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ];
        let ip = addr.ip();
        if !ip.is_unspecified() && !ip.is_loopback() {
            hosts.push(match ip {
                IpAddr::V4(v4) => format!("{v4}:{port}"),
                IpAddr::V6(v6) => format!("[{v6}]:{port}"),
            });
        }
        let origins = hosts.iter().map(|h| format!("http://{h}")).collect();
        Self {
            hosts,
            origins,
            token,
            open_admin,
        }
    }

    pub fn token(&self) -> &AdminToken {
        &self.token
    }

    /// Whether `origin` (an `Origin` header value) is the emulator's own.
    pub fn own_origin(&self, origin: &str) -> bool {
        self.origins.contains(&origin.trim().to_ascii_lowercase())
    }

    fn host_ok(&self, request: &Request) -> bool {
        let header = request.headers().get(header::HOST);
        let authority = request.uri().authority().map(|a| a.as_str());
        if header.is_none() && authority.is_none() {
            return false;
        }
        let known = |value: &str| self.hosts.contains(&value.trim().to_ascii_lowercase());
        header.is_none_or(|h| h.to_str().is_ok_and(known)) && authority.is_none_or(known)
    }

    /// `Some(refusal)` when the request carries an `Origin` that is not the emulator's own.
    fn foreign_origin(&self, headers: &HeaderMap) -> Option<Response> {
        let origins = headers.get_all(header::ORIGIN);
        let foreign = origins
            .iter()
            .any(|o| !o.to_str().is_ok_and(|o| self.own_origin(o)));
        foreign.then(|| {
            ApiError::application(
                StatusCode::FORBIDDEN,
                "FORBIDDEN_ORIGIN",
                "The Wix emulator refuses requests that change things from web pages of other origins (the \
                 Origin header is not this emulator's own).",
            )
            .into_response()
        })
    }
}

/// Middleware on every route: the Host check, and the Origin check on methods that change things.
pub async fn guard(
    Extract(access): Extract<Arc<Access>>,
    request: Request,
    next: Next,
) -> Response {
    if !access.host_ok(&request) {
        return ApiError::application(
            StatusCode::MISDIRECTED_REQUEST,
            "MISDIRECTED_REQUEST",
            "The Wix emulator only answers requests addressed to it by a loopback name: use \
             http://127.0.0.1:<port>/ or http://localhost:<port>/ (the Host header named another host or port).",
        )
        .into_response();
    }
    let changes = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if changes && let Some(refusal) = access.foreign_origin(request.headers()) {
        return refusal;
    }
    next.run(request).await
}

/// Route layer on `/_emulator/v1/*`: no foreign Origin on any method, no cross-site fetch, and the admin token.
pub async fn admin(
    Extract(access): Extract<Arc<Access>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(refusal) = access.foreign_origin(request.headers()) {
        return refusal;
    }
    let cross_site = request
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !matches!(v.trim(), "same-origin" | "none"));
    if cross_site {
        return ApiError::application(
            StatusCode::FORBIDDEN,
            "FORBIDDEN_ORIGIN",
            "The Wix emulator's admin routes cannot be called from web pages of other origins.",
        )
        .into_response();
    }
    if !access.open_admin {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            });
        if !presented.is_some_and(|t| access.token.matches(t)) {
            let mut response = ApiError::unauthenticated(
                "The emulator-only routes (/_emulator/v1) need the emulator's admin token: send \
                 `authorization: Bearer <admin token>`. The wix-emulator program prints it at start (or set it \
                 with --admin-token, or serve these routes without one with --open-admin); in-process, it is \
                 RunningEmulator::admin_token(), and test_support::AdminClient::of(&emulator) sends it for you.",
            )
            .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"wix-emulator\""),
            );
            return response;
        }
    }
    // Any body sent to an admin route is JSON, so a `text/plain` one (what a page can send cross-site without
    // asking) is refused here even on routes that read no body.
    let headers = request.headers();
    let has_body = headers.contains_key(header::CONTENT_TYPE)
        || headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(crate::json_body::is_json);
    if has_body && !json {
        return crate::json_body::not_json().into_response();
    }
    next.run(request).await
}

/// Middleware on every route: HTML answers may not be framed (clickjacking), unless they set their own
/// `frame-ancestors`.
pub async fn frame_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    if html
        && !response
            .headers()
            .contains_key(header::CONTENT_SECURITY_POLICY)
    {
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}
