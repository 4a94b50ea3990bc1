//! Light or dark, as the desktop says. On Linux, WebKitGTK often misreports `prefers-color-scheme`; the desktop
//! portal's `org.freedesktop.appearance color-scheme` setting is the reliable source, so the app reads it (and
//! follows its changes) and tells the window. Elsewhere, and when no portal answers, the window follows the
//! webview's own `prefers-color-scheme`.

use serde::Serialize;
use tauri::AppHandle;

/// The desktop's preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Theme {
    Light,
    Dark,
}

/// The desktop's light or dark preference, or `None` when there is no portal to ask or it has no preference.
#[tauri::command]
#[specta::specta]
pub async fn system_theme(app: AppHandle) -> Option<Theme> {
    let theme = portal::read().await;
    apply_to_window(&app, theme);
    theme
}

/// Follow the portal's changes for as long as the app runs.
pub fn watch(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        portal::follow(|theme| {
            apply_to_window(&app, theme);
            tauri::Manager::state::<crate::events::EventHub>(&app)
                .emit(crate::events::AppEvent::ThemeChanged(theme));
        })
        .await;
    });
}

/// The window's own decorations follow too (GTK's title bar).
fn apply_to_window(app: &AppHandle, theme: Option<Theme>) {
    use tauri::Manager;
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.set_theme(theme.map(|t| match t {
            Theme::Light => tauri::Theme::Light,
            Theme::Dark => tauri::Theme::Dark,
        }));
    }
}

#[cfg(target_os = "linux")]
mod portal {
    use std::time::Duration;

    use ashpd::desktop::settings::{ColorScheme, Settings};
    use futures::StreamExt;

    use super::Theme;

    /// A portal that is installed but never answers must not leave the window waiting.
    const PATIENCE: Duration = Duration::from_secs(3);

    fn theme(scheme: ColorScheme) -> Option<Theme> {
        match scheme {
            ColorScheme::PreferDark => Some(Theme::Dark),
            ColorScheme::PreferLight => Some(Theme::Light),
            ColorScheme::NoPreference => None,
        }
    }

    pub async fn read() -> Option<Theme> {
        let asked = async {
            let settings = Settings::new().await.ok()?;
            settings.color_scheme().await.ok()
        };
        match tokio::time::timeout(PATIENCE, asked).await {
            Ok(Some(scheme)) => theme(scheme),
            Ok(None) => None,
            Err(_) => {
                log::info!(
                    "the desktop portal did not answer; following the webview's color scheme"
                );
                None
            }
        }
    }

    pub async fn follow(mut changed: impl FnMut(Option<Theme>)) {
        let subscribed = async {
            let settings = Settings::new().await.ok()?;
            settings.receive_color_scheme_changed().await.ok()
        };
        let Ok(Some(changes)) = tokio::time::timeout(PATIENCE, subscribed).await else {
            return;
        };
        let mut changes = std::pin::pin!(changes);
        while let Some(scheme) = changes.next().await {
            changed(theme(scheme));
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod portal {
    use super::Theme;

    pub async fn read() -> Option<Theme> {
        None
    }

    pub async fn follow(_changed: impl FnMut(Option<Theme>)) {}
}
