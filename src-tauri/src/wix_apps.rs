//! Wix app OAuth commands (the workbench for Wix app developers). The logic is in `desk_core::wix_apps`; access
//! tokens reach the UI only as an auth header copied on an explicit click, refresh tokens never.

use desk_core::wix_apps::{AppTokenStatus, NewWixAppProfile, WixAppEvent, WixAppProfileView};
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::error::Result;
use crate::events::{AppEvent, EventHub};
use crate::members::open_page;
use crate::state::AppState;

/// The sandbox's demo Wix app, to fill in a profile with one click (its secret only opens the local emulator).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SandboxWixApp {
    pub app_id: String,
    pub app_secret: String,
    pub instance_id: String,
}

#[tauri::command]
#[specta::specta]
pub fn sandbox_wix_app() -> SandboxWixApp {
    use wix_emulator::wix_apps::{SEEDED_INSTANCE_ID, SEEDED_WIX_APP_ID, SEEDED_WIX_APP_SECRET};
    SandboxWixApp {
        app_id: SEEDED_WIX_APP_ID.into(),
        app_secret: SEEDED_WIX_APP_SECRET.into(),
        instance_id: SEEDED_INSTANCE_ID.into(),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn list_wix_app_profiles(state: State<'_, AppState>) -> Result<Vec<WixAppProfileView>> {
    Ok(state.desk.wix_apps.list())
}

/// Add a profile; the secret goes straight to the OS keyring. Advanced profiles start serving their App URL and
/// Redirect URL on loopback.
#[tauri::command]
#[specta::specta]
pub async fn add_wix_app_profile(
    state: State<'_, AppState>,
    profile: NewWixAppProfile,
) -> Result<WixAppProfileView> {
    Ok(state.desk.wix_apps.add(profile).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn remove_wix_app_profile(state: State<'_, AppState>, profile_id: String) -> Result<()> {
    Ok(state.desk.wix_apps.remove(&profile_id).await?)
}

/// Basic OAuth: an access token (4 hours) for an instance.
#[tauri::command]
#[specta::specta]
pub async fn wix_app_basic_token(
    state: State<'_, AppState>,
    profile_id: String,
    instance_id: String,
) -> Result<AppTokenStatus> {
    Ok(state
        .desk
        .wix_apps
        .basic_token(&profile_id, &instance_id)
        .await?)
}

/// Advanced OAuth: a new access token (5 minutes) from the instance's refresh token.
#[tauri::command]
#[specta::specta]
pub async fn wix_app_refresh(
    state: State<'_, AppState>,
    profile_id: String,
    instance_id: String,
) -> Result<AppTokenStatus> {
    Ok(state
        .desk
        .wix_apps
        .refresh(&profile_id, &instance_id)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn wix_app_token_status(
    state: State<'_, AppState>,
    profile_id: String,
    instance_id: String,
) -> Result<Option<AppTokenStatus>> {
    Ok(state
        .desk
        .wix_apps
        .token_status(&profile_id, &instance_id)
        .await)
}

#[tauri::command]
#[specta::specta]
pub async fn wix_app_finish_configuration(
    state: State<'_, AppState>,
    profile_id: String,
    instance_id: String,
) -> Result<()> {
    Ok(state
        .desk
        .wix_apps
        .finish_configuration(&profile_id, &instance_id)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn copy_wix_app_auth_header(
    app: AppHandle,
    state: State<'_, AppState>,
    profile_id: String,
    instance_id: String,
) -> Result<()> {
    let token = state
        .desk
        .wix_apps
        .auth_header(&profile_id, &instance_id)
        .await?;
    crate::clipboard::copy_secret(&app, token)
}

/// On the sandbox: open its "Add app" page in the system browser to run the install handshake.
#[tauri::command]
#[specta::specta]
pub fn install_on_sandbox(
    app: AppHandle,
    state: State<'_, AppState>,
    profile_id: String,
) -> Result<()> {
    let url = state.desk.wix_apps.sandbox_install_url(&profile_id)?;
    open_page(&app, &state, &url)
}

/// Forward installs and background renewals from the core to the window.
pub fn forward_events(app: &AppHandle) {
    let state = tauri::Manager::state::<AppState>(app);
    let mut events = state.desk.wix_apps.subscribe();
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    log::warn!("the window missed {missed} Wix app events");
                    continue;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            let event = match event {
                WixAppEvent::Installed(outcome) => {
                    log::info!("Wix app install: {}", outcome.message);
                    AppEvent::WixAppInstalled(outcome)
                }
                WixAppEvent::TokenRenewed(status) => AppEvent::WixAppTokenRenewed(status),
                WixAppEvent::RenewalFailed {
                    profile_id,
                    instance_id,
                    message,
                } => {
                    log::warn!("Wix app token renewal: {message}");
                    AppEvent::WixAppRenewalFailed {
                        profile_id,
                        instance_id,
                        message,
                    }
                }
            };
            tauri::Manager::state::<EventHub>(&handle).emit(event);
        }
    });
}
