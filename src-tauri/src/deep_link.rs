//! Deep links: how the system browser hands a sign-in result back to the app.
//!
//! On Linux and Windows, opening `oauthdesk://callback?...` starts a *second* process with the URL as its only
//! argument. The single-instance plugin (registered first, with its `deep-link` feature) passes that argv to the
//! running instance and the second process exits; a cold start with the URL as argv is read from the deep-link
//! plugin's `get_current()`. Both paths end in [`DeepLinkInbox::receive`].
//!
//! Anyone can start the binary with any argv, so a deep link proves nothing by itself. Here it is only read by the
//! one callback parser (`wix_client::callback::parse_callback`, which also caps its length), checked for shape
//! (`<scheme>://callback`, a code and state or an error) and recorded *without its values*; the member sign-in flow
//! accepts a callback only for a pending login, once, before its deadline.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use wix_client::callback::{Rejection, parse_callback};
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
    let reject =
        |redacted: String, reason: String| (redacted, DeepLinkVerdict::Rejected { reason });
    let callback = match parse_callback(raw) {
        Ok(callback) => callback,
        Err(rejection @ Rejection::TooLong) => {
            return reject(
                format!("<{} bytes, not shown>", raw.len()),
                rejection.to_string(),
            );
        }
        Err(rejection) => return reject("<not a URL>".into(), rejection.to_string()),
    };
    let expected = format!("{scheme}://callback");
    if callback.target != expected {
        return reject(callback.redacted, format!("the address is not {expected}"));
    }
    if callback.error.is_some() || (callback.code.is_some() && callback.state.is_some()) {
        (callback.redacted, DeepLinkVerdict::Callback)
    } else {
        reject(
            callback.redacted,
            "it carries neither a code and state nor an error".into(),
        )
    }
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
            ("https://callback?code=a&state=b", "address"),
            ("oauthdesk://evil?code=a&state=b", "address"),
            ("oauthdesk://callback/extra?code=a&state=b", "address"),
            ("oauthdesk://callback?code=a", "neither"),
            ("not a url", "not a valid URL"),
            ("oauthdesk://callback/?code=a&state=b", "address"),
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
            "x".repeat(wix_client::callback::MAX_CALLBACK_LEN)
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
