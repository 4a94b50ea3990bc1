//! Copies of secrets: the only way a token, key or secret leaves the app, on an explicit click. Each copy is
//! marked secret (clipboard managers keep it out of their history) and is cleared from the clipboard after
//! [`CLEAR_AFTER`], if it is still what the clipboard holds (anything the user copied since is left alone).

use std::time::Duration;

use tauri::AppHandle;
use tauri_plugin_clipboard_manager::ClipboardExt;
use vault::Secret;

use crate::error::{AppError, Result};

/// How long a copied secret stays on the clipboard.
pub const CLEAR_AFTER: Duration = Duration::from_secs(45);

/// Put `value` on the clipboard as a secret, and take it off again after [`CLEAR_AFTER`].
pub fn copy_secret(app: &AppHandle, value: Secret) -> Result<()> {
    app.clipboard()
        .write_secret(value.expose())
        .map_err(|e| AppError::internal(format!("could not write to the clipboard: {e}")))?;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(CLEAR_AFTER).await;
        let clipboard = app.clipboard();
        if clipboard
            .read_text()
            .is_ok_and(|now| now.as_str() == value.expose())
            && let Err(e) = clipboard.clear()
        {
            log::warn!("could not clear a copied secret from the clipboard: {e}");
        }
    });
    Ok(())
}
