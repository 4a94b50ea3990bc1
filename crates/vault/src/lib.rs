//! The vault: where OAuth Desk keeps every secret it holds — project API keys, OAuth app client secrets and
//! member/visitor tokens — and nowhere else.
//!
//! What it is for: one small trait, [`SecretStore`], with two implementations:
//! - [`KeyringStore`]: the OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows).
//!   The keyring crate is built with explicit backend features, so it never silently falls back to its mock
//!   store, nor to kernel keyutils (which are lost on reboot). Values larger than what Windows Credential Manager
//!   accepts (2,560 bytes) are split over several entries and joined on read, on every platform alike.
//! - [`MemoryStore`]: an in-memory store for tests, which can also be told to fail its writes; [`SlowStore`]
//!   delays another store's calls, as a keyring waiting on an unlock prompt does.
//!
//! Entry names are chosen by the one module that writes them (`desk_core::secrets`), which also keeps the ledger
//! of what it wrote: the OS keyring cannot be listed.
//!
//! What it is not: a cache or a fallback. An absent or locked keyring is a [`VaultError`] that says what to do; no
//! secret is ever written to a plain file.
//!
//! Secrets travel as [`Secret`], which zeroizes its memory on drop and prints `[redacted]` in `Debug`/`Display`.
//!
//! ```
//! use vault::{MemoryStore, Secret, SecretStore};
//! let store = MemoryStore::default();
//! store.set("api-key/p1", &Secret::new("IST.example".to_owned())).unwrap();
//! assert_eq!(store.get("api-key/p1").unwrap().unwrap().expose(), "IST.example");
//! assert!(store.delete("api-key/p1").unwrap());
//! assert!(store.get("api-key/p1").unwrap().is_none());
//! ```

mod keyring_store;
mod memory;
mod secret;
mod slow;

pub use keyring_store::KeyringStore;
pub use memory::MemoryStore;
pub use secret::Secret;
pub use slow::SlowStore;

/// What can go wrong when reading or writing a secret.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No keyring service answered: on Linux, no Secret Service provider (GNOME Keyring, KWallet) runs on the
    /// session bus.
    #[error(
        "no OS keyring is available ({0}); start a Secret Service provider such as GNOME Keyring and try again"
    )]
    Unavailable(String),
    /// The keyring exists but is locked, or the user refused access.
    #[error("the OS keyring is locked or refused access ({0}); unlock it and try again")]
    Locked(String),
    /// The keyring rejected the entry (name or value not acceptable to the platform store).
    #[error("the OS keyring rejected the entry '{name}' ({reason})")]
    Rejected { name: String, reason: String },
    /// A stored value could not be read back whole (a missing chunk, or not UTF-8).
    #[error(
        "the secret '{name}' in the OS keyring is damaged ({reason}); delete it and store it again"
    )]
    Corrupt { name: String, reason: String },
    /// Any other keyring failure.
    #[error("the OS keyring failed: {0}")]
    Platform(String),
}

/// A place to keep secrets by name. Implementations are blocking (the OS keyring is a synchronous IPC call):
/// async callers should use `tokio::task::spawn_blocking`.
pub trait SecretStore: Send + Sync {
    /// The secret stored under `name`, or `None` if there is none.
    fn get(&self, name: &str) -> Result<Option<Secret>, VaultError>;
    /// Store `value` under `name`, replacing what was there.
    fn set(&self, name: &str, value: &Secret) -> Result<(), VaultError>;
    /// Remove the secret under `name`; `true` if there was one.
    fn delete(&self, name: &str) -> Result<bool, VaultError>;
}

impl<T: SecretStore + ?Sized> SecretStore for std::sync::Arc<T> {
    fn get(&self, name: &str) -> Result<Option<Secret>, VaultError> {
        (**self).get(name)
    }
    fn set(&self, name: &str, value: &Secret) -> Result<(), VaultError> {
        (**self).set(name, value)
    }
    fn delete(&self, name: &str) -> Result<bool, VaultError> {
        (**self).delete(name)
    }
}
