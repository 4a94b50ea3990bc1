//! The app shell and the deep-link plumbing, in the real window.

use oauth_desk_e2e::{App, read_logs};

#[tokio::test]
async fn the_window_opens_on_the_shell_with_five_sections() {
    let app = App::launch("shell").await;
    assert_eq!(app.client.title().await.unwrap(), "OAuth Desk");
    // The harness ends a launch by signalling its process group: the app WebKitWebDriver started must be in it.
    let group = app.process_group();
    let processes = app.app_processes();
    eprintln!("driver process group {group}; app processes {processes:?}");
    assert!(
        !processes.is_empty(),
        "no app process carries this profile's data directory"
    );
    for process in &processes {
        assert_eq!(
            process.group, group,
            "the app ({process:?}) left the driver's process group"
        );
    }
    let nav = app.texts("nav.sidebar li button").await;
    assert_eq!(
        nav,
        [
            "Projects",
            "OAuth apps",
            "Members",
            "Wix app OAuth",
            "Settings"
        ]
    );
    app.wait_for_text("[data-testid=project]", "Sandbox (local emulator)")
        .await;

    app.click("[data-testid=nav-members]").await;
    app.wait_for_text("main h1", "Members").await;
    app.wait_for_text("[data-testid=member-callback-uri]", "oauthdesk://callback")
        .await;
    app.click("[data-testid=nav-projects]").await;
    app.wait_for_text("main h1", "Projects").await;
    let shot = app.screenshot("shell").await;
    assert!(
        std::fs::metadata(shot).unwrap().len() > 10_000,
        "a real screenshot, not an empty image"
    );
    app.quit().await;
}

#[tokio::test]
async fn the_keyring_check_button_runs_in_rust_against_the_real_secret_service() {
    let app = App::launch("keyring").await;
    app.click("[data-testid=nav-settings]").await;
    app.wait_for_text("[data-testid=app-info]", "Secret Service")
        .await;
    app.click("[data-testid=check-keyring]").await;
    let text = app
        .wait_for_text("[data-testid=keyring-result]", "The OS keyring works")
        .await;
    assert!(text.contains("stored, read back and deleted"), "{text}");
    app.screenshot("settings").await;
    app.quit().await;
}

#[tokio::test]
async fn a_second_launch_with_a_deep_link_reaches_the_running_instance_redacted() {
    let app = App::launch("second-instance").await;
    // The app registers its scheme with the desktop (a .desktop file handling x-scheme-handler/oauthdesk), in
    // the background: wait for the file.
    let applications = std::path::Path::new(
        &std::env::var("XDG_DATA_HOME").expect("run inside the desktop session"),
    )
    .join("applications");
    let registered = || {
        std::fs::read_dir(&applications)
            .map(|dir| {
                dir.flatten().any(|e| {
                    std::fs::read_to_string(e.path())
                        .is_ok_and(|t| t.contains("x-scheme-handler/oauthdesk"))
                })
            })
            .unwrap_or(false)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !registered() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        registered(),
        "no .desktop file in {} handles oauthdesk://",
        applications.display()
    );
    // The window hears the app's own events over its channel, and may not listen to Tauri events at all: not to
    // the deep-link plugin's raw URL (code and state included), not to anything. Its own commands still work.
    for (command, args) in [
        (
            "plugin:event|listen",
            r#"{ event: "deep-link://new-url", target: { kind: "Any" }, handler: 1 }"#,
        ),
        (
            "plugin:event|listen",
            r#"{ event: "tauri://focus", target: { kind: "Any" }, handler: 1 }"#,
        ),
        ("plugin:deep-link|get_current", "{}"),
        ("app_info", "{}"),
    ] {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke({command:?}, {args})
               .then(() => done('allowed'), (e) => done('refused: ' + String(e)));"
        );
        let answer = app.client.execute_async(&script, vec![]).await.unwrap();
        let answer = answer.as_str().unwrap_or_default().to_owned();
        if command == "app_info" {
            assert_eq!(answer, "allowed", "the window's own command");
        } else {
            assert!(
                answer.starts_with("refused: ") && answer.contains("not allowed"),
                "{command} {args}: {answer}"
            );
        }
    }
    app.click("[data-testid=nav-settings]").await;
    app.wait_for_text("[data-testid=deep-links-empty]", "No deep link")
        .await;

    let status = app
        .launch_second_instance(&["oauthdesk://callback?code=E2E-CODE-7731&state=E2E-STATE-4410"]);
    assert!(status.success(), "the second instance failed: {status}");

    let text = app
        .wait_for_text(
            "[data-testid=deep-link]",
            "oauthdesk://callback?code=…&state=…",
        )
        .await;
    assert!(text.contains("from a second launch"), "{text}");
    assert!(text.contains("callback"), "{text}");
    let page = app.client.source().await.unwrap();
    assert!(
        !page.contains("E2E-CODE-7731") && !page.contains("E2E-STATE-4410"),
        "query values reached the UI"
    );

    // A hostile link is shown as rejected, and it is still only one running app.
    let status = app.launch_second_instance(&["oauthdesk://evil.example/steal?code=E2E-EVIL-1"]);
    assert!(status.success());
    app.wait_for_text(
        "[data-testid=deep-link]",
        "rejected: the address is not oauthdesk://callback",
    )
    .await;
    app.screenshot("deep-links").await;
    let data_dir = app.profile.data_dir.clone();
    app.quit().await;

    let logs = read_logs(&data_dir);
    assert!(
        logs.contains("oauthdesk://callback?code=…&state=…"),
        "the log records the redacted link"
    );
    for value in ["E2E-CODE-7731", "E2E-STATE-4410", "E2E-EVIL-1"] {
        assert!(!logs.contains(value), "{value} leaked into the log");
    }
}

#[tokio::test]
async fn a_cold_start_with_a_deep_link_is_handled_the_same_way() {
    let app = App::launch_with_args(
        "cold-start",
        &["oauthdesk://callback?code=E2E-COLD-1&state=E2E-COLD-2"],
    )
    .await;
    app.click("[data-testid=nav-settings]").await;
    let text = app
        .wait_for_text(
            "[data-testid=deep-link]",
            "oauthdesk://callback?code=…&state=…",
        )
        .await;
    assert!(text.contains("at start"), "{text}");
    let page = app.client.source().await.unwrap();
    assert!(!page.contains("E2E-COLD-1"));
    app.quit().await;
}
