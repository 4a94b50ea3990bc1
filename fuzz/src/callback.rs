//! `callback`: callback URLs against a table with logins really pending.
//!
//! Input: UTF-8 text, one callback URL a line (at most 8), all given in turn to one [`PendingFlows`] in which three
//! logins were started: `{S1}` in a line becomes the state of a login waiting at `oauthdesk://callback`, `{S2}`
//! one waiting at `http://127.0.0.1:5173/callback`, `{S3}` one whose deadline has already passed, `{S4}` one
//! waiting at a redirect URI longer than a message quotes; `{CODE}` becomes a code-like secret.
//!
//! Invariants: nothing panics; a login is accepted only by a callback carrying its own state, at its own redirect
//! URI, with a code, and at most once; such a callback (no error, login pending and not expired) is accepted; a refusal changes nothing unless it says which login it ended (an expiry or
//! the provider's refusal, of a pending login); a refusal's message has no control character, stays short,
//! repeats no state or code, and never the URL's user name or password (such URLs are refused unread).

use std::collections::HashSet;
use std::time::Duration;

use wix_client::callback::{DEFAULT_DEADLINE, PendingFlows, Rejection, parse_callback};
use wix_client::pkce::OAuthData;

/// What `{CODE}` becomes.
pub const CODE: &str = "c0de-SECRET-7Hq2";

/// The logins started: flow ID, placeholder, redirect URI, and a fixed state of the shape `OAuthData` makes
/// (fixed, so that each input runs the same way every time).
const FLOWS: [(&str, &str, &str, &str); 4] = [
    (
        "f1",
        "{S1}",
        "oauthdesk://callback",
        "dGhlLWZpcnN0LXN0YXRlLW9mLXRoZS1mdXp6ZXI",
    ),
    (
        "f2",
        "{S2}",
        "http://127.0.0.1:5173/callback",
        "c2Vjb25kLXN0YXRlLWF0LXRoZS1sb29wYmFjaw",
    ),
    (
        "f3",
        "{S3}",
        "oauthdesk://callback",
        "dGhpcmQtc3RhdGUtd2hvc2UtZGVhZGxpbmUtcGFzc2Vk",
    ),
    (
        "f4",
        "{S4}",
        "https://storefront.example.com/account/members/sign-in/oauth/callback/handler/for/the/desktop/app/2026",
        "Zm91cnRoLXN0YXRlLWF0LWEtbG9uZy1yZWRpcmVjdA",
    ),
];
const VERIFIER: &str = "ZnV6ei12ZXJpZmllci0wMTIzNDU2Nzg5LWFiY2RlZmdoaWprbG1u";

/// The longest refusal message we accept (quoted parts are shortened to 100 characters).
const MAX_MESSAGE: usize = 700;

pub fn check(data: &[u8]) {
    let Some(text) = crate::text(data) else {
        return;
    };
    let flows = PendingFlows::new();
    let mut states = Vec::new();
    for (id, _, redirect, state) in FLOWS {
        let oauth = OAuthData::restore(redirect, VERIFIER.to_owned(), state.to_owned());
        states.push(state.to_owned());
        let lifetime = if id == "f3" {
            Duration::ZERO
        } else {
            DEFAULT_DEADLINE
        };
        flows.start(id, "project", "client", oauth, lifetime);
    }
    let mut accepted = HashSet::new();
    for line in text.split('\n').take(8) {
        let mut url = line.replace("{CODE}", CODE);
        for ((_, placeholder, _, _), state) in FLOWS.iter().zip(&states) {
            url = url.replace(placeholder, state);
        }
        let pending_before: Vec<bool> = FLOWS.iter().map(|f| flows.is_pending(f.0)).collect();
        let parsed = parse_callback(&url);
        let should_accept = should_accept(&url, &pending_before);
        let outcome = flows.accept(&url);
        if crate::tracing() {
            match &outcome {
                Ok(done) => eprintln!("accepted for {}", done.flow_id),
                Err(refused) => eprintln!("refused ({:?}): {}", refused.ended, refused.rejection),
            }
        }
        if let Some(id) = should_accept {
            assert!(
                matches!(&outcome, Ok(done) if done.flow_id == id),
                "a right callback for {id} was not accepted: {:?}",
                outcome.as_ref().err()
            );
        }
        match outcome {
            Ok(done) => {
                let index = FLOWS
                    .iter()
                    .position(|f| f.0 == done.flow_id)
                    .expect("only a started login can be accepted");
                assert!(
                    pending_before[index],
                    "accepted a login that was not pending"
                );
                assert!(
                    accepted.insert(done.flow_id.clone()),
                    "a login was accepted twice"
                );
                assert!(!flows.is_pending(&done.flow_id));
                let callback = parsed.expect("an accepted callback parses");
                assert_eq!(
                    callback.state.as_deref(),
                    Some(states[index].as_str()),
                    "accepted without the login's own state"
                );
                let redirect = url::Url::parse(FLOWS[index].2).unwrap();
                assert_eq!(callback.target, crate::shown_part(&redirect));
                assert!(!done.code.expose().is_empty());
                assert_eq!(callback.code.as_ref(), Some(&done.code));
            }
            Err(refused) => {
                let message = refused.rejection.to_string();
                check_message(&url, &message, &states);
                for (i, (id, _, _, _)) in FLOWS.iter().enumerate() {
                    let ended = refused.ended.as_deref() == Some(*id);
                    assert_eq!(
                        flows.is_pending(id),
                        pending_before[i] && !ended,
                        "a refusal changed login {id} (ended: {:?})",
                        refused.ended
                    );
                    if ended {
                        assert!(pending_before[i], "a refusal ended a login not pending");
                        assert!(matches!(
                            refused.rejection,
                            Rejection::Expired(_) | Rejection::Refused { .. }
                        ));
                    }
                }
                if let Some(id) = &refused.ended {
                    assert!(FLOWS.iter().any(|f| f.0 == id), "ended an unknown login");
                }
            }
        }
    }
}

/// The login a callback URL must complete: it parses, carries a pending login's state (not the expired one's), a
/// code and no error, and arrives at that login's redirect URI (compared as parsed URLs without query and
/// fragment, as the redirect URI is).
fn should_accept(url: &str, pending: &[bool]) -> Option<&'static str> {
    let callback = parse_callback(url).ok()?;
    if callback.error.is_some() || callback.code.is_none() {
        return None;
    }
    let parsed = url::Url::parse(url).ok()?;
    let index = FLOWS
        .iter()
        .position(|f| callback.state.as_deref() == Some(f.3))?;
    let (id, _, redirect, _) = FLOWS[index];
    let at = crate::shown_part(&parsed) == crate::shown_part(&url::Url::parse(redirect).ok()?);
    (at && pending[index] && id != "f3").then_some(id)
}

/// What a refusal's message may not carry.
fn check_message(url: &str, message: &str, states: &[String]) {
    assert!(
        !message.chars().any(crate::hidden),
        "control characters in {message:?}"
    );
    assert!(
        message.len() <= MAX_MESSAGE,
        "{} bytes of message",
        message.len()
    );
    let Ok(parsed) = url::Url::parse(url) else {
        return;
    };
    // Only the address and the provider's error text may be quoted (shortened, without hidden characters): a state
    // or code shows only if the URL put it there itself.
    let clean = |text: &str| {
        text.chars()
            .filter(|c| !crate::hidden(*c))
            .collect::<String>()
    };
    let fragment_pairs = parsed
        .fragment()
        .map(|f| {
            url::form_urlencoded::parse(f.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_else(Vec::new);
    let mut quotable = vec![crate::shown_part(&parsed)];
    for (name, value) in parsed.query_pairs().into_owned().chain(fragment_pairs) {
        if name == "error" || name == "error_description" {
            quotable.push(clean(&value));
        }
    }
    for secret in states.iter().map(String::as_str).chain([CODE]) {
        if !quotable.iter().any(|q| q.contains(secret)) {
            assert!(!message.contains(secret), "a secret value in {message:?}");
        }
    }
    let user = parsed.username();
    let password = parsed.password().unwrap_or_default();
    if (!user.is_empty() || !password.is_empty())
        && url.len() <= wix_client::callback::MAX_CALLBACK_LEN
    {
        assert_eq!(
            message,
            Rejection::Malformed("it carries a user name or password".into()).to_string(),
            "a URL with user-info got past the parser"
        );
    }
}
