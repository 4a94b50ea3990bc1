//! A JSON body extractor whose rejections are Wix-shaped (axum's own are plain text).
//!
//! The body must be sent as `application/json` (or a `+json` type): a `text/plain` or untyped body is
//! `415 UNSUPPORTED_MEDIA_TYPE`. Browsers send `text/plain` cross-site without asking first (no CORS preflight), so
//! accepting it would let any web page drive the emulator's JSON routes; every real client (the official
//! `@wix/sdk`, `wix-client`, `test_support::AdminClient`) sends `application/json`. The hosted pages' forms post
//! `application/x-www-form-urlencoded` to routes that do not use this extractor.

use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub struct JsonBody<T>(pub T);

/// Whether a `content-type` value names JSON: `application/json` or `application/<x>+json`, any parameters.
pub(crate) fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json") && !sub.contains('/'))
}

/// `415 UNSUPPORTED_MEDIA_TYPE`: the body is not sent as JSON.
pub(crate) fn not_json() -> ApiError {
    ApiError::application(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        "The request body must be JSON sent with `content-type: application/json`.",
    )
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json);
        if !json {
            return Err(not_json());
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::bad_json(e.body_text()))?;
        let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
            &b"{}"[..]
        } else {
            &bytes[..]
        };
        serde_json::from_slice(bytes)
            .map(JsonBody)
            .map_err(ApiError::bad_json)
    }
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn only_json_types_are_json() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("text/plain; application/json"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(!is_json("multipart/form-data"));
        assert!(!is_json(""));
    }
}
