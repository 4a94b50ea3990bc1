//! The installed package, used the way a desktop uses it. Ignored in the normal run: `scripts/test-package.sh` (the
//! last stage of `make test`) installs the freshly built `.deb`, then runs this with `--ignored` and
//! `OAUTHDESK_APP_BIN=/usr/bin/oauth-desk`, inside a desktop session of its own.
//!
//! A release build has no test switches, so the "system browser" is what a desktop would use: the app opens the
//! login page with `xdg-open`, which starts the user's default `x-scheme-handler/https` application — here a
//! recorder registered like any browser (a desktop entry made the default with `xdg-mime`). The test plays the
//! sandbox's hosted login page, then hands the callback back as a browser does: `xdg-open 'oauthdesk://callback?…'`,
//! which finds the handler through the package's desktop entry and starts `/usr/bin/oauth-desk <url>`; that second
//! instance forwards the URL to the running one.

use std::path::{Path, PathBuf};
use std::process::Command;

use oauth_desk_e2e::{App, app_binary, browser_record, opened_url, workspace_root};
use wix_emulator::SEEDED_APP_IDS;
use wix_emulator::test_support::{LoginAction, play_login};

/// The seeded "Storefront (Next.js)" app, which allows `oauthdesk://callback`.
const STOREFRONT: &str = SEEDED_APP_IDS[0];
/// The desktop entry the package installs.
const PACKAGE_ENTRY: &str = "oauth-desk.desktop";

fn xdg_mime_default(mime: &str) -> String {
    let out = Command::new("xdg-mime")
        .args(["query", "default", mime])
        .output()
        .expect("xdg-mime (xdg-utils)");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The session's per-user applications folder (`$XDG_DATA_HOME/applications`).
fn user_applications() -> PathBuf {
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .expect("XDG_DATA_HOME: run inside scripts/desktop-session.sh");
    data_home.join("applications")
}

/// Register a "browser" that appends each URL it is asked to open to `record`, as the session's default handler of
/// http and https links; return its program (also given to the app as `$BROWSER`, xdg-open's fallback).
fn install_recording_browser(record: &Path) -> PathBuf {
    let program = workspace_root().join("target/e2e/recording-browser.sh");
    std::fs::create_dir_all(program.parent().unwrap()).unwrap();
    std::fs::write(
        &program,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            record.display()
        ),
    )
    .unwrap();
    let status = Command::new("chmod")
        .args(["+x"])
        .arg(&program)
        .status()
        .unwrap();
    assert!(status.success());
    let apps = user_applications();
    std::fs::create_dir_all(&apps).unwrap();
    std::fs::write(
        apps.join("recording-browser.desktop"),
        format!(
            "[Desktop Entry]\nType=Application\nName=Recording browser\nExec={} %u\nTerminal=false\n\
             MimeType=x-scheme-handler/http;x-scheme-handler/https;\nNoDisplay=true\n",
            program.display()
        ),
    )
    .unwrap();
    let status = Command::new("xdg-mime")
        .args([
            "default",
            "recording-browser.desktop",
            "x-scheme-handler/http",
            "x-scheme-handler/https",
        ])
        .status()
        .expect("xdg-mime default");
    assert!(status.success(), "xdg-mime default failed");
    assert_eq!(
        xdg_mime_default("x-scheme-handler/https"),
        "recording-browser.desktop"
    );
    program
}

#[tokio::test]
#[ignore = "drives the installed package: scripts/test-package.sh installs it and runs this"]
async fn installed_app_lists_the_sandbox_and_signs_in_through_xdg_open() {
    let binary = app_binary();
    assert!(
        binary.starts_with("/usr/"),
        "OAUTHDESK_APP_BIN must name the installed binary, not {}",
        binary.display()
    );
    assert_eq!(
        xdg_mime_default("x-scheme-handler/oauthdesk"),
        PACKAGE_ENTRY,
        "the package's desktop entry is not the oauthdesk:// handler"
    );
    let record = browser_record("installed");
    let browser = install_recording_browser(&record);
    let browser = browser.display().to_string();
    let app = App::launch_with("installed", &[], &[("BROWSER", browser.as_str())]).await;

    // The sandbox's OAuth apps are listed.
    app.click("[data-testid=nav-oauthApps]").await;
    app.wait_for_text("[data-testid=apps-table]", "Storefront (Next.js)")
        .await;
    app.wait_for_text("[data-testid=apps-table]", "Internal tools")
        .await;
    app.screenshot("installed-oauth-apps").await;

    // A browser login: the page goes to the "system browser" through xdg-open.
    app.open_members(STOREFRONT).await;
    app.click("[data-testid=start-browser-login]").await;
    app.wait_for_text("[data-testid=waiting]", "Waiting for the browser")
        .await;
    let auth_url = opened_url(&record, 1).await;
    assert!(auth_url.contains("/oauth2/authorize?"), "{auth_url}");
    let callback = play_login(&auth_url, LoginAction::Register, "installed@example.com").await;
    assert!(callback.starts_with("oauthdesk://callback?"));

    // The browser hands the result to the desktop, which starts the package's handler with the URL.
    let status = Command::new("xdg-open")
        .arg(&callback)
        .status()
        .expect("xdg-open (xdg-utils)");
    // A forwarding instance exits right after the hand-over; on rare runs that exit crashes in a library's teardown
    // (see members.rs), which xdg-open reports as a failure. What the running app does next is what counts.
    if !status.success() {
        eprintln!("xdg-open exited with {status} after the hand-over");
    }
    app.wait_for_text("[data-testid=signed-in-as]", "member")
        .await;
    app.wait_for_text("[data-testid=member-notice]", "Signed in")
        .await;
    app.screenshot("installed-signed-in").await;
    let logs = app.profile.logs();
    assert!(
        logs.contains("deep link received (SecondInstance)"),
        "the callback did not arrive through a second launch"
    );

    // Nothing was registered at run time: the package's entry is still the handler, and no per-user copy exists.
    assert!(
        !user_applications()
            .join("oauth-desk-handler.desktop")
            .exists(),
        "the installed app registered a per-user handler at run time"
    );
    assert_eq!(
        xdg_mime_default("x-scheme-handler/oauthdesk"),
        PACKAGE_ENTRY
    );
    app.quit().await;
}
