//! Where the client keeps what it must not lose, and how it renews a token once for many callers.
//!
//! The client writes no keyring entry itself. It takes these small traits, and the application implements them
//! (OAuth Desk's `desk_core::secrets`), so each write lands with the one module that owns the keyring and records
//! what it wrote, at the moment it happens. Implementations do their blocking I/O off the async runtime.

use std::future::Future;
use std::pin::Pin;

use vault::{Secret, VaultError};

use crate::visitor::Tokens;

/// A boxed future, so the traits stay object safe.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, VaultError>> + Send + 'a>>;

/// Keeps one set of tokens: one project's OAuth app, visitor or member.
pub trait TokenStore: Send + Sync {
    /// The stored tokens, if any (unreadable ones count as none).
    fn load(&self) -> StoreFuture<'_, Option<Tokens>>;
    /// Replace the stored tokens.
    fn save<'a>(&'a self, tokens: &'a Tokens) -> StoreFuture<'a, ()>;
    /// Forget them.
    fn clear(&self) -> StoreFuture<'_, ()>;
}

/// Takes a created OAuth app's client secret before the create call returns (Wix shows it only once).
pub trait SecretSink: Send + Sync {
    fn keep<'a>(&'a self, client_id: &'a str, secret: &'a Secret) -> StoreFuture<'a, ()>;
}

/// Tokens in memory only: for tests and tools that must not touch a keyring.
#[derive(Default)]
pub struct MemoryTokens(std::sync::Mutex<Option<Tokens>>);

impl MemoryTokens {
    pub fn holding(tokens: Option<Tokens>) -> Self {
        Self(std::sync::Mutex::new(tokens))
    }

    pub fn get(&self) -> Option<Tokens> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn put(&self, tokens: Option<Tokens>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = tokens;
    }
}

impl TokenStore for MemoryTokens {
    fn load(&self) -> StoreFuture<'_, Option<Tokens>> {
        Box::pin(async move { Ok(self.get()) })
    }
    fn save<'a>(&'a self, tokens: &'a Tokens) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.put(Some(tokens.clone()));
            Ok(())
        })
    }
    fn clear(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.put(None);
            Ok(())
        })
    }
}

/// Created secrets in memory only, for tests and tools; [`MemorySecrets::refusing`] fails as a locked keyring
/// would.
#[derive(Default)]
pub struct MemorySecrets {
    kept: std::sync::Mutex<std::collections::HashMap<String, Secret>>,
    refuse: bool,
}

impl MemorySecrets {
    pub fn refusing() -> Self {
        Self {
            refuse: true,
            ..Self::default()
        }
    }

    /// The secret kept for `client_id`.
    pub fn get(&self, client_id: &str) -> Option<Secret> {
        self.kept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(client_id)
            .cloned()
    }
}

impl SecretSink for MemorySecrets {
    fn keep<'a>(&'a self, client_id: &'a str, secret: &'a Secret) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            if self.refuse {
                return Err(VaultError::Locked("test store refuses writes".into()));
            }
            self.kept
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(client_id.to_owned(), secret.clone());
            Ok(())
        })
    }
}

/// A token held for many callers, renewed by one of them at a time (single flight): callers that arrive while a
/// renewal runs wait for it and get its result instead of sending their own request. The renewal itself (request
/// and storing the result) runs while the cell is held, so two renewals never race with the same refresh token.
pub struct TokenCell<T> {
    held: tokio::sync::Mutex<Option<T>>,
}

impl<T: Clone> TokenCell<T> {
    pub fn new(initial: Option<T>) -> Self {
        Self {
            held: tokio::sync::Mutex::new(initial),
        }
    }

    /// What is held now (waits for a renewal in flight).
    pub async fn get(&self) -> Option<T> {
        self.held.lock().await.clone()
    }

    /// The held value if `fresh` says so; otherwise `renew` runs with the held value (it may clear it, e.g. when
    /// the server refused the refresh token) and its result is held.
    pub async fn fresh_or_renew<E>(
        &self,
        fresh: impl Fn(&T) -> bool,
        renew: impl AsyncFnOnce(&mut Option<T>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut held = self.held.lock().await;
        if let Some(value) = held.as_ref().filter(|v| fresh(v)) {
            return Ok(value.clone());
        }
        let renewed = renew(&mut held).await?;
        *held = Some(renewed.clone());
        Ok(renewed)
    }

    /// Renew whatever is held, fresh or not (a "renew now" button).
    pub async fn renew<E>(
        &self,
        renew: impl AsyncFnOnce(&mut Option<T>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.fresh_or_renew(|_| false, renew).await
    }

    /// Replace what is held after `persist` succeeded (both under the cell, so no renewal interleaves).
    pub async fn set<E>(
        &self,
        value: T,
        persist: impl AsyncFnOnce(&T) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut held = self.held.lock().await;
        persist(&value).await?;
        *held = Some(value);
        Ok(())
    }

    /// Drop what is held after `persist` succeeded.
    pub async fn clear<E>(&self, persist: impl AsyncFnOnce() -> Result<(), E>) -> Result<(), E> {
        let mut held = self.held.lock().await;
        persist().await?;
        *held = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn many_callers_with_a_stale_value_cause_one_renewal() {
        let cell = Arc::new(TokenCell::new(Some(0u32)));
        let renewals = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = (0..50)
            .map(|_| {
                let (cell, renewals) = (cell.clone(), renewals.clone());
                tokio::spawn(async move {
                    cell.fresh_or_renew(
                        |v| *v > 0,
                        async |held: &mut Option<u32>| {
                            renewals.fetch_add(1, Ordering::SeqCst);
                            tokio::task::yield_now().await;
                            Ok::<_, ()>(held.unwrap_or_default() + 1)
                        },
                    )
                    .await
                })
            })
            .collect();
        for caller in callers {
            assert_eq!(caller.await.unwrap(), Ok(1));
        }
        assert_eq!(renewals.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_renewal_keeps_what_the_renewal_left() {
        let cell = TokenCell::new(Some(1u32));
        let result = cell
            .renew(async |held: &mut Option<u32>| {
                *held = None;
                Err::<u32, _>("refused")
            })
            .await;
        assert_eq!(result, Err("refused"));
        assert_eq!(cell.get().await, None);
    }
}
