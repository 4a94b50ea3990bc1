//! The app's own events, delivered to the window over one IPC channel it opens at start.
//!
//! The window has no permission to listen to Tauri events at all (no `core:event:*` in its capability), so it
//! cannot subscribe to anything a plugin emits, such as the deep-link plugin's raw `deep-link://new-url` (which
//! carries the code and state). What it hears is exactly what [`EventHub::emit`] sends: the [`AppEvent`]s below,
//! each already redacted by the code that made it.

use std::sync::Mutex;

use desk_core::sign_in::CallbackOutcome;
use desk_core::wix_apps::{AppTokenStatus, InstallOutcome};
use serde::Serialize;
use tauri::ipc::Channel;

use crate::deep_link::DeepLinkRecord;
use crate::theme::Theme;

/// Everything the app tells the window without being asked.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "kind", content = "payload", rename_all = "camelCase")]
pub enum AppEvent {
    /// A deep link arrived (recorded with its values redacted).
    DeepLinkReceived(DeepLinkRecord),
    /// A deep-link callback was accepted (and exchanged) or ignored.
    SignInFinished(CallbackOutcome),
    /// An install finished (or was aborted) at a Wix app profile's loopback Redirect URL.
    WixAppInstalled(InstallOutcome),
    /// The core renewed a held Wix app token before it expired (open view or not).
    WixAppTokenRenewed(AppTokenStatus),
    /// The desktop switched between light and dark (`None`: no preference; follow the webview).
    ThemeChanged(Option<Theme>),
    /// A held Wix app token could not be renewed and was dropped.
    #[serde(rename_all = "camelCase")]
    WixAppRenewalFailed {
        profile_id: String,
        instance_id: String,
        message: String,
    },
}

impl AppEvent {
    fn kind(&self) -> &'static str {
        match self {
            Self::DeepLinkReceived(_) => "deepLinkReceived",
            Self::SignInFinished(_) => "signInFinished",
            Self::WixAppInstalled(_) => "wixAppInstalled",
            Self::WixAppTokenRenewed(_) => "wixAppTokenRenewed",
            Self::WixAppRenewalFailed { .. } => "wixAppRenewalFailed",
            Self::ThemeChanged(_) => "themeChanged",
        }
    }
}

/// The window's channel. One per app: a reload of the page opens a new channel, which replaces the old one.
#[derive(Default)]
pub struct EventHub {
    channel: Mutex<Option<Channel<AppEvent>>>,
}

impl EventHub {
    fn subscribe(&self, channel: Channel<AppEvent>) {
        *self.channel.lock().unwrap_or_else(|e| e.into_inner()) = Some(channel);
    }

    /// Send an event to the window. Nothing is lost but the event itself when no window listens yet (a cold-start
    /// deep link is also kept by the deep-link inbox and the sign-in timeline, which the views read on mount).
    pub fn emit(&self, event: AppEvent) {
        // Clone out of the lock: sending evaluates script in the webview, which is not done under a lock.
        let channel = self
            .channel
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let kind = event.kind();
        match channel {
            Some(channel) => {
                if let Err(e) = channel.send(event) {
                    log::warn!("could not notify the window of {kind}: {e}");
                }
            }
            None => log::info!("no window listens yet; {kind} not sent"),
        }
    }
}

/// Open the window's event channel. Called once by the UI at start (and again after a reload).
#[tauri::command]
#[specta::specta]
pub fn subscribe_events(hub: tauri::State<'_, EventHub>, channel: Channel<AppEvent>) {
    hub.subscribe(channel);
}
