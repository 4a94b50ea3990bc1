//! Fault injection for tests (emulator-only): make the next N requests to a route slow, fail, or break.
//!
//! `POST /_emulator/v1/faults` with `{"path": "/oauth2/token", "method": "POST"?, "times": 1, "fault": F}` where F is
//! one of `{"kind": "latency", "ms": 500}` (then served normally), `{"kind": "status", "status": 503}`,
//! `{"kind": "status", "status": 429, "retryAfter": 2}`, `{"kind": "malformedJson"}` (200 with a broken body), or
//! `{"kind": "drop"}` (the connection breaks after the headers, as when a network dies mid-response).
//! `GET` lists what is armed; `DELETE` disarms everything.
//!
//! Limits (a refused fault is a 400 and arms nothing): `times` 1–1,000, `ms` ≤ 60,000, `status` 400–599,
//! `retryAfter` ≤ 86,400 seconds, at most 100 faults armed at once, `path` ≤ 2,048 characters.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State as Extract};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::json_body::JsonBody;
use crate::state::State;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum FaultKind {
    Latency {
        ms: u64,
    },
    Status {
        status: u16,
        #[serde(rename = "retryAfter", skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    MalformedJson,
    Drop,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// The exact request path, e.g. `/oauth2/token`.
    pub path: String,
    /// Only this method, if given.
    #[serde(default)]
    pub method: Option<String>,
    /// For how many of the next matching requests (default 1).
    #[serde(default = "one")]
    pub times: u32,
    pub fault: FaultKind,
}

fn one() -> u32 {
    1
}

/// The most requests one fault may apply to.
pub const MAX_TIMES: u32 = 1_000;
/// The longest injected latency: 60 seconds.
pub const MAX_LATENCY_MS: u64 = 60_000;
/// The longest `Retry-After`: one day.
pub const MAX_RETRY_AFTER_SECONDS: u64 = 86_400;
/// The most faults armed at once.
pub const MAX_ARMED: usize = 100;

fn check(fault: &Fault) -> Result<(), ApiError> {
    if !fault.path.starts_with('/')
        || fault.path.starts_with("/_emulator")
        || fault.path.len() > 2048
    {
        return Err(ApiError::invalid(
            "path",
            "must be a Wix route path starting with / of at most 2,048 characters (emulator routes cannot fail)",
        ));
    }
    if fault
        .method
        .as_ref()
        .is_some_and(|m| m.is_empty() || m.len() > 16)
    {
        return Err(ApiError::invalid("method", "must be an HTTP method name"));
    }
    if !(1..=MAX_TIMES).contains(&fault.times) {
        return Err(ApiError::invalid(
            "times",
            format!("must be from 1 to {MAX_TIMES}"),
        ));
    }
    match fault.fault {
        FaultKind::Latency { ms } if ms > MAX_LATENCY_MS => Err(ApiError::invalid(
            "fault.ms",
            format!("must be at most {MAX_LATENCY_MS} (60 seconds)"),
        )),
        FaultKind::Status { status, .. } if !(400..=599).contains(&status) => Err(
            ApiError::invalid("fault.status", "must be an HTTP error status (400–599)"),
        ),
        FaultKind::Status {
            retry_after: Some(seconds),
            ..
        } if seconds > MAX_RETRY_AFTER_SECONDS => Err(ApiError::invalid(
            "fault.retryAfter",
            format!("must be at most {MAX_RETRY_AFTER_SECONDS} seconds"),
        )),
        _ => Ok(()),
    }
}

pub async fn arm(
    Extract(state): Extract<Arc<State>>,
    JsonBody(fault): JsonBody<Fault>,
) -> Result<Json<Value>, ApiError> {
    check(&fault)?;
    let mut faults = state.faults.lock().unwrap_or_else(|e| e.into_inner());
    if faults.len() >= MAX_ARMED {
        return Err(ApiError::invalid(
            "fault",
            format!("at most {MAX_ARMED} faults may be armed at once: clear some first"),
        ));
    }
    faults.push(fault);
    Ok(Json(json!({"faults": *faults})))
}

pub async fn list(Extract(state): Extract<Arc<State>>) -> Json<Value> {
    Json(json!({"faults": *state.faults.lock().unwrap_or_else(|e| e.into_inner())}))
}

pub async fn clear(Extract(state): Extract<Arc<State>>) -> Json<Value> {
    state
        .faults
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clear();
    Json(json!({}))
}

/// Take one use of the first fault armed for this request, if any.
fn take(state: &State, method: &str, path: &str) -> Option<FaultKind> {
    let mut faults = state.faults.lock().unwrap_or_else(|e| e.into_inner());
    let index = faults.iter().position(|f| {
        f.path == path
            && f.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    })?;
    let kind = faults[index].fault.clone();
    faults[index].times = faults[index].times.saturating_sub(1);
    if faults[index].times == 0 {
        faults.remove(index);
    }
    Some(kind)
}

/// Middleware: apply an armed fault to the request, or pass it through.
pub async fn inject(Extract(state): Extract<Arc<State>>, request: Request, next: Next) -> Response {
    let fault = {
        let path = request.uri().path();
        if path.starts_with("/_emulator") {
            None
        } else {
            take(&state, request.method().as_str(), path)
        }
    };
    match fault {
        None => next.run(request).await,
        Some(FaultKind::Latency { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(request).await
        }
        Some(FaultKind::Status {
            status,
            retry_after,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut response = ApiError::application(
                status,
                "INJECTED_FAULT",
                format!("Injected by the emulator: {status}"),
            )
            .into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        Some(FaultKind::MalformedJson) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"access_token\": \"trunc",
        )
            .into_response(),
        Some(FaultKind::Drop) => {
            // Let the route run (a create really happens), then break the body: the client cannot know the outcome.
            let _ = next.run(request).await;
            let broken = futures::stream::once(async {
                Err::<axum::body::Bytes, _>(std::io::Error::other(
                    "connection dropped by the emulator",
                ))
            });
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_LENGTH, "64")
                .body(Body::from_stream(broken))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}
