use std::time::Duration;

use crate::{Secret, SecretStore, VaultError};

/// A store that waits `delay` before every call, as a locked keyring waiting on an unlock prompt (or a slow
/// KWallet) does. For tests that prove the app stays responsive while the keyring is slow.
pub struct SlowStore<S> {
    inner: S,
    delay: Duration,
}

impl<S: SecretStore> SlowStore<S> {
    pub fn new(inner: S, delay: Duration) -> Self {
        Self { inner, delay }
    }
}

impl<S: SecretStore> SecretStore for SlowStore<S> {
    fn get(&self, name: &str) -> Result<Option<Secret>, VaultError> {
        std::thread::sleep(self.delay);
        self.inner.get(name)
    }

    fn set(&self, name: &str, value: &Secret) -> Result<(), VaultError> {
        std::thread::sleep(self.delay);
        self.inner.set(name, value)
    }

    fn delete(&self, name: &str) -> Result<bool, VaultError> {
        std::thread::sleep(self.delay);
        self.inner.delete(name)
    }
}
