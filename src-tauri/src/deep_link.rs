//! Deep links: how the system browser hands a sign-in result back to the app.
//!
//! On Linux and Windows, opening `oauthdesk://callback?...` starts a *second* process with the URL as its only
//! argument. The single-instance plugin (registered first, with its `deep-link` feature) passes that argv to the
//! running instance and the second process exits; a cold start with the URL as argv is read from the deep-link
//! plugin's `get_current()`. Both paths end in [`DeepLinkInbox::receive`].
//!
//! Anyone can start the binary with any argv, so a deep link proves nothing by itself. Here it is only checked for
//! shape (our scheme, host `callback`, a code/state or an error) and recorded *without its query values*; the
//! member sign-in flow accepts a callback only for a pending login state, once, before its deadline.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use url::Url;

/// The longest deep link looked at; anything longer is rejected unread.
pub const MAX_URL_BYTES: usize = 8 * 1024;
/// How many deep links the inbox remembers for the diagnostics panel.
const RECENT: usize = 20;

/// How a deep link reached this instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum DeepLinkSource {
    /// The app was started with the URL as its argument.
    ColdStart,
    /// A second launch forwarded the URL to this running instance.
    SecondInstance,
}

/// What the shape check made of a deep link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DeepLinkVerdict {
    /// Looks like an OAuth callback (it carries `code` and `state`, or an `error`).
    Callback,
    /// Not a callback of ours; `reason` says why.
    Rejected { reason: String },
}

/// One received deep link, safe to show and log: the query and fragment values are replaced by `…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeepLinkRecord {
    /// RFC 3339 time of arrival.
    pub received_at: String,
    pub source: DeepLinkSource,
    /// The URL with every parameter value redacted.
    pub redacted_url: String,
    pub verdict: DeepLinkVerdict,
}

/// Emitted to the UI whenever a deep link arrives.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct DeepLinkReceived(pub DeepLinkRecord);

/// The deep links this instance has received, newest first.
pub struct DeepLinkInbox {
    scheme: String,
    recent: Mutex<VecDeque<DeepLinkRecord>>,
}

impl DeepLinkInbox {
    pub fn new(scheme: impl Into<String>) -> Self {
        Self {
            scheme: scheme.into(),
            recent: Mutex::default(),
        }
    }

    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Check a raw deep link, remember it (redacted) and return the record.
    pub fn receive(&self, raw: &str, source: DeepLinkSource, now: String) -> DeepLinkRecord {
        let (redacted_url, verdict) = inspect(raw, &self.scheme);
        let record = DeepLinkRecord {
            received_at: now,
            source,
            redacted_url,
            verdict,
        };
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.push_front(record.clone());
        recent.truncate(RECENT);
        record
    }

    pub fn recent(&self) -> Vec<DeepLinkRecord> {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.iter().cloned().collect()
    }
}

/// The redacted form of `raw` and the verdict of the shape check.
fn inspect(raw: &str, scheme: &str) -> (String, DeepLinkVerdict) {
    let reject = |redacted: String, reason: &str| {
        (
            redacted,
            DeepLinkVerdict::Rejected {
                reason: reason.to_owned(),
            },
        )
    };
    if raw.len() > MAX_URL_BYTES {
        return reject(
            format!("<{} bytes, not shown>", raw.len()),
            "the URL is longer than 8 KiB",
        );
    }
    let Ok(url) = Url::parse(raw) else {
        return reject("<not a URL>".into(), "not a valid URL");
    };
    let redacted = redact(&url);
    if url.scheme() != scheme {
        return reject(redacted, &format!("the scheme is not {scheme}://"));
    }
    if url.host_str() != Some("callback") || !matches!(url.path(), "" | "/") {
        return reject(redacted, &format!("the address is not {scheme}://callback"));
    }
    let names: Vec<String> = params(&url).map(|(name, _)| name).collect();
    let has = |n: &str| names.iter().any(|name| name == n);
    if has("error") || (has("code") && has("state")) {
        (redacted, DeepLinkVerdict::Callback)
    } else {
        reject(redacted, "it carries neither a code and state nor an error")
    }
}

/// Query and fragment parameters (a callback may use either response mode).
fn params(url: &Url) -> impl Iterator<Item = (String, String)> + '_ {
    let fragment = url.fragment().unwrap_or_default();
    url.query_pairs()
        .chain(url::form_urlencoded::parse(fragment.as_bytes()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
}

/// `scheme://host/path?name=…&other=…#name=…`: names are kept when they look like parameter names, values never.
fn redact(url: &Url) -> String {
    let name = |n: &str| {
        if !n.is_empty()
            && n.len() <= 40
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            n.to_owned()
        } else {
            "?".to_owned()
        }
    };
    let mut out = format!(
        "{}://{}{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        url.path()
    );
    let query: Vec<String> = url
        .query_pairs()
        .map(|(k, _)| format!("{}=…", name(&k)))
        .collect();
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query.join("&"));
    }
    if let Some(fragment) = url.fragment() {
        let pairs: Vec<String> = url::form_urlencoded::parse(fragment.as_bytes())
            .map(|(k, _)| format!("{}=…", name(&k)))
            .collect();
        out.push('#');
        out.push_str(&pairs.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str) -> (String, DeepLinkVerdict) {
        inspect(raw, "oauthdesk")
    }

    #[test]
    fn a_callback_is_recognised_and_its_values_never_shown() {
        let (redacted, verdict) = check("oauthdesk://callback?code=SECRETCODE&state=SECRETSTATE");
        assert_eq!(verdict, DeepLinkVerdict::Callback);
        assert_eq!(redacted, "oauthdesk://callback?code=…&state=…");
    }

    #[test]
    fn fragment_callbacks_and_errors_are_callbacks_too() {
        let (redacted, verdict) = check("oauthdesk://callback#code=abc&state=def");
        assert_eq!(verdict, DeepLinkVerdict::Callback);
        assert_eq!(redacted, "oauthdesk://callback#code=…&state=…");
        let (_, verdict) = check("oauthdesk://callback?error=access_denied&error_description=no");
        assert_eq!(verdict, DeepLinkVerdict::Callback);
    }

    #[test]
    fn wrong_scheme_host_path_or_params_are_rejected_with_a_reason() {
        for (raw, reason) in [
            ("https://callback?code=a&state=b", "scheme"),
            ("oauthdesk://evil?code=a&state=b", "address"),
            ("oauthdesk://callback/extra?code=a&state=b", "address"),
            ("oauthdesk://callback?code=a", "neither"),
            ("not a url", "not a valid URL"),
        ] {
            match check(raw).1 {
                DeepLinkVerdict::Rejected { reason: r } => {
                    assert!(r.contains(reason), "{raw}: {r}")
                }
                other => panic!("{raw} was accepted as {other:?}"),
            }
        }
    }

    #[test]
    fn oversized_urls_are_rejected_unread() {
        let raw = format!(
            "oauthdesk://callback?code={}&state=b",
            "x".repeat(MAX_URL_BYTES)
        );
        let (redacted, verdict) = check(&raw);
        assert!(matches!(verdict, DeepLinkVerdict::Rejected { .. }));
        assert!(!redacted.contains("xxx"));
    }

    #[test]
    fn odd_parameter_names_are_hidden_too() {
        let (redacted, _) = check("oauthdesk://callback?code=a&state=b&ey.secret.token=1");
        assert_eq!(redacted, "oauthdesk://callback?code=…&state=…&?=…");
    }

    #[test]
    fn the_inbox_keeps_the_newest_twenty() {
        let inbox = DeepLinkInbox::new("oauthdesk");
        for i in 0..25 {
            inbox.receive(
                &format!("oauthdesk://callback?code={i}&state=s"),
                DeepLinkSource::SecondInstance,
                format!("t{i}"),
            );
        }
        let recent = inbox.recent();
        assert_eq!(recent.len(), 20);
        assert_eq!(recent[0].received_at, "t24");
    }
}
