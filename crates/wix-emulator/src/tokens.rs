//! `POST /oauth2/token`: visitor and member tokens for OAuth apps (the SDK's `OAuthStrategy`).
//!
//! Grants:
//! - `anonymous` `{clientId}`: a new visitor.
//! - `refresh_token` `{clientId, refreshToken}`: a new access token for a stored refresh token; the refresh token
//!   itself is returned unchanged, as the SDK expects (it keeps the old one).
//! - `authorization_code` `{clientId, code, codeVerifier, redirectUri}`: member tokens for a code from the hosted
//!   login page. The code is single use (any attempt spends it), lives 10 minutes, and needs the same client, the
//!   exact redirect URI of the authorization request and the PKCE verifier (`S256`).
//! - `authorized_client` `{grant_type, member_id, scope}` with `authorization: <visitor access token>,<API key>`
//!   (external login; snake_case, as the SDK sends it): member tokens for an existing member. With
//!   `session_token` (and no `scope`: external login *with session*), the session token from
//!   `POST /_api/iam/authentication/v2/sign-on` is redeemed too: it must be live, unused and the member's.
//!
//! Bodies use camelCase keys; snake_case is accepted too. Failures are 400 with `invalid_grant`,
//! `invalid_client` or `unsupported_grant_type` in `applicationError.code`, or 401 for a wrong API key.
//!
//! Access tokens are JWT-shaped (`header.payload.signature`, base64url JSON) so tools can decode their claims,
//! issued by `wix-emulator` and signed with HMAC-SHA256 and the state's own random key: obviously local, proving
//! nothing outside the emulator. Visitor access tokens last 4 hours (`expires_in: 14400`), as Wix documents.
//!
//! Visitor tokens are not stored: the access token's signed claims (client ID, role, expiry) are all the emulator
//! checks, and the refresh token is `EMU.refresh.<claims>.<signature>` (client ID and visitor). So a million
//! anonymous grants add nothing to the state file. They die with their OAuth app, and all at once at a reset (a
//! new key). Member and app tokens are stored (by hash), so they can be revoked one by one.

use std::sync::Arc;

use axum::Json;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::json_body::JsonBody;
use crate::state::{Data, SigningKey, State, random_token, token_key};

/// Visitor (and, in the emulator, member) access tokens: 4 hours.
pub const VISITOR_TOKEN_SECONDS: i64 = 4 * 60 * 60;

/// The role of a visitor's grant (signed tokens, not stored).
pub const VISITOR: &str = "visitor";

/// What the signatures of access tokens and of visitor refresh tokens are made for (never interchangeable).
const ACCESS_PURPOSE: &str = "wix-emulator access token";
const REFRESH_PURPOSE: &str = "wix-emulator visitor refresh token";

/// Visitor refresh tokens start with this (as every refresh token of the emulator's OAuth apps).
const REFRESH_PREFIX: &str = "EMU.refresh.";

/// Longer tokens are not even decoded.
const MAX_SIGNED_TOKEN_LEN: usize = 4096;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// An authorization code waiting to be exchanged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthCode {
    pub client_id: String,
    pub member_id: String,
    pub redirect_uri: Option<String>,
    pub code_challenge: String,
    /// Unix seconds.
    pub expires_at: i64,
}

fn invalid_grant(description: &str) -> ApiError {
    ApiError::application(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// What a token stands for, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub client_id: String,
    /// `visitor` or `member`.
    pub role: String,
    pub subject: String,
    /// Unix seconds; refresh tokens do not expire.
    pub expires_at: Option<i64>,
}

pub async fn token(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let field = |camel: &str, snake: &str| {
        body.get(camel)
            .or_else(|| body.get(snake))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let grant_type = field("grantType", "grant_type")
        .ok_or_else(|| ApiError::invalid("grantType", "is required"))?;
    if grant_type == "client_credentials" {
        return crate::wix_apps::client_credentials(&state, &body).map(Json);
    }
    if grant_type == "authorized_client" {
        let member_id = field("memberId", "member_id")
            .ok_or_else(|| ApiError::invalid("member_id", "is required"))?;
        let session_token = field("sessionToken", "session_token");
        return authorized_client(&state, &headers, &member_id, session_token.as_deref()).map(Json);
    }
    let client_id = field("clientId", "client_id")
        .ok_or_else(|| ApiError::invalid("clientId", "is required"))?;
    if !state.read().apps.contains_key(&client_id) {
        return Err(ApiError::application(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "Unknown or deleted OAuth app client ID",
        ));
    }
    match grant_type.as_str() {
        "anonymous" => {
            let subject = format!("visitor:{}", uuid::Uuid::new_v4());
            Ok(Json(issue(&state, &client_id, VISITOR, &subject, None)))
        }
        "refresh_token" => {
            let refresh = field("refreshToken", "refresh_token")
                .ok_or_else(|| ApiError::invalid("refreshToken", "is required"))?;
            let grant = {
                let data = state.read();
                data.refresh_tokens
                    .get(&token_key(&refresh))
                    .cloned()
                    .or_else(|| visitor_refresh_grant(&data, &refresh))
            };
            match grant {
                Some(grant) if grant.client_id == client_id => Ok(Json(issue(
                    &state,
                    &client_id,
                    &grant.role,
                    &grant.subject,
                    Some(refresh),
                ))),
                _ => Err(ApiError::application(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The refresh token is unknown, revoked, or belongs to another client",
                )),
            }
        }
        "authorization_code" => {
            let code =
                field("code", "code").ok_or_else(|| ApiError::invalid("code", "is required"))?;
            let verifier = field("codeVerifier", "code_verifier")
                .ok_or_else(|| ApiError::invalid("codeVerifier", "is required"))?;
            let redirect_uri = field("redirectUri", "redirect_uri");
            let now = state.now().timestamp();
            // Any attempt spends the code, right or wrong: a code is good for one try only.
            let stored = state.write(|data| {
                let key = token_key(&code);
                let stored = data.codes.get(&key)?;
                (stored.client_id == client_id).then(|| data.codes.remove(&key))?
            });
            let stored = stored.ok_or_else(|| {
                invalid_grant(
                    "The authorization code is unknown, already used, or for another client",
                )
            })?;
            if stored.expires_at <= now {
                return Err(invalid_grant(
                    "The authorization code expired (codes live 10 minutes): sign in again",
                ));
            }
            if stored.redirect_uri != redirect_uri {
                return Err(invalid_grant(
                    "redirectUri differs from the one in the authorization request",
                ));
            }
            if pkce_challenge(&verifier) != stored.code_challenge {
                return Err(invalid_grant(
                    "codeVerifier does not match the code challenge",
                ));
            }
            if !state.read().members.contains_key(&stored.member_id) {
                return Err(invalid_grant("The member no longer exists"));
            }
            Ok(Json(issue(
                &state,
                &client_id,
                "member",
                &stored.member_id,
                None,
            )))
        }
        other => Err(ApiError::application(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("{other} is not a supported grant type"),
        )),
    }
}

/// `BASE64URL(SHA256(verifier))` without padding (RFC 7636, S256): the same digest the state keys tokens by.
pub fn pkce_challenge(verifier: &str) -> String {
    token_key(verifier)
}

/// The OAuth app an `authorization: <access token>,<API key>` caller (external login, sign-on) acts for, after
/// checking both halves.
pub fn vouched_client(state: &State, headers: &HeaderMap) -> Result<String, ApiError> {
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (access, key) = header.split_once(',').ok_or_else(|| {
        ApiError::unauthenticated(
            "External login needs `authorization: <visitor access token>,<API key>`",
        )
    })?;
    if key.trim() != state.admin.api_key {
        return Err(ApiError::unauthenticated("Invalid API key"));
    }
    let mut access_only = HeaderMap::new();
    if let Ok(value) = access.trim().parse() {
        access_only.insert("authorization", value);
    }
    crate::members::caller_client(state, &access_only)
}

/// External login: `authorization: <visitor access token>,<API key>` and the member's ID (and, with session, the
/// sign-on's session token, spent here).
fn authorized_client(
    state: &State,
    headers: &HeaderMap,
    member_id: &str,
    session_token: Option<&str>,
) -> Result<Value, ApiError> {
    let client_id = vouched_client(state, headers)?;
    if let Some(token) = session_token {
        let now = state.now().timestamp();
        let session = state.write(|data| data.sessions.remove(&token_key(token)));
        match session {
            Some(s) if s.expires_at > now && s.member_id == member_id => {}
            _ => {
                return Err(invalid_grant(
                    "The session token is unknown, used, expired, or another member's: sign on again",
                ));
            }
        }
    }
    let active = state
        .read()
        .members
        .get(member_id)
        .map(|m| m.status == "ACTIVE");
    match active {
        Some(true) => Ok(issue(state, &client_id, "member", member_id, None)),
        Some(false) => Err(ApiError::application(
            StatusCode::FORBIDDEN,
            "MEMBER_NOT_ACTIVE",
            "The member is waiting for the owner's approval",
        )),
        None => Err(ApiError::not_found(format!(
            "No member with ID {member_id}"
        ))),
    }
}

/// Mint an access token (and a refresh token, unless one is being reused). Member tokens are stored; visitor
/// ones are signed and stored nowhere.
fn issue(
    state: &State,
    client_id: &str,
    role: &str,
    subject: &str,
    refresh: Option<String>,
) -> Value {
    let now = state.now().timestamp();
    let expires_at = now + VISITOR_TOKEN_SECONDS;
    let key = state.read().signing_key.clone();
    let access = signed_jwt(
        &key,
        &json!({
            "iss": "wix-emulator (local; not a Wix token)",
            "sub": subject,
            "role": role,
            "clientId": client_id,
            "iat": now,
            "exp": expires_at,
            "jti": random_token(16),
        }),
    );
    let visitor = role == VISITOR;
    let refresh = refresh.unwrap_or_else(|| {
        if visitor {
            visitor_refresh_token(&key, client_id, subject)
        } else {
            format!("{REFRESH_PREFIX}{}", random_token(48))
        }
    });
    if !visitor {
        let grant = |expires_at| Grant {
            client_id: client_id.to_owned(),
            role: role.to_owned(),
            subject: subject.to_owned(),
            expires_at,
        };
        state.write(|data| {
            data.access_tokens
                .insert(token_key(&access), grant(Some(expires_at)));
            data.refresh_tokens.insert(token_key(&refresh), grant(None));
        });
    }
    json!({
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": VISITOR_TOKEN_SECONDS,
        "token_type": "Bearer",
        "scope": "offline_access",
    })
}

/// `header.payload.signature`: base64url JSON, and the key's HMAC of `header.payload`.
fn signed_jwt(key: &SigningKey, claims: &Value) -> String {
    let b64 = |v: &Value| B64.encode(v.to_string());
    let signed = format!(
        "{}.{}",
        b64(&json!({"alg": "HS256", "typ": "JWT", "kid": "wix-emulator"})),
        b64(claims)
    );
    let signature = B64.encode(key.sign(ACCESS_PURPOSE, signed.as_bytes()));
    format!("{signed}.{signature}")
}

/// The claims of a visitor access token that matter here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessClaims {
    role: String,
    client_id: String,
    exp: i64,
}

/// The OAuth app a visitor access token acts for, if this state signed it, it is live at `now` and its app still
/// exists. Anything else (a stored member token, a forged or expired one) is `None`.
pub fn visitor_client(data: &Data, token: &str, now: i64) -> Option<String> {
    if token.len() > MAX_SIGNED_TOKEN_LEN {
        return None;
    }
    let (signed, signature) = token.rsplit_once('.')?;
    let signature = B64.decode(signature).ok()?;
    if !data
        .signing_key
        .verify(ACCESS_PURPOSE, signed.as_bytes(), &signature)
    {
        return None;
    }
    let (_, payload) = signed.split_once('.')?;
    let claims: AccessClaims = serde_json::from_slice(&B64.decode(payload).ok()?).ok()?;
    (claims.role == VISITOR && claims.exp > now && data.apps.contains_key(&claims.client_id))
        .then_some(claims.client_id)
}

/// The claims of a visitor refresh token.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefreshClaims {
    client_id: String,
    sub: String,
}

/// `EMU.refresh.<base64url claims>.<base64url signature>`: a visitor's refresh token, which never expires (as
/// stored ones do not).
fn visitor_refresh_token(key: &SigningKey, client_id: &str, subject: &str) -> String {
    let claims = RefreshClaims {
        client_id: client_id.to_owned(),
        sub: subject.to_owned(),
    };
    let payload = B64.encode(serde_json::to_vec(&claims).expect("claims serialise"));
    let signature = B64.encode(key.sign(REFRESH_PURPOSE, payload.as_bytes()));
    format!("{REFRESH_PREFIX}{payload}.{signature}")
}

/// The grant a visitor refresh token stands for, if this state signed it.
fn visitor_refresh_grant(data: &Data, token: &str) -> Option<Grant> {
    if token.len() > MAX_SIGNED_TOKEN_LEN {
        return None;
    }
    let (payload, signature) = token.strip_prefix(REFRESH_PREFIX)?.split_once('.')?;
    let signature = B64.decode(signature).ok()?;
    if !data
        .signing_key
        .verify(REFRESH_PURPOSE, payload.as_bytes(), &signature)
    {
        return None;
    }
    let claims: RefreshClaims = serde_json::from_slice(&B64.decode(payload).ok()?).ok()?;
    Some(Grant {
        client_id: claims.client_id,
        role: VISITOR.to_owned(),
        subject: claims.sub,
        expires_at: None,
    })
}
