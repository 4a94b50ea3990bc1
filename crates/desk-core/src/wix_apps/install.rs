//! The install handshake of advanced Wix app OAuth. The App URL receives `token`, makes a fresh `state`, and
//! sends the browser to Wix's installer; the Redirect URL receives `code`, `instanceId` and `state`, checks the
//! state (a mismatch aborts and stores nothing), exchanges the code, and puts the instance's refresh token in the
//! keyring *before* anything else — losing it breaks the install silently. Then the browser goes to Wix's
//! close-window page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vault::Secret;
use wix_client::wix_apps::{close_window_url, installer_url};

use super::{Strategy, WixApps};
use crate::error::{CoreError, Result};
use crate::secrets::Entry;

/// How long an install may take between the App URL and the Redirect URL.
pub const INSTALL_DEADLINE: Duration = Duration::from_secs(10 * 60);

/// The most installs waiting at once. Any web page can open the App URL (it is a plain GET on loopback), so the
/// table is bounded: past this, the oldest waiting install is dropped.
pub const MAX_PENDING_INSTALLS: usize = 32;

/// Install states waiting for the Redirect URL: state → (profile ID, deadline).
#[derive(Default)]
pub(super) struct Installs(Mutex<HashMap<String, (String, Instant)>>);

impl Installs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn start(&self, profile_id: &str) -> String {
        let state = uuid::Uuid::new_v4().simple().to_string();
        let now = Instant::now();
        let mut installs = self.lock();
        installs.retain(|_, (_, deadline)| *deadline > now);
        while installs.len() >= MAX_PENDING_INSTALLS {
            let oldest = installs
                .iter()
                .min_by_key(|(_, (_, deadline))| *deadline)
                .map(|(state, _)| state.clone());
            match oldest {
                Some(state) => installs.remove(&state),
                None => break,
            };
        }
        installs.insert(
            state.clone(),
            (profile_id.to_owned(), now + INSTALL_DEADLINE),
        );
        state
    }

    /// Whether `state` is one this profile issued (still waiting, in time or not).
    pub fn issued(&self, profile_id: &str, state: &str) -> bool {
        self.lock()
            .get(state)
            .is_some_and(|(owner, _)| owner == profile_id)
    }

    /// Take the install `state` stands for, if it is this profile's and in time.
    fn take(&self, profile_id: &str, state: &str) -> bool {
        matches!(
            self.lock().remove(state),
            Some((owner, deadline)) if owner == profile_id && deadline > Instant::now()
        )
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn forget_profile(&self, profile_id: &str) {
        self.lock().retain(|_, (owner, _)| owner != profile_id);
    }
}

/// What the Redirect URL received.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RedirectParams {
    pub code: Option<String>,
    pub instance_id: Option<String>,
    pub state: Option<String>,
}

impl WixApps {
    /// How many installs wait for their Redirect URL (bounded by [`MAX_PENDING_INSTALLS`]).
    pub fn pending_installs(&self) -> usize {
        self.installs.len()
    }

    /// On the sandbox, the "Add app" page that starts an install (for the system browser).
    pub fn sandbox_install_url(&self, profile_id: &str) -> Result<String> {
        let profile = self.profiles.get(profile_id)?;
        if !profile.sandbox || profile.strategy != Strategy::Advanced {
            return Err(CoreError::invalid(
                "profile",
                "Only an advanced profile on the sandbox can be installed from here; on Wix, install from the Dev Center (“Test your app”).",
            ));
        }
        Ok(wix_emulator::add_app_url(&self.sandbox_bases.installer, &profile.app_id).to_string())
    }

    /// The App URL was opened with Wix's `token`: where the browser goes next (Wix's installer, with a fresh
    /// state).
    pub(super) fn start_install(&self, profile_id: &str, token: &str) -> Result<url::Url> {
        let profile = self.profiles.get(profile_id)?;
        let state = self.installs.start(profile_id);
        Ok(installer_url(
            &self.bases(&profile).installer,
            token,
            &profile.app_id,
            &profile.redirect_url().unwrap_or_default(),
            &state,
        ))
    }

    /// The Redirect URL was opened: check the state, exchange the code, keep the refresh token first. Returns the
    /// instance ID and the close-window page.
    pub(super) async fn finish_install(
        self: &Arc<Self>,
        profile_id: &str,
        params: &RedirectParams,
    ) -> Result<(String, url::Url)> {
        let state = params.state.as_deref().unwrap_or_default();
        if !self.installs.take(profile_id, state) {
            return Err(CoreError::InstallRefused(
                "its state does not match an install started here, or the install took longer than 10 minutes".into(),
            ));
        }
        let (Some(code), Some(instance_id)) = (&params.code, &params.instance_id) else {
            return Err(CoreError::InstallRefused(
                "the redirect carried no code or instance ID".into(),
            ));
        };
        let profile = self.profiles.get(profile_id)?;
        let token = self
            .auth(&profile)
            .await?
            .exchange_code(&Secret::new(code.clone()))
            .await?;
        let refresh = token.refresh_token.clone().ok_or_else(|| {
            CoreError::InstallRefused("Wix returned no refresh token for the install".into())
        })?;
        // First, before anything else: the refresh token into the keyring.
        let entry = Entry::WixAppRefreshToken {
            profile: profile_id.to_owned(),
            instance: instance_id.clone(),
        };
        self.secrets.set(&entry, refresh).await?;
        self.note_instance(profile_id, instance_id, true).await?;
        let close = close_window_url(&self.bases(&profile).installer, &token.access_token);
        self.hold(profile_id, instance_id, token).await?;
        Ok((instance_id.clone(), close))
    }
}
