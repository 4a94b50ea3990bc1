use std::fmt;

use zeroize::Zeroizing;

/// A secret value: an API key, a client secret, a token. Its memory is wiped on drop, and it never prints its
/// value: `Debug` and `Display` show `[redacted]`. Read it with [`Secret::expose`], only where it must be sent.
///
/// It can be *received* from the UI (`Deserialize`; with the `specta` feature, typed as a string in the generated
/// bindings), so a secret typed by the user is this type from the first moment. It is never `Serialize`: sending
/// one to the UI takes an explicit `expose`.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type), specta(transparent))]
pub struct Secret(#[cfg_attr(feature = "specta", specta(type = String))] Zeroizing<String>);

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

impl Secret {
    pub fn new(value: String) -> Self {
        Self(Zeroizing::new(value))
    }

    /// The value itself. Call this only to send it where it belongs (an HTTP header, the keyring, the clipboard).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_received_as_a_plain_string() {
        let s: Secret = serde_json::from_str("\"IST.typed-by-the-user\"").unwrap();
        assert_eq!(s.expose(), "IST.typed-by-the-user");
    }

    #[test]
    fn debug_and_display_never_print_the_value() {
        let s = Secret::from("hunter2-very-secret");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2-very-secret");
    }
}
