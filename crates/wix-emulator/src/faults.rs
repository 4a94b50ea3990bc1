//! Fault injection for tests (emulator-only): make the next N requests to a route slow, fail, or break.
//!
//! `POST /_emulator/v1/faults` with `{"path": "/oauth2/token", "method": "POST"?, "times": 1, "fault": F}` where F is
//! one of `{"kind": "latency", "ms": 500}` (then served normally), `{"kind": "status", "status": 503}`,
//! `{"kind": "status", "status": 429, "retryAfter": 2}`, `{"kind": "malformedJson"}` (200 with a broken body), or
//! `{"kind": "drop"}` (the connection breaks after the headers, as when a network dies mid-response).
//! `GET` lists what is armed; `DELETE` disarms everything.

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

pub async fn arm(
    Extract(state): Extract<Arc<State>>,
    JsonBody(fault): JsonBody<Fault>,
) -> Result<Json<Value>, ApiError> {
    if !fault.path.starts_with('/') || fault.path.starts_with("/_emulator") {
        return Err(ApiError::invalid(
            "path",
            "must be a Wix route path starting with / (emulator routes cannot fail)",
        ));
    }
    if let FaultKind::Status { status, .. } = fault.fault
        && StatusCode::from_u16(status).is_err()
    {
        return Err(ApiError::invalid("fault.status", "is not an HTTP status"));
    }
    let mut faults = state.faults.lock().unwrap_or_else(|e| e.into_inner());
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
