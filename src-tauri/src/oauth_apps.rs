//! OAuth app commands. The logic is in `desk_core::Desk`; the client secret crosses to the UI only in the create
//! result (the one-time dialog) and on an explicit reveal.

use desk_core::desk::FieldError;
use desk_core::doctor::Diagnosis;
use desk_core::oauth_apps::{
    AppSecret, AppsPage, AppsQuery, CreatedApp, OAuthAppDetails, OAuthAppFields,
};
use tauri::State;
use vault::Secret;

use crate::error::Result;
use crate::state::AppState;

/// One page of a project's OAuth apps, sorted and filtered on the server.
#[tauri::command]
#[specta::specta]
pub async fn query_oauth_apps(
    state: State<'_, AppState>,
    project_id: String,
    query: AppsQuery,
) -> Result<AppsPage> {
    Ok(state.desk.query_apps(&project_id, &query).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_oauth_app(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
) -> Result<OAuthAppDetails> {
    Ok(state.desk.get_app(&project_id, &client_id).await?)
}

/// The checks that run before anything is sent, for validation as the user types. Empty when all is well.
#[tauri::command]
#[specta::specta]
pub fn validate_oauth_app(fields: OAuthAppFields) -> Vec<FieldError> {
    desk_core::Desk::validate(&fields)
}

/// Create an OAuth app. Its secret is in the OS keyring before this returns (or the result says why not).
#[tauri::command]
#[specta::specta]
pub async fn create_oauth_app(
    state: State<'_, AppState>,
    project_id: String,
    fields: OAuthAppFields,
) -> Result<CreatedApp> {
    Ok(state.desk.create_app(&project_id, &fields).await?)
}

/// Save an edit: only the fields that differ from `original` are sent (the field mask).
#[tauri::command]
#[specta::specta]
pub async fn update_oauth_app(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
    original: OAuthAppFields,
    edited: OAuthAppFields,
) -> Result<OAuthAppDetails> {
    Ok(state
        .desk
        .update_app(&project_id, &client_id, &original, &edited)
        .await?)
}

/// Delete an OAuth app on Wix (its client ID stops working) and its saved secret.
#[tauri::command]
#[specta::specta]
pub async fn delete_oauth_app(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
) -> Result<()> {
    Ok(state.desk.delete_app(&project_id, &client_id).await?)
}

/// The saved client secret, after the user clicked "Reveal".
#[tauri::command]
#[specta::specta]
pub async fn reveal_saved_secret(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
) -> Result<String> {
    let secret = state.desk.saved_secret(&project_id, &client_id).await?;
    Ok(secret.expose().to_owned())
}

/// Remove the saved client secret from the OS keyring.
#[tauri::command]
#[specta::specta]
pub async fn delete_saved_secret(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
) -> Result<()> {
    Ok(state.desk.delete_secret(&project_id, &client_id).await?)
}

/// Put text on the system clipboard (after an explicit click). What the UI copies may hold a secret (a created
/// app's secret, a `.env` snippet), so it is copied as one: kept out of clipboard history, cleared after 45 s.
#[tauri::command]
#[specta::specta]
pub fn copy_to_clipboard(app: tauri::AppHandle, text: Secret) -> Result<()> {
    crate::clipboard::copy_secret(&app, text)
}

/// Generate the app's client secret on Wix (allowed once per app; an older secret stops working). The secret is in
/// the OS keyring before it is returned, and shown once, like a created app's.
#[tauri::command]
#[specta::specta]
pub async fn generate_app_secret(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
) -> Result<AppSecret> {
    Ok(state.desk.generate_secret(&project_id, &client_id).await?)
}

/// Read the app's client secret from Wix (`getOAuthAppSecret`) and keep it in the OS keyring.
#[tauri::command]
#[specta::specta]
pub async fn read_app_secret_from_wix(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
) -> Result<AppSecret> {
    Ok(state
        .desk
        .read_secret_from_wix(&project_id, &client_id)
        .await?)
}

/// The redirect-URI doctor: will Wix take this URI for this app (a login's redirect URI when `login`, else a
/// logout or reset page's return URL, against the allowed domains), and if not, why, in words.
#[tauri::command]
#[specta::specta]
pub async fn diagnose_redirect(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
    uri: String,
    login: bool,
) -> Result<Diagnosis> {
    Ok(state
        .desk
        .diagnose_redirect(&project_id, &client_id, &uri, login)
        .await?)
}

/// "Add exactly this URI": merged into the list Wix has now, sent as a one-field mask (Wix's limit: 20).
#[tauri::command]
#[specta::specta]
pub async fn add_exact_redirect_uri(
    state: State<'_, AppState>,
    project_id: String,
    client_id: String,
    uri: String,
) -> Result<OAuthAppDetails> {
    Ok(state
        .desk
        .add_redirect_uri(&project_id, &client_id, &uri)
        .await?)
}
