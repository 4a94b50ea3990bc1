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

/// What a callback URL carries (from its query, or else its fragment). `Debug` hides the code and state.
#[derive(Clone, PartialEq, Eq)]
pub struct Callback {
    pub code: Option<Secret>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// `scheme://host/path` of the URL, to compare with the redirect URI.
    pub target: String,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("code", &self.code.as_ref().map(|_| "[redacted]"))
            .field("state", &self.state.as_ref().map(|_| "[redacted]"))
            .field("error", &self.error)
            .field("target", &self.target)
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
    let mut pairs: HashMap<String, String> = parsed.query_pairs().into_owned().collect();
    if !pairs.contains_key("state")
        && let Some(fragment) = parsed.fragment()
    {
        pairs = url::form_urlencoded::parse(fragment.as_bytes())
            .into_owned()
            .collect();
    }
    let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
    Ok(Callback {
        code: non_empty(pairs.remove("code")).map(Secret::new),
        state: non_empty(pairs.remove("state")),
        error: non_empty(pairs.remove("error")),
        error_description: non_empty(pairs.remove("error_description")),
        target: target_of(&parsed),
    })
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

/// A pending login as saved between runs. Holds the PKCE verifier: store it only in the vault.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct SavedFlow {
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

/// The logins waiting for a callback, by state. Safe to share between threads.
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

    /// Record a started login; it expires after `lifetime`. Returns its state.
    pub fn start(
        &self,
        project_id: &str,
        client_id: &str,
        oauth: OAuthData,
        lifetime: Duration,
    ) -> String {
        let state = oauth.state.secret().clone();
        let now = Instant::now();
        self.lock().pending.insert(
            state.clone(),
            PendingFlow {
                project_id: project_id.to_owned(),
                client_id: client_id.to_owned(),
                oauth,
                started: now,
                deadline: now + lifetime,
            },
        );
        state
    }

    /// Stop waiting for `state`'s callback. False if it was not pending.
    pub fn cancel(&self, state: &str) -> bool {
        self.lock().pending.remove(state).is_some()
    }

    /// Whether the login with this state is still waiting.
    pub fn is_pending(&self, state: &str) -> bool {
        self.lock().pending.contains_key(state)
    }

    /// How many logins are waiting (expired ones included until touched).
    pub fn len(&self) -> usize {
        self.lock().pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The waiting logins as plain data (verifiers included: keep it in the vault), deadlines as Unix seconds.
    pub fn export(&self) -> Vec<SavedFlow> {
        let now = Instant::now();
        let wall = chrono::Utc::now().timestamp();
        self.lock()
            .pending
            .iter()
            .filter(|(_, f)| f.deadline > now)
            .map(|(state, f)| SavedFlow {
                state: state.clone(),
                project_id: f.project_id.clone(),
                client_id: f.client_id.clone(),
                redirect_uri: f.oauth.redirect_uri.clone(),
                code_verifier: f.oauth.code_verifier.secret().clone(),
                deadline: wall + f.deadline.duration_since(now).as_secs() as i64,
                lifetime: f.deadline.duration_since(f.started).as_secs(),
            })
            .collect()
    }

    /// Take back exported logins whose deadline has not passed.
    pub fn import(&self, saved: Vec<SavedFlow>) {
        let now = Instant::now();
        let wall = chrono::Utc::now().timestamp();
        let mut inner = self.lock();
        for flow in saved {
            let Ok(left) = u64::try_from(flow.deadline - wall) else {
                continue;
            };
            let deadline = now + Duration::from_secs(left);
            let started = deadline
                .checked_sub(Duration::from_secs(flow.lifetime))
                .unwrap_or(now);
            let oauth =
                OAuthData::restore(&flow.redirect_uri, flow.code_verifier, flow.state.clone());
            inner.pending.insert(
                flow.state,
                PendingFlow {
                    project_id: flow.project_id,
                    client_id: flow.client_id,
                    oauth,
                    started,
                    deadline,
                },
            );
        }
    }

    /// Take the flow a callback URL completes, with its code; or say why not. A rejected callback changes
    /// nothing, except that an expired flow, or one the provider refused, is no longer pending.
    pub fn accept(&self, url: &str) -> Result<(PendingFlow, Secret), Rejection> {
        self.accept_at(url, Instant::now())
    }

    fn accept_at(&self, url: &str, now: Instant) -> Result<(PendingFlow, Secret), Rejection> {
        let callback = parse_callback(url)?;
        let state = callback.state.as_deref().ok_or(Rejection::MissingState)?;
        let mut inner = self.lock();
        let Some(flow) = inner.pending.get(state) else {
            return Err(if inner.spent.iter().any(|s| s == state) {
                Rejection::Replayed
            } else {
                Rejection::UnknownState
            });
        };
        let expected = url::Url::parse(flow.redirect_uri())
            .map(|u| target_of(&u))
            .unwrap_or_else(|_| flow.redirect_uri().to_owned());
        if callback.target != expected {
            return Err(Rejection::WrongTarget {
                expected,
                got: callback.target,
            });
        }
        if now > flow.deadline {
            let lifetime = flow.deadline.duration_since(flow.started).as_secs();
            inner.pending.remove(state);
            return Err(Rejection::Expired(lifetime));
        }
        if let Some(error) = callback.error {
            inner.pending.remove(state);
            return Err(Rejection::Refused {
                error,
                description: callback.error_description,
            });
        }
        let code = callback.code.ok_or(Rejection::MissingCode)?;
        let flow = inner.pending.remove(state).expect("looked up above");
        inner.spent.push_back(state.to_owned());
        if inner.spent.len() > SPENT_MEMORY {
            inner.spent.pop_front();
        }
        Ok((flow, code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const REDIRECT: &str = "oauthdesk://callback";

    fn started(flows: &PendingFlows, lifetime: Duration) -> String {
        flows.start("sandbox", "client", OAuthData::generate(REDIRECT), lifetime)
    }

    #[test]
    fn a_callback_counts_once_for_a_pending_state_at_its_redirect_uri() {
        let flows = PendingFlows::new();
        let state = started(&flows, DEFAULT_DEADLINE);
        let url = format!("oauthdesk://callback?code=abc&state={state}");
        let (flow, code) = flows.accept(&url).unwrap();
        assert_eq!(code.expose(), "abc");
        assert_eq!(flow.client_id, "client");
        assert_eq!(flows.accept(&url).unwrap_err(), Rejection::Replayed);
        assert_eq!(
            flows
                .accept("oauthdesk://callback?code=abc&state=forged")
                .unwrap_err(),
            Rejection::UnknownState
        );
    }

    #[test]
    fn fragment_callbacks_work_like_query_ones() {
        let flows = PendingFlows::new();
        let state = started(&flows, DEFAULT_DEADLINE);
        let (_, code) = flows
            .accept(&format!("oauthdesk://callback#code=xyz&state={state}"))
            .unwrap();
        assert_eq!(code.expose(), "xyz");
    }

    #[test]
    fn wrong_target_and_missing_code_leave_the_flow_waiting() {
        let flows = PendingFlows::new();
        let state = started(&flows, DEFAULT_DEADLINE);
        for url in [
            format!("oauthdesk://elsewhere?code=a&state={state}"),
            format!("oauthdesk://callback/extra?code=a&state={state}"),
            format!("evil://callback?code=a&state={state}"),
        ] {
            assert!(
                matches!(flows.accept(&url), Err(Rejection::WrongTarget { .. })),
                "{url}"
            );
        }
        assert_eq!(
            flows
                .accept(&format!("oauthdesk://callback?state={state}"))
                .unwrap_err(),
            Rejection::MissingCode
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
            Rejection::Expired(60)
        );
        assert!(flows.is_empty());

        let state = started(&flows, DEFAULT_DEADLINE);
        let refused = flows
            .accept(&format!(
                "oauthdesk://callback?error=access_denied&error_description=Nope&state={state}"
            ))
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "the sign-in was refused: access_denied (Nope)"
        );
        assert!(flows.is_empty());

        let state = started(&flows, DEFAULT_DEADLINE);
        assert!(flows.cancel(&state));
        assert!(!flows.cancel(&state));
        assert_eq!(
            flows
                .accept(&format!("oauthdesk://callback?code=a&state={state}"))
                .unwrap_err(),
            Rejection::UnknownState
        );
    }

    #[test]
    fn exported_flows_come_back_and_still_complete_once() {
        let flows = PendingFlows::new();
        let state = started(&flows, DEFAULT_DEADLINE);
        let verifier = {
            let inner = flows.lock();
            inner.pending[&state].oauth.code_verifier.secret().clone()
        };
        let saved = flows.export();
        let restarted = PendingFlows::new();
        restarted.import(saved);
        let (flow, _) = restarted
            .accept(&format!("oauthdesk://callback?code=c&state={state}"))
            .unwrap();
        assert_eq!(flow.oauth.code_verifier.secret(), &verifier);
        assert_eq!(flow.redirect_uri(), REDIRECT);
        // Past deadlines are not imported.
        let mut old = flows.export();
        old[0].deadline = chrono::Utc::now().timestamp() - 1;
        let later = PendingFlows::new();
        later.import(old);
        assert!(later.is_empty());
    }

    #[test]
    fn oversized_and_malformed_urls_are_refused_unread() {
        let flows = PendingFlows::new();
        let long = format!("oauthdesk://callback?code={}", "a".repeat(MAX_CALLBACK_LEN));
        assert_eq!(flows.accept(&long).unwrap_err(), Rejection::TooLong);
        assert!(matches!(
            flows.accept("not a url"),
            Err(Rejection::Malformed(_))
        ));
        assert_eq!(
            flows.accept("oauthdesk://callback?code=a").unwrap_err(),
            Rejection::MissingState
        );
    }

    #[test]
    fn debug_and_rejections_never_show_code_or_state() {
        let cb = parse_callback("oauthdesk://callback?code=SECRETCODE&state=SECRETSTATE").unwrap();
        let printed = format!("{cb:?}");
        assert!(!printed.contains("SECRETCODE") && !printed.contains("SECRETSTATE"));
        let flows = PendingFlows::new();
        let e = flows
            .accept("oauthdesk://callback?code=SECRETCODE&state=SECRETSTATE")
            .unwrap_err();
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
