//! What every call shares: one reqwest client (rustls, no redirects followed, timeouts), retries with
//! exponential backoff and jitter for idempotent calls only, Wix error bodies parsed, and a request log with no
//! secret in it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;
use vault::Secret;

use crate::error::{Error, FieldError, Result, WixError};

/// Where and how to call Wix.
#[derive(Clone)]
pub struct ClientConfig {
    /// `https://www.wixapis.com/`, or the emulator's base URL.
    pub base_url: Url,
    /// For the whole of one attempt.
    pub timeout: Duration,
    /// Extra attempts for idempotent calls after a 5xx, a 429 or a connection failure.
    pub retries: u32,
    /// The first backoff; it doubles per attempt, with jitter. A 429's `Retry-After` wins when longer.
    pub backoff: Duration,
    /// Told about every request (for a timeline); never sees headers, bodies or query values.
    pub observer: Option<Arc<dyn RequestObserver>>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            base_url: Url::parse("https://www.wixapis.com/").expect("valid URL"),
            timeout: Duration::from_secs(20),
            retries: 2,
            backoff: Duration::from_millis(250),
            observer: None,
        }
    }
}

impl ClientConfig {
    pub fn with_base_url(base_url: Url) -> Self {
        Self {
            base_url,
            ..Self::default()
        }
    }
}

/// One finished request, safe to show and log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    pub method: String,
    /// The path only: no query string (it can carry IDs and codes).
    pub path: String,
    /// `None` when no answer came.
    pub status: Option<u16>,
    pub millis: u64,
    pub request_id: Option<String>,
    /// Which attempt this was (1 = first).
    pub attempt: u32,
}

pub trait RequestObserver: Send + Sync {
    fn on_request(&self, record: &RequestRecord);
}

impl<F: Fn(&RequestRecord) + Send + Sync> RequestObserver for F {
    fn on_request(&self, record: &RequestRecord) {
        self(record)
    }
}

/// Admin credentials for a project: an API key and the site or account it addresses.
#[derive(Debug, Clone)]
pub struct AdminAuth {
    pub api_key: Secret,
    pub scope: Scope,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Site(String),
    Account(String),
}

impl AdminAuth {
    pub fn site(api_key: Secret, site_id: &str) -> Self {
        Self {
            api_key,
            scope: Scope::Site(site_id.to_owned()),
        }
    }

    pub fn account(api_key: Secret, account_id: &str) -> Self {
        Self {
            api_key,
            scope: Scope::Account(account_id.to_owned()),
        }
    }

    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let request = request.header("authorization", self.api_key.expose());
        match &self.scope {
            Scope::Site(id) => request.header("wix-site-id", id),
            Scope::Account(id) => request.header("wix-account-id", id),
        }
    }
}

/// What one load of a page answered (see `Http::load_once`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Loaded {
    /// A redirect to this URL.
    Redirect(Url),
    /// A page (2xx) with this status.
    Page { status: u16 },
}

/// Whether a call may be sent again when its answer is an error or lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// GET, query, token refresh: sending twice does no harm.
    Idempotent,
    /// Create, delete, code exchange: never sent twice.
    Once,
}

#[derive(Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    config: ClientConfig,
}

impl Http {
    pub(crate) fn new(config: ClientConfig) -> Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("oauth-desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Setup(e.to_string()))?;
        Ok(Self { client, config })
    }

    pub(crate) fn base_url(&self) -> &Url {
        &self.config.base_url
    }

    fn host(&self) -> String {
        self.config
            .base_url
            .host_str()
            .unwrap_or("the server")
            .to_owned()
    }

    /// Send a JSON request with admin auth and decode the JSON answer.
    pub(crate) async fn admin<T: DeserializeOwned>(
        &self,
        auth: &AdminAuth,
        method: Method,
        path: &str,
        body: Option<&Value>,
        retry: Retry,
    ) -> Result<T> {
        self.send(method, path, body, retry, |r| auth.apply(r))
            .await
    }

    /// Send a JSON request (with whatever headers `prepare` adds) and decode the JSON answer.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        retry: Retry,
        prepare: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<T> {
        let url = self
            .config
            .base_url
            .join(path)
            .map_err(|e| Error::Setup(e.to_string()))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = prepare(self.client.request(method.clone(), url.clone()));
            if let Some(body) = body {
                request = request.json(body);
            }
            let started = Instant::now();
            let outcome = request.send().await;
            let millis = started.elapsed().as_millis() as u64;
            let (status, request_id) = match &outcome {
                Ok(r) => (Some(r.status().as_u16()), header(r, "x-wix-request-id")),
                Err(_) => (None, None),
            };
            self.observe(RequestRecord {
                method: method.to_string(),
                path: url.path().to_owned(),
                status,
                millis,
                request_id,
                attempt,
            });
            let may_retry = retry == Retry::Idempotent && attempt <= self.config.retries;
            let response = match outcome {
                Ok(response) => response,
                Err(e) if may_retry && (e.is_connect() || e.is_timeout() || e.is_request()) => {
                    tokio::time::sleep(self.backoff(attempt, None)).await;
                    continue;
                }
                Err(e) => return Err(self.transport_error(e)),
            };
            let status = response.status();
            if may_retry && (status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS) {
                let retry_after =
                    header(&response, "retry-after").and_then(|v| v.parse::<u64>().ok());
                tokio::time::sleep(self.backoff(attempt, retry_after.map(Duration::from_secs)))
                    .await;
                continue;
            }
            let request_id = header(&response, "x-wix-request-id");
            let bytes = match response.bytes().await {
                Ok(bytes) => bytes,
                Err(e) if may_retry => {
                    tracing::debug!("reading the answer failed ({e}); retrying");
                    tokio::time::sleep(self.backoff(attempt, None)).await;
                    continue;
                }
                Err(e) => return Err(self.transport_error(e)),
            };
            if !status.is_success() {
                return Err(Error::Wix(parse_error(status, &bytes, request_id)));
            }
            return match serde_json::from_slice(&bytes) {
                Ok(value) => Ok(value),
                Err(_) if may_retry => {
                    tokio::time::sleep(self.backoff(attempt, None)).await;
                    continue;
                }
                Err(e) => Err(Error::Decode(e.to_string())),
            };
        }
    }

    /// Load `url` once without following it (e.g. a `prompt=none` login, whose redirect carries the code): where
    /// it redirects, or that it answered with a page (2xx; the body is not read). Any other answer is the error
    /// it carries. The URL is on the Wix side, so it may be absolute and on another host.
    pub(crate) async fn load_once(&self, url: Url) -> Result<Loaded> {
        let started = Instant::now();
        let response = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status();
        self.observe(RequestRecord {
            method: "GET".into(),
            path: url.path().to_owned(),
            status: Some(status.as_u16()),
            millis: started.elapsed().as_millis() as u64,
            request_id: header(&response, "x-wix-request-id"),
            attempt: 1,
        });
        if status.is_success() {
            return Ok(Loaded::Page {
                status: status.as_u16(),
            });
        }
        if !status.is_redirection() {
            let request_id = header(&response, "x-wix-request-id");
            let bytes = response.bytes().await.unwrap_or_default();
            return Err(Error::Wix(parse_error(status, &bytes, request_id)));
        }
        let location = header(&response, "location")
            .ok_or_else(|| Error::Decode("a redirect without a Location".into()))?;
        url.join(&location)
            .map(Loaded::Redirect)
            .map_err(|e| Error::Decode(format!("the redirect is not a URL: {e}")))
    }

    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        use rand::Rng;
        let base = self.config.backoff * 2u32.saturating_pow(attempt.saturating_sub(1));
        let jitter = rand::thread_rng().gen_range(0.5..1.5);
        let backoff = base.mul_f64(jitter);
        // Honour Retry-After, but never wait past the call's own timeout.
        retry_after
            .map_or(backoff, |ra| ra.max(backoff))
            .min(self.config.timeout)
    }

    fn transport_error(&self, e: reqwest::Error) -> Error {
        if e.is_timeout() {
            Error::Timeout {
                host: self.host(),
                seconds: self.config.timeout.as_secs(),
            }
        } else {
            // reqwest's Display includes the URL; the host is enough and carries nothing secret.
            let reason = e.without_url().to_string();
            Error::Network {
                host: self.host(),
                reason,
            }
        }
    }

    fn observe(&self, record: RequestRecord) {
        tracing::debug!(method = %record.method, path = %record.path, status = ?record.status, ms = record.millis, "wix request");
        if let Some(observer) = &self.config.observer {
            observer.on_request(&record);
        }
    }
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Read a Wix error body; anything unparseable still gives the status and a short excerpt.
fn parse_error(status: StatusCode, body: &[u8], request_id: Option<String>) -> WixError {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let details = &value["details"];
    let code = details["applicationError"]["code"]
        .as_str()
        .map(str::to_owned);
    let violations: Vec<FieldError> = details["validationError"]["fieldViolations"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|v| FieldError {
                    field: v["field"]
                        .as_str()
                        .unwrap_or_default()
                        .trim_start_matches("oAuthApp.")
                        .to_owned(),
                    message: v["description"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    let message = value["message"]
        .as_str()
        .or_else(|| details["applicationError"]["description"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    WixError {
        status: status.as_u16(),
        code,
        message,
        violations,
        request_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wix_error_bodies_are_parsed_with_field_names_relative_to_the_app() {
        let body = br#"{"message":"bad","details":{"validationError":{"fieldViolations":[{"field":"oAuthApp.name","description":"too short"}]}}}"#;
        let e = parse_error(StatusCode::BAD_REQUEST, body, Some("req-1".into()));
        assert_eq!(
            e.violations,
            [FieldError {
                field: "name".into(),
                message: "too short".into()
            }]
        );
        assert_eq!(e.request_id.as_deref(), Some("req-1"));
        let e = parse_error(
            StatusCode::FORBIDDEN,
            br#"{"details":{"applicationError":{"code":"PERMISSION_DENIED","description":"no"}}}"#,
            None,
        );
        assert_eq!(
            (e.code.as_deref(), e.message.as_str()),
            (Some("PERMISSION_DENIED"), "no")
        );
        assert!(e.to_string().contains("Manage OAuth Apps"));
        let e = parse_error(StatusCode::BAD_GATEWAY, b"<html>", None);
        assert_eq!(e.message, "Bad Gateway");
    }

    #[test]
    fn backoff_grows_honours_retry_after_and_stays_under_the_timeout() {
        let http = Http::new(ClientConfig::default()).unwrap();
        let first = http.backoff(1, None);
        assert!(
            first >= Duration::from_millis(125) && first <= Duration::from_millis(375),
            "{first:?}"
        );
        assert!(http.backoff(1, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        assert!(http.backoff(1, Some(Duration::from_secs(3600))) <= Duration::from_secs(20));
    }

    #[test]
    fn admin_auth_debug_hides_the_key() {
        let auth = AdminAuth::site(Secret::from("IST.super-secret"), "site");
        assert!(!format!("{auth:?}").contains("super-secret"));
    }
}
