//! Access tokens per (profile, instance): held while the app runs, each renewed by one caller at a time through
//! the Wix client's [`TokenCell`], and renewed in the background a minute before expiry, whether or not a window
//! shows them. Basic tokens are renewed with client credentials; advanced ones with the instance's refresh token,
//! whose rotated successor is stored before the new access token is used.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vault::Secret;
use wix_client::store::TokenCell;
use wix_client::wix_apps::AppToken;

use super::{AppTokenStatus, KnownInstance, Strategy, WixAppEvent, WixAppProfile, WixApps};
use crate::error::{CoreError, Result};
use crate::secrets::Entry;

/// Renew this long before a token expires.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

type Key = (String, String);

/// A token and how it was obtained (so it is renewed the same way).
#[derive(Clone)]
pub(super) struct HeldToken {
    strategy: Strategy,
    token: AppToken,
}

impl HeldToken {
    fn fresh(&self) -> bool {
        let margin = chrono::Duration::from_std(RENEW_MARGIN).unwrap_or_default();
        self.token.expires_at > chrono::Utc::now() + margin
    }
}

/// The held tokens and their background renewals.
#[derive(Default)]
pub(super) struct TokenCache {
    cells: Mutex<HashMap<Key, Arc<TokenCell<HeldToken>>>>,
    renewals: Mutex<HashMap<Key, tokio::task::JoinHandle<()>>>,
}

impl TokenCache {
    fn key(profile_id: &str, instance_id: &str) -> Key {
        (profile_id.to_owned(), instance_id.to_owned())
    }

    fn cell(&self, profile_id: &str, instance_id: &str) -> Arc<TokenCell<HeldToken>> {
        self.cells
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(Self::key(profile_id, instance_id))
            .or_insert_with(|| Arc::new(TokenCell::new(None)))
            .clone()
    }

    fn peek(&self, profile_id: &str, instance_id: &str) -> Option<Arc<TokenCell<HeldToken>>> {
        self.cells
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&Self::key(profile_id, instance_id))
            .cloned()
    }

    fn forget(&self, profile_id: &str, instance_id: &str) {
        let key = Self::key(profile_id, instance_id);
        self.cells
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
        if let Some(task) = self
            .renewals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key)
        {
            task.abort();
        }
    }

    /// Drop every token of a profile and stop their renewals.
    pub fn forget_profile(&self, profile_id: &str) {
        self.cells
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(p, _), _| p != profile_id);
        self.renewals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(p, _), task| {
                let keep = p != profile_id;
                if !keep {
                    task.abort();
                }
                keep
            });
    }
}

fn status(profile_id: &str, instance_id: &str, held: &HeldToken) -> AppTokenStatus {
    AppTokenStatus {
        profile_id: profile_id.to_owned(),
        instance_id: instance_id.to_owned(),
        strategy: held.strategy,
        expires_at: held.token.expires_at.to_rfc3339(),
    }
}

impl WixApps {
    /// Basic OAuth: a new 4-hour access token for an instance (also the fallback of an advanced instance without
    /// a refresh token).
    pub async fn basic_token(
        self: &Arc<Self>,
        profile_id: &str,
        instance_id: &str,
    ) -> Result<AppTokenStatus> {
        let instance_id = instance_id.trim();
        if instance_id.is_empty() {
            return Err(CoreError::invalid(
                "instanceId",
                "Enter the instance ID of an installation.",
            ));
        }
        self.renew_now(profile_id, instance_id, Strategy::Basic)
            .await
    }

    /// Advanced OAuth: a new access token from the stored refresh token; the rotated refresh token is stored
    /// before this returns.
    pub async fn refresh(
        self: &Arc<Self>,
        profile_id: &str,
        instance_id: &str,
    ) -> Result<AppTokenStatus> {
        self.renew_now(profile_id, instance_id, Strategy::Advanced)
            .await
    }

    async fn renew_now(
        self: &Arc<Self>,
        profile_id: &str,
        instance_id: &str,
        strategy: Strategy,
    ) -> Result<AppTokenStatus> {
        let profile = self.profiles.get(profile_id)?;
        let held = self
            .tokens
            .cell(profile_id, instance_id)
            .renew(async |_| self.obtain(&profile, instance_id, strategy).await)
            .await?;
        self.keep_renewing(profile_id, instance_id);
        Ok(status(profile_id, instance_id, &held))
    }

    /// A new token for an instance, by `strategy`, noted on the profile.
    async fn obtain(
        &self,
        profile: &WixAppProfile,
        instance_id: &str,
        strategy: Strategy,
    ) -> Result<HeldToken> {
        let auth = self.auth(profile).await?;
        let token = match strategy {
            Strategy::Basic => auth.basic_token(instance_id).await?,
            Strategy::Advanced => {
                let entry = Entry::WixAppRefreshToken {
                    profile: profile.id.clone(),
                    instance: instance_id.to_owned(),
                };
                let refresh = self.secrets.get(&entry).await?.ok_or_else(|| {
                    CoreError::NotFound(
                        "No refresh token is stored for this instance: use basic OAuth for it (the documented fallback), or install again.".into(),
                    )
                })?;
                let token = auth.refresh(&refresh).await?;
                if let Some(rotated) = &token.refresh_token {
                    self.secrets.set(&entry, rotated.clone()).await?;
                }
                token
            }
        };
        self.note_instance(&profile.id, instance_id, true).await?;
        Ok(HeldToken { strategy, token })
    }

    /// Record on the profile that an instance exists (and, with `token`, that a token was just obtained).
    pub(super) async fn note_instance(
        &self,
        profile_id: &str,
        instance_id: &str,
        token: bool,
    ) -> Result<()> {
        let now = chrono::Utc::now().to_rfc3339();
        self.profiles
            .update(profile_id, |p| {
                let last_token = token.then(|| now.clone());
                match p
                    .instances
                    .iter_mut()
                    .find(|i| i.instance_id == instance_id)
                {
                    Some(instance) => {
                        if last_token.is_some() {
                            instance.last_token = last_token;
                        }
                    }
                    None => p.instances.push(KnownInstance {
                        instance_id: instance_id.to_owned(),
                        added: now.clone(),
                        last_token,
                        finished_configuration: false,
                        has_refresh_token: false,
                    }),
                }
            })
            .await
    }

    /// Hold a token obtained elsewhere (the install's code exchange) and keep it renewed.
    pub(super) async fn hold(
        self: &Arc<Self>,
        profile_id: &str,
        instance_id: &str,
        token: AppToken,
    ) -> Result<()> {
        let held = HeldToken {
            strategy: Strategy::Advanced,
            token,
        };
        self.tokens
            .cell(profile_id, instance_id)
            .set(held, async |_| Ok::<_, CoreError>(()))
            .await?;
        self.keep_renewing(profile_id, instance_id);
        Ok(())
    }

    /// The token held for an instance, renewed first if it expires within a minute (one renewal for any number
    /// of callers). With none held, an advanced profile refreshes and a basic one asks anew.
    async fn live_token(
        self: &Arc<Self>,
        profile_id: &str,
        instance_id: &str,
    ) -> Result<HeldToken> {
        let profile = self.profiles.get(profile_id)?;
        let held = self
            .tokens
            .cell(profile_id, instance_id)
            .fresh_or_renew(HeldToken::fresh, async |held| {
                let strategy = held.as_ref().map_or(profile.strategy, |h| h.strategy);
                self.obtain(&profile, instance_id, strategy).await
            })
            .await?;
        self.keep_renewing(profile_id, instance_id);
        Ok(held)
    }

    /// The access token for an explicit copy.
    pub async fn auth_header(
        self: &Arc<Self>,
        profile_id: &str,
        instance_id: &str,
    ) -> Result<Secret> {
        Ok(self
            .live_token(profile_id, instance_id)
            .await?
            .token
            .access_token)
    }

    /// Report `APP_FINISHED_CONFIGURATION` for an instance.
    pub async fn finish_configuration(
        self: &Arc<Self>,
        profile_id: &str,
        instance_id: &str,
    ) -> Result<()> {
        let profile = self.profiles.get(profile_id)?;
        let held = self.live_token(profile_id, instance_id).await?;
        self.auth(&profile)
            .await?
            .send_finished_configuration(&held.token.access_token)
            .await?;
        self.profiles
            .update(profile_id, |p| {
                if let Some(i) = p
                    .instances
                    .iter_mut()
                    .find(|i| i.instance_id == instance_id)
                {
                    i.finished_configuration = true;
                }
            })
            .await
    }

    /// The current token of an instance, if held (no request).
    pub async fn token_status(
        &self,
        profile_id: &str,
        instance_id: &str,
    ) -> Option<AppTokenStatus> {
        let held = self.tokens.peek(profile_id, instance_id)?.get().await?;
        Some(status(profile_id, instance_id, &held))
    }

    /// Make sure a background task renews this instance's token a minute before it expires, for as long as the
    /// token is held (it stops when the token or its profile is dropped, or the workbench is).
    fn keep_renewing(self: &Arc<Self>, profile_id: &str, instance_id: &str) {
        let key = TokenCache::key(profile_id, instance_id);
        let mut renewals = self
            .tokens
            .renewals
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if renewals.get(&key).is_some_and(|task| !task.is_finished()) {
            return;
        }
        let apps = Arc::downgrade(self);
        let (profile_id, instance_id) = key.clone();
        let task = tokio::spawn(async move {
            loop {
                let due = {
                    let Some(apps) = apps.upgrade() else { return };
                    let Some(cell) = apps.tokens.peek(&profile_id, &instance_id) else {
                        return;
                    };
                    let Some(held) = cell.get().await else { return };
                    held.token.expires_at
                        - chrono::Duration::from_std(RENEW_MARGIN).unwrap_or_default()
                };
                let wait = (due - chrono::Utc::now()).to_std().unwrap_or_default();
                tokio::time::sleep(wait).await;
                let Some(apps) = apps.upgrade() else { return };
                let event = match apps.live_token(&profile_id, &instance_id).await {
                    Ok(held) => WixAppEvent::TokenRenewed(status(&profile_id, &instance_id, &held)),
                    Err(e) => {
                        apps.tokens.forget(&profile_id, &instance_id);
                        let _ = apps.events.send(WixAppEvent::RenewalFailed {
                            profile_id: profile_id.clone(),
                            instance_id: instance_id.clone(),
                            message: format!(
                                "The token could not be renewed before it expired: {e}"
                            ),
                        });
                        return;
                    }
                };
                let _ = apps.events.send(event);
            }
        });
        renewals.insert(key, task);
    }
}
