//! Deep links: how the system browser hands a sign-in result back to the app.
//!
//! On Linux and Windows, opening `oauthdesk://callback?...` starts a *second* process with the URL as its only
//! argument. The single-instance plugin (registered first, with its `deep-link` feature) passes that argv to the
//! running instance and the second process exits; a cold start with the URL as argv is read from the deep-link
//! plugin's `get_current()`. Both paths end in [`DeepLinkInbox::receive`].
//!
//! Anyone can start the binary with any argv, so a deep link proves nothing by itself. Here it is only checked for
//! shape by `wix_client::deep_link::inspect` (the one callback parser, which also caps its length;
//! `<scheme>://callback`, a code and state or an error) and recorded *without its values*; the member sign-in flow
//! accepts a callback only for a pending login, once, before its deadline.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

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

/// The redacted form of `raw` and the verdict of the shape check ([`wix_client::deep_link::inspect`]).
fn inspect(raw: &str, scheme: &str) -> (String, DeepLinkVerdict) {
    let (redacted, verdict) = wix_client::deep_link::inspect(raw, scheme);
    (
        redacted,
        verdict.map_or_else(
            |reason| DeepLinkVerdict::Rejected { reason },
            |()| DeepLinkVerdict::Callback,
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inbox_records_the_verdict_and_never_the_values() {
        let inbox = DeepLinkInbox::new("oauthdesk");
        let record = inbox.receive(
            "oauthdesk://callback?code=SECRETCODE&state=SECRETSTATE",
            DeepLinkSource::ColdStart,
            "t".into(),
        );
        assert_eq!(record.verdict, DeepLinkVerdict::Callback);
        assert_eq!(record.redacted_url, "oauthdesk://callback?code=…&state=…");
        let record = inbox.receive(
            "oauthdesk://evil?code=a&state=b",
            DeepLinkSource::SecondInstance,
            "t".into(),
        );
        assert!(
            matches!(record.verdict, DeepLinkVerdict::Rejected { reason } if reason.contains("address"))
        );
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
