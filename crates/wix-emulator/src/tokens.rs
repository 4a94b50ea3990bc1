//! `POST /oauth2/token`: visitor and member tokens for OAuth apps (the SDK's `OAuthStrategy`).
//!
//! Grants served so far: `anonymous` (a new visitor) and `refresh_token` (a new access token for a stored refresh
//! token; the refresh token itself is returned unchanged, as the SDK expects — it keeps the old one). Bodies use
//! camelCase keys (`clientId`, `grantType`, `refreshToken`); snake_case is accepted too.
//!
//! Tokens are JWT-shaped (`header.payload.signature`, base64url JSON) so tools can decode their claims, issued by
//! `wix-emulator` and signed with nothing: they are obviously local and prove nothing outside the emulator.
//! Visitor access tokens last 4 hours (`expires_in: 14400`), as Wix documents.

use std::sync::Arc;

use axum::Json;
use axum::extract::State as Extract;
use axum::http::StatusCode;
use base64::Engine;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::json_body::JsonBody;
use crate::state::{State, random_token};

/// Visitor access tokens: 4 hours.
pub const VISITOR_TOKEN_SECONDS: i64 = 4 * 60 * 60;

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
            Ok(Json(issue(&state, &client_id, "visitor", &subject, None)))
        }
        "refresh_token" => {
            let refresh = field("refreshToken", "refresh_token")
                .ok_or_else(|| ApiError::invalid("refreshToken", "is required"))?;
            let grant = state.read().refresh_tokens.get(&refresh).cloned();
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
        other => Err(ApiError::invalid(
            "grantType",
            format!("{other} is not a supported grant type"),
        )),
    }
}

/// Mint an access token (and a refresh token, unless one is being reused) and remember both.
fn issue(
    state: &State,
    client_id: &str,
    role: &str,
    subject: &str,
    refresh: Option<String>,
) -> Value {
    let now = Utc::now().timestamp();
    let expires_at = now + VISITOR_TOKEN_SECONDS;
    let access = jwt(json!({
        "iss": "wix-emulator (local; not a Wix token)",
        "sub": subject,
        "role": role,
        "clientId": client_id,
        "iat": now,
        "exp": expires_at,
        "jti": random_token(16),
    }));
    let refresh = refresh.unwrap_or_else(|| format!("EMU.refresh.{}", random_token(48)));
    let grant = |expires_at| Grant {
        client_id: client_id.to_owned(),
        role: role.to_owned(),
        subject: subject.to_owned(),
        expires_at,
    };
    state.write(|data| {
        data.access_tokens
            .insert(access.clone(), grant(Some(expires_at)));
        data.refresh_tokens.insert(refresh.clone(), grant(None));
    });
    json!({
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": VISITOR_TOKEN_SECONDS,
        "token_type": "Bearer",
        "scope": "offline_access",
    })
}

fn jwt(claims: Value) -> String {
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        b64(&json!({"alg": "none", "typ": "JWT", "kid": "wix-emulator"})),
        b64(&claims),
        "bG9jYWw"
    )
}
