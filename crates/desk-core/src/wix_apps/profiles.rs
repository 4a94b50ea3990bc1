//! Wix app profiles: the list in `wix-apps.json` (no secret), and adding or removing a profile with everything it
//! owns (its app secret and its instances' refresh tokens in the keyring, its held tokens, its loopback server).

use std::path::Path;
use std::sync::{Arc, Mutex};

use vault::Secret;

use super::{NewWixAppProfile, Strategy, WixAppProfile, WixAppProfileView, WixApps};
use crate::error::{CoreError, Result};
use crate::files::JsonFile;
use crate::secrets::{Entry, Owner, Secrets};

pub(crate) const FILE: &str = "wix-apps.json";

/// The profiles, in memory and written through to their file.
pub(super) struct ProfileList {
    file: JsonFile,
    list: Mutex<Vec<WixAppProfile>>,
}

impl ProfileList {
    /// Load the list; keyring entries of profiles saved before the ledger existed are handed to it.
    pub async fn open(data_dir: &Path, secrets: &Secrets) -> Result<Self> {
        let file = JsonFile::new(data_dir.join(FILE));
        let list: Vec<WixAppProfile> = file.read().await?.unwrap_or_default();
        let earlier = list.iter().flat_map(|p| {
            std::iter::once(Entry::WixAppSecret {
                profile: p.id.clone(),
            })
            .chain(p.instances.iter().map(|i| Entry::WixAppRefreshToken {
                profile: p.id.clone(),
                instance: i.instance_id.clone(),
            }))
        });
        secrets.adopt(earlier.collect::<Vec<_>>()).await?;
        Ok(Self {
            file,
            list: Mutex::new(list),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<WixAppProfile>> {
        self.list.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn all(&self) -> Vec<WixAppProfile> {
        self.lock().clone()
    }

    pub fn get(&self, id: &str) -> Result<WixAppProfile> {
        self.lock()
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .ok_or_else(|| {
                CoreError::NotFound(
                    "There is no such Wix app profile (it may have been removed); pick another."
                        .into(),
                )
            })
    }

    /// Change the list in memory, then write it (outside the lock).
    async fn change(
        &self,
        change: impl FnOnce(&mut Vec<WixAppProfile>) -> Result<()>,
    ) -> Result<()> {
        let snapshot = {
            let mut list = self.lock();
            change(&mut list)?;
            list.clone()
        };
        self.file.save(&snapshot).await
    }

    pub async fn push(&self, profile: WixAppProfile) -> Result<()> {
        self.change(|list| {
            list.push(profile);
            Ok(())
        })
        .await
    }

    pub async fn remove(&self, id: &str) -> Result<()> {
        self.change(|list| {
            list.retain(|p| p.id != id);
            Ok(())
        })
        .await
    }

    /// Change one profile and save.
    pub async fn update(&self, id: &str, change: impl FnOnce(&mut WixAppProfile)) -> Result<()> {
        self.change(|list| {
            let profile = list.iter_mut().find(|p| p.id == id).ok_or_else(|| {
                CoreError::NotFound(
                    "There is no such Wix app profile (it may have been removed).".into(),
                )
            })?;
            change(profile);
            Ok(())
        })
        .await
    }
}

impl WixApps {
    /// Every profile, with whether the keyring holds each instance's refresh token (from the ledger: no keyring
    /// call) and whether its loopback server listens.
    pub fn list(&self) -> Vec<WixAppProfileView> {
        self.profiles
            .all()
            .into_iter()
            .map(|mut profile| {
                for instance in &mut profile.instances {
                    instance.has_refresh_token = self.secrets.holds(&Entry::WixAppRefreshToken {
                        profile: profile.id.clone(),
                        instance: instance.instance_id.clone(),
                    });
                }
                WixAppProfileView {
                    app_url: profile.app_url(),
                    redirect_url: profile.redirect_url(),
                    listening: self.servers.listening(&profile.id),
                    serve_error: self.servers.failure(&profile.id),
                    profile,
                }
            })
            .collect()
    }

    fn view(&self, id: &str) -> Result<WixAppProfileView> {
        self.list()
            .into_iter()
            .find(|v| v.profile.id == id)
            .ok_or_else(|| CoreError::NotFound("The profile was removed meanwhile.".into()))
    }

    /// Add a profile: check the input, keep the secret in the keyring, and for advanced OAuth serve the App URL
    /// and Redirect URL (on the sandbox, also register them with its app, as one would in the Dev Center).
    pub async fn add(self: &Arc<Self>, new: NewWixAppProfile) -> Result<WixAppProfileView> {
        let name = new.name.trim();
        if !(1..=80).contains(&name.chars().count()) {
            return Err(CoreError::invalid("name", "Name: 1 to 80 characters."));
        }
        if new.app_id.trim().is_empty() {
            return Err(CoreError::invalid(
                "appId",
                "Enter the app ID (Dev Center → your app → OAuth).",
            ));
        }
        if new.app_secret.expose().trim().is_empty() {
            return Err(CoreError::invalid(
                "appSecret",
                "Enter the app secret (Dev Center → your app → OAuth).",
            ));
        }
        let port = match new.strategy {
            Strategy::Basic => None,
            Strategy::Advanced => Some(match new.port {
                Some(port) if port >= 1024 => port,
                Some(_) => {
                    return Err(CoreError::invalid(
                        "port",
                        "Choose a port from 1024 to 65535.",
                    ));
                }
                None => super::loopback::free_port()?,
            }),
        };
        let profile = WixAppProfile {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            app_id: new.app_id.trim().to_owned(),
            strategy: new.strategy,
            sandbox: new.sandbox,
            port,
            instances: Vec::new(),
        };
        if profile.strategy == Strategy::Advanced && profile.sandbox {
            self.sandbox.register_wix_app(
                &profile.app_id,
                &profile.app_url().unwrap_or_default(),
                &profile.redirect_url().unwrap_or_default(),
            )?;
        }
        let secret = Entry::WixAppSecret {
            profile: profile.id.clone(),
        };
        self.secrets
            .set(
                &secret,
                Secret::new(new.app_secret.expose().trim().to_owned()),
            )
            .await?;
        if let Err(e) = self.profiles.push(profile.clone()).await {
            let _ = self
                .secrets
                .remove_owned_by(&Owner::WixApp(profile.id.clone()))
                .await;
            return Err(e);
        }
        if profile.strategy == Strategy::Advanced {
            self.serve(&profile).await?;
        }
        self.view(&profile.id)
    }

    /// Remove a profile and all it owns: its held tokens and their renewals, its loopback server, and its
    /// keyring entries (the app secret and every instance's refresh token).
    pub async fn remove(&self, id: &str) -> Result<()> {
        let profile = self.profiles.get(id)?;
        self.tokens.forget_profile(id);
        self.servers.stop(id);
        self.installs.forget_profile(id);
        self.secrets
            .remove_owned_by(&Owner::WixApp(profile.id.clone()))
            .await?;
        self.profiles.remove(id).await
    }

    /// Start the loopback server of every advanced profile (at app start). A port that is taken is reported in
    /// the profile's view (`listening: false`) and its error kept for the UI.
    pub async fn serve_all(self: &Arc<Self>) {
        let profiles = self.profiles.all();
        for profile in profiles.iter().filter(|p| p.strategy == Strategy::Advanced) {
            if let Err(e) = self.serve(profile).await {
                tracing::warn!("the App URL of “{}” is not served: {e}", profile.name);
            }
        }
    }
}
