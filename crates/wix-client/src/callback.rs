//! Browser-login callbacks and the table of logins waiting for one.
//!
//! A started browser login is recorded by its `state` with its PKCE verifier, redirect URI, client and deadline
//! ([`PendingFlows::start`]). A callback URL (from a deep link, so anyone could forge one) is accepted only if it
//! is for a pending state, once, before the deadline, and arrives at that flow's redirect URI
//! ([`PendingFlows::accept`]). Anything else is rejected with a [`Rejection`] that says why and changes nothing.
//! Rejection messages never repeat the URL's values.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use vault::Secret;

use crate::pkce::OAuthData;

/// Callback URLs longer than this are refused unread.
pub const MAX_CALLBACK_LEN: usize = 4096;

/// How long a browser login may take by default.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5 * 60);

/// The longest a restored login may still wait.
pub const MAX_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// What a callback URL carries (from its query, or else its fragment). `Debug` hides the code and state.
#[derive(Clone, PartialEq, Eq)]
pub struct Callback {
    pub code: Option<Secret>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// `scheme://host/path` of the URL, whole, to compare with the redirect URI (quote it with care: it can be
    /// long).
    pub target: String,
    /// The URL with every parameter value replaced by `…`, safe to show and log.
    pub redacted: String,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("code", &self.code.as_ref().map(|_| "[redacted]"))
            .field("state", &self.state.as_ref().map(|_| "[redacted]"))
            .field("error", &self.error)
            .field("target", &self.target)
            .field("redacted", &self.redacted)
            .finish()
    }
}

/// Why a callback was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the callback URL is longer than {MAX_CALLBACK_LEN} characters; it was ignored")]
    TooLong,
    #[error("the callback is not a valid URL ({0}); it was ignored")]
    Malformed(String),
    #[error(
        "the callback has no state, so it cannot belong to a login started here; it was ignored"
    )]
    MissingState,
    #[error(
        "no login is waiting for this callback (unknown state); start the login from OAuth Desk and finish it in \
         the browser it opened"
    )]
    UnknownState,
    #[error("this login was already completed; a callback counts once, so this copy was ignored")]
    Replayed,
    #[error("the login took longer than its {0} s deadline; start it again")]
    Expired(u64),
    #[error(
        "the callback arrived at {got}, not at the login's redirect URI {expected}; it was ignored and the login \
         is still waiting"
    )]
    WrongTarget { expected: String, got: String },
    #[error(
        "the callback has no authorization code; it was ignored and the login is still waiting"
    )]
    MissingCode,
    #[error("the sign-in was refused: {error}{}", .description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused {
        error: String,
        description: Option<String>,
    },
}

/// Read `code`, `state`, `error` and `error_description` from a callback URL's query, or else its fragment (the
/// SDK's `parseFromUrl`, for either response mode).
pub fn parse_callback(url: &str) -> Result<Callback, Rejection> {
    if url.len() > MAX_CALLBACK_LEN {
        return Err(Rejection::TooLong);
    }
    let parsed = url::Url::parse(url).map_err(|e| Rejection::Malformed(e.to_string()))?;
    if parsed.cannot_be_a_base() {
        return Err(Rejection::Malformed("it has no path".into()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // Never a redirect URI's shape; refused without repeating it.
        return Err(Rejection::Malformed(
            "it carries a user name or password".into(),
        ));
    }
    let mut pairs = single_pairs(parsed.query_pairs())?;
    if !pairs.contains_key("state")
        && let Some(fragment) = parsed.fragment()
    {
        pairs = single_pairs(url::form_urlencoded::parse(fragment.as_bytes()))?;
    }
    let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
    Ok(Callback {
        code: non_empty(pairs.remove("code")).map(Secret::new),
        state: non_empty(pairs.remove("state")),
        error: non_empty(pairs.remove("error")).map(|e| quotable(&e)),
        error_description: non_empty(pairs.remove("error_description")).map(|d| quotable(&d)),
        target: target_of(&parsed),
        redacted: redact(&parsed),
    })
}

/// The parameters of a query or fragment. A callback parameter given twice (`code=a&code=b`) is ambiguous, and
/// a classic way to smuggle a value past one reader and into another: refused.
fn single_pairs<'a>(
    pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
) -> Result<HashMap<String, String>, Rejection> {
    let mut out = HashMap::new();
    for (name, value) in pairs {
        let name = name.into_owned();
        let ours = matches!(
            name.as_str(),
            "code" | "state" | "error" | "error_description"
        );
        if out.insert(name.clone(), value.into_owned()).is_some() && ours {
            return Err(Rejection::Malformed(format!(
                "the parameter {name} appears more than once"
            )));
        }
    }
    Ok(out)
}

/// The longest piece of a callback URL that a message quotes.
const QUOTED_CHARS: usize = 100;

/// Text from a callback URL made safe to quote in a message, the UI and the log: no control characters, no
/// bidirectional-text controls (which would make the rest of a log line read backwards), and at most
/// [`QUOTED_CHARS`] characters.
fn quotable(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !hidden_control(*c)).collect();
    match clean.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", &clean[..cut]),
        None => clean,
    }
}

/// Whether `c` changes how text around it is shown rather than being shown: a control character, or a Unicode
/// bidirectional-text control (marks, embeddings, overrides, isolates).
pub(crate) fn hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `scheme://host/path?name=…&other=…#name=…`: names are kept when they look like parameter names, values never.
pub fn redact(url: &url::Url) -> String {
    let name = |n: &str| {
        if !n.is_empty()
            && n.len() <= 40
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            format!("{n}=…")
        } else {
            "?=…".to_owned()
        }
    };
    let mut out = target_of(url);
    let query: Vec<String> = url.query_pairs().map(|(k, _)| name(&k)).collect();
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query.join("&"));
    }
    if let Some(fragment) = url.fragment() {
        let pairs: Vec<String> = url::form_urlencoded::parse(fragment.as_bytes())
            .map(|(k, _)| name(&k))
            .collect();
        out.push('#');
        out.push_str(&pairs.join("&"));
    }
    out
}

/// Whether `url` arrives at `redirect_uri` (same `scheme://host[:port]/path`; query and fragment aside).
pub fn arrives_at(url: &url::Url, redirect_uri: &str) -> bool {
    target_of(url) == expected_target(redirect_uri)
}

/// The target a callback for `redirect_uri` must have.
fn expected_target(redirect_uri: &str) -> String {
    url::Url::parse(redirect_uri)
        .map(|u| target_of(&u))
        .unwrap_or_else(|_| redirect_uri.to_owned())
}

/// `scheme://host[:port]/path` — what must match the redirect URI (case of scheme and host ignored by `url`).
fn target_of(url: &url::Url) -> String {
    let mut bare = url.clone();
    bare.set_query(None);
    bare.set_fragment(None);
    bare.to_string()
}

/// A browser login waiting for its callback.
#[derive(Debug)]
pub struct PendingFlow {
    pub project_id: String,
    pub client_id: String,
    pub oauth: OAuthData,
    pub started: Instant,
    pub deadline: Instant,
}

impl PendingFlow {
    pub fn redirect_uri(&self) -> &str {
        &self.oauth.redirect_uri
    }
}

/// A pending login as saved between runs. Holds the PKCE verifier: keep it only in the keyring.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedFlow {
    pub flow_id: String,
    pub state: String,
    pub project_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_verifier: String,
    /// Unix seconds.
    pub deadline: i64,
    /// Seconds the login was given.
    pub lifetime: u64,
}

/// A callback that completed a pending login.
#[derive(Debug)]
pub struct Accepted {
    pub flow_id: String,
    pub flow: PendingFlow,
    pub code: Secret,
}

/// A callback that was not accepted, and what it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub rejection: Rejection,
    /// The login this callback ended (it expired, or the provider refused it): no longer pending. `None` when
    /// nothing changed, which is the case for every forged, mistargeted or replayed callback.
    pub ended: Option<String>,
}

impl From<Rejection> for Refused {
    fn from(rejection: Rejection) -> Self {
        Self {
            rejection,
            ended: None,
        }
    }
}

/// The logins waiting for a callback, by flow ID. Safe to share between threads.
#[derive(Debug, Default)]
pub struct PendingFlows {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    pending: HashMap<String, PendingFlow>,
    /// States already completed, newest last (bounded), to tell a replay from a stranger.
    spent: VecDeque<String>,
}

const SPENT_MEMORY: usize = 256;

impl PendingFlows {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Record a started login as `flow_id`; it expires after `lifetime`.
    pub fn start(
        &self,
        flow_id: &str,
        project_id: &str,
        client_id: &str,
        oauth: OAuthData,
        lifetime: Duration,
    ) {
        let now = Instant::now();
        self.lock().pending.insert(
            flow_id.to_owned(),
            PendingFlow {
                project_id: project_id.to_owned(),
                client_id: client_id.to_owned(),
                oauth,
                started: now,
                deadline: now + lifetime,
            },
        );
    }

    /// Stop waiting for a login's callback; the flow if it was pending.
    pub fn cancel(&self, flow_id: &str) -> Option<PendingFlow> {
        self.lock().pending.remove(flow_id)
    }

    /// Stop waiting for every login of a project (it is being removed or reset); their flow IDs.
    pub fn cancel_project(&self, project_id: &str) -> Vec<String> {
        let mut inner = self.lock();
        let ids: Vec<String> = inner
            .pending
            .iter()
            .filter(|(_, f)| f.project_id == project_id)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &ids {
            inner.pending.remove(id);
        }
        ids
    }

    /// Whether the login is still waiting.
    pub fn is_pending(&self, flow_id: &str) -> bool {
        self.lock().pending.contains_key(flow_id)
    }

    /// How many logins are waiting (expired ones included until touched).
    pub fn len(&self) -> usize {
        self.lock().pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A waiting login as plain data (its verifier included: keep it in the keyring), deadline as Unix seconds.
    pub fn saved(&self, flow_id: &str) -> Option<SavedFlow> {
        let now = Instant::now();
        let wall = chrono::Utc::now().timestamp();
        let inner = self.lock();
        let f = inner.pending.get(flow_id).filter(|f| f.deadline > now)?;
        let left = i64::try_from(f.deadline.duration_since(now).as_secs()).unwrap_or(i64::MAX);
        Some(SavedFlow {
            flow_id: flow_id.to_owned(),
            state: f.oauth.state.secret().clone(),
            project_id: f.project_id.clone(),
            client_id: f.client_id.clone(),
            redirect_uri: f.oauth.redirect_uri.clone(),
            code_verifier: f.oauth.code_verifier.secret().clone(),
            deadline: wall.saturating_add(left),
            lifetime: f.deadline.duration_since(f.started).as_secs(),
        })
    }

    /// Take back a saved login; `false` (and nothing taken) if its deadline has passed.
    pub fn restore(&self, flow: SavedFlow) -> bool {
        let now = Instant::now();
        let wall = chrono::Utc::now().timestamp();
        let Some(left) = flow
            .deadline
            .checked_sub(wall)
            .and_then(|left| u64::try_from(left).ok())
            .filter(|left| *left > 0)
        else {
            return false;
        };
        // A saved deadline is never trusted beyond the login's own lifetime (nor the longest one allowed).
        let lifetime = flow.lifetime.min(MAX_LIFETIME.as_secs());
        let left = left.min(lifetime);
        let Some(deadline) = now.checked_add(Duration::from_secs(left)) else {
            return false;
        };
        let started = deadline
            .checked_sub(Duration::from_secs(lifetime))
            .unwrap_or(now);
        let oauth = OAuthData::restore(&flow.redirect_uri, flow.code_verifier, flow.state);
        self.lock().pending.insert(
            flow.flow_id,
            PendingFlow {
                project_id: flow.project_id,
                client_id: flow.client_id,
                oauth,
                started,
                deadline,
            },
        );
        true
    }

    /// Take the flow a callback URL completes, with its code; or say why not, and which flow (if any) the
    /// callback ended: only an expiry or a provider's refusal for a pending state ends one. Nothing else changes.
    pub fn accept(&self, url: &str) -> Result<Accepted, Refused> {
        self.accept_at(url, Instant::now())
    }

    fn accept_at(&self, url: &str, now: Instant) -> Result<Accepted, Refused> {
        let callback = parse_callback(url)?;
        let state = callback.state.as_deref().ok_or(Rejection::MissingState)?;
        let mut inner = self.lock();
        let Some((flow_id, flow)) = inner
            .pending
            .iter()
            .find(|(_, f)| f.oauth.state.secret() == state)
        else {
            return Err(if inner.spent.iter().any(|s| s == state) {
                Rejection::Replayed
            } else {
                Rejection::UnknownState
            }
            .into());
        };
        let flow_id = flow_id.clone();
        let expected = expected_target(flow.redirect_uri());
        // Whole addresses are compared; only the message shortens them.
        if callback.target != expected {
            return Err(Rejection::WrongTarget {
                expected: quotable(&expected),
                got: quotable(&callback.target),
            }
            .into());
        }
        let ended = |rejection| Refused {
            rejection,
            ended: Some(flow_id.clone()),
        };
        if now > flow.deadline {
            let lifetime = flow.deadline.duration_since(flow.started).as_secs();
            inner.pending.remove(&flow_id);
            return Err(ended(Rejection::Expired(lifetime)));
        }
        if let Some(error) = callback.error {
            inner.pending.remove(&flow_id);
            return Err(ended(Rejection::Refused {
                error,
                description: callback.error_description,
            }));
        }
        let code = callback.code.ok_or(Rejection::MissingCode)?;
        let flow = inner.pending.remove(&flow_id).expect("looked up above");
        inner.spent.push_back(state.to_owned());
        if inner.spent.len() > SPENT_MEMORY {
            inner.spent.pop_front();
        }
        Ok(Accepted {
            flow_id,
            flow,
            code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const REDIRECT: &str = "oauthdesk://callback";

    /// Start a login as flow "f1" and return its state.
    fn started(flows: &PendingFlows, lifetime: Duration) -> String {
        let oauth = OAuthData::generate(REDIRECT);
        let state = oauth.state.secret().clone();
        flows.start("f1", "sandbox", "client", oauth, lifetime);
        state
    }

    fn rejection(result: Result<Accepted, Refused>) -> Rejection {
        result.expect_err("the callback was accepted").rejection
    }

    #[test]
    fn a_callback_counts_once_for_a_pending_state_at_its_redirect_uri() {
        let flows = PendingFlows::new();
        let state = started(&flows, DEFAULT_DEADLINE);
        let url = format!("oauthdesk://callback?code=abc&state={state}");
        let accepted = flows.accept(&url).unwrap();
        assert_eq!(accepted.code.expose(), "abc");
        assert_eq!(accepted.flow_id, "f1");
        assert_eq!(accepted.flow.client_id, "client");
        assert_eq!(
            flows.accept(&url).unwrap_err(),
            Refused {
                rejection: Rejection::Replayed,
                ended: None
            }
        );
        assert_eq!(
            rejection(flows.accept("oauthdesk://callback?code=abc&state=forged")),
            Rejection::UnknownState
        );
    }

    #[test]
    fn fragment_callbacks_work_like_query_ones() {
        let flows = PendingFlows::new();
        let state = started(&flows, DEFAULT_DEADLINE);
        let accepted = flows
            .accept(&format!("oauthdesk://callback#code=xyz&state={state}"))
            .unwrap();
        assert_eq!(accepted.code.expose(), "xyz");
    }

    #[test]
    fn wrong_target_and_missing_code_leave_the_flow_waiting_and_end_nothing() {
        let flows = PendingFlows::new();
        let state = started(&flows, DEFAULT_DEADLINE);
        for url in [
            format!("oauthdesk://elsewhere?code=a&state={state}"),
            format!("oauthdesk://callback/extra?code=a&state={state}"),
            format!("evil://callback?code=a&state={state}"),
        ] {
            let refused = flows.accept(&url).unwrap_err();
            assert!(
                matches!(refused.rejection, Rejection::WrongTarget { .. }),
                "{url}"
            );
            assert_eq!(refused.ended, None);
        }
        assert_eq!(
            flows
                .accept(&format!("oauthdesk://callback?state={state}"))
                .unwrap_err(),
            Rejection::MissingCode.into()
        );
        assert_eq!(flows.len(), 1);
        assert!(
            flows
                .accept(&format!("oauthdesk://callback?code=a&state={state}"))
                .is_ok()
        );
    }

    #[test]
    fn expired_refused_and_cancelled_flows_end() {
        let flows = PendingFlows::new();
        let state = started(&flows, Duration::from_secs(60));
        let url = format!("oauthdesk://callback?code=a&state={state}");
        let later = Instant::now() + Duration::from_secs(61);
        assert_eq!(
            flows.accept_at(&url, later).unwrap_err(),
            Refused {
                rejection: Rejection::Expired(60),
                ended: Some("f1".into())
            }
        );
        assert!(flows.is_empty());

        let state = started(&flows, DEFAULT_DEADLINE);
        let refused = flows
            .accept(&format!(
                "oauthdesk://callback?error=access_denied&error_description=Nope&state={state}"
            ))
            .unwrap_err();
        assert_eq!(
            refused.rejection.to_string(),
            "the sign-in was refused: access_denied (Nope)"
        );
        assert_eq!(refused.ended.as_deref(), Some("f1"));
        assert!(flows.is_empty());

        let state = started(&flows, DEFAULT_DEADLINE);
        assert!(flows.cancel("f1").is_some());
        assert!(flows.cancel("f1").is_none());
        assert_eq!(
            rejection(flows.accept(&format!("oauthdesk://callback?code=a&state={state}"))),
            Rejection::UnknownState
        );
    }

    #[test]
    fn saved_flows_come_back_and_still_complete_once() {
        let flows = PendingFlows::new();
        let state = started(&flows, DEFAULT_DEADLINE);
        let verifier = {
            let inner = flows.lock();
            inner.pending["f1"].oauth.code_verifier.secret().clone()
        };
        let saved = flows.saved("f1").unwrap();
        let restarted = PendingFlows::new();
        assert!(restarted.restore(saved.clone()));
        let accepted = restarted
            .accept(&format!("oauthdesk://callback?code=c&state={state}"))
            .unwrap();
        assert_eq!(accepted.flow.oauth.code_verifier.secret(), &verifier);
        assert_eq!(accepted.flow.redirect_uri(), REDIRECT);
        // Past (or absurd) deadlines are not restored.
        let later = PendingFlows::new();
        for deadline in [chrono::Utc::now().timestamp() - 1, i64::MIN] {
            let mut old = saved.clone();
            old.deadline = deadline;
            assert!(!later.restore(old));
        }
        let mut far = saved;
        far.deadline = i64::MAX;
        assert!(later.restore(far));
        let left = later.lock().pending["f1"].deadline - Instant::now();
        assert!(
            left <= DEFAULT_DEADLINE,
            "a forged deadline was trusted: {left:?}"
        );
    }

    #[test]
    fn cancelling_a_project_ends_only_its_logins() {
        let flows = PendingFlows::new();
        flows.start(
            "a",
            "p1",
            "c",
            OAuthData::generate(REDIRECT),
            DEFAULT_DEADLINE,
        );
        flows.start(
            "b",
            "p2",
            "c",
            OAuthData::generate(REDIRECT),
            DEFAULT_DEADLINE,
        );
        assert_eq!(flows.cancel_project("p1"), ["a"]);
        assert!(flows.is_pending("b") && !flows.is_pending("a"));
    }

    #[test]
    fn oversized_and_malformed_urls_are_refused_unread() {
        let flows = PendingFlows::new();
        let long = format!("oauthdesk://callback?code={}", "a".repeat(MAX_CALLBACK_LEN));
        assert_eq!(rejection(flows.accept(&long)), Rejection::TooLong);
        assert!(matches!(
            rejection(flows.accept("not a url")),
            Rejection::Malformed(_)
        ));
        assert_eq!(
            rejection(flows.accept("oauthdesk://callback?code=a")),
            Rejection::MissingState
        );
    }

    #[test]
    fn a_callback_parameter_given_twice_is_refused_and_the_login_keeps_waiting() {
        let flows = PendingFlows::new();
        let state = started(&flows, DEFAULT_DEADLINE);
        for url in [
            format!("oauthdesk://callback?code=a&state={state}&code=b"),
            format!("oauthdesk://callback?code=a&state={state}&state={state}"),
            format!("oauthdesk://callback?code=a&state={state}&error=x&error=y"),
        ] {
            let refused = flows.accept(&url).unwrap_err();
            assert!(
                matches!(refused.rejection, Rejection::Malformed(_)),
                "{url}"
            );
            assert_eq!(refused.ended, None);
        }
        assert!(
            flows
                .accept(&format!(
                    "oauthdesk://callback?code=a&state={state}&other=1&other=2"
                ))
                .is_ok()
        );
    }

    #[test]
    fn quoted_parts_lose_control_characters_and_user_info_and_stay_short() {
        let flows = PendingFlows::new();
        let state = started(&flows, DEFAULT_DEADLINE);
        let refused = flows
            .accept(&format!(
                "oauthdesk://callback?state={state}&error=x%0A%1B[31mFAKE%E2%80%AE&error_description=%E2%81%A7{}",
                "d".repeat(500)
            ))
            .unwrap_err();
        let message = refused.rejection.to_string();
        assert!(!message.chars().any(hidden_control), "{message:?}");
        assert!(
            message.starts_with("the sign-in was refused: x[31mFAKE (ddd"),
            "{message:?}"
        );
        assert!(message.len() < 300, "{} characters quoted", message.len());
        assert!(matches!(
            rejection(flows.accept("oauthdesk://admin:hunter2@callback?code=a&state=b")),
            Rejection::Malformed(m) if !m.contains("hunter2")
        ));
        let state = started(&flows, DEFAULT_DEADLINE);
        let long_path = format!(
            "oauthdesk://callback/{}?code=a&state={state}",
            "p".repeat(300)
        );
        let wrong = rejection(flows.accept(&long_path));
        assert!(matches!(wrong, Rejection::WrongTarget { .. }), "{wrong:?}");
        let wrong = wrong.to_string();
        assert!(wrong.len() < 400 && wrong.contains('…'), "{wrong}");
    }

    #[test]
    fn a_login_with_a_redirect_uri_longer_than_a_quote_completes_at_that_uri_only() {
        // Found by the `callback` fuzz target: the address was shortened before it was compared, so a redirect
        // URI over 100 characters could never match and such a login could never complete.
        let long = format!("https://shop.example.com/{}/callback", "account".repeat(20));
        let flows = PendingFlows::new();
        let start = || {
            let oauth = OAuthData::generate(&long);
            let state = oauth.state.secret().clone();
            flows.start("long", "sandbox", "client", oauth, DEFAULT_DEADLINE);
            state
        };
        let state = start();
        let accepted = flows
            .accept(&format!("{long}?code=abc&state={state}"))
            .unwrap();
        assert_eq!(accepted.flow_id, "long");
        // Same first 100 characters, another address: refused, and the message stays short.
        let state = start();
        let wrong = rejection(flows.accept(&format!("{long}/elsewhere?code=abc&state={state}")));
        assert!(matches!(wrong, Rejection::WrongTarget { .. }), "{wrong:?}");
        assert!(wrong.to_string().len() < 400, "{wrong}");
        assert!(flows.is_pending("long"));
    }

    #[test]
    fn debug_and_rejections_never_show_code_or_state() {
        let cb = parse_callback("oauthdesk://callback?code=SECRETCODE&state=SECRETSTATE").unwrap();
        let printed = format!("{cb:?}");
        assert!(!printed.contains("SECRETCODE") && !printed.contains("SECRETSTATE"));
        let flows = PendingFlows::new();
        let e = rejection(flows.accept("oauthdesk://callback?code=SECRETCODE&state=SECRETSTATE"));
        assert!(!e.to_string().contains("SECRET"));
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_reads_back_what_was_encoded(
            code in "[ -~]{0,64}", state in "[ -~]{0,64}", in_fragment in any::<bool>()
        ) {
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("code", &code)
                .append_pair("state", &state)
                .finish();
            let url = if in_fragment {
                format!("oauthdesk://callback#{encoded}")
            } else {
                format!("oauthdesk://callback?{encoded}")
            };
            let parsed = parse_callback(&url).unwrap();
            // An empty state in the query falls through to the (absent) fragment: both read as missing.
            prop_assert_eq!(parsed.state.as_deref(), (!state.is_empty()).then_some(state.as_str()));
            prop_assert_eq!(parsed.code.as_ref().map(|c| c.expose().to_owned()), (!code.is_empty()).then(|| code.clone()));
            prop_assert_eq!(parsed.target, "oauthdesk://callback");
        }

        #[test]
        fn arbitrary_input_is_accepted_or_rejected_but_never_panics(input in "\\PC{0,300}") {
            let flows = PendingFlows::new();
            let _ = flows.accept(&input);
        }
    }
}
