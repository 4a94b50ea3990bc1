//! The claims of a JWT-shaped token, decoded for display only: no signature is checked, so nothing here may be
//! trusted for a decision.
//!
//! A token comes from a server, so what it decodes to is bounded before anyone shows it: tokens longer than
//! [`MAX_TOKEN_LEN`] are not read, at most [`MAX_CLAIMS`] claims are kept, and each name and value loses its
//! control characters (bidirectional-text controls too) and is shortened (with `…`) to [`MAX_NAME_CHARS`] /
//! [`MAX_VALUE_CHARS`] characters.

use base64::Engine;

/// Tokens longer than this are not decoded (no claims).
pub const MAX_TOKEN_LEN: usize = 16 * 1024;
/// The most claims decoded from one token; the rest are left out.
pub const MAX_CLAIMS: usize = 64;
/// The longest claim name kept, in characters (then `…`).
pub const MAX_NAME_CHARS: usize = 64;
/// The longest claim value kept, in characters (then `…`).
pub const MAX_VALUE_CHARS: usize = 256;

/// One claim: its name, and its value as text (strings as they are, anything else as JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub name: String,
    pub value: String,
}

/// The payload claims of `token` if it is a JWT (`header.payload.signature`, the payload a base64url JSON
/// object); anything else has no claims. Bounded as the module says.
pub fn decode_claims(token: &str) -> Vec<Claim> {
    if token.len() > MAX_TOKEN_LEN {
        return Vec::new();
    }
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Vec::new();
    };
    let Ok(bytes) =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('='))
    else {
        return Vec::new();
    };
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(&bytes)
    else {
        return Vec::new();
    };
    map.into_iter()
        .take(MAX_CLAIMS)
        .map(|(name, value)| Claim {
            name: shown(&name, MAX_NAME_CHARS),
            value: match value {
                serde_json::Value::String(s) => shown(&s, MAX_VALUE_CHARS),
                other => shown(&other.to_string(), MAX_VALUE_CHARS),
            },
        })
        .collect()
}

/// `text` without control characters (bidirectional-text controls included), at most `max` characters (then `…`).
fn shown(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (count, c) in text
        .chars()
        .filter(|c| !crate::callback::hidden_control(*c))
        .enumerate()
    {
        if count == max {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!(
            "h.{}.s",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload)
        )
    }

    fn claim(name: &str, value: &str) -> Claim {
        Claim {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn claims_are_decoded_from_jwts_only() {
        let claims = decode_claims(&jwt(r#"{"sub":"m1","exp":5,"data":{"a":[1]}}"#));
        assert!(claims.contains(&claim("sub", "m1")));
        assert!(claims.contains(&claim("exp", "5")));
        assert!(claims.contains(&claim("data", r#"{"a":[1]}"#)));
        for token in [
            "OauthNG.JWS.opaque.token",
            "not-a-jwt",
            "a.b",
            "h.!!.s",
            &jwt("[1,2]"),
            &jwt("not json"),
        ] {
            assert!(decode_claims(token).is_empty(), "{token}");
        }
        // Padded payloads are read too.
        let padded = format!(
            "h.{}.s",
            base64::engine::general_purpose::URL_SAFE.encode(r#"{"sub":"m"}"#)
        );
        assert_eq!(decode_claims(&padded), [claim("sub", "m")]);
    }

    #[test]
    fn what_a_server_puts_in_a_token_is_bounded_before_it_is_shown() {
        let many: Vec<String> = (0..500).map(|i| format!(r#""c{i}":{i}"#)).collect();
        let claims = decode_claims(&jwt(&format!("{{{}}}", many.join(","))));
        assert_eq!(claims.len(), MAX_CLAIMS);

        let long = "v".repeat(10_000);
        let name = "n".repeat(1_000);
        let claims = decode_claims(&jwt(&format!(
            r#"{{"{name}":"{long}","ctl":"a\u001b[31mb\nc\u202e"}}"#
        )));
        let by_name = |n: &str| claims.iter().find(|c| c.name.starts_with(n)).unwrap();
        let big = by_name("nnn");
        assert_eq!(big.name.chars().count(), MAX_NAME_CHARS + 1);
        assert_eq!(big.value.chars().count(), MAX_VALUE_CHARS + 1);
        assert!(big.value.ends_with('…'));
        assert_eq!(by_name("ctl").value, "a[31mbc");

        let huge = jwt(&format!(r#"{{"sub":"{}"}}"#, "x".repeat(MAX_TOKEN_LEN)));
        assert!(decode_claims(&huge).is_empty());
    }
}
