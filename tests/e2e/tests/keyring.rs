//! The keyring in the real window: removing a project leaves nothing of it in the real Secret Service (asked with
//! its search API), and a slow keyring never freezes the window.

use std::time::{Duration, Instant};

use oauth_desk_e2e::{App, WAIT, browser_record, opened_url};
use vault::KeyringStore;

const SITE_ID: &str = "1a2b3c4d-1234-4abc-9def-0123456789ab";
const API_KEY: &str = "IST.e2e-keyring-key-7310";

async fn fill(app: &App, name: &str, value: &str) {
    let input = app
        .wait_for_css(&format!(
            "[data-testid=add-project-form] input[name={name}]"
        ))
        .await;
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

#[tokio::test]
async fn removing_a_project_leaves_none_of_its_entries_in_the_secret_service() {
    let wix = wix_emulator::start(wix_emulator::EmulatorConfig {
        admin: wix_emulator::AdminCredentials {
            api_key: API_KEY.into(),
            site_id: SITE_ID.into(),
            account_id: "00000000-0000-4000-8000-0000000000a9".into(),
        },
        ..wix_emulator::EmulatorConfig::default()
    })
    .await
    .unwrap();
    let base = wix.base_url().to_string();
    let record = browser_record("keyring-removal");
    let record_env = record.display().to_string();
    let app = App::launch_with(
        "keyring-removal",
        &[],
        &[
            ("OAUTHDESK_WIX_API_BASE", &base),
            ("OAUTHDESK_BROWSER_RECORD", &record_env),
        ],
    )
    .await;
    let keyring = KeyringStore::new(app.profile.keyring_service.clone());
    let stored = || {
        keyring
            .names_in_keyring()
            .expect("the Secret Service answers")
    };
    assert_eq!(stored(), Vec::<String>::new());

    // Connect "Shop" (it becomes the current project), then hold visitor tokens and a pending browser login.
    app.click("[data-testid=add-project]").await;
    fill(&app, "name", "Shop").await;
    fill(&app, "apiKey", API_KEY).await;
    fill(&app, "scopeId", SITE_ID).await;
    app.click("[data-testid=add-project-form] button[type=submit]")
        .await;
    app.wait_for_text("[data-testid=project]", &format!("Site {SITE_ID}"))
        .await;
    app.click("[data-testid=nav-members]").await;
    let select = app.wait_for_css("[data-testid=member-app]").await;
    app.wait_for_text("[data-testid=member-app]", "Storefront")
        .await;
    select
        .select_by_value(wix_emulator::SEEDED_APP_IDS[0])
        .await
        .unwrap();
    app.wait_for_text("[data-testid=member-callback-status]", "allowed")
        .await;
    app.click("[data-testid=visitor-tokens]").await;
    app.wait_for_text("[data-testid=signed-in-as]", "visitor")
        .await;
    app.click("[data-testid=start-browser-login]").await;
    app.wait_for_text("[data-testid=waiting]", "Waiting for the browser")
        .await;
    opened_url(&record, 1).await;
    let held = stored();
    for kind in ["api-key/", "member-tokens/", "pending-login/"] {
        assert!(
            held.iter().any(|name| name.starts_with(kind)),
            "no {kind} entry in {held:?}"
        );
    }

    app.click("[data-testid=nav-projects]").await;
    app.click("[data-testid=remove-project]").await;
    app.wait_for_text("[data-testid=confirm-remove]", "Remove “Shop”?")
        .await;
    app.click("[data-testid=confirm-remove] button.danger")
        .await;
    let deadline = Instant::now() + WAIT;
    while app.texts("[data-testid=project]").await.len() != 1 {
        assert!(Instant::now() < deadline, "the project is still listed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        stored(),
        Vec::<String>::new(),
        "removing the project left entries behind"
    );
    app.quit().await;
}

#[tokio::test]
async fn the_window_answers_while_a_slow_keyring_call_runs() {
    // Every keyring call takes 4 s, as behind an unlock prompt; the keyring check makes three (12 s in all). A
    // window blocked by it would show nothing new until those 12 s are over.
    let app = App::launch_with(
        "slow-keyring",
        &[],
        &[("OAUTHDESK_TEST_KEYRING_DELAY_MS", "4000")],
    )
    .await;
    app.click("[data-testid=nav-settings]").await;
    app.wait_for_text(
        "[data-testid=test-switches]",
        "OAUTHDESK_TEST_KEYRING_DELAY_MS",
    )
    .await;
    // Timed from before the click: WebDriver itself waits on the window's main thread, so a blocked window would
    // hold the click too.
    let clicked = Instant::now();
    app.click("[data-testid=check-keyring]").await;
    // While the check runs, the window switches views and lists the sandbox's OAuth apps.
    app.click("[data-testid=nav-oauthApps]").await;
    app.wait_for_text("[data-testid=apps-table]", "Storefront")
        .await;
    let answered = clicked.elapsed();
    assert!(
        answered < Duration::from_secs(8),
        "the window showed another view only after {answered:?}, when the 12 s keyring check was (nearly) over"
    );
    // The check itself still finishes, and says so.
    app.click("[data-testid=nav-settings]").await;
    app.click("[data-testid=check-keyring]").await;
    app.wait_for_text("[data-testid=keyring-result]", "The OS keyring works")
        .await;
    app.quit().await;
}
