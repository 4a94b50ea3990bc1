//! The shape check of a raw deep link, before any login table sees it.
//!
//! Anyone can start the app with any argument, so a deep link proves nothing by itself. [`inspect`] reads it with
//! the one callback parser ([`crate::callback::parse_callback`], which also caps its length), checks its shape
//! (`<scheme>://callback` with a code and state, or an error) and gives back a form of it that is safe to show
//! and log: every query and fragment value replaced by `…`. Whether it completes a login is for
//! [`crate::callback::PendingFlows::accept`] to say.

use crate::callback::{Rejection, parse_callback};

/// The redacted form of `raw` (no parameter value of it), and `Ok` if it has the shape of an OAuth callback for
/// `scheme` (`<scheme>://callback` carrying a code and a state, or an error), or else `Err` with the reason.
pub fn inspect(raw: &str, scheme: &str) -> (String, Result<(), String>) {
    let callback = match parse_callback(raw) {
        Ok(callback) => callback,
        Err(rejection @ Rejection::TooLong) => {
            return (
                format!("<{} bytes, not shown>", raw.len()),
                Err(rejection.to_string()),
            );
        }
        Err(rejection) => return ("<not a URL>".into(), Err(rejection.to_string())),
    };
    let expected = format!("{scheme}://callback");
    if callback.target != expected {
        return (
            callback.redacted,
            Err(format!("the address is not {expected}")),
        );
    }
    if callback.error.is_some() || (callback.code.is_some() && callback.state.is_some()) {
        (callback.redacted, Ok(()))
    } else {
        (
            callback.redacted,
            Err("it carries neither a code and state nor an error".into()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str) -> (String, Result<(), String>) {
        inspect(raw, "oauthdesk")
    }

    #[test]
    fn a_callback_is_recognised_and_its_values_never_shown() {
        let (redacted, verdict) = check("oauthdesk://callback?code=SECRETCODE&state=SECRETSTATE");
        assert_eq!(verdict, Ok(()));
        assert_eq!(redacted, "oauthdesk://callback?code=…&state=…");
    }

    #[test]
    fn fragment_callbacks_and_errors_are_callbacks_too() {
        let (redacted, verdict) = check("oauthdesk://callback#code=abc&state=def");
        assert_eq!(verdict, Ok(()));
        assert_eq!(redacted, "oauthdesk://callback#code=…&state=…");
        let (_, verdict) = check("oauthdesk://callback?error=access_denied&error_description=no");
        assert_eq!(verdict, Ok(()));
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
                Err(r) => assert!(r.contains(reason), "{raw}: {r}"),
                Ok(()) => panic!("{raw} was accepted as a callback"),
            }
        }
    }

    #[test]
    fn oversized_urls_are_rejected_unread() {
        let raw = format!(
            "oauthdesk://callback?code={}&state=b",
            "x".repeat(crate::callback::MAX_CALLBACK_LEN)
        );
        let (redacted, verdict) = check(&raw);
        assert!(verdict.is_err());
        assert!(!redacted.contains("xxx"));
    }

    #[test]
    fn odd_parameter_names_are_hidden_too() {
        let (redacted, _) = check("oauthdesk://callback?code=a&state=b&ey.secret.token=1");
        assert_eq!(redacted, "oauthdesk://callback?code=…&state=…&?=…");
    }
}
