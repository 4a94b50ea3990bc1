//! Wix-shaped error responses.
//!
//! Wix answers failures with a status code and a body like
//! `{"message": "...", "details": {"applicationError": {"code", "description", "data"}}}` or, for bad input,
//! `{"message": "...", "details": {"validationError": {"fieldViolations": [{"field", "description", "violatedRule", "data"}]}}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A failure the emulator answers with, in Wix's shape.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: serde_json::Value,
}

impl ApiError {
    pub fn application(status: StatusCode, code: &str, description: impl Into<String>) -> Self {
        let description = description.into();
        Self {
            status,
            body: json!({
                "message": description,
                "details": {"applicationError": {"code": code, "description": description, "data": {}}}
            }),
        }
    }

    /// Bad input: one or more fields violate a rule.
    pub fn validation(violations: Vec<(String, String)>) -> Self {
        let message = violations
            .iter()
            .map(|(field, description)| format!("{field}: {description}"))
            .collect::<Vec<_>>()
            .join("; ");
        let field_violations: Vec<_> = violations
            .into_iter()
            .map(|(field, description)| {
                json!({"field": field, "description": description, "violatedRule": "VALIDATION", "data": {}})
            })
            .collect();
        Self {
            status: StatusCode::BAD_REQUEST,
            body: json!({
                "message": message,
                "details": {"validationError": {"fieldViolations": field_violations}}
            }),
        }
    }

    /// One bad field, with the `data.type` the SDK looks for (e.g. `EMAIL` → its `invalidEmail`).
    pub fn field_violation(field: &str, description: &str, kind: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: json!({
                "message": format!("{field}: {description}"),
                "details": {"validationError": {"fieldViolations": [
                    {"field": field, "description": description, "violatedRule": "FORMAT", "data": {"type": kind}}
                ]}}
            }),
        }
    }

    pub fn invalid(field: &str, description: impl Into<String>) -> Self {
        Self::validation(vec![(field.to_owned(), description.into())])
    }

    pub fn unauthenticated(description: &str) -> Self {
        Self::application(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", description)
    }

    pub fn permission_denied(description: &str) -> Self {
        Self::application(StatusCode::FORBIDDEN, "PERMISSION_DENIED", description)
    }

    pub fn not_found(description: impl Into<String>) -> Self {
        Self::application(StatusCode::NOT_FOUND, "NOT_FOUND", description)
    }

    /// The body could not be read as the JSON the route expects.
    pub fn bad_json(reason: impl std::fmt::Display) -> Self {
        Self::application(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            format!("Malformed request body: {reason}"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// What `start` can fail with.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The address could not be bound (in use, or not allowed).
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The state file exists but could not be read or parsed.
    #[error("could not load emulator state from {path}: {reason}")]
    State { path: String, reason: String },
    /// The state file could not be written (the changes stay in memory; the emulator keeps trying).
    #[error(
        "could not write emulator state to {path}: {reason}; the changes are kept in memory and written at the next try (check the disk space and the folder's permissions)"
    )]
    Save { path: String, reason: String },
    /// The emulator could not start for a reason of its own (a task or thread failed).
    #[error("the emulator could not start: {0}")]
    Startup(String),
}
