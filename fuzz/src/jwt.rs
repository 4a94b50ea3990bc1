//! `jwt_claims`: decoding the claims of JWT-shaped tokens (`wix_client::jwt::decode_claims`).
//!
//! Input: any bytes. They are decoded twice: as a whole token (when UTF-8), and as the JSON payload of a token
//! built around them (`h.<base64url(input)>.s`), so the JSON branches are reached without the fuzzer having to
//! produce base64 of valid JSON.
//!
//! Invariants: nothing panics; at most `MAX_CLAIMS` claims, names and values shortened to their limits (plus `…`)
//! and free of control characters; a token over `MAX_TOKEN_LEN` has no claims; a payload that is a JSON object
//! gives one claim per name (up to the limit), with short plain string values exactly as sent.

use base64::Engine;
use wix_client::jwt::{
    Claim, MAX_CLAIMS, MAX_NAME_CHARS, MAX_TOKEN_LEN, MAX_VALUE_CHARS, decode_claims,
};

pub fn check(data: &[u8]) {
    if let Some(token) = crate::text(data) {
        bounded(&decode_claims(token));
        if token.len() > MAX_TOKEN_LEN {
            assert!(decode_claims(token).is_empty());
        }
    }
    let token = format!(
        "h.{}.s",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
    );
    let claims = decode_claims(&token);
    bounded(&claims);
    if token.len() > MAX_TOKEN_LEN {
        assert!(claims.is_empty(), "an oversized token was decoded");
        return;
    }
    match serde_json::from_slice::<serde_json::Value>(data) {
        Ok(serde_json::Value::Object(map)) => {
            assert_eq!(claims.len(), map.len().min(MAX_CLAIMS));
            let plain =
                |s: &str, max: usize| s.chars().count() <= max && !s.chars().any(crate::hidden);
            // Names that were cleaned or shortened may collide; check the rest only when none was.
            if map.keys().all(|n| plain(n, MAX_NAME_CHARS)) {
                for claim in &claims {
                    match map.get(&claim.name) {
                        Some(serde_json::Value::String(s)) if plain(s, MAX_VALUE_CHARS) => {
                            assert_eq!(&claim.value, s, "claim {:?} changed", claim.name)
                        }
                        Some(_) => {}
                        None => panic!("a claim {:?} that the payload does not name", claim.name),
                    }
                }
            }
        }
        _ => assert!(claims.is_empty(), "claims from a payload that is no object"),
    }
}

fn bounded(claims: &[Claim]) {
    assert!(claims.len() <= MAX_CLAIMS, "{} claims", claims.len());
    for claim in claims {
        assert!(claim.name.chars().count() <= MAX_NAME_CHARS + 1);
        assert!(claim.value.chars().count() <= MAX_VALUE_CHARS + 1);
        assert!(!claim.name.chars().any(crate::hidden));
        assert!(!claim.value.chars().any(crate::hidden));
    }
}
