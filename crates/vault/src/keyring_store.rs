use keyring::Entry;

use crate::{Secret, SecretStore, VaultError};

/// The most bytes one keyring entry holds. Windows Credential Manager caps a credential blob at 2,560 bytes and
/// the keyring crate may store text there as UTF-16 (two bytes per unit), so 1,024 bytes of UTF-8 is safe
/// everywhere. Longer values (member tokens are JWTs of a few KiB) are split into chunks.
const CHUNK_BYTES: usize = 1024;

/// Marks an entry whose value is split over `<name>#1` … `<name>#N`. No secret we store starts with this.
const CHUNK_HEADER: &str = "oauthdesk-chunked:v1:";

/// The OS keyring: Secret Service on Linux (never the kernel keyutils store, which is lost on reboot, and never
/// the keyring crate's mock), Keychain on macOS, Credential Manager on Windows.
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    /// A store whose entries all live under the keyring service `service` (e.g. `dev.oauthdesk.app`); the entry
    /// name is the keyring "user". Tests use their own service name so they never touch a user's secrets.
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// The names of every item stored under this service, asked of the Secret Service itself (its search API),
    /// not of any list we keep: chunks show as `<name>#<n>`. Linux only; tests use it to prove that a removal
    /// left nothing behind.
    #[cfg(target_os = "linux")]
    pub fn names_in_keyring(&self) -> Result<Vec<String>, VaultError> {
        use dbus_secret_service::{EncryptionType, SecretService};
        let failed = |e: dbus_secret_service::Error| VaultError::Unavailable(e.to_string());
        let service = SecretService::connect(EncryptionType::Plain).map_err(failed)?;
        let found = service
            .search_items(std::collections::HashMap::from([(
                "service",
                self.service.as_str(),
            )]))
            .map_err(failed)?;
        let mut names = Vec::new();
        for item in found.unlocked.iter().chain(found.locked.iter()) {
            let attributes = item.get_attributes().map_err(failed)?;
            names.push(attributes.get("username").cloned().unwrap_or_default());
        }
        names.sort();
        Ok(names)
    }

    fn entry(&self, name: &str) -> Result<Entry, VaultError> {
        Entry::new(&self.service, name).map_err(|e| map_error(name, e))
    }

    fn read(&self, name: &str) -> Result<Option<String>, VaultError> {
        match self.entry(name)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(name, e)),
        }
    }

    fn write(&self, name: &str, value: &str) -> Result<(), VaultError> {
        self.entry(name)?
            .set_password(value)
            .map_err(|e| map_error(name, e))
    }

    fn remove(&self, name: &str) -> Result<bool, VaultError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_error(name, e)),
        }
    }

    /// Number of chunks recorded in a head entry, if it is a chunk header.
    fn chunk_count(head: &str) -> Option<usize> {
        head.strip_prefix(CHUNK_HEADER)?.parse().ok()
    }

    fn remove_chunks(&self, name: &str, count: usize) -> Result<(), VaultError> {
        for i in 1..=count {
            self.remove(&chunk_name(name, i))?;
        }
        Ok(())
    }
}

fn chunk_name(name: &str, index: usize) -> String {
    format!("{name}#{index}")
}

/// Split `value` into pieces of at most `CHUNK_BYTES` bytes, never inside a UTF-8 character.
fn chunks(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let mut end = rest.len().min(CHUNK_BYTES);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (head, tail) = rest.split_at(end);
        out.push(head);
        rest = tail;
    }
    out
}

impl SecretStore for KeyringStore {
    fn get(&self, name: &str) -> Result<Option<Secret>, VaultError> {
        let Some(head) = self.read(name)? else {
            return Ok(None);
        };
        let Some(count) = Self::chunk_count(&head) else {
            return Ok(Some(Secret::new(head)));
        };
        let mut value = String::with_capacity(count * CHUNK_BYTES);
        for i in 1..=count {
            let part = self
                .read(&chunk_name(name, i))?
                .ok_or_else(|| VaultError::Corrupt {
                    name: name.to_owned(),
                    reason: format!("chunk {i} of {count} is missing"),
                })?;
            value.push_str(&part);
        }
        Ok(Some(Secret::new(value)))
    }

    fn set(&self, name: &str, value: &Secret) -> Result<(), VaultError> {
        // Forget the chunks of a longer previous value first, so no stale tail is ever joined on read.
        if let Some(old) = self.read(name)?.as_deref().and_then(Self::chunk_count) {
            self.remove_chunks(name, old)?;
        }
        let value = value.expose();
        if value.len() <= CHUNK_BYTES && !value.starts_with(CHUNK_HEADER) {
            return self.write(name, value);
        }
        let parts = chunks(value);
        for (i, part) in parts.iter().enumerate() {
            self.write(&chunk_name(name, i + 1), part)?;
        }
        // The head goes last: a reader sees either the old value or the complete new one.
        self.write(name, &format!("{CHUNK_HEADER}{}", parts.len()))
    }

    fn delete(&self, name: &str) -> Result<bool, VaultError> {
        if let Some(count) = self.read(name)?.as_deref().and_then(Self::chunk_count) {
            self.remove_chunks(name, count)?;
        }
        self.remove(name)
    }
}

fn map_error(name: &str, error: keyring::Error) -> VaultError {
    match error {
        keyring::Error::NoStorageAccess(e) => VaultError::Locked(e.to_string()),
        keyring::Error::PlatformFailure(e) => VaultError::Unavailable(e.to_string()),
        keyring::Error::BadEncoding(_) => VaultError::Corrupt {
            name: name.to_owned(),
            reason: "not valid UTF-8".into(),
        },
        keyring::Error::TooLong(attr, max) => VaultError::Rejected {
            name: name.to_owned(),
            reason: format!("{attr} is longer than {max}"),
        },
        keyring::Error::Invalid(attr, reason) => VaultError::Rejected {
            name: name.to_owned(),
            reason: format!("{attr}: {reason}"),
        },
        other => VaultError::Platform(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_respect_size_and_char_boundaries() {
        let value = "é".repeat(3000); // 6,000 bytes of two-byte characters
        let parts = chunks(&value);
        assert!(parts.iter().all(|p| p.len() <= CHUNK_BYTES));
        assert_eq!(parts.concat(), value);
        assert_eq!(parts.len(), 6);
    }

    #[test]
    fn chunk_header_parses_only_our_marker() {
        assert_eq!(KeyringStore::chunk_count("oauthdesk-chunked:v1:3"), Some(3));
        assert_eq!(KeyringStore::chunk_count("eyJhbGciOi"), None);
    }
}
