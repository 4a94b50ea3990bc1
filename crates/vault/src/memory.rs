use std::collections::HashMap;
use std::sync::Mutex;

use crate::{Secret, SecretStore, VaultError};

/// An in-memory [`SecretStore`] for tests. It holds values only as long as it lives.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, Secret>>,
    fail_writes: bool,
}

impl MemoryStore {
    /// A store whose every `set` fails as a locked keyring would, to test that callers lose nothing when the
    /// vault refuses a write.
    pub fn failing_writes() -> Self {
        Self {
            entries: Mutex::default(),
            fail_writes: true,
        }
    }

    /// The names of the entries held now, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<_> = self.lock().keys().cloned().collect();
        names.sort();
        names
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret>> {
        // A panic while holding this lock cannot leave the map half-written, so a poisoned lock is safe to reuse.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, name: &str) -> Result<Option<Secret>, VaultError> {
        Ok(self.lock().get(name).cloned())
    }

    fn set(&self, name: &str, value: &Secret) -> Result<(), VaultError> {
        if self.fail_writes {
            return Err(VaultError::Locked("test store refuses writes".into()));
        }
        self.lock().insert(name.to_owned(), value.clone());
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<bool, VaultError> {
        Ok(self.lock().remove(name).is_some())
    }
}
