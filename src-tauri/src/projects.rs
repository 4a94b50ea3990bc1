//! Project commands: list, connect and remove Wix projects. The logic is in `desk_core::projects`.

use desk_core::projects::{NewProject, Project};
use tauri::State;

use crate::error::Result;
use crate::state::AppState;

/// Every project, the sandbox first. Never includes API keys.
#[tauri::command]
#[specta::specta]
pub fn list_projects(state: State<'_, AppState>) -> Vec<Project> {
    state.projects.list()
}

/// Connect a Wix project: the API key goes straight into the OS keyring; the project list keeps only the rest.
#[tauri::command]
#[specta::specta]
pub async fn add_project(state: State<'_, AppState>, project: NewProject) -> Result<Project> {
    let (projects, vault) = (state.projects.clone(), state.vault.clone());
    Ok(
        tauri::async_runtime::spawn_blocking(move || projects.add(vault.as_ref(), project))
            .await??,
    )
}

/// Remove a project and every keyring entry it owns (API key, saved client secrets, tokens).
#[tauri::command]
#[specta::specta]
pub async fn remove_project(state: State<'_, AppState>, project_id: String) -> Result<()> {
    let (projects, vault) = (state.projects.clone(), state.vault.clone());
    Ok(
        tauri::async_runtime::spawn_blocking(move || projects.remove(vault.as_ref(), &project_id))
            .await??,
    )
}
