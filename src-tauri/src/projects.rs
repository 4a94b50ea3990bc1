//! Project commands: list, connect and remove Wix projects. The logic is in `desk_core::projects`.

use desk_core::desk::ConnectionCheck;
use desk_core::projects::{NewProject, Project};
use tauri::State;

use crate::error::Result;
use crate::state::AppState;

/// Every project, the sandbox first. Never includes API keys.
#[tauri::command]
#[specta::specta]
pub fn list_projects(state: State<'_, AppState>) -> Vec<Project> {
    state.desk.projects.list()
}

/// Connect a Wix project after one call proves its key; the API key goes straight into the OS keyring and the
/// project list keeps only the rest.
#[tauri::command]
#[specta::specta]
pub async fn add_project(state: State<'_, AppState>, project: NewProject) -> Result<Project> {
    Ok(state.desk.add_project(project).await?)
}

/// Remove a project and every keyring entry it owns (API key, saved client secrets, tokens, pending logins).
#[tauri::command]
#[specta::specta]
pub async fn remove_project(state: State<'_, AppState>, project_id: String) -> Result<()> {
    Ok(state.desk.remove_project(&project_id).await?)
}

/// Call the project's OAuth Apps API once, to prove the key, its permission and the site or account ID.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    state: State<'_, AppState>,
    project_id: String,
) -> Result<ConnectionCheck> {
    Ok(state.desk.test_connection(&project_id).await?)
}

/// Put the sandbox back to its seeded OAuth apps and forget what was saved for it.
#[tauri::command]
#[specta::specta]
pub async fn reset_sandbox(state: State<'_, AppState>) -> Result<()> {
    Ok(state.desk.reset_sandbox().await?)
}
