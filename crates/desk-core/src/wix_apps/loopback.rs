//! The App URL and Redirect URL of advanced profiles, served on 127.0.0.1 at each profile's fixed port.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State as Extract};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::install::RedirectParams;
use super::{InstallOutcome, WixAppEvent, WixAppProfile, WixApps};
use crate::error::{CoreError, Result};

/// The running servers, by profile, and why a profile's server is not running.
#[derive(Default)]
pub(super) struct Servers {
    running: Mutex<HashMap<String, tokio::task::JoinHandle<()>>>,
    failed: Mutex<HashMap<String, String>>,
}

impl Servers {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, tokio::task::JoinHandle<()>>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.failed.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn listening(&self, profile_id: &str) -> bool {
        self.lock()
            .get(profile_id)
            .is_some_and(|s| !s.is_finished())
    }

    /// Why the profile's server could not start (its port was taken), to show with what to do.
    pub fn failure(&self, profile_id: &str) -> Option<String> {
        self.failures().get(profile_id).cloned()
    }

    pub fn stop(&self, profile_id: &str) {
        self.failures().remove(profile_id);
        if let Some(server) = self.lock().remove(profile_id) {
            server.abort();
        }
    }

    fn insert(&self, profile_id: &str, task: tokio::task::JoinHandle<()>) {
        self.failures().remove(profile_id);
        if let Some(old) = self.lock().insert(profile_id.to_owned(), task) {
            old.abort();
        }
    }

    fn failed(&self, profile_id: &str, why: String) {
        self.failures().insert(profile_id.to_owned(), why);
    }
}

/// A free loopback port, to fix for a new advanced profile.
pub(super) fn free_port() -> Result<u16> {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|source| CoreError::Io {
            action: "find a free port for",
            path: "127.0.0.1".into(),
            source,
        })
}

impl WixApps {
    /// Serve a profile's App URL and Redirect URL on its port.
    pub(super) async fn serve(self: &Arc<Self>, profile: &WixAppProfile) -> Result<()> {
        let Some(port) = profile.port else {
            return Ok(());
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => listener,
            Err(e) => {
                let error = CoreError::PortInUse {
                    port,
                    reason: e.to_string(),
                };
                self.servers.failed(&profile.id, error.to_string());
                return Err(error);
            }
        };
        let router = axum::Router::new()
            .route("/app", get(app_url))
            .route("/redirect", get(redirect_url))
            .layer(axum::middleware::from_fn_with_state(
                port,
                only_loopback_hosts,
            ))
            .with_state((self.clone(), profile.id.clone()));
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::warn!("the App URL server stopped: {e}");
            }
        });
        self.servers.insert(&profile.id, task);
        Ok(())
    }
}

type ServerState = (Arc<WixApps>, String);

/// Any web page can send requests to a loopback port, and DNS rebinding can make one look same-origin: only
/// requests addressed to `127.0.0.1:<port>` or `localhost:<port>` are served.
async fn only_loopback_hosts(
    Extract(port): Extract<u16>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let host = request
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if host == format!("127.0.0.1:{port}")
        || host.eq_ignore_ascii_case(&format!("localhost:{port}"))
    {
        next.run(request).await
    } else {
        (
            axum::http::StatusCode::MISDIRECTED_REQUEST,
            "This is OAuth Desk's App URL server; it answers only to 127.0.0.1.",
        )
            .into_response()
    }
}

#[derive(Deserialize)]
struct AppParams {
    token: Option<String>,
}

/// The App URL: Wix sends the user here with `token`; send them on to the installer with a fresh state.
async fn app_url(
    Extract((apps, profile_id)): Extract<ServerState>,
    Query(params): Query<AppParams>,
) -> Response {
    let Some(token) = params.token.filter(|t| !t.is_empty()) else {
        return page(
            "Cannot install",
            "The App URL was opened without a token: start from “Add app” on Wix.",
        );
    };
    match apps.start_install(&profile_id, &token) {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(e) => page("Cannot install", &e.to_string()),
    }
}

/// The Redirect URL: check the state, exchange the code, keep the refresh token, and close the install window.
async fn redirect_url(
    Extract((apps, profile_id)): Extract<ServerState>,
    Query(params): Query<RedirectParams>,
) -> Response {
    // A state this server never issued is anyone's request: refused with no event, so no web page can push
    // messages into the window.
    if !apps
        .installs
        .issued(&profile_id, params.state.as_deref().unwrap_or_default())
    {
        return page(
            "Install aborted",
            "This install was not started from OAuth Desk's App URL (or it was already finished); nothing was stored.",
        );
    }
    let result = apps.finish_install(&profile_id, &params).await;
    let outcome = |ok, instance_id, message: String| {
        WixAppEvent::Installed(InstallOutcome {
            profile_id: profile_id.clone(),
            instance_id,
            ok,
            message,
        })
    };
    match result {
        Ok((instance_id, close)) => {
            let _ = apps.events.send(outcome(
                true,
                Some(instance_id),
                "Installed: the refresh token is in the OS keyring.".into(),
            ));
            Redirect::to(close.as_str()).into_response()
        }
        Err(e) => {
            let message = e.to_string();
            let _ = apps
                .events
                .send(outcome(false, params.instance_id.clone(), message.clone()));
            page("Install aborted", &message)
        }
    }
}

fn page(title: &str, text: &str) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>{t}</title><h1>{t}</h1><p>{x}</p><p>OAuth Desk</p>",
        t = escape(title),
        x = escape(text)
    ))
    .into_response()
}
