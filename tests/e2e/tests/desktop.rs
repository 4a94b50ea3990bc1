//! OAuth Desk behaves like an installed desktop app: it follows the desktop's light or dark theme (read from the
//! desktop portal, here a stand-in on the test session bus), comes back at the size and place it was left, and
//! "Remove all OAuth Desk data" leaves nothing of it in the Secret Service or on disk.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use oauth_desk_e2e::{App, WAIT, browser_record, opened_url};
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{OwnedValue, Value};

/// The desktop portal's Settings interface, answering only the appearance's color scheme (0: no preference,
/// 1: dark, 2: light), as xdg-desktop-portal does.
struct PortalSettings {
    scheme: Arc<AtomicU32>,
}

const APPEARANCE: &str = "org.freedesktop.appearance";

#[zbus::interface(name = "org.freedesktop.portal.Settings")]
impl PortalSettings {
    async fn read(&self, namespace: &str, key: &str) -> zbus::fdo::Result<OwnedValue> {
        self.read_one(namespace, key).await
    }

    async fn read_one(&self, namespace: &str, key: &str) -> zbus::fdo::Result<OwnedValue> {
        if namespace == APPEARANCE && key == "color-scheme" {
            Ok(OwnedValue::from(self.scheme.load(Ordering::SeqCst)))
        } else {
            Err(zbus::fdo::Error::Failed(format!(
                "no {namespace} {key} here"
            )))
        }
    }

    #[zbus(property)]
    fn version(&self) -> u32 {
        2
    }

    #[zbus(signal)]
    async fn setting_changed(
        emitter: &SignalEmitter<'_>,
        namespace: &str,
        key: &str,
        value: Value<'_>,
    ) -> zbus::Result<()>;
}

const PORTAL_PATH: &str = "/org/freedesktop/portal/desktop";

/// Serve the stand-in portal under the portal's well-known name on this session's bus.
async fn portal(scheme: Arc<AtomicU32>) -> zbus::Connection {
    zbus::connection::Builder::session()
        .unwrap()
        .name("org.freedesktop.portal.Desktop")
        .unwrap()
        .serve_at(PORTAL_PATH, PortalSettings { scheme })
        .unwrap()
        .build()
        .await
        .expect("the portal's name is free on the test session bus")
}

async fn theme_of(app: &App) -> String {
    let value = app
        .client
        .execute(
            "return document.documentElement.dataset.theme ?? ''",
            vec![],
        )
        .await
        .unwrap();
    value.as_str().unwrap_or_default().to_owned()
}

async fn wait_for_theme(app: &App, theme: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let now = theme_of(app).await;
        if now == theme {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the window's theme is {now:?}, not {theme:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_window_follows_the_desktop_portals_color_scheme_and_its_changes() {
    let scheme = Arc::new(AtomicU32::new(1));
    let bus = portal(scheme.clone()).await;
    let app = App::launch("theme").await;
    app.wait_for_css("[data-testid=nav-projects]").await;
    wait_for_theme(&app, "dark").await;
    let background = app
        .client
        .execute(
            "return getComputedStyle(document.documentElement).backgroundColor",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(background.as_str(), Some("rgb(18, 22, 30)"), "dark colors");
    app.click("[data-testid=nav-settings]").await;
    app.screenshot("theme-dark").await;

    // The desktop switches to light: the portal says so, and the window follows at once.
    scheme.store(2, Ordering::SeqCst);
    let emitter = SignalEmitter::new(&bus, PORTAL_PATH).unwrap();
    PortalSettings::setting_changed(&emitter, APPEARANCE, "color-scheme", Value::U32(2))
        .await
        .unwrap();
    wait_for_theme(&app, "light").await;
    app.screenshot("theme-light").await;
    app.quit().await;
}

#[tokio::test]
async fn the_window_comes_back_at_the_size_and_place_it_was_left() {
    let app = App::launch("window-state").await;
    app.wait_for_css("[data-testid=nav-projects]").await;
    app.client
        .set_window_rect(40, 30, 1000, 700)
        .await
        .expect("WebDriver moves and resizes the window");
    let before = app.client.get_window_rect().await.unwrap();
    assert_eq!((before.2, before.3), (1000, 700), "{before:?}");
    // The session ends (SIGTERM, as at logout): the app exits through its event loop, and the plugin saves at
    // exit. (Closing the window over WebDriver ends the process without an exit.)
    let pids: Vec<u32> = app.app_processes().iter().map(|p| p.pid).collect();
    assert_eq!(pids.len(), 1, "one app process: {pids:?}");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pids[0].to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    app.wait_until_exited().await;
    let saved = app
        .profile
        .config_home()
        .join("dev.oauthdesk.app/.window-state.json");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&saved).expect("the window state was saved"))
            .unwrap();
    assert_eq!(
        (&state["main"]["width"], &state["main"]["height"]),
        (&serde_json::json!(1000), &serde_json::json!(700)),
        "{state}"
    );

    let app = app.restart(&[], &[]).await;
    app.wait_for_css("[data-testid=nav-projects]").await;
    let after = app.client.get_window_rect().await.unwrap();
    assert_eq!(after, before, "the window came back where it was left");
    app.quit().await;
}

#[tokio::test]
async fn remove_all_data_leaves_nothing_in_the_secret_service_or_on_disk_and_quits() {
    let record = browser_record("remove-all");
    let record_env = record.display().to_string();
    let app = App::launch_with(
        "remove-all",
        &[],
        &[("OAUTHDESK_BROWSER_RECORD", record_env.as_str())],
    )
    .await;
    let stored = || app.keyring_names();

    // Hold visitor tokens and a pending browser login on the sandbox, and a Wix app profile with its secret.
    app.open_members(wix_emulator::SEEDED_APP_IDS[0]).await;
    app.click("[data-testid=visitor-tokens]").await;
    app.wait_for_text("[data-testid=signed-in-as]", "visitor")
        .await;
    app.click("[data-testid=start-browser-login]").await;
    opened_url(&record, 1).await;
    app.click("[data-testid=nav-wixApps]").await;
    app.click("[data-testid=fill-sandbox-app]").await;
    app.wait_for_css("[data-testid=wix-name]").await;
    app.click("[data-testid=add-wix-profile]").await;
    app.wait_for_text("[data-testid=wix-notice]", "Profile added")
        .await;
    let deadline = Instant::now() + WAIT;
    while stored().len() < 3 {
        assert!(Instant::now() < deadline, "entries held: {:?}", stored());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The confirmation lists what will go, in words and paths; cancelling keeps it all. Settings fills in its facts
    // and the deep links received as they load, which moves the button down: wait until both are there, or the
    // click can land where the button was a moment before.
    app.click("[data-testid=nav-settings]").await;
    app.wait_for_text(
        "[data-testid=data-dir]",
        &app.profile.data_dir.display().to_string(),
    )
    .await;
    app.wait_for_css("[data-testid=deep-links-empty], [data-testid=deep-links]")
        .await;
    app.click("[data-testid=remove-all-data]").await;
    let entries = app
        .wait_for_text("[data-testid=remove-keyring-entries]", "Wix app profile")
        .await;
    for expected in [
        "Visitor or member tokens for OAuth app",
        "A browser login waiting for its callback (project “Sandbox",
        "App secret of Wix app profile",
    ] {
        assert!(entries.contains(expected), "{expected} not in {entries}");
    }
    let files = app.texts("[data-testid=remove-files] li").await;
    let data_dir = app.profile.data_dir.display().to_string();
    for expected in ["logs", "sandbox", "keyring-entries.json", "wix-apps.json"] {
        assert!(
            files.iter().any(|f| f == &format!("{data_dir}/{expected}")),
            "{expected} not in {files:?}"
        );
    }
    app.click("[data-testid=remove-all-cancel]").await;
    app.wait_for_css("[data-testid=remove-all-data]").await;
    assert!(stored().len() >= 3);

    app.click("[data-testid=remove-all-data]").await;
    app.click("[data-testid=remove-all-confirmed]").await;
    app.wait_until_exited().await;
    assert_eq!(stored(), Vec::<String>::new(), "keyring entries were left");
    let left: Vec<String> = std::fs::read_dir(&app.profile.data_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        // What the harness wrote, and the (now empty) XDG folders it pointed the app at.
        .filter(|name| !["tauri-driver.log", "xdg-cache", "xdg-config"].contains(&name.as_str()))
        .collect();
    assert_eq!(
        left,
        Vec::<String>::new(),
        "files were left in the data folder"
    );
    assert!(
        !app.profile.config_home().join("dev.oauthdesk.app").exists(),
        "the config folder was left"
    );
}
