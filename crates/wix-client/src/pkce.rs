//! The per-login secrets of Authorization Code + PKCE (S256), as the SDK's `generateOAuthData` makes them: a
//! code verifier, its challenge `base64url(sha256(verifier))` without padding, and a `state` to match the callback
//! against — 43 characters, made as the SDK makes it: the challenge of a second, independent random verifier.
//! Built on the `oauth2` crate's types, whose `Debug` never prints the verifier or the state.

use oauth2::{CsrfToken, PkceCodeChallenge, PkceCodeVerifier};

/// What one browser login needs to remember until its callback arrives. Fresh for every login.
#[derive(Debug)]
pub struct OAuthData {
    /// Sent only with the code exchange.
    pub code_verifier: PkceCodeVerifier,
    /// Sent in the login request (`codeChallenge`, method `S256`).
    pub code_challenge: String,
    /// Sent in the login request; the callback must bring it back unchanged.
    pub state: CsrfToken,
    pub redirect_uri: String,
}

impl OAuthData {
    /// New, random verifier (43 characters) and state for a login that returns to `redirect_uri`.
    pub fn generate(redirect_uri: &str) -> Self {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (state, _) = PkceCodeChallenge::new_random_sha256();
        Self {
            code_verifier: verifier,
            code_challenge: challenge.as_str().to_owned(),
            state: CsrfToken::new(state.as_str().to_owned()),
            redirect_uri: redirect_uri.to_owned(),
        }
    }

    /// A login's data from its saved verifier and state (to finish it after a restart).
    pub fn restore(redirect_uri: &str, code_verifier: String, state: String) -> Self {
        let verifier = PkceCodeVerifier::new(code_verifier);
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
        Self {
            code_verifier: verifier,
            code_challenge: challenge.as_str().to_owned(),
            state: CsrfToken::new(state),
            redirect_uri: redirect_uri.to_owned(),
        }
    }

    /// The challenge method the login request names.
    pub fn code_challenge_method(&self) -> &'static str {
        "S256"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use sha2::Digest;

    #[test]
    fn the_challenge_is_the_unpadded_base64url_sha256_of_the_verifier() {
        let data = OAuthData::generate("oauthdesk://callback");
        let verifier = data.code_verifier.secret();
        assert_eq!(verifier.len(), 43);
        assert!(
            verifier
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
        );
        let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        assert_eq!(data.code_challenge, expected);
        assert_eq!(data.code_challenge_method(), "S256");
    }

    #[test]
    fn every_login_gets_fresh_secrets_that_debug_never_prints() {
        let a = OAuthData::generate("oauthdesk://callback");
        let b = OAuthData::generate("oauthdesk://callback");
        assert_ne!(a.code_verifier.secret(), b.code_verifier.secret());
        assert_ne!(a.state.secret(), b.state.secret());
        assert_ne!(a.state.secret(), &a.code_challenge);
        for state in [a.state.secret(), b.state.secret()] {
            assert_eq!(state.len(), 43, "as long as the SDK's state");
            assert!(
                state
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
            );
        }
        let printed = format!("{a:?}");
        assert!(!printed.contains(a.code_verifier.secret().as_str()));
        assert!(!printed.contains(a.state.secret().as_str()));
    }
}
